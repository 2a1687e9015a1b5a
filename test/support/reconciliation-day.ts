/**
 * A day of mixed outcomes for the daily reconciliation's tests: real payments through
 * the module against the simulator, one of each kind of mismatch planted, on WIB day
 * 2025-06-10. Both clocks (the module's and the simulator's) are moved by hand.
 */
import { SingapayService, type SingapayModuleOptions, type SingapayPayRequest } from '@app/singapay';
import { SingapayInMemoryPaymentStore, SingapayPaymentStore, type SingapayPaymentRecord } from '@app/singapay/stores/index.js';
import { SingapaySimulator, singapayTestCustomerId, type SingapaySimulatorVariants } from '@app/singapay-simulator';
import { newUlid } from '@app/singapay-simulator/simulator-ids.js';
import { createSingapayWithClock, ManualClock, registerSimulatorSecrets, settle } from './adversarial-testing.js';
import type { SingapayTestContext } from './singapay-testing.js';

export const DAY = '2025-06-10';
export const DAY_BEFORE = '2025-06-09';
export const DAY_AFTER = '2025-06-11';
const HOUR = 3600_000;
/** 00:00 WIB of 2025-06-10. */
export const DAY_START = Date.UTC(2025, 5, 10) - 7 * HOUR;
const wib = (h: number, m = 0, s = 0, ms = 0) => DAY_START + h * HOUR + m * 60_000 + s * 1000 + ms;

/** What each planted key is meant to come out as in the report of `DAY`. */
export const PLANTED = {
  matched: ['bill-1', 'pulsa-1', 'data-1', 'near-midnight'],
  amountDiffers: 'bill-2',
  stateDiffers: 'refunded-1',
  lostWithReference: 'bill-lost',
  unknownNeverArrived: 'lost-1',
  rejected: 'rejected-1',
  ghost: 'ghost-1',
  /** Paid by another module with its own store: Singapay has it, this module does not. */
  outsideCustomer: '081200000008',
  /** Recorded 23:59:59 WIB the day before; its transaction is just after midnight on DAY. */
  beforeMidnight: 'before-midnight',
} as const;

export interface PlantedDay {
  sim: SingapaySimulator;
  clock: ManualClock;
  ctx: SingapayTestContext;
  /** The store the module writes to (namespaced as the module uses it). */
  store: SingapayPaymentStore;
  /** Transaction ids by key, and of the outside payment. */
  transactions: Record<string, string>;
  close(): Promise<void>;
}

/** Moves the module's clock (and with it the simulator's) to `at`. */
function setClock(clock: ManualClock, at: number): void {
  clock.advance(at - clock.now());
}

const pulsa = (key: string, customerId: string): SingapayPayRequest => ({
  command: 'pulsa',
  productCode: 'SPTLKMAS10',
  customerId,
  idempotencyKey: key,
});

async function bill(service: SingapayService, key: string, customerId: string): Promise<SingapayPayRequest> {
  const { referenceNumber } = await service.inquiry({ command: 'plnpos', productCode: 'SPPLNPOS', customerId });
  return { command: 'plnpos', productCode: 'SPPLNPOS', customerId, referenceNumber, idempotencyKey: key };
}

/**
 * Starts a simulator and a module (`moduleOptions` picks its store; memory by default) and
 * pays a day of mixed outcomes. The clock ends at 10:00 WIB the day after.
 */
export async function plantDay(
  variants: SingapaySimulatorVariants,
  moduleOptions: Partial<SingapayModuleOptions> = {},
): Promise<PlantedDay> {
  const clock = new ManualClock();
  let skew = 0;
  const sim = await SingapaySimulator.start({ settleDelayMs: 600_000, variants, now: () => clock.now() + skew });
  registerSimulatorSecrets(sim);
  const options = { baseUrl: sim.baseUrl, ...sim.credentials, retry: { baseDelayMs: 5 }, timeoutMs: 5_000 };
  // Memory unless the test names a shared store: the report reads whatever the module writes to.
  const shared = moduleOptions.databaseUrl || moduleOptions.redisUrl || moduleOptions.paymentStore;
  const ctx = await createSingapayWithClock(
    { ...(shared ? {} : { paymentStore: new SingapayInMemoryPaymentStore() }), ...options, ...moduleOptions },
    clock,
  );
  const outside = await createSingapayWithClock({ ...options, paymentStore: new SingapayInMemoryPaymentStore() }, clock);
  const store = ctx.moduleRef.get<SingapayPaymentStore>(SingapayPaymentStore);
  const s = ctx.service;
  const transactions: Record<string, string> = {};
  const paid = async (input: SingapayPayRequest, via = s) => {
    const result = await via.pay(input);
    if (result.status !== 'unknown') transactions[input.idempotencyKey!] = result.transactionId;
    return result;
  };
  try {
    // 23:59:59 WIB the day before; Singapay's clock 2.5 s ahead puts the transaction on DAY.
    setClock(clock, wib(0) - 1000);
    skew = 2500;
    await paid(pulsa(PLANTED.beforeMidnight, '081200000010'));
    skew = 0;

    setClock(clock, wib(8));
    await paid(await bill(s, 'bill-1', '146300000001'));
    setClock(clock, wib(8, 10));
    await paid(pulsa('pulsa-1', '081200000001'));
    setClock(clock, wib(8, 20));
    await paid({ command: 'data', productCode: 'SPTKMSF2G30', customerId: '082200000001', idempotencyKey: 'data-1' });

    // Paid, and then the record says another price than Singapay's (as a bug or an edit would leave it).
    setClock(clock, wib(9));
    await paid(await bill(s, PLANTED.amountDiffers, '146300000002'));
    const recorded = (await store.get(PLANTED.amountDiffers))!;
    const price = recorded.outcome!.price! + 1000;
    await store.replace({ ...recorded, outcome: { ...recorded.outcome!, price }, version: recorded.version + 1 }, recorded.version);

    // Pending when recorded; Singapay fails and refunds it later (settleAll below): the record still says pending.
    setClock(clock, wib(9, 30));
    await paid(pulsa(PLANTED.stateDiffers, singapayTestCustomerId('pulsa', 'failsThenRefunds')));

    // Sent, the connection reset before Singapay applied it: unknown here, nothing there.
    setClock(clock, wib(10));
    sim.faults.add({ endpoint: 'payment', match: { customerId: '081200000006' }, fault: { kind: 'resetBeforeApply' }, times: 1 });
    expect((await paid(pulsa(PLANTED.unknownNeverArrived, '081200000006'))).status).toBe('unknown');

    // Refused by Singapay (20): failed, nothing charged.
    setClock(clock, wib(10, 30));
    expect((await settle(paid(pulsa(PLANTED.rejected, singapayTestCustomerId('pulsa', 'customerNotFound'))))).ok).toBe(false);

    // Paid at Singapay through another module and its own store.
    setClock(clock, wib(11));
    const other = await paid(pulsa('outside-1', PLANTED.outsideCustomer), outside.service);
    if (other.status === 'unknown') throw new Error('the outside payment should have been accepted');
    transactions.outside = other.transactionId;

    // A record of a success whose transaction Singapay never had.
    setClock(clock, wib(11, 30));
    const ghost: SingapayPaymentRecord = {
      key: PLANTED.ghost,
      requestHash: 'g'.repeat(64),
      command: 'pulsa',
      productCode: 'SPTLKMAS10',
      customerId: '081200000009',
      state: 'success',
      responseCode: '00',
      transactionId: newUlid(clock.now()),
      outcome: { transactionId: 'x', amount: 10_000, price: 10_500 },
      sendCount: 1,
      lookups: 0,
      createdAt: clock.now(),
      sentAt: clock.now(),
      updatedAt: clock.now(),
      settledAt: clock.now(),
      version: 1,
    };
    ghost.outcome!.transactionId = ghost.transactionId!;
    await store.create(ghost);

    // Applied, the answer lost, and the search that followed failed: unknown, holding no transaction id.
    setClock(clock, wib(12));
    const lost = await bill(s, PLANTED.lostWithReference, '146300000003');
    sim.faults.add({ endpoint: 'payment', match: { customerId: lost.customerId }, fault: { kind: 'resetAfterApply' }, times: 1 });
    const listDown = sim.faults.add({ endpoint: 'list', match: { customerId: lost.customerId }, fault: { kind: 'html', status: 502 } });
    expect((await paid(lost)).status).toBe('unknown');
    sim.faults.remove(listDown);

    // 23:59:59 WIB; Singapay's clock 2.5 s ahead puts the transaction on the day after. (The clocks
    // keep running, so margins of a second or two rather than milliseconds.)
    setClock(clock, wib(24) - 1000);
    skew = 2500;
    await paid(pulsa('near-midnight', '081200000011'));
    skew = 0;

    setClock(clock, wib(34));
    sim.settleAll();
    for (const key of ['pulsa-1', 'data-1', 'near-midnight', PLANTED.beforeMidnight]) {
      expect((await s.getPayment(key)).state).toBe('success');
    }
    expect((await store.get(PLANTED.stateDiffers))?.state).toBe('pending');
    expect((await store.get(PLANTED.unknownNeverArrived))?.state).toBe('unknown');
    expect(await store.get(PLANTED.lostWithReference)).toMatchObject({ state: 'unknown' });
    expect((await store.get(PLANTED.lostWithReference))?.transactionId).toBeUndefined();
  } catch (error) {
    await Promise.all([ctx.close(), outside.close()]);
    await sim.stop();
    throw error;
  }
  return {
    sim,
    clock,
    ctx,
    store,
    transactions,
    async close() {
      await Promise.all([ctx.close(), outside.close()]);
      await sim.stop();
    },
  };
}
