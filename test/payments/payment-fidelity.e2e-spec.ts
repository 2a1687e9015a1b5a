/**
 * Money safety against a simulator that answers in Singapay's documented formats,
 * and in each plausible variant where the documentation is silent: every zone
 * combination of the zone-less timestamps, clock skew of ±5 minutes, each place of
 * the PLN token, each empty-list shape, lists with and without pagination, more than
 * a hundred transactions for one customer, slow and failing lists, and codes 51 and
 * 07 after the payment was applied. The invariants are the same everywhere: at most
 * one payment per key reaches Singapay, a payment Singapay applied never ends
 * `failed`, a PLN token Singapay gave is never lost, and nothing becomes `success`
 * without Singapay's word.
 */
import fc from 'fast-check';
import {
  SingapayCallbackReceiver,
  SingapayException,
  SingapayPaymentFailedException,
  type SingapayPayment,
  type SingapayPaymentResult,
  type SingapayPayRequest,
  type SingapayService,
  type SingapayTokenDelivery,
} from '@app/singapay';
import type { SingapaySimulator, SingapaySimulatorFault, SingapaySimulatorVariants } from '@app/singapay-simulator';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import { countPaymentRequests, ledgerEntries, pad, requestsTo, settle } from '../support/adversarial-testing.js';
import { SINGAPAY_RETRY_DEFAULTS } from '@app/singapay/config/singapay-options.validation.js';
import { SINGAPAY_GENERAL_PATHS } from '@app/singapay/contract/singapay-api.contract.js';
import { EMPTY_LISTS, startSkewedPair, TOKEN_PLACES, ZONE_COMBINATIONS, type SkewedPair } from '../support/variant-testing.js';

const HORIZON_MS = 1_000;
const MINUTE = 60_000;
let serial = 0;
const next = () => ++serial;

const pulsa = (n: number): SingapayPayRequest => ({
  command: 'pulsa',
  productCode: 'SPTLKMAS10',
  customerId: `081${pad(n, 6)}1234`,
  idempotencyKey: `pulsa-${n}`,
});
const data = (n: number): SingapayPayRequest => ({
  command: 'data',
  productCode: 'SPTKMSF2G30',
  customerId: `082${pad(n, 6)}1234`,
  idempotencyKey: `data-${n}`,
});

async function inquired(service: SingapayService, command: 'plnpos' | 'plntok', n: number): Promise<SingapayPayRequest> {
  const productCode = command === 'plnpos' ? 'SPPLNPOS' : 'SPPLNTOK';
  const customerId = `${command === 'plnpos' ? '1463' : '1423'}${pad(n, 6)}1234`;
  const { referenceNumber } = await service.inquiry({ command, productCode, customerId });
  return { command, productCode, customerId, referenceNumber, idempotencyKey: `${command}-${n}` };
}

/** Lets the not-found horizon pass on both clocks (they move together) and sweeps. */
async function afterHorizon(pair: SkewedPair): Promise<void> {
  pair.clock.advance(HORIZON_MS + 100);
  await pair.ctx.service.sweepPayments();
}

/** The invariants of one payment against the simulator's ledger, once everything had time to settle. */
function expectTruth(sim: SingapaySimulator, req: SingapayPayRequest, payment: SingapayPayment): void {
  const entries = ledgerEntries(sim, req.referenceNumber ? { referenceNumber: req.referenceNumber } : { customerId: req.customerId });
  expect(sim.paymentsFor({ customerId: req.customerId }), `${req.idempotencyKey} sent more than once`).toBeLessThanOrEqual(1);
  expect(entries.length).toBeLessThanOrEqual(1);
  const truth = entries[0];
  if (truth) {
    // Applied: never failed, and the state and transaction are Singapay's.
    expect({ key: req.idempotencyKey, state: payment.state, transactionId: payment.transactionId }).toEqual({
      key: req.idempotencyKey,
      state: truth.status,
      transactionId: truth.transactionId,
    });
    const token = sim.transaction(truth.transactionId)?.token;
    if (token) expect(payment.token, `${req.idempotencyKey}: the token Singapay gave`).toBe(token);
    expect(payment.awaitingToken).toBeUndefined();
    // The code says where it stands now, whatever the payment's own answer said (01, 51, none).
    const settled = { success: ['00', 'Operation completed successfully'], refunded: ['50', 'Transaction will be or has been refunded'] };
    if (truth.status === 'success' || truth.status === 'refunded') {
      expect([req.idempotencyKey, payment.responseCode, payment.responseText]).toEqual([req.idempotencyKey, ...settled[truth.status]]);
    }
  } else {
    expect(payment.state).not.toBe('success');
    expect(payment.state).not.toBe('pending');
  }
}

describe('timestamps as Singapay documents them', () => {
  it('reads the documented row (created_at UTC, paid_at WIB, the ULID instant) and gives ISO 8601 with the WIB offset', async () => {
    const pair = await startSkewedPair({}, 0);
    try {
      // The docs' example instant: 2025-06-10 10:54:29 UTC, 17:54:29 WIB.
      pair.clock.advance(Date.UTC(2025, 5, 10, 10, 54, 29) - pair.clock.now());
      const paid = await pair.ctx.service.pay(data(next()));
      if (paid.status === 'unknown') throw new Error('expected an accepted payment');
      const iso = /^2025-06-10T17:54:29(\.\d{3})?\+07:00$/;
      expect(paid.createdAt).toMatch(iso);
      const tx = await pair.ctx.service.getTransaction(paid.transactionId);
      expect(tx.createdAt).toMatch(iso);
      expect(tx.paidAt).toMatch(/^2025-06-10T17:54:29\.000\+07:00$/);
      expect((tx.raw as { data: { created_at: string } }).data.created_at).toBe('2025-06-10 10:54:29');
      const payment = await pair.ctx.service.getPayment(paid.idempotencyKey);
      for (const at of [payment.createdAt, payment.updatedAt]) expect(at).toMatch(/^2025-06-10T17:54:\d{2}(\.\d{3})?\+07:00$/);
      const plnpos = await inquired(pair.ctx.service, 'plnpos', next());
      const inquiry = await pair.ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: plnpos.customerId });
      expect(inquiry.createdAt).toMatch(iso);
    } finally {
      await pair.close();
    }
  });

  it.each(ZONE_COMBINATIONS.map((zones) => [JSON.stringify(zones), zones] as const))(
    'takes the transaction instant from created_at, in the zone a ULID minted then settles, whatever the zones print (%s)',
    async (_name, zones) => {
      const pair = await startSkewedPair({ zones }, 0);
      try {
        const paid = await pair.ctx.service.pay(pulsa(next()));
        if (paid.status === 'unknown') throw new Error('expected an accepted payment');
        const simCreatedAt = pair.sim.transaction(paid.transactionId)!.createdAt;
        const tx = await pair.ctx.service.getTransaction(paid.transactionId);
        expect(Date.parse(tx.createdAt)).toBe(simCreatedAt);
        expect(Date.parse(paid.createdAt)).toBe(simCreatedAt);
      } finally {
        await pair.close();
      }
    },
  );

  it('takes the transaction instant from created_at when the ids are minted six days earlier, as in the documented detail row', async () => {
    const pair = await startSkewedPair({ transactionIdTime: 'daysBefore' }, 0);
    try {
      const paid = await pair.ctx.service.pay(pulsa(next()));
      if (paid.status === 'unknown') throw new Error('expected an accepted payment');
      // created_at is printed to the second.
      const simCreatedAt = Math.floor(pair.sim.transaction(paid.transactionId)!.createdAt / 1000) * 1000;
      expect(Date.parse((await pair.ctx.service.getTransaction(paid.transactionId)).createdAt)).toBe(simCreatedAt);
      expect(Date.parse(paid.createdAt)).toBe(simCreatedAt);
      const [row] = (await pair.ctx.service.listTransactions({ customerId: paid.customerId })).items;
      expect(Date.parse(row!.createdAt)).toBe(simCreatedAt);
    } finally {
      await pair.close();
    }
  });
});

describe('lost answers over every documented variant', () => {
  // Every zone combination once (alternating ±5 minutes of skew), then the documented zones at each skew;
  // the token's place, the empty-list shape, the pagination, padded or unpadded codes and
  // the zone of the list's days take turns.
  const runs: { name: string; variants: SingapaySimulatorVariants; skewMs: number }[] = [
    ...ZONE_COMBINATIONS.map((zones, i) => ({ zones, skewMs: (i % 2 === 0 ? 5 : -5) * MINUTE, i })),
    ...[-5, 0, 5].map((m, j) => ({ zones: ZONE_COMBINATIONS[0]!, skewMs: m * MINUTE, i: ZONE_COMBINATIONS.length + j })),
    // Ids that are no clock (the documented detail row's is six days older than its created_at), at each skew.
    ...[-5, 0, 5].map((m, j) => ({
      zones: ZONE_COMBINATIONS[0]!,
      skewMs: m * MINUTE,
      i: ZONE_COMBINATIONS.length + 3 + j,
      idsBefore: true,
    })),
  ].map(
    ({ zones, skewMs, i, idsBefore }: { zones: (typeof ZONE_COMBINATIONS)[number]; skewMs: number; i: number; idsBefore?: boolean }) => {
      const variants: SingapaySimulatorVariants = {
        ...(idsBefore ? { transactionIdTime: 'daysBefore' as const } : {}),
        zones,
        tokenIn: TOKEN_PLACES[i % TOKEN_PLACES.length]!,
        emptyList: EMPTY_LISTS[i % EMPTY_LISTS.length]!,
        listPagination: i % 4 !== 3,
        // Not in step with the skew (which alternates on i): each skew meets both.
        codes: Math.floor(i / 2) % 2 === 0 ? 'padded' : 'unpadded',
        listDayZone: Math.floor(i / 4) % 2 === 0 ? 'WIB' : 'UTC',
      };
      return { name: `${JSON.stringify(variants)} skew ${skewMs / MINUTE} min`, variants, skewMs };
    },
  );

  it.each(runs.map((r) => [r.name, r] as const))('%s', async (_name, run) => {
    const pair = await startSkewedPair(run.variants, run.skewMs);
    const { sim, ctx } = pair;
    try {
      const tokens: SingapayTokenDelivery[] = [];
      ctx.service.tokens$.subscribe((t) => tokens.push(t));
      const appliedLost = pulsa(next());
      const neverApplied = data(next());
      const billLost = await inquired(ctx.service, 'plnpos', next());
      const token = await inquired(ctx.service, 'plntok', next());
      sim.faults.add({ endpoint: 'payment', match: { customerId: appliedLost.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      sim.faults.add({
        endpoint: 'payment',
        match: { customerId: neverApplied.customerId },
        fault: { kind: 'resetBeforeApply' },
        times: 1,
      });
      sim.faults.add({ endpoint: 'payment', match: { customerId: billLost.customerId }, fault: { kind: 'hang', apply: true }, times: 1 });

      const answers = await Promise.all([
        ctx.service.pay(appliedLost),
        ctx.service.pay(neverApplied),
        ctx.service.pay(billLost, { timeoutMs: 200 }),
        ctx.service.pay(token),
      ]);
      expect(answers.map((a) => a.status)).toEqual(['pending', 'unknown', 'success', 'success']);
      expect((answers[3] as SingapayPaymentResult & { awaitingToken?: true }).awaitingToken).toBe(true);

      sim.settleAll();
      await afterHorizon(pair);
      for (const req of [appliedLost, neverApplied, billLost, token]) {
        expectTruth(sim, req, await ctx.service.getPayment(req.idempotencyKey!));
      }
      const lost = await ctx.service.getPayment(neverApplied.idempotencyKey!);
      expect([lost.state, lost.failure?.reason]).toEqual(['failed', 'not_found']);
      expect(lost.reviewUntil).toMatch(/\+07:00$/);
      const delivered = await ctx.service.getPayment(token.idempotencyKey!);
      expect(tokens.map((t) => [t.idempotencyKey, t.token])).toEqual([[token.idempotencyKey, delivered.token]]);
    } finally {
      await pair.close();
    }
  });
});

describe('codes 51 and 07 after the payment was applied', () => {
  let pair: SkewedPair;
  beforeEach(async () => {
    pair = await startSkewedPair({}, 0);
  });
  afterEach(() => pair.close());

  it.each(['51', '07'])('a bill answered %s is looked up and found paid', async (code) => {
    const req = await inquired(pair.ctx.service, 'plnpos', next());
    pair.sim.faults.add({
      endpoint: 'payment',
      match: { customerId: req.customerId },
      fault: { kind: 'code', code, apply: true },
      times: 1,
    });
    const paid = await pair.ctx.service.pay(req);
    expect(paid.status).toBe('success');
    await afterHorizon(pair);
    expectTruth(pair.sim, req, await pair.ctx.service.getPayment(req.idempotencyKey!));
  });

  it.each(['51', '07'])('a direct purchase answered %s is matched by a search and settles with the ledger', async (code) => {
    const req = pulsa(next());
    pair.sim.faults.add({
      endpoint: 'payment',
      match: { customerId: req.customerId },
      fault: { kind: 'code', code, apply: true },
      times: 1,
    });
    const paid = await pair.ctx.service.pay(req);
    expect(paid.status).toBe('pending');
    pair.sim.settleAll();
    await afterHorizon(pair);
    expectTruth(pair.sim, req, await pair.ctx.service.getPayment(req.idempotencyKey!));
  });

  it('51 is never concluded "not found", however long the lists fail', async () => {
    const req = pulsa(next());
    pair.sim.faults.add({
      endpoint: 'payment',
      match: { customerId: req.customerId },
      fault: { kind: 'code', code: '51', apply: true },
      times: 1,
    });
    const listDown = pair.sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 } });
    expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
    for (let i = 0; i < 3; i++) await afterHorizon(pair);
    expect((await pair.ctx.service.getPayment(req.idempotencyKey!)).state).toBe('unknown');
    pair.sim.faults.remove(listDown);
    pair.sim.settleAll();
    await afterHorizon(pair);
    expectTruth(pair.sim, req, await pair.ctx.service.getPayment(req.idempotencyKey!));
  });

  it('51 with nothing to show for it stays unknown: Singapay said it went through', async () => {
    const req = await inquired(pair.ctx.service, 'plnpos', next());
    pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'code', code: '51' }, times: 1 });
    expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
    for (let i = 0; i < 3; i++) await afterHorizon(pair);
    const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
    expect([payment.state, payment.responseCode]).toEqual(['unknown', '51']);
  });
});

describe('complete searches', () => {
  /** A lost purchase whose first lookup failed, then `others` newer transactions of the same customer (another product). */
  async function buriedLostPurchase(pair: SkewedPair, others: number): Promise<SingapayPayRequest> {
    const req = pulsa(next());
    pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
    // Its own lookup fails (the first page, three tries of a read, asked twice), so it stays unknown.
    pair.sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 }, times: 6 });
    expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
    pair.clock.advance(1_000);
    for (let i = 0; i < others; i++) {
      const other = await pair.ctx.service.pay({ ...req, productCode: 'SPTLKMAS25', idempotencyKey: `${req.idempotencyKey}-other-${i}` });
      expect(other.status).toBe('pending');
    }
    return req;
  }

  it.each([true, false])(
    'finds a lost purchase under 120 newer transactions of the customer that day (pagination %s)',
    async (listPagination) => {
      const pair = await startSkewedPair({ listPagination }, 0);
      try {
        const req = await buriedLostPurchase(pair, 120);
        const listsBefore = pair.sim.stats().requests['/api/v1/list-bill-transaction'] ?? 0;
        await pair.ctx.service.sweepPayments();
        const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
        const own = ledgerEntries(pair.sim, { customerId: req.customerId }).filter((e) => e.productCode === req.productCode);
        expect(own).toHaveLength(1);
        expect({ state: payment.state, transactionId: payment.transactionId }).toEqual({
          state: 'pending',
          transactionId: own[0]!.transactionId,
        });
        expect(payment.sendCount).toBe(1);
        // 121 rows at 10 a page: every page was read, and (without pagination) one more to see the end.
        expect((pair.sim.stats().requests['/api/v1/list-bill-transaction'] ?? 0) - listsBefore).toBeGreaterThanOrEqual(13);
      } finally {
        await pair.close();
      }
    },
  );

  it('a list that fails on one page never proves a payment missing; once it reads whole, the truth wins', async () => {
    const pair = await startSkewedPair({}, 0);
    try {
      const req = data(next());
      pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'resetBeforeApply' }, times: 1 });
      expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
      for (let i = 0; i < 30; i++) {
        await pair.ctx.service.pay({ ...req, productCode: 'SPTKMSF5G30', idempotencyKey: `${req.idempotencyKey}-other-${i}` });
      }
      const pageThree = pair.sim.faults.add({ endpoint: 'list', match: { page: '3' }, fault: { kind: 'html', status: 502 } });
      for (let i = 0; i < 3; i++) await afterHorizon(pair);
      expect((await pair.ctx.service.getPayment(req.idempotencyKey!)).state).toBe('unknown');
      pair.sim.faults.remove(pageThree);
      await afterHorizon(pair);
      const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect([payment.state, payment.failure?.reason]).toEqual(['failed', 'not_found']);
      // The lost one never reached it; the thirty others did, once each.
      expect(pair.sim.paymentsFor({ customerId: req.customerId })).toBe(30);
      expect(ledgerEntries(pair.sim, { customerId: req.customerId }).filter((e) => e.productCode === req.productCode)).toHaveLength(0);
    } finally {
      await pair.close();
    }
  });

  it('slow lists (longer than the timeout) leave it unknown; a payment found later overturns "not found"', async () => {
    const pair = await startSkewedPair({}, 0, { timeoutMs: 300 });
    try {
      const req = pulsa(next());
      // The answer is lost and the lists are too slow to read: the lookup cannot tell.
      pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      const slow = pair.sim.faults.add({ endpoint: 'list', fault: { kind: 'latency', ms: 600 } });
      expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
      await afterHorizon(pair);
      expect((await pair.ctx.service.getPayment(req.idempotencyKey!)).state).toBe('unknown');
      pair.sim.faults.remove(slow);
      pair.sim.settleAll();
      await afterHorizon(pair);
      expectTruth(pair.sim, req, await pair.ctx.service.getPayment(req.idempotencyKey!));
    } finally {
      await pair.close();
    }
  });
});

describe('"not found" under review', () => {
  it('a list that hid the payment leads to not_found (not safe to repeat); once Singapay shows it, its word wins', async () => {
    const pair = await startSkewedPair({}, 0);
    try {
      const req = pulsa(next());
      pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      // Singapay's list is late: for this customer it answers 00 without rows, which reads as a complete, empty list.
      const late = pair.sim.faults.add({ endpoint: 'list', match: { customerId: req.customerId }, fault: { kind: 'code', code: '00' } });
      expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
      await afterHorizon(pair);
      const refused = await pair.ctx.service.pay(req).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SingapayPaymentFailedException);
      expect(refused).toMatchObject({ responseType: 'payment_not_found', safeToRepeat: false, delivery: 'maybe_sent' });
      const failed = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect([failed.state, failed.failure?.reason]).toEqual(['failed', 'not_found']);
      expect(failed.reviewUntil).toBeDefined();

      pair.sim.faults.remove(late);
      pair.sim.settleAll();
      pair.clock.advance(10_000);
      // The same key again: its turn has come, so it is looked up, and Singapay's transaction settles it.
      const paid = await pair.ctx.service.pay(req);
      expect(paid.status).toBe('success');
      expectTruth(pair.sim, req, await pair.ctx.service.getPayment(req.idempotencyKey!));
      expect(pair.sim.paymentsFor({ customerId: req.customerId })).toBe(1);
    } finally {
      await pair.close();
    }
  });
});

/** A store on which, as the module writes a failure for `reason`, another writer (a callback, another replica) writes `first`. */
class OvertakenStore extends SingapayInMemoryPaymentStore {
  overtake?: { reason: string; first: Partial<SingapayPaymentRecord> };
  override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (this.overtake && record.state === 'failed' && record.failure?.reason === this.overtake.reason) {
      const current = (await this.get(record.key))!;
      await super.replace({ ...current, ...this.overtake.first, version: current.version + 1 }, current.version);
      this.overtake = undefined;
    }
    return super.replace(record, expectedVersion);
  }
}

describe('"not found" overtaken', () => {
  // Another writer (a callback, another replica's lookup) gives the payment its transaction, or keeps it as
  // evidence, while the search that will conclude "not found" runs.
  it.each([
    // Still unknown: only the transaction it now holds keeps the search's "not found" off it.
    ['the transaction another writer recorded', async (_pair: SkewedPair, transactionId: string) => ({ transactionId })],
    [
      'the evidence a callback kept',
      async (pair: SkewedPair, transactionId: string) => {
        const { raw: _raw, ...evidence } = await pair.ctx.service.getTransaction(transactionId);
        return { evidence };
      },
    ],
  ] as const)('a "not found" concluded from a search is not written over %s meanwhile', async (_what, written) => {
    const store = new OvertakenStore();
    const pair = await startSkewedPair({}, 0, { paymentStore: store });
    try {
      const req = pulsa(next());
      pair.sim.faults.add({ endpoint: 'payment', match: { customerId: req.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      pair.sim.faults.add({ endpoint: 'list', match: { customerId: req.customerId }, fault: { kind: 'code', code: '00' } });
      expect((await pair.ctx.service.pay(req)).status).toBe('unknown');
      const settled: string[] = [];
      pair.ctx.service.settlements$.subscribe((s) => settled.push(s.status));
      const { transactionId } = ledgerEntries(pair.sim, { customerId: req.customerId })[0]!;
      const first: Partial<SingapayPaymentRecord> = await written(pair, transactionId);
      store.overtake = { reason: 'not_found', first };
      await afterHorizon(pair);
      expect(settled).toEqual([]);
      const stored = await store.get(req.idempotencyKey!);
      expect(stored?.state).toBe('unknown');
      expect(stored).toMatchObject(first);
    } finally {
      await pair.close();
    }
  });

  it('a record from before sends were counted is concluded never sent only while no claim has counted a send of its own', async () => {
    const store = new OvertakenStore();
    const pair = await startSkewedPair({}, 0, { paymentStore: store });
    try {
      const req = pulsa(next());
      const at = pair.clock.now() - 60_000;
      // Written by an older version: a claim whose sender stopped before counting its send, its lease run out.
      const legacy = { key: req.idempotencyKey!, requestHash: 'legacy', command: 'pulsa' as const, productCode: req.productCode };
      await store.create({
        ...legacy,
        customerId: req.customerId,
        state: 'sending',
        sendCount: 0,
        lookups: 0,
        leaseUntil: at,
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
      // Meanwhile a replica claims it afresh and counts its send.
      store.overtake = {
        reason: 'not_sent',
        first: { sendCount: 1, sentAt: pair.clock.now(), leaseUntil: pair.clock.now() + 60_000, owner: 'other-replica' },
      };
      const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect({ state: payment.state, sendCount: payment.sendCount }).toEqual({ state: 'sending', sendCount: 1 });
    } finally {
      await pair.close();
    }
  });
});

describe('a reference paid already, paid again under another key (what Singapay answers is undocumented)', () => {
  it.each([
    ['alreadyPaid', 'plnpos', '21'],
    ['alreadyPaid', 'plntok', '07'],
    ['notFound', 'plnpos', '06'],
    ['notFound', 'plntok', '06'],
  ] as const)(
    'paidReference %s, %s: answered %s, nothing charged again, and never told to pay a new reference unchecked',
    async (paidReference, command, code) => {
      const pair = await startSkewedPair({ paidReference }, 0);
      try {
        const req = await inquired(pair.ctx.service, command, next());
        expect((await pair.ctx.service.pay(req)).status).toMatch(/success|pending/);
        const balance = pair.sim.balance;
        const again = await settle(pair.ctx.service.pay({ ...req, idempotencyKey: `${req.idempotencyKey}-again` }));
        if (code === '07') {
          // 07 (already exists) may mean it went through: unknown, looked up, and never sent again.
          expect(again).toMatchObject({ ok: true, value: { status: 'unknown', responseCode: '07' } });
        } else {
          const error = (again as { error: SingapayException }).error;
          expect(error.responseCode).toBe(code);
          if (code === '06') expect(error.message).toMatch(/check that no payment of this order holds the old one/);
        }
        expect(ledgerEntries(pair.sim, { referenceNumber: req.referenceNumber! })).toHaveLength(1);
        expect(pair.sim.balance).toBe(balance);
      } finally {
        await pair.close();
      }
    },
  );
});

describe('PLN tokens', () => {
  it.each(TOKEN_PLACES)('a token issued later in %s is recorded and announced without anyone asking', async (tokenIn) => {
    const pair = await startSkewedPair({ tokenIn }, 0, {}, { settleDelayMs: 100 });
    try {
      const tokens: SingapayTokenDelivery[] = [];
      pair.ctx.service.tokens$.subscribe((t) => tokens.push(t));
      const req = await inquired(pair.ctx.service, 'plntok', next());
      const paid = await pair.ctx.service.pay(req);
      expect(paid).toMatchObject({ status: 'success', awaitingToken: true });
      expect(paid.status === 'success' && paid.token).toBeFalsy();
      // The module's own follow-up (after 2 s) finds it.
      await vi.waitFor(() => expect(tokens).toHaveLength(1), { timeout: 8_000, interval: 100 });
      const txid = (paid as { transactionId: string }).transactionId;
      const issued = pair.sim.transaction(txid)!.token!;
      expect(tokens[0]).toMatchObject({ idempotencyKey: req.idempotencyKey, transactionId: txid, token: issued });
      const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect(payment).toMatchObject({ state: 'success', token: issued });
      expect(payment.awaitingToken).toBeUndefined();
      expect(payment.reviewUntil).toBeUndefined();
    } finally {
      await pair.close();
    }
  });

  it('a token chase whose lookups fail backs off: a few detail requests in seconds, not one after another', async () => {
    const pair = await startSkewedPair({}, 0, {}, { settleDelayMs: 60_000 });
    try {
      const req = await inquired(pair.ctx.service, 'plntok', next());
      const paid = await pair.ctx.service.pay(req);
      expect(paid).toMatchObject({ status: 'success', awaitingToken: true });
      pair.sim.faults.add({ endpoint: 'detail', fault: { kind: 'html', status: 503 } });
      const before = requestsTo(pair.sim, SINGAPAY_GENERAL_PATHS.detailTransaction);
      // The chase's first step comes after 2 s; each failed step waits 2 s, 4 s… before the next.
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      const asked = requestsTo(pair.sim, SINGAPAY_GENERAL_PATHS.detailTransaction) - before;
      expect(asked).toBeGreaterThan(0);
      expect(asked).toBeLessThanOrEqual(2 * (SINGAPAY_RETRY_DEFAULTS.maxAttempts + 1));
    } finally {
      await pair.close();
    }
  });

  it('a success the store took only later, written by a read: its token is still chased, and announced without anyone asking', async () => {
    let down = true;
    class DownForSuccess extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (down && record.state === 'success') throw new Error('store unavailable');
        return super.replace(record, expectedVersion);
      }
    }
    const pair = await startSkewedPair({ tokenIn: 'data' }, 0, { paymentStore: new DownForSuccess() }, { settleDelayMs: 100 });
    try {
      const tokens: SingapayTokenDelivery[] = [];
      pair.ctx.service.tokens$.subscribe((t) => tokens.push(t));
      const req = await inquired(pair.ctx.service, 'plntok', next());
      expect(await pair.ctx.service.pay(req)).toMatchObject({ status: 'success', awaitingToken: true });
      // The chase's first step (2 s) comes while the success is still kept here, the store refusing it.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      down = false;
      // A read writes the kept success, before the follow-ups' own next try would.
      expect(await pair.ctx.service.getPayment(req.idempotencyKey!)).toMatchObject({ state: 'success', awaitingToken: true });
      await vi.waitFor(() => expect(tokens).toHaveLength(1), { timeout: 8_000, interval: 100 });
      expect(tokens[0]).toMatchObject({ idempotencyKey: req.idempotencyKey, token: expect.any(String) });
    } finally {
      await pair.close();
    }
  });

  it('a token in the payment answer itself (variants.paymentToken: issued) is recorded at once, and nothing chases it', async () => {
    const pair = await startSkewedPair({ paymentToken: 'issued' }, 0, {}, { settleDelayMs: 100 });
    try {
      const tokens: SingapayTokenDelivery[] = [];
      pair.ctx.service.tokens$.subscribe((t) => tokens.push(t));
      const req = await inquired(pair.ctx.service, 'plntok', next());
      const paid = await pair.ctx.service.pay(req);
      if (paid.status !== 'success') throw new Error(`expected a success, got ${paid.status}`);
      const issued = pair.sim.transaction(paid.transactionId)!.token!;
      expect(issued).toBeTruthy();
      expect([paid.token, paid.awaitingToken]).toEqual([issued, undefined]);
      const payment = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect(payment).toMatchObject({ state: 'success', token: issued });
      expect([payment.awaitingToken, payment.reviewUntil]).toEqual([undefined, undefined]);
      // Announced once, from the answer, like any token recorded; past the chase's first follow-up (2 s), no lookup was made.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(pair.sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0).toBe(0);
      expect(tokens.map((t) => [t.token, t.via, t.idempotencyKey])).toEqual([[issued, 'payment', req.idempotencyKey]]);
    } finally {
      await pair.close();
    }
  });

  it('keeps asking while the token is late, then settles for good when the review window closes', async () => {
    const pair = await startSkewedPair({}, 0, { paymentReviewMs: 60_000 });
    try {
      const req = await inquired(pair.ctx.service, 'plntok', next());
      await pair.ctx.service.pay(req);
      pair.clock.advance(10_000);
      expect(await pair.ctx.service.getPayment(req.idempotencyKey!)).toMatchObject({ state: 'success', awaitingToken: true });
      pair.clock.advance(60_000);
      await pair.ctx.service.sweepPayments();
      const closed = await pair.ctx.service.getPayment(req.idempotencyKey!);
      expect(closed.reviewUntil).toBeUndefined();
      // Singapay's later word still lands (its callback): the record holds the transaction id.
      pair.sim.settleAll();
      const txid = closed.transactionId!;
      const receiver = pair.ctx.moduleRef.get(SingapayCallbackReceiver);
      await receiver.receive({ command: 'callback', response_code: '00', data: { transaction_id: txid } });
      await receiver.drain();
      expect((await pair.ctx.service.getPayment(req.idempotencyKey!)).token).toBe(pair.sim.transaction(txid)!.token);
    } finally {
      await pair.close();
    }
  });
});

describe('lost answers under random variants (fast-check)', () => {
  const lostFault: fc.Arbitrary<SingapaySimulatorFault | null> = fc.constantFrom<SingapaySimulatorFault | null>(
    null,
    { kind: 'resetAfterApply' },
    { kind: 'resetBeforeApply' },
    { kind: 'hang', apply: true },
    { kind: 'html', status: 502, apply: true },
    { kind: 'truncated' },
    { kind: 'code', code: '51', apply: true },
    { kind: 'code', code: '07', apply: true },
    { kind: 'code', code: '99', apply: true },
  );
  const variantsArb = fc.record({
    zones: fc.constantFrom(...ZONE_COMBINATIONS),
    tokenIn: fc.constantFrom(...TOKEN_PLACES),
    paymentToken: fc.constantFrom('null' as const, 'issued' as const),
    emptyList: fc.constantFrom(...EMPTY_LISTS),
    listPagination: fc.boolean(),
    listPageSize: fc.constantFrom(1, 2, 10),
    codes: fc.constantFrom('padded' as const, 'unpadded' as const),
    listDayZone: fc.constantFrom('WIB' as const, 'UTC' as const),
  });
  const scenarioArb = fc.record({
    variants: variantsArb,
    skewMinutes: fc.integer({ min: -5, max: 5 }),
    orders: fc.array(
      fc.record({ kind: fc.constantFrom('pulsa', 'data', 'plnpos', 'plntok'), fault: lostFault, sameCustomer: fc.boolean() }),
      { minLength: 1, maxLength: 5 },
    ),
    listFailures: fc.integer({ min: 0, max: 4 }),
  });

  it("at most one payment per key; applied never failed; success only on Singapay's word; no token lost", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const pair = await startSkewedPair(scenario.variants, scenario.skewMinutes * MINUTE, { timeoutMs: 400 });
        const { sim, ctx } = pair;
        try {
          const orders: SingapayPayRequest[] = [];
          for (const o of scenario.orders) {
            const n = next();
            let req: SingapayPayRequest;
            if (o.kind === 'plnpos' || o.kind === 'plntok') req = await inquired(ctx.service, o.kind, n);
            else {
              req = o.kind === 'pulsa' ? pulsa(n) : data(n);
              // The same customer buying the same thing again under another key: told apart only by time.
              const earlier = o.sameCustomer ? orders.find((p) => p.command === req.command) : undefined;
              if (earlier) req = { ...req, customerId: earlier.customerId };
            }
            orders.push(req);
            if (o.fault)
              sim.faults.add({
                endpoint: 'payment',
                match: { customerId: req.customerId, ...(req.referenceNumber ? { referenceNumber: req.referenceNumber } : {}) },
                fault: o.fault,
                times: 1,
              });
          }
          const customers = new Set(orders.map((o) => o.customerId));
          const sent = new Map([...customers].map((c) => [c, countPaymentRequests(sim, c)]));
          if (scenario.listFailures > 0)
            sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 }, times: scenario.listFailures });
          await Promise.all(orders.map((req) => settle(ctx.service.pay(req, { timeoutMs: 300 }))));
          sim.faults.clear();
          sim.settleAll();
          await afterHorizon(pair);
          await afterHorizon(pair);
          for (const customer of customers) {
            const keys = orders.filter((o) => o.customerId === customer);
            expect(sent.get(customer)!(), `requests for ${customer}`).toBeLessThanOrEqual(keys.length);
            const entries = ledgerEntries(sim, { customerId: customer });
            expect(entries.length).toBeLessThanOrEqual(keys.length);
            const payments = await Promise.all(keys.map((k) => settle(ctx.service.getPayment(k.idempotencyKey!))));
            const states = payments.map((p) => (p.ok ? p.value : undefined));
            // Each applied transaction belongs to one key, and that key never reads failed.
            const failed = states.filter((p) => p?.state === 'failed').length;
            expect(failed, `${customer}: ${failed} failed of ${keys.length} keys for ${entries.length} applied`).toBeLessThanOrEqual(
              keys.length - entries.length,
            );
            const held = states.filter((p) => p?.transactionId).map((p) => p!.transactionId!);
            expect(new Set(held).size).toBe(held.length);
            for (const p of states) {
              if (!p) continue;
              if (p.state === 'success' || p.state === 'pending' || p.state === 'refunded') {
                const truth = entries.find((e) => e.transactionId === p.transactionId);
                expect(truth, `${p.idempotencyKey} is ${p.state} without Singapay's transaction`).toBeDefined();
                expect(p.state).toBe(truth!.status);
                const token = sim.transaction(truth!.transactionId)?.token;
                if (token) expect(p.token).toBe(token);
              }
            }
          }
        } finally {
          await pair.close();
        }
      }),
      { seed: 20_261_201, numRuns: Number(process.env.SINGAPAY_PROPERTY_RUNS ?? 25), endOnFailure: true },
    );
  }, 240_000);
});
