import type { SingapayTransactionStatus } from '../../contract/singapay-api.contract.js';
import type { SingapayTransaction } from '../../biller/singapay-biller.types.js';
import type { SingapayPaymentEvidence, SingapayPaymentRecord, SingapayPaymentState } from '../singapay-payment-record.js';

/*
 * Which transaction is a payment's: the one rule, used by the lost-answer resolution, by the
 * confirmations of callbacks and by the daily report's pairing. No I/O.
 */

/** What a transaction's status makes of the payment it belongs to. */
export function transactionState(status: SingapayTransactionStatus): SingapayPaymentState {
  return status;
}

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
 * a purchase with an inquiry, the same reference number (distance 0); for a direct purchase (no
 * reference) the same product created around its last send (`sentAt`), give or take `skewMs`
 * between Singapay's clock and ours (the distance from that send). Only the last send can have
 * reached Singapay: a payment is sent again only after its earlier send provably never left.
 * Undefined when it cannot be.
 * Whether it is the only one that could be is for the caller: see `findPaymentCandidates`.
 */
export function transactionDistance(
  payment: SingapayMatchablePayment,
  tx: SingapayMatchableTransaction,
  skewMs: number,
): number | undefined {
  if (tx.customerId !== payment.customerId) return undefined;
  if (payment.referenceNumber) return tx.referenceNumber === payment.referenceNumber ? 0 : undefined;
  if (tx.product.code !== payment.productCode) return undefined;
  // ISO with an offset: Date.parse reads the instant exactly.
  const at = Date.parse(tx.createdAt);
  const lastSent = payment.sentAt ?? payment.createdAt;
  if (Number.isNaN(at) || at < lastSent - skewMs || at > lastSent + skewMs) return undefined;
  return Math.abs(at - lastSent);
}

export interface SingapayPaymentMatch {
  record: SingapayPaymentRecord;
  transaction: SingapayPaymentEvidence;
  /** How far the transaction's creation is from our last send; 0 for a reference match. */
  distanceMs: number;
}

export interface SingapayPaymentCandidates {
  /** Pairs that can only be right, best first (closest in time). */
  matches: SingapayPaymentMatch[];
  /**
   * Keys of direct purchases with more than one candidate: which one is theirs cannot be
   * told, so they get none, and since a candidate exists they must not be concluded missing.
   */
  ambiguous: Set<string>;
}

/**
 * Pairs unresolved payments with transactions that can only be theirs (`transactionDistance`).
 * A transaction another payment already holds is never taken, and a direct purchase with two
 * candidates gets none: guessing could hand one payment's money to another.
 */
export async function findPaymentCandidates(
  records: readonly SingapayPaymentRecord[],
  transactions: readonly SingapayPaymentEvidence[],
  claimedByOther: (transactionId: string) => Promise<boolean>,
  skewMs: number,
): Promise<SingapayPaymentCandidates> {
  const pairs: SingapayPaymentMatch[] = [];
  const ambiguous = new Set<string>();
  for (const record of records) {
    if (record.transactionId) continue;
    const mine: SingapayPaymentMatch[] = [];
    for (const tx of transactions) {
      const distanceMs = transactionDistance(record, tx, skewMs);
      if (distanceMs === undefined || (await claimedByOther(tx.transactionId))) continue;
      mine.push({ record, transaction: tx, distanceMs });
    }
    if (!record.referenceNumber && mine.length > 1) {
      ambiguous.add(record.key);
      continue;
    }
    pairs.push(...mine);
  }
  return { matches: pairs.sort((a, b) => a.distanceMs - b.distanceMs), ambiguous };
}
