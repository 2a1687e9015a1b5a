import { SIMULATOR_GENERAL } from './simulator-api-docs.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

const DAY = 24 * 60 * 60 * 1000;

describe('SingapaySimulator: transaction detail and list', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;
  let clock: number;

  const detail = (data: unknown) => client.post(SIMULATOR_GENERAL.detailTransaction.path, { command: 'detail-bill-transaction', data });
  const list = (data?: unknown) =>
    client.post(
      SIMULATOR_GENERAL.listTransactions.path,
      data === undefined ? { command: 'list-bill-transaction' } : { command: 'list-bill-transaction', data },
    );
  const buyData = async (customerId: string): Promise<string> =>
    (await client.payment('data', { customer_id: customerId, product_code: 'SPTKMSF2G30' }, 'prepaid')).body.data.transaction_id;

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, now: () => clock });
    client = new SimulatorTestClient(sim);
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    // 2025-06-10 10:54:29 UTC = 17:54:29 WIB, the docs' example.
    clock = 1_749_552_869_000;
    sim.reset();
  });

  it('shows a transaction exactly in the documented shape', async () => {
    const id = await buyData('082291501085');
    const answer = await detail({ transaction_id: id });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      command: 'detail-bill-transaction',
      response_code: '00',
      response_text: 'Operation completed successfully',
      data: {
        transaction_id: id,
        reference_number: expect.stringMatching(/^SPTKMSF2G30RJBL\d{12}1749552869$/),
        customer_id: '082291501085',
        transaction_type: 'prepaid',
        status: 'pending',
        inquired_at: null,
        paid_at: '2025-06-10 17:54:29',
        net_price: '32500',
        display_price: { amount: '32500', price: '32500' },
        other_info: [],
        // The documented row: created_at in UTC, paid_at in WIB, the same instant as the ULID.
        created_at: '2025-06-10 10:54:29',
        product: { code: 'SPTKMSF2G30', name: 'Telkomsel Data Flash 2GB 30hr', category: { code: 'TELASD', name: 'Telkomsel/AS' } },
      },
    });
  });

  it('shows the inquiry time of an inquiry-flow transaction', async () => {
    const inquiry = await client.inquiry('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    clock += 13_000;
    const payment = await client.payment('plnpos', {
      customer_id: '146300068064',
      product_code: 'SPPLNPOS',
      reference_number: inquiry.body.data.reference_number,
    });
    const answer = await detail({ transaction_id: payment.body.data.transaction_id });
    expect(answer.body.data).toMatchObject({
      reference_number: inquiry.body.data.reference_number,
      transaction_type: 'postpaid',
      status: 'success',
      inquired_at: '2025-06-10 17:54:29',
      paid_at: '2025-06-10 17:54:42',
      net_price: '152505',
      display_price: { amount: '151005', price: '152505' },
      product: { code: 'SPPLNPOS', category: { code: 'PLNPOS', name: 'PLN Pascabayar' } },
    });
  });

  it('answers an unknown id with an unpadded "6" on HTTP 404, and a missing one with 04', async () => {
    const unknown = await detail({ transaction_id: '01JXCK6K1CMRGJKQ2J863Q6P5J' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ command: 'detail-bill-transaction', response_code: '6', response_text: 'Transaction not found' });
    const missing = await detail({});
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      command: 'detail-bill-transaction',
      response_code: '04',
      response_text: 'Rejected Format Error',
      data: { 'data.transaction_id': 'The data.transaction id field is required.' },
    });
    const wrongCommand = await client.post(SIMULATOR_GENERAL.detailTransaction.path, {
      command: 'check-balance',
      data: { transaction_id: 'x' },
    });
    expect(wrongCommand.body).toMatchObject({
      command: 'check-balance',
      response_code: '04',
      data: { command: 'The selected command is invalid.' },
    });
  });

  it('pages 10 at a time, newest first, with page as a number or a string', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i += 1) {
      ids.push(await buyData(`0822915010${String(i).padStart(2, '0')}`));
      clock += 1000;
    }
    const first = await list();
    expect(first.body.data.pagination).toEqual({ current_page: 1, last_page: 3, per_page: 10, total: 23 });
    expect(first.body.data.bill_transactions.map((t: { transaction_id: string }) => t.transaction_id)).toEqual(
      ids.toReversed().slice(0, 10),
    );
    const row = first.body.data.bill_transactions[0];
    expect(row.product).toEqual({ code: 'SPTKMSF2G30', name: 'Telkomsel Data Flash 2GB 30hr' });
    expect(Object.keys(row)).toEqual([
      'transaction_id',
      'reference_number',
      'customer_id',
      'transaction_type',
      'status',
      'inquired_at',
      'paid_at',
      'net_price',
      'display_price',
      'other_info',
      'created_at',
      'product',
    ]);
    const third = await list({ page: '3' });
    expect(third.body.data.pagination.current_page).toBe(3);
    expect(third.body.data.bill_transactions.map((t: { transaction_id: string }) => t.transaction_id)).toEqual(
      ids.slice(0, 3).toReversed(),
    );
    const beyond = await list({ page: 9 });
    expect(beyond.body.data.bill_transactions).toEqual([]);
    expect(beyond.body.data.pagination).toEqual({ current_page: 9, last_page: 3, per_page: 10, total: 23 });
    const bad = await list({ page: 0 });
    expect(bad.status).toBe(422);
    expect(bad.body.data).toEqual({ 'data.page': 'The data.page field must be at least 1.' });
  });

  it('answers an empty list with last_page 1', async () => {
    const answer = await list({});
    expect(answer.body.data).toEqual({ bill_transactions: [], pagination: { current_page: 1, last_page: 1, per_page: 10, total: 0 } });
  });

  it('filters by transaction id, customer id, status and WIB date range', async () => {
    const a = await buyData('082291501085');
    const b = await buyData('081234569001');
    clock += DAY;
    // A day later the cached token has expired, as it would against Singapay.
    expect((await list()).status).toBe(401);
    await client.token();
    const c = await buyData('082291501085');
    sim.settleAll();
    const ids = async (data: unknown) =>
      (await list(data)).body.data.bill_transactions.map((t: { transaction_id: string }) => t.transaction_id);

    expect(await ids({ transaction_id: b })).toEqual([b]);
    expect(await ids({ customer_id: '082291501085' })).toEqual([c, a]);
    expect(await ids({ status: 'pending' })).toEqual([b]);
    expect(await ids({ status: 'success', customer_id: '082291501085' })).toEqual([c, a]);
    expect(await ids({ start_date: '2025-06-10', end_date: '2025-06-10' })).toEqual([b, a]);
    expect(await ids({ start_date: '2025-06-11', end_date: '2025-06-30' })).toEqual([c]);
    expect(await ids({ start_date: '2025-06-01', end_date: '2025-06-09' })).toEqual([]);
  });

  it.each([
    [{ start_date: '2025-06-10' }, { 'data.end_date': 'The data.end date field is required when data.start date is present.' }],
    [{ end_date: '2025-06-10' }, { 'data.start_date': 'The data.start date field is required when data.end date is present.' }],
    [{ start_date: '10-06-2025', end_date: '2025-06-10' }, { 'data.start_date': 'The data.start date field must match the format Y-m-d.' }],
    [
      { start_date: '2025-06-11', end_date: '2025-06-10' },
      { 'data.end_date': 'The data.end date field must be a date after or equal to data.start date.' },
    ],
    [{ status: 'done' }, { 'data.status': 'The selected data.status is invalid.' }],
  ])('refuses the filter %j with 04', async (data, errors) => {
    const answer = await list(data);
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      command: 'list-bill-transaction',
      response_code: '04',
      response_text: 'Rejected Format Error',
      data: errors,
    });
  });
});
