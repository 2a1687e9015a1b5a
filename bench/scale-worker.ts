// The process under measurement in section 7 (scale): the module with an in-memory payment store
// holding a merchant's records, asked for the daily report of a busy day, or for one sweep over
// due records among many final ones. Its peak memory is its own, apart from the simulator's.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingapayModule, SingapayService } from '../libs/singapay/src/index.js';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord, type SingapayPaymentStore } from '../libs/singapay/src/stores/index.js';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PostgresPaymentStore } from '../libs/singapay/src/postgres/index.js';
import { SINGAPAY_POSTGRES_TABLE } from '../libs/singapay/src/postgres/postgres-schema.js';
import { RedisPaymentStore } from '../libs/singapay/src/redis/index.js';
import { explainingPool, insertPaymentRows, type PostgresPlan } from '../test/support/postgres-plans.js';
import { serveIpc } from './bench-ipc.js';

interface Credentials {
  apiKey: string;
  clientId: string;
  clientSecret: string;
  password: string;
}

/** What the records of a day are made of: the transactions they hold, as the simulator listed them. */
export interface ScaleRecords {
  transactionIds: string[];
  customerIds: string[];
  createdAt: number[];
}

export interface ScaleReportResult {
  seconds: number;
  complete: boolean;
  pagesRead: number;
  transactionsRead: number;
  rows: number;
  matched: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

export type ScaleSweepStore = 'memory' | 'redis' | 'postgres';

export interface ScaleSweepResult {
  store: ScaleSweepStore;
  finalRecords: number;
  dueRecords: number;
  msPerDueRecord: number;
  /** PostgreSQL only, when asked: the plan of each statement the store ran, with the table at `finalRecords` rows. */
  plans?: PostgresPlan[];
}

interface SweepArgs {
  baseUrl: string;
  credentials: Credentials;
  store: ScaleSweepStore;
  /** The Redis or PostgreSQL (database) URL of that store. */
  url?: string;
  finalRecords: number;
  dueRecords: number;
  explain?: boolean;
}

interface SweepStore {
  store: SingapayPaymentStore;
  fill(count: number, make: (i: number) => SingapayPaymentRecord): Promise<void>;
  explain?(at: number, finalRecords: number): Promise<PostgresPlan[]>;
  close(): Promise<void>;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);
const customerOf = (i: number) => `0899${String(i % 100_000).padStart(8, '0')}`;

function record(key: string, at: number, fields: Partial<SingapayPaymentRecord>): SingapayPaymentRecord {
  return {
    key,
    requestHash: 'b'.repeat(64),
    command: 'pulsa',
    productCode: 'SPTLKMAS10',
    customerId: '089900000000',
    state: 'success',
    responseCode: '00',
    sendCount: 1,
    lookups: 0,
    createdAt: at,
    sentAt: at,
    updatedAt: at,
    settledAt: at,
    version: 1,
    ...fields,
  };
}

async function withModule<T>(
  baseUrl: string,
  credentials: Credentials,
  store: SingapayPaymentStore,
  work: (s: SingapayService) => Promise<T>,
): Promise<T> {
  @Module({ imports: [SingapayModule.forRoot({ environment: 'sandbox', baseUrl, ...credentials, paymentStore: store })] })
  class ScaleModule {}
  const app = await NestFactory.createApplicationContext(ScaleModule, { logger: ['error'], abortOnError: false });
  try {
    return await work(app.get(SingapayService));
  } finally {
    await app.close();
  }
}

/** The store as the module's own: without `withNamespace`, the module works on the records filled here. */
function unnamespaced(store: SingapayPaymentStore): SingapayPaymentStore {
  return new Proxy(store, {
    get: (target, p) => {
      if (p === 'withNamespace') return undefined;
      const value = Reflect.get(target, p, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function sweepStore(args: SweepArgs): Promise<SweepStore> {
  if (args.store === 'memory') {
    const store = new SingapayInMemoryPaymentStore();
    return {
      store,
      fill: async (count, make) => {
        for (let i = 0; i < count; i++) await store.create(make(i));
      },
      close: async () => {},
    };
  }
  if (args.store === 'redis') {
    const redis = new Redis(args.url!);
    await redis.flushdb();
    const store = new RedisPaymentStore(redis);
    return {
      store,
      // Through the store's own claim script, many at a time (ioredis pipelines them).
      fill: async (count, make) => {
        for (let from = 0; from < count; from += 1000) {
          await Promise.all(Array.from({ length: Math.min(1000, count - from) }, (_, i) => store.create(make(from + i))));
        }
      },
      close: async () => {
        await redis.flushdb();
        redis.disconnect();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: args.url, max: 4 });
  await pool.query(`TRUNCATE ${SINGAPAY_POSTGRES_TABLE}`);
  const explaining = explainingPool(pool);
  const store = new PostgresPaymentStore(explaining.pool);
  return {
    store,
    fill: (count, make) => insertPaymentRows(pool, 'default', count, make),
    // Each read the module makes of this store, with its plan: the sweep's list, a callback's list of one customer's open
    // payments, a day's records for the report, a record by key and by transaction; and the two writes of a payment.
    explain: async (at, finalRecords) => {
      const claim = record('explain-claim', at, { state: 'sending', settledAt: undefined, responseCode: undefined });
      const steps: [string, () => Promise<unknown>][] = [
        ['listUnsettled (the sweep)', () => store.listUnsettled(100)],
        ["listUnsettledOf (a callback: one customer's open payments)", () => store.listUnsettledOf(customerOf(7), 100)],
        ["listCreatedBetween (a page of the day's records)", () => store.listCreatedBetween(at - 3_600_000, at + 1, 100)],
        ['get (a record by key)', () => store.get(`final-${Math.floor(finalRecords / 2)}`)],
        ['findByTransactionId', () => store.findByTransactionId(`01JD${String(7).padStart(22, '0')}`)],
        ["create (a payment's claim)", () => store.create(claim)],
        [
          "replace (a payment's outcome)",
          () => store.replace({ ...claim, state: 'success', responseCode: '00', settledAt: at, version: 2 }, 1),
        ],
      ];
      for (const [label, step] of steps) {
        explaining.label = label;
        await step();
      }
      explaining.label = undefined;
      return explaining.plans;
    },
    close: async () => {
      await pool.query(`TRUNCATE ${SINGAPAY_POSTGRES_TABLE}`);
      await pool.end();
    },
  };
}

serveIpc(
  {},
  {
    async report(args: { baseUrl: string; credentials: Credentials; date: string; records: ScaleRecords }): Promise<ScaleReportResult> {
      const store = new SingapayInMemoryPaymentStore();
      const { transactionIds, customerIds, createdAt } = args.records;
      for (let i = 0; i < transactionIds.length; i++) {
        const transactionId = transactionIds[i]!;
        await store.create(
          record(`order-${i}`, createdAt[i]!, {
            customerId: customerIds[i]!,
            transactionId,
            outcome: { transactionId, amount: 10_000, price: 11_000 },
          }),
        );
      }
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      return withModule(args.baseUrl, args.credentials, store, async (singapay) => {
        const started = performance.now();
        const report = await singapay.reconcileDay(args.date);
        const seconds = (performance.now() - started) / 1000;
        return {
          seconds,
          complete: report.complete,
          pagesRead: report.singapay.pagesRead,
          transactionsRead: report.singapay.transactionsRead,
          rows: report.summary.rows,
          matched: report.summary.matched,
          rssBeforeMb: mb(rssBefore),
          peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        };
      });
    },

    async sweep(args: SweepArgs): Promise<ScaleSweepResult> {
      const stores = await sweepStore(args);
      const at = Date.now() - 3_600_000;
      try {
        await stores.fill(args.finalRecords, (i) => record(`final-${i}`, at - (args.finalRecords - i), { customerId: customerOf(i) }));
        // Pending for an hour: due for a lookup, which the simulator answers "not found" (these ids were never paid).
        for (let i = 0; i < args.dueRecords; i++) {
          await stores.store.create(
            record(`due-${i}`, at, {
              customerId: customerOf(i),
              state: 'pending',
              responseCode: '01',
              transactionId: `01JD${String(i).padStart(22, '0')}`,
              settledAt: undefined,
            }),
          );
        }
        const msPerDueRecord = await withModule(args.baseUrl, args.credentials, unnamespaced(stores.store), async (singapay) => {
          const started = performance.now();
          await singapay.sweepPayments();
          return (performance.now() - started) / args.dueRecords;
        });
        const plans = args.explain ? await stores.explain?.(at, args.finalRecords) : undefined;
        return {
          store: args.store,
          finalRecords: args.finalRecords,
          dueRecords: args.dueRecords,
          msPerDueRecord,
          ...(plans ? { plans } : {}),
        };
      } finally {
        await stores.close();
      }
    },
  },
);
