/**
 * Scaling a machine, as `--cpus` and `--memory-gib` do on a scenario file:
 * "my 32-core box, as a 448-CPU one". The per-CPU devices follow the CPU
 * count — `cpuN` always does (one per CPU), and a file's explicit
 * `acpiProcessorDevices` keeps its ratio to the CPUs (firmware that lists
 * more processor objects than CPUs keeps listing more) — and the memory
 * blocks follow the memory. Other devices (PCI, platform, per-CPU class
 * devices such as msrN) stay as the file has them.
 */
import { DEFAULT_CPUS, DEFAULT_MEMORY_GIB, type ScenarioInput } from './schema.js';
import { DEFAULT_MEMORY_BLOCK_BYTES, LARGE_MEMORY_BLOCK_BYTES, LARGE_MEMORY_BLOCK_FROM_GIB } from './machine.js';

type MachineInput = NonNullable<ScenarioInput['machine']>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/** `base` with `cpus` and `memoryGiB` replaced and the devices that follow them scaled; fields that do not validate are left for the schema to name. */
export function scaleMachine(base: MachineInput, to: { cpus?: number | undefined; memoryGiB?: number | undefined }): MachineInput {
  const out: MachineInput = { ...base };
  if (to.cpus !== undefined) {
    out.cpus = to.cpus;
    const fromCpus = num(base.cpus) ?? DEFAULT_CPUS;
    const acpi = base.acpiProcessorDevices;
    if (typeof acpi === 'number' && Number.isInteger(acpi) && acpi >= 0) out.acpiProcessorDevices = Math.round((acpi * to.cpus) / fromCpus);
  }
  if (to.memoryGiB !== undefined) {
    out.memoryGiB = to.memoryGiB;
    const blocks = base.memoryBlocks;
    if (typeof blocks === 'number' && Number.isInteger(blocks) && blocks > 0) {
      const fromGiB = num(base.memoryGiB) ?? DEFAULT_MEMORY_GIB;
      const fromBlock = num(base.memoryBlockBytes) ?? DEFAULT_MEMORY_BLOCK_BYTES;
      // From 64 GiB up bare metal uses 2 GiB blocks; below it the host's own block size is kept.
      const toBlock = to.memoryGiB >= LARGE_MEMORY_BLOCK_FROM_GIB ? Math.max(fromBlock, LARGE_MEMORY_BLOCK_BYTES) : fromBlock;
      // The host's blocks per byte of MemTotal (blocks also cover memory the kernel keeps for itself), at the new block size.
      out.memoryBlocks = Math.max(1, Math.ceil(((blocks * to.memoryGiB) / fromGiB) * (fromBlock / toBlock)));
      out.memoryBlockBytes = toBlock;
    }
  }
  return out;
}
