import type { SingapayListedTransaction } from '../biller/singapay-biller.types.js';
import { formatSingapayIso, singapayWibDay } from '../biller/singapay-time.js';
import { isFinalPaymentState, type SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { likeliestTransaction, transactionDistance } from '../payments/recovery/singapay-payment.matcher.js';
import { isFailedBySingapay, isFailedFor, isRefundOwed } from '../payments/singapay-payment.state.js';
import { dropUndefined } from '../util/singapay-json.js';
import { explainRow, keptMoney } from './singapay-reconciliation.notes.js';
import type {
  SingapayReconciliationCategory,
  SingapayReconciliationDifference,
  SingapayReconciliationLocal,
  SingapayReconciliationRow,
  SingapayReconciliationSummary,
  SingapayReconciliationTotal,
  SingapayReconciliationTotals,
  SingapayReconciliationTransaction,
} from './singapay-reconciliation.types.js';

/*
 * The pure part of the reconciliation: pairing records with transactions, the category
 * and note of each row, and the totals. The runner reads both sides; nothing here does I/O.
 */

/** A record's transaction: how the two were paired, and where the transaction was read. */
export interface SingapayPairing extends Required<Pick<SingapayReconciliationRow, 'pairedBy' | 'foundIn'>> {
  tx: SingapayListedTransaction;
}

/** The instant of a transaction: its `createdAt`, ISO with an offset. */
export const transactionInstant = (tx: SingapayListedTransaction): number => Date.parse(tx.createdAt);

/**
 * Whether a record provably created no transaction: Singapay refused it with a definitive code
 * and named no transaction, or it never left. Its reference may well carry a transaction, that of a later payment of the
 * same bill (the merchant tops up and pays again under a new key), which must not be taken from it.
 * Not the recovery's `isOpenToEvidence`: a refund answer may lack its transaction id, and that
 * record's transaction exists.
 */
export function madeNoTransaction(record: SingapayPaymentRecord): boolean {
  return record.transactionId === undefined && (isFailedFor(record, 'rejected') || isFailedFor(record, 'not_sent'));
}

/**
 * Pairs records with listed transactions: by the transaction id a record holds first, then,
 * for records that hold none (their answer was lost), by the payments' matcher, where only a
 * reference number (and customer) pairs outright; a record that made no transaction is left out
 * of it. A transaction pairs once. Returns the pairs by record key.
 */
export function pairRecords(
  records: readonly SingapayPaymentRecord[],
  listed: readonly SingapayListedTransaction[],
  /** How far Singapay's clock may run ahead of ours (`clockSkewToleranceMs`): which of one reference's transactions a send made. */
  skewMs = 0,
): Map<string, SingapayPairing> {
  const byId = new Map(listed.map((tx) => [tx.transactionId, tx]));
  const used = new Set<string>();
  const pairs = new Map<string, SingapayPairing>();
  const pass = (pairedBy: SingapayPairing['pairedBy'], find: (record: SingapayPaymentRecord) => SingapayListedTransaction | undefined) => {
    for (const record of records) {
      const tx = find(record);
      if (!tx || used.has(tx.transactionId)) continue;
      used.add(tx.transactionId);
      pairs.set(record.key, { tx, foundIn: 'list', pairedBy });
    }
  };
  pass('transaction_id', (record) => (record.transactionId ? byId.get(record.transactionId) : undefined));
  // When several transactions carry one reference, the likeliest for the record's last send: the payments' own rule.
  pass('reference_number', (record) =>
    record.transactionId || !record.referenceNumber || pairs.has(record.key) || madeNoTransaction(record)
      ? undefined
      : likeliestTransaction(
          record,
          listed.filter((t) => !used.has(t.transactionId)),
          skewMs,
        ),
  );
  return pairs;
}

function localSide(record: SingapayPaymentRecord): SingapayReconciliationLocal {
  return dropUndefined({
    idempotencyKey: record.key,
    state: record.state,
    failureReason: record.state === 'failed' || record.state === 'refunded' ? record.failure?.reason : undefined,
    command: record.command,
    productCode: record.productCode,
    customerId: record.customerId,
    referenceNumber: record.referenceNumber,
    transactionId: record.transactionId,
    amount: record.outcome?.amount,
    price: record.outcome?.price,
    createdAt: formatSingapayIso(record.createdAt),
  });
}

function singapaySide(tx: SingapayListedTransaction): SingapayReconciliationTransaction {
  const { transactionId, referenceNumber, customerId, status, amount, price, netPrice, createdAt } = tx;
  return { transactionId, referenceNumber, customerId, productCode: tx.product.code, status, amount, price, netPrice, createdAt };
}

/** What the two sides disagree on: the state, and the amount and price the module recorded (when it read any). */
function differences(record: SingapayPaymentRecord, tx: SingapayListedTransaction): SingapayReconciliationDifference[] {
  const out: SingapayReconciliationDifference[] = [];
  if (record.state !== tx.status) out.push({ field: 'state', local: record.state, singapay: tx.status });
  for (const field of ['amount', 'price'] as const) {
    const mine = record.outcome?.[field];
    if (mine !== undefined && mine !== tx[field]) out.push({ field, local: mine, singapay: tx[field] });
  }
  return out;
}

/**
 * The row given its note, which reads the rest of it. Each row is written whole, `note` included,
 * before it gets here: a row spread from a shorter object and given a new key takes about three
 * times the heap, which at 100,000 rows a day is tens of megabytes.
 */
function noted(row: SingapayReconciliationRow, record?: SingapayPaymentRecord, why?: string): SingapayReconciliationRow {
  row.note = explainRow(row, record, why);
  return row;
}

/** A row of a record and its transaction. */
export function pairedRow(record: SingapayPaymentRecord, { tx, foundIn, pairedBy }: SingapayPairing): SingapayReconciliationRow {
  const diffs = differences(record, tx);
  const category: SingapayReconciliationCategory = diffs.some((d) => d.field === 'state')
    ? 'state_differs'
    : diffs.length > 0
      ? 'amount_differs'
      : 'matched';
  // Both sides still in flight (not final here, pending there) is a payment on its way, not a disagreement.
  const inFlight = !isFinalPaymentState(record.state) && tx.status === 'pending' && category === 'state_differs';
  // A failure Singapay refunded since (its callback did not come): the customer was told "failed", the deposit got its money back.
  const refundedAfterFailure = isFailedBySingapay(record) && tx.status === 'refunded';
  // Both sides refunded, and no failure came first: a customer is owed it, and the announcement may have been missed
  // (amounts that differ besides do not make it less owed).
  const refundOwed = category !== 'state_differs' && isRefundOwed(record);
  const row: SingapayReconciliationRow = {
    category,
    needsAttention: (category !== 'matched' && !inFlight && !refundedAfterFailure) || refundOwed,
    pairedBy,
    foundIn,
    local: localSide(record),
    singapay: singapaySide(tx),
    differences: diffs,
    crossesMidnight: singapayWibDay(record.createdAt) !== singapayWibDay(transactionInstant(tx)),
    note: '',
  };
  return noted(row, record);
}

/** A record without a transaction: `confirmed` when Singapay's side was read in full (or a lookup said not found). */
export function localOnlyRow(record: SingapayPaymentRecord, confirmed: boolean, why?: string): SingapayReconciliationRow {
  // Unchecked or not, a failed record kept no money, nor did one never sent; one that claims money moved needs a look either way.
  const claimsMoneyMoved = record.state !== 'failed' && (record.state !== 'sending' || record.sendCount > 0);
  const row: SingapayReconciliationRow = {
    category: confirmed ? 'local_only' : 'unverified',
    needsAttention: claimsMoneyMoved,
    local: localSide(record),
    differences: [],
    crossesMidnight: false,
    note: '',
  };
  return noted(row, record, why);
}

/** A transaction without a record: `confirmed` when every local record was read. */
export function singapayOnlyRow(tx: SingapayListedTransaction, confirmed: boolean): SingapayReconciliationRow {
  const row: SingapayReconciliationRow = {
    category: confirmed ? 'singapay_only' : 'unverified',
    needsAttention: keptMoney(tx.status),
    foundIn: 'list',
    singapay: singapaySide(tx),
    differences: [],
    crossesMidnight: false,
    note: '',
  };
  return noted(row);
}

export function summarise(rows: readonly SingapayReconciliationRow[]): SingapayReconciliationSummary {
  const count = (c: SingapayReconciliationCategory) => rows.filter((r) => r.category === c).length;
  return {
    rows: rows.length,
    matched: count('matched'),
    singapayOnly: count('singapay_only'),
    localOnly: count('local_only'),
    stateDiffers: count('state_differs'),
    amountDiffers: count('amount_differs'),
    unverified: count('unverified'),
    needsAttention: rows.filter((r) => r.needsAttention).length,
  };
}

/**
 * Count and sums per product code and status, the money that moved (success and pending), and
 * the refunds on their own; Singapay's side sums net price too.
 */
export function totals(rows: readonly SingapayReconciliationRow[], side: 'singapay' | 'local'): SingapayReconciliationTotals {
  const total = (productCode: string, status: string): SingapayReconciliationTotal => ({
    productCode,
    status,
    count: 0,
    price: 0,
    ...(side === 'singapay' ? { netPrice: 0 } : {}),
  });
  const groups = new Map<string, SingapayReconciliationTotal>();
  const all = total('*', '*');
  const refunded = total('*', 'refunded');
  for (const row of rows) {
    // A record's side adds the price it recorded, 0 when it read none; it has no net price.
    const local = row.local;
    const entry =
      side === 'singapay'
        ? row.singapay
        : local && { productCode: local.productCode, status: local.state, price: local.price ?? 0, netPrice: 0 };
    if (!entry) continue;
    const id = `${entry.productCode}\u0000${entry.status}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = total(entry.productCode, entry.status)));
    for (const t of [group, ...(keptMoney(entry.status) ? [all] : entry.status === 'refunded' ? [refunded] : [])]) {
      t.count += 1;
      t.price += entry.price;
      if (t.netPrice !== undefined) t.netPrice += entry.netPrice;
    }
  }
  const byProductAndStatus = [...groups.values()].sort(
    (a, b) => a.productCode.localeCompare(b.productCode, 'en') || a.status.localeCompare(b.status, 'en'),
  );
  return { byProductAndStatus, all, refunded };
}

/**
 * A direct purchase whose answer was lost holds neither a transaction id nor a reference, so
 * it cannot be paired; when exactly one transaction of Singapay's alone fits it (the payments'
 * matcher: same customer and product, created within `skewMs` of the send), both rows say so.
 * They stay two rows: which transaction is whose is the resolver's call (`getPayment`), which
 * never guesses either. The matcher reads each row's record from `records` (by key), not the
 * row: a payment sent again under its key keeps its creation time, and only its last send counts.
 */
export function hintLostPurchases(
  rows: SingapayReconciliationRow[],
  skewMs: number,
  records: ReadonlyMap<string, SingapayPaymentRecord>,
): void {
  const lost = rows.filter(
    (r) =>
      r.category === 'local_only' &&
      (r.local!.state === 'unknown' || r.local!.state === 'sending') &&
      !r.local!.transactionId &&
      !r.local!.referenceNumber,
  );
  const alone = rows.filter((r) => r.category === 'singapay_only');
  for (const mine of lost) {
    const payment = records.get(mine.local!.idempotencyKey);
    if (!payment) continue;
    // The matcher reads a transaction's product as `product.code`.
    const fits = alone.filter(
      (r) => transactionDistance(payment, { ...r.singapay!, product: { code: r.singapay!.productCode } }, skewMs) !== undefined,
    );
    if (fits.length !== 1) continue;
    const theirs = fits[0]!;
    mine.note += `; transaction ${theirs.singapay!.transactionId} (singapay_only) may be this payment: getPayment(key) decides`;
    theirs.note += `; it may be the payment recorded under key ${mine.local!.idempotencyKey} (unknown, its answer lost): getPayment(key) decides`;
  }
}

/** Rows by time: the local record's creation, else the transaction's. */
export function rowTime(row: SingapayReconciliationRow): number {
  return Date.parse(row.local?.createdAt ?? row.singapay?.createdAt ?? '') || 0;
}
