import { describe, expect, it } from 'vitest';
import { MergeCore } from '../../src/merge/core.js';

describe('MergeCore', () => {
  it('leads the first begin and joins the next while in flight', () => {
    const core = new MergeCore<string, number>();
    const a = core.begin('k');
    const b = core.begin('k', 7);
    expect(a.role).toBe('lead');
    expect(b.role).toBe('join');
    expect(core.settle(a.flight, { ok: true, value: 1 })).toEqual([7]);
    expect(core.begin('k').role).toBe('lead');
  });
});
