import { Inject, Injectable } from '@nestjs/common';
import { SINGAPAY_RESOLVED_OPTIONS } from '../singapay.constants.js';
import { redactSecrets, type SingapaySecret } from '../util/singapay-secret.js';
import {
  createSingapayException,
  type SingapayDelivery,
  type SingapayException,
  type SingapayExceptionInit,
  type SingapayFailureCause,
  type SingapayTransportFailure,
} from './singapay.exception.js';
import { singapayResponseCodeInfo } from './singapay-response-codes.js';

const IP_ADDRESS = /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b/i;

/**
 * What an HTTP 403 from Singapay's gateway refuses, read from its message: this
 * server's IP ("Your IP address (1.2.3.4) is not registered"), or else the partner id.
 */
export function readSingapayRefusal(message: string): {
  cause: Extract<SingapayFailureCause, 'ip_not_whitelisted' | 'partner_id_refused'>;
  ipAddress?: string;
} {
  if (!/\bIP\b/i.test(message)) return { cause: 'partner_id_refused' };
  const ip = IP_ADDRESS.exec(message)?.[0];
  return ip ? { cause: 'ip_not_whitelisted', ipAddress: ip } : { cause: 'ip_not_whitelisted' };
}

export interface SingapayCodeFailure {
  code: string;
  operation: string;
  upstreamStatus?: number;
  /** Singapay's `response_text`; shown after our own description. */
  responseText?: string;
  fields?: Record<string, string>;
  raw?: unknown;
  /** Replaces the table's description, for messages that need more context. */
  message?: string;
  /** Replaces the table's status, where the code is not a failure in itself (a pending inquiry). */
  httpStatus?: number;
  /** What it comes down to, where the caller knows better than the code (a refused IP, refused client credentials). */
  cause?: SingapayFailureCause;
  ipAddress?: string;
}

/**
 * Turns failures into exceptions with the registration's status overrides
 * applied and every known secret scrubbed from upstream text.
 */
/** What the factory needs of the options (the resolved options have it): the secrets to scrub, the status overrides. */
export interface SingapayErrorOptions {
  clientId: string;
  clientSecret: SingapaySecret;
  password: SingapaySecret;
  apiKey: SingapaySecret;
  httpStatusOverrides: Readonly<Record<string, number>>;
}

@Injectable()
export class SingapayErrorFactory {
  private readonly secrets: string[];
  /** Recently issued access tokens: Singapay may echo one back in a refusal. */
  private readonly tokens: string[] = [];

  constructor(@Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayErrorOptions) {
    const { clientId, clientSecret, password, apiKey } = options;
    this.secrets = [
      clientSecret.reveal(),
      password.reveal(),
      apiKey.reveal(),
      Buffer.from(`${clientId}:${clientSecret.reveal()}`).toString('base64'),
    ];
  }

  /** Adds an access token to what is scrubbed from upstream text (the last few are kept). */
  rememberToken(token: string): void {
    if (this.tokens.includes(token)) return;
    this.tokens.push(token);
    if (this.tokens.length > 4) this.tokens.shift();
  }

  /** Scrubs known secrets and recent tokens (and anything in `extra`) out of a value. */
  redact<T>(value: T, extra: readonly string[] = []): T {
    return redactSecrets(value, [...this.secrets, ...this.tokens, ...extra]);
  }

  fromCode(failure: SingapayCodeFailure): SingapayException {
    const info = singapayResponseCodeInfo(failure.code);
    const override = this.options.httpStatusOverrides[info.code] ?? this.options.httpStatusOverrides[info.type];
    const text = failure.responseText ? this.redact(failure.responseText).trim().slice(0, 500) : '';
    const base = this.redact(failure.message ?? (failure.operation === 'pay' ? info.onPayment : undefined) ?? info.description);
    const message = `Singapay ${failure.operation} failed with code ${info.code} (${info.type}): ${base}${text && text !== base ? ` - ${text}` : ''}`;
    return createSingapayException({
      code: info.code,
      type: info.type,
      httpStatus: failure.httpStatus ?? override ?? info.httpStatus,
      message,
      operation: failure.operation,
      ...(failure.upstreamStatus !== undefined ? { upstreamStatus: failure.upstreamStatus } : {}),
      ...(failure.fields ? { fields: this.redact(failure.fields) } : {}),
      raw: this.redact(failure.raw),
      delivery: 'received',
      ...(failure.cause ? { cause: failure.cause } : {}),
      ...(failure.ipAddress ? { ipAddress: failure.ipAddress } : {}),
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
    extra: { code?: string | null; upstreamStatus?: number; raw?: unknown; httpStatus?: number } = {},
  ): SingapayException {
    return this.other({
      code: extra.code ?? null,
      type: 'malformed_response',
      httpStatus: extra.httpStatus ?? 502,
      message,
      operation,
      ...(extra.upstreamStatus !== undefined ? { upstreamStatus: extra.upstreamStatus } : {}),
      raw: extra.raw,
      delivery: 'received',
    });
  }

  /** A failure before or around an answer, with no response code; `delivery` says whether the request may have left. */
  transport(
    type: SingapayTransportFailure | 'rate_limited' | 'token_request_failed',
    operation: string,
    message: string,
    extra: { httpStatus: number; delivery: SingapayDelivery; upstreamStatus?: number; raw?: unknown },
  ): SingapayException {
    return this.other({
      code: null,
      type,
      message,
      operation,
      httpStatus: extra.httpStatus,
      delivery: extra.delivery,
      ...(extra.upstreamStatus !== undefined ? { upstreamStatus: extra.upstreamStatus } : {}),
      ...(extra.raw !== undefined ? { raw: extra.raw } : {}),
    });
  }
}
