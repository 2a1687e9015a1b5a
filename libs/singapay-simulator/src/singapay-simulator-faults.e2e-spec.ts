import { request } from 'node:http';
import { SIMULATOR_GENERAL, SIMULATOR_TOKEN_PATH, simulatorProductPath } from './simulator-api-docs.js';
import { formatSingapayDateTime } from './simulator-format.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient, type SimulatorTestAnswer } from './testing/simulator-test-client.js';

const PAYMENT_PATH = simulatorProductPath('v2', 'postpaid', 'payment');
const INITIAL_BALANCE = 10_000_000;
/** plnpos NARSONO: the documented bill, price 152505. */
const NARSONO = '146300068064';
const NARSONO_PRICE = 152_505;

type Outcome = { answer: SimulatorTestAnswer } | { error: string };

/** An answer or the socket error code (ECONNRESET for a reset, or a clean close before any answer). */
const outcome = (promise: Promise<SimulatorTestAnswer>): Promise<Outcome> =>
  promise.then(
    (answer) => ({ answer }),
    (error: NodeJS.ErrnoException) => ({ error: error.code ?? error.message }),
  );

/** The raw bytes and headers of an answer, whatever its content. */
function rawAnswer(sim: SingapaySimulator, path: string, body: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer }>((resolve, reject) => {
    const req = request(new URL(path, sim.baseUrl), { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const settledWithin = <T>(promise: Promise<T>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

describe('SingapaySimulator: fault injection', () => {
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  /** Inquiry (never faulted here), then the payment, whose fate the test scripted. */
  const inquire = async (customerId = NARSONO): Promise<string> => {
    const answer = await client.inquiry('plnpos', { customer_id: customerId, product_code: 'SPPLNPOS' });
    expect(answer.body.response_code).toBe('00');
    return answer.body.data.reference_number as string;
  };
  const pay = (referenceNumber: string, customerId = NARSONO) =>
    client.payment('plnpos', { customer_id: customerId, product_code: 'SPPLNPOS', reference_number: referenceNumber });

  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, faultSeed: 42 });
    client = new SimulatorTestClient(sim);
    await client.token();
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('resetBeforeApply drops the connection and changes nothing: the same reference pays afterwards', async () => {
    const reference = await inquire();
    const id = sim.faults.add({ endpoint: 'payment', fault: { kind: 'resetBeforeApply' }, times: 1 });

    expect(await outcome(pay(reference))).toEqual({ error: 'ECONNRESET' });
    expect(sim.ledger()).toEqual({ transactions: [], applied: 0, appliedByReference: {}, appliedByCustomer: {}, balance: INITIAL_BALANCE });
    expect(sim.stats()).toMatchObject({
      paymentsReceived: 0,
      requests: { [PAYMENT_PATH]: 1 },
      faults: { injected: 1, byKind: { resetBeforeApply: 1 } },
    });
    expect(sim.faults.get(id)).toMatchObject({ hits: 1, active: false });

    const retry = await pay(reference);
    expect(retry.body.response_code).toBe('00');
    expect(sim.ledger().appliedByReference).toEqual({ [reference]: 1 });
    expect(sim.balance).toBe(INITIAL_BALANCE - NARSONO_PRICE);
  });

  it('resetAfterApply applies the payment, then drops the connection: a retry learns the bill is paid', async () => {
    const reference = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'resetAfterApply' }, times: 1 });

    expect(await outcome(pay(reference))).toEqual({ error: 'ECONNRESET' });
    const ledger = sim.ledger();
    expect(ledger).toEqual({
      transactions: [
        {
          transactionId: expect.any(String),
          referenceNumber: reference,
          customerId: NARSONO,
          productCode: 'SPPLNPOS',
          command: 'plnpos',
          status: 'success',
          amount: 151_005,
          price: NARSONO_PRICE,
          createdAt: expect.any(Number),
        },
      ],
      applied: 1,
      appliedByReference: { [reference]: 1 },
      appliedByCustomer: { [NARSONO]: 1 },
      balance: INITIAL_BALANCE - NARSONO_PRICE,
    });
    expect(sim.paymentsFor({ referenceNumber: reference })).toBe(1);

    const retry = await pay(reference);
    expect(retry.body).toEqual({ command: 'plnpos', response_code: '21', response_text: 'Bill already paid' });
    expect(sim.ledger().applied).toBe(1);
    // The balance endpoint agrees with the ledger.
    const balance = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(balance.body.data.balance).toBe(`${INITIAL_BALANCE - NARSONO_PRICE}.00`);
  });

  it('latency delays a normal answer', async () => {
    sim.faults.add({ endpoint: 'inquiry', fault: { kind: 'latency', ms: 150 } });
    const started = performance.now();
    const reference = await inquire();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(reference).toMatch(/^SPPLNPOS/);
  });

  it('latency processes the payment after the delay even when the client gave up; processFirst applies at once', async () => {
    const reference = await inquire();
    // Delays long enough that a loaded machine cannot blur 'before' and 'after'.
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'latency', ms: 1_000 }, times: 1 });
    const token = await client.token();
    const gaveUp = new Promise<void>((resolve) => {
      const req = request(new URL(PAYMENT_PATH, sim.baseUrl), {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'x-partner-id': sim.credentials.apiKey, authorization: `Bearer ${token}` },
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.end(
        JSON.stringify({
          command: 'plnpos',
          data: { customer_id: NARSONO, product_code: 'SPPLNPOS', reference_number: reference, password: sim.credentials.password },
        }),
      );
      setTimeout(() => req.destroy(), 30);
    });
    await gaveUp;
    expect(sim.ledger().applied).toBe(0);
    await vi.waitFor(() => expect(sim.ledger().appliedByReference).toEqual({ [reference]: 1 }), { timeout: 5_000, interval: 50 });

    const second = await inquire('146300068065');
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'latency', ms: 2_000, processFirst: true }, times: 1 });
    let answered = false;
    const pending = pay(second, '146300068065').finally(() => (answered = true));
    // Applied at once, answered only after the delay.
    await vi.waitFor(() => expect(sim.ledger().appliedByReference[second]).toBe(1), { timeout: 1_500, interval: 20 });
    expect(answered).toBe(false);
    expect((await pending).body.response_code).toBe('00');
  });

  it('html answers an nginx page (502 by default) without applying, or after applying with apply', async () => {
    const reference = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'html' }, times: 1 });
    const page = await pay(reference);
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toBe('text/html');
    expect(page.headers.server).toBe('nginx');
    expect(page.body).toBe(
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n',
    );
    expect(sim.ledger().applied).toBe(0);

    sim.faults.add({ endpoint: 'payment', fault: { kind: 'html', status: 503, apply: true }, times: 1 });
    const applied = await pay(reference);
    expect(applied.status).toBe(503);
    expect(applied.body).toContain('<title>503 Service Unavailable</title>');
    expect(sim.ledger().appliedByReference).toEqual({ [reference]: 1 });
    expect(sim.balance).toBe(INITIAL_BALANCE - NARSONO_PRICE);
  });

  it('truncated sends the real answer cut in half with a matching Content-Length; apply: false processes nothing', async () => {
    const reference = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'truncated' }, times: 1 });
    const headers = {
      'content-type': 'application/json',
      'x-partner-id': sim.credentials.apiKey,
      authorization: `Bearer ${await client.token()}`,
    };
    const body = JSON.stringify({
      command: 'plnpos',
      data: { customer_id: NARSONO, product_code: 'SPPLNPOS', reference_number: reference, password: sim.credentials.password },
    });
    const cut = await rawAnswer(sim, PAYMENT_PATH, body, headers);
    expect(cut.status).toBe(200);
    expect(cut.headers['content-type']).toBe('application/json');
    expect(Number(cut.headers['content-length'])).toBe(cut.bytes.length);
    const text = cut.bytes.toString('utf8');
    expect(text.startsWith('{"command":"plnpos","response_code":"00"')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    const [tx] = sim.ledger().transactions;
    const full = JSON.stringify({
      command: 'plnpos',
      response_code: '00',
      response_text: 'Payment success',
      data: {
        amount: '151005',
        customer_name: 'NARSONO',
        period: '202403',
        customer_id: NARSONO,
        price: '152505',
        transaction_id: tx.transactionId,
        created_at: formatSingapayDateTime(tx.createdAt, 'WIB'),
      },
    });
    expect(text).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(sim.ledger().applied).toBe(1);

    sim.reset();
    const other = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'truncated', apply: false }, times: 1 });
    const unapplied = await rawAnswer(sim, PAYMENT_PATH, body.replace(reference, other), headers);
    const envelope = JSON.stringify({ command: 'plnpos', response_code: '05', response_text: 'Operation timed out before completion' });
    expect(unapplied.bytes.toString('utf8')).toBe(envelope.slice(0, Math.floor(envelope.length / 2)));
    expect(sim.ledger().applied).toBe(0);
  });

  it('code answers a bare envelope; with apply the payment exists although the answer says otherwise', async () => {
    const reference = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'code', code: '05' }, times: 1 });
    const refused = await pay(reference);
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ command: 'plnpos', response_code: '05', response_text: 'Operation timed out before completion' });
    expect(sim.ledger().applied).toBe(0);

    sim.faults.add({ endpoint: 'payment', fault: { kind: 'code', code: '99', httpStatus: 504, apply: true }, times: 1 });
    const lying = await pay(reference);
    expect(lying.status).toBe(504);
    expect(lying.body).toEqual({ command: 'plnpos', response_code: '99', response_text: expect.any(String) });
    expect(sim.ledger().appliedByReference).toEqual({ [reference]: 1 });
    expect(sim.balance).toBe(INITIAL_BALANCE - NARSONO_PRICE);
  });

  it('tokenFailure answers the token envelope and issues nothing', async () => {
    sim.faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 503 }, times: 1 });
    sim.faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 401, message: 'Client suspended' }, times: 1 });
    expect(await client.tokenRequest()).toMatchObject({
      status: 503,
      body: { status: 503, success: false, error: { code: 503, message: 'Service Unavailable' } },
    });
    expect(await client.tokenRequest()).toMatchObject({
      status: 401,
      body: { status: 401, success: false, error: { code: 401, message: 'Client suspended' } },
    });
    expect(sim.stats()).toMatchObject({ tokenRequests: 2, tokensIssued: 0 });
    expect((await client.tokenRequest()).status).toBe(200);
  });

  it('status answers any raw HTTP reply: text, JSON, headers', async () => {
    sim.faults.add({
      endpoint: 'balance',
      fault: { kind: 'status', httpStatus: 429, body: 'slow down', headers: { 'Retry-After': '2' } },
      times: 1,
    });
    sim.faults.add({ endpoint: 'balance', fault: { kind: 'status', httpStatus: 200, body: { surprise: [1, 2] } }, times: 1 });
    sim.faults.add({ endpoint: 'balance', fault: { kind: 'status', httpStatus: 204 }, times: 1 });
    const text = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(text).toMatchObject({ status: 429, body: 'slow down', headers: { 'content-type': 'text/plain', 'retry-after': '2' } });
    const json = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(json).toMatchObject({ status: 200, body: { surprise: [1, 2] }, headers: { 'content-type': 'application/json' } });
    const empty = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
    expect(empty).toMatchObject({ status: 204, body: '' });
  });

  it('match faults one customer only', async () => {
    const victim = '146300068066';
    const bystander = '146300068067';
    const victimRef = await inquire(victim);
    const bystanderRef = await inquire(bystander);
    const id = sim.faults.add({ endpoint: 'payment', match: { customerId: victim }, fault: { kind: 'resetAfterApply' } });

    expect((await pay(bystanderRef, bystander)).body.response_code).toBe('00');
    expect(await outcome(pay(victimRef, victim))).toEqual({ error: 'ECONNRESET' });
    expect(sim.ledger().appliedByCustomer).toEqual({ [victim]: 1, [bystander]: 1 });
    expect(sim.faults.get(id)).toMatchObject({ matched: 1, hits: 1, active: true });
  });

  it('times faults the next N matching requests, then the rule is gone', async () => {
    const id = sim.faults.add({ endpoint: SIMULATOR_GENERAL.checkBalance.path, fault: { kind: 'code', code: '14' }, times: 2 });
    const codes: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      codes.push((await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' })).body.response_code);
    }
    expect(codes).toEqual(['14', '14', '00']);
    expect(sim.faults.list()).toEqual([]);
    expect(sim.faults.get(id)).toMatchObject({ hits: 2, remaining: 0, active: false });
  });

  it('probability with a seed faults the same requests on every run', async () => {
    const run = async (): Promise<string> => {
      sim.reset();
      sim.faults.add({ endpoint: 'balance', fault: { kind: 'code', code: '14' }, probability: 0.5 });
      let pattern = '';
      for (let i = 0; i < 16; i += 1) {
        const answer = await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' });
        pattern += answer.body.response_code === '14' ? 'x' : '.';
      }
      return pattern;
    };
    const first = await run();
    expect(await run()).toBe(first);
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(sim.stats().faults.injected).toBe(first.replaceAll('.', '').length);
  });

  it("'*' faults every business path, unknown ones included", async () => {
    sim.faults.add({ endpoint: '*', fault: { kind: 'status', httpStatus: 418 } });
    expect((await client.tokenRequest()).status).toBe(418);
    expect((await client.raw('/nowhere', undefined, {}, 'GET')).status).toBe(418);
    expect(sim.stats().requests).toEqual({ [SIMULATOR_TOKEN_PATH]: 1, '/nowhere': 1 });
  });

  it('hang never answers, and stop() releases it; with apply the payment still happens', async () => {
    const own = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    const ownClient = new SimulatorTestClient(own);
    const inquiry = await ownClient.inquiry('plnpos', { customer_id: NARSONO, product_code: 'SPPLNPOS' });
    own.faults.add({ endpoint: 'payment', fault: { kind: 'hang', apply: true } });
    const hung = outcome(
      ownClient.payment('plnpos', { customer_id: NARSONO, product_code: 'SPPLNPOS', reference_number: inquiry.body.data.reference_number }),
    );
    expect(await settledWithin(hung, 100)).toBe(false);
    expect(own.ledger().applied).toBe(1);

    const stopped = own.stop();
    expect(await settledWithin(stopped, 1000)).toBe(true);
    expect(await hung).toEqual({ error: 'ECONNRESET' });
  });

  it('hang without apply changes nothing; the client can give up', async () => {
    const reference = await inquire();
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'hang' }, times: 1 });
    // Handled: it fails when afterAll stops the simulator.
    const hung = outcome(pay(reference));
    expect(await settledWithin(hung, 80)).toBe(false);
    expect(sim.ledger().applied).toBe(0);
    expect(sim.stats().paymentsReceived).toBe(0);
  });
});
