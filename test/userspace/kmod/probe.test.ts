import { describe, expect, it } from 'vitest';
import { probe, probeList } from '../../../src/userspace/kmod/index.js';
import { drive, fakeKernel, smallIndex } from './helpers.js';

// a uses b and c (b uses c); f uses c. Softdeps: a pre d post e; b pre f.
const texts = {
  dep: [
    'kernel/a.ko: kernel/b.ko kernel/c.ko',
    'kernel/b.ko: kernel/c.ko',
    'kernel/c.ko:',
    'kernel/d.ko:',
    'kernel/e.ko:',
    'kernel/f.ko: kernel/c.ko',
    'kernel/lonely.ko:',
  ].join('\n'),
  softdep: 'softdep a pre: d post: e\nsoftdep b pre: f\n',
  builtin: 'kernel/bi.ko\n',
};
const config = ['options a x=1', 'alias ghost-alias ghost', 'install lonely /sbin/lonely-helper'];
const index = smallIndex({ ...texts, config: config.join('\n') });
const withCommands = smallIndex({
  ...texts,
  config: [
    ...config,
    'install d /sbin/d-helper', // d has no softdeps, so its command runs instead of a load
    'install a /sbin/ignored', // a has softdeps: kmod ignores its install command
  ].join('\n'),
});
const finits = (k: ReturnType<typeof fakeKernel>): string[] => k.calls.map(([p]) => p.replace(/^kernel\/|\.ko$/g, ''));

describe('probe list (kmod order)', () => {
  it('puts dependencies deepest first, each wrapped in its softdeps, then the module in its own', () => {
    // c again after f's own dependency walk: kmod lists it twice; the second try finds it LIVE.
    expect(probeList(index, 'a').map((e) => e.module)).toEqual(['c', 'c', 'f', 'b', 'd', 'a', 'e']);
  });

  it('follows a softdep cycle only once', () => {
    const cyclic = smallIndex({ dep: 'kernel/p.ko:\nkernel/q.ko:\n', softdep: 'softdep p pre: q\nsoftdep q pre: p\n' });
    expect(probeList(cyclic, 'p').map((e) => e.module)).toEqual(['q', 'p']);
  });
});

describe('probe against a fake kernel', () => {
  it('loads in probe-list order, skipping what became LIVE, with modprobe.d options', () => {
    const kernel = fakeKernel();
    const { yields, value } = drive(probe(kernel, index, 'a'));
    expect(yields).toEqual(['c', 'f', 'b', 'd', 'a', 'e'].map((m) => `finit:kernel/${m}.ko`));
    // kmod's options string ends in a space (module_options_concat).
    expect(kernel.calls.find(([p]) => p === 'kernel/a.ko')?.[1]).toBe('x=1 ');
    expect(value.result).toBe(0);
    expect(value.steps.map((s) => `${s.module}:${s.action}`)).toEqual([
      'c:finit',
      'c:live',
      'f:finit',
      'b:finit',
      'd:finit',
      'a:finit',
      'e:finit',
    ]);
    expect(value.steps.filter((s) => s.required).map((s) => s.module)).toEqual(['c', 'c', 'b', 'a']);
  });

  it('runs an install command instead of loading, unless the module has softdeps', () => {
    const kernel = fakeKernel({ install: true });
    const { yields } = drive(probe(kernel, withCommands, 'a'));
    expect(kernel.installs).toEqual([['d', '/sbin/d-helper', '']]);
    expect(yields).toEqual(['finit:kernel/c.ko', 'finit:kernel/f.ko', 'finit:kernel/b.ko', 'install:d', 'finit:kernel/a.ko', 'finit:kernel/e.ko']);
  });

  it('skips LIVE and builtin modules without a syscall', () => {
    const kernel = fakeKernel({ live: ['c', 'b'], builtin: ['e'] });
    const { value } = drive(probe(kernel, index, 'a'));
    expect(finits(kernel)).toEqual(['f', 'd', 'a']);
    expect(value.steps.filter((s) => s.action !== 'finit').map((s) => `${s.module}:${s.action}`)).toEqual([
      'c:live',
      'c:live',
      'b:live',
      'e:builtin',
    ]);
    expect(value.result).toBe(0);
  });

  it('does nothing for a module already LIVE or builtin (kernel or modules.builtin)', () => {
    for (const [kernel, name, action] of [
      [fakeKernel({ live: ['a'] }), 'a', 'live'],
      [fakeKernel({ builtin: ['a'] }), 'a', 'builtin'],
      [fakeKernel(), 'bi', 'builtin'],
    ] as const) {
      const { yields, value } = drive(probe(kernel, index, name));
      expect(yields).toEqual([]);
      expect(value).toMatchObject({ result: 0, steps: [{ module: name, action }] });
    }
  });

  it('counts EEXIST from the kernel as success and goes on', () => {
    const kernel = fakeKernel({ results: { 'kernel/b.ko': 'EEXIST', 'kernel/a.ko': 'EEXIST' } });
    const { value } = drive(probe(kernel, index, 'a'));
    expect(finits(kernel)).toEqual(['c', 'f', 'b', 'd', 'a', 'e']);
    expect(value.result).toBe(0);
    expect(value.steps.find((s) => s.module === 'b')?.result).toBe('EEXIST');
  });

  it('stops at a failing dependency', () => {
    const kernel = fakeKernel({ results: { 'kernel/c.ko': 'ENOMEM' } });
    const { value } = drive(probe(kernel, index, 'a'));
    expect(finits(kernel)).toEqual(['c']);
    expect(value).toMatchObject({ result: 'ENOMEM', quiet: false });
  });

  it('ignores a failing softdep', () => {
    const kernel = fakeKernel({ results: { 'kernel/f.ko': 'ENODEV', 'kernel/e.ko': 'EPERM' } });
    const { value } = drive(probe(kernel, index, 'a'));
    expect(finits(kernel)).toEqual(['c', 'f', 'b', 'd', 'a', 'e']);
    expect(value.result).toBe(0);
  });

  it('reports ENODEV and ENOENT of the module itself as quiet failures, others not', () => {
    const enodev = drive(probe(fakeKernel({ results: { 'kernel/c.ko': 'ENODEV' } }), index, 'c')).value;
    expect(enodev).toMatchObject({ module: 'c', result: 'ENODEV', quiet: true });
    const eperm = drive(probe(fakeKernel({ results: { 'kernel/c.ko': 'EPERM' } }), index, 'c')).value;
    expect(eperm).toMatchObject({ result: 'EPERM', quiet: false });
  });

  it('fails a module missing from modules.dep with ENOENT and no syscall', () => {
    const kernel = fakeKernel();
    const { value } = drive(probe(kernel, index, 'ghost', { alias: 'ghost_alias' }));
    expect(kernel.calls).toEqual([]);
    expect(value).toMatchObject({ result: 'ENOENT', quiet: true, steps: [{ module: 'ghost', action: 'missing' }] });
  });

  it('passes extra arguments to the module itself only, after its configured ones', () => {
    const kernel = fakeKernel();
    drive(probe(kernel, index, 'b', { extraArgs: 'debug=1' }));
    expect(kernel.calls).toEqual([
      ['kernel/c.ko', ''],
      ['kernel/f.ko', ''],
      ['kernel/b.ko', 'debug=1'],
    ]);
    const a = fakeKernel({ live: ['b', 'c', 'd', 'e', 'f'] });
    drive(probe(a, index, 'a', { extraArgs: 'debug=1' }));
    expect(a.calls).toEqual([['kernel/a.ko', 'x=1 debug=1']]);
  });

  it('works the plan out per target, alias and extra arguments: one probe does not leak its options into the next', () => {
    // The index is the same object throughout, so each call reads the plans kept for it.
    const load = (options: { alias?: string; extraArgs?: string }): [string, string][] => {
      const kernel = fakeKernel({ live: ['b', 'c', 'd', 'e', 'f'] });
      drive(probe(kernel, index, 'a', options));
      return kernel.calls;
    };
    expect(load({ extraArgs: 'debug=1' })).toEqual([['kernel/a.ko', 'x=1 debug=1']]);
    expect(load({})).toEqual([['kernel/a.ko', 'x=1 ']]);
    expect(load({ extraArgs: 'debug=2' })).toEqual([['kernel/a.ko', 'x=1 debug=2']]);
    expect(load({ extraArgs: 'debug=1' })).toEqual([['kernel/a.ko', 'x=1 debug=1']]);
    // Another index with other options for the same name gets its own plan.
    const other = smallIndex({ ...texts, config: 'options a y=2' });
    const kernel = fakeKernel({ live: ['b', 'c', 'd', 'e', 'f'] });
    drive(probe(kernel, other, 'a'));
    expect(kernel.calls).toEqual([['kernel/a.ko', 'y=2 ']]);
  });

  it('records an install command as run when the port has no runner', () => {
    const kernel = fakeKernel();
    const { value } = drive(probe(kernel, index, 'lonely'));
    expect(kernel.calls).toEqual([]);
    expect(value).toMatchObject({ result: 0, steps: [{ module: 'lonely', action: 'install', command: '/sbin/lonely-helper' }] });
  });

  it('loads even LIVE modules when told to ignore them (modprobe --show-depends)', () => {
    const kernel = fakeKernel({ live: ['c', 'b', 'a'] });
    drive(probe(kernel, index, 'b', { ignoreLoaded: true }));
    expect(finits(kernel)).toEqual(['c', 'c', 'f', 'b']);
  });
});
