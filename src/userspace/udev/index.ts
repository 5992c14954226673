/**
 * The udev side of a storm: udevd's queue and workers, coldplug, and the
 * kmod builtin with the userspace de-duplication strategies.
 */
export { defaultChildrenMax, CHILDREN_MAX_CAP } from './children-max.js';
export { ancestors, devpathsConflict } from './devpath.js';
export { EventQueue, type Queueable } from './event-queue.js';
export { DEFAULT_UDEV_COSTS, UDEV_COST_NAMES, type UdevCosts } from './costs.js';
export {
  Udevd,
  Worker,
  type Device,
  type UEvent,
  type UeventAction,
  type EventRunner,
  type UdevdOptions,
  type UdevStats,
} from './udevd.js';
export { KmodBuiltin, type KmodBuiltinOptions, type KmodLoad, type ModuleSyscalls } from './kmod-builtin.js';
export { LoadLog, loggedAsInserted, type ModuleRequests } from './load-log.js';
export {
  USERSPACE_STRATEGIES,
  DROPPED,
  OpenGate,
  FlockGate,
  AddOnceGate,
  loadGate,
  type LoadGate,
  type UserspaceStrategy,
} from './strategies.js';
