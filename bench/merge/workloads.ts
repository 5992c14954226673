/** The three workloads: every call is made before any settles, then all are awaited. */
import type { Call } from './contenders.js';

export interface Workload {
  readonly title: string;
  /** Calls made by one `run`. */
  readonly calls: number;
  run(call: Call): Promise<void>;
}

async function callersPerKey(call: Call, keys: number, callers: number): Promise<void> {
  const pending = new Array<Promise<unknown>>(keys * callers);
  let i = 0;
  for (let key = 0; key < keys; key++) {
    for (let c = 0; c < callers; c++) pending[i++] = call(key);
  }
  await Promise.all(pending);
}

export const workloads = {
  a: {
    title: '(a) 1 caller × 100k keys',
    calls: 100_000,
    run: (call) => callersPerKey(call, 100_000, 1),
  },
  b: {
    title: '(b) 1,000 callers × 1 key × 200 rounds',
    calls: 200_000,
    run: async (call) => {
      for (let round = 0; round < 200; round++) await callersPerKey(call, 1, 1_000);
    },
  },
  c: {
    title: '(c) 10 callers × 10k keys',
    calls: 100_000,
    run: (call) => callersPerKey(call, 10_000, 10),
  },
} satisfies Record<string, Workload>;

export type WorkloadName = keyof typeof workloads;
export const workloadNames = Object.keys(workloads) as WorkloadName[];
