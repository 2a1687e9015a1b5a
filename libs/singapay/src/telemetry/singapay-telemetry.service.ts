import type { OnModuleDestroy } from '@nestjs/common';
import type {
  BatchObservableCallback,
  Context,
  Counter,
  Histogram,
  Meter,
  Observable,
  Span,
  SpanOptions,
  Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { SingapayException } from '../errors/singapay.exception.js';
import {
  answerAttributes,
  callAttributes,
  defined,
  failureAttributes,
  keyHash,
  paymentAttributes,
  pick,
  type SingapayTelemetryAttributes,
  type SingapayTracedCall,
  type SingapayTracedPayment,
} from './singapay-telemetry.attributes.js';
import { SINGAPAY_PACKAGE_VERSION, SINGAPAY_TELEMETRY_NAMES } from './singapay-telemetry.names.js';
import { SingapayUnknownPayments } from './singapay-unknown-payments.tracker.js';

/** The part of `@opentelemetry/api` the module uses. */
type SingapayOtelApi = Pick<typeof import('@opentelemetry/api'), 'trace' | 'metrics' | 'context' | 'SpanKind' | 'SpanStatusCode'>;

const { spans: S, metrics: M, attributes: A } = SINGAPAY_TELEMETRY_NAMES;
// Singapay answers in tens of milliseconds to tens of seconds; the SDK's default buckets are for milliseconds.
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const CALL_METRIC = [A.registration, A.operation, A.responseCode, A.errorType];
const DURATION_METRIC = [A.registration, A.operation];
const OUTCOME_METRIC = [A.registration, A.outcome, A.command, A.errorType];

/** A span in progress, as the code it encloses sees it (through an AsyncLocalStorage). */
interface Scope {
  ctx: Context;
  span: Span;
  retries: number;
  /** Payment requests sent within a payment span. */
  sends: number;
  payment?: Scope;
}

interface Instruments {
  api: SingapayOtelApi;
  tracer: Tracer;
  meter: Meter;
  calls: Counter;
  duration: Histogram;
  tokens: Counter;
  payments: Counter;
  observe: BatchObservableCallback;
  gauges: Observable[];
}

/**
 * The module's OpenTelemetry spans and metrics, one per registration. Built by
 * `createSingapayTelemetry()`, which loads `@opentelemetry/api` lazily: without it every
 * method only runs what it wraps; with it but no SDK registered, the API's own no-op
 * tracer and meter apply. Only allow-listed attributes are ever set (see
 * `singapay-telemetry.attributes.ts`): never a customer id, body, header, secret or token.
 */
export class SingapayTelemetry implements OnModuleDestroy {
  /** The gauge's bookkeeping; undefined without OpenTelemetry, so nothing is kept for nobody. */
  readonly unknownPayments?: SingapayUnknownPayments;
  private readonly otel?: Instruments;
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private queueDepth?: () => number;

  /**
   * `api` is the loaded `@opentelemetry/api` module, typed loosely on purpose: the
   * package's declarations must not name an optional peer a consumer may not have.
   */
  constructor(
    otelApi: object | undefined,
    private readonly registration: string,
  ) {
    const api = otelApi as SingapayOtelApi | undefined;
    if (!api) return;
    const meter = api.metrics.getMeter(SINGAPAY_TELEMETRY_NAMES.scope, SINGAPAY_PACKAGE_VERSION);
    const unknown = meter.createObservableGauge(M.unknownPayments, {
      description: 'Payments this process last saw in state unknown (sent, outcome not yet known)',
      unit: '{payment}',
    });
    const depth = meter.createObservableGauge(M.callbackQueueDepth, {
      description: 'Callback transaction ids queued, being confirmed or waiting to retry',
      unit: '{transaction}',
    });
    const base = { [A.registration]: registration };
    this.unknownPayments = new SingapayUnknownPayments();
    this.otel = {
      api,
      tracer: api.trace.getTracer(SINGAPAY_TELEMETRY_NAMES.scope, SINGAPAY_PACKAGE_VERSION),
      meter,
      calls: meter.createCounter(M.calls, { description: 'Singapay business calls, by operation and outcome', unit: '{call}' }),
      duration: meter.createHistogram(M.callDuration, {
        description: 'Duration of Singapay calls, retries included',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
      }),
      tokens: meter.createCounter(M.tokenRequests, { description: 'Access token requests, by outcome', unit: '{request}' }),
      payments: meter.createCounter(M.payments, { description: 'pay() calls, by outcome and command', unit: '{payment}' }),
      observe: (result) => {
        result.observe(unknown, this.unknownPayments?.size ?? 0, base);
        result.observe(depth, this.queueDepth?.() ?? 0, base);
      },
      gauges: [unknown, depth],
    };
    meter.addBatchObservableCallback(this.otel.observe, this.otel.gauges);
  }

  /** Whether `@opentelemetry/api` was loaded (an SDK may still be missing). */
  get enabled(): boolean {
    return this.otel !== undefined;
  }

  /** A business call, retries included: span `singapay <operation>`, `singapay.calls`, `singapay.call.duration`. */
  async traceCall<T extends { responseCode: string; httpStatus: number }>(call: SingapayTracedCall, run: () => Promise<T>): Promise<T> {
    const otel = this.otel;
    if (!otel) return run();
    const parent = this.scopes.getStore();
    const payment = parent?.payment;
    if (payment && call.operation === 'pay') {
      payment.sends++;
      // A generated key is only known once the engine chose it.
      const hash = keyHash(call.log?.idempotencyKey);
      if (hash) payment.span.setAttribute(A.idempotencyKeyHash, hash);
    }
    const attributes = callAttributes(call, this.registration);
    const scope = this.start(`${S.callPrefix}${call.operation}`, { kind: otel.api.SpanKind.CLIENT, attributes }, parent, payment);
    const started = performance.now();
    try {
      const envelope = await this.within(scope, run);
      this.end(scope, { ...answerAttributes(envelope.responseCode, envelope.httpStatus), [A.attempt]: scope.retries + 1 });
      otel.calls.add(1, pick({ ...attributes, ...answerAttributes(envelope.responseCode, undefined) }, CALL_METRIC));
      return envelope;
    } catch (error) {
      const failure = failureAttributes(error);
      this.end(scope, { ...failure, [A.attempt]: scope.retries + 1 }, true);
      otel.calls.add(1, pick({ ...attributes, ...failure }, CALL_METRIC));
      throw error;
    } finally {
      otel.duration.record((performance.now() - started) / 1000, pick(attributes, DURATION_METRIC));
    }
  }

  /** One access token request: span `singapay accessToken`, `singapay.token.requests`, `singapay.call.duration`. */
  async traceTokenRequest<T>(run: () => Promise<T>): Promise<T> {
    const otel = this.otel;
    if (!otel) return run();
    const attributes = { [A.registration]: this.registration, [A.operation]: 'accessToken' };
    const parent = this.scopes.getStore();
    const scope = this.start(`${S.callPrefix}accessToken`, { kind: otel.api.SpanKind.CLIENT, attributes }, parent, parent?.payment);
    const started = performance.now();
    try {
      const token = await this.within(scope, run);
      this.end(scope, { [A.outcome]: 'granted', [A.httpStatus]: 200 });
      otel.tokens.add(1, pick({ ...attributes, [A.outcome]: 'granted' }, OUTCOME_METRIC));
      return token;
    } catch (error) {
      const refused =
        error instanceof SingapayException && (error.responseType === 'unauthenticated' || error.responseType === 'permission_denied');
      const failure = { ...failureAttributes(error), [A.outcome]: refused ? 'refused' : 'failed' };
      this.end(scope, failure, true);
      otel.tokens.add(1, pick({ ...attributes, ...failure }, OUTCOME_METRIC));
      throw error;
    } finally {
      otel.duration.record((performance.now() - started) / 1000, pick(attributes, DURATION_METRIC));
    }
  }

  /** One `pay()`: span `singapay payment` around its send and lookups, and `singapay.payments`. */
  async tracePayment<T extends { status: string; idempotencyKey: string; responseCode?: string | undefined }>(
    payment: SingapayTracedPayment,
    run: () => Promise<T>,
  ): Promise<T> {
    const otel = this.otel;
    if (!otel) return run();
    const attributes = paymentAttributes(payment, this.registration);
    const scope = this.start(S.payment, { kind: otel.api.SpanKind.INTERNAL, attributes }, this.scopes.getStore());
    scope.payment = scope;
    try {
      const result = await this.within(scope, run);
      const outcome = { [A.outcome]: result.status, [A.idempotencyKeyHash]: keyHash(result.idempotencyKey)! };
      this.end(scope, { ...outcome, ...answerAttributes(result.responseCode, undefined), [A.sendCount]: scope.sends });
      otel.payments.add(1, pick({ ...attributes, ...outcome }, OUTCOME_METRIC));
      return result;
    } catch (error) {
      const refunded = error instanceof SingapayException && error.responseType === 'payment_refunded';
      const failure = { ...failureAttributes(error), [A.outcome]: refunded ? 'refunded' : 'failed' };
      this.end(scope, { ...failure, [A.sendCount]: scope.sends }, true);
      otel.payments.add(1, pick({ ...attributes, ...failure }, OUTCOME_METRIC));
      throw error;
    }
  }

  /** A retry of the call in progress: an event on its span, counted in `singapay.attempt`. */
  retried(error: unknown, attempt: number, delayMs: number): void {
    const scope = this.scopes.getStore();
    if (!scope || scope === scope.payment) return;
    scope.retries++;
    const { [A.errorType]: type } = failureAttributes(error);
    scope.span.addEvent(S.retryEvent, defined({ [A.attempt]: attempt, [A.errorType]: type, [A.delayMs]: delayMs }));
  }

  /** Singapay refused the access token and the call is made again with a new one. */
  tokenRefused(): void {
    this.scopes.getStore()?.span.addEvent(S.tokenRefusedEvent);
  }

  /** Where `singapay.callbacks.queue.depth` reads the callback queue's size. */
  watchCallbackQueue(depth: () => number): void {
    this.queueDepth = depth;
  }

  onModuleDestroy(): void {
    // A closed registration stops reporting; the app's other registrations carry on.
    this.otel?.meter.removeBatchObservableCallback(this.otel.observe, this.otel.gauges);
  }

  private start(name: string, options: SpanOptions, parent?: Scope, payment?: Scope): Scope {
    const { api, tracer } = this.otel!;
    const parentCtx = parent?.ctx ?? api.context.active();
    const span = tracer.startSpan(name, options, parentCtx);
    return { ctx: api.trace.setSpan(parentCtx, span), span, retries: 0, sends: 0, ...(payment ? { payment } : {}) };
  }

  /**
   * Runs `run` inside the span: for the module's own spans through an AsyncLocalStorage
   * (so they nest without a context manager), and for everyone else's through the API's
   * active context. Without an SDK (an invalid span) there is nothing to propagate.
   */
  private within<T>(scope: Scope, run: () => Promise<T>): Promise<T> {
    const { api } = this.otel!;
    if (!api.trace.isSpanContextValid(scope.span.spanContext())) return run();
    return api.context.with(scope.ctx, () => this.scopes.run(scope, run));
  }

  private end(scope: Scope, attributes: SingapayTelemetryAttributes, failed = false): void {
    const { span } = scope;
    if (span.isRecording()) {
      span.setAttributes(attributes);
      if (failed) span.setStatus({ code: this.otel!.api.SpanStatusCode.ERROR, message: String(attributes[A.errorType] ?? 'error') });
    }
    span.end();
  }
}
