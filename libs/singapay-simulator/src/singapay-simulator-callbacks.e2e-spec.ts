import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_GENERAL } from './simulator-api-docs.js';
import { SingapaySimulator } from './singapay-simulator.js';
import { SimulatorTestClient } from './testing/simulator-test-client.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: any;
}

/** A throw-away receiver: answers `failures` requests with 500 first, redirects `/old` with 307 and `/moved` with 301. */
class CallbackReceiver {
  readonly received: Received[] = [];
  failures = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readAll(req).then((text) => {
        if (req.url === '/old' || req.url === '/moved') {
          res.writeHead(req.url === '/old' ? 307 : 301, { location: '/hook' }).end();
          return;
        }
        if (this.failures > 0) {
          this.failures -= 1;
          res.writeHead(500).end('<html>oops</html>');
          return;
        }
        this.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server!;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

describe('SingapaySimulator: callbacks', () => {
  let receiver: CallbackReceiver;
  let sim: SingapaySimulator;
  let client: SimulatorTestClient;

  beforeEach(async () => {
    receiver = new CallbackReceiver();
    await receiver.start();
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000, callbackUrl: `${receiver.url}/hook`, callbackBackoffMs: 5 });
    client = new SimulatorTestClient(sim);
  });
  afterEach(async () => {
    await sim.stop();
    await receiver.stop();
  });

  it('posts a success callback with the transaction detail when a purchase settles', async () => {
    const paid = await client.payment('pulsa', { customer_id: '081234567891', product_code: 'SPTLKMAS10' }, 'prepaid');
    const id = paid.body.data.transaction_id as string;
    await sim.flushCallbacks();
    expect(receiver.received).toEqual([]);

    sim.settleAll();
    await sim.flushCallbacks();
    expect(receiver.received).toHaveLength(1);
    const [callback] = receiver.received;
    expect(callback.path).toBe('/hook');
    expect(callback.contentType).toBe('application/json');
    const detail = await client.post(SIMULATOR_GENERAL.detailTransaction.path, {
      command: 'detail-bill-transaction',
      data: { transaction_id: id },
    });
    expect(callback.body).toEqual({
      command: 'callback',
      response_code: '00',
      response_text: 'Operation completed successfully',
      data: detail.body.data,
    });
    // Nothing in other_info prints [], as in the documented detail row.
    expect(callback.body.data.other_info).toEqual([]);
    expect(callback.body.data).toMatchObject({
      transaction_id: id,
      status: 'success',
      product: { code: 'SPTLKMAS10', category: { code: 'TELAS' } },
    });
    expect(sim.stats().callbacks).toEqual({ attempts: 1, delivered: 1, abandoned: 0 });
  });

  it('posts at once for an inquiry-flow payment, and after the token for plntok', async () => {
    await client.inquireAndPay('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    await client.inquireAndPay('plntok', { customer_id: '14234567891', product_code: 'SPPLNTOK' }, 'prepaid');
    await sim.flushCallbacks();
    expect(receiver.received.map((r) => r.body.data.product.code)).toEqual(['SPPLNPOS']);
    sim.settleAll();
    await sim.flushCallbacks();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1].body.data).toMatchObject({
      product: { code: 'SPPLNTOK' },
      other_info: { token: expect.stringMatching(/^[\d-]{24}$/) },
    });
  });

  it.each([
    ['atSuccess', [[], false]],
    ['both', [[], true]],
  ] as const)(
    'variants.plnTokenCallback %s: a plntok success is called back at once, without its token',
    async (plnTokenCallback, [first, again]) => {
      await sim.stop();
      sim = await SingapaySimulator.start({
        settleDelayMs: 60_000,
        callbackUrl: `${receiver.url}/hook`,
        callbackBackoffMs: 5,
        variants: { plnTokenCallback },
      });
      client = new SimulatorTestClient(sim);
      await client.inquireAndPay('plntok', { customer_id: '14234567891', product_code: 'SPPLNTOK' }, 'prepaid');
      await sim.flushCallbacks();
      expect(receiver.received.map((r) => [r.body.response_code, r.body.data.status, r.body.data.other_info])).toEqual([
        ['00', 'success', first],
      ]);
      sim.settleAll();
      await sim.flushCallbacks();
      expect(receiver.received).toHaveLength(again ? 2 : 1);
      if (again) expect(receiver.received[1]!.body.data.other_info).toEqual({ token: expect.stringMatching(/^[\d-]{24}$/) });
    },
  );

  it('posts a refund callback with code 50 and gives the price back', async () => {
    const paid = await client.payment('data', { customer_id: '082291509050', product_code: 'SPTKMSF2G30' }, 'prepaid');
    expect(paid.body.response_code).toBe('01');
    expect(sim.balance).toBe(10_000_000 - 32_500);
    sim.advance(60_000);
    expect(sim.transaction(paid.body.data.transaction_id)?.status).toBe('failed');
    await sim.flushCallbacks();
    expect(receiver.received).toEqual([]);
    expect(sim.balance).toBe(10_000_000 - 32_500);
    sim.advance(60_000);
    expect(sim.transaction(paid.body.data.transaction_id)?.status).toBe('refunded');
    expect(sim.balance).toBe(10_000_000);
    await sim.flushCallbacks();
    expect(receiver.received.map((r) => [r.body.response_code, r.body.response_text, r.body.data.status])).toEqual([
      ['50', 'Transaction will be or has been refunded', 'refunded'],
    ]);
  });

  it('refund() refunds a success later: price back, status refunded, a 50 callback, the bill unpaid again', async () => {
    const bill = { customer_id: '146300068064', product_code: 'SPPLNPOS' };
    const { payment } = await client.inquireAndPay('plnpos', bill);
    const id = payment.body.data.transaction_id as string;
    const price = sim.transaction(id)!.price;
    expect(sim.balance).toBe(10_000_000 - price);
    expect((await client.inquiry('plnpos', bill)).body.response_code).toBe('21');
    sim.refund(id);
    expect(sim.transaction(id)?.status).toBe('refunded');
    expect(sim.balance).toBe(10_000_000);
    await sim.flushCallbacks();
    expect(receiver.received.map((r) => [r.body.response_code, r.body.data.transaction_id, r.body.data.status])).toEqual([
      ['00', id, 'success'],
      ['50', id, 'refunded'],
    ]);
    expect((await client.inquiry('plnpos', bill)).body.response_code).toBe('00');
    expect(() => sim.refund(id)).toThrow(/refunded/);
    expect(() => sim.refund('nope')).toThrow(/no transaction/);
  });

  it('retries a failing receiver and gives up quietly after the last attempt', async () => {
    receiver.failures = 2;
    await client.inquireAndPay('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    await sim.flushCallbacks();
    expect(receiver.received).toHaveLength(1);
    expect(sim.stats().callbacks).toEqual({ attempts: 3, delivered: 1, abandoned: 0 });

    receiver.failures = 10;
    await client.inquireAndPay('pdam', { customer_id: '0112345671', product_code: 'SPPAMJYA' });
    await sim.flushCallbacks();
    expect(receiver.received).toHaveLength(1);
    expect(sim.stats().callbacks).toEqual({ attempts: 7, delivered: 1, abandoned: 1 });
    expect((await client.post(SIMULATOR_GENERAL.checkBalance.path, { command: 'check-balance' })).status).toBe(200);
  });

  it('follows a 307 redirect with the body', async () => {
    await sim.stop();
    sim = await SingapaySimulator.start({ callbackUrl: `${receiver.url}/old` });
    client = new SimulatorTestClient(sim);
    await client.inquireAndPay('intv', { customer_id: '122334455661', product_code: 'SPINTOPOKE' });
    await sim.flushCallbacks();
    expect(receiver.received.map((r) => [r.path, r.body.data.product.code])).toEqual([['/hook', 'SPINTOPOKE']]);
  });

  it('takes a 301 for a failed delivery: the docs say only 307 and 308 are followed', async () => {
    await sim.stop();
    sim = await SingapaySimulator.start({ callbackUrl: `${receiver.url}/moved`, callbackAttempts: 2, callbackBackoffMs: 1 });
    client = new SimulatorTestClient(sim);
    await client.inquireAndPay('intv', { customer_id: '122334455661', product_code: 'SPINTOPOKE' });
    await sim.flushCallbacks();
    expect(receiver.received).toEqual([]);
    expect(sim.stats().callbacks).toEqual({ attempts: 2, delivered: 0, abandoned: 1 });
  });

  it('survives an unreachable receiver', async () => {
    await sim.stop();
    // Port 1 is privileged and unused: the connection is refused.
    sim = await SingapaySimulator.start({ callbackUrl: 'http://127.0.0.1:1/hook', callbackAttempts: 2, callbackBackoffMs: 1 });
    client = new SimulatorTestClient(sim);
    await client.inquireAndPay('plnpos', { customer_id: '146300068064', product_code: 'SPPLNPOS' });
    await sim.flushCallbacks();
    expect(sim.stats().callbacks).toEqual({ attempts: 2, delivered: 0, abandoned: 1 });
  });
});
