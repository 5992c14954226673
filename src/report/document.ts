/**
 * What a report is made from: one document per command, each a plain
 * object (the runs, the burst, the checker's results, the sweep) with the
 * line that names the machine. Every output format renders every document;
 * formats.ts says which file renders which format.
 */
import type { CheckRun } from './check.js';
import type { BurstResult } from '../scenario/burst.js';
import type { RunResult } from '../scenario/result.js';
import type { Scenario } from '../scenario/scenario.js';
import type { SweepResult } from '../scenario/sweep.js';

/** `run` (one result) or `compare` (one per strategy, same machine). */
export interface RunsDocument {
  readonly kind: 'runs';
  readonly command: 'run' | 'compare';
  /** The machine in one line: `288 CPUs, 1024 GiB, intel_pstate active, udev childrenMax 592, seed 1`. */
  readonly machine: string;
  readonly results: readonly RunResult[];
}

export interface BurstDocument {
  readonly kind: 'burst';
  readonly result: BurstResult;
}

export interface CheckDocument {
  readonly kind: 'check';
  readonly run: CheckRun;
  /** JSON of one strategy is an object, of `--strategy all` an array. */
  readonly all: boolean;
  /** Put each strategy's wall time into JSON and CSV (which then differ between runs). */
  readonly timings: boolean;
}

export interface SweepDocument {
  readonly kind: 'sweep';
  readonly machine: string;
  readonly sweep: SweepResult;
}

export type ReportDocument = RunsDocument | BurstDocument | CheckDocument | SweepDocument;

/** The scenario's machine in one line, as every report heads it. */
export function machineLine(s: Scenario): string {
  const m = s.machine;
  const driver = m.cpufreqDriver === 'none' ? 'no cpufreq driver active' : `${m.cpufreqDriver} active`;
  return `${m.cpus} CPUs, ${m.memoryGiB} GiB, ${driver}, udev childrenMax ${s.udev.childrenMax}, seed ${s.seed}${s.ties === 'random' ? ' (random ties)' : ''}`;
}
