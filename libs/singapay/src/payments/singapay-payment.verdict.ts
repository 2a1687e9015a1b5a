import { transactionIdIn } from '../biller/singapay-biller.readers.js';
import type { SingapayPaymentReceipt } from '../biller/singapay-biller.types.js';
import { singapayResponseCodeInfo } from '../errors/singapay-response-codes.js';
import { SingapayException } from '../errors/singapay.exception.js';
import type { SingapayPaymentFailure, SingapayPaymentRecord } from './singapay-payment-record.js';
import { SingapayPaymentStoreException } from './singapay-payment.exception.js';
import { isAwaitingToken, RELEASED, type SingapayRecordPatch } from './singapay-payment.state.js';
import type { SingapayRecoveryPolicy } from './recovery/singapay-recovery.policy.js';

/**
 * What one send came to, and the change it makes to the record:
 * - `accepted`: `00` or `01`, the transaction exists;
 * - `not_sent`: provably never left, the key may be paid again;
 * - `rejected`: a definitive code, Singapay refused it (the code table's and the failure reason's word); a
 *   transaction the answer names is kept, whose refund may follow;
 * - `refunded`: `50`, applied and paid back;
 * - `uncertain`: it may have been applied; it is looked up, never resent.
 */
export type SingapaySendVerdict =
  | { kind: 'accepted'; patch: SingapayRecordPatch }
  | { kind: 'not_sent' | 'rejected' | 'refunded' | 'uncertain'; patch: SingapayRecordPatch; error: unknown };

function failureOf(error: SingapayException, reason: SingapayPaymentFailure['reason']): SingapayPaymentFailure {
  return { reason, code: error.responseCode, type: error.responseType, httpStatus: error.getStatus(), message: error.message };
}

/** The change an accepted answer makes: state, transaction, what Singapay said, and a watch for a missing PLN token. */
export function receiptPatch(
  record: SingapayPaymentRecord,
  receipt: SingapayPaymentReceipt,
  now: number,
  policy: Pick<SingapayRecoveryPolicy, 'watch'>,
): SingapayRecordPatch {
  const { responseCode, ...outcome } = receipt;
  const patch: SingapayRecordPatch = {
    state: responseCode === '00' ? 'success' : 'pending',
    responseCode,
    transactionId: receipt.transactionId,
    outcome,
    failure: null,
    ...RELEASED,
  };
  return isAwaitingToken({ state: patch.state!, command: record.command, outcome })
    ? { ...patch, ...policy.watch({ lookups: 0 }, now) }
    : patch;
}

/** What a failed send means for the money, by the one code table and `delivery`; one that never left takes its `sendCount` back. */
export function failureVerdict(error: unknown, sendCount: number): SingapaySendVerdict {
  // Every one lets the claim go.
  const verdict = (kind: Exclude<SingapaySendVerdict['kind'], 'accepted'>, patch: SingapayRecordPatch) => ({
    kind,
    error,
    patch: { ...patch, ...RELEASED },
  });
  // A store error here comes after the request may have left: only the API call's own verdict can say "never left".
  if (error instanceof SingapayException && error.delivery === 'not_sent' && !(error instanceof SingapayPaymentStoreException)) {
    return verdict('not_sent', { state: 'failed', failure: failureOf(error, 'not_sent'), sendCount: Math.max(0, sendCount - 1) });
  }
  const e = error instanceof SingapayException ? error : undefined;
  const readable = e?.responseCode != null && e.responseType !== 'malformed_response';
  const outcome = readable ? singapayResponseCodeInfo(e.responseCode!).paymentOutcome : 'uncertain';
  // "Anything else failure, with transaction_id when the transaction was created": a refusal that
  // names its transaction keeps it, so that the transaction's refund and the daily report find this payment.
  const transactionId = transactionIdIn(e?.raw);
  if (e && outcome === 'rejected') {
    return verdict('rejected', { state: 'failed', responseCode: e.responseCode!, transactionId, failure: failureOf(e, 'rejected') });
  }
  if (e && outcome === 'refunded') return verdict('refunded', { state: 'refunded', responseCode: e.responseCode!, transactionId });
  // Uncertain, or Singapay said it went through (51): keep what the answer carried and look it up.
  return verdict('uncertain', {
    state: 'unknown',
    responseCode: e?.responseCode ?? undefined,
    transactionId,
    failure: e ? failureOf(e, 'not_found') : undefined,
  });
}
