/**
 * With every cost 0 (the model checker's profile) each stage is still a
 * scheduling point, so a random tie chooser finds different interleavings;
 * across them the checker's guarantees hold for every strategy but v5.2.
 */
import { describe, expect, it } from 'vitest';
import { Kernel, STRATEGIES, ZERO_TIME_COSTS, type StrategyId, type SyscallResult } from '../../src/kernel/index.js';
import { Simulation, randomChooser } from '../../src/sim/index.js';
import { moduleFile } from './helpers.js';

interface Outcome {
  inits: number;
  falseSuccesses: number;
  results: (SyscallResult | undefined)[];
}

function explore(strategy: StrategyId, seed: number, init: SyscallResult): Outcome {
  const file = moduleFile('m', { init: { result: init, ns: 0 } });
  const sim = new Simulation({ chooser: randomChooser(seed) });
  const kernel = new Kernel(sim, { policy: strategy, files: [file], cpus: sim.cpus(4), costs: ZERO_TIME_COSTS });
  const out: Outcome = { inits: 0, falseSuccesses: 0, results: [] };
  kernel.observe({
    init: (e) => void (e.result === undefined && out.inits++),
    syscallReturn: (e) => {
      if ((e.result === 0 || e.result === 'EEXIST') && kernel.initstate('m') !== 'live') out.falseSuccesses++;
    },
  });
  for (let i = 0; i < 3; i++) {
    sim.spawn(`p${i}`, function* (self) {
      out.results[i] = yield* kernel.finitModule(self, file.path);
    });
  }
  sim.run();
  expect(sim.blocked()).toEqual([]);
  return out;
}

const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

describe('interleavings of three requests with zero costs', () => {
  for (const strategy of STRATEGIES) {
    const claim = strategy === 'v5.2' ? '' : ', and none is told the module loaded while it is not LIVE';
    it(`${strategy}: every request returns${claim}`, () => {
      for (const init of [0, 'ENODEV'] as const) {
        const outcomes = SEEDS.map((seed) => explore(strategy, seed, init));
        for (const o of outcomes) expect(o.results.every((r) => r !== undefined)).toBe(true);
        const falseSuccesses = outcomes.reduce((n, o) => n + o.falseSuccesses, 0);
        if (strategy === 'v5.2' && init === 'ENODEV') expect(falseSuccesses).toBeGreaterThan(0);
        else expect(falseSuccesses).toBe(0);
      }
    });
  }

  it('the chooser reaches both one and several inits under v6.2 (a request still reading when the first load ended)', () => {
    const inits = new Set(SEEDS.map((seed) => explore('v6.2', seed, 'ENODEV').inits));
    expect(inits.has(1)).toBe(true);
    expect([...inits].some((n) => n > 1)).toBe(true);
  });
});
