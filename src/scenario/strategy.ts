/**
 * A run's strategy: the kernel's duplicate-load policy, plus optionally a
 * userspace one (udev-side de-duplication) running on top of it.
 */
import { STRATEGIES, type StrategyId } from '../kernel/index.js';
import { USERSPACE_STRATEGIES, type UserspaceStrategy } from '../userspace/udev/index.js';

export { STRATEGIES, USERSPACE_STRATEGIES, type StrategyId, type UserspaceStrategy };

/** The kernel a userspace strategy runs on unless told otherwise: the one both proposals were made against. */
export const DEFAULT_USERSPACE_KERNEL: StrategyId = 'v5.3';

export interface StrategySpec {
  /** What the run is called in reports: the kernel policy, or `udev-flock@v5.3`. */
  readonly label: string;
  readonly kernel: StrategyId;
  readonly userspace: UserspaceStrategy | undefined;
}

export function isKernelStrategy(id: string): id is StrategyId {
  return (STRATEGIES as readonly string[]).includes(id);
}

export function isUserspaceStrategy(id: string): id is UserspaceStrategy {
  return (USERSPACE_STRATEGIES as readonly string[]).includes(id);
}

/** Every strategy id a user may name, in table order: each kernel policy, then the userspace ones. */
export function strategyIds(): string[] {
  return [...STRATEGIES, ...USERSPACE_STRATEGIES];
}

/** The one place a run's strategy gets its name in reports: `v5.3`, or `udev-flock@v5.3`. */
export function strategyLabel(kernel: StrategyId, userspace: UserspaceStrategy | undefined): string {
  return userspace === undefined ? kernel : `${userspace}@${kernel}`;
}

/** Every strategy in table order, the userspace ones on `kernel`: what `compare` and `check --strategy all` run. */
export function everyStrategy(kernel: StrategyId = DEFAULT_USERSPACE_KERNEL): StrategySpec[] {
  return [...STRATEGIES.map((s) => strategySpec(s)), ...USERSPACE_STRATEGIES.map((u) => strategySpec(u, kernel))];
}

/** Builds the spec; the ids must have been checked already. */
export function strategySpec(strategy: StrategyId | UserspaceStrategy, kernel?: StrategyId): StrategySpec {
  if (isUserspaceStrategy(strategy)) {
    const k = kernel ?? DEFAULT_USERSPACE_KERNEL;
    return { label: strategyLabel(k, strategy), kernel: k, userspace: strategy };
  }
  return { label: strategyLabel(strategy, undefined), kernel: strategy, userspace: undefined };
}
