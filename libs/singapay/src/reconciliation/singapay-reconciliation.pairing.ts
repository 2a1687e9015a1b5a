import type { SingapayListedTransaction } from '../biller/singapay-biller.types.js';
import { formatSingapayIso } from '../biller/singapay-time.js';
import type { SingapayPaymentRecord } from '../payments/singapay-payment-record.js';
import { transactionDistance } from '../payments/recovery/singapay-payment.matcher.js';
import { dropUndefined } from '../util/singapay-json.js';
import { explainRow } from './singapay-reconciliation.notes.js';
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

/** A transaction and where it was read. */
export interface SingapayFoundTransaction {
  tx: SingapayListedTransaction;
  foundIn: 'list' | 'detail';
}

export interface SingapayPairing {
  tx: SingapayFoundTransaction;
  pairedBy: 'transaction_id' | 'reference_number';
}

/** The instant of a transaction: its `createdAt` is the ULID's instant, ISO with an offset. */
export const transactionInstant = (tx: SingapayListedTransaction): number => Date.parse(tx.createdAt);

/**
 * Pairs records with listed transactions: by the transaction id a record holds first, then,
 * for records that hold none (their answer was lost), by the payments' matcher, where only a
 * reference number (and customer) pairs outright. A transaction pairs once. Returns the pairs by record key.
 */
export function pairRecords(
  records: readonly SingapayPaymentRecord[],
  listed: readonly SingapayListedTransaction[],
): Map<string, SingapayPairing> {
  const byId = new Map(listed.map((tx) => [tx.transactionId, tx]));
  const used = new Set<string>();
  const pairs = new Map<string, SingapayPairing>();
  for (const record of records) {
    const tx = record.transactionId ? byId.get(record.transactionId) : undefined;
    if (!tx || used.has(tx.transactionId)) continue;
    used.add(tx.transactionId);
    pairs.set(record.key, { tx: { tx, foundIn: 'list' }, pairedBy: 'transaction_id' });
  }
  // Oldest first, so that when several transactions carry one reference the first one pairs.
  const byTime = [...listed].sort((a, b) => transactionInstant(a) - transactionInstant(b));
  for (const record of records) {
    if (record.transactionId || !record.referenceNumber || pairs.has(record.key)) continue;
    const tx = byTime.find((t) => !used.has(t.transactionId) && transactionDistance(record, t, 0) === 0);
    if (!tx) continue;
    used.add(tx.transactionId);
    pairs.set(record.key, { tx: { tx, foundIn: 'list' }, pairedBy: 'reference_number' });
  }
  return pairs;
}

export function localSide(record: SingapayPaymentRecord): SingapayReconciliationLocal {
  return dropUndefined({
    idempotencyKey: record.key,
    state: record.state,
    failureReason: record.state === 'failed' ? record.failure?.reason : undefined,
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

export function singapaySide(tx: SingapayListedTransaction): SingapayReconciliationTransaction {
  return {
    transactionId: tx.transactionId,
    referenceNumber: tx.referenceNumber,
    customerId: tx.customerId,
    productCode: tx.product.code,
    status: tx.status,
    amount: tx.amount,
    price: tx.price,
    netPrice: tx.netPrice,
    createdAt: tx.createdAt,
  };
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

const IN_FLIGHT_LOCALLY = new Set(['sending', 'pending', 'unknown']);

/** A row of a record and its transaction. */
export function pairedRow(
  record: SingapayPaymentRecord,
  pairing: SingapayPairing,
  wibDay: (ms: number) => string,
): SingapayReconciliationRow {
  const { tx, foundIn } = pairing.tx;
  const diffs = differences(record, tx);
  const category: SingapayReconciliationCategory = diffs.some((d) => d.field === 'state')
    ? 'state_differs'
    : diffs.length > 0
      ? 'amount_differs'
      : 'matched';
  // Both sides still in flight is a payment on its way, not a disagreement.
  const inFlight = IN_FLIGHT_LOCALLY.has(record.state) && tx.status === 'pending' && category === 'state_differs';
  const row: SingapayReconciliationRow = {
    category,
    needsAttention: category !== 'matched' && !inFlight,
    pairedBy: pairing.pairedBy,
    foundIn,
    local: localSide(record),
    singapay: singapaySide(tx),
    differences: diffs,
    crossesMidnight: wibDay(record.createdAt) !== wibDay(transactionInstant(tx)),
    note: '',
  };
  return { ...row, note: explainRow(row, record) };
}

/** Local states that say money moved (or may have): such a record without a transaction needs a look. */
function claimsMoneyMoved(record: SingapayPaymentRecord): boolean {
  if (record.state === 'failed') return false;
  return record.state !== 'sending' || record.sendCount > 0;
}

/** A record without a transaction: `confirmed` when Singapay's side was read in full (or a lookup said not found). */
export function localOnlyRow(record: SingapayPaymentRecord, confirmed: boolean, why?: string): SingapayReconciliationRow {
  const row: SingapayReconciliationRow = {
    category: confirmed ? 'local_only' : 'unverified',
    // Unchecked or not, a failed record kept no money; one that claims money moved needs a look either way.
    needsAttention: claimsMoneyMoved(record),
    local: localSide(record),
    differences: [],
    crossesMidnight: false,
    note: '',
  };
  return { ...row, note: explainRow(row, record, why) };
}

/** A transaction without a record: `confirmed` when every local record was read. */
export function singapayOnlyRow(tx: SingapayListedTransaction, confirmed: boolean): SingapayReconciliationRow {
  const row: SingapayReconciliationRow = {
    category: confirmed ? 'singapay_only' : 'unverified',
    // Failed and refunded transactions kept no money.
    needsAttention: tx.status === 'success' || tx.status === 'pending',
    foundIn: 'list',
    singapay: singapaySide(tx),
    differences: [],
    crossesMidnight: false,
    note: '',
  };
  return { ...row, note: explainRow(row) };
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
  const groups = new Map<string, SingapayReconciliationTotal>();
  const total = (status: string): SingapayReconciliationTotal => ({
    productCode: '*',
    status,
    count: 0,
    price: 0,
    ...(side === 'singapay' ? { netPrice: 0 } : {}),
  });
  const all = total('*');
  const refunded = total('refunded');
  for (const row of rows) {
    const entry =
      side === 'singapay'
        ? row.singapay && {
            productCode: row.singapay.productCode,
            status: row.singapay.status,
            price: row.singapay.price,
            net: row.singapay.netPrice,
          }
        : row.local && { productCode: row.local.productCode, status: row.local.state, price: row.local.price ?? 0, net: 0 };
    if (!entry) continue;
    const id = `${entry.productCode}\u0000${entry.status}`;
    let group = groups.get(id);
    if (!group) {
      group = { productCode: entry.productCode, status: entry.status, count: 0, price: 0, ...(side === 'singapay' ? { netPrice: 0 } : {}) };
      groups.set(id, group);
    }
    const moved = entry.status === 'success' || entry.status === 'pending';
    for (const t of [group, ...(moved ? [all] : entry.status === 'refunded' ? [refunded] : [])]) {
      t.count += 1;
      t.price += entry.price;
      if (t.netPrice !== undefined) t.netPrice += entry.net;
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
 * never guesses either.
 */
export function hintLostPurchases(rows: SingapayReconciliationRow[], skewMs: number): void {
  const lost = rows.filter(
    (r) =>
      r.category === 'local_only' &&
      (r.local!.state === 'unknown' || r.local!.state === 'sending') &&
      !r.local!.transactionId &&
      !r.local!.referenceNumber,
  );
  const alone = rows.filter((r) => r.category === 'singapay_only');
  for (const mine of lost) {
    const payment = { ...mine.local!, referenceNumber: undefined, createdAt: Date.parse(mine.local!.createdAt), sentAt: undefined };
    const fits = alone.filter((r) => {
      const theirs = r.singapay!;
      const tx = {
        customerId: theirs.customerId,
        referenceNumber: theirs.referenceNumber,
        createdAt: theirs.createdAt,
        product: { code: theirs.productCode },
      };
      return transactionDistance(payment, tx, skewMs) !== undefined;
    });
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
