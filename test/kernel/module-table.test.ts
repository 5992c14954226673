/**
 * The module list seen from userspace and from delete_module: initstate,
 * /proc/modules, unloading, and symbol resolution against exporters.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_COSTS, layoutBytes } from '../../src/kernel/index.js';
import { Module } from '../../src/kernel/module-table.js';
import { NS_PER_MS, NS_PER_S } from '../../src/sim/index.js';
import { load, machine, moduleFile } from './helpers.js';

describe('initstate and /proc/modules', () => {
  it('show a module Loading (coming) during init, Live after, Unloading while deleted', () => {
    const file = moduleFile('dummy', { size: 17497, init: { result: 0, ns: 20 * NS_PER_MS } });
    const m = machine('mainline', [file]);
    load(m, file);
    const seen: string[] = [];
    m.sim.spawn('watcher', function* () {
      yield* m.sim.delay(10 * NS_PER_MS);
      seen.push(`${m.kernel.initstate('dummy')}|${m.kernel.procModules()}`);
    });
    m.sim.run();
    const size = layoutBytes(DEFAULT_COSTS, 17497);
    // During init the module holds its init reference: refcount 1.
    expect(seen).toEqual([`coming|dummy ${size} 1 - Loading 0xffffffffc0000000\n`]);
    expect(m.kernel.initstate('dummy')).toBe('live');
    expect(m.kernel.procModules()).toBe(`dummy ${size} 0 - Live 0xffffffffc0000000\n`);

    let during = '';
    m.sim.spawn('rmmod', function* (self) {
      const r = m.kernel.deleteModule(self, 'dummy');
      const rmmod = r[Symbol.iterator]();
      // Step the call by hand to look at the views while it is GOING.
      let step = rmmod.next();
      while (step.done !== true) {
        if (m.kernel.initstate('dummy') === 'going') during = m.kernel.procModules();
        step = rmmod.next(yield step.value);
      }
      expect(step.value).toBe(0);
    });
    m.sim.run();
    expect(during).toBe(`dummy ${size} 0 - Unloading 0xffffffffc0000000\n`);
    expect(m.kernel.initstate('dummy')).toBeUndefined();
    expect(m.kernel.procModules()).toBe('');
  });

  it('hides UNFORMED modules and lists the newest first', () => {
    const a = moduleFile('a', { init: { result: 0, ns: 0 } });
    const b = moduleFile('b', { init: { result: 0, ns: 0 } });
    const m = machine('v6.2', [a, b]);
    load(m, a);
    load(m, b, 50 * NS_PER_MS);
    m.sim.run();
    expect(m.kernel.procModules().split('\n').map((l) => l.split(' ')[0])).toEqual(['b', 'a', '']);
  });
});

describe('delete_module', () => {
  function rmmod(m: ReturnType<typeof machine>, name: string, at: number): { result?: string | 0 } {
    const out: { result?: string | 0 } = {};
    m.sim.spawn(
      `rmmod ${name}`,
      function* (self) {
        out.result = yield* m.kernel.deleteModule(self, name);
      },
      { at },
    );
    return out;
  }

  it('frees a LIVE unused module and wakes a load waiting for it to go', () => {
    const file = moduleFile('dummy', { init: { result: 0, ns: 0 } });
    const m = machine('v5.3', [file]);
    load(m, file);
    m.sim.run();
    const del = rmmod(m, 'dummy', m.sim.now);
    m.sim.run();
    expect(del.result).toBe(0);
    expect(m.kernel.stats.moduleAreaBytes).toBe(0);
    // The name is free again: a new load runs init again.
    const again = load(m, file, m.sim.now);
    m.sim.run();
    expect(again.result).toBe(0);
    expect(m.kernel.stats.fullLoads).toBe(2);
  });

  it('refuses a module that is still loading (EBUSY), unknown (ENOENT), or used (EWOULDBLOCK)', () => {
    const a = moduleFile('a', { exports: ['a_sym'], init: { result: 0, ns: 10 * NS_PER_MS } });
    const b = moduleFile('b', { imports: ['a_sym'], init: { result: 0, ns: 0 } });
    const m = machine('mainline', [a, b]);
    load(m, a);
    const coming = rmmod(m, 'a', 8 * NS_PER_MS);
    const unknown = rmmod(m, 'nosuch', 0);
    m.sim.run();
    expect(coming.result).toBe('EBUSY');
    expect(unknown.result).toBe('ENOENT');
    load(m, b, m.sim.now);
    m.sim.run();
    expect(m.kernel.procModules()).toMatch(/^a \d+ 1 b, Live/m);
    const used = rmmod(m, 'a', m.sim.now);
    m.sim.run();
    expect(used.result).toBe('EWOULDBLOCK');
    const first = rmmod(m, 'b', m.sim.now);
    m.sim.run();
    const then = rmmod(m, 'a', m.sim.now);
    m.sim.run();
    expect([first.result, then.result]).toEqual([0, 0]);
    expect(m.kernel.procModules()).toBe('');
  });
});

describe('symbol resolution at step 6', () => {
  const exporter = (initNs: number, result: 0 | 'ENODEV' = 0) =>
    moduleFile('exporter', { exports: ['ex_sym'], init: { result, ns: initNs } });
  const importer = moduleFile('importer', { imports: ['ex_sym'], init: { result: 0, ns: 0 } });

  it('waits for a COMING exporter and resolves once it is LIVE', () => {
    const e = exporter(5 * NS_PER_S);
    const m = machine('mainline', [e, importer]);
    load(m, e);
    const i = load(m, importer, 1 * NS_PER_MS);
    m.sim.run();
    expect(i.result).toBe(0);
    expect(i.returnedAt).toBeGreaterThanOrEqual(5 * NS_PER_S);
    expect(m.kernel.stats.symbolWaits).toBe(1);
  });

  it('gives up after 30 s on an exporter still COMING, as the kernel does (EBUSY: the last lookup stands)', () => {
    const e = exporter(60 * NS_PER_S);
    const m = machine('mainline', [e, importer]);
    load(m, e);
    const start = 1 * NS_PER_MS;
    const i = load(m, importer, start);
    m.sim.run();
    expect(i.result).toBe('EBUSY');
    const reachedStep6 = start + 4 * NS_PER_MS; // after the read and signature check
    expect(i.returnedAt).toBeGreaterThan(reachedStep6 - 1 * NS_PER_MS + DEFAULT_COSTS.symbolWaitNs);
    expect(i.returnedAt).toBeLessThan(start + DEFAULT_COSTS.symbolWaitNs + 10 * NS_PER_MS);
    expect(m.kernel.stats.symbolWaitTimeouts).toBe(1);
    expect(m.kernel.initstate('importer')).toBeUndefined();
  });

  it('fails with ENOENT when the exporter it waited for fails its init', () => {
    const e = exporter(5 * NS_PER_S, 'ENODEV');
    const m = machine('mainline', [e, importer]);
    load(m, e);
    const i = load(m, importer, 1 * NS_PER_MS);
    m.sim.run();
    expect(i.result).toBe('ENOENT');
  });

  it('fails with ENOENT (Unknown symbol) when nothing exports the symbol', () => {
    const m = machine('mainline', [importer]);
    const i = load(m, importer);
    m.sim.run();
    expect(i.result).toBe('ENOENT');
    expect(m.kernel.stats.failedLoadModules).toBe(1);
  });
});

describe('the module wait queue', () => {
  function watch(init: 0 | 'ENODEV') {
    const file = moduleFile('dummy', { init: { result: init, ns: 1 * NS_PER_MS } });
    const m = machine('v6.2', [file]);
    const transitions: string[] = [];
    m.kernel.observe({ transition: (e) => transitions.push(`${e.from ?? '-'}>${e.to ?? '-'}`) });
    let wakes = 0;
    m.sim.spawn('watcher', function* () {
      // A condition that never holds counts how often the queue is woken.
      yield* m.kernel.sync.wq.waitEvent(() => {
        wakes++;
        return false;
      }, { timeoutNs: NS_PER_S });
    });
    load(m, file);
    m.sim.run();
    return { transitions, wakes };
  }

  it('is woken once by a failing load, after the module is freed — not at UNFORMED, COMING or GOING', () => {
    const { transitions, wakes } = watch('ENODEV');
    // free_module() marks the module UNFORMED while it is still listed, then unlinks it.
    expect(transitions).toEqual(['->UNFORMED', 'UNFORMED>COMING', 'COMING>GOING', 'GOING>UNFORMED', 'UNFORMED>-']);
    // One check before sleeping, one wake-up, one at the timeout.
    expect(wakes).toBe(3);
  });

  it('is woken once by a successful load, after it is LIVE', () => {
    const { transitions, wakes } = watch(0);
    expect(transitions).toEqual(['->UNFORMED', 'UNFORMED>COMING', 'COMING>LIVE']);
    expect(wakes).toBe(3);
  });
});

describe("the module list's shared finished_loading() condition", () => {
  it('is one function per name and states, and follows every add, state change and removal', () => {
    const m = machine('v5.3', []);
    const table = m.kernel.modules;
    const cond = table.settledOutOf('dummy', ['UNFORMED', 'COMING', 'GOING']);
    expect(table.settledOutOf('dummy', ['UNFORMED', 'COMING', 'GOING'])).toBe(cond);
    expect(table.settledOutOf('dummy', ['UNFORMED', 'COMING'])).not.toBe(cond);
    expect(table.settledOutOf('other', ['UNFORMED', 'COMING', 'GOING'])).not.toBe(cond);
    expect(cond()).toBe(true); // not listed

    const mod = new Module(moduleFile('dummy'), 4096, 0, '');
    table.add(mod);
    expect(cond()).toBe(false); // UNFORMED
    for (const [to, settled] of [['COMING', false], ['LIVE', true], ['GOING', false]] as const) {
      mod.state = to;
      table.stateChanged();
      expect(cond(), to).toBe(settled);
    }
    table.remove(mod);
    expect(cond()).toBe(true);
  });

  it('follows a load through setState: COMING is not settled, LIVE (still listed) is', () => {
    const file = moduleFile('dummy', { init: { result: 0, ns: 20 * NS_PER_MS } });
    const m = machine('v5.3', [file]);
    const cond = m.kernel.modules.settledOutOf('dummy', ['UNFORMED', 'COMING', 'GOING']);
    const seen: boolean[] = [];
    load(m, file);
    m.sim.spawn('watcher', function* () {
      yield* m.sim.delay(10 * NS_PER_MS);
      seen.push(cond()); // COMING, in init
      yield* m.sim.delay(NS_PER_S);
      seen.push(cond()); // LIVE
    });
    m.sim.run();
    expect(m.kernel.initstate('dummy')).toBe('live');
    expect(seen).toEqual([false, true]);
  });
});
