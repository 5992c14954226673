/** The cost profile's overrides and checks, and the errno table. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DEFAULT_COSTS, errnoName, errnoNumber, isErrno, layoutBytes, resolveCosts, stageNs } from '../../src/kernel/index.js';

describe('resolveCosts', () => {
  it('applies overrides, including part of a stage cost', () => {
    const c = resolveCosts({ teardownNs: 7, checkSignature: { perByteNs: 3 } });
    expect(c.teardownNs).toBe(7);
    expect(c.checkSignature).toEqual({ fixedNs: DEFAULT_COSTS.checkSignature.fixedNs, perByteNs: 3 });
    expect(c.read).toEqual(DEFAULT_COSTS.read);
  });

  it('names the bad field', () => {
    expect(() => resolveCosts({ teardownNs: -1 })).toThrow(new UserError('cost profile: teardownNs: must be a whole number of ns ≥ 0'));
    expect(() => resolveCosts({ layout: { fixedNs: 1.5 } })).toThrow(/^cost profile: layout\.fixedNs: must be a whole number of ns/);
    expect(() => resolveCosts({ nonsense: 1 } as never)).toThrow(/^cost profile: nonsense: unknown kernel cost; known: read, /);
    expect(() => resolveCosts({ pageBytes: 0 })).toThrow(/^cost profile: pageBytes: must be a whole number ≥ 1/);
  });

  it('refuses a stage cost given as a number or a flag instead of ignoring it', () => {
    for (const bad of [5_000_000, true]) {
      expect(() => resolveCosts({ read: bad } as never)).toThrow(/^cost profile: read: must be a stage cost \{ fixedNs, perByteNs \}/);
    }
  });

  it('applies overrides over another base profile', () => {
    const base = resolveCosts({ teardownNs: 9 });
    expect(resolveCosts({ unloadNs: 3 }, base)).toMatchObject({ teardownNs: 9, unloadNs: 3 });
  });
});

describe('sizes and times', () => {
  it('a stage costs its fixed part plus its part per byte', () => {
    expect(stageNs({ fixedNs: 1000, perByteNs: 2.5 }, 10)).toBe(1025);
  });

  it('final images take whole pages, scaled by the layout factor', () => {
    expect(layoutBytes(DEFAULT_COSTS, 1)).toBe(4096);
    expect(layoutBytes(DEFAULT_COSTS, 4097)).toBe(8192);
    expect(layoutBytes(resolveCosts({ layoutFactor: 2 }), 4096)).toBe(8192);
  });

  it('about 400 copies of a 2.5 MB module fill the default 1008 MiB module area (the 400-CPU ENOMEM)', () => {
    const copies = Math.floor(DEFAULT_COSTS.moduleAreaBytes / layoutBytes(DEFAULT_COSTS, 2_500_000));
    expect(copies).toBeGreaterThanOrEqual(400);
    expect(copies).toBeLessThan(430);
  });
});

describe('errno', () => {
  it('knows the names and numbers of x86-64 Linux', () => {
    expect(errnoNumber('ENODEV')).toBe(19);
    expect(errnoNumber('EEXIST')).toBe(17);
    expect(errnoNumber('EBUSY')).toBe(16);
    expect(errnoName(12)).toBe('ENOMEM');
    expect(isErrno('EWOULDBLOCK')).toBe(true);
    expect(isErrno('ENOTANERRNO')).toBe(false);
  });
});
