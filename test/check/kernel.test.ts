/**
 * The checker on the real kernel model: the verdicts the history of each
 * strategy implies, in the small configurations (2 requests; the 3×2 full
 * exploration is the benchmark's).
 */
import { describe, expect, it } from 'vitest';
import { checkStrategy, replayToken, type StrategyReport } from '../../src/check/checker.js';
import { GUARANTEES } from '../../src/check/guarantees.js';
import { STRATEGIES, type StrategyId } from '../../src/kernel/index.js';

const reports = new Map<string, StrategyReport>();
function report(strategy: StrategyId, modules: 1 | 2 = 1): StrategyReport {
  const key = `${strategy}/${modules}`;
  let r = reports.get(key);
  if (r === undefined) {
    r = checkStrategy({ strategy, requests: 2, modules });
    reports.set(key, r);
  }
  return r;
}

describe('checker on the kernel strategies (2 requests)', () => {
  it('gives every guarantee a verdict under every strategy, exploring completely', () => {
    for (const s of STRATEGIES) {
      for (const modules of [1, 2] as const) {
        const r = report(s, modules);
        expect(Object.keys(r.invariants).sort()).toEqual([...GUARANTEES].sort());
        for (const g of GUARANTEES) expect(['holds', 'violated']).toContain(r.invariants[g]);
        expect(r.complete).toBe(true);
        expect(r.statesExplored).toBeGreaterThan(0);
        // A verdict of "violated" always comes with its counter-example, and only then.
        expect(r.counterexamples.map((c) => c.invariant).sort()).toEqual(
          GUARANTEES.filter((g) => r.invariants[g] === 'violated').sort(),
        );
      }
    }
  });

  it('v5.2 tells a waiter EEXIST while the module is GOING', () => {
    for (const modules of [1, 2] as const) {
      const r = report('v5.2', modules);
      expect(r.invariants.noFalseSuccess).toBe('violated');
      const c = r.counterexamples.find((x) => x.invariant === 'noFalseSuccess');
      expect(c?.message).toMatch(/EEXIST .* GOING|EEXIST .* not loaded/);
    }
  });

  it('v5.3 keeps no-false-success but its waiters load again', () => {
    for (const modules of [1, 2] as const) {
      const r = report('v5.3', modules);
      expect(r.invariants.noFalseSuccess).toBe('holds');
      expect(r.invariants.uniqueness).toBe('violated');
      expect(r.counterexamples.find((x) => x.invariant === 'uniqueness')?.message).toMatch(/runs mod_a's init itself/);
    }
  });

  it('merge, idempotent and mainline keep all five guarantees', () => {
    for (const s of ['merge', 'idempotent', 'mainline'] as const) {
      for (const modules of [1, 2] as const) {
        const r = report(s, modules);
        expect(r.invariants).toEqual({
          noFalseSuccess: 'holds',
          freshRetry: 'holds',
          uniqueness: 'holds',
          liveness: 'holds',
          agreement: 'holds',
        });
      }
    }
  });

  it('liveness holds under every strategy', () => {
    for (const s of STRATEGIES) for (const modules of [1, 2] as const) expect(report(s, modules).invariants.liveness).toBe('holds');
  });

  it('worst-case inits: 1 with the dedup point at entry, more where it sits after the read', () => {
    expect(report('idempotent').worstCaseInits).toBe(1);
    expect(report('mainline').worstCaseInits).toBe(1);
    // A request still reading when the first (failing) load ended finds nothing in flight and loads again.
    expect(report('merge').worstCaseInits).toBeGreaterThan(1);
    expect(report('v6.2').worstCaseInits).toBeGreaterThan(1);
    const burst = report('merge').scenarios.filter((s) => s.worstCaseInits !== null);
    // Only the plain configurations (requests alone) count, and with init succeeding the figure is 1.
    expect(burst.every((s) => !/delete|signal/.test(s.config))).toBe(true);
    expect(burst.find((s) => /success$/.test(s.config))?.worstCaseInits).toBe(1);
  });

  it("a counter-example's replay token reproduces the same violation and trace", () => {
    for (const s of ['v5.2', 'v5.3'] as const) {
      for (const c of report(s, 2).counterexamples) {
        const replay = replayToken(c.replay);
        expect(replay.configName).toBe(c.config);
        expect(replay.violations.map((v) => v.guarantee)).toContain(c.invariant);
        expect(replay.violations.find((v) => v.guarantee === c.invariant)?.message).toBe(c.message);
        expect(replay.trace).toEqual(c.trace);
        // The trace marks the step where the guarantee broke.
        expect(c.trace.some((l) => l.violation?.startsWith(c.invariant))).toBe(true);
        // Each step names the load stage it ran, not a bare scheduling point.
        expect(c.trace.some((l) => l.what.startsWith('[stage:addUnformed]'))).toBe(true);
        expect(c.trace.some((l) => l.what.startsWith('[delay]'))).toBe(false);
      }
    }
  });

  it('pruning and reduction change the work, not the verdicts', () => {
    // Full enumeration is affordable for the cheap strategies only; v5.2 and v6.2 agree too (tried by hand).
    for (const s of ['merge', 'idempotent', 'mainline'] as const) {
      const fast = report(s);
      const full = checkStrategy({ strategy: s, requests: 2, modules: 1, prune: false, reduce: false });
      expect(full.invariants).toEqual(fast.invariants);
      expect(full.worstCaseInits).toBe(fast.worstCaseInits);
      expect(full.statesExplored).toBeGreaterThan(fast.statesExplored);
      expect(full.scenarios.map((x) => x.outcomes)).toEqual(fast.scenarios.map((x) => x.outcomes));
    }
  });
});

describe('checker on the userspace strategies (real udev gates and kmod probe, on v5.3)', () => {
  it('udev-flock: waiters take the lock after a failed load and load again', () => {
    const r = checkStrategy({ strategy: 'v5.3', userspace: 'udev-flock', requests: 2, modules: 1 });
    expect(r.strategy).toBe('udev-flock@v5.3');
    expect(r.invariants.uniqueness).toBe('violated');
    expect(r.invariants.noFalseSuccess).toBe('holds');
    expect(r.invariants.liveness).toBe('holds');
    // Every request of the burst runs init: the failing loads are serialised, not merged.
    expect(r.worstCaseInits).toBe(2);
    const c = r.counterexamples.find((x) => x.invariant === 'uniqueness');
    expect(c?.config).toBe('udev-flock@v5.3 2x1 failure');
    expect(replayToken(c?.replay as string).violations.map((v) => v.guarantee)).toContain('uniqueness');
  });

  it('add-once: later events of the trigger are dropped, one init per burst', () => {
    const r = checkStrategy({ strategy: 'v5.3', userspace: 'add-once', requests: 2, modules: 1 });
    expect(Object.values(r.invariants)).toEqual(['holds', 'holds', 'holds', 'holds', 'holds']);
    expect(r.worstCaseInits).toBe(1);
    expect(r.scenarios[0]?.outcomes.some((o) => o.includes('kmod load mod_a → dropped'))).toBe(true);
  });
});

describe('checker with a module that loads itself through an alias', () => {
  it('reports the hang as a liveness violation under every strategy, and returns', () => {
    for (const s of STRATEGIES) {
      const r = checkStrategy({ strategy: s, requests: 1, modules: 1, selfLoad: true });
      expect(r.complete).toBe(true);
      expect(r.invariants.liveness).toBe('violated');
      const c = r.counterexamples.find((x) => x.invariant === 'liveness');
      expect(c?.message).toMatch(/blocked forever: .*req0.*modprobe mod_a/);
      expect(r.scenarios[0]?.outcomes).toEqual(['modprobe mod_a: never returned; req: never returned']);
    }
  });

  it('ends a run that never settles at the step bound, as incomplete rather than a liveness violation', () => {
    // A bound far too small for any run to finish: the checker must stop and say that it was cut short.
    const r = checkStrategy({ strategy: 'merge', requests: 2, modules: 1, maxSteps: 12 });
    expect(r.invariants.liveness).toBe('incomplete: step bound');
    expect(r.counterexamples.find((x) => x.invariant === 'liveness')).toBeUndefined();
    expect(r.complete).toBe(false);
    expect(r.boundsHit.join('\n')).toMatch(/merge 2x1 success: \d+ runs hit the step bound \(12 steps\)/);
  });
});
