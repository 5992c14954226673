"""The M/M/c queue for SimPy 2.3 (Debian's python3-simpy, SimPy.Simulation API).

Same model as bench/sim/mmc.ts: one source, exponential inter-arrival and
service times, c servers in one Resource with a FIFO queue. Events counted
as customers x 3 (arrival, service start, departure). Prints one JSON line; events/s are per CPU second (time.process_time), as on the engine's side.

usage: python3 mmc_simpy.py CUSTOMERS SERVERS MEAN_SERVICE_NS UTILISATION SEED
"""
import json
import random
import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate


def main():
    customers, servers = int(sys.argv[1]), int(sys.argv[2])
    mean_service, utilisation, seed = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    mean_inter = mean_service / (utilisation * servers)
    arrivals, service = random.Random(seed), random.Random(seed + 1)
    stats = {"waited": 0.0}

    initialize()
    cpus = Resource(capacity=servers, name="cpus")

    class Customer(Process):
        def visit(self):
            arrived = now()
            ns = round(service.expovariate(1.0 / mean_service))
            yield request, self, cpus
            stats["waited"] += now() - arrived
            yield hold, self, ns
            yield release, self, cpus

    class Source(Process):
        def generate(self):
            for _ in range(customers):
                yield hold, self, round(arrivals.expovariate(1.0 / mean_inter))
                c = Customer(name="customer")
                activate(c, c.visit())

    source = Source(name="source")
    activate(source, source.generate())
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    simulate(until=float("inf"))
    seconds = time.process_time() - cpu_start
    wall_seconds = time.perf_counter() - wall_start
    events = customers * 3
    print(json.dumps({
        "customers": customers,
        "events": events,
        "simulatedNs": now(),
        "meanWaitNs": stats["waited"] / customers,
        "wallSeconds": wall_seconds,
        "seconds": seconds,
        "eventsPerSecond": events / seconds,
    }))


if __name__ == "__main__":
    main()
