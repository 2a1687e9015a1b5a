import type { SingapayTransaction } from '../../biller/singapay-biller.types.js';
import { isSettledPaymentRecord, type SingapayPaymentRecord } from '../singapay-payment-record.js';
import { isAwaitingToken } from '../singapay-payment.state.js';
import { findPaymentCandidate, transactionDistance } from './singapay-payment.matcher.js';
import { SingapayRecoveryPolicy, type SingapayLookupTrigger } from './singapay-recovery.policy.js';

const T0 = Date.UTC(2025, 5, 10, 10, 0, 0);
const horizon = 30 * 60_000;
const policy = new SingapayRecoveryPolicy({
  paymentNotFoundAfterMs: horizon,
  paymentReviewMs: 24 * 3600_000,
  clockSkewToleranceMs: 600_000,
});
const record = (patch: Partial<SingapayPaymentRecord> = {}): SingapayPaymentRecord => ({
  key: 'k',
  requestHash: 'h',
  command: 'pulsa',
  productCode: 'SPTLKMAS10',
  customerId: '081234567891',
  state: 'unknown',
  sendCount: 1,
  lookups: 0,
  createdAt: T0,
  sentAt: T0,
  updatedAt: T0,
  version: 3,
  ...patch,
});
const notFound = { reason: 'not_found', code: null, type: 'not_found', httpStatus: 409, message: '' } as const;
const tx = (id: string, patch: Partial<SingapayTransaction> = {}): SingapayTransaction =>
  ({
    transactionId: id,
    referenceNumber: null,
    customerId: '081234567891',
    product: { code: 'SPTLKMAS10', name: 'pulsa' },
    status: 'success',
    amount: 10_000,
    price: 11_000,
    netPrice: 10_800,
    createdAt: new Date(T0 + 7 * 3600_000 + 30_000).toISOString().replace('Z', '+07:00'),
    raw: {},
    ...patch,
  }) as SingapayTransaction;

describe('the recovery policy', () => {
  it('concludes "not found" only from a search that began after the horizon, and never after Singapay said it went through', () => {
    const horizon = 30 * 60_000;
    expect(policy.mayConcludeNotFound(record(), T0 + horizon)).toBe(true);
    expect(policy.mayConcludeNotFound(record(), T0 + horizon - 1)).toBe(false);
    expect(policy.mayConcludeNotFound(record({ state: 'pending' }), T0 + horizon)).toBe(false);
    for (const code of ['51', '00', '01']) expect(policy.mayConcludeNotFound(record({ responseCode: code }), T0 + horizon)).toBe(false);
    for (const code of ['03', '07', '99']) expect(policy.mayConcludeNotFound(record({ responseCode: code }), T0 + horizon)).toBe(true);
    // Two transactions confirmed by callback contest it: something exists, whatever a list shows.
    expect(policy.mayConcludeNotFound(record({ evidenceContested: true }), T0 + horizon)).toBe(false);
    expect(policy.singapaySaidApplied(record({ responseCode: '51' }))).toBe(true);
  });

  it('keeps final records in doubt unsettled until their watch ends', () => {
    const tokenless = record({ state: 'success', command: 'plntok', outcome: { transactionId: 'TX' }, watchUntil: T0 + 1 });
    expect([isAwaitingToken(tokenless), policy.watchReason(tokenless), isSettledPaymentRecord(tokenless)]).toEqual([true, 'token', false]);
    const withToken = { ...tokenless, outcome: { transactionId: 'TX', token: '1234-5678-9012-3456-7890' } };
    expect([isAwaitingToken(withToken), policy.watchReason(withToken)]).toEqual([false, undefined]);
    const { watchUntil: _w, ...closed } = tokenless;
    expect(isSettledPaymentRecord(closed)).toBe(true);
    expect(isSettledPaymentRecord(record({ state: 'unknown' }))).toBe(false);
  });

  it('backs follow-ups off from 2 s to at most 5 minutes', () => {
    expect([0, 1, 2, 10].map((lookups) => policy.nextFollowUpAt({ lookups }, 0))).toEqual([2_000, 4_000, 8_000, 300_000]);
  });

  it('says who looks a record up when: one rule for pay(), getPayment(), the sweep and the token chase', () => {
    const now = T0 + 10_000;
    const due = (r: SingapayPaymentRecord) =>
      (['pay', 'read', 'sweep'] as SingapayLookupTrigger[]).map((trigger) => policy.isDueForLookup(r, now, trigger));
    // Being sent: left to its sender until its claim runs out.
    expect(due(record({ state: 'sending', leaseUntil: now + 1 }))).toEqual([false, false, false]);
    expect(due(record({ state: 'sending', leaseUntil: now }))).toEqual([true, true, true]);
    // Not final: always.
    expect(due(record({ state: 'pending' }))).toEqual([true, true, true]);
    expect(due(record({ state: 'unknown' }))).toEqual([true, true, true]);
    // Final and not watched: never.
    expect(due(record({ state: 'success', transactionId: 'TX' }))).toEqual([false, false, false]);
    // A late PLN token: a reader gets a lookup at once, a payer the success as it stands, the sweep waits for its turn.
    const token = { state: 'success', command: 'plntok', outcome: { transactionId: 'TX' }, watchUntil: now + 60_000 } as const;
    expect(due(record({ ...token, nextCheckAt: now + 1 }))).toEqual([false, true, false]);
    expect(due(record({ ...token, nextCheckAt: now }))).toEqual([false, true, true]);
    // A "not found" under review: everyone on its backoff; the sweep also ends a watch whose time is up.
    expect(due(record({ state: 'failed', failure: notFound, watchUntil: now + 60_000, nextCheckAt: now + 1 }))).toEqual([
      false,
      false,
      false,
    ]);
    expect(due(record({ state: 'failed', failure: notFound, watchUntil: now + 60_000, nextCheckAt: now }))).toEqual([true, true, true]);
    expect(due(record({ state: 'failed', failure: notFound, watchUntil: now, nextCheckAt: now + 1 }))).toEqual([false, false, true]);
    // Watched with nothing left to learn (the token came): only the sweep, to end the watch.
    expect(due(record({ ...token, outcome: { transactionId: 'TX', token: '1' }, nextCheckAt: now + 1 }))).toEqual([false, false, true]);
  });

  it('offers outside evidence only to payments still looking for their transaction', () => {
    expect(policy.isOpenToEvidence(record())).toBe(true);
    expect(policy.isOpenToEvidence(record({ state: 'failed', failure: notFound }))).toBe(true);
    expect(policy.isOpenToEvidence(record({ transactionId: 'TX' }))).toBe(false);
    expect(policy.isOpenToEvidence(record({ state: 'pending' }))).toBe(false);
    expect(policy.isOpenToEvidence(record({ state: 'sending' }))).toBe(true);
  });

  it('chases a late token for tokenChaseMs, and puts records under review for paymentReviewMs', () => {
    const late = record({ state: 'success', command: 'plntok', outcome: { transactionId: 'TX' }, watchUntil: T0 + 1 });
    expect(isAwaitingToken(late)).toBe(true);
    expect(policy.keepsChasingToken(late, T0, T0 + policy.options.tokenChaseMs - 1)).toBe(true);
    expect(policy.keepsChasingToken(late, T0, T0 + policy.options.tokenChaseMs)).toBe(false);
    expect(policy.watch({ lookups: 0 }, T0)).toEqual({ watchUntil: T0 + 24 * 3600_000, nextCheckAt: T0 + 2_000 });
    expect(policy.watch({ lookups: 3, watchUntil: T0 + 5 }, T0)).toEqual({ watchUntil: T0 + 5, nextCheckAt: T0 + 16_000 });
  });
});

describe('the matcher', () => {
  it('a purchase with an inquiry is its reference and customer; a direct one its product, customer and send window', () => {
    const ref = record({ referenceNumber: 'REF1', productCode: 'PLNPOS' });
    // At any time (the skew is for direct purchases); its distance from the last send orders several of one reference.
    expect(transactionDistance(ref, tx('A', { referenceNumber: 'REF1' }), 0)).toBe(30_000);
    expect(transactionDistance(ref, tx('B', { referenceNumber: 'REF2' }), 0)).toBeUndefined();
    // One made before its last send (beyond the skew) is an earlier payment's of the reference, never this one's.
    const resent = record({ referenceNumber: 'REF1', productCode: 'PLNPOS', sentAt: T0 + 10 * 60_000 });
    expect(transactionDistance(resent, tx('E', { referenceNumber: 'REF1' }), 60_000)).toBeUndefined();
    expect(transactionDistance(resent, tx('E', { referenceNumber: 'REF1' }), 10 * 60_000)).toBe(9 * 60_000 + 30_000);
    expect(transactionDistance(ref, tx('C', { referenceNumber: 'REF1', customerId: '0899' }), 0)).toBeUndefined();
    const direct = record({ sentAt: T0 + 60_000 });
    // Only the last send can have reached Singapay: 30 s before it is inside a minute's skew, not inside none.
    expect(transactionDistance(direct, tx('D'), 60_000)).toBe(30_000);
    expect(transactionDistance(direct, tx('D'), 0)).toBeUndefined();
    expect(transactionDistance(direct, tx('E', { product: { code: 'OTHER', name: 'x' } }), 600_000)).toBeUndefined();
    const early = tx('F', { createdAt: new Date(T0 + 7 * 3600_000 - 120_000).toISOString().replace('Z', '+07:00') });
    expect(transactionDistance(direct, early, 60_000)).toBeUndefined();
    expect(transactionDistance(direct, early, 120_000)).toBeUndefined();
    expect(transactionDistance(direct, early, 180_000)).toBe(180_000);
  });

  it('never guesses between two candidates, and never takes a transaction another payment holds', async () => {
    const direct = record();
    const two = await findPaymentCandidate(direct, [tx('A'), tx('B')], async () => false, 600_000);
    expect([two.match, two.ambiguous]).toEqual([undefined, true]);
    const held = await findPaymentCandidate(direct, [tx('A'), tx('B')], async (id) => id === 'B', 600_000);
    expect(held.match?.transactionId).toBe('A');
  });
});
