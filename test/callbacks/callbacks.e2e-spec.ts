import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  SingapayCallbackReceiver,
  SingapayService,
  type SingapayAcceptedPayment,
  type SingapayPaymentSettlement,
  type SingapayTokenDelivery,
} from '@app/singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from '@app/singapay-simulator';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { SingapayInMemoryPaymentStore } from '@app/singapay/stores/index.js';
import { createSingapay } from '../support/singapay-testing.js';
import { startCallbackApp, type CallbackApp } from '../support/callback-testing.js';

const DATA = SINGAPAY_TEST_CUSTOMER_EXAMPLES.data;

describe('callbacks, settlements, waiting and reconciling (simulator -> app over HTTP)', () => {
  let sim: SingapaySimulator;
  let app: INestApplication;
  let singapay: SingapayService;
  let receiver: SingapayCallbackReceiver;
  let settlements: SingapayPaymentSettlement[];

  let started: CallbackApp;

  beforeAll(async () => {
    started = await startCallbackApp({ simulatorDelivers: true });
    ({ sim, app, service: singapay, receiver, settlements } = started);
  });
  afterAll(() => started.close());
  beforeEach(() => {
    settlements.length = 0;
  });

  const settleAndDeliver = async () => {
    sim.settleAll();
    await sim.flushCallbacks();
    await receiver.drain();
  };

  it('learns a success from the callback, confirmed by a lookup, and announces it once', async () => {
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId: '082291500001',
      idempotencyKey: 'order-cb-1',
    })) as SingapayAcceptedPayment;
    expect(paid.status).toBe('pending');
    const detailsBefore = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;
    await settleAndDeliver();
    expect(sim.stats().callbacks.delivered).toBeGreaterThanOrEqual(1);
    expect(sim.stats().requests['/api/v1/detail-bill-transaction']).toBe(detailsBefore + 1);
    const mine = settlements.filter((s) => s.idempotencyKey === 'order-cb-1');
    expect(mine).toEqual([expect.objectContaining({ status: 'success', via: 'callback', transactionId: paid.transactionId })]);
    expect((await singapay.getPayment('order-cb-1')).state).toBe('success');
  });

  it('follows a failure and refund to refunded, through callbacks', async () => {
    const customerId = singapayTestCustomerId('data', 'failsThenRefunds');
    await singapay.pay({ command: 'data', productCode: DATA.productCode, customerId, idempotencyKey: 'order-cb-refund' });
    await settleAndDeliver();
    await settleAndDeliver();
    expect((await singapay.getPayment('order-cb-refund')).state).toBe('refunded');
    expect(settlements.filter((s) => s.idempotencyKey === 'order-cb-refund').map((s) => s.status)).toContain('refunded');
  });

  it('acknowledges a refund of a settled payment only once it is applied: 503 while Singapay cannot confirm it', async () => {
    const customerId = singapayTestCustomerId('data', 'failsThenRefunds').replace(/^08/, '082');
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId,
      idempotencyKey: 'order-cb-held',
    })) as SingapayAcceptedPayment;
    sim.advance(60_000); // failed: Singapay sends no callback for that, the sweep finds it
    await singapay.sweepPayments();
    expect((await singapay.getPayment('order-cb-held')).state).toBe('failed');

    // A settled payment is never looked up again: the refund's callback is the only word of it.
    const detail = sim.faults.add({
      endpoint: 'detail',
      match: { transactionId: paid.transactionId },
      fault: { kind: 'html', status: 503 },
    });
    const { delivered, abandoned } = sim.stats().callbacks;
    sim.advance(60_000);
    await sim.flushCallbacks();
    expect(sim.transaction(paid.transactionId)?.status).toBe('refunded');
    expect(sim.stats().callbacks).toMatchObject({ delivered, abandoned: abandoned + 1 });

    // Resent by hand once Singapay answers again: the 200 comes with the refund applied.
    sim.faults.remove(detail);
    await request(app.getHttpServer())
      .post('/hooks/singapay')
      .send({ command: 'callback', response_code: '50', data: { transaction_id: paid.transactionId, customer_id: customerId } })
      .expect(200);
    expect((await singapay.getPayment('order-cb-held')).state).toBe('refunded');
    expect(settlements.filter((s) => s.idempotencyKey === 'order-cb-held' && s.status === 'refunded')).toEqual([
      expect.objectContaining({ via: 'callback', transactionId: paid.transactionId }),
    ]);
  });

  it.each([
    ['as the docs print it (06 echoing the detail command)', { kind: 'code', code: '06' }],
    [
      'with no command echoed (a moved path, a gateway)',
      { kind: 'status', httpStatus: 404, body: { response_code: '06', response_text: 'Not found' } },
    ],
  ] as const)(
    'never acknowledges a callback of a transaction a payment holds while its lookup answers "not found" %s',
    async (_, fault) => {
      const paid = (await singapay.pay({
        command: 'data',
        productCode: DATA.productCode,
        customerId: `08229150${fault.kind === 'code' ? '0301' : '0302'}`,
        idempotencyKey: `order-cb-06-${fault.kind}`,
      })) as SingapayAcceptedPayment;
      const detail = sim.faults.add({ endpoint: 'detail', match: { transactionId: paid.transactionId }, fault });
      const callback = {
        command: 'callback',
        response_code: '00',
        data: { transaction_id: paid.transactionId, customer_id: paid.customerId },
      };
      try {
        await request(app.getHttpServer()).post('/hooks/singapay').send(callback).expect(503);
      } finally {
        sim.faults.remove(detail);
      }
      // Delivered again once the lookup answers: acknowledged with the payment settled.
      sim.settleAll();
      await request(app.getHttpServer()).post('/hooks/singapay').send(callback).expect(200);
      expect((await singapay.getPayment(`order-cb-06-${fault.kind}`)).state).toBe(sim.transaction(paid.transactionId)!.status);
    },
  );

  it('learns that Singapay refunded a settled success from the 50 callback, confirmed by a lookup', async () => {
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId: '082291500011',
      idempotencyKey: 'order-cb-success-refund',
    })) as SingapayAcceptedPayment;
    await settleAndDeliver();
    expect((await singapay.getPayment('order-cb-success-refund')).state).toBe('success');
    const detailsBefore = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;
    sim.refund(paid.transactionId);
    await sim.flushCallbacks();
    await receiver.drain();
    expect(sim.stats().requests['/api/v1/detail-bill-transaction']).toBe(detailsBefore + 1);
    const payment = await singapay.getPayment('order-cb-success-refund');
    expect([payment.state, payment.transactionId]).toEqual(['refunded', paid.transactionId]);
    expect(settlements.filter((s) => s.idempotencyKey === 'order-cb-success-refund').map((s) => [s.status, s.via])).toEqual([
      ['success', 'callback'],
      ['refunded', 'callback'],
    ]);
  });

  it('without its callback, a refund of a settled success is learned only from the daily report', async () => {
    // A registration the callbacks never reach (they go to the receiver above, which holds none of its payments).
    const other = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 } });
    try {
      const paid = (await other.service.pay({
        command: 'pulsa',
        productCode: SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa.productCode,
        customerId: '081234500021',
        idempotencyKey: 'order-silent-refund',
      })) as SingapayAcceptedPayment;
      sim.settleAll();
      await other.service.sweepPayments();
      expect((await other.service.getPayment('order-silent-refund')).state).toBe('success');
      sim.refund(paid.transactionId);
      await sim.flushCallbacks();
      await receiver.drain();
      // By design a settled payment is never looked up again: neither a read nor the sweep learns of the refund.
      const detailsBefore = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;
      expect(await other.service.sweepPayments()).toBe(0);
      expect((await other.service.getPayment('order-silent-refund')).state).toBe('success');
      expect(sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0).toBe(detailsBefore);
      // The daily report pairs it and says what to do.
      // The record's own WIB day (its time carries +07:00): Singapay's clock runs ahead here (advance() above),
      // so near midnight its day is one the module has not begun yet.
      const wibDay = (await other.service.getPayment('order-silent-refund')).createdAt.slice(0, 10);
      const report = await other.service.reconcileDay(wibDay);
      const row = report.rows.find((r) => r.local?.idempotencyKey === 'order-silent-refund');
      expect(row).toMatchObject({
        category: 'state_differs',
        needsAttention: true,
        local: { state: 'success' },
        singapay: { transactionId: paid.transactionId, status: 'refunded' },
      });
      expect(row!.note).toMatch(/refunded by Singapay: refund your customer/);
    } finally {
      await other.close();
      await sim.flushCallbacks();
      await receiver.drain();
    }
  });

  it('learns a failure that no callback reports by looking the pending payment up, and announces it once', async () => {
    const customerId = singapayTestCustomerId('data', 'failsQuietly');
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId,
      idempotencyKey: 'order-cb-quiet-failure',
    })) as SingapayAcceptedPayment;
    expect(paid.status).toBe('pending');
    const callbacks = sim.stats().callbacks;
    await settleAndDeliver();
    // The simulator delivers every callback it makes to this app: none was made.
    expect(sim.stats().callbacks).toEqual(callbacks);
    expect(sim.transaction(paid.transactionId)?.status).toBe('failed');
    const payment = await singapay.waitForPayment('order-cb-quiet-failure', { timeoutMs: 10_000, pollIntervalMs: 50 });
    expect([payment.state, payment.failure?.reason, payment.transactionId]).toEqual(['failed', 'transaction_failed', paid.transactionId]);
    expect(await singapay.sweepPayments()).toBe(0);
    expect(settlements.filter((s) => s.idempotencyKey === 'order-cb-quiet-failure').map((s) => s.status)).toEqual(['failed']);
    expect(sim.paymentsFor({ customerId })).toBe(1);
  });

  it('never trusts the body: a forged success for a pending payment changes nothing', async () => {
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId: '082291500002',
      idempotencyKey: 'order-cb-forged',
    })) as SingapayAcceptedPayment;
    await request(app.getHttpServer())
      .post('/hooks/singapay')
      .send({ command: 'callback', response_code: '00', data: { transaction_id: paid.transactionId, status: 'success' } })
      .expect(200, { received: true, transactionId: paid.transactionId });
    await receiver.drain();
    expect((await singapay.getPayment('order-cb-forged')).state).toBe('pending');
    expect(settlements).toEqual([]);
  });

  it('treats repeats and late, out-of-order deliveries idempotently', async () => {
    const customerId = singapayTestCustomerId('data', 'failsThenRefunds');
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId: customerId.replace(/^08/, '081'),
      idempotencyKey: 'order-cb-late',
    })) as SingapayAcceptedPayment;
    await settleAndDeliver();
    await settleAndDeliver();
    const announced = settlements.length;
    for (const code of ['00', '50', '00']) {
      await request(app.getHttpServer())
        .post('/hooks/singapay')
        .send({ command: 'callback', response_code: code, data: { transaction_id: paid.transactionId } })
        .expect(200);
    }
    await receiver.drain();
    expect((await singapay.getPayment('order-cb-late')).state).toBe('refunded');
    expect(settlements).toHaveLength(announced);
  });

  it("takes a callback resent from Singapay's dashboard after it was acknowledged: acknowledged again, nothing announced twice", async () => {
    const paid = (await singapay.pay({
      command: 'data',
      productCode: DATA.productCode,
      customerId: '082291500077',
      idempotencyKey: 'order-cb-resent',
    })) as SingapayAcceptedPayment;
    await settleAndDeliver();
    const resend = async () => {
      const { delivered, abandoned } = sim.stats().callbacks;
      sim.resendCallback(paid.transactionId);
      await sim.flushCallbacks();
      await receiver.drain();
      expect(sim.stats().callbacks).toMatchObject({ delivered: delivered + 1, abandoned });
    };
    await resend();
    expect((await singapay.getPayment('order-cb-resent')).state).toBe('success');
    sim.refund(paid.transactionId);
    await settleAndDeliver();
    await resend();
    expect((await singapay.getPayment('order-cb-resent')).state).toBe('refunded');
    const mine = settlements.filter((s) => s.idempotencyKey === 'order-cb-resent').map((s) => [s.status, s.via]);
    expect(mine).toEqual([
      ['success', 'callback'],
      ['refunded', 'callback'],
    ]);
    expect(() => sim.resendCallback('01JXCQAZ8Z8AT5YRAP3V66GR70')).toThrow(RangeError);
  });

  it('announces a transaction none of its payments holds once, however often its callback comes', async () => {
    // Paid through another registration: this app has no record of it.
    const other = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 } });
    try {
      const paid = (await other.service.pay({
        command: 'data',
        productCode: DATA.productCode,
        customerId: '082291500078',
        idempotencyKey: 'order-elsewhere',
      })) as SingapayAcceptedPayment;
      await settleAndDeliver();
      for (let i = 0; i < 3; i++) {
        sim.resendCallback(paid.transactionId);
        await sim.flushCallbacks();
        await receiver.drain();
      }
      expect(settlements.filter((s) => s.transactionId === paid.transactionId)).toEqual([
        { transactionId: paid.transactionId, status: 'success', via: 'callback' },
      ]);
    } finally {
      await other.close();
    }
  });

  it('refuses hostile bodies without looking anything up', async () => {
    const before = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;
    const http = request(app.getHttpServer());
    let deep: Record<string, unknown> = { transaction_id: '01JXCQAZ8Z8AT5YRAP3V66GR70' };
    for (let i = 0; i < 20; i++) deep = { nested: deep };
    const cases: [unknown, number][] = [
      [{ data: { transaction_id: '../../etc/passwd' } }, 400],
      [{ data: { transaction_id: '01JX?x=1#y' } }, 400],
      [{ data: { transaction_id: 42 } }, 400],
      [{ data: ['01JXCQAZ8Z8AT5YRAP3V66GR70'] }, 400],
      [{ data: deep }, 400],
      [{ command: 'callback', data: { nested: deep } }, 400],
      [[1, 2, 3], 400],
      [{ data: { transaction_id: 'A'.repeat(65) } }, 400],
      [{ data: { transaction_id: '01JXCQAZ8Z8AT5YRAP3V66GR70', padding: 'x'.repeat(70_000) } }, 413],
    ];
    for (const [body, status] of cases)
      await http
        .post('/hooks/singapay')
        .send(body as object)
        .expect(status);
    await http
      .post('/hooks/singapay')
      .set('content-type', 'application/json')
      .send('{"__proto__":{"polluted":true},"data":{"transaction_id":"../x"}}')
      .expect(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await receiver.drain();
    expect(sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0).toBe(before);
  });

  it('waitForPayment returns once the payment is final, or at its deadline', async () => {
    await singapay.pay({ command: 'data', productCode: DATA.productCode, customerId: '082291500003', idempotencyKey: 'order-wait' });
    const early = await singapay.waitForPayment('order-wait', { timeoutMs: 150, pollIntervalMs: 50 });
    expect(early.state).toBe('pending');
    setTimeout(() => sim.settleAll(), 100);
    const final = await singapay.waitForPayment('order-wait', { timeoutMs: 5_000, pollIntervalMs: 50 });
    expect(final.state).toBe('success');
    await receiver.drain();
  });

  it('reconcile() settles what no callback reported', async () => {
    // A second registration whose payments the callback receiver above does not know.
    const other = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 } });
    try {
      const seen: SingapayPaymentSettlement[] = [];
      other.service.settlements$.subscribe((s) => seen.push(s));
      const customerId = singapayTestCustomerId('pulsa', 'failsThenRefunds');
      await other.service.pay({
        command: 'pulsa',
        productCode: SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa.productCode,
        customerId,
        idempotencyKey: 'order-reconcile',
      });
      const pendingOne = await other.service.pay({
        command: 'pulsa',
        productCode: SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa.productCode,
        customerId: '081234500009',
        idempotencyKey: 'order-reconcile-2',
      });
      expect(pendingOne.status).toBe('pending');
      sim.settleAll();
      expect(await other.service.sweepPayments()).toBe(2);
      expect((await other.service.getPayment('order-reconcile')).state).toBe('refunded');
      expect((await other.service.getPayment('order-reconcile-2')).state).toBe('success');
      expect(seen.map((s) => [s.idempotencyKey, s.status, s.via]).sort()).toEqual([
        ['order-reconcile', 'refunded', 'sweep'],
        ['order-reconcile-2', 'success', 'sweep'],
      ]);
      // Nothing left to do: a second sweep changes nothing.
      expect(await other.service.sweepPayments()).toBe(0);
    } finally {
      await other.close();
      await sim.flushCallbacks();
      await receiver.drain();
    }
  });

  it('reconciles on its own when sweepIntervalMs is set', async () => {
    const other = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, sweepIntervalMs: 50 });
    try {
      await other.service.pay({
        command: 'pulsa',
        productCode: SINGAPAY_TEST_CUSTOMER_EXAMPLES.pulsa.productCode,
        customerId: '081234500010',
        idempotencyKey: 'order-auto',
      });
      sim.settleAll();
      const settled = await firstValueFrom(
        other.service.settlements$.pipe(
          filter((s) => s.idempotencyKey === 'order-auto'),
          timeout(5_000),
        ),
      );
      expect(settled).toMatchObject({ status: 'success', via: 'sweep' });
    } finally {
      await other.close();
      await sim.flushCallbacks();
      await receiver.drain();
    }
  });

  it('answers 404 for a key with no payment', async () => {
    await expect(singapay.getPayment('never-used')).rejects.toMatchObject({ status: 404 });
  });
});

describe('callbacks at shutdown', () => {
  it('a lookup that outlives the shutdown wait writes nothing: its delivery got 503, so Singapay delivers it again to a process that writes and announces it', async () => {
    const store = new SingapayInMemoryPaymentStore();
    const started = await startCallbackApp({ simulatorDelivers: false, module: { paymentStore: store } });
    let closed = false;
    try {
      const { sim, app, service } = started;
      const paid = (await service.pay({
        command: 'data',
        productCode: DATA.productCode,
        customerId: '082291500401',
        idempotencyKey: 'order-cb-shutdown',
      })) as SingapayAcceptedPayment;
      sim.settleAll();
      sim.faults.add({ endpoint: 'detail', match: { transactionId: paid.transactionId }, fault: { kind: 'latency', ms: 6_500 } });
      const delivery = request(app.getHttpServer())
        .post('/hooks/singapay')
        .send({ command: 'callback', response_code: '00', data: { transaction_id: paid.transactionId, customer_id: paid.customerId } })
        .then((r) => r.status);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closing = app.close();
      expect(await delivery).toBe(503);
      await closing;
      closed = true;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await store.get('order-cb-shutdown'))?.state).toBe('pending');
    } finally {
      if (!closed) await started.app.close();
      await started.sim.stop();
    }
  }, 20_000);
});

describe('callbacks at shutdown, confirmed within the wait', () => {
  it('a lookup that ends within the shutdown wait is written, acknowledged and announced on settlements$', async () => {
    const started = await startCallbackApp({ simulatorDelivers: false });
    try {
      const { sim, app, service, settlements } = started;
      const paid = (await service.pay({
        command: 'data',
        productCode: DATA.productCode,
        customerId: '082291500402',
        idempotencyKey: 'order-cb-shutdown-in-time',
      })) as SingapayAcceptedPayment;
      sim.settleAll();
      sim.faults.add({ endpoint: 'detail', match: { transactionId: paid.transactionId }, fault: { kind: 'latency', ms: 1_500 } });
      const delivery = request(app.getHttpServer())
        .post('/hooks/singapay')
        .send({ command: 'callback', response_code: '00', data: { transaction_id: paid.transactionId, customer_id: paid.customerId } })
        .then((r) => r.status);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await Promise.all([app.close(), delivery.then((status) => expect(status).toBe(200))]);
      expect(settlements.filter((s) => s.idempotencyKey === 'order-cb-shutdown-in-time').map((s) => [s.status, s.via])).toEqual([
        ['success', 'callback'],
      ]);
    } finally {
      await started.sim.stop();
    }
  }, 20_000);
});

describe('the 00 callback of a PLN token payment whose token comes later (when it comes is undocumented)', () => {
  it.each(['afterToken', 'atSuccess', 'both'] as const)(
    'plnTokenCallback %s: the token is recorded and announced on tokens$ once, the success once',
    async (plnTokenCallback) => {
      const started = await startCallbackApp({
        simulatorDelivers: true,
        simulator: { settleDelayMs: 300, variants: { plnTokenCallback } },
      });
      try {
        const { sim, service, receiver, settlements } = started;
        const tokens: SingapayTokenDelivery[] = [];
        service.tokens$.subscribe((t) => tokens.push(t));
        const plntok = SINGAPAY_TEST_CUSTOMER_EXAMPLES.plntok;
        const { referenceNumber } = await service.inquiry({ command: 'plntok', ...plntok });
        const paid = (await service.pay({ command: 'plntok', ...plntok, referenceNumber })) as SingapayAcceptedPayment;
        expect(paid).toMatchObject({ status: 'success', awaitingToken: true });
        // By a callback that carries it, or by the module's own lookups (the first after 2 s).
        await vi.waitFor(() => expect(tokens).toHaveLength(1), { timeout: 8_000, interval: 50 });
        await sim.flushCallbacks();
        await receiver.drain();
        const issued = sim.transaction(paid.transactionId)!.token;
        expect(tokens).toEqual([expect.objectContaining({ transactionId: paid.transactionId, token: issued })]);
        expect((await service.getPayment(referenceNumber)).token).toBe(issued);
        expect(settlements.filter((s) => s.transactionId === paid.transactionId).map((s) => s.status)).toEqual(['success']);
      } finally {
        await started.close();
      }
    },
    15_000,
  );
});
