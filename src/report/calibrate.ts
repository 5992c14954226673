/**
 * What `modstorm calibrate` prints: the residual table (measured, model,
 * error %) per target row, and the free constants with how far the fit moved
 * each. As terminal tables or as Markdown (for a README or a mailing list).
 */
import Table from 'cli-table3';
import type { Move, Residual } from '../calibrate/fit.js';
import { formatQuantity } from '../scenario/profile.js';

export type TableFormat = 'text' | 'markdown';

const PLAIN = { head: [], border: [] };
const NO_ROW_RULES = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function render(head: string[], rows: string[][], aligns: ('left' | 'right')[], format: TableFormat): string {
  if (format === 'markdown') {
    const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
    const rule = aligns.map((a) => (a === 'right' ? '---:' : '---'));
    return [line(head), line(rule), ...rows.map(line)].join('\n');
  }
  const table = new Table({ head, style: PLAIN, chars: NO_ROW_RULES, colAligns: aligns });
  for (const row of rows) table.push(row);
  return table.toString();
}

/** target → model → error %, one row per measured figure. */
export function residualTable(residuals: readonly Residual[], format: TableFormat = 'text'): string {
  return render(
    ['machine', 'strategy', 'module', 'metric', 'measured', 'model', 'error'],
    residuals.map((r) => [
      r.row.machine,
      r.row.strategy,
      r.row.module,
      r.row.metric,
      `${r.row.value.toFixed(3)} s`,
      `${r.model.toFixed(3)} s`,
      `${r.errorPct >= 0 ? '+' : ''}${r.errorPct.toFixed(1)} %`,
    ]),
    ['left', 'left', 'left', 'left', 'right', 'right', 'right'],
    format,
  );
}

/** Every fitted constant: where it started, where it ended, by what factor, inside which range. */
export function movesTable(moves: readonly Move[], format: TableFormat = 'text'): string {
  return render(
    ['constant', 'start', 'fitted', 'moved', 'documented range'],
    moves.map((m) => {
      const { unit, min, max } = m.constant;
      const bound = m.atBound === undefined ? '' : ` (at its ${m.atBound === 'min' ? 'lower' : 'upper'} bound)`;
      return [
        m.constant.path,
        formatQuantity(m.start, unit),
        formatQuantity(m.fitted, unit),
        `×${m.factor.toPrecision(3)}${bound}`,
        `${formatQuantity(min, unit)} to ${formatQuantity(max, unit)}`,
      ];
    }),
    ['left', 'right', 'right', 'right', 'left'],
    format,
  );
}
