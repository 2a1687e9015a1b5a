import type { SingapayTransaction } from '../../biller/singapay-biller.types.js';
import type { SingapayPaymentEvidence, SingapayPaymentRecord } from '../singapay-payment-record.js';

/*
 * Which transaction is a payment's: the one rule, used by the lost-answer resolution, by the
 * confirmations of callbacks and by the daily report's pairing. No I/O.
 */

/** What the matcher reads of a payment. */
export type SingapayMatchablePayment = Pick<
  SingapayPaymentRecord,
  'customerId' | 'productCode' | 'referenceNumber' | 'createdAt' | 'sentAt'
>;
/** What the matcher reads of a transaction. */
export type SingapayMatchableTransaction = Pick<SingapayTransaction, 'customerId' | 'referenceNumber' | 'createdAt'> & {
  product: Pick<SingapayTransaction['product'], 'code'>;
};

/**
 * Whether `tx` could be `payment`'s transaction, and how close it is: the same customer and, for
 * a purchase with an inquiry, the same reference number, at any time; for a direct purchase (no
 * reference) the same product created around its last send (`sentAt`), give or take `skewMs`
 * between Singapay's clock and ours. The distance is from that send: several transactions may carry
 * one reference (an earlier payment of it refused without naming its transaction, then another), and
 * the one nearest the last send is the payment's. Only the last send can have reached Singapay: a
 * payment is sent again only after its earlier send provably never left.
 * Undefined when it cannot be.
 * Whether it is the only one that could be is for the caller: see `findPaymentCandidate`.
 */
export function transactionDistance(
  payment: SingapayMatchablePayment,
  tx: SingapayMatchableTransaction,
  skewMs: number,
): number | undefined {
  if (tx.customerId !== payment.customerId) return undefined;
  // ISO with an offset: Date.parse reads the instant exactly.
  const at = Date.parse(tx.createdAt);
  const lastSent = payment.sentAt ?? payment.createdAt;
  const distance = Number.isNaN(at) ? Number.MAX_SAFE_INTEGER : Math.abs(at - lastSent);
  // A transaction made before the last send (beyond the skew) is an earlier payment's of the reference, never this one's.
  if (payment.referenceNumber) return tx.referenceNumber === payment.referenceNumber && !(at < lastSent - skewMs) ? distance : undefined;
  if (tx.product.code !== payment.productCode) return undefined;
  if (Number.isNaN(at) || at < lastSent - skewMs || at > lastSent + skewMs) return undefined;
  return distance;
}

/**
 * Which of the transactions the payment could hold is its own: for a reference, the latest made by its
 * last send at the latest (`sentAt` plus `skewMs` of Singapay's clock ahead of ours), since one
 * reference's transactions are made in the order of its sends (an earlier one refused, say); else,
 * and for a direct purchase, the one nearest that send (the first of equals). Undefined for none.
 */
export function likeliestTransaction<T extends SingapayMatchableTransaction>(
  payment: SingapayMatchablePayment,
  transactions: Iterable<T>,
  skewMs: number,
): T | undefined {
  const latestAllowed = (payment.sentAt ?? payment.createdAt) + skewMs;
  let nearest: { tx: T; distance: number } | undefined;
  let latest: { tx: T; at: number } | undefined;
  for (const tx of transactions) {
    const distance = transactionDistance(payment, tx, skewMs);
    if (distance === undefined) continue;
    if (nearest === undefined || distance < nearest.distance) nearest = { tx, distance };
    const at = Date.parse(tx.createdAt);
    if (payment.referenceNumber && at <= latestAllowed && (latest === undefined || at > latest.at)) latest = { tx, at };
  }
  return latest?.tx ?? nearest?.tx;
}

/**
 * The one transaction that can only be `record`'s (`transactionDistance`), the likeliest if several
 * carry its reference (`likeliestTransaction`); none when it holds one already. A transaction another payment holds is
 * never taken, and a direct purchase with two candidates gets none: which one is its own cannot be
 * told (guessing could hand one payment's money to another), and since a candidate exists it is
 * `ambiguous`, and must not be concluded missing.
 */
export async function findPaymentCandidate(
  record: SingapayPaymentRecord,
  transactions: readonly SingapayPaymentEvidence[],
  claimedByOther: (transactionId: string) => Promise<boolean>,
  skewMs: number,
): Promise<{ match?: SingapayPaymentEvidence; ambiguous?: true }> {
  if (record.transactionId) return {};
  const mine: SingapayPaymentEvidence[] = [];
  for (const tx of transactions) {
    if (transactionDistance(record, tx, skewMs) === undefined || (await claimedByOther(tx.transactionId))) continue;
    mine.push(tx);
  }
  // A purchase with an inquiry takes the likeliest of its reference; a direct purchase has one, or is ambiguous.
  if (!record.referenceNumber && mine.length > 1) return { ambiguous: true };
  return { match: likeliestTransaction(record, mine, skewMs) };
}
