/**
 * Property tests of the Promise front end over random interleavings, driven
 * by fast-check's scheduler: callers arrive, bodies settle (resolve, reject;
 * or throw synchronously) and signals abort in whatever order it picks.
 *
 * Every run's body settles with a value or error unique to that run, so each
 * caller's result names the run it got. Checked after every interleaving:
 * - no caller is left pending;
 * - at most one body per key is running at a time (running: started, not yet
 *   settled, and not abandoned — its signal not aborted);
 * - a caller that finds a run of its key running (body not yet settled, not
 *   abandoned) joins it and gets that run's outcome, through mapJoin;
 * - a joiner gets a run of its key that had started, had not been abandoned,
 *   and whose outcome no caller had been told of yet when it asked (so a
 *   call after settlement starts a new run);
 * - leaders get their own body's outcome;
 * - counters add up: runs = bodies started, runs + joins = calls past the
 *   pre-checks (signal not already aborted), leaves = callers that left;
 * - size and inFlight return to 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Merger, type Outcome } from '../../src/merge/index.js';
import { flush } from './helpers.js';

interface CallerPlan {
  key: number;
  body: 'resolve' | 'reject' | 'throw';
  /** Whether this caller carries a signal, and whether that signal is aborted at some point. */
  signal: 'none' | 'kept' | 'aborted';
}

const callerPlan: fc.Arbitrary<CallerPlan> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  body: fc.constantFrom('resolve', 'reject', 'throw'),
  signal: fc.constantFrom('none', 'kept', 'aborted'),
});

/** The run a result names: `run3`, `joined:run3`. */
const runNamed = (text: string): number => Number(/run(\d+)$/.exec(text)?.[1] ?? Number.NaN);

/** Joiners are told `joined:<run>` for a success, so a leader's result and a joiner's differ. */
const tagJoin = (o: Outcome<string>): Outcome<string> => (o.ok ? { ok: true, value: `joined:${o.value}` } : o);

interface CallerLog {
  plan: CallerPlan;
  passedPreChecks?: boolean;
  ledRun?: number;
  /** The run found running (body unsettled, not abandoned) when this caller asked, if any. */
  foundRunning?: number;
  /** How many runs had started when this caller asked. */
  startedBefore?: number;
  /** Runs already abandoned (signal aborted, so forgotten) when this caller asked. */
  abandonedBefore?: Set<number>;
  /** Runs whose outcome some caller had been told when this caller asked. */
  toldBefore?: Set<number>;
  result?: { ok: true; value: string } | { ok: false; error: unknown };
}

interface RunLog {
  key: number;
  bodySettled: boolean;
  abandoned: boolean;
}

describe('Merger under random interleavings (fast-check scheduler)', () => {
  it('keeps every guarantee for any order of arrivals, settlements and aborts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(callerPlan, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (s, plans, abortWhenAbandoned) => {
          const merger = new Merger<number, string>({ mapJoin: tagJoin, abortWhenAbandoned });
          const runs: RunLog[] = [];
          /** Runs whose outcome some caller has been told. */
          const toldOf = new Set<number>();
          const callers: CallerLog[] = plans.map((plan) => ({ plan }));
          const reasons = new Map<number, Error>();
          const uniqueness: string[] = [];

          const runningOf = (key: number): number | undefined => {
            const found = runs.findIndex((r) => r.key === key && !r.bodySettled && !r.abandoned);
            return found === -1 ? undefined : found;
          };

          const body = (log: CallerLog) => (signal: AbortSignal) => {
            const run = runs.length;
            if (runningOf(log.plan.key) !== undefined) uniqueness.push(`run ${run} started while another ran for key ${log.plan.key}`);
            runs.push({ key: log.plan.key, bodySettled: false, abandoned: false });
            log.ledRun = run;
            signal.addEventListener('abort', () => ((runs[run] as RunLog).abandoned = true), { once: true });
            const settle = (): void => void ((runs[run] as RunLog).bodySettled = true);
            if (log.plan.body === 'throw') {
              settle();
              throw new Error(`run${run}`);
            }
            return s.schedule(Promise.resolve(), `body of run${run} settles`).then(() => {
              settle();
              if (log.plan.body === 'reject') throw new Error(`run${run}`);
              return `run${run}`;
            });
          };

          callers.forEach((log, i) => {
            const controller = new AbortController();
            const reason = new Error(`caller${i} left`);
            reasons.set(i, reason);
            if (log.plan.signal === 'aborted') {
              void s.schedule(Promise.resolve(), `caller${i} aborts`).then(() => controller.abort(reason));
            }
            void s.schedule(Promise.resolve(), `caller${i} arrives`).then(() => {
              log.passedPreChecks = !controller.signal.aborted;
              log.foundRunning = runningOf(log.plan.key);
              log.toldBefore = new Set(toldOf);
              log.startedBefore = runs.length;
              log.abandonedBefore = new Set(runs.flatMap((r, n) => (r.abandoned ? [n] : [])));
              const options = log.plan.signal === 'none' ? undefined : { signal: controller.signal };
              const call = merger.run(log.plan.key, body(log), options);
              call.then(
                (r) => {
                  log.result = { ok: true, value: r.value };
                  toldOf.add(runNamed(r.value));
                },
                (error: unknown) => {
                  log.result = { ok: false, error };
                  if (error !== reason) toldOf.add(runNamed((error as Error).message)); // a leave tells nothing
                },
              );
            });
          });

          await s.waitIdle();
          await flush();

          expect(uniqueness).toEqual([]);
          callers.forEach((log, i) => {
            const reason = reasons.get(i);
            expect(log.result, `caller${i} is still pending`).toBeDefined();
            const result = log.result as NonNullable<CallerLog['result']>;
            if (!log.passedPreChecks) {
              expect(result).toEqual({ ok: false, error: reason });
              return;
            }
            const left = !result.ok && result.error === reason;
            if (log.ledRun !== undefined) {
              if (!left) {
                const expected = log.plan.body === 'resolve' ? { ok: true, value: `run${log.ledRun}` } : { ok: false, error: new Error(`run${log.ledRun}`) };
                expect(result).toEqual(expected);
              }
              expect(log.foundRunning, `caller${i} led while run ${log.foundRunning} was running`).toBeUndefined();
              return;
            }
            if (left) return;
            // A joiner: told through mapJoin, and of which run?
            if (result.ok) expect(result.value, `caller${i} joined, so mapJoin tags its value`).toMatch(/^joined:run\d+$/);
            const run = runNamed(result.ok ? result.value : (result.error as Error).message);
            expect(runs[run]?.key).toBe(log.plan.key);
            expect(run, `caller${i} got a run that started after it asked`).toBeLessThan(log.startedBefore ?? 0);
            expect(log.abandonedBefore?.has(run), `caller${i} joined run ${run}, abandoned before it asked`).toBe(false);
            expect(log.toldBefore?.has(run), `caller${i} got run ${run}, already over when it asked`).toBe(false);
            if (log.foundRunning !== undefined) expect(run).toBe(log.foundRunning);
          });

          const passed = callers.filter((c) => c.passedPreChecks).length;
          const leaders = callers.filter((c) => c.ledRun !== undefined).length;
          const leftCount = callers.filter((c, i) => c.passedPreChecks && c.result !== undefined && !c.result.ok && c.result.error === reasons.get(i)).length;
          expect(merger.stats()).toEqual({ runs: runs.length, joins: passed - leaders, leaves: leftCount, inFlight: 0 });
          expect(leaders).toBe(runs.length);
          expect(merger.size).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
