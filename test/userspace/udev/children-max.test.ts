import { describe, expect, it } from 'vitest';
import { defaultChildrenMax } from '../../../src/userspace/udev/children-max.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe('defaultChildrenMax: min(2·cpus + 16, max(RAM / 128 MiB, 10), 2048)', () => {
  it('is bounded by the CPU term on a big-memory box', () => {
    expect(defaultChildrenMax(288, 1024 * GiB)).toBe(2 * 288 + 16);
  });

  it('is bounded by memory when RAM is small for the CPU count', () => {
    expect(defaultChildrenMax(288, 8 * GiB)).toBe(64);
    // 1000 MiB / 128 MiB = 7.8, rounded down, then raised to the floor of 10
    expect(defaultChildrenMax(64, 1000 * MiB)).toBe(10);
  });

  it('never goes below 10 for memory, but a tiny machine is still bound by its CPUs', () => {
    expect(defaultChildrenMax(1, 4 * GiB)).toBe(18);
    expect(defaultChildrenMax(1, 256 * MiB)).toBe(10);
  });

  it('is capped at 2048 whatever the machine', () => {
    expect(defaultChildrenMax(8192, 16384 * GiB)).toBe(2048);
    expect(defaultChildrenMax(1016, 16384 * GiB)).toBe(2048);
    expect(defaultChildrenMax(1015, 16384 * GiB)).toBe(2046);
  });
});
