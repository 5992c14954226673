/**
 * A sweep: the same storm at several CPU counts under several strategies,
 * for "how does boot time grow with CPUs under each strategy". Points are
 * independent runs, so they go to worker threads, one per core; results
 * come back in plan order whatever order the workers finish in, so the
 * output is the same for any number of jobs.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunResult } from './result.js';
import { runScenario } from './run.js';
import type { Scenario } from './scenario.js';

export interface SweepResult {
  /** The swept CPU counts, in order. */
  readonly cpus: readonly number[];
  /** Strategy labels, in table order. */
  readonly strategies: readonly string[];
  /** One run per (CPU count, strategy): `runs[i * strategies.length + j]`. */
  readonly runs: readonly RunResult[];
}

export interface SweepOptions {
  /** Worker threads; 1 runs every point in this thread. */
  readonly jobs: number;
  /** Called each time a point finishes, with how many have. */
  readonly onPoint?: ((done: number, total: number) => void) | undefined;
}

/** Message from the sweep worker: the run at `index` of the plan, or why it could not run. */
export type SweepReply = { index: number; result: RunResult } | { index: number; error: string };

/** Runs every scenario of the plan and returns their results in plan order. */
export async function runSweep(plan: readonly Scenario[], options: SweepOptions): Promise<RunResult[]> {
  const results: RunResult[] = new Array<RunResult>(plan.length);
  let done = 0;
  const finished = (index: number, result: RunResult): void => {
    results[index] = result;
    options.onPoint?.(++done, plan.length);
  };
  const jobs = Math.max(1, Math.min(options.jobs, plan.length));
  if (jobs === 1) {
    plan.forEach((scenario, index) => finished(index, runScenario(scenario)));
    return results;
  }
  // Biggest machines first: the longest runs start early and the workers finish together.
  const order = plan.map((s, index) => ({ index, cpus: s.machine.cpus })).sort((a, b) => b.cpus - a.cpus || a.index - b.index);
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      const worker = startWorker();
      try {
        while (next < order.length) {
          const { index } = order[next++] as { index: number };
          finished(index, await runOn(worker, index, plan[index] as Scenario));
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return results;
}

function startWorker(): Worker {
  const url = new URL(`./sweep-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (url.pathname.endsWith('.js')) return new Worker(url);
  // Run from source (tests, tsx): the worker is TypeScript and needs tsx's loader inside its own thread first.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true });
}

function runOn(worker: Worker, index: number, scenario: Scenario): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: SweepReply): void => {
      worker.off('error', onError);
      if ('error' in reply) reject(new Error(reply.error));
      else resolve(reply.result);
    };
    const onError = (error: Error): void => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage({ index, scenario });
  });
}
