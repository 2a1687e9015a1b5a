// Number and table formatting shared by the report's sections.
import { round } from './bench-stats.js';

export const n = (v: number, digits = 2): string =>
  Number.isFinite(v) ? round(v, digits).toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

export const pct = (v: number): string => (Number.isFinite(v) ? `${round(v * 100, 1)}%` : 'n/a');

export function table(head: string[], rows: (string | number)[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
