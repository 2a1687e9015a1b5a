/**
 * Callbacks are never silently dropped: a burst of 500 at once, most of them forged,
 * is taken in full (each id once) and every genuine one is applied; a callback is only
 * acknowledged once it is queued, and lookups that fail are tried again.
 */
import { randomBytes } from 'node:crypto';
import { SingapayCallbackReceiver, SingapayService, type SingapayPaymentSettlement } from '@app/singapay';
import { SingapaySimulator } from '@app/singapay-simulator';
import { pad } from '../support/adversarial-testing.js';
import { registerSecret } from '../support/log-capture.js';
import { createSingapay } from '../support/singapay-testing.js';
import { startCallbackApp, type CallbackApp } from '../support/callback-testing.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** An id shaped like Singapay's (a plausible ULID of now), which Singapay does not know. */
const forgedId = () => `01K${Array.from(randomBytes(23), (b) => CROCKFORD[b % 32]).join('')}`;

describe('a burst of callbacks, genuine and forged', () => {
  let sim: SingapaySimulator;
  let url: string;
  let service: SingapayService;
  let receiver: SingapayCallbackReceiver;

  let started: CallbackApp;

  beforeAll(async () => {
    // The test delivers the callbacks itself, all at once.
    started = await startCallbackApp({ simulatorDelivers: false, simulator: { settleDelayMs: 600_000 } });
    ({ sim, url, service, receiver } = started);
  });
  afterAll(() => started.close());

  const post = (body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as Record<string, unknown>,
    }));

  it('takes 500 at once (400 forged), looks each id up once, and applies every genuine one', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 80; i++) {
      const paid = await service.pay({
        command: 'pulsa',
        productCode: 'SPTLKMAS10',
        customerId: `0813${pad(i, 6)}1234`,
        idempotencyKey: `burst-${i}`,
      });
      expect(paid.status).toBe('pending');
      keys.push(paid.idempotencyKey);
    }
    // Twenty more whose answers were lost: no transaction id is recorded for them.
    for (let i = 80; i < 100; i++) {
      const customerId = `0813${pad(i, 6)}1234`;
      sim.faults.add({ endpoint: 'payment', match: { customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
      sim.faults.add({ endpoint: 'list', match: { customerId }, fault: { kind: 'html', status: 503 } });
      expect((await service.pay({ command: 'pulsa', productCode: 'SPTLKMAS10', customerId, idempotencyKey: `burst-${i}` })).status).toBe(
        'unknown',
      );
      keys.push(`burst-${i}`);
    }
    sim.faults.clear();
    sim.settleAll();
    const settlements: SingapayPaymentSettlement[] = [];
    const subscription = service.settlements$.subscribe((s) => settlements.push(s));
    const genuine = sim.transactions().map((tx) => ({
      command: 'callback',
      response_code: '00',
      response_text: 'Operation completed successfully',
      data: { transaction_id: tx.transactionId, customer_id: tx.customerId, status: tx.status },
    }));
    expect(genuine).toHaveLength(100);
    const forged = Array.from({ length: 400 }, (_, i) => ({
      command: 'callback',
      response_code: '00',
      data: { transaction_id: forgedId(), customer_id: `0813${pad(i, 6)}1234` },
    }));
    // Interleaved, and every genuine one twice: repeats must change nothing.
    const burst = [...forged.slice(0, 200), ...genuine, ...forged.slice(200), ...genuine.slice(0, 50)];
    const detailsBefore = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;

    const answers = await Promise.all(burst.map(post));
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    await receiver.drain();
    subscription.unsubscribe();

    for (const key of keys) expect((await service.getPayment(key)).state, key).toBe('success');
    expect(new Set(settlements.filter((s) => s.idempotencyKey).map((s) => s.idempotencyKey)).size).toBe(100);
    // Each id looked up at most once per delivery that found it not queued; far fewer than one per request, never more.
    const lookups = (sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0) - detailsBefore;
    expect(lookups).toBeGreaterThanOrEqual(500);
    expect(lookups).toBeLessThanOrEqual(burst.length);
    expect(sim.ledger().applied).toBe(100);
  }, 60_000);

  it('keeps a callback whose lookup fails and tries again until Singapay answers', async () => {
    const paid = await service.pay({ command: 'data', productCode: 'SPTKMSF2G30', customerId: '082299991234', idempotencyKey: 'retry-cb' });
    if (paid.status === 'unknown') throw new Error('expected an accepted payment');
    sim.settleAll();
    sim.faults.add({ endpoint: 'detail', match: { transactionId: paid.transactionId }, fault: { kind: 'html', status: 503 }, times: 5 });
    const callback = { command: 'callback', response_code: '00', data: { transaction_id: paid.transactionId } };
    // Not acknowledged while it cannot be confirmed (Singapay delivers it again); the queue keeps trying meanwhile.
    expect((await post(callback)).status).toBe(503);
    await receiver.drain();
    expect((await service.getPayment('retry-cb')).state).toBe('success');
    expect(await post(callback)).toEqual({ status: 200, body: { received: true, transactionId: paid.transactionId } });
  }, 30_000);

  it('refuses what is not a callback with 400 and sends nothing', async () => {
    const before = sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0;
    expect((await post({ command: 'callback', data: { transaction_id: '../../etc' } })).status).toBe(400);
    expect((await post([1, 2])).status).toBe(400);
    expect(sim.stats().requests['/api/v1/detail-bill-transaction'] ?? 0).toBe(before);
  });
});

describe('callbacks while Singapay hangs', () => {
  let sim: SingapaySimulator;
  beforeAll(async () => {
    sim = await SingapaySimulator.start({ settleDelayMs: 60_000 });
    registerSecret(sim.credentials.clientSecret, sim.credentials.password);
  });
  afterAll(() => sim.stop());

  it('a flood of callbacks never becomes a flood of lookups', async () => {
    const ctx = await createSingapay({ baseUrl: sim.baseUrl, ...sim.credentials, timeoutMs: 500, retry: { maxAttempts: 1 } });
    try {
      await ctx.service.checkBalance();
      sim.faults.add({ endpoint: 'detail', fault: { kind: 'hang' } });
      const receiver = ctx.moduleRef.get(SingapayCallbackReceiver);
      for (let i = 0; i < 200; i++)
        receiver.receive({ command: 'callback', data: { transaction_id: `FAKE${String(i).padStart(6, '0')}` } });
      await new Promise((r) => setTimeout(r, 100));
      expect(sim.stats().requests['/api/v1/detail-bill-transaction']).toBeLessThanOrEqual(32);
      sim.faults.clear();
      await receiver.drain();
    } finally {
      await ctx.close();
    }
  });
});
