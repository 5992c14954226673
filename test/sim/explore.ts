/**
 * Exhaustive exploration of tie orders for small models (test helper): a
 * depth-first walk over the tie chooser's decisions. Each run replays a
 * prefix of choices and then takes the first ready step; every alternative
 * seen beyond the prefix becomes a new prefix. The engine is deterministic,
 * so this visits every distinct order exactly once.
 */
import type { Simulation, TieChooser } from '../../src/sim/index.js';

export interface Explored {
  /** Distinct tie orders run. */
  runs: number;
  /** Most choices (ties with 2+ ready steps) in one run. */
  deepest: number;
}

/**
 * Runs `build(chooser)`'s simulation under every tie order; `check` is
 * called after each run with the choices made (throw to fail).
 */
export function exploreAll(
  build: (chooser: TieChooser) => Simulation,
  check: (sim: Simulation, choices: readonly number[]) => void,
  maxRuns = 200_000,
): Explored {
  const todo: number[][] = [[]];
  let runs = 0;
  let deepest = 0;
  while (todo.length > 0) {
    const prefix = todo.pop() as number[];
    const taken: number[] = [];
    const widths: number[] = [];
    const chooser: TieChooser = (ready) => {
      const k = taken.length < prefix.length ? (prefix[taken.length] as number) : 0;
      taken.push(k);
      widths.push(ready.length);
      return k;
    };
    const sim = build(chooser);
    sim.run();
    check(sim, taken);
    runs++;
    deepest = Math.max(deepest, taken.length);
    if (runs > maxRuns) throw new Error(`explore: more than ${maxRuns} orders; make the model smaller`);
    for (let d = prefix.length; d < widths.length; d++) {
      for (let k = 1; k < (widths[d] as number); k++) todo.push([...taken.slice(0, d), k]);
    }
  }
  return { runs, deepest };
}
