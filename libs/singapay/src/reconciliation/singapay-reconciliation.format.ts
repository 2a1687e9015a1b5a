import type {
  SingapayReconciliationReport,
  SingapayReconciliationRow,
  SingapayReconciliationTotal,
} from './singapay-reconciliation.types.js';

/** How `formatSingapayReconciliation` writes a report: a table for a person, CSV or JSON for a spreadsheet or a program. */
export type SingapayReconciliationFormat = 'table' | 'csv' | 'json';

/** The CSV columns, one row per reconciliation row. */
export const SINGAPAY_RECONCILIATION_CSV_COLUMNS = [
  'date',
  'category',
  'needs_attention',
  'paired_by',
  'found_in',
  'crosses_midnight',
  'idempotency_key',
  'local_state',
  'local_failure_reason',
  'local_created_at',
  'local_amount',
  'local_price',
  'transaction_id',
  'reference_number',
  'customer_id',
  'product_code',
  'singapay_status',
  'singapay_created_at',
  'singapay_amount',
  'singapay_price',
  'singapay_net_price',
  'differences',
  'note',
] as const;

type CsvValue = string | number | boolean | undefined | null;

function csvRow(row: SingapayReconciliationRow, date: string): CsvValue[] {
  const l = row.local;
  const s = row.singapay;
  return [
    date,
    row.category,
    row.needsAttention,
    row.pairedBy,
    row.foundIn,
    row.crossesMidnight,
    l?.idempotencyKey,
    l?.state,
    l?.failureReason,
    l?.createdAt,
    l?.amount,
    l?.price,
    s?.transactionId ?? l?.transactionId,
    s?.referenceNumber ?? l?.referenceNumber,
    l?.customerId ?? s?.customerId,
    l?.productCode ?? s?.productCode,
    s?.status,
    s?.createdAt,
    s?.amount,
    s?.price,
    s?.netPrice,
    row.differences.map((d) => `${d.field}:${d.local}->${d.singapay}`).join('; '),
    row.note,
  ];
}

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
  const lines = [
    SINGAPAY_RECONCILIATION_CSV_COLUMNS.join(','),
    ...report.rows.map((r) =>
      csvRow(r, report.date)
        .map((value, i) => csvField(value, SINGAPAY_RECONCILIATION_CSV_COLUMNS[i]!))
        .join(','),
    ),
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
    const head = ['', 'category', 'time', 'key', 'transaction', 'product', 'customer', 'local', 'singapay', 'price here/there', 'note'];
    const body = report.rows.map((r) => [
      r.needsAttention ? '!' : '',
      r.category,
      time(r.local?.createdAt ?? r.singapay?.createdAt),
      r.local?.idempotencyKey ?? '-',
      r.singapay?.transactionId ?? r.local?.transactionId ?? '-',
      r.local?.productCode ?? r.singapay?.productCode ?? '-',
      r.local?.customerId ?? r.singapay?.customerId ?? '-',
      r.local?.state ?? '-',
      r.singapay?.status ?? '-',
      `${rupiah(r.local?.price)}/${rupiah(r.singapay?.price)}`,
      r.note,
    ]);
    out.push(...grid([head, ...body]), '');
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
      ...keys.map((k) => {
        const [product, status] = k.split('\u0000') as [string, string];
        return line(product, status, theirs.get(k), ours.get(k));
      }),
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
