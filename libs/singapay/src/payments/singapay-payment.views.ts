import { formatSingapayIso } from '../biller/singapay-time.js';
import { SINGAPAY_PENDING_CODE, SINGAPAY_SUCCESS_CODE, singapayResponseCodeInfo } from '../errors/singapay-response-codes.js';
import { dropUndefined } from '../util/singapay-json.js';
import type { SingapayPaymentRecord, SingapayPaymentState } from './singapay-payment-record.js';
import { isAwaitingToken } from './singapay-payment.state.js';
import type { SingapayAcceptedPayment, SingapayPayment, SingapayUnknownPayment } from './singapay-payment.types.js';

/** The code of a state that has one: `00` settled, `01` pending (whatever uncertain answer came before), `50` refunded. */
const STATE_CODES: Partial<Record<SingapayPaymentState, string>> = {
  success: SINGAPAY_SUCCESS_CODE,
  pending: SINGAPAY_PENDING_CODE,
  refunded: '50',
};

/** What `getPayment()` shows of a record. */
export function paymentView(record: SingapayPaymentRecord): SingapayPayment {
  const o = record.outcome;
  // Where it stands now (`SingapayPayment.responseCode`). A transaction Singapay marked failed carries no code: an earlier
  // answer's would say something else.
  const responseCode = record.state === 'failed' ? (record.failure?.code ?? undefined) : (STATE_CODES[record.state] ?? record.responseCode);
  return dropUndefined({
    idempotencyKey: record.key,
    state: record.state,
    command: record.command,
    productCode: record.productCode,
    customerId: record.customerId,
    referenceNumber: record.referenceNumber,
    transactionId: record.transactionId,
    responseCode,
    responseText: responseCode === undefined ? undefined : singapayResponseCodeInfo(responseCode).description,
    amount: o?.amount,
    price: o?.price,
    customerName: o?.customerName,
    period: o?.period,
    token: o?.token,
    awaitingToken: isAwaitingToken(record) ? (true as const) : undefined,
    // A refunded payment shows the failure it had before, if any (see failureAfter).
    failure: record.state === 'failed' || record.state === 'refunded' ? record.failure : undefined,
    reviewUntil: record.watchUntil === undefined ? undefined : formatSingapayIso(record.watchUntil),
    sendCount: record.sendCount,
    createdAt: formatSingapayIso(record.createdAt),
    updatedAt: formatSingapayIso(record.updatedAt),
    settledAt: record.settledAt === undefined ? undefined : formatSingapayIso(record.settledAt),
  });
}

/** What `pay()` resolves to for a record that is accepted or unknown; other states throw (see the engine). */
export function paymentResult(record: SingapayPaymentRecord): SingapayAcceptedPayment | SingapayUnknownPayment | undefined {
  if (record.state === 'success' || record.state === 'pending') {
    const o = record.outcome;
    return dropUndefined({
      idempotencyKey: record.key,
      command: record.command,
      status: record.state,
      responseCode: record.responseCode ?? STATE_CODES[record.state]!,
      transactionId: record.transactionId ?? o?.transactionId ?? '',
      customerId: record.customerId,
      customerName: o?.customerName,
      amount: o?.amount ?? 0,
      price: o?.price ?? 0,
      period: o?.period,
      token: o?.token,
      awaitingToken: isAwaitingToken(record) ? (true as const) : undefined,
      createdAt: o?.createdAt ?? formatSingapayIso(record.createdAt),
      raw: o?.raw ?? {},
    });
  }
  if (record.state === 'unknown' || record.state === 'sending') {
    return dropUndefined({
      idempotencyKey: record.key,
      command: record.command,
      status: 'unknown' as const,
      responseCode: record.responseCode,
      transactionId: record.transactionId,
      customerId: record.customerId,
      reason: record.failure?.message ?? 'No trustworthy answer came from Singapay; the payment may have gone through',
    });
  }
  return undefined;
}
