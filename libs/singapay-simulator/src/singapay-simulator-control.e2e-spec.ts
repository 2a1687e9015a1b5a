import { SIMULATOR_GENERAL, simulatorProductPath } from './simulator-api-docs.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

const PAYMENT_PATH = simulatorProductPath('v2', 'postpaid', 'payment');
const NARSONO = '146300068064';

describe('SingapaySimulator: HTTP control interface', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;
  let clock: number;

  const balanceCode = async (): Promise<string> =>
    (await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' })).body.response_code;

  beforeAll(async () => {
    clock = Date.UTC(2025, 5, 10, 9, 36, 49);
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, now: () => clock, faultSeed: 7 });
    client = new SimulatorTestClient(sim);
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('is at <baseUrl>/__simulator', () => {
    expect(sim.controlUrl).toBe(`${sim.baseUrl}/__simulator`);
  });

  it('adds, lists, reads, removes and clears fault rules', async () => {
    const added = await client.control('POST', 'faults', { endpoint: 'balance', fault: { kind: 'code', code: '14' }, times: 2 });
    expect(added).toMatchObject({ status: 201, body: { id: expect.stringMatching(/^fault-\d+$/) } });
    const id = added.body.id as string;
    const second = (await client.control('POST', 'faults', { endpoint: 'payment', fault: { kind: 'hang' }, probability: 0.25 })).body.id;

    expect((await client.control('GET', 'faults')).body).toEqual({
      seed: 7,
      faults: [
        {
          id,
          endpoint: 'balance',
          fault: { kind: 'code', code: '14' },
          match: {},
          times: 2,
          probability: null,
          remaining: 2,
          matched: 0,
          hits: 0,
          active: true,
        },
        {
          id: second,
          endpoint: 'payment',
          fault: { kind: 'hang' },
          match: {},
          times: null,
          probability: 0.25,
          remaining: null,
          matched: 0,
          hits: 0,
          active: true,
        },
      ],
    });

    expect([await balanceCode(), await balanceCode(), await balanceCode()]).toEqual(['14', '14', '00']);
    expect((await client.control('GET', `faults/${id}`)).body).toMatchObject({ id, hits: 2, remaining: 0, active: false });
    expect((await client.control('GET', 'faults')).body.faults.map((f: { id: string }) => f.id)).toEqual([second]);

    expect(await client.control('DELETE', `faults/${second}`)).toMatchObject({ status: 200, body: { removed: 1 } });
    expect(await client.control('DELETE', `faults/${second}`)).toMatchObject({ status: 404, body: { error: `No fault rule ${second}` } });
    expect(await client.control('GET', 'faults/fault-999')).toMatchObject({ status: 404 });

    await client.control('POST', 'faults', { endpoint: 'token', fault: { kind: 'tokenFailure', status: 500 } });
    await client.control('POST', 'faults', { endpoint: 'list', fault: { kind: 'html' } });
    expect(await client.control('DELETE', 'faults')).toMatchObject({ status: 200, body: { removed: 2 } });
    expect(sim.faults.list()).toEqual([]);
  });

  it('rejects bad rules and bad JSON with 400 and a message', async () => {
    expect(await client.control('POST', 'faults', { endpoint: 'payment', fault: { kind: 'latency', ms: -1 } })).toEqual({
      status: 400,
      body: { error: 'fault.ms must be a number of milliseconds from 0 to 600000' },
      headers: expect.anything(),
    });
    expect((await client.control('POST', 'faults', { endpoint: '/__simulator/stats', fault: { kind: 'hang' } })).status).toBe(400);
    expect((await client.raw('/__simulator/faults', '{nope', { 'content-type': 'application/json' })).body).toEqual({
      error: 'Malformed JSON body',
    });
    expect((await client.control('POST', 'faults', [1])).body).toEqual({ error: 'The JSON body must be an object' });
    expect((await client.control('POST', 'advance', { ms: 'soon' })).status).toBe(400);
    expect(sim.faults.list()).toEqual([]);
  });

  it('answers 404 for unknown routes and 405 with Allow for wrong methods', async () => {
    expect(await client.control('GET', 'nothing')).toMatchObject({
      status: 404,
      body: { error: 'No control route GET /__simulator/nothing' },
    });
    expect(await client.control('PUT', 'faults')).toMatchObject({ status: 405, headers: { allow: 'GET, POST, DELETE' } });
    expect(await client.control('GET', 'settle')).toMatchObject({ status: 405, headers: { allow: 'POST' } });
  });

  it('shows the ledger and stats; control requests are counted apart and never faulted', async () => {
    await client.control('POST', 'faults', { endpoint: '*', fault: { kind: 'resetBeforeApply' }, match: { customerId: 'nobody' } });
    await client.control('POST', 'faults', {
      endpoint: '*',
      fault: { kind: 'status', httpStatus: 418 },
      match: { command: 'check-balance' },
    });
    const { payment } = await client.inquireAndPay('plnpos', { customer_id: NARSONO, product_code: 'SPPLNPOS' });
    expect(payment.body.response_code).toBe('00');
    expect(await balanceCode()).toBeUndefined();

    const ledger = await client.control('GET', 'ledger');
    expect(ledger.status).toBe(200);
    expect(ledger.body).toEqual({
      transactions: [
        {
          transactionId: payment.body.data.transaction_id,
          referenceNumber: expect.stringMatching(/^SPPLNPOS/),
          customerId: NARSONO,
          productCode: 'SPPLNPOS',
          command: 'plnpos',
          status: 'success',
          amount: 151_005,
          price: 152_505,
          createdAt: clock,
        },
      ],
      applied: 1,
      appliedByReference: { [ledger.body.transactions[0].referenceNumber]: 1 },
      appliedByCustomer: { [NARSONO]: 1 },
      balance: 10_000_000 - 152_505,
    });

    const stats = await client.control('GET', 'stats');
    expect(stats.status).toBe(200);
    // The token request happened before this test's reset; afterwards: inquiry, payment, balance, and 4 control calls so far.
    expect(stats.body.requests).toEqual({
      [simulatorProductPath('v2', 'postpaid', 'inquiry')]: 1,
      [PAYMENT_PATH]: 1,
      [SIMULATOR_GENERAL.checkBalance.path]: 1,
    });
    expect(stats.body.controlRequests).toBe(4);
    expect(stats.body.faults).toEqual({ injected: 1, byKind: { status: 1 } });
    expect(Object.keys(stats.body.requests).some((path) => path.startsWith('/__simulator'))).toBe(false);
  });

  it("leaves the control interface alone even with a '*' rule that faults everything else", async () => {
    sim.faults.add({ endpoint: '*', fault: { kind: 'resetBeforeApply' } });
    for (const [method, path] of [
      ['GET', 'faults'],
      ['GET', 'ledger'],
      ['GET', 'stats'],
      ['POST', 'settle'],
    ] as const) {
      expect((await client.control(method, path)).status).toBe(200);
    }
    await expect(client.tokenRequest()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(sim.stats()).toMatchObject({ controlRequests: 4, faults: { injected: 1, byKind: { resetBeforeApply: 1 } } });
  });

  it('settles, resets, revokes tokens and advances the clock', async () => {
    const bought = await client.payment('data', { customer_id: '082291501085', product_code: 'SPTKMSF2G30' }, 'prepaid');
    expect(bought.body.response_code).toBe('01');
    expect(await client.control('POST', 'settle')).toMatchObject({ status: 200, body: { ok: true } });
    expect(sim.transaction(bought.body.data.transaction_id)?.status).toBe('success');

    const start = sim.now();
    expect(await client.control('POST', 'advance', { ms: 5000 })).toMatchObject({ status: 200, body: { ok: true, now: start + 5000 } });
    expect(sim.now()).toBe(start + 5000);

    sim.faults.add({ endpoint: 'payment', fault: { kind: 'hang' } });
    expect(await client.control('POST', 'reset')).toMatchObject({ status: 200, body: { ok: true } });
    expect(sim.ledger().applied).toBe(0);
    expect(sim.faults.list()).toEqual([]);

    expect(await balanceCode()).toBe('00');
    expect(await client.control('POST', 'revoke-tokens')).toMatchObject({ status: 200, body: { ok: true } });
    const revoked = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(revoked.status).toBe(401);
    await client.token();
  });
});
