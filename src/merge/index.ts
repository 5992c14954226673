/**
 * modstorm/merge — merging of concurrent same-key requests.
 *
 * `MergeCore` is the synchronous state machine; `Merger` is its Promise
 * front end. The simulation front end lives in src/sim and drives the same
 * core in virtual time.
 */
export { MergeCore, Flight, type Begin, type MergeCoreOptions, type MergeStats, type Outcome } from './core.js';
export {
  Merger,
  asyncContextFrameInUse,
  type DeadlockDetection,
  MergeDeadlockError,
  MergeTimeoutError,
  type MergerOptions,
  type RunOptions,
  type RunResult,
} from './merger.js';
