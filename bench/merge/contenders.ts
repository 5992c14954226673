/**
 * The contenders: each turns a body `(key) => Promise<number>` into a call
 * `(key) => Promise<unknown>` that coalesces concurrent calls for one key,
 * as far as the library allows.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Singleflight } from '@zcong/singleflight';
import DataLoader from 'dataloader';
import pMemoize from 'p-memoize';
import { coalesceAsync } from 'promise-coalesce';
import type { Merger as SrcMerger } from '../../src/merge/index.js';
import { MapCoalescer } from './baseline.js';

// The Merger as built (dist/merge, what `modstorm/merge` exports; index.ts builds it first), not the
// sources through tsx: tsx compiles with esbuild's keepNames, which redefines every named function's
// `name`, and V8's Function.prototype.bind then leaves its fast path (it must read the name) for
// the handlers the Merger binds per run: the transpiler's cost, measured at 2x on workload (a).
const built = new URL('../../dist/merge/index.js', import.meta.url).href;
const { Merger } = (await import(built)) as { Merger: typeof SrcMerger };

export type Body = (key: number) => Promise<number>;
export type Call = (key: number) => Promise<unknown>;

export const contenders = {
  baseline: (body: Body): Call => {
    const coalescer = new MapCoalescer<number, number>();
    return (key) => coalescer.run(key, () => body(key));
  },
  // The baseline again, in a process where an AsyncLocalStorage has turned Node 20's promise hooks on:
  // shows the tax full EDEADLK detection (detectDeadlock: 'full') puts on every promise while a run is in flight.
  'baseline+hooks': (body: Body): Call => {
    new AsyncLocalStorage<number>().enterWith(1);
    return contenders.baseline(body);
  },
  Merger: (body: Body): Call => {
    const merger = new Merger<number, number>();
    return (key) => merger.run(key, () => body(key));
  },
  // The default options: 'sync' EDEADLK detection on every Node (merger.ts, guarantee 6). Below, the
  // same without any detection and with the opt-in full detection, which size what each costs.
  'Merger detectDeadlock:false': (body: Body): Call => {
    const merger = new Merger<number, number>({ detectDeadlock: false });
    return (key) => merger.run(key, () => body(key));
  },
  'Merger detectDeadlock:full': (body: Body): Call => {
    const merger = new Merger<number, number>({ detectDeadlock: 'full' });
    return (key) => merger.run(key, () => body(key));
  },
  // promise-coalesce and @zcong/singleflight type keys as strings but key a plain Map: numbers
  // are passed as they are, so no contender pays for a conversion.
  'promise-coalesce': (body: Body): Call => {
    return (key) => coalesceAsync(key as unknown as string, () => body(key));
  },
  'p-memoize': (body: Body): Call => pMemoize(body, { cache: false }),
  '@zcong/singleflight': (body: Body): Call => {
    const flight = new Singleflight();
    return (key) => flight.do(key as unknown as string, () => body(key));
  },
  // DataLoader is a batcher, not a coalescer, so the bench shows it but does not count it as a peer
  // (index.ts, notComparable): with `cache: false` it shares nothing between same-key loads (every
  // load runs the body, see the runs column) and only groups one tick's loads into one batch call,
  // a different contract (the batch function takes every key at once). On (a), one caller per key,
  // its body runs equal everyone's, but its speed there is the batching: one Promise.all and one
  // callback per tick instead of a settle per run. With its cache on it would share, but keep every
  // value until cleared, which is a memo, not a merge.
  dataloader: (body: Body): Call => {
    const loader = new DataLoader<number, number>((keys) => Promise.all(keys.map(body)), { cache: false });
    return (key) => loader.load(key);
  },
} satisfies Record<string, (body: Body) => Call>;

export type ContenderName = keyof typeof contenders;
export const contenderNames = Object.keys(contenders) as ContenderName[];
