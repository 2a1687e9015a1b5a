import { Inject, Injectable, Logger } from '@nestjs/common';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayTokenProvider } from '../auth/singapay-token.provider.js';
import { readSingapayRefusal, SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { singapayRefusalAdvice } from '../errors/singapay-failure.diagnosis.js';
import {
  normalizeSingapayResponseCode,
  SINGAPAY_PENDING_CODE,
  SINGAPAY_PERMISSION_DENIED_CODE,
  SINGAPAY_SUCCESS_CODE,
  SINGAPAY_UNAUTHENTICATED_CODE,
  singapayResponseCodeInfo,
} from '../errors/singapay-response-codes.js';
import { createSingapayException, SingapayException } from '../errors/singapay.exception.js';
import { hashIdempotencyKey, maskCustomerId } from '../util/singapay-log.js';
import { isRetryablePaymentFailure, isRetryableRead, withSingapayRetries } from '../http/singapay-retry.policy.js';
import { asRecord } from '../util/singapay-json.js';
import { SingapayTelemetry } from '../telemetry/singapay-telemetry.service.js';
import { SingapayTransport, type SingapayCallOptions, type SingapayHttpAnswer } from '../http/singapay-transport.js';
import { phpMap, SingapayFieldReader } from './singapay-field.reader.js';

/** A business answer that succeeded (`00`), or is pending (`01`) where the caller accepts that. */
export interface SingapayEnvelope {
  /** Normalised two-digit code. */
  responseCode: string;
  responseText: string;
  /** `data` as an object; `{}` when Singapay sent none, or a list. */
  data: Record<string, unknown>;
  /** `data` when it was a list a request allowed (`dataMayBeList`); `[]` stays a list there. */
  listData?: unknown[];
  /** A reader over `data`: a field missing or unreadable is a `malformed_response` that keeps the code and the raw answer. */
  fields: SingapayFieldReader;
  /** The body exactly as Singapay sent it. */
  raw: Record<string, unknown>;
  httpStatus: number;
}

export interface SingapayRequest {
  /** Name of the service method, for messages and logs. */
  operation: string;
  path: string;
  body: { command: string; data?: Record<string, unknown> };
  /** Whether `01` (pending) is an answer rather than a failure. */
  acceptPending?: boolean;
  /** A payment: never retried once it may have left. */
  moneyMoving?: boolean;
  /** Whether `data` may be a list (an answer whose shape the docs leave open): read as it is into `listData`. */
  dataMayBeList?: boolean;
  call?: SingapayCallOptions;
  /**
   * An access token already in hand, for the first attempt (a payment takes its token before
   * it is claimed, so that nothing is counted as sent while a token is being fetched).
   */
  token?: string;
  /** Metadata for log lines; only these allow-listed fields are ever logged. */
  log?: { productCode?: string; customerId?: string; idempotencyKey?: string };
}

/**
 * Where a token was refused: `gateway`, an HTTP 401 in the gateway's envelope (the documented refusal,
 * before the biller); `unclear`, any other 401 (stated only inside an answer of another status, a page,
 * an envelope echoing the command); `code`, a code 16 from past the gateway.
 */
type TokenRefusal = 'gateway' | 'unclear' | 'code';
type Interpretation = { kind: 'ok'; envelope: SingapayEnvelope } | { kind: 'token_refused'; detail: string; refusedAt: TokenRefusal };

/**
 * Makes one business call with a Bearer token, reads the envelope, and turns every failure into an
 * exception. When Singapay refuses the token the token is dropped and a read made once more with a
 * new one; a payment only after an HTTP 401 in the gateway's envelope, its refusal before the biller (see the loop).
 * A second refusal is final.
 */
@Injectable()
export class SingapayApiClient {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);

  constructor(
    private readonly transport: SingapayTransport,
    private readonly tokens: SingapayTokenProvider,
    private readonly errors: SingapayErrorFactory,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    private readonly telemetry: SingapayTelemetry,
  ) {}

  /** Reads and inquiries are retried on failures that may pass; a payment only when it provably never left (no connection, no token). */
  async call(request: SingapayRequest): Promise<SingapayEnvelope> {
    const retryable = request.moneyMoving ? isRetryablePaymentFailure : isRetryableRead;
    return this.telemetry.traceCall(request, () =>
      withSingapayRetries((n) => this.callOnce(request, n), this.options.retry, retryable, {
        now: this.now,
        signal: request.call?.signal,
        onRetry: (error, n, delayMs) => {
          this.telemetry.retried(error, n, delayMs);
          this.logger.warn(
            `${this.describe(request)} retry after attempt=${n} (${(error as SingapayException).responseType ?? 'error'}) in ${delayMs}ms`,
          );
        },
      }),
    );
  }

  private async callOnce(request: SingapayRequest, attempt: number): Promise<SingapayEnvelope> {
    for (let replay = 0; ; replay++) {
      const token =
        attempt === 1 && replay === 0 && request.token !== undefined
          ? request.token
          : await this.accessTokenFor(request.operation, request.call);
      const answer = await this.transport
        .post(request.operation, request.path, request.body, `Bearer ${token}`, request.call)
        .catch((error: unknown) => {
          const e = error as SingapayException;
          this.logger.warn(
            `${this.describe(request)} result=${e.responseType ?? 'error'} delivery=${e.delivery ?? 'unknown'} attempt=${attempt}`,
          );
          throw error;
        });
      let result: Interpretation;
      try {
        result = this.interpret(request, answer);
      } catch (error) {
        this.log(request, answer, error instanceof SingapayException ? (error.responseCode ?? error.responseType) : 'error', attempt);
        throw error;
      }
      if (result.kind === 'ok') {
        this.log(request, answer, result.envelope.responseCode, attempt);
        return result.envelope;
      }
      this.log(request, answer, 'token_refused', attempt);
      await this.tokens.invalidate(token);
      // A payment is replayed only after a refusal at the gateway (HTTP 401 in its envelope), which never
      // reaches the biller; a code 16 inside a business answer came from past the gateway, so it is final.
      // Any other 401 (stated only in the body of a 500 or a 200, a page, an envelope echoing the command) says neither: it is looked up.
      if (request.moneyMoving && result.refusedAt === 'unclear') {
        throw this.malformed(request.operation, answer, `a token refusal not in the gateway's form (${result.detail})`);
      }
      if (replay >= 1 || (request.moneyMoving && result.refusedAt !== 'gateway')) {
        throw this.errors.fromCode({
          code: SINGAPAY_UNAUTHENTICATED_CODE,
          operation: request.operation,
          upstreamStatus: answer.status,
          raw: answer.body,
          message: `Singapay refused a freshly issued access token (${result.detail}); check that the API key and client credentials belong to the same merchant and environment`,
        });
      }
      this.telemetry.tokenRefused();
    }
  }

  /**
   * The token for a call of `operation`. A failure to get one means the call never left: it says so, so
   * a payment may be retried. The caller waits no longer than its own `timeoutMs` and `signal` allow: a
   * token request shared with other callers goes on for them, on the module's timeout.
   */
  async accessTokenFor(operation: string, call?: SingapayCallOptions): Promise<string> {
    try {
      return await this.untilGivenUp(operation, this.tokens.getAccessToken(), call);
    } catch (error) {
      if (!(error instanceof SingapayException)) throw error;
      throw createSingapayException({
        code: error.responseCode,
        type: error.responseType,
        httpStatus: error.getStatus(),
        message: `${error.message} (so ${operation} was not sent)`,
        operation,
        delivery: 'not_sent',
        upstreamStatus: error.upstreamStatus,
        raw: error.raw,
        cause: error.cause,
        ipAddress: error.ipAddress,
      });
    }
  }

  /** `work`, unless the call's signal aborts or its `timeoutMs` runs out first: then the call was not sent. */
  private untilGivenUp<T>(operation: string, work: Promise<T>, call?: SingapayCallOptions): Promise<T> {
    if (call?.signal === undefined && call?.timeoutMs === undefined) return work;
    const { signal, timeoutMs } = call;
    return new Promise<T>((resolve, reject) => {
      const give = (type: 'aborted' | 'timeout', httpStatus: number, why: string) =>
        reject(
          this.errors.transport(type, operation, `Singapay ${operation} ${why} while waiting for an access token`, {
            httpStatus,
            delivery: 'not_sent',
          }),
        );
      const onAbort = () => give('aborted', 499, 'was aborted by the caller');
      const timer =
        timeoutMs === undefined ? undefined : setTimeout(() => give('timeout', 504, `was given up after ${timeoutMs} ms`), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => (done(), resolve(value)),
        (error: unknown) => (done(), reject(error)),
      );
    });
  }

  private interpret(request: SingapayRequest, answer: SingapayHttpAnswer): Interpretation {
    const { operation } = request;
    const body = asRecord(answer.body);
    if (!body) throw this.malformed(operation, answer, 'a JSON value that is not an object');
    const code = normalizeSingapayResponseCode(body.response_code);
    const text = typeof body.response_text === 'string' ? body.response_text : '';

    if (code === undefined) {
      const { status, message, cause, ipAddress, atGateway } = readSingapayRefusal(answer.status, answer.unparsed ? undefined : body);
      if (status === 401) return { kind: 'token_refused', detail: message || 'HTTP 401', refusedAt: atGateway ? 'gateway' : 'unclear' };
      if (status === 403) {
        // The gateway's refusal (HTTP 403 in its envelope) comes before anything is processed; any other 403 of a
        // payment (a page, a body-only 403, an envelope echoing the command) says no such thing: it may have
        // been taken, so it is unreadable and looked up.
        if (request.moneyMoving && !atGateway)
          throw this.malformed(operation, answer, `a refusal (403) not in the gateway's form${answer.unparsed ? ' (a page)' : ''}`);
        throw this.errors.fromCode({
          code: SINGAPAY_PERMISSION_DENIED_CODE,
          operation,
          upstreamStatus: 403,
          raw: body,
          message: singapayRefusalAdvice(cause!, ipAddress),
          responseText: message,
          cause,
          ipAddress,
        });
      }
      if (status === 429) {
        throw this.errors.transport(
          'rate_limited',
          operation,
          `Singapay rate-limited ${operation} (HTTP 429)${message ? `: ${message}` : ''}`,
          { httpStatus: 429, delivery: 'received', upstreamStatus: answer.status, raw: body },
        );
      }
      throw this.malformed(operation, answer, body.response_code === undefined ? 'no response_code' : 'an unreadable response_code');
    }
    if (code === SINGAPAY_UNAUTHENTICATED_CODE)
      return { kind: 'token_refused', detail: `code 16${text ? `: ${text}` : ''}`, refusedAt: 'code' };

    const listData = request.dataMayBeList && Array.isArray(body.data) ? (body.data as unknown[]) : undefined;
    const data = body.data === undefined || body.data === null || listData ? {} : phpMap(body.data);
    if (code === SINGAPAY_SUCCESS_CODE || (code === SINGAPAY_PENDING_CODE && request.acceptPending)) {
      // The code is kept: an accepted payment whose answer cannot be read is never concluded missing.
      if (!data) throw this.malformed(operation, answer, `code ${code} with a data field that is not an object`, code);
      const fields = new SingapayFieldReader(data, (problem) => {
        const context = request.moneyMoving
          ? `Singapay accepted the payment (code ${code}) but `
          : `Singapay ${operation} answered code ${code} but `;
        throw this.errors.malformed(operation, `${context}${problem}`, { code, upstreamStatus: answer.status, raw: body });
      });
      // The body is kept (a payment's record, a result's `raw`) scrubbed as a refusal's is: Singapay may echo a credential.
      const raw = this.errors.redactAnswer(body);
      const envelope = { responseCode: code, responseText: text, data, fields, raw, httpStatus: answer.status };
      return { kind: 'ok', envelope: listData ? { ...envelope, listData } : envelope };
    }

    const info = singapayResponseCodeInfo(code);
    throw this.errors.fromCode({
      code,
      operation,
      upstreamStatus: answer.status,
      responseText: text,
      raw: body,
      fields: code === '04' && data ? fieldErrors(data) : undefined,
      // Pending where no pending is expected: not an error we can name, and not a success.
      ...(info.httpStatus < 400 ? { message: `unexpected ${info.type} answer to ${operation}`, httpStatus: 502 } : {}),
    });
  }

  private malformed(operation: string, answer: SingapayHttpAnswer, what: string, code?: string): SingapayException {
    return this.errors.malformed(
      operation,
      `Singapay ${operation} answered HTTP ${answer.status} with ${what}; the request may have been processed`,
      { code, upstreamStatus: answer.status, raw: answer.body },
    );
  }

  /** The allow-listed metadata of a request: never a body, a header or a secret. */
  private describe(request: SingapayRequest): string {
    const parts = [request.operation, `command=${request.body.command}`];
    if (request.log?.productCode) parts.push(`product=${request.log.productCode}`);
    if (request.log?.customerId) parts.push(`customer=${maskCustomerId(request.log.customerId)}`);
    if (request.log?.idempotencyKey) parts.push(`key=${hashIdempotencyKey(request.log.idempotencyKey)}`);
    return parts.join(' ');
  }

  private log(request: SingapayRequest, answer: SingapayHttpAnswer, outcome: string, attempt: number): void {
    const ok = outcome === SINGAPAY_SUCCESS_CODE || outcome === SINGAPAY_PENDING_CODE;
    // Every successful call passes here: build its line only when debug lines are asked for and shown.
    if (ok && !(this.options.debugLogs && Logger.isLevelEnabled('debug'))) return;
    const line = `${this.describe(request)} http=${answer.status} result=${outcome} attempt=${attempt} ${answer.durationMs}ms`;
    if (ok) this.logger.debug(line);
    else if (BUSINESS_ANSWERS.has(singapayResponseCodeInfo(outcome).type)) this.logger.log(line);
    else this.logger.warn(line);
  }
}

/**
 * Answers about the request itself (a customer not found, a bill already paid, a field refused):
 * ordinary business outcomes, logged at LOG. WARN is kept for what an operator should act on:
 * refused credentials or IP, a low deposit, Singapay failing, an answer that could not be read.
 * Not 04 (a field the module validated refused: the API changed) nor 10/11 (an account or state problem).
 */
const BUSINESS_ANSWERS: ReadonlySet<string> = new Set(['not_found', 'customer_not_found', 'bill_already_paid', 'out_of_range']);

/** `04` answers carry `{ "data.field": "message" }`; keep only string messages. */
function fieldErrors(data: Record<string, unknown>): Record<string, string> | undefined {
  const entries = Object.entries(data).filter((e): e is [string, string] => typeof e[1] === 'string');
  return entries.length ? Object.fromEntries(entries.slice(0, 50)) : undefined;
}
