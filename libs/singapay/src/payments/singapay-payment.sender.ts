import { SingapayBillerApi } from '../biller/singapay-biller.api.js';
import { transactionIdIn } from '../biller/singapay-biller.readers.js';
import type { SingapayPaymentParams, SingapayPaymentReceipt } from '../biller/singapay-biller.types.js';
import { singapayResponseCodeInfo } from '../errors/singapay-response-codes.js';
import { SingapayException } from '../errors/singapay.exception.js';
import type { SingapayCallOptions } from '../http/singapay-transport.js';
import type { SingapayClock } from '../singapay.constants.js';
import type { SingapayPaymentFailure, SingapayPaymentRecord } from './singapay-payment-record.js';
import { SingapayPaymentStoreException } from './singapay-payment.exception.js';
import type { SingapayPaymentLedger } from './singapay-payment.ledger.js';
import { isAwaitingToken, nextFollowUpAt, type SingapayRecordPatch } from './singapay-payment.state.js';

/**
 * What one send came to, and the change it makes to the record:
 * - `accepted`: `00` or `01`, the transaction exists;
 * - `not_sent`: provably never left, the key may be paid again;
 * - `refused`: a definitive code, nothing was applied;
 * - `refunded`: `50`, applied and paid back;
 * - `uncertain`: it may have been applied; it is looked up, never resent.
 */
export type SingapaySendVerdict =
  | { kind: 'accepted'; patch: SingapayRecordPatch }
  | { kind: 'not_sent' | 'refused' | 'refunded' | 'uncertain'; patch: SingapayRecordPatch; error: unknown };

const released = { owner: null, leaseUntil: null } as const;

function failureOf(error: SingapayException, reason: SingapayPaymentFailure['reason']): SingapayPaymentFailure {
  return { reason, code: error.responseCode, type: error.responseType, httpStatus: error.getStatus(), message: error.message };
}

/** The change an accepted answer makes: state, transaction, what Singapay said, and a watch for a missing PLN token. */
export function receiptPatch(
  record: SingapayPaymentRecord,
  receipt: SingapayPaymentReceipt,
  now: number,
  reviewMs: number,
): SingapayRecordPatch {
  const { responseCode, ...outcome } = receipt;
  const patch: SingapayRecordPatch = {
    state: responseCode === '00' ? 'success' : 'pending',
    responseCode,
    transactionId: receipt.transactionId,
    outcome,
    failure: null,
    ...released,
  };
  if (isAwaitingToken({ state: patch.state!, command: record.command, outcome })) {
    patch.watchUntil = now + reviewMs;
    patch.nextCheckAt = nextFollowUpAt({ lookups: 0 }, now);
  }
  return patch;
}

/** What a failed send means for the money, decided by the one code table and the failure's `delivery`. */
export function failureVerdict(error: unknown): SingapaySendVerdict {
  // A store error here comes after the request may have left: only the API call's own verdict can say "never left".
  if (error instanceof SingapayException && error.delivery === 'not_sent' && !(error instanceof SingapayPaymentStoreException)) {
    return { kind: 'not_sent', error, patch: { state: 'failed', failure: failureOf(error, 'not_sent'), ...released } };
  }
  const e = error instanceof SingapayException ? error : undefined;
  const readable = e?.responseCode != null && e.responseType !== 'malformed_response';
  const outcome = readable ? singapayResponseCodeInfo(e.responseCode!).paymentOutcome : 'uncertain';
  if (e && outcome === 'rejected') {
    return {
      kind: 'refused',
      error,
      patch: { state: 'failed', responseCode: e.responseCode!, failure: failureOf(e, 'rejected'), ...released },
    };
  }
  const transactionId = transactionIdIn(e?.raw);
  if (e && outcome === 'refunded') {
    return { kind: 'refunded', error, patch: { state: 'refunded', responseCode: e.responseCode!, transactionId, ...released } };
  }
  // Uncertain, or Singapay said it went through (51): keep what the answer carried and look it up.
  return {
    kind: 'uncertain',
    error,
    patch: {
      state: 'unknown',
      responseCode: e?.responseCode ?? undefined,
      transactionId,
      failure: e ? failureOf(e, 'not_found') : undefined,
      ...released,
    },
  };
}

/**
 * Sends a claimed payment exactly once. The send is counted in the record before the
 * request leaves, so that from then on everyone treats it as "may have been sent"; if
 * that count cannot be written, nothing is sent.
 */
export class SingapayPaymentSender {
  constructor(
    private readonly biller: SingapayBillerApi,
    private readonly ledger: SingapayPaymentLedger,
    private readonly now: SingapayClock,
    private readonly reviewMs: number,
  ) {}

  async send(
    record: SingapayPaymentRecord,
    req: SingapayPaymentParams,
    call?: SingapayCallOptions,
  ): Promise<{ counted: SingapayPaymentRecord; verdict: SingapaySendVerdict }> {
    const counted = await this.ledger.replace(record, { sendCount: record.sendCount + 1, sentAt: this.now() }, 'before_send');
    if (!counted) throw SingapayPaymentStoreException.conflict();
    try {
      const receipt = await this.biller.pay(req, call, { idempotencyKey: record.key });
      return { counted, verdict: { kind: 'accepted', patch: receiptPatch(counted, receipt, this.now(), this.reviewMs) } };
    } catch (error) {
      return { counted, verdict: failureVerdict(error) };
    }
  }
}
