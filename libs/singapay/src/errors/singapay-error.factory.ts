import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import { redactSecrets, singapaySecretScrubber } from '../util/singapay-secret.js';
import { asRecord } from '../util/singapay-json.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import {
  createSingapayException,
  type SingapayDelivery,
  type SingapayException,
  type SingapayExceptionInit,
  type SingapayTransportFailure,
} from './singapay.exception.js';
import { singapayResponseCodeInfo } from './singapay-response-codes.js';
import type { SingapayRefusalCause } from './singapay-failure.diagnosis.js';

const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;
const IPV6 = /[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}/gi;

/**
 * The first address in Singapay's message: a time such as 10:30:45 looks like IPv6 to a pattern, not to
 * `isIP`. IPv4 first, so that an IPv4-mapped address (::ffff:198.51.100.7) is named by its IPv4 part.
 */
function firstIpAddress(message: string): string | undefined {
  const address = (pattern: RegExp) => message.match(pattern)?.find((candidate) => isIP(candidate) !== 0);
  return address(IPV4) ?? address(IPV6);
}

/**
 * The refusal an answer without a response code states, by its HTTP status or only inside the
 * `status`/`error` envelope of the token endpoint (which business calls use for auth failures too):
 * 401 before 403 before 429, with the envelope's message (`''` if none). A 403 refuses, by that
 * message, this server's IP ("Your IP address (1.2.3.4) is not registered") or else the partner id.
 * `body` is undefined for a body that was not JSON (a gateway's page).
 *
 * `atGateway`: the refusal is the gateway's own, in its documented form (HTTP status and the token-style
 * envelope `{status, success: false, error}`, no `command`), which never reaches the biller. Only that
 * proves a payment was not taken; a page, an empty body or an envelope that echoes the command does not.
 */
export function readSingapayRefusal(
  httpStatus: number,
  body: Record<string, unknown> | undefined,
): {
  status?: 401 | 403 | 429;
  message: string;
  atGateway: boolean;
  cause?: Exclude<SingapayRefusalCause, 'client_credentials_refused'>;
  ipAddress?: string;
} {
  const error = asRecord(body?.error);
  const message = typeof error?.message === 'string' ? error.message : '';
  const stated = [httpStatus, Number(body?.status), Number(error?.code)];
  const status = ([401, 403, 429] as const).find((s) => stated.includes(s));
  const atGateway = status === httpStatus && error !== undefined && body?.success === false && body.command === undefined;
  if (status !== 403) return { status, message, atGateway };
  if (!/\bIP\b/i.test(message)) return { status, message, atGateway, cause: 'partner_id_refused' };
  return { status, message, atGateway, cause: 'ip_not_whitelisted', ipAddress: firstIpAddress(message) };
}

/** A failure Singapay answered with a code; the table gives its type, status and description. */
export interface SingapayCodeFailure extends Pick<SingapayExceptionInit, 'upstreamStatus' | 'fields' | 'raw' | 'cause' | 'ipAddress'> {
  code: string;
  operation: string;
  /** Singapay's `response_text`; shown after our own description. */
  responseText?: string;
  /** Replaces the table's description, for messages that need more context. */
  message?: string;
  /** Replaces the table's status, where the code is not a failure in itself (a pending inquiry). */
  httpStatus?: number;
}

/** Turns failures into exceptions with the registration's status overrides applied and every known secret scrubbed from upstream text. */
@Injectable()
export class SingapayErrorFactory {
  // Private fields: util.inspect() of anything holding the factory shows ordinary fields.
  readonly #secrets: string[];
  /** Recently issued access tokens: Singapay may echo one back in a refusal. */
  readonly #tokens: string[] = [];
  // Made once for the secrets and tokens known, again when a token is added: it runs on every accepted answer.
  #answerScrubber?: <T>(value: T) => T;

  constructor(@Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions) {
    const { clientId, clientSecret, password, apiKey } = options;
    this.#secrets = [
      clientSecret.reveal(),
      password.reveal(),
      apiKey.reveal(),
      Buffer.from(`${clientId}:${clientSecret.reveal()}`).toString('base64'),
    ];
  }

  /** Adds an access token to what is scrubbed from upstream text (the last few are kept). */
  rememberToken(token: string): void {
    if (this.#tokens.includes(token)) return;
    this.#tokens.push(token);
    if (this.#tokens.length > 4) this.#tokens.shift();
    this.#answerScrubber = undefined;
  }

  /** Scrubs known secrets and recent tokens (and anything in `extra`) out of a value. */
  redact<T>(value: T, extra: readonly string[] = []): T {
    return redactSecrets(value, [...this.#secrets, ...this.#tokens, ...extra]);
  }

  /**
   * `redact` for an accepted answer's body, which is kept and read (a record, `raw`): a short secret (a
   * PIN-like password) is masked only where it is a whole value, never inside an amount or an id.
   */
  redactAnswer<T>(value: T): T {
    this.#answerScrubber ??= singapaySecretScrubber([...this.#secrets, ...this.#tokens], 8);
    return this.#answerScrubber(value);
  }

  fromCode(failure: SingapayCodeFailure): SingapayException {
    const { operation, responseText } = failure;
    const info = singapayResponseCodeInfo(failure.code);
    const override = this.options.httpStatusOverrides[info.code] ?? this.options.httpStatusOverrides[info.type];
    const text = responseText ? this.redact(responseText).trim().slice(0, 500) : '';
    const base = this.redact(failure.message ?? (operation === 'pay' ? info.onPayment : undefined) ?? info.description);
    return createSingapayException({
      code: info.code,
      type: info.type,
      httpStatus: failure.httpStatus ?? override ?? info.httpStatus,
      message: `Singapay ${operation} failed with code ${info.code} (${info.type}): ${base}${text && text !== base ? ` - ${text}` : ''}`,
      operation,
      upstreamStatus: failure.upstreamStatus,
      fields: failure.fields && this.redact(failure.fields),
      raw: this.redact(failure.raw),
      cause: failure.cause,
      ipAddress: failure.ipAddress,
    });
  }

  /** A failure with no response code (transport, malformed answer, plain HTTP error). */
  other(init: SingapayExceptionInit): SingapayException {
    return createSingapayException({ ...init, message: this.redact(init.message), raw: this.redact(init.raw) });
  }

  /**
   * An answer that is not what Singapay documents (HTML, cut JSON, fields missing). It
   * was received, so the request may have been processed: `delivery: 'received'`.
   */
  malformed(
    operation: string,
    message: string,
    extra: Partial<Pick<SingapayExceptionInit, 'code' | 'upstreamStatus' | 'raw' | 'httpStatus'>> = {},
  ): SingapayException {
    return this.transport('malformed_response', operation, message, {
      ...extra,
      httpStatus: extra.httpStatus ?? 502,
      delivery: 'received',
    });
  }

  /**
   * A failure before or around an answer, with no response code (a malformed answer may carry
   * one); `delivery` says whether the request may have left.
   */
  transport(
    type: SingapayTransportFailure | 'rate_limited' | 'token_request_failed',
    operation: string,
    message: string,
    extra: { httpStatus: number; delivery: SingapayDelivery; code?: string | null; upstreamStatus?: number; raw?: unknown },
  ): SingapayException {
    return this.other({ ...extra, code: extra.code ?? null, type, message, operation });
  }
}
