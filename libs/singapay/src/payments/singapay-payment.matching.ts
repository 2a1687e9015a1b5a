import type { SingapayTransactionStatus } from '../contract/singapay-api.contract.js';
import type { SingapayTransaction } from '../service/singapay.types.js';
import type { SingapayPaymentRecord, SingapayPaymentState } from './singapay-payment-record.js';

export function transactionState(status: SingapayTransactionStatus): SingapayPaymentState {
  return status;
}

const SINGAPAY_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;

/**
 * The instants a Singapay timestamp may stand for. Answers carry no zone and
 * the docs show both WIB (UTC+7) and UTC, so both readings are kept.
 */
export function singapayInstants(text: string): number[] {
  const m = SINGAPAY_TIME.exec(text);
  if (!m) return [];
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return [utc - 7 * 3600_000, utc];
}

// How far a transaction's timestamp may sit before our first send: clocks differ.
const CLOCK_SKEW_MS = 10 * 60_000;

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
    for (const tx of transactions) {
      if (tx.customerId !== record.customerId) continue;
      let distanceMs: number;
      if (record.referenceNumber) {
        if (tx.referenceNumber !== record.referenceNumber) continue;
        distanceMs = 0;
      } else {
        if (tx.product.code !== record.productCode) continue;
        const fits = singapayInstants(tx.createdAt).filter((t) => t >= firstSent - CLOCK_SKEW_MS && t <= lastSent + windowMs);
        if (fits.length === 0) continue;
        distanceMs = Math.min(...fits.map((t) => Math.abs(t - lastSent)));
      }
      if (await claimedByOther(tx.transactionId)) continue;
      pairs.push({ record, transaction: tx, distanceMs });
    }
  }
  return pairs.sort((a, b) => a.distanceMs - b.distanceMs);
}
