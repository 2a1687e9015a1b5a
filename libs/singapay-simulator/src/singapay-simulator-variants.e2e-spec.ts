import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_GENERAL } from './simulator-api-docs.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

describe('SingapaySimulator variants: codes', () => {
  let sim: SingapaySimulator | undefined;
  let receiver: Server | undefined;
  afterEach(async () => {
    await sim?.stop();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    sim = undefined;
    receiver = undefined;
  });

  it('prints two-digit codes by default, as the examples do', async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    const client = new SimulatorTestClient(sim);
    expect((await client.inquiry('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' })).body.response_code).toBe('00');
    expect((await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid')).body.response_code).toBe(
      '01',
    );
  });

  it("'unpadded' drops the leading zero of every business code, answers, faults and callbacks alike", async () => {
    const callbacks: unknown[] = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        callbacks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, callbackUrl, variants: { codes: 'unpadded' } });
    const client = new SimulatorTestClient(sim);

    const inquiry = await client.inquiry('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    expect([inquiry.status, inquiry.body.response_code]).toEqual([200, '0']);
    const pending = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
    expect([pending.status, pending.body.response_code]).toEqual([200, '1']);
    const invalid = await client.inquiry('plnpos', { customer_id: '146300069804', product_code: 'SPPLNPOS' });
    expect([invalid.status, invalid.body.response_code]).toEqual([422, '4']);
    const notFound = await client.post(SIMULATOR_GENERAL.detailTransaction.path, {
      command: 'detail-bill-transaction',
      data: { transaction_id: '01JWX2F2DZC68TC94XMNBJCC3H' },
    });
    expect([notFound.status, notFound.body.response_code]).toEqual([404, '6']);
    const twoDigits = await client.inquiry('plnpos', { customer_id: '146300069889', product_code: 'SPPLNPOS' });
    expect(twoDigits.body.response_code).toBe('89');
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'code', code: '07' }, times: 1 });
    const faulted = await client.payment('pulsa', { customer_id: '081234567899', product_code: 'SPTLKMAS10' }, 'prepaid');
    expect(faulted.body.response_code).toBe('7');
    // A cut answer the simulator makes up itself (nothing processed) is printed alike: its text is left as it came.
    sim.faults.add({ endpoint: 'payment', fault: { kind: 'truncated', apply: false }, times: 1 });
    const cut = await client.payment('pulsa', { customer_id: '081234567898', product_code: 'SPTLKMAS10' }, 'prepaid');
    expect(cut.body).toEqual(expect.stringContaining('"response_code":"5"'));
    // A success's balance answer, too.
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' })).body.response_code).toBe('0');

    sim.settleAll();
    await sim.flushCallbacks();
    expect(callbacks).toEqual([expect.objectContaining({ command: 'callback', response_code: '0' })]);
  });
});

describe('SingapaySimulator variants: expiresIn', () => {
  it.each([
    ['string', '1800'],
    ['number', 1800],
    ['missing', undefined],
  ] as const)('%s: expires_in is %j, the JWT states the lifetime either way', async (expiresIn, expected) => {
    const sim = await SingapaySimulator.start({ tokenLifetimeSeconds: 1800, variants: { expiresIn } });
    try {
      const answer = await new SimulatorTestClient(sim).tokenRequest();
      expect(answer.status).toBe(200);
      expect(answer.body.data.expires_in).toBe(expected);
      expect('expires_in' in answer.body.data).toBe(expected !== undefined);
      const claims = JSON.parse(Buffer.from(answer.body.data.access_token.split('.')[1], 'base64url').toString('utf8'));
      expect(claims.exp - claims.iat).toBe(1800);
    } finally {
      await sim.stop();
    }
  });
});

describe('SingapaySimulator variants: listDayZone', () => {
  it.each([
    ['WIB', ['2025-06-11'], ['2025-06-10']],
    ['UTC', ['2025-06-10'], ['2025-06-11']],
  ] as const)("%s: the filter's days are cut at that zone's midnight", async (listDayZone, holds, lacks) => {
    // 2025-06-10 17:30 UTC is 2025-06-11 00:30 WIB.
    const sim = await SingapaySimulator.start({
      settleDelayMs: 60_000,
      now: () => Date.UTC(2025, 5, 10, 17, 30),
      variants: { listDayZone },
    });
    try {
      const client = new SimulatorTestClient(sim);
      const paid = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
      const id = paid.body.data.transaction_id as string;
      const listed = async (day: string): Promise<string[]> => {
        const answer = await client.post(SIMULATOR_GENERAL.listTransactions.path, {
          command: 'list-bill-transaction',
          data: { start_date: day, end_date: day },
        });
        return (answer.body.data?.bill_transactions ?? []).map((row: { transaction_id: string }) => row.transaction_id);
      };
      for (const day of holds) expect(await listed(day)).toEqual([id]);
      for (const day of lacks) expect(await listed(day)).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});

describe('SingapaySimulator variants: paymentToken', () => {
  it.each([
    ['null', false],
    ['issued', true],
  ] as const)('%s: a PLN token payment answered 00 carries its token: %s', async (paymentToken, carried) => {
    const sim = await SingapaySimulator.start({ settleDelayMs: 60_000, variants: { paymentToken } });
    try {
      const { payment } = await new SimulatorTestClient(sim).inquireAndPay(
        'plntok',
        { customer_id: '14234567891', product_code: 'SPPLNTOK' },
        'prepaid',
      );
      expect(payment.body.response_code).toBe('00');
      const tx = sim.transaction(payment.body.data.transaction_id as string)!;
      expect(payment.body.data.token).toBe(carried ? tx.token : null);
      // Issued once: the row shows the token the answer gave, and no later step issues another.
      expect(tx.token === null).toBe(!carried);
      sim.settleAll();
      const settled = sim.transaction(tx.transactionId)!.token;
      if (carried) expect(settled).toBe(payment.body.data.token);
      else expect(settled).toMatch(/^\d{4}(-\d{4}){4}$/);
    } finally {
      await sim.stop();
    }
  });
});
