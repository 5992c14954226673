/**
 * `modstorm snapshot`: the host it runs on (or a copied sysfs tree) as a
 * scenario file that run and compare take with --scenario.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Document } from 'yaml';
import { UserError } from '../../errors.js';
import { count } from '../../report/format.js';
import { takeSnapshot, type Snapshot, type SnapshotOptions } from '../../scenario/host/snapshot.js';
import { resolveScenario } from '../../scenario/scenario.js';

export interface SnapshotFlags extends SnapshotOptions {
  output?: string | undefined;
}

/** The scenario file's text: YAML, with what the snapshot saw as comments at the top. */
export function snapshotYaml(snapshot: Snapshot): string {
  const doc = new Document(snapshot.input);
  doc.commentBefore = summaryLines(snapshot).map((l) => ` ${l}`).join('\n');
  return doc.toString({ lineWidth: 0 });
}

/** What the snapshot found, one fact a line. */
export function summaryLines({ report: r, input }: Snapshot): string[] {
  const d = r.devices;
  const w = r.walk;
  const m = input.machine!;
  const lines = [
    `modstorm snapshot of ${r.sysfs}, kernel ${r.kernelRelease}`,
    `${count(d.total)} devices (${count(w.ueventFiles)} uevent files; ${count(d.withModalias)} with a MODALIAS): ` +
      `${count(d.cpus)} CPUs, ${count(d.acpiProcessors)} ACPI processor devices, ${count(d.memoryBlocks)} memory blocks, ${count(d.listed)} others listed`,
    `walk: ${count(w.directories)} directories, ${count(w.symlinksSkipped)} symlinks not followed, ` +
      `${count(w.withoutSubsystem)} uevent directories without a subsystem link (udevadm trigger does not see them), ${count(w.unreadable)} unreadable files skipped` +
      (w.unreadablePaths.length > 0 ? ` (${w.unreadablePaths.slice(0, 3).join(', ')}${w.unreadable > 3 ? ', ...' : ''})` : ''),
    `memory: MemTotal ${count(r.memTotalKiB)} kB = ${m.memoryGiB} GiB; memory blocks of ${count(m.memoryBlockBytes ?? 0)} bytes`,
    `cpufreq: ${r.hostCpufreqDriver === undefined ? 'no driver registered' : `scaling_driver ${r.hostCpufreqDriver}`} → cpufreqDriver ${r.cpufreqDriver}`,
  ];
  if (r.cpuModaliasesDiffering > 0) lines.push(`${count(r.cpuModaliasesDiffering)} CPUs report another MODALIAS than cpu0; every CPU gets cpu0's`);
  lines.push(r.modulesNote);
  return lines;
}

export function snapshotCommand(flags: SnapshotFlags, out: (text: string) => void, err: (text: string) => void): Snapshot {
  const snapshot = takeSnapshot(flags);
  // What we write must be a scenario run and compare accept.
  resolveScenario(snapshot.input, { file: 'snapshot' });
  const yaml = snapshotYaml(snapshot);
  if (flags.output === undefined) {
    out(yaml);
    for (const line of summaryLines(snapshot)) err(line);
    return snapshot;
  }
  try {
    writeFileSync(flags.output, yaml);
  } catch (error) {
    throw new UserError(`-o: cannot write ${flags.output} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  for (const line of summaryLines(snapshot)) out(line);
  out(`wrote ${flags.output}: modstorm compare --scenario ${flags.output} [--cpus N] [--memory-gib N]`);
  return snapshot;
}

export function registerSnapshot(program: Command): void {
  program
    .command('snapshot')
    .description('read this host (sysfs devices, CPUs, memory, cpufreq driver, module tree) into a scenario file for run and compare')
    .option('--sysfs <dir>', 'the sysfs tree to walk (default: /sys; a copied tree works, see scripts/copy-sysfs.sh)')
    .option('--proc <dir>', 'where meminfo and sys/kernel/osrelease are read (default: /proc)')
    .option('--modules-dir <dir>', 'the module tree (default: /lib/modules/<release>; without one the embedded Debian 6.1 tree)')
    .option('-o, --output <file>', 'write the scenario here (default: standard output, the summary on standard error)')
    .addHelpText(
      'after',
      `
Per-CPU devices (cpuN, ACPI processor devices) and memory blocks are written as
counts, so --cpus and --memory-gib on the scenario scale them; every other
device is listed with its SUBSYSTEM, MODALIAS and DRIVER. Symlinks are never
followed. Only the text indexes of the module tree are read (.bin ignored).

Examples:
  modstorm snapshot -o /tmp/me.yaml && modstorm compare --scenario /tmp/me.yaml
  modstorm compare --scenario /tmp/me.yaml --cpus 448 --memory-gib 2048`,
    )
    .action((flags: SnapshotFlags) => {
      snapshotCommand(
        flags,
        (text) => process.stdout.write(`${text}\n`),
        (text) => process.stderr.write(`${text}\n`),
      );
    });
}
