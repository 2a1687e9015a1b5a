import { HttpService } from '@nestjs/axios';
import { BadRequestException, Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import axios, { type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { SINGAPAY_HTTP_SERVICE, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock, SINGAPAY_CLOCK } from '../singapay.constants.js';
import { SINGAPAY_HEADERS } from '../contract/singapay-api.contract.js';
import { isIntegerIn, type SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import type { SingapayDelivery, SingapayTransportFailure } from '../errors/singapay.exception.js';

/** Per-call knobs every service method accepts. */
export interface SingapayCallOptions {
  /**
   * Timeout of this call's HTTP request, in milliseconds; also the longest it waits for an access token
   * being fetched (the token request itself goes on, on the module's `timeoutMs`, for other callers).
   * @default the module's `timeoutMs`
   */
  timeoutMs?: number;
  /** Aborts the call; an aborted payment may still have reached Singapay, unless it was still waiting for its access token. */
  signal?: AbortSignal;
}

export interface SingapayHttpAnswer {
  status: number;
  /** The parsed JSON body; `{}` for a 401 or 403 whose body is not JSON (`unparsed`). */
  body: unknown;
  /** A 401 or 403 came with a body that is not JSON (a gateway's page): its status alone speaks. */
  unparsed?: true;
  durationMs: number;
}

// Largest answer we read; a list page is a few kB, anything near this is not Singapay.
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/**
 * Builds the registration's own axios instance: keep-alive sockets, no
 * redirects (a redirected POST could replay a payment), the body read as text
 * and every status handed back, so that we and not axios decide what an answer means.
 */
export function createSingapayHttpService(options: SingapayResolvedOptions): HttpService {
  return new HttpService(
    axios.create({
      baseURL: options.baseUrl,
      // No axios `timeout`: it only notices a silent socket, and every request carries a
      // whole-exchange deadline (see `post()`) that covers that case too.
      maxRedirects: 0,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxContentLength: MAX_RESPONSE_BYTES,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
    }),
  );
}

// Errors raised before any byte could leave: the request provably never reached Singapay.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL']);

/**
 * Sends one JSON POST, with the partner id and the given `Authorization`, and returns the status
 * and parsed body. Every failure becomes a `SingapayException` that says whether the request may
 * have left; the axios error itself (which carries the Authorization header) is dropped here.
 */
@Injectable()
export class SingapayTransport implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly inflight = new Set<Promise<unknown>>();
  constructor(
    @Inject(SINGAPAY_HTTP_SERVICE) private readonly http: HttpService,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
    private readonly errors: SingapayErrorFactory,
  ) {}

  async post(
    operation: string,
    path: string,
    body: unknown,
    authorization: string,
    call: SingapayCallOptions = {},
  ): Promise<SingapayHttpAnswer> {
    // The service checked the call's options when it was called (`checkCallOptions`).
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    if (call.signal?.aborted) {
      throw this.errors.transport('aborted', operation, `Singapay ${operation} was aborted by the caller before it was sent`, {
        httpStatus: 499,
        delivery: 'not_sent',
      });
    }
    // One deadline for the whole exchange, a server that drips its answer included: a plain timer and an
    // axios cancel token, cheaper per call than an AbortController (an EventTarget) or AbortSignal.timeout.
    // The caller's own signal goes to axios as it is, so no AbortSignal.any either.
    let timedOut = false;
    let cancel: () => void = () => undefined;
    const cancelToken = new axios.CancelToken((c) => (cancel = c));
    const timer = setTimeout(() => {
      timedOut = true;
      cancel();
    }, timeoutMs);
    const started = this.now();
    let response: AxiosResponse<string>;
    const headers = { [SINGAPAY_HEADERS.partnerId]: this.options.apiKey.reveal(), [SINGAPAY_HEADERS.authorization]: authorization };
    const request = this.http.axiosRef.post<string>(path, JSON.stringify(body), { headers, cancelToken, signal: call.signal });
    this.inflight.add(request);
    try {
      response = await request;
    } catch (error) {
      throw this.transportFailure(operation, error, timeoutMs, timedOut && !call.signal?.aborted);
    } finally {
      clearTimeout(timer);
      this.inflight.delete(request);
    }
    return { status: response.status, durationMs: this.now() - started, ...this.parse(operation, response) };
  }

  private parse(operation: string, response: AxiosResponse<string>): Pick<SingapayHttpAnswer, 'body' | 'unparsed'> {
    const data = typeof response.data === 'string' ? response.data : '';
    // JSON.parse skips surrounding whitespace itself but not a byte-order mark, which some gateways prepend.
    const text = data.charCodeAt(0) === 0xfeff ? data.slice(1) : data;
    try {
      return { body: JSON.parse(text) as unknown };
    } catch {
      const contentType = String(response.headers['content-type'] ?? 'none');
      // A refusal of our credentials says enough by its status, whatever page a gateway put in the body.
      if (response.status === 401 || response.status === 403) return { body: {}, unparsed: true };
      const what = /^\s*</.test(text) ? 'an HTML page' : text.trim() === '' ? 'an empty body' : 'a body that is not valid JSON';
      throw this.errors.malformed(
        operation,
        `Singapay ${operation} answered HTTP ${response.status} with ${what} (content-type ${contentType}); the request may have been processed`,
        // A gateway timeout page is still a timeout to our callers.
        { upstreamStatus: response.status, httpStatus: response.status === 504 ? 504 : 502 },
      );
    }
  }

  private transportFailure(operation: string, error: unknown, timeoutMs: number, timedOut: boolean) {
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
    const cancelled = axios.isCancel(error) || code === 'ERR_CANCELED';
    // Our own deadline first, then the caller's abort, then what the error code says.
    let [type, httpStatus, delivery]: [SingapayTransportFailure, number, SingapayDelivery] = ['connection_reset', 502, 'maybe_sent'];
    let message = `The connection to Singapay broke during ${operation} (${code || 'no error code'}); the request may have been processed`;
    if (timedOut || (!cancelled && (code === 'ETIMEDOUT' || code === 'ECONNABORTED'))) {
      [type, httpStatus, message] = ['timeout', 504, `Singapay did not answer ${operation} within ${timeoutMs} ms`];
    } else if (cancelled) {
      [type, httpStatus, message] = ['aborted', 499, `Singapay ${operation} was aborted by the caller before an answer came`];
    } else if (NOT_SENT_CODES.has(code)) {
      [type, httpStatus, delivery] = ['connection_failed', 503, 'not_sent'];
      message = `Could not connect to Singapay for ${operation} (${code}); the request was not sent`;
    } else if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED') {
      [type, httpStatus, delivery] = ['malformed_response', 502, 'received'];
      message = `Singapay ${operation} sent an answer that could not be read (${code})`;
    }
    return this.errors.transport(type, operation, message, { httpStatus, delivery });
  }

  // Requests still on the wire (a payment among them) finish first, each bounded by its timeout: before any
  // onApplicationShutdown, so that what they settle is still announced (the streams end there).
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    const { httpAgent, httpsAgent } = this.http.axiosRef.defaults;
    (httpAgent as http.Agent | undefined)?.destroy();
    (httpsAgent as https.Agent | undefined)?.destroy();
  }
}

/**
 * Per-call options come from callers' code: the service checks them once, at the door, and
 * refuses nonsense before anything is recorded or sent (with `problems` the caller found in its
 * own options, in the same 400).
 */
export function checkCallOptions(
  operation: string,
  call: SingapayCallOptions | undefined,
  maxTimeoutMs = 600_000,
  maxTimeoutIs = '',
  problems: string[] = [],
): number | undefined {
  if (!call && problems.length === 0) return undefined;
  const { timeoutMs, signal } = call ?? {};
  if (timeoutMs !== undefined && !isIntegerIn(timeoutMs, 1, maxTimeoutMs))
    problems.push(`timeoutMs must be an integer from 1 to ${maxTimeoutMs}${maxTimeoutIs}`);
  if (signal !== undefined && !(signal instanceof AbortSignal)) problems.push('signal must be an AbortSignal');
  if (problems.length > 0) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems.map((p) => `${operation}: ${p}`) });
  }
  return timeoutMs;
}
