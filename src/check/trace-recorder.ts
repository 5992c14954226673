/**
 * Records a checked run's trace: one line per engine step, gathering what
 * the kernel (and udev) reported during that step, with the module table as
 * it stood after it and the first violation seen there.
 */
import type { TraceRecord } from '../sim/index.js';
import type { TraceLine } from './trace.js';

interface OpenLine {
  readonly step: number;
  readonly time: number;
  readonly process: string;
  readonly what: string[];
  table: string;
  violation?: string;
}

export class TraceRecorder {
  readonly #lines: OpenLine[] = [];

  constructor(
    /** The module table as text, e.g. `mod_a=coming mod_b=-`. */
    private readonly tableText: () => string,
  ) {}

  /** An engine step: a new line, unless the same process goes on within the same step. */
  step(r: TraceRecord): void {
    const last = this.#last();
    if (last !== undefined && last.step === r.step && last.process === r.process) {
      last.what.push(r.what);
      return;
    }
    this.#close();
    this.#lines.push({ step: r.step, time: r.time, process: r.process, what: [`[${r.what}]`], table: '' });
  }

  /** Something reported during the current step. */
  note(what: string): void {
    this.#last()?.what.push(what);
  }

  /** A guarantee first seen broken during the current step (the first one per line is kept). */
  violation(text: string): void {
    const last = this.#last();
    if (last !== undefined) last.violation ??= text;
  }

  /** A closing line after the last step (`process` '-'), e.g. what was left running. */
  end(step: number, time: number, what: string): void {
    this.#close();
    this.#lines.push({ step, time, process: '-', what: [what], table: this.tableText() });
  }

  lines(): TraceLine[] {
    this.#close();
    return this.#lines.map((l) => ({
      step: l.step,
      time: l.time,
      process: l.process,
      what: l.what.join('; '),
      table: l.table,
      ...(l.violation === undefined ? {} : { violation: l.violation }),
    }));
  }

  #last(): OpenLine | undefined {
    return this.#lines[this.#lines.length - 1];
  }

  /** The table after the last line's step: taken when the next line starts (or the trace is read). */
  #close(): void {
    const last = this.#last();
    if (last !== undefined) last.table = this.tableText();
  }
}
