/**
 * The package version, for the instrumentation scope. A constant: the ESM and CommonJS
 * builds have no common way to find their package.json at run time. A test and
 * `build:lib` check that it matches the root package.json.
 */
export const SINGAPAY_PACKAGE_VERSION = '0.1.0';

/**
 * The names the module's OpenTelemetry spans, metrics and attributes use (see the README,
 * "Metrics and traces"), for dashboards, alerts, views and tests.
 * @publicApi
 */
export const SINGAPAY_TELEMETRY_NAMES = Object.freeze({
  /** Instrumentation scope (tracer and meter name); its version is the package's. */
  scope: 'nestjs-singapay',
  spans: Object.freeze({
    /** `singapay <operation>` (kind CLIENT): one per business call, retries included, and one per token request. */
    callPrefix: 'singapay ',
    /** Kind INTERNAL: one per `pay()`, parent of its `singapay pay` call and of the lookups that resolve it. */
    payment: 'singapay payment',
    /** Events on a call span. */
    retryEvent: 'singapay.retry',
    tokenRefusedEvent: 'singapay.token_refused',
  }),
  metrics: Object.freeze({
    /** Counter: business calls, by operation and response code or failure type. */
    calls: 'singapay.calls',
    /** Histogram, seconds: business calls (retries included) and token requests, by operation. */
    callDuration: 'singapay.call.duration',
    /** Counter: token requests, by outcome (`granted`, `refused`, `failed`). */
    tokenRequests: 'singapay.token.requests',
    /** Counter: `pay()` calls, by outcome and command. */
    payments: 'singapay.payments',
    /** Gauge: payments this process last saw in state `unknown`. */
    unknownPayments: 'singapay.payments.unknown',
    /** Gauge: callback transaction ids queued, being confirmed or waiting to retry. */
    callbackQueueDepth: 'singapay.callbacks.queue.depth',
  }),
  attributes: Object.freeze({
    registration: 'singapay.registration',
    operation: 'singapay.operation',
    command: 'singapay.command',
    productCode: 'singapay.product_code',
    responseCode: 'singapay.response_code',
    outcome: 'singapay.outcome',
    attempt: 'singapay.attempt',
    delivery: 'singapay.delivery',
    cause: 'singapay.cause',
    /** The same short hash the log lines show, so a span and a log line can be matched. */
    idempotencyKeyHash: 'singapay.idempotency_key_hash',
    sendCount: 'singapay.send_count',
    delayMs: 'singapay.delay_ms',
    /** Standard: the failure's `responseType` (`timeout`, `insufficient_balance`…). */
    errorType: 'error.type',
    /** Standard: the HTTP status Singapay answered with, when it answered. */
    httpStatus: 'http.response.status_code',
  }),
});
