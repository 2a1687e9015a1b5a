/**
 * The daily reconciliation at a busy merchant's volume, over real HTTP against the simulator:
 * a day of tens of thousands of transactions (more pages than the old fixed limit of 2,000),
 * read several pages at a time, complete; the page size Singapay may or may not honour, in each
 * of the simulator's readings of the undocumented `per_page`; a failed page asked again before
 * the report gives up on it; and a payment lost just before midnight whose transaction Singapay
 * dates the next day, which the two-date window must still find.
 */
import { BadRequestException } from '@nestjs/common';
import { SingapayInMemoryPaymentStore } from '@app/singapay/stores/index.js';
import { SingapaySimulator, type SingapaySimulatorVariants } from '@app/singapay-simulator';
import { createSingapayWithClock, ManualClock, registerSimulatorSecrets } from '../support/adversarial-testing.js';
import { json, ScriptedServer, tokenAnswer } from '../support/scripted-server.js';
import type { SingapayTestContext } from '../support/singapay-testing.js';

const LIST = '/api/v1/list-bill-transaction';
const HOUR = 3600_000;
const DAY = '2025-06-10';
/** 00:00 WIB of DAY. */
const DAY_START = Date.UTC(2025, 5, 10) - 7 * HOUR;

/** A simulator and a module on one clock at 10:00 WIB the day after DAY; `skew` puts Singapay's clock ahead. */
async function start(
  variants: SingapaySimulatorVariants = {},
  skew: () => number = () => 0,
): Promise<{ sim: SingapaySimulator; ctx: SingapayTestContext; clock: ManualClock }> {
  const clock = new ManualClock();
  clock.advance(DAY_START + 34 * HOUR - clock.now());
  const sim = await SingapaySimulator.start({ variants, now: () => clock.now() + skew() });
  registerSimulatorSecrets(sim);
  const ctx = await createSingapayWithClock(
    {
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      retry: { baseDelayMs: 1 },
      timeoutMs: 5_000,
      paymentStore: new SingapayInMemoryPaymentStore(),
    },
    clock,
  );
  return { sim, ctx, clock };
}

describe('reconcileDay at volume', () => {
  it('reads a day of 24,000 transactions (2,400+ pages of 10) in full, several pages at a time', async () => {
    const { sim, ctx } = await start();
    try {
      // The day itself and the evening before (which the list's two dates also cover), as busy.
      sim.seedTransactions({ count: 3_000, fromMs: DAY_START - 7 * HOUR, toMs: DAY_START });
      const ours = sim.seedTransactions({ count: 24_000, fromMs: DAY_START, toMs: DAY_START + 24 * HOUR });
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.complete).toBe(true);
      expect(report.warnings).toEqual([]);
      // Singapay lists by date: the two dates hold the 24,000 of the day and the 3,000 of the evening before.
      const listed = 27_000;
      expect(report.singapay).toMatchObject({ complete: true, transactionsRead: listed, pagesRead: Math.ceil(listed / 10) });
      expect(report.singapay.pagesRead).toBeGreaterThan(2_000);
      expect(sim.stats().requests[LIST]).toBe(report.singapay.pagesRead);
      // No records: every transaction of the day is Singapay's alone, and the money adds up.
      expect(report.summary).toMatchObject({ rows: ours.length, singapayOnly: ours.length });
      expect(new Set(report.rows.map((r) => r.singapay?.transactionId))).toEqual(new Set(ours));
      expect(report.totals.singapay.all).toMatchObject({ count: ours.length, price: ours.length * 11_000 });
    } finally {
      await ctx.close();
      await sim.stop();
    }
  }, 120_000);

  it.each([
    ['honoured', 3],
    ['ignored', 21],
    ['refused', 21],
  ] as const)('asks for pages of 100 rows; a list that %s it is read in full all the same', async (listPerPage, pages) => {
    const { sim, ctx } = await start({ listPerPage });
    try {
      sim.seedTransactions({ count: 205, fromMs: DAY_START, toMs: DAY_START + 24 * HOUR });
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.complete).toBe(true);
      expect(report.singapay).toMatchObject({ transactionsRead: 205, pagesRead: pages });
      // A refusal is learnt once: the refused first page is asked again without the field, and no later page carries it.
      expect(sim.stats().requests[LIST]).toBe(listPerPage === 'refused' ? pages + 1 : pages);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });

  it('refuses limits that are not whole numbers with a 400 naming them, before any request (a NaN would end a list as read)', async () => {
    const { sim, ctx } = await start();
    try {
      sim.seedTransactions({ count: 30, fromMs: DAY_START, toMs: DAY_START + 24 * HOUR });
      const before = sim.stats().requests[LIST] ?? 0;
      const refused = await ctx.service.reconcileDay(DAY, undefined, { listConcurrency: Number.NaN, maxPages: 0 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BadRequestException);
      expect((refused as BadRequestException).getResponse()).toMatchObject({
        message: ['maxPages must be a whole number of at least 1', 'listConcurrency must be a whole number of at least 1'],
      });
      expect(sim.stats().requests[LIST] ?? 0).toBe(before);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });

  it('asks a page that failed every retry once more before giving up on it, and then says the list is incomplete', async () => {
    const { sim, ctx } = await start();
    try {
      sim.seedTransactions({ count: 95, fromMs: DAY_START, toMs: DAY_START + 24 * HOUR });
      // Three answers: every attempt of one read (the default retries) fails; the page's second read succeeds.
      const flaky = sim.faults.add({ endpoint: 'list', match: { page: '7' }, fault: { kind: 'html', status: 502 }, times: 3 });
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.complete).toBe(true);
      expect(report.singapay).toMatchObject({ transactionsRead: 95, pagesRead: 10 });
      sim.faults.remove(flaky);

      sim.faults.add({ endpoint: 'list', match: { page: '4' }, fault: { kind: 'html', status: 502 } });
      const broken = await ctx.service.reconcileDay(DAY);
      expect(broken.complete).toBe(false);
      expect(broken.singapay).toMatchObject({ complete: false, incomplete: 'page_failed' });
      expect(broken.warnings[0]).toMatch(/^INCOMPLETE: Singapay's list was not read in full: page \d+ failed \(/);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });

  it('finds the transaction of a payment lost at 23:59:58 WIB that Singapay dates the next day', async () => {
    let skew = 0;
    const { sim, ctx, clock } = await start({}, () => skew);
    try {
      clock.advance(DAY_START + 24 * HOUR - 2_000 - clock.now());
      const { referenceNumber } = await ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300000004' });
      // Singapay's clock 2.5 s ahead: applied on the next day, the answer lost, and the search that followed failing too.
      skew = 2_500;
      sim.faults.add({ endpoint: 'payment', match: { customerId: '146300000004' }, fault: { kind: 'resetAfterApply' }, times: 1 });
      const listDown = sim.faults.add({ endpoint: 'list', match: { customerId: '146300000004' }, fault: { kind: 'html', status: 502 } });
      const paid = await ctx.service.pay({
        command: 'plnpos',
        productCode: 'SPPLNPOS',
        customerId: '146300000004',
        referenceNumber,
        idempotencyKey: 'lost-at-midnight',
      });
      expect(paid.status).toBe('unknown');
      sim.faults.remove(listDown);
      skew = 0;
      clock.advance(10 * HOUR);

      const report = await ctx.service.reconcileDay(DAY);
      expect(report.singapay).toMatchObject({ startDate: '2025-06-09', endDate: DAY, transactionsRead: 0, detailLookups: 1 });
      const row = report.rows.find((r) => r.local?.idempotencyKey === 'lost-at-midnight');
      expect(row).toMatchObject({
        category: 'state_differs',
        pairedBy: 'reference_number',
        local: { state: 'unknown' },
        singapay: { status: 'success', transactionId: sim.transactions()[0]!.transactionId },
      });
      expect(report.complete).toBe(true);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });
});

/** Transaction `n` of the day as a list row, in Singapay's documented shape. */
const row = (n: number) => ({
  transaction_id: `TX-${String(n).padStart(2, '0')}`,
  reference_number: `REF-${n}`,
  customer_id: `0812000${String(n).padStart(5, '0')}`,
  transaction_type: 'prepaid',
  status: 'success',
  inquired_at: null,
  paid_at: '2025-06-10 08:00:00',
  net_price: '10500',
  display_price: { amount: '10000', price: '10500' },
  other_info: [],
  created_at: `2025-06-10 01:${String(n).padStart(2, '0')}:00`,
  product: { code: 'SPTLKMAS10', name: 'Telkomsel 10.000', category: { code: 'TELASD', name: 'Telkomsel/AS' } },
});

describe('a list that grows while its pages are read out of order', () => {
  it('reads it again in order rather than lose the row pushed between two pages, and says each page as it comes', async () => {
    const server = await ScriptedServer.start();
    // Thirty transactions of the day, newest first, as Singapay lists them; a thirty-first arrives mid-read.
    let rows = Array.from({ length: 30 }, (_, i) => row(30 - i));
    let pageThreeAnswered!: () => void;
    const afterPageThree = new Promise<void>((resolve) => (pageThreeAnswered = resolve));
    const answer = (res: Parameters<Parameters<ScriptedServer['handle']>[0]>[1], page: number) =>
      json(res, 200, {
        command: 'list-bill-transaction',
        response_code: '00',
        response_text: 'Operation completed successfully',
        data: {
          bill_transactions: rows.slice((page - 1) * 10, page * 10),
          pagination: { current_page: page, last_page: Math.ceil(rows.length / 10), per_page: 10, total: rows.length },
        },
      });
    let concurrentPass = true;
    server.handle(async (req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      const page = Number((req.json as { data: { page: string } }).data.page);
      if (concurrentPass && page === 3) {
        answer(res, 3); // TX-10 … TX-01, before the new one arrives
        rows = [row(31), ...rows];
        pageThreeAnswered();
        return;
      }
      if (concurrentPass && page === 2) await afterPageThree; // then TX-21 … TX-12: TX-11 fell between the two
      if (page === 4) concurrentPass = false;
      answer(res, page);
    });
    const ctx = await createSingapayWithClock(
      { baseUrl: server.baseUrl, paymentStore: new SingapayInMemoryPaymentStore(), retry: { baseDelayMs: 1 } },
      (() => {
        const clock = new ManualClock();
        clock.advance(DAY_START + 34 * HOUR - clock.now());
        return clock;
      })(),
    );
    try {
      const progress: string[] = [];
      const report = await ctx.service.reconcileDay(DAY, undefined, {
        onProgress: ({ pagesRead, pages }) => progress.push(`${pagesRead}/${pages}`),
      });
      expect(report.complete).toBe(true);
      expect(report.singapay.transactionsRead).toBe(31);
      expect(report.rows.map((r) => r.singapay?.transactionId)).toContain('TX-11');
      // Four pages out of order (the fourth named once the list grew), then four again in order.
      expect(report.singapay.pagesRead).toBe(8);
      expect(progress[0]).toBe('1/3');
      expect(progress.at(-1)).toBe('8/4');
    } finally {
      await ctx.close();
      await server.stop();
    }
  });
});

describe('a list whose last page is beyond what its total needs', () => {
  it('reads the pages the total needs, with room, and says the list is incomplete rather than ask for a billion pages', async () => {
    const server = await ScriptedServer.start();
    const rows = Array.from({ length: 3 }, (_, i) => row(3 - i));
    let asked = 0;
    server.handle((req, res) => {
      if (req.path.includes('access-token')) return tokenAnswer(res);
      const page = Number((req.json as { data: { page: string } }).data.page);
      asked++;
      json(res, 200, {
        command: 'list-bill-transaction',
        response_code: '00',
        response_text: 'Operation completed successfully',
        data: {
          bill_transactions: page === 1 ? rows : [],
          pagination: { current_page: page, last_page: '999999999', per_page: 10, total: rows.length },
        },
      });
    });
    const clock = new ManualClock();
    clock.advance(DAY_START + 34 * HOUR - clock.now());
    const ctx = await createSingapayWithClock({ baseUrl: server.baseUrl, paymentStore: new SingapayInMemoryPaymentStore() }, clock);
    try {
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.complete).toBe(false);
      expect(report.singapay.transactionsRead).toBe(3);
      expect(asked).toBeLessThanOrEqual(11);
    } finally {
      await ctx.close();
      await server.stop();
    }
  });
});

describe('a list without pagination that ignores page', () => {
  it('is not read as complete when a page repeats the rows already read: the report says INCOMPLETE', async () => {
    const server = await ScriptedServer.start();
    // Thirty transactions, but every page answers the first ten, and no pagination says so.
    const first = Array.from({ length: 10 }, (_, i) => row(30 - i));
    server.handle((req, res) =>
      req.path.includes('access-token')
        ? tokenAnswer(res)
        : json(res, 200, { command: 'list-bill-transaction', response_code: '00', data: { bill_transactions: first } }),
    );
    const clock = new ManualClock();
    clock.advance(DAY_START + 34 * HOUR - clock.now());
    const ctx = await createSingapayWithClock(
      { baseUrl: server.baseUrl, paymentStore: new SingapayInMemoryPaymentStore(), retry: { baseDelayMs: 1 } },
      clock,
    );
    try {
      const report = await ctx.service.reconcileDay(DAY);
      expect(report.complete).toBe(false);
      expect(report.singapay).toMatchObject({ complete: false, pagesRead: 2, transactionsRead: 10 });
      expect(report.warnings[0]).toMatch(/^INCOMPLETE: .*page 2 repeated rows already read/);
    } finally {
      await ctx.close();
      await server.stop();
    }
  });
});
