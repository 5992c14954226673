/**
 * The M/M/c queue written for modstorm's engine: one source process draws
 * exponential inter-arrival times; each customer is a process that holds
 * one of c CPUs for an exponential service time (FIFO queue when all are
 * busy). Events counted as customers × 3: arrival, service start, departure.
 */
import { Simulation } from '../../src/sim/index.js';

export interface MmcParams {
  customers: number;
  servers: number;
  /** Mean service time, ns. */
  meanServiceNs: number;
  /** Target utilisation: λ = utilisation · c / meanService. */
  utilisation: number;
  seed: number;
}

export interface MmcResult {
  customers: number;
  events: number;
  /** Engine steps (start, delay, cpu), for comparison with `events`. */
  steps: number;
  simulatedNs: number;
  meanWaitNs: number;
  /** Wall-clock seconds of the run. */
  wallSeconds: number;
  /** CPU seconds of the run (user + system): what `eventsPerSecond` divides by. */
  seconds: number;
  /** Events per CPU second: steadier than wall time on a shared machine, equal to it on an idle one. */
  eventsPerSecond: number;
}

/** Timers for a run: the bench passes real ones; tests pass none. */
export interface Clocks {
  /** Wall clock, ms. */
  wall: () => number;
  /** CPU time of this process, ms. */
  cpu: () => number;
}

const noClocks: Clocks = { wall: () => 0, cpu: () => 0 };

/** The benchmark's queue: 64 CPUs, 1 ms mean service, utilisation 0.9. */
export const MMC: MmcParams = { customers: 1_000_000, servers: 64, meanServiceNs: 1_000_000, utilisation: 0.9, seed: 1 };

/**
 * Runs the queue on `engine` (default: the engine from src; the bench passes the built one from dist,
 * which is what the `modstorm` command runs).
 */
export function runMmc(params: MmcParams, clocks: Clocks = noClocks, engine: typeof Simulation = Simulation): MmcResult {
  const { customers, servers, meanServiceNs, utilisation, seed } = params;
  const meanInterArrivalNs = meanServiceNs / (utilisation * servers);
  const sim = new engine({ seed });
  const cpus = sim.cpus(servers);
  const arrivals = sim.random('arrivals');
  const service = sim.random('service');
  let waited = 0;

  function* customer() {
    const arrived = sim.now;
    const ns = Math.round(service.exponential(meanServiceNs));
    yield* cpus.run(ns);
    waited += sim.now - arrived - ns;
  }

  sim.spawn('source', function* () {
    for (let i = 0; i < customers; i++) {
      yield* sim.delay(Math.round(arrivals.exponential(meanInterArrivalNs)));
      sim.spawn('customer', customer);
    }
  });

  const wallStart = clocks.wall();
  const cpuStart = clocks.cpu();
  sim.run();
  const seconds = (clocks.cpu() - cpuStart) / 1000;
  const wallSeconds = (clocks.wall() - wallStart) / 1000;
  const events = customers * 3;
  return {
    customers,
    events,
    steps: sim.steps,
    simulatedNs: sim.now,
    meanWaitNs: waited / customers,
    wallSeconds,
    seconds,
    eventsPerSecond: events / seconds,
  };
}

/** Mean time in queue for M/M/c by Erlang's C formula, in the unit of `meanService`. */
export function erlangCWait(servers: number, utilisation: number, meanService: number): number {
  const a = utilisation * servers; // offered load in Erlangs
  let term = 1; // a^k / k!
  let sum = 0;
  for (let k = 0; k < servers; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const top = term / (1 - utilisation);
  const probWait = top / (sum + top);
  return (probWait * meanService) / (servers * (1 - utilisation));
}
