/**
 * The module's OpenTelemetry spans and metrics, read with the SDK's in-memory exporters
 * (registered before the module is created, as an app would) over real calls to the
 * simulator: a balance, an inquiry, a successful payment and its replay, a refused one,
 * one whose answer was lost and a lookup settles, one that stays unknown, a token
 * refusal, retries, and a burst of callbacks. Then: nothing exported names a customer,
 * a secret, the payment password or a token; and the module runs unchanged when
 * `@opentelemetry/api` cannot be loaded, or is loaded with no SDK registered.
 */
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Test, type TestingModule } from '@nestjs/testing';
import { readFileSync } from 'node:fs';
import {
  getSingapayToken,
  SINGAPAY_TELEMETRY_NAMES,
  SingapayCallbackReceiver,
  SingapayInsufficientBalanceException,
  SingapayModule,
  SingapayService,
  type SingapayPayRequest,
} from '@app/singapay';
import { SingapaySimulator, singapayTestCustomerId } from '@app/singapay-simulator';
import { SingapayTokenProvider } from '@app/singapay/auth/singapay-token.provider.js';
import { SINGAPAY_PACKAGE_VERSION } from '@app/singapay/telemetry/singapay-telemetry.names.js';
import { createSingapayTelemetry } from '@app/singapay/telemetry/singapay-telemetry.provider.js';
import { SingapayTelemetry } from '@app/singapay/telemetry/singapay-telemetry.service.js';
import { hashIdempotencyKey, maskCustomerId } from '@app/singapay/util/singapay-log.js';
import { pad } from '../support/adversarial-testing.js';
import { capturingLogger, registerSecret } from '../support/log-capture.js';
import { counted, OtelTestSdk, points } from '../support/otel-testing.js';

const { spans: S, metrics: M, attributes: A } = SINGAPAY_TELEMETRY_NAMES;
const ATTRIBUTE_NAMES = new Set<string>(Object.values(A));
const METRIC_ATTRIBUTE_NAMES = new Set<string>([A.registration, A.operation, A.responseCode, A.errorType, A.outcome, A.command]);

describe('OpenTelemetry spans and metrics of a registration', () => {
  const sdk = new OtelTestSdk();
  let sim: SingapaySimulator;
  let moduleRef: TestingModule;
  let service: SingapayService;
  let tokens: SingapayTokenProvider;
  /** Every customer id, idempotency key and access token the tests used: none may be exported. */
  const customerIds = new Set<string>();
  const keys = new Set<string>();
  const accessTokens = new Set<string>();
  let seen = 0;

  /** The module's spans that ended during this test, by name. */
  const fresh = (name: string): ReadableSpan[] =>
    sdk
      .finished()
      .slice(seen)
      .filter((s) => s.name === name);
  const childrenOf = (parent: ReadableSpan): ReadableSpan[] =>
    sdk.finished().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);
  const gauge = async (name: string, registration = 'default') =>
    points(await sdk.collect(), name, { [A.registration]: registration })[0]?.value;

  async function inquiredBill(n: number, key: string): Promise<SingapayPayRequest> {
    const customerId = `1463000${pad(n, 5)}`;
    customerIds.add(customerId);
    keys.add(key);
    const { referenceNumber } = await service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
    return { command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber, idempotencyKey: key };
  }

  beforeAll(async () => {
    sdk.start();
    sim = await SingapaySimulator.start({ settleDelayMs: 600_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    moduleRef = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5, maxDelayMs: 20 } })],
    })
      .setLogger(capturingLogger)
      .compile();
    await moduleRef.init();
    service = moduleRef.get(SingapayService);
    tokens = moduleRef.get(SingapayTokenProvider);
  });
  beforeEach(() => {
    seen = sdk.finished().length;
  });
  afterAll(async () => {
    await moduleRef?.close();
    await sim?.stop();
    await sdk.stop();
  });

  it('names its scope nestjs-singapay, with the version of package.json', () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(SINGAPAY_PACKAGE_VERSION).toBe(version);
    expect(moduleRef.get(SingapayTelemetry).enabled).toBe(true);
  });

  it('traces checkBalance as a CLIENT span, with the first token request inside it', async () => {
    await service.checkBalance();
    accessTokens.add(await tokens.getAccessToken());
    const [call] = fresh(`${S.callPrefix}checkBalance`);
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.instrumentationScope).toMatchObject({ name: 'nestjs-singapay', version: SINGAPAY_PACKAGE_VERSION });
    expect(call.attributes).toEqual({
      [A.registration]: 'default',
      [A.operation]: 'checkBalance',
      [A.command]: expect.any(String),
      [A.responseCode]: '00',
      [A.httpStatus]: 200,
      [A.attempt]: 1,
    });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    const [token] = fresh(`${S.callPrefix}accessToken`);
    expect(token.kind).toBe(SpanKind.CLIENT);
    expect(token.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(token.attributes).toMatchObject({ [A.operation]: 'accessToken', [A.outcome]: 'granted', [A.httpStatus]: 200 });
  });

  it('traces an inquiry with its command and product code', async () => {
    await inquiredBill(1, 'otel-inquiry-only');
    const [call] = fresh(`${S.callPrefix}inquiry`);
    expect(call.attributes).toMatchObject({
      [A.operation]: 'inquiry',
      [A.command]: 'plnpos',
      [A.productCode]: 'SPPLNPOS',
      [A.responseCode]: '00',
      [A.attempt]: 1,
    });
    expect(fresh(`${S.callPrefix}accessToken`)).toEqual([]); // the token is cached
  });

  it('traces a successful pay() as a payment span around its pay call; its replay sends nothing', async () => {
    const bill = await inquiredBill(2, 'otel-order-1');
    expect((await service.pay(bill)).status).toBe('success');
    const [payment] = fresh(S.payment);
    expect(payment.kind).toBe(SpanKind.INTERNAL);
    expect(payment.attributes).toEqual({
      [A.registration]: 'default',
      [A.command]: 'plnpos',
      [A.productCode]: 'SPPLNPOS',
      [A.idempotencyKeyHash]: hashIdempotencyKey('otel-order-1'),
      [A.outcome]: 'success',
      [A.responseCode]: '00',
      [A.sendCount]: 1,
    });
    const [send] = fresh(`${S.callPrefix}pay`);
    expect(send.parentSpanContext?.spanId).toBe(payment.spanContext().spanId);
    expect(send.spanContext().traceId).toBe(payment.spanContext().traceId);
    expect(send.attributes).toMatchObject({
      [A.operation]: 'pay',
      [A.command]: 'plnpos',
      [A.productCode]: 'SPPLNPOS',
      [A.idempotencyKeyHash]: hashIdempotencyKey('otel-order-1'),
      [A.responseCode]: '00',
      [A.attempt]: 1,
    });

    expect((await service.pay(bill)).status).toBe('success');
    expect(fresh(S.payment)[1].attributes).toMatchObject({ [A.outcome]: 'success', [A.sendCount]: 0 });
    expect(fresh(`${S.callPrefix}pay`)).toHaveLength(1);
  });

  it('marks a refused payment failed, with its code and type, as an error on both spans', async () => {
    const customerId = singapayTestCustomerId('plnpos', 'codeAtPayment', '17');
    customerIds.add(customerId);
    keys.add('otel-refused');
    const { referenceNumber } = await service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
    await expect(
      service.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber, idempotencyKey: 'otel-refused' }),
    ).rejects.toBeInstanceOf(SingapayInsufficientBalanceException);
    const [payment] = fresh(S.payment);
    expect(payment.status).toEqual({ code: SpanStatusCode.ERROR, message: 'insufficient_balance' });
    expect(payment.attributes).toMatchObject({
      [A.outcome]: 'failed',
      [A.errorType]: 'insufficient_balance',
      [A.cause]: 'insufficient_balance',
      [A.responseCode]: '17',
      [A.sendCount]: 1,
    });
    const [send] = fresh(`${S.callPrefix}pay`);
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.attributes).toMatchObject({
      [A.errorType]: 'insufficient_balance',
      [A.responseCode]: '17',
      [A.delivery]: 'received',
      [A.httpStatus]: expect.any(Number),
      [A.attempt]: 1,
    });
  });

  it('follows a payment whose answer was lost: the broken send, then the lookup that settles it, in one trace', async () => {
    const bill = await inquiredBill(3, 'otel-lost');
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'resetAfterApply' }, times: 1 });
    expect((await service.pay(bill)).status).toBe('success');
    expect(sim.paymentsFor({ referenceNumber: bill.referenceNumber! })).toBe(1);
    const [payment] = fresh(S.payment);
    expect(payment.attributes).toMatchObject({ [A.outcome]: 'success', [A.sendCount]: 1 });
    expect(childrenOf(payment).map((s) => s.name)).toEqual([`${S.callPrefix}pay`, `${S.callPrefix}listTransactions`]);
    const [send] = fresh(`${S.callPrefix}pay`);
    expect(send.status).toEqual({ code: SpanStatusCode.ERROR, message: 'connection_reset' });
    expect(send.attributes).toMatchObject({ [A.errorType]: 'connection_reset', [A.delivery]: 'maybe_sent', [A.attempt]: 1 });
    expect(send.attributes[A.httpStatus]).toBeUndefined();
  });

  it('counts a payment left unknown in singapay.payments.unknown until a lookup settles it; retries are events', async () => {
    const customerId = '081234560001';
    customerIds.add(customerId);
    keys.add('otel-unknown');
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
    sim.faults.add({ endpoint: 'list', match: { customerId }, fault: { kind: 'html', status: 503 } });
    const paid = await service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId, idempotencyKey: 'otel-unknown' });
    expect(paid.status).toBe('unknown');
    expect(fresh(S.payment)[0].attributes).toMatchObject({ [A.outcome]: 'unknown', [A.command]: 'pulsa', [A.sendCount]: 1 });
    const [list] = fresh(`${S.callPrefix}listTransactions`);
    expect(list.attributes).toMatchObject({ [A.errorType]: 'malformed_response', [A.httpStatus]: 503, [A.attempt]: 3 });
    expect(list.events.map((e) => [e.name, e.attributes?.[A.attempt], e.attributes?.[A.errorType]])).toEqual([
      [S.retryEvent, 1, 'malformed_response'],
      [S.retryEvent, 2, 'malformed_response'],
    ]);
    expect(await gauge(M.unknownPayments)).toBe(1);

    sim.faults.clear();
    expect((await service.getPayment('otel-unknown')).state).toBe('pending');
    expect(await gauge(M.unknownPayments)).toBe(0);
  });

  it('shows a refused access token as an event of the call, and the new token request inside it', async () => {
    sim.revokeTokens();
    await service.checkBalance();
    accessTokens.add(await tokens.getAccessToken());
    const [call] = fresh(`${S.callPrefix}checkBalance`);
    expect(call.events.map((e) => e.name)).toEqual([S.tokenRefusedEvent]);
    expect(call.attributes).toMatchObject({ [A.responseCode]: '00', [A.attempt]: 1 });
    const [token] = fresh(`${S.callPrefix}accessToken`);
    expect(token.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
  });

  it('reports the callback queue depth during a burst of callbacks, and 0 once they are confirmed', async () => {
    const receiver = moduleRef.get(SingapayCallbackReceiver);
    const burst = Array.from({ length: 30 }, (_, i) => `0813${pad(i, 6)}1234`);
    for (const [i, customerId] of burst.entries()) {
      customerIds.add(customerId);
      keys.add(`otel-burst-${i}`);
      const paid = await service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId, idempotencyKey: `otel-burst-${i}` });
      expect(paid.status).toBe('pending');
    }
    sim.settleAll();
    // Slow lookups keep the burst in the queue long enough to be seen.
    sim.faults.add({ endpoint: 'detail', fault: { kind: 'latency', ms: 400 } });
    const callbacks = sim
      .transactions()
      .filter((tx) => burst.includes(tx.customerId))
      .map((tx) => ({ command: 'callback', response_code: '00', data: { transaction_id: tx.transactionId, customer_id: tx.customerId } }));
    expect(callbacks).toHaveLength(30);
    // A callback of a recorded payment is answered once it is confirmed: the depth is read while they wait.
    const received = Promise.all(callbacks.map((body) => receiver.receive(body)));
    await new Promise((r) => setTimeout(r, 100));
    const depth = (await gauge(M.callbackQueueDepth)) as number;
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThanOrEqual(30);

    await received;
    await receiver.drain();
    sim.faults.clear();
    expect(await gauge(M.callbackQueueDepth)).toBe(0);
    expect(fresh(`${S.callPrefix}getTransaction`).length).toBeGreaterThanOrEqual(30);
    for (let i = 0; i < 30; i++) expect((await service.getPayment(`otel-burst-${i}`)).state).toBe('success');
  }, 60_000);

  it('traces the later lookups of a PLN token payment in traces of their own, linked to the payment', async () => {
    const customerId = '14234567891';
    customerIds.add(customerId);
    keys.add('otel-pln');
    const { referenceNumber } = await service.inquiry({ command: 'plntok', productCode: 'SPPLNTOK', customerId });
    const paid = await service.pay({ command: 'plntok', productCode: 'SPPLNTOK', customerId, referenceNumber, idempotencyKey: 'otel-pln' });
    expect(paid).toMatchObject({ status: 'success', awaitingToken: true });
    const [payment] = fresh(S.payment);
    sim.settleAll(); // the token is issued; the module's follow-up (2 s after the payment) finds it
    let followUp: ReadableSpan | undefined;
    for (let waited = 0; !followUp && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      followUp = fresh(`${S.callPrefix}getTransaction`).find((s) => s.links.some((l) => l.context.spanId === payment.spanContext().spanId));
    }
    expect(followUp, 'a follow-up lookup linked to the payment').toBeDefined();
    expect(followUp!.parentSpanContext).toBeUndefined();
    expect(followUp!.spanContext().traceId).not.toBe(payment.spanContext().traceId);
    expect((await service.getPayment('otel-pln')).token).toBeTruthy();
  }, 30_000);

  it('counts calls by operation and code, their duration in seconds, token requests and payments by outcome', async () => {
    const all = await sdk.collect();
    const where = (extra: Record<string, string>) => ({ [A.registration]: 'default', ...extra });
    expect(counted(all, M.calls, where({ [A.operation]: 'checkBalance', [A.responseCode]: '00' }))).toBe(2);
    expect(counted(all, M.calls, where({ [A.operation]: 'inquiry', [A.responseCode]: '00' }))).toBe(5);
    expect(counted(all, M.calls, where({ [A.operation]: 'pay', [A.responseCode]: '00' }))).toBe(2);
    expect(counted(all, M.calls, where({ [A.operation]: 'pay', [A.responseCode]: '01' }))).toBe(30);
    expect(counted(all, M.calls, where({ [A.operation]: 'pay', [A.responseCode]: '17', [A.errorType]: 'insufficient_balance' }))).toBe(1);
    expect(counted(all, M.calls, where({ [A.operation]: 'pay', [A.errorType]: 'connection_reset' }))).toBe(2);
    // The malformed page, and the one more time a list asks a page that failed.
    expect(counted(all, M.calls, where({ [A.operation]: 'listTransactions', [A.errorType]: 'malformed_response' }))).toBe(2);

    const duration = all.find((m) => m.descriptor.name === M.callDuration)!;
    expect(duration.descriptor.unit).toBe('s');
    const [balance] = points(all, M.callDuration, where({ [A.operation]: 'checkBalance' }));
    expect(balance.value).toMatchObject({ count: 2 });
    const { sum } = balance.value as { sum: number };
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(20);
    expect(points(all, M.callDuration, where({ [A.operation]: 'accessToken' }))[0]?.value).toMatchObject({ count: 2 });

    expect(counted(all, M.tokenRequests, where({ [A.outcome]: 'granted' }))).toBe(2);
    expect(counted(all, M.tokenRequests, where({ [A.outcome]: 'failed' }))).toBe(0);

    expect(counted(all, M.payments, where({ [A.outcome]: 'success', [A.command]: 'plnpos' }))).toBe(3);
    expect(counted(all, M.payments, where({ [A.outcome]: 'failed', [A.command]: 'plnpos', [A.errorType]: 'insufficient_balance' }))).toBe(
      1,
    );
    expect(counted(all, M.payments, where({ [A.outcome]: 'unknown', [A.command]: 'pulsa' }))).toBe(1);
    expect(counted(all, M.payments, where({ [A.outcome]: 'pending', [A.command]: 'pulsa' }))).toBe(30);

    // Metrics carry low-cardinality attributes only: no product code, no key hash, no status.
    for (const metric of all) {
      for (const point of metric.dataPoints) {
        for (const name of Object.keys(point.attributes))
          expect(METRIC_ATTRIBUTE_NAMES, `${metric.descriptor.name}: ${name}`).toContain(name);
      }
    }
  });

  it('names a direct purchase paid without a key by the key it is recorded under, on the payment span and its pay call', async () => {
    const paid = await service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '081234567899' });
    expect(paid.idempotencyKey).toMatch(/^auto:/);
    const [payment] = fresh(S.payment);
    expect(payment.attributes[A.idempotencyKeyHash]).toBe(hashIdempotencyKey(paid.idempotencyKey));
    expect(fresh(`${S.callPrefix}pay`)[0].attributes[A.idempotencyKeyHash]).toBe(hashIdempotencyKey(paid.idempotencyKey));
  });

  it('never exports a customer id (even masked), an idempotency key, a secret, the payment password or a token', async () => {
    const text = await sdk.exportedText();
    expect(text).toContain('singapay.calls'); // the scan read something
    for (const id of customerIds) {
      expect(text).not.toContain(id);
      expect(text).not.toContain(maskCustomerId(id));
    }
    for (const key of keys) expect(text).not.toContain(`"${key}"`);
    expect(accessTokens.size).toBe(2);
    for (const secret of [sim.credentials.clientSecret, sim.credentials.password, sim.credentials.apiKey, ...accessTokens]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]{4,}\.[\w-]{4,}/);
    expect(text).not.toMatch(/(Basic|Bearer)\s/);
    // Every attribute of every span and event is one of the module's allow-listed names.
    for (const span of sdk.finished()) {
      for (const name of Object.keys(span.attributes)) expect(ATTRIBUTE_NAMES, `${span.name}: ${name}`).toContain(name);
      for (const event of span.events) {
        for (const name of Object.keys(event.attributes ?? {})) expect(ATTRIBUTE_NAMES, `${event.name}: ${name}`).toContain(name);
      }
    }
  });

  it('removes the gauges callback of a registration when its module is closed', async () => {
    const closingRef = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ name: 'closing', baseUrl: sim.baseUrl, ...sim.credentials })],
    })
      .setLogger(capturingLogger)
      .compile();
    await closingRef.init();
    expect(await gauge(M.callbackQueueDepth, 'closing')).toBe(0);
    // The SDK hands out one meter per scope: the module's.
    const meter = metrics.getMeter(SINGAPAY_TELEMETRY_NAMES.scope, SINGAPAY_PACKAGE_VERSION);
    const removed = vi.spyOn(meter, 'removeBatchObservableCallback');
    await closingRef.close();
    expect(removed).toHaveBeenCalledTimes(1);
    removed.mockRestore();
  });

  it('runs unchanged when @opentelemetry/api cannot be loaded', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' }));
    const plainRef = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ name: 'plain', baseUrl: sim.baseUrl, ...sim.credentials })],
    })
      .overrideProvider(SingapayTelemetry)
      .useFactory({ factory: () => createSingapayTelemetry('plain', missing) })
      .setLogger(capturingLogger)
      .compile();
    await plainRef.init();
    try {
      const plain = plainRef.get<SingapayService>(getSingapayToken('plain'));
      expect(plainRef.get(SingapayTelemetry).enabled).toBe(false);
      const spansBefore = sdk.spans.getFinishedSpans().length;
      expect((await plain.checkBalance()).currency).toBe('IDR');
      const customerId = '146300099990';
      const { referenceNumber } = await plain.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
      const paid = await plain.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber, idempotencyKey: 'plain-1' });
      expect(paid.status).toBe('success');
      expect(sdk.spans.getFinishedSpans().length).toBe(spansBefore);
      const all = await sdk.collect();
      for (const metric of all) expect(metric.dataPoints.filter((p) => p.attributes[A.registration] === 'plain')).toEqual([]);
    } finally {
      await plainRef.close();
    }
  });

  it('runs unchanged with @opentelemetry/api but no SDK registered (the API no-op providers)', async () => {
    await sdk.stop();
    const bareRef = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ name: 'bare', baseUrl: sim.baseUrl, ...sim.credentials })],
    })
      .setLogger(capturingLogger)
      .compile();
    await bareRef.init();
    try {
      const bare = bareRef.get<SingapayService>(getSingapayToken('bare'));
      expect(bareRef.get(SingapayTelemetry).enabled).toBe(true);
      await bare.checkBalance();
      const customerId = '146300099991';
      const { referenceNumber } = await bare.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
      expect((await bare.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber })).status).toBe('success');
    } finally {
      await bareRef.close();
    }
  });
});
