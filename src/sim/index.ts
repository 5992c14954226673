/**
 * modstorm's deterministic discrete-event engine: virtual time in integer
 * nanoseconds, processes as generators yielding waitables, ties broken by a
 * pluggable chooser, randomness from seeded named streams.
 */
export { Simulation, ProcessCrash, type SimulationOptions, type RunOptions, type SpawnOptions } from './simulation.js';
export { Engine } from './engine.js';
export { Process, Wait, type ProcessState, type JoinResult, type Scheduler, type Holding } from './process.js';
export { type Waitable, type ProcessBody, deadlockError } from './waitable.js';
export { type Ns, NS_PER_US, NS_PER_MS, NS_PER_S } from './time.js';
export { CpuPool } from './cpu.js';
export { WaitQueue, type WaitOptions, type WaitEventResult } from './wait-queue.js';
export { Completion, type CompletionResult } from './completion.js';
export { Mutex, type MutexOptions } from './mutex.js';
export { LockedWaitEvent, type LockedWaitOptions, type LockedWaitResult, type LockedWaitSettle } from './locked-wait.js';
export { Random, hashName } from './random.js';
export { fifoChooser, randomChooser, type ReadyStep, type TieChooser } from './chooser.js';
export { type TraceRecord, type TraceKind, formatTrace } from './trace.js';
export { type Step, type StepKind } from './step.js';
export { SimMerger, LeaderKilledError, type SimMergerOptions, type SimRunOptions, type SimRunResult } from './merge.js';
