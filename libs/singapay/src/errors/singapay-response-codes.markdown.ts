import { SINGAPAY_RESPONSE_CODES, SINGAPAY_UNRECOGNISED_CODE, type SingapayCodePaymentOutcome } from './singapay-response-codes.js';

const OUTCOME: Record<SingapayCodePaymentOutcome, string> = {
  success: 'paid',
  pending: 'pending (a result, not an exception)',
  rejected: 'not paid',
  uncertain: 'unknown: look it up, never resend',
  applied: 'unknown until the lookup confirms it; never concluded "not found"',
  refunded: 'refunded (final)',
};

/** The README's response code table, rendered from `SINGAPAY_RESPONSE_CODES` so the two cannot drift. */
export function renderSingapayResponseCodeTable(): string {
  return [
    '| code | type | meaning | HTTP status raised | retried (reads) | a payment answered with it is |',
    '|---|---|---|---|---|---|',
    ...SINGAPAY_RESPONSE_CODES.map(
      (r) =>
        `| \`${r.code}\` | \`${r.type}\` | ${r.description}${r.onPayment ? `. On a payment: ${r.onPayment}` : ''} | ${r.code === '00' || r.code === '01' ? '-' : r.httpStatus} | ${r.retryable ? 'yes' : 'no'} | ${OUTCOME[r.paymentOutcome]} |`,
    ),
    `| other | \`${SINGAPAY_UNRECOGNISED_CODE.type}\` | ${SINGAPAY_UNRECOGNISED_CODE.description} | ${SINGAPAY_UNRECOGNISED_CODE.httpStatus} | no | ${OUTCOME[SINGAPAY_UNRECOGNISED_CODE.paymentOutcome]} |`,
  ].join('\n');
}
