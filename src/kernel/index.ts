/**
 * modstorm/kernel — the kernel's module subsystem under every duplicate-load
 * strategy: the module list and its states, finit_module / init_module /
 * delete_module, the load path's stages and costs, counters, observers.
 */
export { Kernel, type KernelOptions } from './kernel.js';
export { STRATEGIES, POLICIES, isStrategy, type StrategyId } from './policies/index.js';
export {
  DEFAULT_COSTS,
  ZERO_TIME_COSTS,
  resolveCosts,
  costProfileSchema,
  costOverridesSchema,
  COST_NAMES,
  stageNs,
  imageBytesOf,
  layoutBytes,
  gracePeriodNs,
  regionFreeNs,
  jiffiesTillFirstFqs,
  type CostProfile,
  type CostOverrides,
  type StageCost,
} from './costs.js';
export { KernelStats, DETECTION_POINTS, type DetectionPoint, type KernelStatsSnapshot, type WastedBytes } from './stats.js';
export type {
  KernelObserver,
  TransitionEvent,
  InitEvent,
  SyscallEntryEvent,
  SyscallReturnEvent,
  DedupEvent,
  DedupDecision,
} from './observer.js';
export type { LoadPolicy, LoadRequest, PolicyDefinition, PolicyHost, PolicyHook, Verdict } from './policy.js';
export { stackPolicies } from './policy.js';
export { ERRNO_NAMES, isErrno, errnoNumber, errnoMessage, errnoName, compareResults, sortedTally } from './errno.js';
export type { Errno, SyscallResult, ModuleState, Initstate, ModuleFile, InitBehaviour, SyscallName } from './types.js';
export { SIGKILL, sigkill } from './syscall.js';
