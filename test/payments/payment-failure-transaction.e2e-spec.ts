/**
 * Failure answers that name the transaction they created (the simulator's
 * `failureTransactionId: 'whenCreated'`; the docs: "anything else failure, with
 * transaction_id when the transaction was created"), over real HTTP with callbacks:
 * the money drawn by such a failure comes back with a refund, and what the module
 * learns of it depends on how it reads the code.
 */
import { Test } from '@nestjs/testing';
import { SingapayCallbackReceiver, SingapayModule, SingapayService, type SingapayPaymentSettlement } from '@app/singapay';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord, type SingapayPaymentStore } from '@app/singapay/stores/index.js';
import {
  SingapaySimulator,
  SINGAPAY_TEST_CUSTOMER_EXAMPLES,
  singapayTestCustomerId,
  type SingapaySimulatorTransaction,
} from '@app/singapay-simulator';
import request from 'supertest';
import { startCallbackApp, type CallbackApp } from '../support/callback-testing.js';
import { createSingapay } from '../support/singapay-testing.js';
import { createSingapayWithClock, ManualClock, requestsTo } from '../support/adversarial-testing.js';

const PULSA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;

/** An in-memory store that refuses, as if down, the writes of a record in `state`: every one until `up()`, or the first `times`. */
function downFor(state: SingapayPaymentRecord['state'], times = Number.POSITIVE_INFINITY) {
  let down = true;
  let refused = 0;
  class DownForState extends SingapayInMemoryPaymentStore {
    override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
      if (down && record.state === state && refused < times) {
        refused++;
        throw new Error('store unavailable');
      }
      return super.replace(record, expectedVersion);
    }
  }
  return { store: new DownForState(), up: () => void (down = false), refused: () => refused };
}

describe('payment failures that name their transaction (failureTransactionId: whenCreated)', () => {
  let sim: SingapaySimulator;
  let singapay: SingapayService;
  let receiver: SingapayCallbackReceiver;
  let settlements: SingapayPaymentSettlement[];
  let started: CallbackApp;

  beforeAll(async () => {
    started = await startCallbackApp({ simulatorDelivers: true, simulator: { variants: { failureTransactionId: 'whenCreated' } } });
    ({ sim, service: singapay, receiver, settlements } = started);
  });
  afterAll(() => started.close());

  const pay = (customerId: string, idempotencyKey: string) =>
    singapay.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey }).catch((error: unknown) => error);
  const refundAndDeliver = async () => {
    sim.settleAll();
    await sim.flushCallbacks();
    await receiver.drain();
  };
  const statusesOf = (key: string) => settlements.filter((s) => s.idempotencyKey === key).map((s) => [s.status, s.via, s.transactionId]);

  it('an uncertain code (22) keeps the transaction id: looked up failed, then refunded by its 50 callback', async () => {
    await pay(singapayTestCustomerId('pulsa', 'codeAtPayment', '22'), 'fail-22');
    const [tx] = sim.transactions();
    const failed = await singapay.getPayment('fail-22');
    expect([failed.state, failed.transactionId]).toEqual(['failed', tx!.transactionId]);
    await refundAndDeliver();
    expect(sim.transaction(tx!.transactionId)?.status).toBe('refunded');
    expect((await singapay.getPayment('fail-22')).state).toBe('refunded');
    expect(statusesOf('fail-22')).toEqual([
      ['failed', 'lookup', tx!.transactionId],
      ['refunded', 'callback', tx!.transactionId],
    ]);
    expect(sim.ledger().applied).toBe(1);
  });

  it('50 at payment is refunded at once, with its transaction id', async () => {
    await pay(singapayTestCustomerId('pulsa', 'codeAtPayment', '50'), 'fail-50');
    const [tx] = sim.transactions();
    const refunded = await singapay.getPayment('fail-50');
    expect([refunded.state, refunded.transactionId]).toEqual(['refunded', tx!.transactionId]);
    await refundAndDeliver();
    expect((await singapay.getPayment('fail-50')).state).toBe('refunded');
  });

  it('a definitive code (20) with a transaction id: the record keeps the id, its refund moves it to refunded, the report pairs them', async () => {
    // The docs: "anything else failure, with transaction_id when the transaction was created". The
    // customer is told "failed" at once and nothing is paid twice; the transaction the refusal created
    // stays this payment's, so its refund reaches the record and the daily report pairs the two.
    const customerId = singapayTestCustomerId('pulsa', 'customerNotFound');
    const error = await pay(customerId, 'fail-20');
    expect(error).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
    const [tx] = sim.transactions();
    expect(tx).toMatchObject({ customerId, status: 'failed' });
    const failed = await singapay.getPayment('fail-20');
    expect([failed.state, failed.failure?.reason, failed.transactionId]).toEqual(['failed', 'rejected', tx!.transactionId]);
    // The same key again is the same refusal, and sends nothing.
    const received = sim.stats().paymentsReceived;
    expect(await pay(customerId, 'fail-20')).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
    expect(sim.stats().paymentsReceived).toBe(received);

    await refundAndDeliver();
    expect(sim.transaction(tx!.transactionId)?.status).toBe('refunded');
    expect((await singapay.getPayment('fail-20')).state).toBe('refunded');
    // The refusal is announced as it is recorded, the refund as its callback is confirmed.
    expect(statusesOf('fail-20')).toEqual([
      ['failed', 'payment', tx!.transactionId],
      ['refunded', 'callback', tx!.transactionId],
    ]);
    // The customer was told "failed" at once: the refunded payment keeps that failure, which says this refund
    // only gives the deposit its money back; and the same key still gives the same refusal.
    const refunded = await singapay.getPayment('fail-20');
    expect([refunded.state, refunded.failure?.reason]).toEqual(['refunded', 'rejected']);
    expect(settlements.find((s) => s.idempotencyKey === 'fail-20' && s.status === 'refunded')?.payment?.failure?.reason).toBe('rejected');
    expect(await pay(customerId, 'fail-20')).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
    // Singapay delivers the refund again (a retry, or a resend from its dashboard): the failure stays.
    sim.resendCallback(tx!.transactionId);
    await sim.flushCallbacks();
    await receiver.drain();
    expect((await singapay.getPayment('fail-20')).failure?.reason).toBe('rejected');
    expect(await pay(customerId, 'fail-20')).toMatchObject({ name: 'SingapayCustomerNotFoundException' });

    // The record's own WIB day (its time carries +07:00), not the clock's now, which may have passed midnight since.
    const wibDay = failed.createdAt.slice(0, 10);
    const report = await singapay.reconcileDay(wibDay);
    const rows = report.rows.filter((r) => r.local?.idempotencyKey === 'fail-20' || r.singapay?.transactionId === tx!.transactionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      pairedBy: 'transaction_id',
      needsAttention: false,
      local: { state: 'refunded' },
      singapay: { status: 'refunded' },
    });
  });
});

describe('a refused payment whose transaction is refunded out of step with its recording', () => {
  const customerId = singapayTestCustomerId('pulsa', 'customerNotFound');

  it('a refund callback that comes while the refusal is being written is not lost: the record ends refunded, announced once', async () => {
    // A store whose write of the refusal waits until the test lets it go: the refund's callback comes meanwhile.
    let releaseFailedWrite!: () => void;
    const failedWriteHeld = new Promise<void>((resolve) => (releaseFailedWrite = resolve));
    let failedWriteSeen!: () => void;
    const failedWriteReached = new Promise<void>((resolve) => (failedWriteSeen = resolve));
    class SlowToRecordFailures extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'failed' && record.failure?.reason === 'rejected') {
          failedWriteSeen();
          await failedWriteHeld;
        }
        return super.replace(record, expectedVersion);
      }
    }
    const started = await startCallbackApp({
      simulatorDelivers: true,
      simulator: { variants: { failureTransactionId: 'whenCreated' } },
      module: { paymentStore: new SlowToRecordFailures() },
    });
    try {
      const { sim, service, receiver, settlements } = started;
      const paying = service
        .pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'raced' })
        .catch((e: unknown) => e);
      await failedWriteReached;
      const [tx] = sim.transactions();
      sim.settleAll(); // Singapay refunds the transaction the refusal created, and calls back at once
      await sim.flushCallbacks();
      expect(sim.stats().callbacks.delivered).toBe(1);
      releaseFailedWrite();
      expect(await paying).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
      await receiver.drain();
      const payment = await service.getPayment('raced');
      expect([payment.state, payment.transactionId]).toEqual(['refunded', tx!.transactionId]);
      expect(settlements.filter((s) => s.idempotencyKey === 'raced').map((s) => [s.status, s.payment?.failure?.reason])).toEqual([
        ['failed', 'rejected'],
        ['refunded', 'rejected'],
      ]);
    } finally {
      await started.close();
    }
  });

  it('a refund whose callback never came: the daily report shows it without asking for attention', async () => {
    const started = await startCallbackApp({ simulatorDelivers: false, simulator: { variants: { failureTransactionId: 'whenCreated' } } });
    try {
      const { sim, service } = started;
      await service
        .pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'no-callback' })
        .catch(() => undefined);
      const [tx] = sim.transactions();
      sim.settleAll();
      expect(sim.transaction(tx!.transactionId)?.status).toBe('refunded');
      const failed = await service.getPayment('no-callback');
      expect([failed.state, failed.transactionId]).toEqual(['failed', tx!.transactionId]);
      const report = await service.reconcileDay(failed.createdAt.slice(0, 10));
      const row = report.rows.find((r) => r.local?.idempotencyKey === 'no-callback');
      expect(row).toMatchObject({ category: 'state_differs', needsAttention: false, singapay: { status: 'refunded' } });
      expect(row!.note).toContain('nothing more is owed');
    } finally {
      await started.close();
    }
  });
});

const statuses = (settlements: SingapayPaymentSettlement[], key: string) =>
  settlements.filter((s) => s.idempotencyKey === key).map((s) => [s.status, s.via, s.transactionId]);

/**
 * Runs `check` on an app whose store refuses, as if down, every write of a failed record until `up()`,
 * after a payment under `key` that Singapay refused (20) naming the transaction it created (`tx`);
 * `deliverRefund` refunds that transaction and delivers its callback.
 */
async function refusedWhileDown(
  key: string,
  check: (app: CallbackApp, up: () => void, deliverRefund: () => Promise<void>, tx: SingapaySimulatorTransaction) => Promise<void>,
) {
  const { store, up } = downFor('failed');
  const started = await startCallbackApp({
    simulatorDelivers: true,
    simulator: { variants: { failureTransactionId: 'whenCreated' } },
    module: { paymentStore: store },
  });
  try {
    const { sim, service, receiver } = started;
    const customerId = singapayTestCustomerId('pulsa', 'customerNotFound');
    const req = { command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: key } as const;
    expect(await service.pay(req).catch((e: unknown) => e)).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
    const [tx] = sim.transactions();
    const deliverRefund = async () => {
      sim.settleAll();
      await sim.flushCallbacks();
      await receiver.drain();
    };
    await check(started, up, deliverRefund, tx!);
  } finally {
    await started.close();
  }
}

/**
 * Runs `check` on an app keeping records in `paymentStore`, after a payment under `key` that Singapay
 * answered 50 (refunded), naming the transaction it created (`tx`); `refused` is what pay() threw.
 */
async function refundedAtPayment(
  paymentStore: SingapayPaymentStore,
  key: string,
  check: (app: CallbackApp, refused: unknown, tx: SingapaySimulatorTransaction) => Promise<void>,
) {
  const started = await startCallbackApp({
    simulatorDelivers: false,
    simulator: { variants: { failureTransactionId: 'whenCreated' } },
    module: { paymentStore },
  });
  try {
    const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '50');
    const refused = await started.service
      .pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: key })
      .catch((e: unknown) => e);
    const [tx] = started.sim.transactions();
    await check(started, refused, tx!);
  } finally {
    await started.close();
  }
}

describe("when pay()'s own write does not land", () => {
  it('an answer written over a record another replica refunded meanwhile: announced by that replica only, not twice', async () => {
    class RefundedByAnotherReplica extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'pending' && record.transactionId && expectedVersion === 1) {
          // The other replica took over (its lease ran out here), looked it up, and found it refunded.
          const current = (await this.get(record.key))!;
          const refunded = {
            ...current,
            state: 'refunded' as const,
            transactionId: record.transactionId,
            version: 2,
            updatedAt: current.updatedAt + 1,
          };
          await super.replace(refunded, 1);
        }
        return super.replace(record, expectedVersion);
      }
    }
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: new RefundedByAnotherReplica() } });
    try {
      const { service, settlements } = started;
      const paid = await service
        .pay({ command: 'pulsa', productCode: PULSA.productCode, customerId: '081234560077', idempotencyKey: 'overtaken' })
        .catch((e: unknown) => e);
      expect(paid).toMatchObject({ name: 'SingapayPaymentFailedException' });
      expect((await service.getPayment('overtaken')).state).toBe('refunded');
      expect(settlements.filter((s) => s.idempotencyKey === 'overtaken')).toEqual([]);
    } finally {
      await started.close();
    }
  });

  it('a refund answered at payment that the store could not take: announced only once written, which it is by itself once the store is back', async () => {
    const { store, up } = downFor('refunded');
    await refundedAtPayment(store, 'refund-unwritten', async ({ sim, service, settlements }, refused, tx) => {
      expect(refused).toMatchObject({ name: 'SingapayPaymentFailedException' });
      const mine = () => statuses(settlements, 'refund-unwritten');
      // Kept in this process: announced when written, so that another replica finding it first is the only one to announce it.
      expect(mine()).toEqual([]);
      up();
      // Nobody works on the payment again: the follow-ups write it as soon as the store takes it.
      await vi.waitFor(() => expect(mine()).toEqual([['refunded', 'payment', tx.transactionId]]), { timeout: 10_000, interval: 50 });
      expect(await store.get('refund-unwritten')).toMatchObject({ state: 'refunded', transactionId: tx.transactionId });
      expect((await service.getPayment('refund-unwritten')).state).toBe('refunded');
      expect(mine()).toHaveLength(1);
      expect(sim.stats().paymentsReceived).toBe(1);
    });
  });

  it('a refund at payment whose write landed but whose answer was lost: kept, found written already, and announced once', async () => {
    let lost = false;
    class LosesTheRefundsAnswer extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        const written = await super.replace(record, expectedVersion);
        if (written && record.state === 'refunded' && !lost) {
          lost = true;
          throw new Error('connection lost after the write');
        }
        return written;
      }
    }
    const store = new LosesTheRefundsAnswer();
    await refundedAtPayment(store, 'refund-landed', async ({ service, settlements }, refused, tx) => {
      expect([refused, lost]).toMatchObject([{ name: 'SingapayPaymentFailedException' }, true]);
      expect((await service.getPayment('refund-landed')).state).toBe('refunded');
      expect(statuses(settlements, 'refund-landed')).toEqual([['refunded', 'payment', tx.transactionId]]);
      // Not written a second time: the claim (1), then the refund that landed (2).
      expect((await store.get('refund-landed'))?.version).toBe(2);
    });
  });

  it("a refund at payment written over another replica's refund, whose answer was lost: that replica announced it, this one does not", async () => {
    let step = 0;
    class RefundedElsewhereThenLost extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'refunded' && step === 0) {
          // The other replica found it refunded first (a lookup writes no code): this write conflicts, and goes again on it.
          step = 1;
          const current = (await this.get(record.key))!;
          const refunded = { ...current, state: 'refunded' as const, transactionId: record.transactionId };
          await super.replace({ ...refunded, version: current.version + 1, updatedAt: current.updatedAt + 1 }, current.version);
          return super.replace(record, expectedVersion);
        }
        const written = await super.replace(record, expectedVersion);
        if (written && record.state === 'refunded' && step === 1) {
          step = 2;
          throw new Error('connection lost after the write');
        }
        return written;
      }
    }
    await refundedAtPayment(new RefundedElsewhereThenLost(), 'refund-over-refund', async ({ service, settlements }, refused) => {
      expect([refused, step]).toMatchObject([{ name: 'SingapayPaymentFailedException' }, 2]);
      expect(await service.getPayment('refund-over-refund')).toMatchObject({ state: 'refunded', responseCode: '50' });
      expect(statuses(settlements, 'refund-over-refund')).toEqual([]);
    });
  });

  it('a kept refund that two reads write at once, once the store is back: announced once', async () => {
    const { store, up } = downFor('refunded');
    await refundedAtPayment(store, 'read-twice', async ({ service, settlements }, _refused, tx) => {
      up();
      const reads = await Promise.all([1, 2, 3].map(() => service.getPayment('read-twice')));
      expect(reads.map((r) => r.state)).toEqual(['refunded', 'refunded', 'refunded']);
      expect(statuses(settlements, 'read-twice')).toEqual([['refunded', 'payment', tx.transactionId]]);
    });
  });

  it('a refusal the store could not take: the same key gives the same refusal once the store is back, and sends nothing', async () => {
    const { store, up } = downFor('failed');
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: store, timeoutMs: 2_000 } });
    try {
      const { sim, service } = started;
      const req = {
        command: 'pulsa',
        productCode: PULSA.productCode,
        customerId: singapayTestCustomerId('pulsa', 'customerNotFound'),
        idempotencyKey: 'refusal-unwritten',
      } as const;
      expect(await service.pay(req).catch((e: unknown) => e)).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
      up();
      expect(await service.pay(req).catch((e: unknown) => e)).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
      expect(await service.getPayment('refusal-unwritten')).toMatchObject({ state: 'failed', failure: { reason: 'rejected', code: '20' } });
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      await started.close();
    }
  });

  it('a success whose write landed but whose answer was lost (the store failed after writing): announced once', async () => {
    class LosesTheAnswer extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        const written = await super.replace(record, expectedVersion);
        if (record.state === 'success') throw new Error('connection lost after the write');
        return written;
      }
    }
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: new LosesTheAnswer() } });
    try {
      const { service, settlements } = started;
      const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '00');
      const paid = await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'answer-lost' });
      expect(paid.status).toBe('success');
      expect(settlements.filter((s) => s.idempotencyKey === 'answer-lost').map((s) => [s.status, s.via])).toEqual([['success', 'payment']]);
    } finally {
      await started.close();
    }
  });

  it("a kept refusal and its transaction's refund, whose callback came while the refusal waited: refunded, keeping the refusal", async () => {
    await refusedWhileDown('kept-then-refunded', async ({ service, settlements }, up, deliverRefund, tx) => {
      up();
      await deliverRefund(); // its callback finds the payment still "sending" in the store
      const payment = await service.getPayment('kept-then-refunded');
      expect([payment.state, payment.transactionId, payment.failure?.reason]).toEqual(['refunded', tx.transactionId, 'rejected']);
      expect(
        settlements.filter((s) => s.idempotencyKey === 'kept-then-refunded').map((s) => [s.status, s.payment?.failure?.reason]),
      ).toEqual([
        ['failed', 'rejected'],
        ['refunded', 'rejected'],
      ]);
    });
  });

  it('a success written over a version another writer made first, whose answer was then lost: announced once', async () => {
    let bumped = false;
    class BumpedThenLosesTheAnswer extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'success' && !bumped) {
          // Another writer's change first (a lookup counted, say): this write conflicts and goes again.
          bumped = true;
          const current = (await this.get(record.key))!;
          await super.replace({ ...current, lookups: current.lookups + 1, version: current.version + 1 }, current.version);
        }
        const written = await super.replace(record, expectedVersion);
        if (written && record.state === 'success') throw new Error('connection lost after the write');
        return written;
      }
    }
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: new BumpedThenLosesTheAnswer() } });
    try {
      const { service, settlements } = started;
      const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '00');
      expect(
        (await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'bumped-lost' })).status,
      ).toBe('success');
      expect(settlements.filter((s) => s.idempotencyKey === 'bumped-lost').map((s) => [s.status, s.via])).toEqual([['success', 'payment']]);
    } finally {
      await started.close();
    }
  });

  it('a kept refusal whose first write fails again while its refund waits as evidence: kept, then written, then refunded keeping it', async () => {
    await refusedWhileDown('kept-twice', async ({ service, settlements }, up, deliverRefund, tx) => {
      await deliverRefund(); // its callback leaves its word on the record, still "sending" in the store
      // The store still refuses the refusal: this process says it, and keeps it.
      expect(await service.getPayment('kept-twice')).toMatchObject({ state: 'failed', failure: { reason: 'rejected' } });
      up();
      const payment = await service.getPayment('kept-twice');
      expect([payment.state, payment.transactionId, payment.failure?.reason]).toEqual(['refunded', tx.transactionId, 'rejected']);
      expect(settlements.filter((s) => s.idempotencyKey === 'kept-twice').map((s) => [s.status, s.payment?.failure?.reason])).toEqual([
        ['failed', 'rejected'],
        ['refunded', 'rejected'],
      ]);
    });
  });

  it("a success written over another replica's success, whose answer was then lost: that replica announced it, this one does not", async () => {
    let overtaken = false;
    class SettledByAnotherReplica extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'success' && record.responseCode && !overtaken) {
          // The other replica (this one's lease ran out) found it by a lookup and settled it, announcing it there.
          overtaken = true;
          const current = (await this.get(record.key))!;
          const settled = {
            ...current,
            state: 'success' as const,
            transactionId: record.transactionId,
            owner: undefined,
            leaseUntil: undefined,
          };
          await super.replace({ ...settled, version: current.version + 1, updatedAt: current.updatedAt + 1 }, current.version);
        }
        const written = await super.replace(record, expectedVersion);
        if (written && record.state === 'success') throw new Error('connection lost after the write');
        return written;
      }
    }
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: new SettledByAnotherReplica() } });
    try {
      const { service, settlements } = started;
      const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '00');
      expect(
        (await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'overtaken-lost' })).status,
      ).toBe('success');
      expect(settlements.filter((s) => s.idempotencyKey === 'overtaken-lost')).toEqual([]);
    } finally {
      await started.close();
    }
  });

  it('a success whose write landed, then another writer changed it, and only then the answer was lost: announced once', async () => {
    let touched = false;
    class LosesTheAnswerAfterAnotherWrite extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        const written = await super.replace(record, expectedVersion);
        if (written && record.state === 'success' && record.responseCode && !touched) {
          // Before this write's answer comes back, another replica applies the same transaction again (success to
          // success, which announces nothing there).
          touched = true;
          await super.replace(
            { ...record, lookups: record.lookups + 1, version: record.version + 1, updatedAt: record.updatedAt + 1 },
            record.version,
          );
          throw new Error('connection lost after the write');
        }
        return written;
      }
    }
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: new LosesTheAnswerAfterAnotherWrite() } });
    try {
      const { service, settlements } = started;
      const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '00');
      const paid = await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'touched-lost' });
      expect([paid.status, touched]).toEqual(['success', true]);
      expect(settlements.filter((s) => s.idempotencyKey === 'touched-lost').map((s) => [s.status, s.via])).toEqual([
        ['success', 'payment'],
      ]);
    } finally {
      await started.close();
    }
  });

  it("an answer lost while a callback's evidence waits on the record, whose 'unknown' write then fails: the evidence survives and settles it", async () => {
    const { store, refused } = downFor('unknown', 1);
    const started = await startCallbackApp({
      simulatorDelivers: true,
      module: { paymentStore: store, timeoutMs: 1_500, retry: { maxAttempts: 1 } },
    });
    try {
      const { sim, service, receiver } = started;
      // Singapay's list cannot be read: only the callback can say what became of the payment.
      sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 } });
      const customerId = '081279999800'; // a direct purchase that succeeds at once, and calls back at once
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
      const paid = await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'evidence-kept' });
      await sim.flushCallbacks();
      await receiver.drain();
      const [tx] = sim.transactions();
      const payment = await service.getPayment('evidence-kept');
      expect(refused()).toBe(1);
      expect([paid.status, payment.state, payment.transactionId]).toEqual(['success', 'success', tx!.transactionId]);
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      await started.close();
    }
  });
  it.each(['its own first', 'the other first'] as const)(
    'two transactions offered to a payment still being sent (%s): neither is guessed, and its lookups see both',
    async (order) => {
      const started = await startCallbackApp({ simulatorDelivers: false, module: { timeoutMs: 1_500, retry: { maxAttempts: 1 } } });
      const elsewhere = await createSingapay({ baseUrl: started.sim.baseUrl, ...started.sim.credentials });
      try {
        const { sim, service, app } = started;
        const list = sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 } });
        const customerId = order === 'its own first' ? '081279979800' : '081279969800'; // direct purchases that succeed at once
        const purchase = { command: 'pulsa' as const, productCode: PULSA.productCode, customerId };
        // The same purchase for the same customer, made a moment before by another system (or by hand at Singapay).
        const other = (await elsewhere.service.pay({ ...purchase, idempotencyKey: 'bought-elsewhere' })).transactionId!;
        sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
        const key = `two-offers-${customerId}`;
        const paying = service.pay({ ...purchase, idempotencyKey: key });
        await vi.waitFor(() => expect(sim.transactions().filter((t) => t.customerId === customerId)).toHaveLength(2), {
          timeout: 1_000,
          interval: 20,
        });
        const own = sim.transactions().find((t) => t.customerId === customerId && t.transactionId !== other)!.transactionId;
        const deliver = (transactionId: string) =>
          request(app.getHttpServer())
            .post('/hooks/singapay')
            .send({ command: 'callback', response_code: '00', data: { transaction_id: transactionId, customer_id: customerId } });
        const [first, second] = order === 'its own first' ? [own, other] : [other, own];
        // The first is kept as evidence; the second makes both undecided, and both come again later.
        expect((await deliver(first)).status).toBe(200);
        expect((await deliver(second)).status).toBe(503);
        expect((await deliver(first)).status).toBe(503);
        // Its answer lost and the list unreadable, the payment has nothing but a contest: it stays unknown.
        expect(await paying).toMatchObject({ status: 'unknown' });
        // Once the list is read, it shows both: still two candidates, still no guess.
        sim.faults.remove(list);
        const payment = await service.getPayment(key);
        expect([payment.state, payment.transactionId]).toEqual(['unknown', undefined]);
        expect(sim.paymentsFor({ customerId })).toBe(2);
      } finally {
        await elsewhere.close();
        await started.close();
      }
    },
  );

  it('a refund at payment whose write five other writers came before: kept like a store failure, then written and announced once', async () => {
    let first = 0;
    class FiveWritersFirst extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'refunded' && first < 5) {
          // Another writer's change first each time (lookups counted elsewhere): this write conflicts, five times in a row.
          first++;
          const current = (await this.get(record.key))!;
          await super.replace({ ...current, lookups: current.lookups + 1, version: current.version + 1 }, current.version);
        }
        return super.replace(record, expectedVersion);
      }
    }
    const store = new FiveWritersFirst();
    await refundedAtPayment(store, 'five-first', async ({ sim, settlements }, refused, tx) => {
      expect([refused, first]).toMatchObject([{ name: 'SingapayPaymentFailedException' }, 5]);
      // Nobody works on the payment again: the follow-ups write it.
      await vi.waitFor(() => expect(statuses(settlements, 'five-first')).toEqual([['refunded', 'payment', tx.transactionId]]), {
        timeout: 10_000,
        interval: 50,
      });
      expect(await store.get('five-first')).toMatchObject({ state: 'refunded', transactionId: tx.transactionId });
      expect(sim.stats().paymentsReceived).toBe(1);
    });
  });

  it('a refund at payment whose write lost to another writer, read back from a copy that lags: tried again, written and announced', async () => {
    let stale: SingapayPaymentRecord | undefined;
    class LaggingRead extends SingapayInMemoryPaymentStore {
      override async get(key: string): Promise<SingapayPaymentRecord | undefined> {
        const lagging = stale;
        stale = undefined;
        return lagging ?? super.get(key);
      }
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'refunded' && expectedVersion === 1 && !stale) {
          // Another writer first (a lookup counted elsewhere); the next read still shows the version before it.
          const current = (await super.get(record.key))!;
          stale = current;
          await super.replace({ ...current, lookups: current.lookups + 1, version: current.version + 1 }, current.version);
        }
        return super.replace(record, expectedVersion);
      }
    }
    const store = new LaggingRead();
    await refundedAtPayment(store, 'lagging-read', async ({ settlements }, refused, tx) => {
      expect(refused).toMatchObject({ name: 'SingapayPaymentFailedException' });
      expect(statuses(settlements, 'lagging-read')).toEqual([['refunded', 'payment', tx.transactionId]]);
      expect(await store.get('lagging-read')).toMatchObject({ state: 'refunded', transactionId: tx.transactionId });
    });
  });

  it('a success whose write met a lookup that recorded its transaction pending, and then failed: kept, and the success written', async () => {
    let step = 0;
    class PendingFirstThenDown extends SingapayInMemoryPaymentStore {
      override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
        if (record.state === 'success' && record.responseCode && step < 2) {
          step++;
          if (step === 2) throw new Error('store unavailable');
          // Another replica's lookup (this one's claim ran out) found the transaction pending first.
          const current = (await this.get(record.key))!;
          const pending = { ...current, state: 'pending' as const, transactionId: record.transactionId, version: current.version + 1 };
          await super.replace(pending, current.version);
        }
        return super.replace(record, expectedVersion);
      }
    }
    const store = new PendingFirstThenDown();
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: store } });
    try {
      const { sim, service, settlements } = started;
      const customerId = singapayTestCustomerId('pulsa', 'codeAtPayment', '00');
      const paid = await service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: 'pending-first' });
      const [tx] = sim.transactions();
      expect([paid.status, step]).toEqual(['success', 2]);
      await vi.waitFor(() => expect(statuses(settlements, 'pending-first')).toEqual([['success', 'payment', tx!.transactionId]]), {
        timeout: 10_000,
        interval: 50,
      });
      expect(await store.get('pending-first')).toMatchObject({ state: 'success', responseCode: '00' });
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      await started.close();
    }
  });
});

describe("an uncertain answer carrying Singapay's word, whose write fails", () => {
  it('a 51 (Singapay says it went through) is kept and written: the payment keeps its code and never ends not_found', async () => {
    const { store, refused } = downFor('unknown', 2);
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    const clock = new ManualClock();
    const ctx = await createSingapayWithClock(
      {
        baseUrl: sim.baseUrl,
        ...sim.credentials,
        paymentStore: store,
        timeoutMs: 2_000,
        paymentNotFoundAfterMs: 2_000,
        retry: { baseDelayMs: 5 },
      },
      clock,
    );
    try {
      // Singapay's 51 ("went through") with nothing processed: no list or lookup will ever show it.
      sim.faults.add({ endpoint: 'payment', fault: { kind: 'code', code: '51' }, times: 1 });
      const paid = await ctx.service.pay({
        command: 'pulsa',
        productCode: PULSA.productCode,
        customerId: '081279995151',
        idempotencyKey: 'kept-51',
      });
      // Refused twice: as the send's answer, and again as pay() tried the kept word before looking it up.
      expect(refused()).toBe(2);
      expect(paid).toMatchObject({ status: 'unknown', responseCode: '51' });
      clock.advance(2_100);
      sim.advance(2_100);
      // The kept 51 is written by this read, which then looks the payment up, as any unknown payment.
      const searches = requestsTo(sim, '/api/v1/list-bill-transaction');
      const payment = await ctx.service.getPayment('kept-51');
      expect(requestsTo(sim, '/api/v1/list-bill-transaction')).toBeGreaterThan(searches);
      expect({ state: payment.state, responseCode: payment.responseCode, failure: payment.failure?.reason }).toEqual({
        state: 'unknown',
        responseCode: '51',
        failure: undefined,
      });
      expect(requestsTo(sim, '/api/v2/prepaid/payment')).toBe(1);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });
});

describe("replicas sharing a store, when one replica's write of Singapay's answer does not land", () => {
  /** One store seen by two replicas: A's writes of a record in `state` fail as if its connection were down, until `up()`; B's go through. */
  function sharedBy(state: SingapayPaymentRecord['state']) {
    const shared = new SingapayInMemoryPaymentStore();
    let down = true;
    const replica = (failing: boolean): SingapayPaymentStore => ({
      create: (record) => shared.create(record),
      get: (key) => shared.get(key),
      replace: async (record, expectedVersion) => {
        if (failing && down && record.state === state) throw new Error('store unavailable');
        return shared.replace(record, expectedVersion);
      },
      findByTransactionId: (transactionId) => shared.findByTransactionId(transactionId),
      listUnsettled: (limit, after) => shared.listUnsettled(limit, after),
      listUnsettledOf: (customerId, limit) => shared.listUnsettledOf(customerId, limit),
      listCreatedBetween: (fromMs, toMs, limit, after) => shared.listCreatedBetween(fromMs, toMs, limit, after),
    });
    return { a: replica(true), b: replica(false), up: () => void (down = false) };
  }

  /**
   * Runs `check` on replica A (its writes of a record in `state` failing until `up()`, its claim running out soon:
   * 1 s x 2 + 1 s) and replica B on one store, both announcing into `settlements`, after A's pay() of `customerId`
   * under `key` (`paid`: what it gave or threw); `tx` is the transaction Singapay created. B may look it up after 3.1 s.
   */
  async function acrossReplicas(
    state: SingapayPaymentRecord['state'],
    customerId: string,
    key: string,
    check: (run: {
      started: CallbackApp;
      replicaB: SingapayService;
      up: () => void;
      paid: unknown;
      tx: SingapaySimulatorTransaction;
    }) => Promise<void>,
  ) {
    const { a, b, up } = sharedBy(state);
    const started = await startCallbackApp({
      simulatorDelivers: false,
      simulator: { variants: { failureTransactionId: 'whenCreated' } },
      module: { paymentStore: a, timeoutMs: 1_000, retry: { maxAttempts: 1, deadlineMs: 0 } },
    });
    const { sim, service: replicaA, settlements } = started;
    const moduleB = await Test.createTestingModule({
      imports: [SingapayModule.forRoot({ baseUrl: sim.baseUrl, ...sim.credentials, paymentStore: b })],
    }).compile();
    const appB = moduleB.createNestApplication();
    await appB.init();
    const replicaB = appB.get(SingapayService);
    replicaB.settlements$.subscribe((s) => settlements.push(s));
    try {
      const paid = await replicaA
        .pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: key })
        .catch((e: unknown) => e);
      const [tx] = sim.transactions();
      await check({ started, replicaB, up, paid, tx: tx! });
      expect(sim.stats().paymentsReceived).toBe(1);
    } finally {
      await appB.close();
      await started.close();
    }
  }
  const lookupsMayStart = () => new Promise((resolve) => setTimeout(resolve, 3_100));

  it.each([
    ['50', 'refunded'],
    ['00', 'success'],
  ] as const)(
    'a %s that A keeps and B then finds by a lookup: announced once, by B, and not again when A writes it',
    async (code, state) => {
      const key = `kept-across-${code}`;
      await acrossReplicas(state, singapayTestCustomerId('pulsa', 'codeAtPayment', code), key, async ({ started, replicaB, up, tx }) => {
        const { sim, service: replicaA, settlements } = started;
        expect(statuses(settlements, key)).toEqual([]);
        sim.settleAll(); // a 50's transaction is listed failed until its refund: B finds it refunded
        await lookupsMayStart();
        expect((await replicaB.getPayment(key)).state).toBe(state);
        up();
        expect((await replicaA.getPayment(key)).state).toBe(state);
        expect(statuses(settlements, key)).toEqual([[state, 'lookup', tx.transactionId]]);
      });
    },
  );

  it("a refusal A keeps while B finds its transaction refunded by a lookup: A's refusal is written on the refund, which is then not owed", async () => {
    const key = 'kept-refusal-refunded';
    await acrossReplicas(
      'failed',
      singapayTestCustomerId('pulsa', 'customerNotFound'),
      key,
      async ({ started, replicaB, up, paid, tx }) => {
        const { sim, service: replicaA, settlements } = started;
        expect(paid).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
        sim.settleAll(); // the refusal's transaction is refunded
        await lookupsMayStart();
        // B knows nothing of the refusal: its lookup finds a refund.
        expect((await replicaB.getPayment(key)).state).toBe('refunded');
        up();
        // The read that writes the refusal answers with it.
        const payment = await replicaA.getPayment(key);
        expect([payment.state, payment.transactionId, payment.failure?.reason, payment.failure?.code]).toEqual([
          'refunded',
          tx.transactionId,
          'rejected',
          '20',
        ]);
        expect(statuses(settlements, key)).toEqual([['refunded', 'lookup', tx.transactionId]]);
      },
    );
  });
});
