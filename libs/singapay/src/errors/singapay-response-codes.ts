/**
 * The one table of Singapay response codes. It drives the exception classes
 * and HTTP statuses, which failures may be retried, what a payment's outcome is
 * after each code, and the README's table (generated from it by a test).
 *
 * HTTP statuses follow one rule: 4xx only where the caller of *our* API can fix
 * its request; 5xx where Singapay, or our own credentials, failed. A 401 would
 * make a front end log its user out for our misconfiguration, so code 16 is 502.
 */

/**
 * What a payment answered with this code means for the money.
 * - `success` / `pending`: the transaction exists.
 * - `rejected`: definitively not applied; safe to fix and try again.
 * - `uncertain`: it may or may not have been applied; never resend blindly, look it up.
 * - `applied`: Singapay says the transaction went through (51): look it up to learn which,
 *   and never conclude it failed for not finding it.
 * - `refunded`: the transaction was (or will be) refunded (50): final, the money comes back.
 */
export type SingapayCodePaymentOutcome = 'success' | 'pending' | 'rejected' | 'uncertain' | 'applied' | 'refunded';

export interface SingapayResponseCodeInfo {
  /** Two-digit code as Singapay documents it. */
  code: string;
  /** Machine-readable name (Singapay's names, typos fixed). */
  type: SingapayResponseType;
  /** What it means, in one line. */
  description: string;
  /** HTTP status of the exception we raise for it. */
  httpStatus: number;
  /** Whether a read or an inquiry answered with it may be tried again after a pause. */
  retryable: boolean;
  /** What a payment answered with this code means. */
  paymentOutcome: SingapayCodePaymentOutcome;
  /** What the code means when a payment gets it, where that says more than `description`. */
  onPayment?: string;
}

// Generic in `type`, so that the table itself lists the types (`SingapayResponseType`).
const row = <T extends string>(
  code: string,
  type: T,
  httpStatus: number,
  retryable: boolean,
  paymentOutcome: SingapayCodePaymentOutcome,
  description: string,
  extra?: { onPayment: string },
): Omit<SingapayResponseCodeInfo, 'type'> & { type: T } =>
  Object.freeze({ code, type, description, httpStatus, retryable, paymentOutcome, ...extra });

const ROWS = Object.freeze([
  row('00', 'success', 200, false, 'success', 'Operation completed successfully'),
  row('01', 'pending', 202, false, 'pending', 'Pending confirmation or in progress'),
  row('02', 'canceled', 409, false, 'uncertain', 'Canceled by the user or the system'),
  row('03', 'unknown', 502, true, 'uncertain', 'Unknown error'),
  row('04', 'invalid_argument', 400, false, 'rejected', 'Invalid input or parameters'),
  row('05', 'deadline_exceeded', 504, true, 'uncertain', 'Timed out before completion'),
  row('06', 'not_found', 404, false, 'rejected', 'Resource or endpoint not found', {
    onPayment:
      'The inquiry reference is unknown or has expired (the docs do not say what a reference paid already answers): before inquiring again and paying the new referenceNumber, check that no payment of this order holds the old one (getPayment), or a PLN token is bought twice',
  }),
  row('07', 'already_exists', 409, false, 'uncertain', 'Resource already exists', {
    onPayment: 'Singapay says the transaction already exists: it may have gone through, so it is looked up',
  }),
  row('08', 'permission_denied', 502, false, 'rejected', 'Permission denied'),
  row('09', 'resource_exhausted', 429, true, 'rejected', 'Resource limit or quota reached'),
  row('10', 'failed_precondition', 409, false, 'rejected', 'System state does not allow the operation'),
  row('11', 'aborted', 409, false, 'uncertain', 'Aborted by a conflict or concurrency issue'),
  row('12', 'out_of_range', 400, false, 'rejected', 'Input value outside the allowed range'),
  row('13', 'unimplemented', 501, false, 'rejected', 'Not implemented or supported'),
  row('14', 'unavailable', 503, true, 'uncertain', 'Service temporarily unavailable'),
  row('15', 'data_loss', 502, false, 'uncertain', 'Critical data loss or corruption'),
  row('16', 'unauthenticated', 502, false, 'rejected', 'Authentication failed or credentials missing'),
  row('17', 'insufficient_balance', 503, false, 'rejected', 'Deposit too low for the operation'),
  row('20', 'customer_not_found', 404, false, 'rejected', 'Customer number incorrect, blocked or expired'),
  row('21', 'bill_already_paid', 409, false, 'rejected', 'Bill already paid'),
  row('22', 'biller_side_error', 502, true, 'uncertain', "Error on the biller's side"),
  row('50', 'transaction_refund', 502, false, 'refunded', 'Transaction will be or has been refunded'),
  row('51', 'transaction_already_success', 409, false, 'applied', 'Transaction already marked successful', {
    onPayment: 'Singapay says the transaction already succeeded: it is looked up to confirm which one',
  }),
  row('89', 'general_service_error', 503, true, 'uncertain', 'Temporary issue at the service provider, try later'),
  row('99', 'internal', 502, true, 'uncertain', 'Internal system error'),
]);

/** The code table's types: Singapay's names, typos fixed; `unrecognised` for a code missing from the table. */
export type SingapayResponseType = (typeof ROWS)[number]['type'] | 'unrecognised';

export const SINGAPAY_RESPONSE_CODES: readonly SingapayResponseCodeInfo[] = ROWS;

/** What we assume of a code missing from the table: Singapay failed in a way we cannot read. */
export const SINGAPAY_UNRECOGNISED_CODE: Omit<SingapayResponseCodeInfo, 'code'> = Object.freeze({
  type: 'unrecognised',
  description: 'A response code this module does not know',
  httpStatus: 502,
  retryable: false,
  paymentOutcome: 'uncertain',
});

const BY_CODE = new Map(SINGAPAY_RESPONSE_CODES.map((info) => [info.code, info]));

/** The types of the table's failure codes (all but 00 and 01) and `unrecognised`: what `httpStatusOverrides` may name besides a code. */
export const SINGAPAY_FAILURE_TYPES: ReadonlySet<string> = new Set([
  ...SINGAPAY_RESPONSE_CODES.filter((r) => r.code !== '00' && r.code !== '01').map((r) => r.type),
  SINGAPAY_UNRECOGNISED_CODE.type,
]);

export const SINGAPAY_SUCCESS_CODE = '00';
export const SINGAPAY_PENDING_CODE = '01';
export const SINGAPAY_UNAUTHENTICATED_CODE = '16';
export const SINGAPAY_PERMISSION_DENIED_CODE = '08';

/**
 * Singapay sends codes unpadded at times (`"6"` for `"06"`) and, in some
 * examples, as numbers. Returns the two-digit form, or `undefined` when the
 * value is not a code at all. Idempotent: normalising a normalised code is a no-op.
 */
export function normalizeSingapayResponseCode(value: unknown): string | undefined {
  // -0 prints as "0": it is a negative number all the same (a "-0" text is refused alike), never a success.
  const integer = typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0);
  const text = typeof value === 'string' ? value.trim() : integer ? String(value) : '';
  // Three digits at most, no sign: a negative number is not a code.
  return /^\d{1,3}$/.test(text) ? text.replace(/^0+(?=\d)/, '').padStart(2, '0') : undefined;
}

/** The table row of a code; an unknown code gets the `unrecognised` row. */
export function singapayResponseCodeInfo(code: string): SingapayResponseCodeInfo {
  return BY_CODE.get(code) ?? { code, ...SINGAPAY_UNRECOGNISED_CODE };
}
