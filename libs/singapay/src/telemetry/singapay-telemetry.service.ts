import type { OnModuleDestroy } from '@nestjs/common';
import type { Context, Span, SpanOptions } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { SingapayException } from '../errors/singapay.exception.js';
import { hashIdempotencyKey } from '../util/singapay-log.js';
import { answerAttributes, callAttributes, defined, failureAttributes, paymentAttributes } from './singapay-telemetry.attributes.js';
import type { SingapayTelemetryAttributes, SingapayTracedCall, SingapayTracedPayment } from './singapay-telemetry.attributes.js';
import { createSingapayInstruments, type SingapayInstruments, type SingapayOtelApi } from './singapay-telemetry.instruments.js';
import { SINGAPAY_TELEMETRY_NAMES } from './singapay-telemetry.names.js';
import { SingapayUnknownPayments } from './singapay-unknown-payments.tracker.js';

const { spans: S, attributes: A } = SINGAPAY_TELEMETRY_NAMES;
const CALL_METRIC = [A.registration, A.operation, A.responseCode, A.errorType];
const DURATION_METRIC = [A.registration, A.operation];
const OUTCOME_METRIC = [A.registration, A.outcome, A.command, A.errorType];

/** A span in progress, as the code it encloses sees it (through an AsyncLocalStorage). */
interface Scope {
  ctx: Context;
  span: Span;
  /** Until its span ends; work it started that runs later (timers) is not its child any more. */
  open: boolean;
  retries: number;
  /** Payment requests sent within a payment span. */
  sends: number;
  payment?: Scope;
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
  private readonly otel?: SingapayInstruments;
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private queueDepth?: () => number;
  /**
   * Whether anything listens: a meter provider registered before the module started, or a
   * tracer provider registered at any time. Without either, the wrappers only run what they
   * wrap, so an app with the API installed but no SDK pays nothing per call.
   */
  private readonly live: () => boolean = () => false;

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
    const tracerProvider = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    const delegate = tracerProvider.getDelegate?.();
    // No SDK yet: remember the API's no-op provider, so a call can tell in one comparison whether one came since.
    const noopTracerProvider = isNoop(delegate, 'NoopTracerProvider') ? delegate : undefined;
    const metricsLive = !isNoop(api.metrics.getMeterProvider(), 'NoopMeterProvider');
    this.live = metricsLive || noopTracerProvider === undefined ? () => true : () => tracerProvider.getDelegate?.() !== noopTracerProvider;
    if (metricsLive) this.unknownPayments = new SingapayUnknownPayments();
    this.otel = createSingapayInstruments(api, registration, {
      unknownPayments: () => this.unknownPayments?.size ?? 0,
      callbackQueueDepth: () => this.queueDepth?.() ?? 0,
    });
  }

  /** Whether `@opentelemetry/api` was loaded (an SDK may still be missing). */
  get enabled(): boolean {
    return this.otel !== undefined;
  }

  /** A business call, retries included: span `singapay <operation>`, `singapay.calls`, `singapay.call.duration`. */
  async traceCall<T extends { responseCode: string; httpStatus: number }>(call: SingapayTracedCall, run: () => Promise<T>): Promise<T> {
    const otel = this.otel;
    if (!otel || !this.live()) return run();
    const parent = this.scopes.getStore();
    const payment = parent?.payment?.open ? parent.payment : undefined;
    if (payment && call.operation === 'pay') payment.sends++;
    const attributes = callAttributes(call, this.registration);
    const scope = this.start(`${S.callPrefix}${call.operation}`, { kind: otel.api.SpanKind.CLIENT, attributes }, parent, payment);
    const key = call.log?.idempotencyKey;
    if (key !== undefined && scope.span.isRecording()) {
      const hash = hashIdempotencyKey(key);
      scope.span.setAttribute(A.idempotencyKeyHash, hash);
      // A generated key is only known once the engine chose it.
      payment?.span.setAttribute(A.idempotencyKeyHash, hash);
    }
    const started = performance.now();
    let outcome: SingapayTelemetryAttributes = {};
    try {
      const envelope = await this.within(scope, run);
      outcome = answerAttributes(envelope.responseCode, envelope.httpStatus);
      return envelope;
    } catch (error) {
      outcome = failureAttributes(error);
      throw error;
    } finally {
      this.end(scope, () => ({ ...outcome, [A.attempt]: scope.retries + 1 }));
      otel.calls.add(1, defined({ ...attributes, ...outcome }, CALL_METRIC));
      otel.duration.record((performance.now() - started) / 1000, defined(attributes, DURATION_METRIC));
    }
  }

  /** One access token request: span `singapay accessToken`, `singapay.token.requests`, `singapay.call.duration`. */
  async traceTokenRequest<T>(run: () => Promise<T>): Promise<T> {
    const otel = this.otel;
    if (!otel || !this.live()) return run();
    const attributes = { [A.registration]: this.registration, [A.operation]: 'accessToken' };
    const parent = this.scopes.getStore();
    const payment = parent?.payment?.open ? parent.payment : undefined;
    const scope = this.start(`${S.callPrefix}accessToken`, { kind: otel.api.SpanKind.CLIENT, attributes }, parent, payment);
    const started = performance.now();
    let outcome: SingapayTelemetryAttributes = {};
    try {
      const token = await this.within(scope, run);
      outcome = { [A.outcome]: 'granted', [A.httpStatus]: 200 };
      return token;
    } catch (error) {
      const refused = error instanceof SingapayException && ['unauthenticated', 'permission_denied'].includes(error.responseType);
      outcome = { ...failureAttributes(error), [A.outcome]: refused ? 'refused' : 'failed' };
      throw error;
    } finally {
      this.end(scope, () => outcome);
      otel.tokens.add(1, defined({ ...attributes, ...outcome }, OUTCOME_METRIC));
      otel.duration.record((performance.now() - started) / 1000, defined(attributes, DURATION_METRIC));
    }
  }

  /** One `pay()` recorded under `key`: span `singapay payment` around its send and lookups, and `singapay.payments`. */
  async tracePayment<T extends { status: string; responseCode?: string | undefined }>(
    payment: SingapayTracedPayment,
    key: string,
    run: () => Promise<T>,
  ): Promise<T> {
    const otel = this.otel;
    if (!otel || !this.live()) return run();
    const attributes = paymentAttributes(payment, this.registration);
    const scope = this.start(S.payment, { kind: otel.api.SpanKind.INTERNAL, attributes }, this.scopes.getStore());
    scope.payment = scope;
    if (scope.span.isRecording()) scope.span.setAttribute(A.idempotencyKeyHash, hashIdempotencyKey(key));
    try {
      const result = await this.within(scope, run);
      this.end(scope, () => ({
        [A.outcome]: result.status,
        ...answerAttributes(result.responseCode, undefined),
        [A.sendCount]: scope.sends,
      }));
      otel.payments.add(1, defined({ ...attributes, [A.outcome]: result.status }, OUTCOME_METRIC));
      return result;
    } catch (error) {
      const refunded = error instanceof SingapayException && error.responseType === 'payment_refunded';
      const failure = { ...failureAttributes(error), [A.outcome]: refunded ? 'refunded' : 'failed' };
      this.end(scope, () => ({ ...failure, [A.sendCount]: scope.sends }));
      otel.payments.add(1, defined({ ...attributes, ...failure }, OUTCOME_METRIC));
      throw error;
    }
  }

  /** A retry of the call in progress: an event on its span, counted in `singapay.attempt`. */
  retried(error: unknown, attempt: number, delayMs: number): void {
    const scope = this.scopes.getStore();
    if (!scope || scope === scope.payment) return;
    scope.retries++;
    scope.span.addEvent(S.retryEvent, { [A.attempt]: attempt, [A.errorType]: failureAttributes(error)[A.errorType], [A.delayMs]: delayMs });
  }

  /** Singapay refused the access token and the call is made again with a new one (a final refusal is no event). */
  tokenRefused(): void {
    this.scopes.getStore()?.span.addEvent(S.tokenRefusedEvent);
  }

  /** Where `singapay.callbacks.queue.depth` reads the callback queue's size. */
  watchCallbackQueue(depth: () => number): void {
    this.queueDepth = depth;
  }

  onModuleDestroy(): void {
    // A closed registration stops reporting; the app's other registrations carry on.
    this.otel?.close();
  }

  private start(name: string, options: SpanOptions, parent?: Scope, payment?: Scope): Scope {
    const { api, tracer } = this.otel!;
    // Started by a timer of an ended span (a PLN token follow-up): a trace of its own, linked to it.
    const linked = parent && !parent.open ? { ...options, links: [{ context: parent.span.spanContext() }] } : undefined;
    const parentCtx = linked ? api.ROOT_CONTEXT : (parent?.ctx ?? api.context.active());
    const span = tracer.startSpan(name, linked ?? options, parentCtx);
    return { ctx: api.trace.setSpan(parentCtx, span), span, open: true, retries: 0, sends: 0, payment: linked ? undefined : payment };
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

  /** Ends the span; its closing attributes are only built when an SDK records it. A failure's, and only those, carry an `error.type`. */
  private end(scope: Scope, attributes: () => SingapayTelemetryAttributes): void {
    const { span } = scope;
    scope.open = false;
    if (span.isRecording()) {
      const closing = attributes();
      span.setAttributes(closing);
      if (A.errorType in closing) span.setStatus({ code: this.otel!.api.SpanStatusCode.ERROR, message: String(closing[A.errorType]) });
    }
    span.end();
  }
}

/** Whether a provider is the API's own no-op one (the API exports no class to compare with). */
function isNoop(provider: unknown, className: string): boolean {
  return typeof provider === 'object' && provider !== null && provider.constructor?.name === className;
}
