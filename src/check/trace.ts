/**
 * Counter-example traces: one line per engine step or kernel event, with
 * the module table as it stood after it, rendered as aligned text.
 */
import type { Ns } from '../sim/index.js';

export interface TraceLine {
  /** Engine steps processed when the line was made (lines of one step share it). */
  readonly step: number;
  readonly time: Ns;
  readonly process: string;
  readonly what: string;
  /** The module table after this line, e.g. `mod_a=coming mod_b=-`. */
  readonly table: string;
  /** Set on the line where a guarantee was first seen broken. */
  readonly violation?: string;
}

/** Aligned text, one line per record, headed by column names. */
export function renderTrace(lines: readonly TraceLine[]): string[] {
  const rows = lines.map((l) => [String(l.step), formatNs(l.time), l.process, l.what, l.table]);
  const head = ['step', 'time', 'process', 'what', 'module table after'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padStart(widths[0] as number) : i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ');
  const out = [fmt(head)];
  lines.forEach((l, i) => {
    out.push(fmt(rows[i] as string[]));
    if (l.violation !== undefined) out.push(`${' '.repeat(widths[0] as number)}  ^^ ${l.violation}`);
  });
  return out;
}

function formatNs(ns: Ns): string {
  if (ns === 0) return '0';
  if (ns % 1_000_000_000 === 0) return `${ns / 1_000_000_000}s`;
  if (ns % 1_000_000 === 0) return `${ns / 1_000_000}ms`;
  if (ns % 1_000 === 0) return `${ns / 1_000}us`;
  return `${ns}ns`;
}
