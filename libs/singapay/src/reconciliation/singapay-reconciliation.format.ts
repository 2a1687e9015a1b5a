import type {
  SingapayReconciliationReport,
  SingapayReconciliationRow,
  SingapayReconciliationTotal,
} from './singapay-reconciliation.types.js';

/** How `formatSingapayReconciliation` writes a report: a table for a person, CSV or JSON for a spreadsheet or a program. */
export type SingapayReconciliationFormat = 'table' | 'csv' | 'json';

type Row = SingapayReconciliationRow;
type CsvValue = string | number | boolean | undefined | null;

// Of the ids a row's two sides both hold, the table and the CSV show Singapay's transaction and the record's product and customer.
const transactionOf = (r: Row) => r.singapay?.transactionId ?? r.local?.transactionId;
const productOf = (r: Row) => r.local?.productCode ?? r.singapay?.productCode;
const customerOf = (r: Row) => r.local?.customerId ?? r.singapay?.customerId;

/** The CSV columns, in order, and what each holds of a row. */
const CSV_COLUMNS = {
  date: (_, date) => date,
  category: (r) => r.category,
  needs_attention: (r) => r.needsAttention,
  paired_by: (r) => r.pairedBy,
  found_in: (r) => r.foundIn,
  crosses_midnight: (r) => r.crossesMidnight,
  idempotency_key: (r) => r.local?.idempotencyKey,
  local_state: (r) => r.local?.state,
  local_failure_reason: (r) => r.local?.failureReason,
  local_created_at: (r) => r.local?.createdAt,
  local_amount: (r) => r.local?.amount,
  local_price: (r) => r.local?.price,
  transaction_id: transactionOf,
  reference_number: (r) => r.singapay?.referenceNumber ?? r.local?.referenceNumber,
  customer_id: customerOf,
  product_code: productOf,
  singapay_status: (r) => r.singapay?.status,
  singapay_created_at: (r) => r.singapay?.createdAt,
  singapay_amount: (r) => r.singapay?.amount,
  singapay_price: (r) => r.singapay?.price,
  singapay_net_price: (r) => r.singapay?.netPrice,
  differences: (r) => r.differences.map((d) => `${d.field}:${d.local}->${d.singapay}`).join('; '),
  note: (r) => r.note,
} satisfies Record<string, (row: Row, date: string) => CsvValue>;

/** The CSV columns, one row per reconciliation row. */
export const SINGAPAY_RECONCILIATION_CSV_COLUMNS = Object.keys(CSV_COLUMNS) as (keyof typeof CSV_COLUMNS)[];

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes
 * doubled. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: keys and ids come from outside, and opening the file must not run them.
 * A customer number a spreadsheet would read as a number and change (a leading zero, more than
 * 15 digits) is written as the text formula `="0812…"`, which keeps it as is; only that column,
 * so that keys and ids stay as they are for a program joining on them.
 */
function csvField(value: CsvValue, column: string): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (column === 'customer_id' && /^\d+$/.test(text) && (text.startsWith('0') || text.length > 15)) text = `="${text}"`;
  else if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(report: SingapayReconciliationReport): string {
  const columns = Object.entries(CSV_COLUMNS);
  const lines = [
    SINGAPAY_RECONCILIATION_CSV_COLUMNS.join(','),
    ...report.rows.map((r) => columns.map(([column, value]) => csvField(value(r, report.date), column)).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** Columns padded to their widest cell; the last column is left as it is. */
function grid(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

const rupiah = (n: number | undefined): string => (n === undefined ? '-' : n.toLocaleString('en-US'));
const time = (iso: string | undefined): string => (iso ? iso.slice(11, 19) : '-');

/** The table's columns, in order, and what each shows of a row. */
const TABLE_COLUMNS: Record<string, (r: Row) => string> = {
  '': (r) => (r.needsAttention ? '!' : ''),
  category: (r) => r.category,
  time: (r) => time(r.local?.createdAt ?? r.singapay?.createdAt),
  key: (r) => r.local?.idempotencyKey ?? '-',
  transaction: (r) => transactionOf(r) ?? '-',
  product: (r) => productOf(r) ?? '-',
  customer: (r) => customerOf(r) ?? '-',
  local: (r) => r.local?.state ?? '-',
  singapay: (r) => r.singapay?.status ?? '-',
  'price here/there': (r) => `${rupiah(r.local?.price)}/${rupiah(r.singapay?.price)}`,
  note: (r) => r.note,
};

function table(report: SingapayReconciliationReport): string {
  const { summary: sum, singapay: sp } = report;
  const out = [`Singapay reconciliation of ${report.date} (WIB: ${report.from} to ${report.to}), generated ${report.generatedAt}`];
  for (const w of report.warnings) out.push(`! ${w}`);
  out.push(
    `Singapay: ${sp.transactionsRead} transactions on ${sp.pagesRead} page(s) listed for ${sp.startDate} to ${sp.endDate}, ${sp.detailLookups} detail lookup(s)${sp.complete ? '' : ' (INCOMPLETE)'}; local: ${report.local.recordsRead} records read${report.local.complete ? '' : ' (INCOMPLETE)'}`,
    '',
    `${report.complete ? 'Complete' : 'INCOMPLETE'}: ${sum.rows} rows: ${sum.matched} matched, ${sum.singapayOnly} singapay_only, ${sum.localOnly} local_only, ${sum.stateDiffers} state_differs, ${sum.amountDiffers} amount_differs, ${sum.unverified} unverified; ${sum.needsAttention} need attention (!)`,
    '',
  );
  if (report.rows.length > 0) {
    const columns = Object.values(TABLE_COLUMNS);
    out.push(...grid([Object.keys(TABLE_COLUMNS), ...report.rows.map((r) => columns.map((cell) => cell(r)))]), '');
  }
  out.push(
    'Totals (Singapay: its price and net price; local: the price recorded from the payment answer). "moved" is the money the deposit kept; refunds are on their own line',
  );
  const key = (t: SingapayReconciliationTotal) => `${t.productCode}\u0000${t.status}`;
  const theirs = new Map(report.totals.singapay.byProductAndStatus.map((t) => [key(t), t]));
  const ours = new Map(report.totals.local.byProductAndStatus.map((t) => [key(t), t]));
  const keys = [...new Set([...theirs.keys(), ...ours.keys()])].sort();
  const line = (product: string, status: string, s?: SingapayReconciliationTotal, l?: SingapayReconciliationTotal) => [
    product,
    status,
    String(s?.count ?? 0),
    rupiah(s?.price ?? 0),
    rupiah(s?.netPrice ?? 0),
    String(l?.count ?? 0),
    rupiah(l?.price ?? 0),
  ];
  out.push(
    ...grid([
      ['product', 'status', 'singapay count', 'price', 'net price', 'local count', 'price'],
      ...keys.map((k) => line(...(k.split('\u0000') as [string, string]), theirs.get(k), ours.get(k))),
      line('moved', 'success+pending', report.totals.singapay.all, report.totals.local.all),
      line('refunded', 'given back', report.totals.singapay.refunded, report.totals.local.refunded),
    ]),
  );
  return `${out.join('\n')}\n`;
}

/** The report as text: a table for a person, CSV (a header row, one row per reconciliation row, RFC 4180), or JSON (all of it). */
export function formatSingapayReconciliation(report: SingapayReconciliationReport, format: SingapayReconciliationFormat = 'table'): string {
  if (format === 'csv') return csv(report);
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return table(report);
}
