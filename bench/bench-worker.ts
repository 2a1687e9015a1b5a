// A child process of the bench, one role per request: the load client (the module, axios or node:http at a fixed
// concurrency; section 6's payments), an app under autocannon (section 4), or the module at scale (section 7).
import 'reflect-metadata';
import { Controller, Get, Logger, Module, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import { Redis } from 'ioredis';
import http from 'node:http';
import { register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SingapayInputShapePipe, SINGAPAY_ENV_VARS, SingapayModule, SingapayService } from '../libs/singapay/src/index.js';
import type { SingapayModuleOptions } from '../libs/singapay/src/index.js';
import { SINGAPAY_GENERAL_PATHS, SINGAPAY_TOKEN_PATH } from '../libs/singapay/src/contract/singapay-api.contract.js';
import { openSingapayPostgresPool } from '../libs/singapay/src/postgres/postgres-connection.js';
import { SINGAPAY_POSTGRES_TABLE } from '../libs/singapay/src/postgres/postgres-schema.js';
import { PostgresPaymentStore } from '../libs/singapay/src/postgres/index.js';
import { RedisPaymentStore } from '../libs/singapay/src/redis/index.js';
import { SINGAPAY_REDIS_CLIENT_SETTINGS } from '../libs/singapay/src/redis/singapay-redis.durability.js';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord, type SingapayPaymentStore } from '../libs/singapay/src/stores/index.js';
import { explainingPool, insertPaymentRows, type PostgresPlan } from '../test/support/postgres-plans.js';
import { epochMs, PAYMENT_PRODUCT, percentile, serveIpc } from './bench-util.js';
import type { Operation, PaymentVariant, UpstreamTarget, Variant } from './bench-util.js';

type Load = { target: UpstreamTarget; concurrency: number; durationMs: number };
const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

// A plnpos inquiry of the documented NARSONO bill: the same request in every variant.
const INQUIRY_PATH = '/api/v2/postpaid/inquiry';
const INQUIRY_BODY = { command: 'plnpos', data: { customer_id: '146300068064', product_code: 'SPPLNPOS' } };
const BALANCE_BODY = { command: 'check-balance' };

/** The module as an app uses it: `SingapayModule.forRoot` in a Nest application context. */
async function moduleClient(target: UpstreamTarget, extra: Partial<SingapayModuleOptions> = {}) {
  @Module({ imports: [SingapayModule.forRoot({ environment: 'sandbox', baseUrl: target.baseUrl, ...target.credentials, ...extra })] })
  class BenchModule {}
  // Per-call debug lines would dominate the profile; errors still show.
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'], abortOnError: false });
  const singapay = app.get(SingapayService);
  const calls = {
    checkBalance: () => singapay.checkBalance(),
    inquiry: () => singapay.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' }),
  };
  return { singapay, calls, close: () => app.close() };
}

/** The business envelope read as a hand-written integration would: code 00 (or `also`) and its data, or an error. */
function businessData(body: unknown, also?: string): Record<string, unknown> {
  const envelope = body as { response_code?: unknown; data?: Record<string, unknown> };
  const code = envelope?.response_code;
  if ((code !== '00' && (also === undefined || code !== also)) || typeof envelope.data !== 'object') {
    throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
  }
  return envelope.data;
}

// The module's result shapes, `raw` included, so every variant hands its caller as much.
function balance(body: unknown) {
  const data = businessData(body);
  return { balance: Number(data.balance), currency: String(data.currency), raw: body };
}
function inquiry(body: unknown) {
  const data = businessData(body);
  return { referenceNumber: data.reference_number, amount: Number(data.amount), price: Number(data.price), raw: body };
}

/**
 * A hand-written integration: a keep-alive axios instance, a token fetched once and reused, the partner id and Bearer
 * headers, a JSON post. No validation, retries, renewal or error mapping: the baseline the module must come close to.
 */
function axiosClient(target: UpstreamTarget) {
  const agent = new http.Agent({ keepAlive: true });
  const client = axios.create({ baseURL: target.baseUrl, httpAgent: agent, timeout: 30_000 });
  const { apiKey, clientId, clientSecret } = target.credentials;
  const config = { headers: { 'X-PARTNER-ID': apiKey }, auth: { username: clientId, password: clientSecret } };
  let token: Promise<string> | undefined;
  const accessToken = (): Promise<string> =>
    (token ??= client
      .post<{ data: { access_token: string } }>(SINGAPAY_TOKEN_PATH, { grant_type: 'client_credentials' }, config)
      .then((res) => res.data.data.access_token));
  const post = async (path: string, body: object): Promise<unknown> => {
    const headers = { 'X-PARTNER-ID': apiKey, Authorization: `Bearer ${await accessToken()}` };
    return (await client.post(path, body, { headers })).data;
  };
  const calls = {
    checkBalance: async () => balance(await post(SINGAPAY_GENERAL_PATHS.checkBalance, BALANCE_BODY)),
    inquiry: async () => inquiry(await post(INQUIRY_PATH, INQUIRY_BODY)),
  };
  return { post, calls, close: async () => agent.destroy() };
}

/** node:http with a keep-alive agent: the least any client can do for the same exchange. */
function httpClient(target: UpstreamTarget) {
  const agent = new http.Agent({ keepAlive: true });
  const url = new URL(target.baseUrl);
  const { apiKey, clientId, clientSecret } = target.credentials;
  const post = (path: string, body: object, auth: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const json = JSON.stringify(body);
      const headers = {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(json),
        'X-PARTNER-ID': apiKey,
        Authorization: auth,
      };
      const req = http.request({ agent, host: url.hostname, port: url.port, path, method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(json);
    });
  const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  let token: Promise<string> | undefined;
  const bearer = (): Promise<string> =>
    (token ??= post(SINGAPAY_TOKEN_PATH, { grant_type: 'client_credentials' }, basic).then(
      (body) => `Bearer ${(body as { data: { access_token: string } }).data.access_token}`,
    ));
  const calls = {
    checkBalance: async () => balance(await post(SINGAPAY_GENERAL_PATHS.checkBalance, BALANCE_BODY, await bearer())),
    inquiry: async () => inquiry(await post(INQUIRY_PATH, INQUIRY_BODY, await bearer())),
  };
  return { calls, close: async () => agent.destroy() };
}

const CLIENTS = { module: moduleClient, axios: axiosClient, http: httpClient };

/** `concurrency` callers, each making its next call when its last one answered, for `durationMs`, as under steady load. */
async function drive(call: () => Promise<unknown>, concurrency: number, durationMs: number) {
  let latencies = new Float64Array(1 << 14); // growable, so recording allocates nothing per call
  let [calls, failures, firstError] = [0, 0, undefined as string | undefined];
  const started = performance.now();
  const end = started + durationMs;
  const [cpuAtStart, loopAtStart, windowStart] = [process.cpuUsage(), performance.eventLoopUtilization(), monotonicMicros()];
  const caller = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await call();
        const ms = performance.now() - t0;
        if (calls === latencies.length) {
          const bigger = new Float64Array(calls * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[calls++] = ms;
      } catch (error) {
        failures++;
        firstError ??= describe(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const [elapsed, cpu, loop] = [performance.now() - started, process.cpuUsage(cpuAtStart), performance.eventLoopUtilization(loopAtStart)];
  const sorted = latencies.slice(0, calls).sort();
  const [p50Ms, p99Ms, perCall] = [percentile(sorted, 50), percentile(sorted, 99), (total: number) => total / Math.max(1, calls)];
  // [start, end] on the clock of V8's CPU profiles, to cut a profile to the measured run.
  const window: [number, number] = [windowStart, monotonicMicros()];
  // Process CPU (user + system) includes V8's helper threads and libuv; event-loop busy time is what caps calls/s once the one
  // thread all calls share is saturated.
  const costs = { cpuMicrosPerCall: perCall(cpu.user + cpu.system), loopMicrosPerCall: perCall(loop.active * 1000) };
  return { calls, failures, firstError, callsPerSecond: (calls / elapsed) * 1000, p50Ms, p99Ms, ...costs, window };
}
export type Drive = Awaited<ReturnType<typeof drive>>;

// One long-lived client per variant and upstream, as an app keeps one (warm sockets, a cached token), until the process exits.
const kept = new Map<string, Promise<unknown>>();
const keep = <T>(key: string, make: () => Promise<T>) => (kept.get(key) ?? kept.set(key, make()).get(key)) as Promise<T>;

async function burst(a: { target: UpstreamTarget; variant: 'module' | 'axios'; mode: 'cold' | 'warmToken' | 'warm'; size: number }) {
  const client = await CLIENTS[a.variant](a.target);
  const fire = () => Promise.allSettled(Array.from({ length: a.size }, () => client.calls.checkBalance()));
  if (a.mode === 'warmToken') await client.calls.checkBalance();
  // A whole untimed burst first leaves the token and pooled sockets behind.
  if (a.mode === 'warm') await fire();
  const t0 = performance.now();
  const results = await fire();
  const ms = performance.now() - t0;
  await client.close();
  const rejected = results.flatMap((r) => (r.status === 'rejected' ? [describe(r.reason)] : []));
  return { ms, failures: rejected.length, firstError: rejected[0] };
}

/** Both calls mixed, as an app makes them: each call's start (epoch ms) and latency, and the failed calls. */
async function rotation(a: Load) {
  const client = await moduleClient(a.target);
  const [starts, latencies] = [[], []] as number[][];
  let [failures, firstError] = [0, undefined as string | undefined];
  const end = performance.now() + a.durationMs;
  const caller = async (call: () => Promise<unknown>) => {
    while (performance.now() < end) {
      const [startedAt, t0] = [epochMs(), performance.now()];
      try {
        await call();
      } catch (error) {
        failures++;
        firstError ??= describe(error);
      }
      starts.push(startedAt);
      latencies.push(performance.now() - t0);
    }
  };
  const callers = Array.from({ length: a.concurrency }, (_, n) => caller(n % 2 === 0 ? client.calls.checkBalance : client.calls.inquiry));
  await Promise.all(callers).finally(() => client.close());
  return { starts, latencies, failures, firstError };
}

async function memory(a: { target: UpstreamTarget; concurrency: number; checkpoints: number[] }) {
  const client = await moduleClient(a.target);
  const points = [];
  let done = 0;
  for (let i = 0; i < 1000; i++) await client.calls.checkBalance();
  for (const calls of a.checkpoints) {
    const caller = async () => {
      while (done < calls) await (done++ % 2 === 0 ? client.calls.checkBalance : client.calls.inquiry)();
    };
    await Promise.all(Array.from({ length: a.concurrency }, caller));
    // A second and third pass let finalizers (timers) run.
    for (let i = 0; i < 3; i++) {
      global.gc!();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const m = process.memoryUsage();
    points.push({ calls, heapUsedMb: m.heapUsed / 1048576, rssMb: m.rss / 1048576, externalMb: m.external / 1048576 });
  }
  await client.close();
  return points;
}

export type Tally = { storeCalls: Record<string, number>; roundTrips: Record<string, number> };
const count = (counts: Record<string, number>, name: string) => void (counts[name] = (counts[name] ?? 0) + 1);
type PaymentArgs = Load & { variant: PaymentVariant; redisUrl?: string; postgresUrl?: string; postgresPoolSize: number };

/** Counts the engine's calls on `store` and its namespaced copies: one increment, no extra await. */
function counted(store: SingapayPaymentStore, tally: Tally): SingapayPaymentStore {
  const methods = store as unknown as Record<string, (a: unknown, b: unknown) => unknown>;
  for (const name of ['create', 'get', 'replace']) {
    const original = methods[name];
    methods[name] = (a, b) => {
      count(tally.storeCalls, name);
      return original.call(store, a, b);
    };
  }
  const withNamespace = store.withNamespace;
  if (withNamespace) store.withNamespace = (namespace) => counted(withNamespace.call(store, namespace), tally);
  return store;
}

/** The variant's store, on a connection opened as the module opens one for `redisUrl` / `databaseUrl`, counting what it sends. */
async function paymentStore(a: PaymentArgs, tally: Tally): Promise<SingapayPaymentStore> {
  if (a.variant === 'module-redis') {
    const retryStrategy = (n: number) => Math.min(n * 200, 2_000);
    const redis = new Redis(a.redisUrl!, { ...SINGAPAY_REDIS_CLIENT_SETTINGS, enableOfflineQueue: false, retryStrategy });
    redis.on('error', () => undefined);
    await new Promise((resolve) => redis.once('ready', resolve));
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((command, stream) => {
      count(tally.roundTrips, command.name.toUpperCase());
      return send(command, stream);
    }) as typeof redis.sendCommand;
    return new RedisPaymentStore(redis);
  }
  if (a.variant === 'module-postgres') {
    const pool = await openSingapayPostgresPool(a.postgresUrl!, { max: a.postgresPoolSize });
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as { query: unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text ?? '?');
      count(tally.roundTrips, /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?');
      return query(...args);
    };
    return new PostgresPaymentStore(pool);
  }
  return new SingapayInMemoryPaymentStore();
}

// A fresh customer and key per payment, unique across the bench's processes: nothing is ever deduplicated.
const tag = String(process.pid % 100).padStart(2, '0');
let sequence = 0;
function nextPayment() {
  sequence++;
  return { customerId: `08${tag}${String(sequence).padStart(8, '0')}`, idempotencyKey: `bench-${process.pid}-${sequence}` };
}

async function paymentClient(a: PaymentArgs) {
  const tally: Tally = { storeCalls: {}, roundTrips: {} };
  const { command, productCode } = PAYMENT_PRODUCT;
  if (a.variant === 'axios') {
    const { post } = axiosClient(a.target);
    const pay = async () => {
      const { customerId } = nextPayment();
      const data = { password: a.target.credentials.password, product_code: productCode, customer_id: customerId };
      const body = await post('/api/v2/prepaid/payment', { command, data });
      const paid = businessData(body, '01');
      const state = (body as { response_code: string }).response_code === '00' ? 'success' : 'pending';
      return { state, transactionId: String(paid.transaction_id), amount: Number(paid.amount), price: Number(paid.price), raw: body };
    };
    return { pay, tally };
  }
  const { singapay } = await moduleClient(a.target, { paymentStore: counted(await paymentStore(a, tally), tally) });
  return { pay: () => singapay.pay({ command, productCode, ...nextPayment() }), tally };
}

async function app(a: { target: UpstreamTarget; kind: 'sample' | 'bare'; apiKey: string }) {
  // The sample logs a debug line per Singapay call by default: printing them would measure the terminal.
  Logger.overrideLogger(['error']);
  const { app: nest } = await keep('app', async () => {
    if (a.kind === 'sample') {
      const env = { environment: 'sandbox', baseUrl: a.target.baseUrl, ...a.target.credentials };
      for (const [name, value] of Object.entries(env)) process.env[SINGAPAY_ENV_VARS[name as keyof typeof env]] = value;
      process.env.SAMPLE_API_KEY = a.apiKey;
      // tsc leaves the sample's `@app/*` imports as written: resolve them as the Nest CLI build does.
      register('./alias-hooks.js', import.meta.url);
      const { createSampleApp } = await import('../apps/sample/src/sample-bootstrap.js');
      return createSampleApp(new Logger('Sample'), 0);
    }
    const upstream = axiosClient(a.target);
    @Controller('balance')
    class BareBalanceController {
      @Get()
      balance() {
        return upstream.calls.checkBalance();
      }
    }
    @Module({ controllers: [BareBalanceController] })
    class BareModule {}
    const bare = await NestFactory.create(BareModule, { abortOnError: false });
    // The sample app's global pipes, so the two differ only in how they call upstream.
    bare.useGlobalPipes(new SingapayInputShapePipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    return { app: bare };
  });
  await nest.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(nest.getHttpServer().address() as AddressInfo).port}`;
}

// Section 7: a merchant's records, due ones pending for an hour (the simulator answers their lookups "not found").
const customerOf = (i: number) => `0899${String(i % 100_000).padStart(8, '0')}`;
const transactionOf = (i: number) => `01JD${String(i).padStart(22, '0')}`;
function record(key: string, at: number, fields: Partial<SingapayPaymentRecord>): SingapayPaymentRecord {
  const common = { requestHash: 'b'.repeat(64), command: 'pulsa', productCode: 'SPTLKMAS10', customerId: '089900000000' } as const;
  const times = { createdAt: at, sentAt: at, updatedAt: at, settledAt: at };
  return { key, ...common, state: 'success', responseCode: '00', sendCount: 1, lookups: 0, ...times, version: 1, ...fields };
}

type Records = { transactionIds: string[]; customerIds: string[]; createdAt: number[] };
async function report(a: UpstreamTarget & { date: string; records: Records }) {
  const store = new SingapayInMemoryPaymentStore();
  const { transactionIds, customerIds, createdAt } = a.records;
  for (let i = 0; i < transactionIds.length; i++) {
    const transactionId = transactionIds[i];
    const outcome = { transactionId, amount: 10_000, price: 11_000 };
    await store.create(record(`order-${i}`, createdAt[i], { customerId: customerIds[i], transactionId, outcome }));
  }
  global.gc?.();
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 1048576);
  const client = await moduleClient(a, { paymentStore: store });
  const started = performance.now();
  const { complete, singapay: read, summary } = await client.singapay.reconcileDay(a.date);
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  await client.close();
  const [{ pagesRead, transactionsRead }, { rows, matched }] = [read, summary];
  return { seconds, complete, pagesRead, transactionsRead, rows, matched, rssBeforeMb, peakRssMb };
}

export type SweepStore = 'memory' | 'redis' | 'postgres';
type Make = (i: number) => SingapayPaymentRecord;
/** Fills a store with `count` records made by `make`, `batch` at a time. */
const filler = (batch: number, create: (r: SingapayPaymentRecord) => Promise<unknown>) => async (count: number, make: Make) => {
  for (let from = 0; from < count; from += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - from) }, (_, i) => create(make(from + i))));
  }
};

/** Its connection closes with this process, a fresh one per case. */
async function sweepStore(a: { store: SweepStore; url?: string; finalRecords: number }) {
  if (a.store === 'memory') {
    const store = new SingapayInMemoryPaymentStore();
    return { store, fill: filler(1, (r) => store.create(r)) };
  }
  if (a.store === 'redis') {
    const redis = new Redis(a.url!);
    await redis.flushdb();
    const store = new RedisPaymentStore(redis);
    // Through the store's own claim script, 1000 at a time (ioredis pipelines them).
    return { store, fill: filler(1000, (r) => store.create(r)) };
  }
  const pool = new (await import('pg')).default.Pool({ connectionString: a.url, max: 4 });
  await pool.query(`TRUNCATE ${SINGAPAY_POSTGRES_TABLE}`);
  const explaining = explainingPool(pool);
  const store = new PostgresPaymentStore(explaining.pool);
  const explain = async (at: number): Promise<PostgresPlan[]> => {
    const claim = record('explain-claim', at, { state: 'sending', settledAt: undefined, responseCode: undefined });
    const outcome = { ...claim, state: 'success', responseCode: '00', settledAt: at, version: 2 } as const;
    const steps: [string, () => Promise<unknown>][] = [
      ['listUnsettled (the sweep)', () => store.listUnsettled(100)],
      ["listUnsettledOf (a callback: one customer's open payments)", () => store.listUnsettledOf(customerOf(7), 100)],
      ["listCreatedBetween (a page of the day's records)", () => store.listCreatedBetween(at - 3_600_000, at + 1, 100)],
      ['get (a record by key)', () => store.get(`final-${Math.floor(a.finalRecords / 2)}`)],
      ['findByTransactionId', () => store.findByTransactionId(transactionOf(7))],
      ["create (a payment's claim)", () => store.create(claim)],
      ["replace (a payment's outcome)", () => store.replace(outcome, 1)],
    ];
    for (const [label, step] of steps) {
      explaining.label = label;
      await step();
    }
    explaining.label = undefined;
    return explaining.plans;
  };
  return { store, fill: (count: number, make: Make) => insertPaymentRows(pool, 'default', count, make), explain };
}

async function sweep(a: UpstreamTarget & { store: SweepStore; url?: string; finalRecords: number; dueRecords: number; explain: boolean }) {
  const stores = await sweepStore(a);
  const at = Date.now() - 3_600_000;
  const { finalRecords, dueRecords } = a;
  await stores.fill(finalRecords, (i) => record(`final-${i}`, at - (finalRecords - i), { customerId: customerOf(i) }));
  for (let i = 0; i < dueRecords; i++) {
    const due = { state: 'pending', responseCode: '01', transactionId: transactionOf(i), settledAt: undefined } as const;
    await stores.store.create(record(`due-${i}`, at, { ...due, customerId: customerOf(i) }));
  }
  // Without `withNamespace`, the module works on the records filled here.
  const own = new Proxy(stores.store, {
    get: (store, p) => {
      const value = p === 'withNamespace' ? undefined : (Reflect.get(store, p, store) as unknown);
      return typeof value === 'function' ? (value as () => unknown).bind(store) : value;
    },
  });
  const client = await moduleClient(a, { paymentStore: own });
  const started = performance.now();
  await client.singapay.sweepPayments();
  const msPerDueRecord = (performance.now() - started) / dueRecords;
  await client.close();
  const plans = a.explain ? await stores.explain?.(at) : undefined;
  return { store: a.store, finalRecords, dueRecords, msPerDueRecord, ...(plans ? { plans } : {}) };
}

async function throughput(a: Load & { variant: Variant; operation: Operation }) {
  const client = await keep(`${a.variant} ${a.target.baseUrl}`, async () => CLIENTS[a.variant](a.target));
  return drive(client.calls[a.operation], a.concurrency, a.durationMs);
}

async function payments(a: PaymentArgs) {
  const client = await keep(`pay ${a.variant}`, () => paymentClient(a));
  client.tally.storeCalls = {};
  client.tally.roundTrips = {};
  return { ...(await drive(client.pay, a.concurrency, a.durationMs)), tally: client.tally };
}

const roles = { throughput, payments, burst, rotation, memory, app, report, sweep };
/** What the worker answers to a request for `role`. */
export type Answer<Role extends keyof typeof roles> = Awaited<ReturnType<(typeof roles)[Role]>>;
serveIpc({ pid: process.pid }, roles);
