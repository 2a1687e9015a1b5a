// Section 6's clients, in the load-client process: a hand-written payment call with axios,
// and SingapayService.pay() on the in-memory, Redis and PostgreSQL stores, each store
// counting what the engine asks of it and the round trips its connection makes.
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { SingapayService } from '../libs/singapay/src/index.js';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord } from '../libs/singapay/src/stores/index.js';
import { PostgresPaymentStore } from '../libs/singapay/src/postgres/index.js';
import { RedisPaymentStore } from '../libs/singapay/src/redis/index.js';
import { openSingapayPostgresPool } from '../libs/singapay/src/postgres/postgres-connection.js';
import { createAxiosPoster, createModuleClient, type UpstreamTarget } from './bench-clients.js';
import { drive, type ThroughputResult } from './bench-drive.js';

export type PaymentVariant = 'axios' | 'module-memory' | 'module-redis' | 'module-postgres';
export const PAYMENT_VARIANTS: readonly PaymentVariant[] = ['axios', 'module-memory', 'module-redis', 'module-postgres'];

/** A direct airtime purchase: no inquiry, and Singapay answers `01` (pending), as the simulator does by default. */
export const PAYMENT_PRODUCT = { command: 'pulsa', productCode: 'SPTLKMAS10', answerCode: '01' } as const;
const PAYMENT_PATH = '/api/v2/prepaid/payment';

/**
 * What a store was asked and sent while payments ran: `storeCalls` are the engine's calls
 * (create, replace, get…), `roundTrips` the requests its connection made, by command
 * (Redis) or statement (PostgreSQL); the in-memory store makes none.
 */
export interface StoreTally {
  storeCalls: Record<string, number>;
  roundTrips: Record<string, number>;
}

class Tally {
  private counts: StoreTally = { storeCalls: {}, roundTrips: {} };
  call(name: string): void {
    this.counts.storeCalls[name] = (this.counts.storeCalls[name] ?? 0) + 1;
  }
  trip(name: string): void {
    this.counts.roundTrips[name] = (this.counts.roundTrips[name] ?? 0) + 1;
  }
  /** The counts since the last take. */
  take(): StoreTally {
    const counts = this.counts;
    this.counts = { storeCalls: {}, roundTrips: {} };
    return counts;
  }
}

// Counting subclasses: one increment per call and no extra await, so the store does what it always does.
class CountingMemoryStore extends SingapayInMemoryPaymentStore {
  constructor(private readonly tally: Tally) {
    super();
  }
  override create(record: SingapayPaymentRecord) {
    this.tally.call('create');
    return super.create(record);
  }
  override get(key: string) {
    this.tally.call('get');
    return super.get(key);
  }
  override replace(record: SingapayPaymentRecord, expectedVersion: number) {
    this.tally.call('replace');
    return super.replace(record, expectedVersion);
  }
}

class CountingRedisStore extends RedisPaymentStore {
  constructor(
    private readonly client: Redis,
    private readonly tally: Tally,
    namespace?: string,
  ) {
    super(client, {}, namespace);
  }
  override withNamespace(namespace: string): RedisPaymentStore {
    return new CountingRedisStore(this.client, this.tally, namespace);
  }
  override create(record: SingapayPaymentRecord) {
    this.tally.call('create');
    return super.create(record);
  }
  override get(key: string) {
    this.tally.call('get');
    return super.get(key);
  }
  override replace(record: SingapayPaymentRecord, expectedVersion: number) {
    this.tally.call('replace');
    return super.replace(record, expectedVersion);
  }
}

class CountingPostgresStore extends PostgresPaymentStore {
  constructor(
    private readonly sharedPool: Pool,
    private readonly tally: Tally,
    namespace?: string,
  ) {
    super(sharedPool, {}, namespace);
  }
  override withNamespace(namespace: string): PostgresPaymentStore {
    return new CountingPostgresStore(this.sharedPool, this.tally, namespace);
  }
  override create(record: SingapayPaymentRecord) {
    this.tally.call('create');
    return super.create(record);
  }
  override get(key: string) {
    this.tally.call('get');
    return super.get(key);
  }
  override replace(record: SingapayPaymentRecord, expectedVersion: number) {
    this.tally.call('replace');
    return super.replace(record, expectedVersion);
  }
}

/** The Redis client as the module opens it for `redisUrl` (fails fast, no offline queue), counting every command sent. */
async function countingRedis(url: string, tally: Tally): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (n) => Math.min(n * 200, 2_000) });
  redis.on('error', () => undefined);
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    tally.trip(command.name.toUpperCase());
    return send(command, stream);
  }) as typeof redis.sendCommand;
  return redis;
}

/** The pool the module opens for `databaseUrl`, counting every statement by its first word. */
async function countingPool(url: string, size: number, tally: Tally): Promise<Pool> {
  const pool = await openSingapayPostgresPool(url, { max: size });
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text ?? '?');
    tally.trip(/^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?');
    return query(...args);
  };
  return pool;
}

export interface PaymentArgs {
  target: UpstreamTarget;
  variant: PaymentVariant;
  concurrency: number;
  durationMs: number;
  redisUrl?: string;
  postgresUrl?: string;
  postgresPoolSize?: number;
}

export interface PaymentRunResult extends ThroughputResult {
  tally: StoreTally;
}

interface PaymentClient {
  pay(): Promise<unknown>;
  tally?: Tally;
  close(): Promise<void>;
}

// Fresh customer and key per payment, unique across the bench's processes: nothing is ever deduplicated.
const tag = String(process.pid % 100).padStart(2, '0');
let sequence = 0;
function nextPayment(): { customerId: string; idempotencyKey: string } {
  sequence++;
  return { customerId: `08${tag}${String(sequence).padStart(8, '0')}`, idempotencyKey: `bench-${process.pid}-${sequence}` };
}

/** A hand-written payment: the module's body and headers, code 00 or 01 checked, the receipt read. */
function createAxiosPayClient(target: UpstreamTarget): PaymentClient {
  const { post, close } = createAxiosPoster(target);
  const { command, productCode } = PAYMENT_PRODUCT;
  return {
    pay: async () => {
      const { customerId } = nextPayment();
      const body = await post(PAYMENT_PATH, {
        command,
        data: { password: target.credentials.password, product_code: productCode, customer_id: customerId },
      });
      const envelope = body as { response_code?: unknown; data?: Record<string, unknown> };
      if ((envelope?.response_code !== '00' && envelope?.response_code !== '01') || typeof envelope.data !== 'object') {
        throw new Error(`unexpected answer ${JSON.stringify(body).slice(0, 200)}`);
      }
      const data = envelope.data;
      return {
        state: envelope.response_code === '00' ? 'success' : 'pending',
        transactionId: String(data.transaction_id),
        amount: Number(data.amount),
        price: Number(data.price),
        raw: body,
      };
    },
    close,
  };
}

async function createModulePayClient(args: PaymentArgs): Promise<PaymentClient> {
  const tally = new Tally();
  let paymentStore: SingapayInMemoryPaymentStore | RedisPaymentStore | PostgresPaymentStore;
  let closeStore = async () => {};
  if (args.variant === 'module-redis') {
    if (!args.redisUrl) throw new Error('module-redis needs redisUrl');
    const redis = await countingRedis(args.redisUrl, tally);
    paymentStore = new CountingRedisStore(redis, tally);
    closeStore = async () => void (await redis.quit().catch(() => redis.disconnect()));
  } else if (args.variant === 'module-postgres') {
    if (!args.postgresUrl) throw new Error('module-postgres needs postgresUrl');
    const pool = await countingPool(args.postgresUrl, args.postgresPoolSize ?? 10, tally);
    paymentStore = new CountingPostgresStore(pool, tally);
    closeStore = () => pool.end();
  } else {
    paymentStore = new CountingMemoryStore(tally);
  }
  const client = await createModuleClient(args.target, { paymentStore });
  const singapay = client.app.get(SingapayService);
  const { command, productCode } = PAYMENT_PRODUCT;
  return {
    pay: () => singapay.pay({ command, productCode, ...nextPayment() }),
    tally,
    close: async () => {
      await client.close();
      await closeStore();
    },
  };
}

// One long-lived client per variant, as an app keeps one.
const clients = new Map<PaymentVariant, Promise<PaymentClient>>();

export async function paymentThroughput(args: PaymentArgs): Promise<PaymentRunResult> {
  let client = clients.get(args.variant);
  if (!client) {
    client = args.variant === 'axios' ? Promise.resolve(createAxiosPayClient(args.target)) : createModulePayClient(args);
    clients.set(args.variant, client);
  }
  const c = await client;
  c.tally?.take();
  const result = await drive(c.pay, args.concurrency, args.durationMs);
  return { ...result, tally: c.tally?.take() ?? { storeCalls: {}, roundTrips: {} } };
}

export async function closePaymentClients(): Promise<void> {
  await Promise.all([...clients.values()].map(async (client) => (await client).close()));
}
