/**
 * The daily reconciliation over real HTTP against the simulator: a day of mixed outcomes
 * (test/support/reconciliation-day.ts) in which each planted mismatch must be found, with
 * lists of several pages, with and without pagination, a pair across midnight, and a list
 * that fails on one page (the report says it is incomplete and calls nothing missing).
 * Read-only: no payment or inquiry reaches Singapay and no record changes.
 */
import { BadRequestException, NotImplementedException } from '@nestjs/common';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord, type SingapayPaymentStore } from '@app/singapay/stores/index.js';
import {
  formatSingapayReconciliation,
  type SingapayReconciliationReport,
  type SingapayReconciliationRow,
} from '@app/singapay/reconciliation/index.js';
import type { SingapaySimulator } from '@app/singapay-simulator';
import { createSingapay } from '../support/singapay-testing.js';
import { DAY, DAY_AFTER, DAY_BEFORE, DAY_START, PLANTED, plantDay, type PlantedDay } from '../support/reconciliation-day.js';

const LIST = '/api/v1/list-bill-transaction';
const DETAIL = '/api/v1/detail-bill-transaction';
const TOKEN = '/api/v1.0/access-token/b2b';

const byKey = (report: SingapayReconciliationReport, key: string): SingapayReconciliationRow => {
  const row = report.rows.find((r) => r.local?.idempotencyKey === key);
  if (!row)
    throw new Error(`no row for ${key}: ${report.rows.map((r) => r.local?.idempotencyKey ?? r.singapay?.transactionId).join(', ')}`);
  return row;
};

/** Every record of three days around DAY, to show the report wrote nothing. */
async function snapshot(store: SingapayPaymentStore): Promise<SingapayPaymentRecord[]> {
  return store.listCreatedBetween!(DAY_START - 2 * 86_400_000, DAY_START + 3 * 86_400_000, 1000);
}

/** Runs the report and checks it only listed and looked up: no payment, no inquiry, no money, no record changed. */
async function readOnly(
  day: PlantedDay,
  date: string,
  run = () => day.ctx.service.reconcileDay(date),
): Promise<SingapayReconciliationReport> {
  const before = { stats: day.sim.stats(), ledger: day.sim.ledger(), records: await snapshot(day.store) };
  const report = await run();
  const after = day.sim.stats();
  const called = Object.keys(after.requests).filter((path) => after.requests[path] !== before.stats.requests[path]);
  expect(
    called.every((path) => [LIST, DETAIL, TOKEN].includes(path)),
    `paths called: ${called.join(', ')}`,
  ).toBe(true);
  expect(after.paymentsReceived).toBe(before.stats.paymentsReceived);
  expect(after.balance).toBe(before.stats.balance);
  expect(day.sim.ledger()).toEqual(before.ledger);
  expect(await snapshot(day.store)).toEqual(before.records);
  return report;
}

/** What the simulator's ledger says the report's Singapay totals must be: the day's transactions, moved by the pairs across midnight. */
function expectedSingapayTotals(sim: SingapaySimulator, day: PlantedDay) {
  const inDay = (ms: number) => ms >= DAY_START && ms < DAY_START + 86_400_000;
  const txs = sim
    .transactions()
    .filter(
      (tx) =>
        (inDay(tx.createdAt) && tx.transactionId !== day.transactions[PLANTED.beforeMidnight]) ||
        tx.transactionId === day.transactions['near-midnight'],
    );
  const sum = (list: typeof txs) => ({
    count: list.length,
    netPrice: list.reduce((n, tx) => n + tx.netPrice, 0),
    price: list.reduce((n, tx) => n + tx.price, 0),
  });
  // The money that moved: refunded and failed transactions kept nothing.
  return {
    moved: sum(txs.filter((tx) => tx.status === 'success' || tx.status === 'pending')),
    refunded: sum(txs.filter((tx) => tx.status === 'refunded')),
  };
}

function expectPlantedFound(report: SingapayReconciliationReport, day: PlantedDay): void {
  for (const key of PLANTED.matched) expect({ key, category: byKey(report, key).category }).toEqual({ key, category: 'matched' });

  const amount = byKey(report, PLANTED.amountDiffers);
  expect(amount).toMatchObject({ category: 'amount_differs', needsAttention: true, pairedBy: 'transaction_id' });
  expect(amount.differences).toEqual([{ field: 'price', local: amount.singapay!.price + 1000, singapay: amount.singapay!.price }]);

  expect(byKey(report, PLANTED.stateDiffers)).toMatchObject({
    category: 'state_differs',
    needsAttention: true,
    local: { state: 'pending' },
    singapay: { status: 'refunded' },
    differences: [{ field: 'state', local: 'pending', singapay: 'refunded' }],
  });
  const lost = byKey(report, PLANTED.lostWithReference);
  expect(lost).toMatchObject({
    category: 'state_differs',
    pairedBy: 'reference_number',
    local: { state: 'unknown' },
    singapay: { status: 'success' },
  });
  expect(lost.note).toMatch(/answer was lost/);

  expect(byKey(report, PLANTED.unknownNeverArrived)).toMatchObject({
    category: 'local_only',
    needsAttention: true,
    local: { state: 'unknown' },
  });
  expect(byKey(report, PLANTED.rejected)).toMatchObject({
    category: 'local_only',
    needsAttention: false,
    local: { state: 'failed', failureReason: 'rejected' },
  });
  expect(byKey(report, PLANTED.ghost)).toMatchObject({ category: 'local_only', needsAttention: true, local: { state: 'success' } });

  const outside = report.rows.filter((r) => r.category === 'singapay_only');
  expect(outside.map((r) => r.singapay!.transactionId)).toEqual([day.transactions.outside]);
  expect(outside[0]).toMatchObject({ needsAttention: true, singapay: { customerId: PLANTED.outsideCustomer, status: 'success' } });

  const midnight = byKey(report, 'near-midnight');
  expect(midnight).toMatchObject({ category: 'matched', crossesMidnight: true, needsAttention: false });
  expect(midnight.local!.createdAt).toMatch(/^2025-06-10T23:59:59(\.\d{3})?\+07:00$/);
  expect(midnight.singapay!.createdAt).toMatch(/^2025-06-11T00:00:0[12](\.\d{3})?\+07:00$/);
  // The record of the day before and its transaction of this day are that day's pair, not two mismatches here.
  expect(report.rows.some((r) => r.local?.idempotencyKey === PLANTED.beforeMidnight)).toBe(false);
  expect(report.rows.some((r) => r.singapay?.transactionId === day.transactions[PLANTED.beforeMidnight])).toBe(false);

  expect(report.summary).toEqual({
    rows: 11,
    matched: 4,
    singapayOnly: 1,
    localOnly: 3,
    stateDiffers: 2,
    amountDiffers: 1,
    unverified: 0,
    needsAttention: 6,
  });
  const expected = expectedSingapayTotals(day.sim, day);
  expect(report.totals.singapay.all).toEqual({ productCode: '*', status: '*', ...expected.moved });
  expect(report.totals.singapay.refunded).toEqual({ productCode: '*', status: 'refunded', ...expected.refunded });
  expect(expected.refunded.count).toBeGreaterThan(0);
  expect(report.totals.local.all.count).toBe(
    report.rows.filter((r) => r.local?.state === 'success' || r.local?.state === 'pending').length,
  );
}

const LIST_SHAPES = [
  ['with pagination, 4 rows a page', { listPagination: true, listPageSize: 4 }],
  ['without pagination (the legacy list), 3 rows a page', { listPagination: false, listPageSize: 3 }],
  // The documented detail row's id is six days older than its created_at: a row is dated by its created_at.
  [
    'with ids minted six days before their transactions, 4 rows a page',
    { listPagination: true, listPageSize: 4, transactionIdTime: 'daysBefore' },
  ],
  // net_price is undocumented: the merchant's cost below the customer's price, which the deposit is charged.
  ['with net prices below prices, 4 rows a page', { listPagination: true, listPageSize: 4, netPrice: 'belowPrice' }],
] as const;

// The zone of the days start_date and end_date name is undocumented: each shape under both.
describe.each(
  LIST_SHAPES.flatMap(([name, shape]) =>
    (['WIB', 'UTC'] as const).map((listDayZone) => [`${name}, list days in ${listDayZone}`, { ...shape, listDayZone }] as const),
  ),
)('reconcileDay %s', (_name, variants) => {
  let day: PlantedDay;
  // Cut in UTC, the list's last date also holds the transaction one second after WIB midnight (17:00:01 UTC):
  // it is read in the list instead of looked up by its id.
  const listed = variants.listDayZone === 'UTC' ? 9 : 8;
  const pages = Math.ceil(listed / variants.listPageSize);
  beforeAll(async () => {
    day = await plantDay(variants);
  }, 60_000);
  afterAll(() => day?.close());

  it('finds each planted mismatch, reading every page, and changes nothing anywhere', async () => {
    const listCalls = day.sim.stats().requests[LIST] ?? 0;
    const report = await readOnly(day, DAY);
    expect(report.complete).toBe(true);
    expect(report.warnings).toEqual([
      '1 transaction(s) of this day belong to records of the day before or after (near midnight): reported there.',
    ]);
    expect(report.singapay).toMatchObject({
      complete: true,
      startDate: DAY_BEFORE,
      endDate: DAY,
      transactionsRead: listed,
      // One transaction a record holds is dated the day after (in WIB days): asked for by its id.
      detailLookups: 10 - listed,
    });
    // Eight (nine) transactions over the two dates the WIB day can fall on: pages of 4 (3), and the empty page that ends a list without pagination.
    expect(report.singapay.pagesRead).toBe(variants.listPagination ? pages : pages + 1);
    expect((day.sim.stats().requests[LIST] ?? 0) - listCalls).toBe(report.singapay.pagesRead);
    expect(report).toMatchObject({ date: DAY, from: '2025-06-10T00:00:00.000+07:00', to: '2025-06-11T00:00:00.000+07:00' });
    expectPlantedFound(report, day);
    // Singapay's net price is what the deposit was charged: summed as it is listed, never taken for the price.
    const { all } = report.totals.singapay;
    if ('netPrice' in variants) expect(all.netPrice).toBeLessThan(all.price);
    else expect(all.netPrice).toBe(all.price);
    const times = report.rows.map((r) => Date.parse(r.local?.createdAt ?? r.singapay!.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('reports a pair across midnight under the day of its record, once', async () => {
    const before = await readOnly(day, DAY_BEFORE);
    expect(before.rows).toHaveLength(1);
    expect(before.rows[0]).toMatchObject({
      category: 'matched',
      crossesMidnight: true,
      local: { idempotencyKey: PLANTED.beforeMidnight },
      singapay: { transactionId: day.transactions[PLANTED.beforeMidnight] },
    });
    expect(before.complete).toBe(true);
    const after = await readOnly(day, DAY_AFTER);
    expect(after.rows).toEqual([]);
    expect(after.warnings).toContain(
      '1 transaction(s) of this day belong to records of the day before or after (near midnight): reported there.',
    );
  });

  it('says loudly that a list with a failed page is incomplete, and calls nothing missing', async () => {
    const fault = day.sim.faults.add({ endpoint: 'list', match: { page: '2' }, fault: { kind: 'html', status: 502 } });
    try {
      const report = await readOnly(day, DAY);
      expect(report.complete).toBe(false);
      // With pagination every page is still tried; without it, the failed page ends the list.
      expect(report.singapay).toMatchObject({ complete: false, incomplete: 'page_failed', pagesRead: variants.listPagination ? pages : 2 });
      expect(report.singapay.failure).toMatch(/malformed_response|502/);
      expect(report.warnings[0]).toMatch(/^INCOMPLETE: Singapay's list was not read in full: page 2 failed/);
      // Records Singapay may have on an unread page are unverified, never local_only.
      expect(byKey(report, PLANTED.unknownNeverArrived)).toMatchObject({ category: 'unverified', needsAttention: true });
      expect(byKey(report, PLANTED.rejected)).toMatchObject({ category: 'unverified', needsAttention: false });
      for (const row of report.rows.filter((r) => r.category === 'local_only')) {
        // What is still local_only was looked up by its transaction id and Singapay does not know it.
        expect(row.local!.transactionId).toBeDefined();
        expect(day.sim.transaction(row.local!.transactionId!)).toBeUndefined();
      }
      // A record whose transaction is on the unread page is found by a detail lookup instead.
      expect(report.rows.filter((r) => r.foundIn === 'detail').length).toBeGreaterThan(0);
      const table = formatSingapayReconciliation(report, 'table');
      expect(table.split('\n')[1]).toMatch(/^! INCOMPLETE: /);
      expect(table).toMatch(/^INCOMPLETE: 11 rows/m);
    } finally {
      day.sim.faults.remove(fault);
    }
  });
});

describe('reconcileDay input and stores', () => {
  it('refuses a date that is not a calendar day with a 400 naming date, sending nothing', async () => {
    const day = await plantDay({});
    try {
      const before = day.sim.stats().requests;
      for (const date of ['2025-02-30', '10-06-2025', '2025-6-1', '', 20250610 as unknown as string, undefined as unknown as string]) {
        const error = await day.ctx.service.reconcileDay(date).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BadRequestException);
        expect(((error as BadRequestException).getResponse() as { message: string[] }).message[0]).toMatch(
          /^date must be a calendar day as YYYY-MM-DD/,
        );
      }
      const error = await day.ctx.service.reconcileDay(DAY, { timeoutMs: -1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadRequestException);
      expect(day.sim.stats().requests).toEqual(before);
    } finally {
      await day.close();
    }
  }, 60_000);

  it('still pairs a record the listing by creation misses (a Redis record written before its index), through its transaction id', async () => {
    const day = await plantDay({});
    const store = day.store;
    const hiding: SingapayPaymentStore = {
      create: (r) => store.create(r),
      get: (k) => store.get(k),
      replace: (r, v) => store.replace(r, v),
      findByTransactionId: (t) => store.findByTransactionId(t),
      listUnsettled: (l, a) => store.listUnsettled(l, a),
      listCreatedBetween: async (...args) => (await store.listCreatedBetween!(...args)).filter((r) => r.key !== 'pulsa-1'),
    };
    const ctx = await createSingapay({ baseUrl: day.sim.baseUrl, ...day.sim.credentials, paymentStore: hiding });
    try {
      const report = await ctx.service.reconcileDay(DAY);
      expect(byKey(report, 'pulsa-1')).toMatchObject({ category: 'matched', pairedBy: 'transaction_id', foundIn: 'list' });
      expect(report.summary).toMatchObject({ rows: 11, singapayOnly: 1 });
    } finally {
      await ctx.close();
      await day.close();
    }
  }, 60_000);

  it('stops reading records, and says they are incomplete, when a store answers the same full page whatever the cursor', async () => {
    const day = await plantDay({});
    const store = day.store;
    const planted = (await store.get('pulsa-1'))!;
    // Failed before anything was sent: records that make no transaction, so nothing is looked up for them.
    const stuck = Array.from({ length: 500 }, (_, i): SingapayPaymentRecord => ({
      ...planted,
      key: `stuck-${i}`,
      state: 'failed',
      transactionId: undefined,
      outcome: undefined,
      failure: { reason: 'not_sent', code: null, type: 'not_sent', httpStatus: 503, message: 'never sent' },
    }));
    let pagesAsked = 0;
    const ignoresCursor: SingapayPaymentStore = {
      create: (r) => store.create(r),
      get: (k) => store.get(k),
      replace: (r, v) => store.replace(r, v),
      findByTransactionId: (t) => store.findByTransactionId(t),
      listUnsettled: (l, a) => store.listUnsettled(l, a),
      listCreatedBetween: async () => (pagesAsked++, stuck),
    };
    const ctx = await createSingapay({ baseUrl: day.sim.baseUrl, ...day.sim.credentials, paymentStore: ignoresCursor });
    try {
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.local).toMatchObject({ complete: false, incomplete: 'page_repeated' });
      expect(report.warnings[0]).toMatch(/^INCOMPLETE: the payment store answered a full page of records already read/);
      expect(report.complete).toBe(false);
      expect(pagesAsked).toBe(2);
    } finally {
      await ctx.close();
      await day.close();
    }
  }, 60_000);

  it('says clearly that a store without listCreatedBetween cannot be reconciled, before any request', async () => {
    const memory = new SingapayInMemoryPaymentStore();
    const { listCreatedBetween: _omitted, ...bare } = {
      create: memory.create.bind(memory),
      get: memory.get.bind(memory),
      replace: memory.replace.bind(memory),
      findByTransactionId: memory.findByTransactionId.bind(memory),
      listUnsettled: memory.listUnsettled.bind(memory),
      listCreatedBetween: memory.listCreatedBetween.bind(memory),
    };
    const day = await plantDay({});
    const ctx = await createSingapay({ baseUrl: day.sim.baseUrl, ...day.sim.credentials, paymentStore: bare });
    try {
      const before = day.sim.stats().requests;
      const error = await ctx.service.reconcileDay(DAY).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotImplementedException);
      expect((error as Error).message).toMatch(/needs a payment store that lists records by creation \(listCreatedBetween\)/);
      expect(day.sim.stats().requests).toEqual(before);
    } finally {
      await ctx.close();
      await day.close();
    }
  }, 60_000);
});
