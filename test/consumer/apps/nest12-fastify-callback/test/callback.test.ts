import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SINGAPAY_TELEMETRY_NAMES, SingapayService, type SingapayPaymentSettlement } from 'nestjs-singapay';
import { SingapayHealthIndicator } from 'nestjs-singapay/health';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from 'nestjs-singapay/simulator';
import { AppModule } from '../src/app.module.js';

/**
 * A port free on 127.0.0.1 now, for the app: the simulator must know the callback URL before the app starts.
 * Picked below the ports the kernel hands out for port 0 (Linux: from 32768), so that the simulator, started
 * on port 0 just after, cannot take it.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_768);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port between 20000 and 32767');
}

let sim: SingapaySimulator;
let app: NestFastifyApplication;
// The OpenTelemetry SDK, registered before Nest creates the app, as the README says.
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });

before(async () => {
  trace.setGlobalTracerProvider(tracerProvider);
  const port = await freePort();
  sim = await SingapaySimulator.start({ settleDelayMs: 60_000, callbackUrl: `http://127.0.0.1:${port}/singapay/callback` });
  process.env.SINGAPAY_BASE_URL = sim.baseUrl;
  process.env.SINGAPAY_API_KEY = sim.credentials.apiKey;
  process.env.SINGAPAY_CLIENT_ID = sim.credentials.clientId;
  process.env.SINGAPAY_CLIENT_SECRET = sim.credentials.clientSecret;
  process.env.SINGAPAY_PASSWORD = sim.credentials.password;
  app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
  await app.listen(port, '127.0.0.1');
});

after(async () => {
  await app?.close();
  await sim?.stop();
  await tracerProvider.shutdown();
  trace.disable();
});

test('the CommonJS build is what require() loads', () => {
  assert.match(require.resolve('nestjs-singapay'), /lib[/\\]cjs[/\\]singapay[/\\]src[/\\]index\.js$/);
});

test('a pending purchase settles through the callback the simulator posts to the Fastify app', async () => {
  const singapay = app.get(SingapayService);
  const settled = new Promise<SingapayPaymentSettlement>((resolve) => {
    const subscription = singapay.settlements$.subscribe((s) => {
      if (s.idempotencyKey === 'order-fastify-1') {
        subscription.unsubscribe();
        resolve(s);
      }
    });
  });
  const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
  const paid = await singapay.pay({
    command: 'data',
    productCode: example.productCode,
    customerId: example.customerId,
    idempotencyKey: 'order-fastify-1',
  });
  assert.equal(paid.status, 'pending');

  sim.settleAll(); // the simulator now posts the callback to /singapay/callback over loopback
  await sim.flushCallbacks();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no settlement within 10 s')), 10_000)));
  const settlement = await Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
  assert.equal(settlement.status, 'success');
  assert.equal(settlement.via, 'callback');
  assert.ok(sim.stats().callbacks.delivered >= 1, 'the simulator delivered the callback');
  assert.equal((await singapay.getPayment('order-fastify-1')).state, 'success');
});

test('the module traces through the SDK the app registered (the CommonJS build loads @opentelemetry/api lazily)', async () => {
  const finished = spans.getFinishedSpans().filter((s) => s.instrumentationScope.name === SINGAPAY_TELEMETRY_NAMES.scope);
  const payment = finished.find((s) => s.name === SINGAPAY_TELEMETRY_NAMES.spans.payment);
  assert.ok(payment, `a payment span among ${finished.map((s) => s.name).join(', ')}`);
  assert.equal(payment.attributes['singapay.outcome'], 'pending');
  const send = finished.find((s) => s.name === 'singapay pay');
  assert.equal(send?.kind, SpanKind.CLIENT);
  assert.equal(send?.parentSpanContext?.spanId, payment.spanContext().spanId);
  const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;
  assert.ok(!JSON.stringify(finished.map((s) => s.attributes)).includes(example.customerId), 'no customer id in a span');
});

// Last: it turns the simulator's deposit down and has it refuse the credentials.
test('answers GET /health on terminus 12, as the README installs it: up, degraded below the minimum, down when Singapay refuses', async () => {
  const terminus = JSON.parse(readFileSync(require.resolve('@nestjs/terminus/package.json'), 'utf8')) as { version: string };
  assert.match(terminus.version, /^12\./, "the README's unpinned line installs terminus 12");
  const url = await app.getUrl();

  const up = await fetch(`${url}/health`);
  assert.equal(up.status, 200);
  assert.equal(((await up.json()) as { details: { singapay: { status: string } } }).details.singapay.status, 'up');

  // Terminus 12 has a degraded state: still 200, with the cause.
  sim.setBalance(1);
  const low = await fetch(`${url}/health`);
  assert.equal(low.status, 200);
  const lowBody = (await low.json()) as { status: string; details: { singapay: { status: string; cause: string } } };
  assert.equal(lowBody.status, 'degraded');
  assert.deepEqual([lowBody.details.singapay.status, lowBody.details.singapay.cause], ['degraded', 'low_balance']);

  // Singapay refuses the client credentials (HTTP 401 at the token endpoint).
  sim.faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 401 }, times: 10 });
  sim.revokeTokens();
  app.get(SingapayHealthIndicator).clearCache();
  const down = await fetch(`${url}/health`);
  assert.equal(down.status, 503);
  const downBody = (await down.json()) as { error: { singapay: { status: string; cause: string } } };
  assert.deepEqual([downBody.error.singapay.status, downBody.error.singapay.cause], ['down', 'client_credentials_refused']);
  assert.ok(!JSON.stringify(downBody).includes(sim.credentials.clientSecret), 'no secret in the health body');
});
