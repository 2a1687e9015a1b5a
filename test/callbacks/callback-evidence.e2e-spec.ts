/*
 * A callback is evidence even when it comes first (issue 18): Singapay's callback for a direct
 * purchase settles the payment whichever way it interleaves with the payment's own answer, with
 * Singapay's list unreadable throughout, so that only the callback can tell. On the in-memory store
 * and on PostgreSQL, over real HTTP both ways (simulator -> app callbacks, app -> simulator calls).
 */
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SingapayCallbackReceiver, SingapayModule, SingapayService, type SingapayModuleOptions } from '@app/singapay';
import { PostgresPaymentStore } from '@app/singapay/postgres/index.js';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES } from '@app/singapay-simulator';
import { freePort } from '../support/free-port.js';
import { capturingLogger, registerSecret } from '../support/log-capture.js';
import { postgresAvailable, postgresRequired, startPostgres, type TestPostgres } from '../support/postgres-server.js';

const PULSA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa;
const STORES = ['memory', ...(postgresAvailable || postgresRequired ? ['postgres'] : [])] as const;

if (!postgresAvailable) new Logger('CallbackEvidence').warn('PostgreSQL is not installed: the PostgreSQL half of this suite is SKIPPED');

describe.each(STORES)('a callback settles the payment it can only belong to, whenever it comes (%s store)', (store) => {
  let sim: SingapaySimulator;
  let app: INestApplication;
  let service: SingapayService;
  let receiver: SingapayCallbackReceiver;
  let postgres: TestPostgres | undefined;
  let paymentStore: PostgresPaymentStore | undefined;
  let customers = 0;
  let callbackUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    callbackUrl = `http://127.0.0.1:${port}/hooks/singapay`;
    sim = await SingapaySimulator.start({ settleDelayMs: 600_000, callbackUrl, callbackBackoffMs: 20 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    const options: SingapayModuleOptions = {
      baseUrl: sim.baseUrl,
      ...sim.credentials,
      timeoutMs: 1_500,
      paymentNotFoundAfterMs: 1_500,
      retry: { maxAttempts: 1 },
    };
    if (store === 'postgres') {
      postgres = await startPostgres();
      registerSecret(postgres.password);
      paymentStore = new PostgresPaymentStore(await postgres.createDatabase('evidence'));
      await paymentStore.migrate();
      options.paymentStore = paymentStore;
    }
    const moduleRef = await Test.createTestingModule({ imports: [SingapayModule.forRoot({ ...options, callbackPath: 'hooks/singapay' })] })
      .setLogger(capturingLogger)
      .compile();
    app = moduleRef.createNestApplication({ logger: capturingLogger });
    await app.listen(port, '127.0.0.1');
    service = app.get(SingapayService);
    receiver = app.get(SingapayCallbackReceiver);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await paymentStore?.close();
    await sim?.stop();
    await postgres?.stop();
  });

  beforeEach(() => {
    sim.faults.clear();
    // Singapay's list cannot be read at all: only the callback can say what became of the payment.
    sim.faults.add({ endpoint: 'list', fault: { kind: 'html', status: 503 } });
  });

  /** A customer of its own per test; the last four digits pick the simulator's behaviour (9800: a direct purchase succeeds at once; 1234: pending, then success). */
  const customer = (suffix = '1234') => `08127${String(++customers).padStart(3, '0')}${suffix}`;
  const pay = (customerId: string, key: string) =>
    service.pay({ command: 'pulsa', productCode: PULSA.productCode, customerId, idempotencyKey: key });
  const deliver = async () => {
    await sim.flushCallbacks();
    await receiver.drain();
  };
  const theirs = (customerId: string) => sim.ledger().transactions.filter((t) => t.customerId === customerId);

  it('callback before the answer: the callback lands while the answer is held back, then the answer', async () => {
    const customerId = customer('9800');
    // Applied at once (a 00 purchase sends its callback at once); the answer itself comes 700 ms later.
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'latency', ms: 700, processFirst: true }, times: 1 });
    const paid = await pay(customerId, `evidence-before-${store}`);
    await deliver();
    const payment = await service.getPayment(`evidence-before-${store}`);
    expect([paid.status, payment.state, payment.transactionId]).toEqual(['success', 'success', theirs(customerId)[0]!.transactionId]);
    expect(sim.ledger().appliedByCustomer[customerId]).toBe(1);
  });

  it('callback during the send: the answer never comes, and the callback it raced settles the payment', async () => {
    const customerId = customer('9800');
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
    const paid = await pay(customerId, `evidence-during-${store}`);
    await deliver();
    const payment = await service.getPayment(`evidence-during-${store}`);
    expect(sim.stats().callbacks.delivered).toBeGreaterThan(0);
    expect([paid.status, payment.state, payment.transactionId]).toEqual(['success', 'success', theirs(customerId)[0]!.transactionId]);
    expect(sim.ledger().appliedByCustomer[customerId]).toBe(1);
  });

  it('callback after the answer was lost: an unknown payment takes the one transaction it can be', async () => {
    const customerId = customer();
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
    const paid = await pay(customerId, `evidence-after-${store}`);
    expect(paid.status).toBe('unknown');
    expect((await service.getPayment(`evidence-after-${store}`)).state).toBe('unknown');
    sim.settleAll();
    await deliver();
    const payment = await service.getPayment(`evidence-after-${store}`);
    expect([payment.state, payment.transactionId]).toEqual(['success', theirs(customerId)[0]!.transactionId]);
    expect(sim.ledger().appliedByCustomer[customerId]).toBe(1);
  });

  it("callback after the payment was concluded not found: Singapay's word overturns the inference", async () => {
    sim.faults.clear();
    // The list answers, and shows nothing of it: complete searches conclude "not found" after the horizon.
    sim.faults.add({ endpoint: 'list', fault: { kind: 'code', code: '06', httpStatus: 404 } });
    const customerId = customer();
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
    // The send's own timeout (1.5 s) reaches the horizon (1.5 s): its first search concludes, or, should
    // the timer have fired a hair early, the read a moment later does.
    const outcome = await pay(customerId, `evidence-concluded-${store}`).then(
      (r): string => r.status,
      (e: { responseType?: string }) => e.responseType,
    );
    expect(['payment_not_found', 'unknown']).toContain(outcome);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const concluded = await service.getPayment(`evidence-concluded-${store}`);
    expect([concluded.state, concluded.failure?.reason]).toEqual(['failed', 'not_found']);
    sim.settleAll();
    await deliver();
    const payment = await service.getPayment(`evidence-concluded-${store}`);
    expect([payment.state, payment.transactionId]).toEqual(['success', theirs(customerId)[0]!.transactionId]);
    expect(sim.ledger().appliedByCustomer[customerId]).toBe(1);
  });

  it('a callback that may be the only word of an open payment gets 503 until what it says is kept', async () => {
    const customerId = customer();
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 1 });
    expect((await pay(customerId, `evidence-503-${store}`)).status).toBe('unknown');
    sim.settleAll();
    const transactionId = theirs(customerId)[0]!.transactionId;
    // Singapay's detail lookup fails: the callback cannot be confirmed, so it must not be acknowledged.
    const detail = sim.faults.add({ endpoint: 'detail', match: { transactionId }, fault: { kind: 'html', status: 503 } });
    const post = () =>
      fetch(callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          command: 'callback',
          response_code: '00',
          data: { transaction_id: transactionId, customer_id: customerId },
        }),
      });
    expect((await post()).status).toBe(503);
    sim.faults.remove(detail);
    // Delivered again, it is confirmed and kept: 200, and the payment is settled by it.
    const again = await post();
    expect([again.status, await again.json()]).toEqual([200, { received: true, transactionId }]);
    expect((await service.getPayment(`evidence-503-${store}`)).state).toBe('success');
  });

  it('two payments that could hold it get nothing from it: never a guess', async () => {
    const customerId = customer();
    sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'hang', apply: true }, times: 2 });
    expect((await pay(customerId, `evidence-twice-a-${store}`)).status).toBe('unknown');
    expect((await pay(customerId, `evidence-twice-b-${store}`)).status).toBe('unknown');
    sim.settleAll();
    await deliver();
    for (const key of [`evidence-twice-a-${store}`, `evidence-twice-b-${store}`]) {
      expect((await service.getPayment(key)).state).toBe('unknown');
    }
    expect(sim.ledger().appliedByCustomer[customerId]).toBe(2);
  });
});
