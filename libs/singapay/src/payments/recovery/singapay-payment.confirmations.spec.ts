/*
 * The races of a callback's transaction against the payments it could belong to, each driven
 * step by step on the real ledger, resolver and in-memory store (only Singapay's answers are
 * scripted): the interleavings a review found, pinned.
 */
import type { SingapayBillerApi } from '../../biller/singapay-biller.api.js';
import type { SingapayTransaction } from '../../biller/singapay-biller.types.js';
import type { SingapayTelemetry } from '../../telemetry/singapay-telemetry.service.js';
import { SingapayInMemoryPaymentStore } from '../singapay-in-memory-payment.store.js';
import type { SingapayPaymentRecord } from '../singapay-payment-record.js';
import { SingapayPaymentEvents } from '../singapay-payment.events.js';
import { SingapayPaymentInflight } from '../singapay-payment.inflight.js';
import { SingapayPaymentLedger } from '../singapay-payment.ledger.js';
import { SingapayPaymentConfirmations } from './singapay-payment.confirmations.js';
import { SingapayPaymentResolver } from './singapay-payment.resolver.js';
import { SingapayRecoveryPolicy } from './singapay-recovery.policy.js';

const T0 = Date.UTC(2025, 5, 10, 10, 0, 0);
let clock = T0;
const now = () => clock;
const policy = new SingapayRecoveryPolicy({ paymentNotFoundAfterMs: 60_000, paymentReviewMs: 3_600_000, clockSkewToleranceMs: 600_000 });
const notFound = { reason: 'not_found', code: null, type: 'not_found', httpStatus: 409, message: '' } as const;

const record = (key: string, patch: Partial<SingapayPaymentRecord> = {}): SingapayPaymentRecord => ({
  key,
  requestHash: 'h',
  command: 'pulsa',
  productCode: 'P10',
  customerId: '081200000001',
  state: 'sending',
  sendCount: 1,
  lookups: 0,
  createdAt: T0,
  sentAt: T0,
  updatedAt: T0,
  version: 1,
  owner: 'sender',
  leaseUntil: T0 + 60_000,
  ...patch,
});
const unknown = (key: string, patch: Partial<SingapayPaymentRecord> = {}) =>
  record(key, { state: 'unknown', owner: undefined, leaseUntil: undefined, ...patch });
const transaction = (id: string, at: number, status: SingapayTransaction['status'] = 'success'): SingapayTransaction => ({
  transactionId: id,
  referenceNumber: null,
  customerId: '081200000001',
  type: 'prepaid',
  status,
  netPrice: 10_800,
  amount: 10_000,
  price: 11_000,
  product: { code: 'P10', name: 'Pulsa 10k' } as SingapayTransaction['product'],
  inquiredAt: null,
  paidAt: null,
  createdAt: new Date(at).toISOString(),
  otherInfo: {},
  raw: {},
});

/** The recovery on a fresh in-memory store; `list` is what Singapay's list answers a search. */
function recovery(list: () => Promise<{ transactions: SingapayTransaction[]; complete: boolean; error?: unknown }>) {
  const store = new SingapayInMemoryPaymentStore(7 * 86_400_000, now);
  const ledger = new SingapayPaymentLedger(store, now, {} as SingapayTelemetry);
  const events = new SingapayPaymentEvents();
  const biller = { listAllTransactions: list } as unknown as SingapayBillerApi;
  const resolver = new SingapayPaymentResolver(biller, ledger, new SingapayPaymentInflight(), events, policy, now);
  const confirmations = new SingapayPaymentConfirmations(ledger, resolver, events, policy, now);
  const orphans: string[] = [];
  events.settlements$.subscribe((s) => s.idempotencyKey === undefined && orphans.push(s.transactionId!));
  return { store, ledger, confirmations, resolver, orphans };
}
const listDown = async () => ({ transactions: [], complete: false, error: new Error('list unavailable') });

describe('a confirmed transaction and the payments it could belong to', () => {
  beforeEach(() => {
    clock = T0;
  });

  it('never lands on a payment that took another transaction meanwhile: it is offered on, and orphaned', async () => {
    const { store, ledger, confirmations, orphans } = recovery(listDown);
    const r = record('R');
    await store.create(r);
    await confirmations.mayHold('TX-B', r.customerId);
    await ledger.transition(r, { state: 'success', transactionId: 'TX-A', owner: null, leaseUntil: null });
    clock += 200;
    expect((await confirmations.apply(transaction('TX-B', T0 + 100), 'callback')).outcome).toBe('orphan');
    expect((await store.get('R'))?.evidence).toBeUndefined();
    expect(orphans).toEqual(['TX-B']);
  });

  it('applies the success of the very transaction the sender recorded meanwhile', async () => {
    const { store, ledger, confirmations } = recovery(listDown);
    const r = record('R');
    await store.create(r);
    const find = store.findByTransactionId.bind(store);
    let first = true;
    // The sender's pending answer lands between the confirmation's look for a holder and its write.
    store.findByTransactionId = async (id) => {
      const found = await find(id);
      if (first) {
        first = false;
        await ledger.transition(r, { state: 'pending', transactionId: 'TX-A', owner: null, leaseUntil: null });
      }
      return found;
    };
    clock += 200;
    const confirmed = await confirmations.apply(transaction('TX-A', T0 + 100, 'success'), 'callback');
    expect(confirmed.outcome).toBe('applied');
    expect(await store.get('R')).toMatchObject({ state: 'success', transactionId: 'TX-A' });
  });

  it('weighs evidence on a "not found" whose watch ran out before it ends the watch', async () => {
    const { store, confirmations } = recovery(listDown);
    await store.create(unknown('R', { state: 'failed', failure: notFound, watchUntil: T0 + 3_600_000, nextCheckAt: T0 + 10 }));
    clock = T0 + 3_600_001;
    await confirmations.apply(transaction('TX-A', T0 + 100), 'callback');
    expect(await store.get('R')).toMatchObject({ state: 'success', transactionId: 'TX-A' });
  });

  it('reads the open payments afresh: one claimed a moment ago is a candidate too, and nobody guesses', async () => {
    const { store, confirmations } = recovery(listDown);
    await store.create(unknown('R1'));
    await confirmations.mayHold('X', '081200000001');
    clock += 300;
    await store.create(record('R2', { createdAt: clock, sentAt: clock, updatedAt: clock }));
    clock += 300;
    expect((await confirmations.apply(transaction('TX-R2', clock - 100), 'callback')).outcome).toBe('undecided');
    expect((await store.get('R1'))?.state).toBe('unknown');
    expect((await store.get('R1'))?.transactionId).toBeUndefined();
  });

  it('a lost payment does not take a transaction a payment still being sent could hold', async () => {
    const { store, ledger, confirmations } = recovery(async () => ({ transactions: [transaction('TX-R2', T0 + 120_000)], complete: true }));
    await store.create(unknown('R1'));
    const r2 = record('R2', { createdAt: T0 + 119_000, sentAt: T0 + 119_000, updatedAt: T0 + 119_000 });
    await store.create(r2);
    clock = T0 + 121_000;
    expect((await confirmations.apply(transaction('TX-R2', T0 + 120_000), 'callback')).outcome).toBe('undecided');
    expect((await store.get('R1'))?.transactionId).toBeUndefined();
    // R2's own answer is then written as Singapay gave it.
    expect(await ledger.transition(r2, { state: 'success', transactionId: 'TX-R2', owner: null, leaseUntil: null })).toMatchObject({
      state: 'success',
    });
  });

  it('one open payment keeps the evidence, and takes it once its send concludes without an answer', async () => {
    const { store, ledger, confirmations } = recovery(listDown);
    const r = record('R');
    await store.create(r);
    clock += 100;
    expect((await confirmations.apply(transaction('TX-A', T0 + 50), 'callback')).outcome).toBe('kept');
    const kept = await store.get('R');
    expect(kept?.evidence?.transactionId).toBe('TX-A');
    await ledger.transition(kept!, { state: 'unknown', owner: null, leaseUntil: null });
    const resolved = await new SingapayPaymentResolver(
      { listAllTransactions: listDown } as unknown as SingapayBillerApi,
      ledger,
      new SingapayPaymentInflight(),
      new SingapayPaymentEvents(),
      policy,
      now,
    ).resolve((await store.get('R'))!, 'lookup');
    expect(resolved).toMatchObject({ state: 'success', transactionId: 'TX-A' });
    expect(resolved.evidence).toBeUndefined();
  });
  it("does not apply an earlier refused payment's refund of the reference to its retry: the lookup takes the retry's own", async () => {
    const refused = { ...transaction('TX-EARLIER', T0 - 2_000, 'refunded'), referenceNumber: 'REF-1' };
    const own = { ...transaction('TX-OWN', T0 + 300), referenceNumber: 'REF-1' };
    const { store, confirmations, orphans } = recovery(async () => ({ transactions: [refused, own], complete: true }));
    // The earlier payment of REF-1 was refused without naming its transaction; its retry's answer was lost.
    await store.create(
      record('EARLIER', { state: 'failed', owner: undefined, leaseUntil: undefined, referenceNumber: 'REF-1', sentAt: T0 - 2_100 }),
    );
    await store.create(unknown('RETRY', { referenceNumber: 'REF-1' }));
    clock += 5_000;
    // Singapay refunds the earlier transaction, made within the clock skew of the retry's send.
    expect((await confirmations.apply(refused, 'callback')).outcome).toBe('orphan');
    expect(await store.get('RETRY')).toMatchObject({ state: 'success', transactionId: 'TX-OWN' });
    expect(orphans).toEqual(['TX-EARLIER']);
  });

  it('a payment of a reference takes the success a callback names alone, while the list cannot be read', async () => {
    const tx = { ...transaction('TX-ONLY', T0 + 300), referenceNumber: 'REF-2' };
    const { store, confirmations } = recovery(listDown);
    await store.create(unknown('ONLY', { referenceNumber: 'REF-2' }));
    clock += 5_000;
    expect((await confirmations.apply(tx, 'callback')).outcome).toBe('applied');
    expect(await store.get('ONLY')).toMatchObject({ state: 'success', transactionId: 'TX-ONLY' });
  });

  type List = Parameters<typeof recovery>[0];
  it.each<[string, (refund: SingapayTransaction) => List]>([
    ['the list cannot be read', () => listDown],
    ['the list is read and does not show it', () => async () => ({ transactions: [], complete: true })],
    ['the list is read in part, showing it alone', (refund) => async () => ({ transactions: [refund], complete: false })],
  ])(
    "a refund a callback names is kept, never taken, while %s: it may be an earlier refused payment's, and only a full list shows the payment's own beside it",
    async (_name, list) => {
      for (const referenceNumber of ['REF-3', undefined]) {
        clock = T0;
        const refund = { ...transaction('TX-REFUND', T0 - 2_000, 'refunded'), referenceNumber: referenceNumber ?? null };
        const { store, confirmations } = recovery(list(refund));
        await store.create(unknown('RETRY', referenceNumber ? { referenceNumber } : {}));
        clock += 5_000;
        expect((await confirmations.apply(refund, 'callback')).outcome).toBe('kept');
        expect(await store.get('RETRY')).toMatchObject({ state: 'unknown', evidence: { transactionId: 'TX-REFUND' } });
      }
    },
  );

  it('past the not-found horizon a refund a partial list shows settles the payment: a list that stays partial will not show more', async () => {
    const refund = { ...transaction('TX-LATE-REFUND', T0 + 300, 'refunded'), referenceNumber: 'REF-4' };
    const { store, confirmations, resolver } = recovery(async () => ({ transactions: [refund], complete: false }));
    await store.create(unknown('SLOW', { referenceNumber: 'REF-4' }));
    clock = T0 + 5_000;
    expect((await confirmations.apply(refund, 'callback')).outcome).toBe('kept');
    clock = T0 + 60_000;
    expect(await resolver.resolve((await store.get('SLOW'))!, 'sweep')).toMatchObject({
      state: 'refunded',
      transactionId: 'TX-LATE-REFUND',
    });
  });

  it("a refusal a callback names, which no list shows, never wins over the payment's own success the list shows", async () => {
    const own = { ...transaction('TX-OWN-6', T0 + 300), referenceNumber: 'REF-6' };
    const other = { ...transaction('TX-OTHER-6', T0 + 1_000, 'refunded'), referenceNumber: 'REF-6' };
    const { store, confirmations, resolver } = recovery(async () => ({ transactions: [own], complete: true }));
    await store.create(unknown('SIX', { referenceNumber: 'REF-6' }));
    clock = T0 + 5_000;
    await confirmations.apply(other, 'callback');
    clock = T0 + 3_600_000;
    expect(await resolver.resolve((await store.get('SIX'))!, 'sweep')).toMatchObject({ state: 'success', transactionId: 'TX-OWN-6' });
  });

  it('past the horizon too, a refund no list shows (the list unreadable) never settles the payment: it waits for a list', async () => {
    const refund = { ...transaction('TX-UNSEEN-REFUND', T0 - 2_000, 'refunded'), referenceNumber: 'REF-5' };
    const { store, confirmations, resolver } = recovery(listDown);
    await store.create(unknown('UNSEEN', { referenceNumber: 'REF-5' }));
    clock = T0 + 5_000;
    expect((await confirmations.apply(refund, 'callback')).outcome).toBe('kept');
    clock = T0 + 3_600_000;
    expect(await resolver.resolve((await store.get('UNSEEN'))!, 'sweep')).toMatchObject({
      state: 'unknown',
      evidence: { transactionId: 'TX-UNSEEN-REFUND' },
    });
  });
});

describe('whether a callback may be ours (the room it gets in the queue)', () => {
  beforeEach(() => {
    clock = T0;
  });

  it("reads the customer's own open payments, never the backlog, on a store that lists by customer", async () => {
    const { store, confirmations } = recovery(listDown);
    const listAll = vi.spyOn(store, 'listUnsettled');
    await store.create(unknown('R1'));
    for (let i = 0; i < 50; i++) await store.create(unknown(`other-${i}`, { customerId: `0899${String(i).padStart(8, '0')}` }));
    expect(await confirmations.mayHold('TX-X', '081200000001')).toBe('open');
    expect(await confirmations.mayHold('TX-X', '081299999999')).toBeUndefined();
    // Claimed a moment ago: seen at once, with no cache in between.
    await store.create(record('R2', { customerId: '081277777777' }));
    expect(await confirmations.mayHold('TX-Y', '081277777777')).toBe('open');
    expect(listAll).not.toHaveBeenCalled();
  });

  it("reads a few of the customer's payments: one with more open payments than that gets the room", async () => {
    const { store, confirmations } = recovery(listDown);
    const listOf = vi.spyOn(store, 'listUnsettledOf');
    const pending = (key: string, customerId: string) =>
      record(key, { customerId, state: 'pending', transactionId: `TX-${key}`, owner: undefined, leaseUntil: undefined });
    // Pending payments hold their transaction: none of them waits for a callback's.
    for (let i = 0; i < 5; i++) await store.create(pending(`few-${i}`, '081211111111'));
    for (let i = 0; i < 25; i++) await store.create(pending(`many-${i}`, '081222222222'));
    expect(await confirmations.mayHold('TX-X', '081211111111')).toBeUndefined();
    expect(await confirmations.mayHold('TX-X', '081222222222')).toBe('open');
    expect(listOf.mock.calls.every(([, limit]) => limit <= 20)).toBe(true);
  });

  it('falls back on the backlog, read at most once a second, for a store without a per-customer query', async () => {
    const { store, confirmations } = recovery(listDown);
    Object.assign(store, { listUnsettledOf: undefined });
    const listAll = vi.spyOn(store, 'listUnsettled');
    await store.create(unknown('R1'));
    expect(await confirmations.mayHold('TX-X', '081200000001')).toBe('open');
    const reads = listAll.mock.calls.length;
    for (let i = 0; i < 20; i++) expect(await confirmations.mayHold(`TX-F${i}`, '081200000001')).toBe('open');
    expect(listAll.mock.calls.length).toBe(reads);
    // An unknown customer re-reads at most every 100 ms, so a payment claimed since is not missed.
    await store.create(record('R2', { customerId: '081277777777' }));
    clock += 150;
    expect(await confirmations.mayHold('TX-Y', '081277777777')).toBe('open');
    expect(await confirmations.mayHold('TX-Z', '081299999999')).toBeUndefined();
  });
});
