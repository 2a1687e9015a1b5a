import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { singapayResponseCodeInfo, type SingapayResponseCodeInfo, type SingapayResponseType } from './singapay-response-codes.js';

/** Failures that happen before or around an answer, where Singapay sent no response code we could read. */
export type SingapayTransportFailure =
  /** No connection could be made (refused, DNS); the request never left. */
  | 'connection_failed'
  /** The connection broke after the request was (perhaps) sent. */
  | 'connection_reset'
  /** No answer within the timeout. */
  | 'timeout'
  /** The caller aborted the call through its `AbortSignal`. */
  | 'aborted'
  /** An answer came that is not the JSON we expect (HTML page, truncated JSON, missing fields). */
  | 'malformed_response';

/** Whether the request may have reached Singapay; it decides whether a payment may be resent. */
export type SingapayDelivery = 'not_sent' | 'maybe_sent' | 'received';

/** `responseType`: a type of the code table, a transport failure, or one of the module's own. */
export type SingapayExceptionType =
  | SingapayResponseType
  | SingapayTransportFailure
  /** The token endpoint answered without a token (5xx, an unexpected status). */
  | 'token_request_failed'
  /** HTTP 429 without a response code. */
  | 'rate_limited'
  | 'idempotency_conflict'
  | 'payment_store_unavailable'
  | 'payment_failed'
  | 'payment_refunded'
  | 'payment_not_found'
  /** A payment recorded as never sent (its sender stopped before sending). */
  | 'not_sent'
  /** Singapay marked the transaction failed. */
  | 'transaction_failed';

/**
 * What a failure comes down to, for a person (or a health check) to act on. It is set
 * where the failure is understood, so nobody reads it back out of a message.
 */
export type SingapayFailureCause =
  /** Singapay refused this server's IP address: it must be whitelisted (`ipAddress` says which, when Singapay named it). */
  | 'ip_not_whitelisted'
  /** Singapay refused the API key sent as `X-PARTNER-ID`. */
  | 'partner_id_refused'
  /** Singapay refused the client id / client secret of the token request. */
  | 'client_credentials_refused'
  /** A token was granted and then refused: API key and client credentials of different merchants or environments. */
  | 'credentials_mismatch'
  /** Code 08 for another reason (a wrong payment password, a product not enabled). */
  | 'permission_denied'
  /** The deposit is too low (17). */
  | 'insufficient_balance'
  /** Singapay refused the request for what it asked (input, customer, bill, reference): fix the request. */
  | 'rejected'
  /** No connection could be made (refused, DNS, network); nothing was sent. */
  | 'unreachable'
  /** No answer in time. */
  | 'timeout'
  /** The caller's `AbortSignal` ended it. */
  | 'aborted'
  /** Singapay, or the path to it, failed: a 5xx, a broken connection, an unreadable answer, an error code. */
  | 'singapay_error'
  /** The payment store could not be read or written. */
  | 'payment_store_unavailable'
  /** The idempotency key belongs to another request. */
  | 'idempotency_conflict'
  /** The payment recorded under the key failed, was refunded, or was concluded missing. */
  | 'payment_failed';

/** What an exception is made of: the fields it keeps, and what goes into `getResponse()`. */
export interface SingapayExceptionInit extends Partial<
  Pick<SingapayException, 'operation' | 'upstreamStatus' | 'delivery' | 'cause' | 'ipAddress' | 'raw'>
> {
  /** Normalised two-digit response code, or `null` for transport failures. */
  code: string | null;
  /** Table type (`insufficient_balance`…), transport failure kind, or the module's own. */
  type: SingapayExceptionType;
  httpStatus: number;
  message: string;
  /** Field errors of a `04` answer, keyed by Singapay's field path. */
  fields?: Record<string, string>;
}

/** The body `getResponse()` returns, what a Nest app sends to its own clients. */
export interface SingapayExceptionResponse {
  statusCode: number;
  error: string;
  message: string;
  singapay: { code: string | null; type: string; fields?: Record<string, string> };
}

/**
 * Every failure the module reports: a Singapay response code, a refused
 * credential, or a transport failure. Branch on `responseCode` /
 * `responseType`, or catch a subclass. It never carries a request, a header
 * or an axios error, so it can be logged and returned as is.
 * @publicApi
 */
export class SingapayException extends HttpException {
  readonly responseCode: string | null;
  readonly responseType: SingapayExceptionType;
  /** The call that failed, e.g. `pay`, `checkBalance`, `accessToken`. */
  readonly operation?: string;
  /** HTTP status Singapay answered with, when it answered. */
  readonly upstreamStatus?: number;
  /** By default `maybe_sent` without a code, `received` with one. */
  readonly delivery: SingapayDelivery;
  /** What the failure comes down to (see `SingapayFailureCause`); derived from the code or the type when not given. */
  declare readonly cause: SingapayFailureCause;
  /** The caller IP Singapay named in an IP refusal (`ip_not_whitelisted`). */
  readonly ipAddress?: string;
  /** Upstream body, secrets redacted; kept off `getResponse()` so it never reaches a client. */
  declare readonly raw?: unknown;

  constructor(init: SingapayExceptionInit) {
    const body: SingapayExceptionResponse = {
      statusCode: init.httpStatus,
      error: STATUS_CODES[init.httpStatus] ?? 'Error',
      message: init.message,
      singapay: { code: init.code, type: init.type, ...(init.fields ? { fields: init.fields } : {}) },
    };
    super(body, init.httpStatus);
    this.name = new.target.name;
    this.responseCode = init.code;
    this.responseType = init.type;
    if (init.operation) this.operation = init.operation;
    if (init.upstreamStatus !== undefined) this.upstreamStatus = init.upstreamStatus;
    this.delivery = init.delivery ?? (init.code === null ? 'maybe_sent' : 'received');
    // Unless its maker knew better, the cause follows from the type or else from the table's status: 4xx is
    // the table's way of saying the caller can fix the request, everything else is Singapay failing.
    const cause =
      init.cause ??
      kindOf(init)?.[1] ??
      (init.code !== null && init.httpStatus >= 400 && init.httpStatus < 500 ? 'rejected' : 'singapay_error');
    // A string, never an error: nothing carrying a request or a header is ever attached.
    Object.defineProperty(this, 'cause', { value: cause, enumerable: false, writable: false });
    if (init.ipAddress) this.ipAddress = init.ipAddress;
    Object.defineProperty(this, 'raw', { value: init.raw, enumerable: false, writable: false });
  }

  override getResponse(): SingapayExceptionResponse {
    return super.getResponse() as SingapayExceptionResponse;
  }

  /** The table row of this code, or `undefined` for transport failures. */
  get codeInfo(): SingapayResponseCodeInfo | undefined {
    return this.responseCode === null ? undefined : singapayResponseCodeInfo(this.responseCode);
  }
}

/** `04` / `12`: the request was refused as malformed; `fields` says which. */
export class SingapayValidationException extends SingapayException {
  get fields(): Record<string, string> {
    return this.getResponse().singapay.fields ?? {};
  }
}
/** `06`: the transaction, inquiry reference or endpoint does not exist. */
export class SingapayNotFoundException extends SingapayException {}
/** `20`: the customer number is wrong, blocked or expired. */
export class SingapayCustomerNotFoundException extends SingapayException {}
/** `21`: the bill was already paid. */
export class SingapayBillAlreadyPaidException extends SingapayException {}
/** `17`: the merchant's deposit at Singapay is too low; top it up. */
export class SingapayInsufficientBalanceException extends SingapayException {}
/** `16`, `08`, or the token endpoint refusing: our credentials, partner id or IP are wrong. */
export class SingapayAuthenticationException extends SingapayException {}
/** A transport failure: no usable answer came back. See `responseType` and `delivery`. */
export class SingapayTransportException extends SingapayException {}
/** The answer was not the JSON Singapay documents (HTML page, truncated, fields missing). */
export class SingapayMalformedResponseException extends SingapayTransportException {}
/** No answer within the timeout. */
export class SingapayTimeoutException extends SingapayTransportException {}

/**
 * What each type means beyond the code table (which gives the type and the status): the subclass
 * `createSingapayException` builds, so callers can branch with `instanceof`, and the cause a failure
 * of that type has unless its maker knew better. Types not listed are a plain `SingapayException`.
 */
const BY_TYPE: Partial<Record<SingapayExceptionType, [typeof SingapayException, SingapayFailureCause?]>> = {
  invalid_argument: [SingapayValidationException],
  out_of_range: [SingapayValidationException],
  not_found: [SingapayNotFoundException],
  customer_not_found: [SingapayCustomerNotFoundException],
  bill_already_paid: [SingapayBillAlreadyPaidException],
  insufficient_balance: [SingapayInsufficientBalanceException, 'insufficient_balance'],
  unauthenticated: [SingapayAuthenticationException, 'credentials_mismatch'],
  permission_denied: [SingapayAuthenticationException, 'permission_denied'],
  timeout: [SingapayTimeoutException, 'timeout'],
  malformed_response: [SingapayMalformedResponseException],
  connection_failed: [SingapayTransportException, 'unreachable'],
  connection_reset: [SingapayTransportException],
  aborted: [SingapayTransportException, 'aborted'],
  idempotency_conflict: [SingapayException, 'idempotency_conflict'],
  payment_store_unavailable: [SingapayException, 'payment_store_unavailable'],
  payment_failed: [SingapayException, 'payment_failed'],
  payment_refunded: [SingapayException, 'payment_failed'],
  payment_not_found: [SingapayException, 'payment_failed'],
};

/**
 * What an `init` is beyond the table. Singapay's code 11 (`aborted`: a conflict) is an answer, not
 * the caller's abort of that name, and nothing the caller can fix: Singapay failing.
 */
function kindOf(init: Pick<SingapayExceptionInit, 'code' | 'type'>): [typeof SingapayException, SingapayFailureCause?] | undefined {
  return init.type === 'aborted' && init.code !== null ? [SingapayException, 'singapay_error'] : BY_TYPE[init.type];
}

/** Builds the right subclass for an `init`, so callers can branch with `instanceof`. */
export function createSingapayException(init: SingapayExceptionInit): SingapayException {
  const Cls = kindOf(init)?.[0] ?? SingapayException;
  return new Cls(init);
}
