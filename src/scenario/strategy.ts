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

/** Every strategy id a user may name. */
export function strategyIds(): string[] {
  return [...STRATEGIES, ...USERSPACE_STRATEGIES];
}

/** Builds the spec; the ids must have been checked already. */
export function strategySpec(strategy: StrategyId | UserspaceStrategy, kernel?: StrategyId): StrategySpec {
  if (isUserspaceStrategy(strategy)) {
    const k = kernel ?? DEFAULT_USERSPACE_KERNEL;
    return { label: `${strategy}@${k}`, kernel: k, userspace: strategy };
  }
  return { label: strategy, kernel: strategy, userspace: undefined };
}
