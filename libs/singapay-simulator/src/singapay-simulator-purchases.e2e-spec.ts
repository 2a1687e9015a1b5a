import { SIMULATOR_COMMANDS, SIMULATOR_GENERAL, type SimulatorCommand } from './simulator-api-docs.js';
import { findSimulatorProduct } from './simulator-catalogue.js';
import { ULID_PATTERN } from './simulator-ids.js';
import { SINGAPAY_TEST_CUSTOMER_EXAMPLES } from './simulator-test-customers.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

const INQUIRY_COMMANDS = ['plntok', 'topupg', 'pdam', 'plnpos', 'plnnon', 'intv', 'bpjsks', 'bputk', 'putk', 'mobpos'] as const;
const familyOf = (command: SimulatorCommand) => SIMULATOR_COMMANDS[command].family;

/** Inquiry data for a command's ordinary example, with the fields its rules demand. */
function inquiryData(command: SimulatorCommand): Record<string, unknown> {
  const { customerId, productCode } = SINGAPAY_TEST_CUSTOMER_EXAMPLES[command];
  const data: Record<string, unknown> = { customer_id: customerId, product_code: productCode };
  if (command === 'bpjsks' || command === 'bputk') data.period = 1;
  return data;
}

describe('SingapaySimulator: purchases', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;
  let clock: number;

  beforeAll(async () => {
    clock = Date.UTC(2025, 5, 10, 9, 36, 49);
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, inquiryTtlMs: 60_000, now: () => clock });
    client = new SimulatorTestClient(sim);
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('answers the documented plnpos inquiry and payment, and charges the price', async () => {
    const { inquiry, payment } = await client.inquireAndPay('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    expect(inquiry.status).toBe(200);
    expect(inquiry.body).toEqual({
      command: 'plnpos',
      response_code: '00',
      response_text: 'Inquiry success',
      data: {
        amount: '151005',
        customer_name: 'NARSONO',
        period: '202403',
        customer_id: '146300068064',
        reference_number: expect.stringMatching(/^SPPLNPOSRJBL\d{12}1749548209$/),
        price: '152505',
        created_at: '2025-06-10 16:36:49',
      },
    });
    expect(payment.status).toBe(200);
    expect(payment.body).toEqual({
      command: 'plnpos',
      response_code: '00',
      response_text: 'Payment success',
      data: {
        amount: '151005',
        customer_name: 'NARSONO',
        period: '202403',
        customer_id: '146300068064',
        price: '152505',
        transaction_id: expect.stringMatching(ULID_PATTERN),
        created_at: '2025-06-10 16:36:49',
      },
    });
    expect(sim.balance).toBe(10_000_000 - 152_505);
    const balance = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(balance.body).toEqual({
      command: 'check-balance',
      response_code: '00',
      response_text: 'Operation completed successfully',
      data: { balance: '9847495.00', currency: 'IDR' },
    });
    expect(sim.transactions()).toEqual([
      expect.objectContaining({ status: 'success', command: 'plnpos', price: 152_505, amount: 151_005, customerName: 'NARSONO' }),
    ]);
  });

  it.each(INQUIRY_COMMANDS)('runs inquiry then payment for %s', async (command) => {
    const data = inquiryData(command);
    const { inquiry, payment } = await client.inquireAndPay(command, data, familyOf(command));
    const product = findSimulatorProduct(data.product_code as string)!;
    expect(inquiry.body.data).toMatchObject({ customer_id: data.customer_id, customer_name: expect.stringMatching(/^[A-Z ]+$/) });
    const amount = Number(inquiry.body.data.amount);
    const price = Number(inquiry.body.data.price);
    expect(price).toBe(product.adminFee === undefined ? product.price : amount + product.adminFee);
    expect(inquiry.body.data.reference_number.startsWith(`${product.code}RJBL`)).toBe(true);
    // The documented plnnon and mobpos answers carry no period.
    expect('period' in inquiry.body.data).toBe(familyOf(command) === 'postpaid' && command !== 'plnnon' && command !== 'mobpos');
    expect(payment.body).toMatchObject({ command, response_code: '00', response_text: 'Payment success' });
    expect(payment.body.data).toMatchObject({ amount: String(amount), price: String(price), customer_id: data.customer_id });
    expect(payment.body.data.transaction_id).toMatch(ULID_PATTERN);
    if (command === 'plntok') expect(payment.body.data.token).toBeNull();
    else expect('token' in payment.body.data).toBe(false);
    expect(sim.balance).toBe(10_000_000 - price);
  });

  it.each(['pulsa', 'data', 'vouchg'] as const)('answers a direct %s purchase pending, then settles it', async (command) => {
    const { customerId, productCode } = SINGAPAY_TEST_CUSTOMER_EXAMPLES[command];
    const product = findSimulatorProduct(productCode)!;
    const answer = await client.payment(command, { customer_id: customerId, product_code: productCode }, 'prepaid');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      command,
      response_code: '01',
      response_text: 'Payment pending',
      data: {
        customer_id: customerId,
        amount: String(product.amount),
        price: String(product.price),
        transaction_id: expect.stringMatching(ULID_PATTERN),
        created_at: '2025-06-10 16:36:49',
      },
    });
    const id = answer.body.data.transaction_id as string;
    expect(sim.transaction(id)).toMatchObject({ status: 'pending', inquiredAt: null });
    expect(sim.balance).toBe(10_000_000 - product.price!);
    sim.settleAll();
    expect(sim.transaction(id)).toMatchObject({ status: 'success', token: null });
  });

  it('settles a pending purchase on the real timer too', async () => {
    const fast = await SingapaySimulator.start({ settleDelayMs: 20 });
    try {
      const answer = await new SimulatorTestClient(fast).payment(
        'pulsa',
        { customer_id: '081234567891', product_code: 'SPTLKMAS10' },
        'prepaid',
      );
      expect(fast.transaction(answer.body.data.transaction_id)?.status).toBe('pending');
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(fast.transaction(answer.body.data.transaction_id)?.status).toBe('success');
    } finally {
      await fast.stop();
    }
  });

  it('settles due purchases when the clock is advanced', async () => {
    const answer = await client.payment('data', { customer_id: '082291501085', product_code: 'SPTKMSF2G30' }, 'prepaid');
    sim.advance(59_999);
    expect(sim.transaction(answer.body.data.transaction_id)?.status).toBe('pending');
    sim.advance(1);
    expect(sim.transaction(answer.body.data.transaction_id)?.status).toBe('success');
  });

  it('gives the PLN token only later, in the detail other_info', async () => {
    const { payment } = await client.inquireAndPay('plntok', inquiryData('plntok'), 'prepaid');
    const id = payment.body.data.transaction_id as string;
    const detail = () =>
      client.post(SIMULATOR_GENERAL.detailTransaction.path, { command: 'detail-bill-transaction', data: { transaction_id: id } });
    expect((await detail()).body.data).toMatchObject({ status: 'success', other_info: [] });
    sim.settleAll();
    expect((await detail()).body.data.other_info).toEqual({ token: expect.stringMatching(/^(\d{4}-){4}\d{4}$/) });
  });

  it('answers 21 to a second inquiry or payment of a paid bill, and keeps the money', async () => {
    const data = inquiryData('pdam');
    const first = await client.inquiry('pdam', data);
    const second = await client.inquiry('pdam', data);
    const pay = (reference: string) =>
      client.payment('pdam', { customer_id: data.customer_id, product_code: data.product_code, reference_number: reference });
    expect((await pay(first.body.data.reference_number)).body.response_code).toBe('00');
    const balance = sim.balance;
    expect((await pay(first.body.data.reference_number)).body).toEqual({
      command: 'pdam',
      response_code: '21',
      response_text: 'Bill already paid',
    });
    expect((await pay(second.body.data.reference_number)).body.response_code).toBe('21');
    const again = await client.inquiry('pdam', data);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ command: 'pdam', response_code: '21', response_text: 'Bill already paid' });
    expect(sim.balance).toBe(balance);
    expect(sim.paymentsFor({ referenceNumber: first.body.data.reference_number })).toBe(2);
    expect(sim.paymentsFor({ customerId: data.customer_id as string })).toBe(3);
    expect(sim.stats().transactions).toBe(1);

    const reset = await client.post(SIMULATOR_GENERAL.resetCustomerId.path, { command: 'reset-customer-id' });
    expect(reset.body).toEqual({ command: 'reset-customer-id', response_code: '00', response_text: 'Operation completed successfully.' });
    expect((await client.inquiry('pdam', data)).body.response_code).toBe('00');
  });

  it('answers 07 to a second payment of a prepaid reference', async () => {
    const { inquiry } = await client.inquireAndPay('plntok', inquiryData('plntok'), 'prepaid');
    const again = await client.payment(
      'plntok',
      { customer_id: '14234567891', product_code: 'SPPLNTOK', reference_number: inquiry.body.data.reference_number },
      'prepaid',
    );
    expect(again.body).toEqual({ command: 'plntok', response_code: '07', response_text: 'Reference number already paid' });
    expect(sim.stats().transactions).toBe(1);
  });

  it('answers 06 "inquiry not found" on HTTP 404 for an unknown, expired or mismatched reference', async () => {
    const data = inquiryData('pdam');
    const notFound = { command: 'pdam', response_code: '06', response_text: 'inquiry not found' };
    const pay = (reference: string, customerId = data.customer_id) =>
      client.payment('pdam', { customer_id: customerId, product_code: data.product_code, reference_number: reference });

    const unknown = await pay('SPPAMJYARJBL0000000000001749548209');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(notFound);

    const ref = (await client.inquiry('pdam', data)).body.data.reference_number as string;
    expect((await pay(ref, '0112345679')).body).toEqual(notFound);
    clock += 60_000;
    expect((await pay(ref)).body).toEqual(notFound);

    const fresh = (await client.inquiry('pdam', data)).body.data.reference_number as string;
    sim.expireReferences();
    expect((await pay(fresh)).status).toBe(404);
    expect(sim.stats().transactions).toBe(0);
    expect(sim.balance).toBe(10_000_000);
  });

  it('answers 08 to a wrong password and 17 when the deposit is too low', async () => {
    const wrong = await client.post('/api/v2/prepaid/payment', {
      command: 'pulsa',
      data: { password: 'guess', customer_id: '081234567891', product_code: 'SPTLKMAS10' },
    });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toEqual({ command: 'pulsa', response_code: '08', response_text: 'Invalid password' });

    sim.setBalance(10_999);
    const poor = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
    expect(poor.body).toEqual({ command: 'pulsa', response_code: '17', response_text: 'Insufficient balance' });
    // SPTLKMAS10 costs the documented 11.000.
    sim.setBalance(11_000);
    expect((await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid')).body.response_code).toBe(
      '01',
    );
    expect(sim.balance).toBe(0);
    expect(sim.stats().paymentsReceived).toBe(3);
  });

  it('answers 422/04 with the field map of what is missing', async () => {
    const answer = await client.post('/api/v2/postpaid/payment', { command: 'plnpos', data: { customer_id: '146300068064' } });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      command: 'plnpos',
      response_code: '04',
      response_text: 'Rejected Format Error',
      data: {
        'data.product_code': 'The data.product code field is required.',
        'data.password': 'The data.password field is required.',
        'data.reference_number': 'The data.reference number field is required.',
      },
    });
    const noCommand = await client.post('/api/v2/postpaid/inquiry', {});
    expect(noCommand.status).toBe(422);
    expect(noCommand.body.data).toEqual({
      command: 'The command field is required.',
      'data.customer_id': 'The data.customer id field is required.',
      'data.product_code': 'The data.product code field is required.',
    });
  });

  it.each([
    ['v1 prepaid inquiry of topupg', '/api/v1/prepaid/inquiry', 'topupg', { command: 'The selected command is invalid.' }],
    ['v1 prepaid payment of vouchg', '/api/v1/prepaid/payment', 'vouchg', { command: 'The selected command is invalid.' }],
    ['a direct purchase on the inquiry path', '/api/v2/prepaid/inquiry', 'pulsa', { command: 'The selected command is invalid.' }],
    ['a postpaid command on the prepaid path', '/api/v2/prepaid/inquiry', 'plnpos', { command: 'The selected command is invalid.' }],
    [
      'a product of another command',
      '/api/v2/postpaid/inquiry',
      'pdam',
      { 'data.product_code': 'The selected data.product code is invalid.' },
    ],
  ])('answers 04 to %s', async (_name, path, command, errors) => {
    const productCode = command === 'pdam' ? 'SPPLNPOS' : 'SPPLNTOK';
    const answer = await client.post(path, {
      command,
      data: { customer_id: '14234567891', product_code: productCode, password: 'sim-password' },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.response_code).toBe('04');
    expect(answer.body.data).toMatchObject(errors);
  });

  it('knows the legacy v1 paths for the commands they had', async () => {
    const plntok = await client.inquiry('plntok', inquiryData('plntok'), 'prepaid', 'v1');
    expect(plntok.body.response_code).toBe('00');
    const paid = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid', 'v1');
    expect(paid.body.response_code).toBe('01');
    const bill = await client.inquiry(
      'plnpos',
      { customer_id: '146300068064', product_code: 'SPPLNPOS', phone_number: 'x'.repeat(40) },
      'postpaid',
      'v1',
    );
    expect(bill.body.response_code).toBe('00');
  });

  it.each([
    ['bpjsks', undefined, { 'data.period': 'The data.period field is required.' }],
    ['bpjsks', 13, { 'data.period': 'The data.period field must be between 1 and 12.' }],
    ['bpjsks', 1.5, { 'data.period': 'The data.period field must be an integer.' }],
    ['bpjsks', 'three', { 'data.period': 'The data.period field must be an integer.' }],
    ['bputk', 4, { 'data.period': 'The selected data.period is invalid.' }],
    ['bputk', undefined, { 'data.period': 'The data.period field is required.' }],
    ['putk', 0, { 'data.period': 'The data.period field must be between 1 and 12.' }],
  ] as const)('applies the period rule of %s to %j', async (command, period, errors) => {
    const data = { ...inquiryData(command), period };
    const answer = await client.inquiry(command, data);
    expect(answer.status).toBe(422);
    expect(answer.body.data).toEqual(errors);
  });

  it('accepts periods as integers or digit strings and prices them', async () => {
    const one = await client.inquiry('bpjsks', { ...inquiryData('bpjsks'), period: 1 });
    const three = await client.inquiry('bpjsks', { ...inquiryData('bpjsks'), period: '3' });
    expect(Number(three.body.data.amount)).toBe(Number(one.body.data.amount) * 3);
    expect(three.body.data.period).toBe('3');
    expect((await client.inquiry('bputk', { ...inquiryData('bputk'), period: 6 })).body.response_code).toBe('00');
    // putk prints the month paid, as documented ("04/2024").
    expect((await client.inquiry('putk', inquiryData('putk'))).body.data.period).toMatch(/^\d{2}\/\d{4}$/);
  });

  it('limits the v2 phone_number to 25 characters', async () => {
    const long = await client.inquiry('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS', phone_number: '0'.repeat(26) });
    expect(long.status).toBe(422);
    expect(long.body.data).toEqual({ 'data.phone_number': 'The data.phone number field must not be greater than 25 characters.' });
    const ok = await client.inquiry('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS', phone_number: '081234567890' });
    expect(ok.body.response_code).toBe('00');
  });

  it('rejects a malformed phone number with a sentence, not a field map', async () => {
    const answer = await client.inquiry('mobpos', { customer_id: '08122a962721', product_code: 'SPTKMSPOSH' });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      command: 'mobpos',
      response_code: '04',
      response_text: 'customer_id (phone number) column value 08122a962721 is not valid',
    });
    const nik = await client.inquiry('bputk', { customer_id: '12345', product_code: 'SPBPJSTKBPU', period: 1 });
    expect(nik.body.response_text).toBe('customer_id (NIK) column value 12345 is not valid');
  });

  it('lists game parameters and demands them at a top-up inquiry', async () => {
    const params = (category: unknown) =>
      client.post(SIMULATOR_GENERAL.gameTopupParameters.path, { command: 'get-parameter-game-topup', data: { category_code: category } });
    const genshin = await params('GENSHIN');
    expect(genshin.status).toBe(200);
    expect(genshin.body).toMatchObject({ command: 'get-parameter-game-topup', response_code: '00', data: { category_code: 'GENSHIN' } });
    expect(genshin.body.data.parameters[0]).toMatchObject({ name: 'server_id', type: 'select', required: true });
    expect(genshin.body.data.parameters[0].options.map((o: { value: string }) => o.value)).toContain('os_asia');
    expect((await params('FREEFIRE')).body.data.parameters).toEqual([]);
    const unknown = await params('TETRIS');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ command: 'get-parameter-game-topup', response_code: '06', response_text: 'Category not found' });
    const missing = await params(undefined);
    expect(missing.status).toBe(422);
    expect(missing.body.data).toEqual({ 'data.category_code': 'The data.category code field is required.' });

    const noServer = await client.inquiry('topupg', { customer_id: '123456781', product_code: 'SPGI60' }, 'prepaid');
    expect(noServer.body.data).toEqual({ 'data.server_id': 'The data.server id field is required.' });
    const badServer = await client.inquiry('topupg', { customer_id: '123456781', product_code: 'SPGI60', server_id: 'mars' }, 'prepaid');
    expect(badServer.body.data).toEqual({ 'data.server_id': 'The selected data.server id is invalid.' });
    const ok = await client.inquiry('topupg', { customer_id: '123456781', product_code: 'SPMLBB86', server_id: '2001' }, 'prepaid');
    expect(ok.body.data).toMatchObject({ server_id: '2001', amount: '20000', price: '20500' });
  });
});

describe('SingapaySimulator: once-per-day sandbox rule', () => {
  it('refuses a second use of a customer id the same day until reset-customer-id', async () => {
    const sim = await SingapaySimulator.start({ oncePerDay: true, settleDelayMs: 60_000 });
    try {
      const client = new SimulatorTestClient(sim);
      const buy = () => client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
      expect((await buy()).body.response_code).toBe('01');
      const second = await buy();
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ command: 'pulsa', response_code: '09' });
      expect(
        (await client.payment('pulsa', { customer_id: '081234567892', product_code: 'SPTLKMAS10' }, 'prepaid')).body.response_code,
      ).toBe('01');
      await client.post(SIMULATOR_GENERAL.resetCustomerId.path, { command: 'reset-customer-id' });
      expect((await buy()).body.response_code).toBe('01');
      expect(sim.stats().transactions).toBe(3);
    } finally {
      await sim.stop();
    }
  });
});

describe('SingapaySimulator: netPrice belowPrice', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, variants: { netPrice: 'belowPrice' } });
    client = new SimulatorTestClient(sim);
    await client.token();
  });
  afterAll(() => sim.stop());

  it('charges the deposit the net price, 2% below the price, shows both in rows and refunds the net price', async () => {
    const { payment } = await client.inquireAndPay('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    const id = payment.body.data.transaction_id as string;
    const tx = sim.transaction(id)!;
    expect(tx.netPrice).toBe(tx.price - Math.floor(tx.price / 50));
    expect(tx.netPrice).toBeLessThan(tx.price);
    expect(sim.balance).toBe(10_000_000 - tx.netPrice);
    const detail = await client.post(SIMULATOR_GENERAL.detailTransaction.path, {
      command: 'detail-bill-transaction',
      data: { transaction_id: id },
    });
    expect(detail.body.data).toMatchObject({ net_price: String(tx.netPrice), display_price: { price: String(tx.price) } });
    sim.refund(id);
    expect(sim.balance).toBe(10_000_000);
  });

  it('asks the deposit for the net price only', async () => {
    sim.reset();
    sim.setBalance(10_780); // SPTLKMAS10: price 11,000, net price 10,780
    const paid = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
    expect(paid.body.response_code).toBe('01');
    expect(sim.balance).toBe(0);
  });
});
