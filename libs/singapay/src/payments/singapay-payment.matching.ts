import type { SingapayTransactionStatus } from '../contract/singapay-api.contract.js';
import type { SingapayTransaction } from '../biller/singapay-biller.types.js';
import type { SingapayPaymentRecord, SingapayPaymentState } from './singapay-payment-record.js';

export function transactionState(status: SingapayTransactionStatus): SingapayPaymentState {
  return status;
}

export interface SingapayPaymentMatch {
  record: SingapayPaymentRecord;
  transaction: SingapayTransaction;
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
 * Pairs unresolved payments with transactions that can only be theirs: same
 * customer and, for purchases with an inquiry, the same reference number; for
 * direct purchases (no reference) the same product created between our first and
 * last send, give or take `skewMs` between Singapay's clock and ours. A transaction
 * another payment already holds is never taken, and a direct purchase with two
 * candidates gets none: guessing could hand one payment's money to another.
 */
export async function findPaymentCandidates(
  records: readonly SingapayPaymentRecord[],
  transactions: readonly SingapayTransaction[],
  claimedByOther: (transactionId: string) => Promise<boolean>,
  skewMs: number,
): Promise<SingapayPaymentCandidates> {
  const pairs: SingapayPaymentMatch[] = [];
  const ambiguous = new Set<string>();
  for (const record of records) {
    if (record.transactionId) continue;
    const firstSent = record.createdAt;
    const lastSent = record.sentAt ?? record.createdAt;
    const mine: SingapayPaymentMatch[] = [];
    for (const tx of transactions) {
      if (tx.customerId !== record.customerId) continue;
      let distanceMs: number;
      if (record.referenceNumber) {
        if (tx.referenceNumber !== record.referenceNumber) continue;
        distanceMs = 0;
      } else {
        if (tx.product.code !== record.productCode) continue;
        // ISO with an offset: Date.parse reads the instant exactly.
        const at = Date.parse(tx.createdAt);
        if (Number.isNaN(at) || at < firstSent - skewMs || at > lastSent + skewMs) continue;
        distanceMs = Math.abs(at - lastSent);
      }
      if (await claimedByOther(tx.transactionId)) continue;
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
