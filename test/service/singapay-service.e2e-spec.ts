import { ForbiddenException } from '@nestjs/common';
import {
  SINGAPAY_RESPONSE_CODES,
  SingapayAuthenticationException,
  SingapayBillAlreadyPaidException,
  SingapayException,
  SingapayInsufficientBalanceException,
  SingapayNotFoundException,
  type SingapayCommand,
} from '@app/singapay';
import { SingapaySimulator, SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId } from '@app/singapay-simulator';
import { registerSecret } from '../support/log-capture.js';
import { createSingapay, type SingapayTestContext } from '../support/singapay-testing.js';
import { accepted, failure } from '../support/expectations.js';

const example = (command: SingapayCommand) => SINGAPAY_TEST_CUSTOMER_EXAMPLES[command];

describe('SingapayService against the simulator (real HTTP)', () => {
  let sim: SingapaySimulator;
  let ctx: SingapayTestContext;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  });
  afterAll(() => sim.stop());
  beforeEach(async () => {
    sim.reset();
    ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials });
  });
  afterEach(() => ctx.close());

  it('reads the deposit balance', async () => {
    const balance = await ctx.service.checkBalance();
    expect(balance).toMatchObject({ balance: 10_000_000, currency: 'IDR' });
    expect(balance.raw).toMatchObject({ command: 'check-balance', response_code: '00' });
  });

  it('inquires and pays a PLN bill once, drawing the price from the deposit', async () => {
    const inquiry = await ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064' });
    expect(inquiry).toMatchObject({
      command: 'plnpos',
      customerId: '146300068064',
      customerName: 'NARSONO',
      amount: 151005,
      price: 152505,
      period: '202403',
    });
    expect(inquiry.referenceNumber).toMatch(/^SPPLNPOSRJBL\d+$/);

    const paid = accepted(
      await ctx.service.pay({
        command: 'plnpos',
        productCode: 'SPPLNPOS',
        customerId: '146300068064',
        referenceNumber: inquiry.referenceNumber,
      }),
    );
    expect(paid).toMatchObject({ status: 'success', responseCode: '00', amount: 151005, price: 152505, customerName: 'NARSONO' });
    expect(paid.transactionId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
    expect(sim.balance).toBe(10_000_000 - 152505);

    // The same reference (the default idempotency key) returns the recorded payment and sends nothing.
    const again = accepted(
      await ctx.service.pay({
        command: 'plnpos',
        productCode: 'SPPLNPOS',
        customerId: '146300068064',
        referenceNumber: inquiry.referenceNumber,
      }),
    );
    expect(again.transactionId).toBe(paid.transactionId);
    expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
    // Under another key Singapay itself refuses the paid bill.
    const other = await failure(() =>
      ctx.service.pay({
        command: 'plnpos',
        productCode: 'SPPLNPOS',
        customerId: '146300068064',
        referenceNumber: inquiry.referenceNumber,
        idempotencyKey: 'order-2',
      }),
    );
    expect(other).toBeInstanceOf(SingapayBillAlreadyPaidException);
    expect(other.getStatus()).toBe(409);
    expect(sim.balance).toBe(10_000_000 - 152505);

    const detail = await ctx.service.getTransaction(paid.transactionId);
    expect(detail).toMatchObject({
      transactionId: paid.transactionId,
      referenceNumber: inquiry.referenceNumber,
      customerId: '146300068064',
      status: 'success',
      amount: 151005,
      price: 152505,
      product: { code: 'SPPLNPOS' },
    });
    expect(detail.product.category?.code).toBeTruthy();
  });

  it('pays a BPJS bill for several months, sending period as an integer', async () => {
    const { customerId, productCode } = example('bputk');
    const inquiry = await ctx.service.inquiry({ command: 'bputk', productCode, customerId, period: 3 });
    // period comes back as display text (a date range here); what we sent is checked on a scripted server.
    expect(inquiry.period).toEqual(expect.any(String));
    expect(inquiry.price).toBeGreaterThan(inquiry.amount);
    const paid = accepted(await ctx.service.pay({ command: 'bputk', productCode, customerId, referenceNumber: inquiry.referenceNumber }));
    expect(paid.status).toBe('success');
    expect(paid.price).toBe(inquiry.price);
  });

  it('buys a PLN token whose number arrives later on the transaction', async () => {
    const { customerId, productCode } = example('plntok');
    const inquiry = await ctx.service.inquiry({ command: 'plntok', productCode, customerId });
    const paid = accepted(await ctx.service.pay({ command: 'plntok', productCode, customerId, referenceNumber: inquiry.referenceNumber }));
    expect(paid.status).toBe('success');
    expect(paid.token).toBeUndefined();
    sim.settleAll();
    const detail = await ctx.service.getTransaction(paid.transactionId);
    expect(detail.token).toMatch(/^\d{4}(-\d{4}){4}$/);
  });

  it('buys airtime directly: pending first, success after settlement', async () => {
    const { customerId, productCode } = example('pulsa');
    const paid = accepted(await ctx.service.pay({ command: 'pulsa', productCode, customerId }));
    expect(paid).toMatchObject({ status: 'pending', responseCode: '01', customerId });
    expect((await ctx.service.getTransaction(paid.transactionId)).status).toBe('pending');
    sim.settleAll();
    expect((await ctx.service.getTransaction(paid.transactionId)).status).toBe('success');
    expect(sim.paymentsFor({ customerId })).toBe(1);
  });

  it('follows a purchase that fails and is refunded, balance restored', async () => {
    const customerId = singapayTestCustomerId('data', 'failsThenRefunds');
    const paid = accepted(await ctx.service.pay({ command: 'data', productCode: example('data').productCode, customerId }));
    expect(paid.status).toBe('pending');
    expect(sim.balance).toBe(10_000_000 - paid.price);
    sim.settleAll();
    sim.settleAll();
    const detail = await ctx.service.getTransaction(paid.transactionId);
    expect(detail.status).toBe('refunded');
    expect(sim.balance).toBe(10_000_000);
  });

  it('buys a game top-up with its parameters', async () => {
    const params = await ctx.service.getGameTopupParameters('FREEFIRE');
    expect(params.categoryCode).toBe('FREEFIRE');
    expect(params.raw).toMatchObject({ response_code: '00' });
    const { customerId, productCode } = example('topupg');
    const inquiry = await ctx.service.inquiry({ command: 'topupg', productCode, customerId });
    const paid = accepted(await ctx.service.pay({ command: 'topupg', productCode, customerId, referenceNumber: inquiry.referenceNumber }));
    expect(['success', 'pending']).toContain(paid.status);
  });

  it('lists transactions with filters and pagination', async () => {
    const { productCode } = example('pulsa');
    for (let i = 0; i < 12; i++) {
      accepted(await ctx.service.pay({ command: 'pulsa', productCode, customerId: `08123456${String(1000 + i)}` }));
    }
    const first = await ctx.service.listTransactions();
    expect(first.pagination).toEqual({ currentPage: 1, lastPage: 2, perPage: 10, total: 12 });
    expect(first.items).toHaveLength(10);
    const second = await ctx.service.listTransactions({ page: 2 });
    expect(second.items).toHaveLength(2);
    const one = await ctx.service.listTransactions({ customerId: '081234561005' });
    expect(one.items.map((t) => t.customerId)).toEqual(['081234561005']);
    expect(one.items[0]).toMatchObject({ status: 'pending', product: { code: productCode } });
    const today = first.items[0]!.createdAt.slice(0, 10);
    const dated = await ctx.service.listTransactions({ startDate: today, endDate: today, status: 'pending' });
    expect(dated.pagination?.total).toBe(12);
  });

  it('normalises the unpadded "6" of an unknown transaction into a 404', async () => {
    const e = await failure(() => ctx.service.getTransaction('01JWX2F2DZC68TC94XMNBJCC3H'));
    expect(e).toBeInstanceOf(SingapayNotFoundException);
    expect(e.responseCode).toBe('06');
    expect(e.upstreamStatus).toBe(404);
  });

  it('refuses a payment the deposit cannot cover (17 -> 503) and moves no money', async () => {
    sim.setBalance(1_000);
    const { customerId, productCode } = example('pulsa');
    const e = await failure(() => ctx.service.pay({ command: 'pulsa', productCode, customerId }));
    expect(e).toBeInstanceOf(SingapayInsufficientBalanceException);
    expect(e.getStatus()).toBe(503);
    expect(sim.balance).toBe(1_000);
  });

  it('replays once after the simulator revokes the token, and pays exactly once', async () => {
    await ctx.service.checkBalance();
    expect(sim.stats().tokenRequests).toBe(1);
    sim.revokeTokens();
    const { customerId, productCode } = example('pulsa');
    const paid = accepted(await ctx.service.pay({ command: 'pulsa', productCode, customerId }));
    expect(paid.status).toBe('pending');
    expect(sim.stats().tokenRequests).toBe(2);
    expect(sim.paymentsFor({ customerId })).toBe(1);
  });

  it('gets a new token when the old one expired upstream', async () => {
    await ctx.service.checkBalance();
    sim.advance(3_601_000);
    await ctx.service.checkBalance();
    expect(sim.stats().tokenRequests).toBe(2);
  });

  it('makes one token request for a cold burst of concurrent calls', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => ctx.service.checkBalance()));
    expect(results.every((r) => r.balance === 10_000_000)).toBe(true);
    expect(sim.stats().tokenRequests).toBe(1);
  });

  it('resets sandbox customer ids, and refuses to in production before sending anything', async () => {
    await expect(ctx.service.resetCustomerIds()).resolves.toMatchObject({ responseText: expect.stringMatching(/completed/) });
    const prod = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, environment: 'production', paymentStore: 'memory' });
    try {
      const before = sim.stats().requests['/api/v1/reset-customer-id'] ?? 0;
      await expect(prod.service.resetCustomerIds()).rejects.toBeInstanceOf(ForbiddenException);
      expect(sim.stats().requests['/api/v1/reset-customer-id'] ?? 0).toBe(before);
    } finally {
      await prod.close();
    }
  });

  it('uses the legacy v1 paths when apiVersion is v1', async () => {
    const v1 = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, apiVersion: 'v1' });
    try {
      const { customerId, productCode } = example('pdam');
      const inquiry = await v1.service.inquiry({ command: 'pdam', productCode, customerId });
      await v1.service.pay({ command: 'pdam', productCode, customerId, referenceNumber: inquiry.referenceNumber });
      const requests = sim.stats().requests;
      expect(requests['/api/v1/postpaid/inquiry']).toBe(1);
      expect(requests['/api/v1/postpaid/payment']).toBe(1);
      const topup = await failure(() => v1.service.inquiry({ command: 'topupg', productCode: 'SPFF100', customerId: '123456781' }));
      expect(topup.getStatus()).toBe(400);
      expect(JSON.stringify(topup.getResponse())).toContain('not available on API v1');
    } finally {
      await v1.close();
    }
  });

  it('explains wrong client credentials, a wrong partner id and a wrong payment password', async () => {
    const wrongSecret = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, clientSecret: 'not-the-secret' });
    const wrongKey = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, apiKey: 'not-the-key' });
    const wrongPassword = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, password: 'not-the-password' });
    try {
      const secret = await failure(() => wrongSecret.service.checkBalance());
      expect(secret).toBeInstanceOf(SingapayAuthenticationException);
      expect([secret.responseCode, secret.getStatus()]).toEqual(['16', 502]);
      expect(secret.message).toMatch(/client ID and client secret/);
      const key = await failure(() => wrongKey.service.checkBalance());
      expect([key.responseCode, key.getStatus()]).toEqual(['08', 502]);
      expect(key.message).toMatch(/API key/);
      const { customerId, productCode } = example('pulsa');
      const password = await failure(() => wrongPassword.service.pay({ command: 'pulsa', productCode, customerId }));
      expect([password.responseCode, password.getStatus()]).toEqual(['08', 502]);
      expect(sim.balance).toBe(10_000_000);
    } finally {
      await Promise.all([wrongSecret.close(), wrongKey.close(), wrongPassword.close()]);
    }
  });

  describe('every failure code of the table, as the simulator answers it', () => {
    const failures = SINGAPAY_RESPONSE_CODES.filter((r) => !['00', '01', '16'].includes(r.code));

    it.each(failures.map((r) => [r.code, r.type, r.httpStatus] as const))(
      'inquiry answered %s -> %s, HTTP %i',
      async (code, type, status) => {
        const customerId = singapayTestCustomerId('plnpos', 'codeAtInquiry', code);
        const e = await failure(() => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId }));
        expect(e).toBeInstanceOf(SingapayException);
        expect([e.responseCode, e.responseType, e.getStatus()]).toEqual([code, type, status]);
        expect(e.getResponse()).toMatchObject({ statusCode: status, singapay: { code, type } });
      },
    );

    const rejected = failures.filter((r) => r.paymentOutcome === 'rejected');
    const uncertain = failures.filter((r) => r.paymentOutcome === 'uncertain');

    it.each(rejected.map((r) => [r.code, r.type, r.httpStatus] as const))(
      'payment refused with %s -> throws %s, HTTP %i, sent once',
      async (code, type, status) => {
        const customerId = singapayTestCustomerId('plnpos', 'codeAtPayment', code);
        const inquiry = await ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
        const e = await failure(() =>
          ctx.service.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber: inquiry.referenceNumber }),
        );
        expect([e.responseCode, e.responseType, e.getStatus()]).toEqual([code, type, status]);
        expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
        // The refusal is recorded: the same key gives the same answer without sending again.
        const again = await failure(() =>
          ctx.service.pay({ command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber: inquiry.referenceNumber }),
        );
        expect([again.responseCode, again.getStatus()]).toEqual([code, status]);
        expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
      },
    );

    it.each(uncertain.map((r) => [r.code, r.type] as const))(
      'payment answered %s (%s) -> status unknown, looked up, never resent',
      async (code) => {
        const customerId = singapayTestCustomerId('plnpos', 'codeAtPayment', code);
        const inquiry = await ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
        const result = await ctx.service.pay({
          command: 'plnpos',
          productCode: 'SPPLNPOS',
          customerId,
          referenceNumber: inquiry.referenceNumber,
        });
        expect(result).toMatchObject({ status: 'unknown', responseCode: code, idempotencyKey: inquiry.referenceNumber });
        expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
        expect(sim.stats().requests['/api/v1/list-bill-transaction']).toBeGreaterThanOrEqual(1);
        const again = await ctx.service.pay({
          command: 'plnpos',
          productCode: 'SPPLNPOS',
          customerId,
          referenceNumber: inquiry.referenceNumber,
        });
        expect(again.status).toBe('unknown');
        expect(sim.paymentsFor({ referenceNumber: inquiry.referenceNumber })).toBe(1);
        expect((await ctx.service.getPayment(inquiry.referenceNumber)).state).toBe('unknown');
      },
    );

    it('code 16 is replayed once with a new token, then final (502)', async () => {
      const customerId = singapayTestCustomerId('plnpos', 'codeAtInquiry', '16');
      const e = await failure(() => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId }));
      expect(e).toBeInstanceOf(SingapayAuthenticationException);
      expect([e.responseCode, e.getStatus()]).toEqual(['16', 502]);
      expect(sim.stats().requests['/api/v2/postpaid/inquiry']).toBe(2);
      expect(sim.stats().tokenRequests).toBe(2);
    });

    it('a pending answer to an inquiry is not taken for a success', async () => {
      const customerId = singapayTestCustomerId('plnpos', 'codeAtInquiry', '01');
      const e = await failure(() => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId }));
      expect([e.responseCode, e.getStatus()]).toEqual(['01', 502]);
    });

    it('an unrecognised code is a 502 that keeps the code', async () => {
      const customerId = singapayTestCustomerId('plnpos', 'codeAtInquiry', '42');
      const e = await failure(() => ctx.service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId }));
      expect([e.responseCode, e.responseType, e.getStatus()]).toEqual(['42', 'unrecognised', 502]);
    });
  });
});

// No prepaid inquiry is printed in the docs: its answer may come without the created_at the postpaid one has.
describe.each(['stated', 'absent'] as const)('a prepaid inquiry whose created_at is %s', (prepaidInquiryCreatedAt) => {
  it('is read, dated, and paid', async () => {
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000, variants: { prepaidInquiryCreatedAt } });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials });
    try {
      const { customerId, productCode } = example('plntok');
      const before = Date.now();
      const inquiry = await ctx.service.inquiry({ command: 'plntok', productCode, customerId });
      expect(Object.hasOwn(inquiry.raw.data as object, 'created_at')).toBe(prepaidInquiryCreatedAt === 'stated');
      expect(inquiry.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00$/);
      // Singapay's text has whole seconds; the time read, milliseconds.
      expect(Date.parse(inquiry.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(Date.parse(inquiry.createdAt)).toBeLessThanOrEqual(Date.now());
      const paid = accepted(
        await ctx.service.pay({ command: 'plntok', productCode, customerId, referenceNumber: inquiry.referenceNumber }),
      );
      expect(paid.status).toBe('success');
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });
});

// The game top-up parameters' answer is not in the docs: a map holding them, or the list itself.
describe.each(['object', 'list'] as const)('game top-up parameters answered as %s', (gameParameters) => {
  it('are read as they came, and the top-up is paid with them', async () => {
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000, variants: { gameParameters } });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials });
    try {
      const params = await ctx.service.getGameTopupParameters('MLBB');
      const listed = [{ name: 'server_id', label: 'Zone ID', type: 'text', required: true }];
      expect(params).toMatchObject({ categoryCode: 'MLBB', raw: { response_code: '00' } });
      expect(params.parameters).toEqual(gameParameters === 'list' ? listed : { category_code: 'MLBB', parameters: listed });
      const none = await ctx.service.getGameTopupParameters('FREEFIRE');
      expect(none.parameters).toEqual(gameParameters === 'list' ? [] : { category_code: 'FREEFIRE', parameters: [] });
      const { customerId, productCode } = example('topupg');
      const inquiry = await ctx.service.inquiry({ command: 'topupg', productCode, customerId, serverId: '2001' });
      const paid = accepted(
        await ctx.service.pay({ command: 'topupg', productCode, customerId, referenceNumber: inquiry.referenceNumber }),
      );
      expect(['success', 'pending']).toContain(paid.status);
    } finally {
      await ctx.close();
      await sim.stop();
    }
  });
});
