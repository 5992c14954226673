/** Shared fixtures and fakes for the kmod tests. */
import { fileURLToPath } from 'node:url';
import { emptyConfig, indexFromTexts, parseModprobeConfig, type KernelPort, type ModuleIndex } from '../../../src/userspace/kmod/index.js';
import type { Initstate, SyscallResult } from '../../../src/userspace/kmod/types.js';

export const DATA_DIR = fileURLToPath(new URL('../../../data/linux-6.1.0-56-amd64', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../fixtures', import.meta.url));

/** Run a generator to completion, collecting what it yields. */
export function drive<Y, R>(gen: Generator<Y, R, unknown>): { yields: Y[]; value: R } {
  const yields: Y[] = [];
  for (let r = gen.next(); ; r = gen.next()) {
    if (r.done) return { yields, value: r.value };
    yields.push(r.value);
  }
}

/** A small index from inline index texts (and optional modprobe.d text). */
export function smallIndex(texts: {
  dep: string;
  alias?: string;
  symbols?: string;
  softdep?: string;
  builtin?: string;
  config?: string;
}): ModuleIndex {
  return indexFromTexts(
    {
      'modules.dep': texts.dep,
      'modules.alias': texts.alias ?? '',
      'modules.symbols': texts.symbols ?? '',
      'modules.softdep': texts.softdep ?? '',
      'modules.builtin': texts.builtin ?? '',
    },
    '/test/modules',
    texts.config === undefined ? emptyConfig() : parseModprobeConfig(texts.config, '/test/modprobe.d/test.conf'),
  );
}

export interface FakeKernel extends KernelPort<string> {
  /** finit_module calls, in order: [path, args]. */
  calls: [string, string][];
  installs: [string, string, string][];
  live: Set<string>;
}

/**
 * A kernel that loads whatever it is asked to (a success makes the module
 * LIVE), unless `results` names another outcome for a path. Each finit
 * yields `finit:<path>` once, as a sim process would yield a waitable.
 */
export function fakeKernel(
  options: { live?: string[]; builtin?: string[]; results?: Record<string, SyscallResult>; install?: boolean } = {},
): FakeKernel {
  const live = new Set(options.live ?? []);
  const builtin = new Set(options.builtin ?? []);
  const calls: [string, string][] = [];
  const installs: [string, string, string][] = [];
  const nameOf = (path: string): string => path.replace(/^.*\//, '').replace(/\.ko$/, '').replaceAll('-', '_');
  const port: FakeKernel = {
    calls,
    installs,
    live,
    initstate: (name: string): Initstate | undefined => (live.has(name) ? 'live' : undefined),
    isBuiltin: (name: string) => builtin.has(name),
    *insertModule(path: string, args: string): Generator<string, SyscallResult, unknown> {
      calls.push([path, args]);
      yield `finit:${path}`;
      const result = options.results?.[path] ?? 0;
      if (result === 0) live.add(nameOf(path));
      return result;
    },
  };
  if (options.install) {
    port.runInstall = function* (name: string, command: string, args: string): Generator<string, SyscallResult, unknown> {
      installs.push([name, command, args]);
      yield `install:${name}`;
      return 0;
    };
  }
  return port;
}
