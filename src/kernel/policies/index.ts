/**
 * The strategy registry: id → policy. Adding a strategy is a file in this
 * folder and a line here; the loader does not change.
 */
import type { PolicyDefinition } from '../policy.js';
import { idempotent, v6_5 } from './idempotent.js';
import { mainline } from './mainline.js';
import { merge } from './merge.js';
import { v5_2 } from './v5-2.js';
import { v5_3 } from './v5-3.js';
import { v6_2 } from './v6-2.js';
import { v6_4 } from './v6-4.js';

/** Every kernel policy by id, oldest first (the order of the strategy table in the README). */
export const POLICIES = {
  'v5.2': v5_2,
  'v5.3': v5_3,
  merge,
  'v6.2': v6_2,
  'v6.4': v6_4,
  'v6.5': v6_5,
  idempotent,
  mainline,
} as const satisfies Readonly<Record<string, PolicyDefinition>>;

export type StrategyId = keyof typeof POLICIES;

/** Every kernel strategy id, in the registry's order: derived, so a new policy is one line above. */
export const STRATEGIES: readonly StrategyId[] = Object.freeze(Object.keys(POLICIES) as StrategyId[]);

export function isStrategy(id: string): id is StrategyId {
  return Object.prototype.hasOwnProperty.call(POLICIES, id);
}
