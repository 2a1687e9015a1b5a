import type {
  BatchObservableCallback,
  Context,
  ContextAPI,
  Counter,
  Histogram,
  MetricsAPI,
  SpanKind,
  SpanStatusCode,
  TraceAPI,
  Tracer,
} from '@opentelemetry/api';
import { SINGAPAY_PACKAGE_VERSION, SINGAPAY_TELEMETRY_NAMES } from './singapay-telemetry.names.js';

/**
 * The part of `@opentelemetry/api` the module uses. Named through one `import type` (which
 * the package build marks as an optional peer's), never `import()` in a type.
 */
export interface SingapayOtelApi {
  trace: TraceAPI;
  metrics: MetricsAPI;
  context: ContextAPI;
  SpanKind: typeof SpanKind;
  SpanStatusCode: typeof SpanStatusCode;
  ROOT_CONTEXT: Context;
}

/** The tracer and the instruments of one registration. */
export interface SingapayInstruments {
  api: SingapayOtelApi;
  tracer: Tracer;
  calls: Counter;
  duration: Histogram;
  tokens: Counter;
  payments: Counter;
  close: () => void;
}

const { metrics: M, attributes: A } = SINGAPAY_TELEMETRY_NAMES;
// Singapay answers in tens of milliseconds to tens of seconds; the SDK's default buckets are for milliseconds.
const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Creates the instruments from the meter the global provider gives now (hence: register
 * the SDK before Nest creates the app), and registers the gauges' callback, which only
 * reads two numbers: `close()` removes it.
 */
export function createSingapayInstruments(
  api: SingapayOtelApi,
  registration: string,
  read: { unknownPayments: () => number; callbackQueueDepth: () => number },
): SingapayInstruments {
  const meter = api.metrics.getMeter(SINGAPAY_TELEMETRY_NAMES.scope, SINGAPAY_PACKAGE_VERSION);
  const gauge = (name: string, description: string, unit: string) => meter.createObservableGauge(name, { description, unit });
  const unknown = gauge(M.unknownPayments, 'Payments this process last saw in state unknown (sent, outcome not yet known)', '{payment}');
  const depth = gauge(M.callbackQueueDepth, 'Callback transaction ids queued, being confirmed or waiting to retry', '{transaction}');
  const base = { [A.registration]: registration };
  const gauges = [unknown, depth];
  const observe: BatchObservableCallback = (result) => {
    result.observe(unknown, read.unknownPayments(), base);
    result.observe(depth, read.callbackQueueDepth(), base);
  };
  meter.addBatchObservableCallback(observe, gauges);
  return {
    api,
    tracer: api.trace.getTracer(SINGAPAY_TELEMETRY_NAMES.scope, SINGAPAY_PACKAGE_VERSION),
    calls: meter.createCounter(M.calls, { description: 'Singapay business calls, by operation and outcome', unit: '{call}' }),
    duration: meter.createHistogram(M.callDuration, {
      description: 'Duration of Singapay calls, retries included',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    }),
    tokens: meter.createCounter(M.tokenRequests, { description: 'Access token requests, by outcome', unit: '{request}' }),
    payments: meter.createCounter(M.payments, { description: 'pay() calls, by outcome and command', unit: '{payment}' }),
    close: () => meter.removeBatchObservableCallback(observe, gauges),
  };
}
