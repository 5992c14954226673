import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insertCall } from '../../src/userspace/kmod/index.js';
import { runScenario } from '../../src/scenario/run.js';
import { resolveScenario } from '../../src/scenario/scenario.js';
import type { ScenarioInput } from '../../src/scenario/schema.js';

/** A one-module tree whose file is xz-compressed, as Fedora or Arch install them: every ACPI processor asks for it. */
function xzTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modstorm-xz-'));
  writeFileSync(join(dir, 'modules.dep'), 'kernel/drivers/cpufreq/slowfreq.ko.xz:\n');
  writeFileSync(join(dir, 'modules.alias'), 'alias acpi:ACPI0007:* slowfreq\n');
  for (const f of ['modules.symbols', 'modules.softdep', 'modules.builtin']) writeFileSync(join(dir, f), '');
  writeFileSync(join(dir, 'modules.sizes.tsv'), 'path\tbytes\nkernel/drivers/cpufreq/slowfreq.ko.xz\t20000\n');
  return dir;
}

const storm = (extra: { kmodVersion?: number; kernelDecompress?: 'none' | 'xz' | 'zstd' }) => {
  const input: ScenarioInput = {
    machine: { cpus: 8, deviceCounts: { acpi: 0, pci: 0, platform: 0 }, memoryBlocks: 0 },
    // A slow init, so all eight requests arrive while the first load runs.
    modules: { dir: xzTree(), init: { slowfreq: { result: 0, initMs: 200 } }, ...(extra.kernelDecompress ? { kernelDecompress: extra.kernelDecompress } : {}) },
    udev: { costs: { forkNs: 0, dispatchNs: 0 }, ...(extra.kmodVersion ? { kmodVersion: extra.kmodVersion } : {}) },
    strategy: 'mainline',
  };
  return runScenario(resolveScenario(input));
};

describe("kmod's compressed-module rule (libkmod-module.c kmod_module_insert_module())", () => {
  it('uses finit_module for plain files, and for compressed ones only from kmod 31 with the kernel undoing that compression', () => {
    const setup = (kmodVersion: number, kernelDecompress: 'none' | 'xz' | 'zstd' | 'gzip') => ({ kmodVersion, kernelDecompress });
    expect(insertCall(undefined, setup(30, 'none'))).toBe('finit_module');
    expect(insertCall('xz', setup(31, 'xz'))).toBe('finit_module');
    expect(insertCall('xz', setup(30, 'xz'))).toBe('init_module');
    expect(insertCall('xz', setup(31, 'zstd'))).toBe('init_module');
    expect(insertCall('zstd', setup(34, 'none'))).toBe('init_module');
  });

  it('under mainline, a compressed file kmod decompresses itself bypasses idempotent: the duplicates meet v6.4’s checks instead', () => {
    const kernelSide = storm({ kmodVersion: 31, kernelDecompress: 'xz' });
    const userSide = storm({ kmodVersion: 30, kernelDecompress: 'xz' });
    expect(kernelSide.insertCalls).toEqual({ finit_module: 8, init_module: 0 });
    expect(userSide.insertCalls).toEqual({ finit_module: 0, init_module: 8 });
    // finit_module: every caller waits on the first load's inode and gets exactly its result
    expect(kernelSide.modules.slowfreq).toMatchObject({ requests: 8, initCalls: 1, results: { '0': 8 } });
    // init_module: no inode to key on; the later callers find the module COMING and get EEXIST once it is LIVE
    expect(userSide.modules.slowfreq).toMatchObject({ requests: 8, initCalls: 1 });
    expect(userSide.modules.slowfreq?.results['0']).toBe(1);
    expect(userSide.modules.slowfreq?.results.EEXIST).toBe(7);
  });

  it('kmod 31 with a kernel that cannot undo xz still decompresses in userspace; so does a kernel without CONFIG_MODULE_DECOMPRESS', () => {
    expect(storm({ kmodVersion: 31, kernelDecompress: 'zstd' }).insertCalls).toEqual({ finit_module: 0, init_module: 8 });
    expect(storm({ kmodVersion: 34 }).insertCalls).toEqual({ finit_module: 0, init_module: 8 });
  });

  it("charges kmod's own decompression to the worker before init_module", () => {
    // Same syscall path (init_module) either way; a faster decompressor returns the first load sooner.
    const at = (perByteNs: number) =>
      runScenario(
        resolveScenario({
          machine: { cpus: 1, deviceCounts: { acpi: 0, pci: 0, platform: 0 }, memoryBlocks: 0 },
          modules: { dir: xzTree() },
          costs: { decompress: { fixedNs: 0, perByteNs } },
          udev: { costs: { forkNs: 0, dispatchNs: 0 } },
          strategy: 'mainline',
        }),
      );
    const slow = at(100);
    const fast = at(0);
    // 20,000 compressed bytes → 60,000 decompressed (decompressedSizeFactor 3) at 100 ns a byte: 6 ms more
    expect(slow.settleNs - fast.settleNs).toBe(6_000_000);
  });
});
