/** The cost profile's overrides and checks, and the errno table. */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { DEFAULT_COSTS, errnoName, errnoNumber, isErrno, layoutBytes, resolveCosts, stageNs } from '../../src/kernel/index.js';

describe('resolveCosts', () => {
  it('applies overrides, including part of a stage cost', () => {
    const c = resolveCosts({ goingNs: 7, checkSignature: { perByteNs: 3 } });
    expect(c.goingNs).toBe(7);
    expect(c.checkSignature).toEqual({ fixedNs: DEFAULT_COSTS.checkSignature.fixedNs, perByteNs: 3 });
    expect(c.read).toEqual(DEFAULT_COSTS.read);
  });

  it('names the bad field', () => {
    expect(() => resolveCosts({ goingNs: -1 })).toThrow(new UserError('cost profile: goingNs must be a whole number >= 0, got -1'));
    expect(() => resolveCosts({ layout: { fixedNs: 1.5 } })).toThrow(/layout\.fixedNs must be a whole number/);
    expect(() => resolveCosts({ nonsense: 1 } as never)).toThrow(/unknown field 'nonsense'/);
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

  it('about 400 copies of a 2.5 MB module fill the default 1008 MiB module area (SPEC §1)', () => {
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
