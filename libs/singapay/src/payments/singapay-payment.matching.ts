import { SINGAPAY_TIMESTAMP_UTC_OFFSET_MINUTES, type SingapayTransactionStatus } from '../contract/singapay-api.contract.js';
import type { SingapayTransaction } from '../service/singapay.types.js';
import type { SingapayPaymentRecord, SingapayPaymentState } from './singapay-payment-record.js';

export function transactionState(status: SingapayTransactionStatus): SingapayPaymentState {
  return status;
}

const SINGAPAY_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;

/** The instant a Singapay timestamp stands for, read in the contract's zone; undefined when unreadable. */
export function singapayInstant(text: string): number | undefined {
  const m = SINGAPAY_TIME.exec(text);
  if (!m) return undefined;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - SINGAPAY_TIMESTAMP_UTC_OFFSET_MINUTES * 60_000;
}

// Clocks differ a little; a transaction created well before our first send is someone else's.
const CLOCK_SKEW_MS = 60_000;

/**
 * Pairs unresolved payments with transactions that can only be theirs: same
 * customer and, for purchases with an inquiry, the same reference number; for
 * direct purchases (no reference) the same product created around the time we
 * sent it. A transaction another payment already holds is never taken.
 * Best pairs first (closest in time).
 */
export async function findPaymentCandidates(
  records: readonly SingapayPaymentRecord[],
  transactions: readonly SingapayTransaction[],
  claimedByOther: (transactionId: string) => Promise<boolean>,
  windowMs: number,
): Promise<{ record: SingapayPaymentRecord; transaction: SingapayTransaction; distanceMs: number }[]> {
  const pairs: { record: SingapayPaymentRecord; transaction: SingapayTransaction; distanceMs: number }[] = [];
  for (const record of records) {
    if (record.transactionId) continue;
    const firstSent = record.createdAt;
    const lastSent = record.sentAt ?? record.createdAt;
    const mine: typeof pairs = [];
    for (const tx of transactions) {
      if (tx.customerId !== record.customerId) continue;
      let distanceMs: number;
      if (record.referenceNumber) {
        if (tx.referenceNumber !== record.referenceNumber) continue;
        distanceMs = 0;
      } else {
        if (tx.product.code !== record.productCode) continue;
        const at = singapayInstant(tx.createdAt);
        // Singapay stamps it when it receives it: around our sends, give or take clock skew.
        if (at === undefined || at < firstSent - CLOCK_SKEW_MS || at > lastSent + CLOCK_SKEW_MS + Math.min(windowMs, 5 * 60_000)) continue;
        distanceMs = Math.abs(at - lastSent);
      }
      if (await claimedByOther(tx.transactionId)) continue;
      mine.push({ record, transaction: tx, distanceMs });
    }
    // A direct purchase has no reference: two candidates mean we cannot tell which is ours,
    // and guessing could hand one payment's money to another. It stays unknown.
    if (!record.referenceNumber && mine.length > 1) continue;
    pairs.push(...mine);
  }
  return pairs.sort((a, b) => a.distanceMs - b.distanceMs);
}
