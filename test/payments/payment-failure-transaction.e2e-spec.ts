/**
 * Failure answers that name the transaction they created (the simulator's
 * `failureTransactionId: 'whenCreated'`; the docs: "anything else failure, with
 * transaction_id when the transaction was created"), over real HTTP with callbacks:
 * the money drawn by such a failure comes back with a refund, and what the module
 * learns of it depends on how it reads the code.
 */
import { SingapayCallbackReceiver, SingapayService, type SingapayPaymentSettlement } from '@app/singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from '@app/singapay-simulator';
import { startCallbackApp, type CallbackApp } from '../support/callback-testing.js';

const PULSA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;

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

  it('a definitive code (20) with a transaction id: the record drops the id, the refund is an orphan, the report shows the transaction unpaired', async () => {
    // The module reads a definitive code as "no transaction was made" (reconciliation's madeNoTransaction),
    // so the id the answer carried is not kept. Nothing is paid twice and the customer is told "failed",
    // which the refund agrees with; but the refund's callback pairs with no payment, and the report
    // lists Singapay's transaction on its own.
    const customerId = singapayTestCustomerId('pulsa', 'customerNotFound');
    const error = await pay(customerId, 'fail-20');
    expect(error).toMatchObject({ name: 'SingapayCustomerNotFoundException' });
    const [tx] = sim.transactions();
    expect(tx).toMatchObject({ customerId, status: 'failed' });
    const failed = await singapay.getPayment('fail-20');
    expect([failed.state, failed.failure?.reason, failed.transactionId]).toEqual(['failed', 'rejected', undefined]);
    await refundAndDeliver();
    expect(sim.transaction(tx!.transactionId)?.status).toBe('refunded');
    expect((await singapay.getPayment('fail-20')).state).toBe('failed');
    expect(statusesOf('fail-20')).toEqual([]);

    // The record's own WIB day (its time carries +07:00), not the clock's now, which may have passed midnight since.
    const wibDay = failed.createdAt.slice(0, 10);
    const report = await singapay.reconcileDay(wibDay);
    expect(report.rows.find((r) => r.local?.idempotencyKey === 'fail-20')).toMatchObject({ category: 'local_only', needsAttention: false });
    expect(report.rows.find((r) => r.singapay?.transactionId === tx!.transactionId)).toMatchObject({
      category: 'singapay_only',
      needsAttention: false,
      singapay: { status: 'refunded' },
    });
  });
});
