import { inspect } from 'node:util';
import {
  SingapayInMemoryPaymentStore,
  SingapayPaymentStoreError,
  type SingapayPaymentRecord,
  type SingapayPaymentRecordCursor,
} from '@app/singapay/stores/index.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from '@app/singapay-simulator';
import { hashPaymentRequest, paymentClaim, paymentParamsOf, SINGAPAY_FAILURES } from '@app/singapay/payments/singapay-payment.state.js';
import { capturedLogLines, registerSecret } from '../support/log-capture.js';
import { createSingapay } from '../support/singapay-testing.js';

/**
 * The payment engine under stress: a store that fails after Singapay answered, lost
 * purchases competing for one transaction, a sweep with more than a page of work,
 * and callers waiting on each other's payment.
 */

const PULSA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
const OTHER_TRANSACTION = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/**
 * A store whose next write of an accepted outcome throws, as when its connection drops, having left
 * the record as it was (`lost`), written (`committed`: the reply was what got lost) or holding
 * another transaction (`contradicted`).
 */
class FailingOutcomeStore extends SingapayInMemoryPaymentStore {
  private failNextOutcome = true;
  constructor(private readonly left: 'lost' | 'committed' | 'contradicted') {
    super();
  }
  override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
    if (!this.failNextOutcome || (record.state !== 'success' && record.state !== 'pending')) return super.replace(record, expectedVersion);
    this.failNextOutcome = false;
    if (this.left === 'committed') await super.replace(record, expectedVersion);
    if (this.left === 'contradicted') await super.replace({ ...record, transactionId: OTHER_TRANSACTION }, expectedVersion);
    throw new Error('connection lost');
  }
}

/**
 * A store whose client runs each claim twice and answers the second run, as ioredis does when a connection
 * closes between a command and its reply (a Cluster resends it after a failover): the first run wrote it.
 */
class ResendingStore extends SingapayInMemoryPaymentStore {
  /** Run between the two runs of a claim (a resend that comes late). */
  between = () => {};
  override async create(record: SingapayPaymentRecord) {
    await super.create(record);
    this.between();
    return super.create(record);
  }
  override async replace(record: SingapayPaymentRecord, expectedVersion: number) {
    if (record.state !== 'sending') return super.replace(record, expectedVersion);
    await super.replace(record, expectedVersion);
    return super.replace(record, expectedVersion);
  }
}

/** A store whose client fails as ioredis does when a reconnection's AUTH is refused: the command, password included, hangs on the error. */
class AuthRefusedStore extends SingapayInMemoryPaymentStore {
  static readonly PASSWORD = 'rotated-away-pw-5521';
  private refused() {
    return Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), {
      name: 'ReplyError',
      command: { name: 'hello', args: ['3', 'AUTH', 'default', AuthRefusedStore.PASSWORD] },
    });
  }
  checkIntegrity(): Promise<never> {
    return Promise.reject(this.refused());
  }
  resumeAfterLoss(): Promise<never> {
    return Promise.reject(this.refused());
  }
}

/** Counts what the engine asks of the store. */
class CountingStore extends SingapayInMemoryPaymentStore {
  readonly calls = { create: 0, replace: 0 };
  override create(record: SingapayPaymentRecord) {
    this.calls.create++;
    return super.create(record);
  }
  override replace(record: SingapayPaymentRecord, expectedVersion: number) {
    this.calls.replace++;
    return super.replace(record, expectedVersion);
  }
}

/**
 * Pays `key` through `ctx` (a payment that stays pending), then adds to `store` open records under `keys`
 * that another replica is still sending (its claim holds: not due for the sweep), the i-th created at `createdAt(i, paid)`.
 */
async function seedOpenRecords(
  ctx: Awaited<ReturnType<typeof createSingapay>>,
  store: SingapayInMemoryPaymentStore,
  key: string,
  keys: string[],
  createdAt: (i: number, paidAt: number) => number,
): Promise<void> {
  const customerId = singapayTestCustomerId('pulsa', 'staysPending');
  await ctx.service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: key });
  const template = (await store.get(key))!;
  for (const [i, other] of keys.entries()) {
    const at = createdAt(i, template.createdAt);
    await store.create({
      ...template,
      key: other,
      state: 'sending',
      transactionId: undefined,
      createdAt: at,
      updatedAt: at,
      leaseUntil: Date.now() + 3_600_000,
    });
  }
}

describe('the payment engine under store failures and contention (simulator)', () => {
  let sim: SingapaySimulator;
  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('writes a payment twice: the claim, which counts the send, and the outcome', async () => {
    const store = new CountingStore();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
    try {
      const paid = await ctx.service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-two-writes' });
      expect(paid.status).toBe('pending');
      expect(store.calls).toEqual({ create: 1, replace: 1 });
      expect(await ctx.service.getPayment('order-two-writes')).toMatchObject({ state: 'pending', sendCount: 1 });
    } finally {
      await ctx.close();
    }
  });

  it("sends a claim the store's client wrote twice, once: the second run finds the first's record, which is this claim's own", async () => {
    const store = new ResendingStore();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store, timeoutMs: 2_000 });
    try {
      const order = { command: 'pulsa' as const, ...PULSA, idempotencyKey: 'order-claim-resent' };
      expect((await ctx.service.pay(order)).status).toBe('pending');
      // A payment never sent, claimed again through the same client: the reclaim is found written too.
      const params = paymentParamsOf({ ...order, customerId: singapayTestCustomerId('pulsa', 'staysPending') });
      const now = Date.now();
      await store.create({
        ...paymentClaim(
          { key: 'order-reclaim-resent', requestHash: hashPaymentRequest(params), params, owner: 'gone', leaseUntil: now },
          now,
        ),
        state: 'failed',
        sendCount: 0,
        failure: SINGAPAY_FAILURES.notSent(),
        owner: undefined,
        leaseUntil: undefined,
      });
      expect((await ctx.service.pay({ ...order, ...params, idempotencyKey: 'order-reclaim-resent' })).status).toBe('pending');
      expect(sim.stats().paymentsReceived).toBe(2);
      expect(await ctx.service.getPayment('order-reclaim-resent')).toMatchObject({ state: 'pending', sendCount: 1 });
    } finally {
      await ctx.close();
    }
  });

  it('never sends a claim the store answered after its lease ended: it is marked not sent, and its key pays once when called again', async () => {
    const store = new ResendingStore();
    let offset = 0;
    store.between = () => (offset += 10 * 60_000);
    const ctx = await createSingapay(
      { baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store, timeoutMs: 2_000, retry: { maxAttempts: 1 } },
      { now: () => Date.now() + offset },
    );
    try {
      const order = { command: 'pulsa' as const, ...PULSA, idempotencyKey: 'order-claim-late' };
      const paid = await ctx.service.pay(order).then(
        (r) => r.status,
        (e: { delivery?: string }) => e.delivery,
      );
      expect(paid).toBe('not_sent');
      expect(sim.stats().paymentsReceived).toBe(0);
      expect(await ctx.service.getPayment('order-claim-late')).toMatchObject({ state: 'failed', sendCount: 0 });
      // Marked not sent, the key is claimed again (in time, this once), and paid once.
      store.between = () => {};
      expect((await ctx.service.pay(order)).status).toBe('pending');
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      await ctx.close();
    }
  });

  it("shows a store client's error by its name and first line, never the command it carries (a reconnection's password)", async () => {
    registerSecret(AuthRefusedStore.PASSWORD);
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: new AuthRefusedStore() });
    try {
      for (const call of [() => ctx.service.checkPaymentStore(), () => ctx.service.resumePayments()]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(SingapayPaymentStoreError);
        expect((error as Error).message).toMatch(/^the payment store could not .+: ReplyError: WRONGPASS invalid username-password pair/);
        expect(inspect(error)).not.toContain(AuthRefusedStore.PASSWORD);
      }
    } finally {
      await ctx.close();
    }
  });

  it('takes the token before the claim: without one a new key leaves no record and says not sent; a recorded key still answers', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { maxAttempts: 1 } });
    try {
      await ctx.service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-before-outage' });
      await ctx.tokens.invalidate(await ctx.tokens.getAccessToken());
      sim.faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 503 }, times: 100 });
      const error = await ctx.service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-during-outage' }).then(
        () => undefined,
        (e: unknown) => e as { delivery?: string },
      );
      expect(error?.delivery).toBe('not_sent');
      await expect(ctx.service.getPayment('order-during-outage')).rejects.toMatchObject({ status: 404 });
      expect(await ctx.service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-before-outage' })).toMatchObject({
        status: 'pending',
      });
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      sim.faults.clear();
      await ctx.close();
    }
  });

  /** The module on a store whose next outcome write fails as `left` says, and the log lines about an unrecorded answer since. */
  async function onFailingStore(left: ConstructorParameters<typeof FailingOutcomeStore>[0], now?: () => number) {
    const store = new FailingOutcomeStore(left);
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store }, { now });
    onTestFinished(() => ctx.close());
    const logged = capturedLogLines.length;
    const unrecordedLines = () => capturedLogLines.slice(logged).filter((line) => line.includes('could not be recorded'));
    return { store, service: ctx.service, unrecordedLines };
  }

  it('a store error after Singapay answered is not "not sent": the caller gets the answer, and the key is never paid twice', async () => {
    const { service, unrecordedLines } = await onFailingStore('lost');
    const order = {
      command: 'pulsa' as const,
      productCode: PULSA.productCode,
      customerId: PULSA.customerId,
      idempotencyKey: 'order-flaky',
    };
    expect((await service.pay(order)).status).toBe('pending');
    expect(['pending', 'unknown']).toContain((await service.pay(order)).status);
    expect(sim.paymentsFor({ customerId: PULSA.customerId })).toBe(1);
    // One line, which says the store failed: not that the record refused Singapay's answer.
    expect(unrecordedLines()).toEqual([
      expect.stringMatching(/^error pay key=\S+ outcome could not be recorded \(\w+\); kept in this process/),
    ]);
  });

  it('an answer kept after the store failed gives way to the record once it moved on: refunded since, it reads refunded and is not paid again', async () => {
    let offset = 0;
    const { store, service } = await onFailingStore('lost', () => Date.now() + offset);
    const customerId = singapayTestCustomerId('pulsa', 'failsThenRefunds');
    const order = { command: 'pulsa' as const, productCode: PULSA.productCode, customerId, idempotencyKey: 'order-kept-refunded' };
    expect((await service.pay(order)).status).toBe('pending');
    expect(await store.get('order-kept-refunded')).toMatchObject({ state: 'sending' });
    // Singapay refunds it; once the sender's claim ran out, the sweep looks it up and records that.
    sim.settleAll();
    offset = 10 * 60_000;
    await service.sweepPayments();
    expect(await store.get('order-kept-refunded')).toMatchObject({ state: 'refunded' });
    expect(await service.getPayment('order-kept-refunded')).toMatchObject({ state: 'refunded' });
    await expect(service.pay(order)).rejects.toMatchObject({ responseType: 'payment_refunded' });
    expect(sim.paymentsFor({ customerId })).toBe(1);
  });

  it('an outcome the store kept but reported failed is read back: answered as stored, with no word of an unrecorded answer', async () => {
    const { store, service, unrecordedLines } = await onFailingStore('committed');
    const paid = await service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-committed' });
    expect(paid.status).toBe('pending');
    expect(await store.get('order-committed')).toMatchObject({ state: 'pending', transactionId: paid.transactionId, sendCount: 1 });
    expect(await service.getPayment('order-committed')).toMatchObject({ transactionId: paid.transactionId, sendCount: 1 });
    expect(unrecordedLines()).toEqual([]);
    expect(sim.paymentsFor({ customerId: PULSA.customerId })).toBe(1);
  });

  it('a store that failed and holds another transaction is said loudly, with the failure; the caller still gets Singapay’s answer', async () => {
    const { service, unrecordedLines } = await onFailingStore('contradicted');
    const paid = await service.pay({ command: 'pulsa', ...PULSA, idempotencyKey: 'order-contradicted' });
    expect(paid).toMatchObject({ status: 'pending' });
    expect(paid.transactionId).not.toBe(OTHER_TRANSACTION);
    expect(unrecordedLines()).toEqual([
      expect.stringContaining(
        `answer (transaction ${paid.transactionId}) could not be recorded (SingapayPaymentStoreException): the record holds transaction ${OTHER_TRANSACTION}; kept in this process, check the Singapay dashboard`,
      ),
    ]);
    expect(sim.paymentsFor({ customerId: PULSA.customerId })).toBe(1);
  });

  it('the sweep reaches unsettled payments beyond the oldest hundred', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials });
    try {
      for (let i = 0; i < 101; i++) {
        const customerId = `0812${String(100000 + i)}9001`;
        await ctx.service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: `stuck-${i}` });
      }
      const customerId = '081299999991';
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      sim.faults.add({ endpoint: 'list', fault: { kind: 'resetBeforeApply' } });
      const lost = await ctx.service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'order-lost' });
      expect(lost.status).toBe('unknown');
      sim.faults.clear();
      await ctx.service.sweepPayments();
      const payment = await ctx.service.getPayment('order-lost');
      expect(payment.state).toBe('pending');
      expect(payment.transactionId).toBe(sim.ledger().transactions.find((t) => t.customerId === customerId)!.transactionId);
    } finally {
      await ctx.close();
    }
  });

  it('the sweep reaches an unsettled payment behind ten thousand older open ones (an outage leaves them)', async () => {
    const store = new SingapayInMemoryPaymentStore();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
    try {
      // Older payments another replica is still sending: open, and not due for the sweep.
      const older = Array.from({ length: 10_000 }, (_, i) => `older-${i}`);
      await seedOpenRecords(ctx, store, 'stuck', older, (i, paidAt) => paidAt - 60_000 + i);
      const customerId = '081299999992';
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      sim.faults.add({ endpoint: 'list', fault: { kind: 'resetBeforeApply' } });
      const lost = await ctx.service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'lost-behind' });
      expect(lost.status).toBe('unknown');
      sim.faults.clear();
      await ctx.service.sweepPayments();
      expect(await store.get('lost-behind')).toMatchObject({
        state: 'pending',
        transactionId: sim.ledger().transactions.find((t) => t.customerId === customerId)!.transactionId,
      });
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("a store of the app's own that ignores the listing cursor: the sweep ends after its first page, and says why", async () => {
    class IgnoresTheCursor extends SingapayInMemoryPaymentStore {
      override listUnsettled(limit: number): Promise<SingapayPaymentRecord[]> {
        return super.listUnsettled(limit);
      }
    }
    const store = new IgnoresTheCursor();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
    try {
      const next = Array.from({ length: 150 }, (_, i) => `next-${i}`);
      await seedOpenRecords(ctx, store, 'first', next, (i, paidAt) => paidAt + 1 + i);
      const mark = capturedLogLines.length;
      expect(await ctx.service.sweepPayments()).toBe(0);
      expect(capturedLogLines.slice(mark).join('\n')).toContain('the payment store gave no later page of unsettled records');
    } finally {
      await ctx.close();
    }
  });

  it('a store that pages in an order of its own (a database collation, not bytes): the sweep reads every page', async () => {
    let listed = 0;
    // Ties on the creation time by key, case-insensitively, as PostgreSQL's default collation may sort them.
    const order = (a: SingapayPaymentRecord, b: SingapayPaymentRecord) =>
      a.createdAt - b.createdAt || a.key.toLowerCase().localeCompare(b.key.toLowerCase());
    class CollatedOrder extends SingapayInMemoryPaymentStore {
      override async listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]> {
        const all = (await super.listUnsettled(100_000)).sort(order);
        const from = after
          ? all.findIndex((r) => order(r, { createdAt: after.createdAt, key: after.key } as SingapayPaymentRecord) > 0)
          : 0;
        const page = from < 0 ? [] : all.slice(from, from + limit);
        listed += page.length;
        return page;
      }
    }
    const store = new CollatedOrder();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
    try {
      // One millisecond's batch: 'a…' before 'B…' in the collation, after it in bytes.
      const keys = [
        ...Array.from({ length: 100 }, (_, i) => `a-${String(i).padStart(3, '0')}`),
        ...Array.from({ length: 150 }, (_, i) => `B-${String(i).padStart(3, '0')}`),
      ];
      await seedOpenRecords(ctx, store, 'collated', keys, (_i, paidAt) => paidAt + 1);
      const mark = capturedLogLines.length;
      await ctx.service.sweepPayments();
      expect(listed).toBe(251);
      expect(capturedLogLines.slice(mark).join('\n')).not.toContain('the payment store gave no later page');
    } finally {
      await ctx.close();
    }
  });

  it('a store whose pages start again at the cursor record (after inclusive): the sweep reads every record once', async () => {
    const seen: string[] = [];
    class InclusiveCursor extends SingapayInMemoryPaymentStore {
      override async listUnsettled(limit: number, after?: SingapayPaymentRecordCursor): Promise<SingapayPaymentRecord[]> {
        const at = after && (await this.get(after.key));
        const page = at ? [at, ...(await super.listUnsettled(limit - 1, after))] : await super.listUnsettled(limit, after);
        seen.push(...page.map((r) => r.key));
        return page;
      }
    }
    const store = new InclusiveCursor();
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: store });
    try {
      // 199 in all: the last page holds only the cursor's own record again.
      const keys = Array.from({ length: 198 }, (_, i) => `k-${i}`);
      await seedOpenRecords(ctx, store, 'inclusive', keys, (i, paidAt) => paidAt + 1 + i);
      const mark = capturedLogLines.length;
      await ctx.service.sweepPayments();
      expect(new Set(seen).size).toBe(199);
      expect(capturedLogLines.slice(mark).join('\n')).not.toContain('the payment store gave no later page');
    } finally {
      await ctx.close();
    }
  });

  it('two lost direct purchases never both take one transaction', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { maxAttempts: 1 } });
    try {
      const customerId = singapayTestCustomerId('pulsa', 'staysPending');
      sim.faults.add({ endpoint: 'list', fault: { kind: 'resetBeforeApply' } });
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetBeforeApply' }, times: 1 });
      const input = { command: 'pulsa' as const, productCode: PULSA.productCode, customerId };
      expect((await ctx.service.pay({ ...input, idempotencyKey: 'K1' })).status).toBe('unknown');
      expect((await ctx.service.pay({ ...input, idempotencyKey: 'K2' })).status).toBe('unknown');
      sim.faults.clear();
      const [a, b] = await Promise.all([ctx.service.getPayment('K1'), ctx.service.getPayment('K2')]);
      expect(sim.ledger().transactions.filter((t) => t.customerId === customerId)).toHaveLength(1);
      const holders = [a, b].filter((p) => p.transactionId !== undefined);
      expect(holders.length).toBeLessThanOrEqual(1);
    } finally {
      await ctx.close();
    }
  });

  it('a caller waiting on another caller’s payment keeps its own timeout', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, timeoutMs: 3_000 });
    try {
      const customerId = '081288888881';
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 1_500 } });
      const input = { command: 'pulsa' as const, productCode: PULSA.productCode, customerId, idempotencyKey: 'order-wait-own' };
      const slow = ctx.service.pay(input);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const waiting = await ctx.service.pay(input, { timeoutMs: 200 });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(waiting.status).toBe('unknown');
      expect((await slow).status).toBe('pending');
      expect(sim.paymentsFor({ customerId })).toBe(1);
    } finally {
      await ctx.close();
    }
  });

  it('a reader of a payment this process is sending keeps its own timeout, and then reads it as being sent', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, timeoutMs: 3_000 });
    try {
      const customerId = '081288888882';
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 1_500 } });
      const slow = ctx.service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'order-read-own' });
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      const [read, waited] = await Promise.all([
        ctx.service.getPayment('order-read-own', { timeoutMs: 200 }),
        ctx.service.waitForPayment('order-read-own', { timeoutMs: 200, pollIntervalMs: 50 }),
      ]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect([read.state, waited.state]).toEqual(['sending', 'sending']);
      expect((await slow).status).toBe('pending');
      expect(sim.paymentsFor({ customerId })).toBe(1);
    } finally {
      await ctx.close();
    }
  });

  it('a reader of a payment this process is sending gets it as recorded when Singapay refuses it, not the sender’s error', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials });
    try {
      const customerId = singapayTestCustomerId('pulsa', 'codeAtInquiry', '20');
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 500 } });
      const input = { command: 'pulsa' as const, productCode: PULSA.productCode, customerId, idempotencyKey: 'order-read-refused' };
      const paying = ctx.service.pay(input).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      const readers = Promise.allSettled([
        ctx.service.getPayment('order-read-refused'),
        ctx.service.waitForPayment('order-read-refused', { pollIntervalMs: 100 }),
      ]);
      expect(await paying).toMatchObject({ responseCode: '20' });
      const refused = { status: 'fulfilled', value: { state: 'failed', responseCode: '20', failure: { reason: 'rejected' } } };
      expect(await readers).toMatchObject([refused, refused]);
    } finally {
      await ctx.close();
    }
  });
});
