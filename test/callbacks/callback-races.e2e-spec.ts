/*
 * A callback that comes while other work on its payment is under way: what it says is applied
 * itself, never replaced by what that work found, and its 200 comes only once it is. Singapay
 * sends no callbacks of its own here (no callbackUrl): the test delivers them, over HTTP, at the
 * moment it needs.
 */
import { SingapayService, type SingapayAcceptedPayment } from '@app/singapay';
import { SingapayInMemoryPaymentStore, type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from '@app/singapay-simulator';
import { capturingLogger } from '../support/log-capture.js';
import { startCallbackApp, type CallbackApp } from '../support/callback-testing.js';

const PLNPOS = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plnpos;
const DATA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;

describe('a callback that comes while work on its payment is under way', () => {
  let sim: SingapaySimulator;
  let url: string;
  let service: SingapayService;

  let started: CallbackApp;

  beforeAll(async () => {
    started = await startCallbackApp({
      simulatorDelivers: false,
      simulator: { settleDelayMs: 600_000 },
      module: { timeoutMs: 1_500, retry: { maxAttempts: 1 } },
      logger: capturingLogger,
    });
    ({ sim, url, service } = started);
  });
  afterAll(() => started.close());
  afterEach(() => sim.faults.clear());

  const deliver = (transactionId: string, customerId: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'callback', response_code: '00', data: { transaction_id: transactionId, customer_id: customerId } }),
    }).then((r) => r.status);

  it("a purchase with an inquiry takes the callback's transaction while a lookup of it is under way", async () => {
    const customerId = '146300068071';
    const bill = await service.inquiry({ command: 'plnpos', productCode: PLNPOS.productCode, customerId });
    // Singapay's list cannot be read at all: only the callback can say what became of the payment.
    sim.faults.add({ endpoint: 'list', fault: { kind: 'hang' } });
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'hang', apply: true }, times: 1 });
    const key = 'race-inquiry-lookup';
    const paid = await service.pay({
      command: 'plnpos',
      productCode: PLNPOS.productCode,
      customerId,
      referenceNumber: bill.referenceNumber,
      idempotencyKey: key,
    });
    expect(paid.status).toBe('unknown');
    const tx = sim.ledger().transactions.find((t) => t.customerId === customerId)!;

    // A caller reads the payment, and its lookup hangs on the list when the callback comes.
    const reading = service.getPayment(key);
    await new Promise((r) => setTimeout(r, 100));
    expect(await deliver(tx.transactionId, customerId)).toBe(200);
    const payment = await service.getPayment(key);
    expect([payment.state, payment.transactionId]).toEqual(['success', tx.transactionId]);
    await reading;
  });

  it("a refund's callback that comes while an earlier delivery's lookup is under way gets a lookup of its own", async () => {
    const customerId = singapayTestCustomerId('data', 'failsThenRefunds');
    const key = 'race-refund-delivery';
    const paid = (await service.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId,
      idempotencyKey: key,
    })) as SingapayAcceptedPayment;
    expect(paid.status).toBe('pending');
    const { transactionId } = paid;
    sim.advance(600_000); // failed

    // An earlier delivery's lookup reads "failed" at once, and its answer is held back while Singapay refunds.
    sim.faults.add({ endpoint: 'detail', fault: { kind: 'latency', ms: 500, processFirst: true }, times: 1 });
    const earlier = deliver(transactionId, customerId);
    await new Promise((r) => setTimeout(r, 100));
    sim.advance(600_000);
    expect(sim.transaction(transactionId)?.status).toBe('refunded');
    expect(await deliver(transactionId, customerId)).toBe(200);
    expect((await service.getPayment(key)).state).toBe('refunded');
    expect(await earlier).toBe(200);
  });
});

describe('a callback whose payment another replica moved between its read and its write', () => {
  /**
   * A store shared with "another replica", which writes `their` change to the payment just before
   * this process writes a refund over the version it read: the compare-and-set fails, and the
   * refund is written over the other replica's version.
   */
  class SharedWithAnotherReplica extends SingapayInMemoryPaymentStore {
    their?: (record: SingapayPaymentRecord) => Partial<SingapayPaymentRecord>;
    override async replace(record: SingapayPaymentRecord, expectedVersion: number): Promise<boolean> {
      const their = this.their;
      if (their && record.state === 'refunded') {
        this.their = undefined;
        const current = (await this.get(record.key))!;
        await super.replace(
          { ...current, ...their(current), version: current.version + 1, updatedAt: current.updatedAt + 1 },
          current.version,
        );
      }
      return super.replace(record, expectedVersion);
    }
  }

  const refundThatRaces = async (their: (record: SingapayPaymentRecord) => Partial<SingapayPaymentRecord>) => {
    const store = new SharedWithAnotherReplica();
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: store } });
    try {
      const { sim, url, service, receiver, settlements } = started;
      const key = `race-${settlements.length}-${Math.random()}`;
      const customerId = singapayTestCustomerId('data', 'failsThenRefunds');
      const paid = (await service.pay({
        command: 'data',
        productCode: DATA.productCode,
        customerId,
        idempotencyKey: key,
      })) as SingapayAcceptedPayment;
      sim.settleAll(); // Singapay fails it, then refunds it
      store.their = their;
      const body = { command: 'callback', response_code: '50', data: { transaction_id: paid.transactionId } };
      const status = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.status,
      );
      await receiver.drain();
      return { status, payment: await service.getPayment(key), announced: settlements.filter((s) => s.idempotencyKey === key) };
    } finally {
      await started.close();
    }
  };

  it("over the other replica's failure: the refund keeps that failure, so no one refunds the customer twice", async () => {
    const { status, payment, announced } = await refundThatRaces(() => ({
      state: 'failed',
      failure: {
        reason: 'transaction_failed',
        code: null,
        type: 'transaction_failed',
        httpStatus: 409,
        message: 'Singapay marked the transaction failed',
      },
    }));
    expect(status).toBe(200);
    expect([payment.state, payment.failure?.reason]).toEqual(['refunded', 'transaction_failed']);
    expect(announced.map((s) => [s.status, s.payment?.failure?.reason])).toEqual([['refunded', 'transaction_failed']]);
  });

  it('over the refund the other replica wrote already: nothing is announced a second time', async () => {
    const { status, payment, announced } = await refundThatRaces(() => ({ state: 'refunded' }));
    expect(status).toBe(200);
    expect(payment.state).toBe('refunded');
    expect(announced).toEqual([]);
  });
});
