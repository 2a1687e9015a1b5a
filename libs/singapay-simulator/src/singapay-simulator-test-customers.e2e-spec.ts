import { SIMULATOR_COMMANDS, type SimulatorCommand } from './simulator-api-docs.js';
import { SINGAPAY_TEST_CUSTOMER_EXAMPLES, singapayTestCustomerId, type SingapayTestCustomerName } from './simulator-test-customers.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

const INQUIRY_COMMANDS = ['plntok', 'topupg', 'pdam', 'plnpos', 'plnnon', 'intv', 'bpjsks', 'bputk', 'putk', 'mobpos'] as const;
const DIRECT_COMMANDS = ['pulsa', 'data', 'vouchg'] as const;

describe('SingapaySimulator: test customer ids', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    client = new SimulatorTestClient(sim);
  });
  afterAll(() => sim.stop());
  beforeEach(async () => {
    sim.reset();
    // Some tests move the clock forward; a fresh token keeps that from leaking into the next one.
    await client.token();
  });

  const family = (command: SimulatorCommand) => SIMULATOR_COMMANDS[command].family;
  const dataFor = (command: SimulatorCommand, name: SingapayTestCustomerName, code?: string) => {
    const data: Record<string, unknown> = {
      customer_id: singapayTestCustomerId(command, name, code),
      product_code: SINGAPAY_TEST_CUSTOMER_EXAMPLES[command].productCode,
    };
    if (command === 'bpjsks' || command === 'bputk') data.period = 1;
    return data;
  };
  const inquiry = (command: SimulatorCommand, name: SingapayTestCustomerName, code?: string) =>
    client.inquiry(command, dataFor(command, name, code), family(command));
  const payAfterInquiry = async (command: SimulatorCommand, name: SingapayTestCustomerName, code?: string) => {
    const data = dataFor(command, name, code);
    const first = await client.inquiry(command, data, family(command));
    expect(first.body.response_code).toBe('00');
    return client.payment(
      command,
      { customer_id: data.customer_id, product_code: data.product_code, reference_number: first.body.data.reference_number },
      family(command),
    );
  };
  const payDirect = (command: SimulatorCommand, name: SingapayTestCustomerName, code?: string) =>
    client.payment(command, dataFor(command, name, code), 'prepaid');

  describe.each(INQUIRY_COMMANDS)('inquiry flow: %s', (command) => {
    it.each([
      ['customerNotFound', '20', 'Customer not found'],
      ['billAlreadyPaid', '21', 'Bill already paid'],
      ['billerFails', '22', 'Biller side error'],
    ] as const)('%s answers %s at inquiry, without data', async (name, code, text) => {
      const answer = await inquiry(command, name);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ command, response_code: code, response_text: text });
    });

    it('…98NN answers the chosen code at inquiry, with its HTTP status', async () => {
      expect((await inquiry(command, 'codeAtInquiry', '89')).body).toEqual({
        command,
        response_code: '89',
        response_text: 'Temporary issue at the service provider, try later',
      });
      const invalid = await inquiry(command, 'codeAtInquiry', '04');
      expect([invalid.status, invalid.body.response_code]).toEqual([422, '04']);
      const missing = await inquiry(command, 'codeAtInquiry', '06');
      expect([missing.status, missing.body.response_code]).toEqual([404, '06']);
      expect((await inquiry(command, 'codeAtInquiry', '00')).body.response_code).toBe('00');
    });

    it('…97NN passes the inquiry and answers the chosen code at payment, drawing nothing', async () => {
      const answer = await payAfterInquiry(command, 'codeAtPayment', '05');
      expect(answer.body).toEqual({ command, response_code: '05', response_text: 'Operation timed out before completion' });
      expect(sim.stats().transactions).toBe(0);
      expect(sim.balance).toBe(10_000_000);
      expect((await payAfterInquiry(command, 'codeAtPayment', '00')).body.response_code).toBe('00');
    });

    it('…9701 answers pending and settles later', async () => {
      const answer = await payAfterInquiry(command, 'codeAtPayment', '01');
      expect(answer.body).toMatchObject({ response_code: '01', response_text: 'Payment pending' });
      sim.settleAll();
      expect(sim.transaction(answer.body.data.transaction_id)?.status).toBe('success');
    });

    it('…9001 stays pending for ever, with the money drawn', async () => {
      const answer = await payAfterInquiry(command, 'staysPending');
      expect(answer.body.response_code).toBe('01');
      sim.settleAll();
      sim.advance(10 * 60_000);
      const tx = sim.transaction(answer.body.data.transaction_id)!;
      expect(tx.status).toBe('pending');
      expect(sim.balance).toBe(10_000_000 - tx.price);
    });

    it('…9050 fails, then is refunded', async () => {
      const answer = await payAfterInquiry(command, 'failsThenRefunds');
      expect(answer.body.response_code).toBe('01');
      sim.settleAll();
      expect(sim.transaction(answer.body.data.transaction_id)?.status).toBe('refunded');
      expect(sim.balance).toBe(10_000_000);
    });

    it('…9050: a refunded bill is unpaid again, to a new inquiry and to a reference taken before the refund', async () => {
      const data = dataFor(command, 'failsThenRefunds');
      const early = await client.inquiry(command, data, family(command));
      const paid = await payAfterInquiry(command, 'failsThenRefunds');
      expect(paid.body.response_code).toBe('01');
      sim.settleAll();
      expect(sim.transaction(paid.body.data.transaction_id)?.status).toBe('refunded');
      const again = await client.inquiry(command, data, family(command));
      expect(again.body.response_code).toBe('00');
      const payEarly = await client.payment(
        command,
        { customer_id: data.customer_id, product_code: data.product_code, reference_number: early.body.data.reference_number },
        family(command),
      );
      expect(payEarly.body.response_code).toBe('01');
      expect(sim.transactions()).toHaveLength(2);
    });
  });

  describe.each(DIRECT_COMMANDS)('direct purchase: %s', (command) => {
    it.each([
      ['customerNotFound', '20'],
      ['billAlreadyPaid', '21'],
      ['billerFails', '22'],
    ] as const)('%s answers %s at payment, drawing nothing', async (name, code) => {
      const answer = await payDirect(command, name);
      expect(answer.body).toMatchObject({ command, response_code: code });
      expect(answer.body.data).toBeUndefined();
      expect(sim.balance).toBe(10_000_000);
      expect(sim.paymentsFor({ customerId: singapayTestCustomerId(command, name) })).toBe(1);
    });

    it('…98NN and …97NN answer the chosen code at payment; 00 succeeds at once', async () => {
      expect((await payDirect(command, 'codeAtInquiry', '14')).body.response_code).toBe('14');
      expect((await payDirect(command, 'codeAtPayment', '99')).body.response_code).toBe('99');
      const now = await payDirect(command, 'codeAtInquiry', '00');
      expect(now.body).toMatchObject({ response_code: '00', response_text: 'Payment success' });
      expect(sim.transaction(now.body.data.transaction_id)?.status).toBe('success');
    });

    it('…9001 stays pending and …9050 ends refunded after settleAll', async () => {
      const pending = await payDirect(command, 'staysPending');
      const refunded = await payDirect(command, 'failsThenRefunds');
      sim.settleAll();
      expect(sim.transaction(pending.body.data.transaction_id)?.status).toBe('pending');
      expect(sim.transaction(refunded.body.data.transaction_id)?.status).toBe('refunded');
      expect(sim.balance).toBe(10_000_000 - sim.transaction(pending.body.data.transaction_id)!.price);
    });

    // That no callback comes of it is shown where callbacks are delivered (test/callbacks/callbacks.e2e-spec.ts).
    it('…9051 ends failed for good after settleAll, the price back', async () => {
      const failed = await payDirect(command, 'failsQuietly');
      expect(failed.body.response_code).toBe('01');
      expect(sim.balance).toBeLessThan(10_000_000);
      sim.settleAll();
      sim.advance(10 * 60_000);
      expect(sim.transaction(failed.body.data.transaction_id)?.status).toBe('failed');
      expect(sim.balance).toBe(10_000_000);
    });
  });

  it('counts payments per reference, per customer and in total, and token requests', async () => {
    const data = dataFor('plnpos', 'succeeds');
    const first = await client.inquiry('plnpos', data);
    const ref = first.body.data.reference_number as string;
    const pay = { customer_id: data.customer_id, product_code: data.product_code, reference_number: ref };
    await client.payment('plnpos', pay);
    await client.payment('plnpos', pay);
    await client.payment('pulsa', dataFor('pulsa', 'succeeds'), 'prepaid');
    const stats = sim.stats();
    expect(stats.paymentsReceived).toBe(3);
    expect(stats.paymentsByReference).toEqual({ [ref]: 2 });
    expect(stats.paymentsByCustomer).toEqual({ '146300068064': 2, '081234567891': 1 });
    expect(sim.paymentsFor({ referenceNumber: ref })).toBe(2);
    expect(sim.paymentsFor({ customerId: 'nobody' })).toBe(0);
    expect(stats.transactions).toBe(2);
    expect(stats.requests).toEqual({
      '/api/v1.0/access-token/b2b': 1,
      '/api/v2/postpaid/inquiry': 1,
      '/api/v2/postpaid/payment': 2,
      '/api/v2/prepaid/payment': 1,
    });
    expect(stats.tokenRequests).toBe(1);
    expect(stats.tokensIssued).toBe(1);
    expect(sim.transactions().map((t) => t.command)).toEqual(['pulsa', 'plnpos']);
  });
});

describe('SingapaySimulator: failureTransactionId whenCreated', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, variants: { failureTransactionId: 'whenCreated' } });
    client = new SimulatorTestClient(sim);
  });
  afterAll(() => sim.stop());
  beforeEach(async () => {
    sim.reset();
    await client.token();
  });

  it("a provider's failure of a direct purchase names the transaction it created, listed failed, then refunded", async () => {
    const customerId = singapayTestCustomerId('pulsa', 'customerNotFound');
    const answer = await client.payment('pulsa', { customer_id: customerId, product_code: 'SPTLKMAS10' }, 'prepaid');
    expect(answer.body).toMatchObject({
      response_code: '20',
      data: { customer_id: customerId, transaction_id: expect.any(String), price: expect.any(String) },
    });
    const id = answer.body.data.transaction_id as string;
    const tx = sim.transaction(id)!;
    expect(tx.status).toBe('failed');
    expect(sim.balance).toBe(10_000_000 - tx.price);
    sim.settleAll();
    expect(sim.transaction(id)?.status).toBe('refunded');
    expect(sim.balance).toBe(10_000_000);
  });

  it('a failure after an inquiry leaves the reference payable and the bill unpaid', async () => {
    const data = { customer_id: singapayTestCustomerId('plnpos', 'codeAtPayment', '22'), product_code: 'SPPLNPOS' };
    const { payment } = await client.inquireAndPay('plnpos', data);
    expect(payment.body).toMatchObject({ response_code: '22', data: { transaction_id: expect.any(String) } });
    const again = await client.inquiry('plnpos', data);
    expect(again.body.response_code).toBe('00');
    sim.settleAll();
    expect(sim.transactions().map((t) => t.status)).toEqual(['refunded']);
  });

  it("the merchant's own refusals create no transaction", async () => {
    for (const code of ['04', '08', '09', '17']) {
      const answer = await client.payment(
        'pulsa',
        { customer_id: singapayTestCustomerId('pulsa', 'codeAtPayment', code), product_code: 'SPTLKMAS10' },
        'prepaid',
      );
      expect([answer.body.response_code, answer.body.data]).toEqual([code, undefined]);
    }
    sim.setBalance(0);
    const broke = await client.payment(
      'pulsa',
      { customer_id: singapayTestCustomerId('pulsa', 'customerNotFound'), product_code: 'SPTLKMAS10' },
      'prepaid',
    );
    expect([broke.body.response_code, broke.body.data]).toEqual(['17', undefined]);
    expect(sim.transactions()).toEqual([]);
  });
});
