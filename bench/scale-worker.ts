// The process under measurement in section 7 (scale): the module with an in-memory payment store
// holding a merchant's records, asked for the daily report of a busy day, or for one sweep over
// due records among many final ones. Its peak memory is its own, apart from the simulator's.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingapayModule, SingapayService } from '../libs/singapay/src/index.js';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord, type SingapayPaymentStore } from '../libs/singapay/src/stores/index.js';
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

export interface ScaleSweepResult {
  finalRecords: number;
  dueRecords: number;
  msPerDueRecord: number;
}

const mb = (bytes: number) => Math.round(bytes / 1048576);

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

    async sweep(args: { baseUrl: string; credentials: Credentials; finalRecords: number; dueRecords: number }): Promise<ScaleSweepResult> {
      const store = new SingapayInMemoryPaymentStore();
      const at = Date.now() - 3_600_000;
      for (let i = 0; i < args.finalRecords; i++) await store.create(record(`final-${i}`, at, {}));
      // Pending for an hour: due for a lookup, which the simulator answers "not found" (these ids were never paid).
      for (let i = 0; i < args.dueRecords; i++) {
        await store.create(
          record(`due-${i}`, at, {
            state: 'pending',
            responseCode: '01',
            transactionId: `01JD${String(i).padStart(22, '0')}`,
            settledAt: undefined,
          }),
        );
      }
      return withModule(args.baseUrl, args.credentials, store, async (singapay) => {
        const started = performance.now();
        await singapay.sweepPayments();
        return {
          finalRecords: args.finalRecords,
          dueRecords: args.dueRecords,
          msPerDueRecord: (performance.now() - started) / args.dueRecords,
        };
      });
    },
  },
);
