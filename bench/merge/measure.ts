/**
 * One contender on one workload, in a process of its own (spawned by
 * index.ts), so that no contender inherits another's JIT state, garbage or
 * async hooks. Prints one JSON line: a `Measurement`.
 *
 * Usage: node --expose-gc --import tsx bench/merge/measure.ts CONTENDER WORKLOAD REPS WARMUP
 */
import { contenders, type ContenderName } from './contenders.js';
import { workloads, type WorkloadName } from './workloads.js';

export interface Measurement {
  /** Median over the timed repetitions. */
  opsPerSec: number;
  samples: number[];
  /** Body invocations in one repetition: how much the contender actually merged. */
  bodyRuns: number;
  /** heapUsed after the last repetition, after a full gc when `gc` is exposed. */
  heapUsedAfter: number;
  /** heapUsed after minus heapUsed before the repetitions (both after gc): memory kept across runs. */
  retained: number;
  gcExposed: boolean;
}

const [contenderName, workloadName, repsArg, warmupArg] = process.argv.slice(2);
const makeCall = contenders[contenderName as ContenderName];
const workload = workloads[workloadName as WorkloadName];
if (makeCall === undefined || workload === undefined) {
  console.error(`measure: unknown contender ${contenderName} or workload ${workloadName}`);
  process.exit(2);
}
const reps = Number(repsArg ?? 11);
const warmup = Number(warmupArg ?? 3);

const gc = (globalThis as { gc?: () => void }).gc;
let bodyRuns = 0;
const call = makeCall((key) => {
  bodyRuns++;
  return Promise.resolve(key);
});

for (let i = 0; i < warmup; i++) await workload.run(call);
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const samples: number[] = [];
// No forced gc between repetitions: a full gc discards optimized code that embeds objects
// weakly (V8 "weak objects" deopts), so each repetition would time re-optimization instead
// of merging. Each contender pays for its own garbage, on its own clock.
for (let i = 0; i < reps; i++) {
  bodyRuns = 0;
  const start = process.hrtime.bigint();
  await workload.run(call);
  const ns = Number(process.hrtime.bigint() - start);
  samples.push(Math.round((workload.calls / ns) * 1e9));
}
gc?.();
const heapUsedAfter = process.memoryUsage().heapUsed;
const sorted = [...samples].sort((x, y) => x - y);
const result: Measurement = {
  opsPerSec: sorted[Math.floor(sorted.length / 2)] ?? 0,
  samples,
  bodyRuns,
  heapUsedAfter,
  retained: heapUsedAfter - heapBefore,
  gcExposed: gc !== undefined,
};
console.log(JSON.stringify(result));
