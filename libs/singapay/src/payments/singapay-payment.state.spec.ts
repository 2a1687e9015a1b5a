import type { SingapayPaymentRecord, SingapayPaymentState } from './singapay-payment-record.js';
import {
  applyPatch,
  canMove,
  failureAfter,
  hashPaymentRequest,
  isSamePaymentRequest,
  SINGAPAY_FAILURES,
} from './singapay-payment.state.js';
import { SingapayRecoveryPolicy } from './recovery/singapay-recovery.policy.js';
import { failureVerdict, receiptPatch } from './singapay-payment.verdict.js';
import { SingapayException, type SingapayExceptionType } from '../errors/singapay.exception.js';
import { SingapayPaymentStoreException } from './singapay-payment.exception.js';

const T0 = Date.UTC(2025, 5, 10, 10, 0, 0);
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
const STATES: SingapayPaymentState[] = ['sending', 'pending', 'unknown', 'success', 'failed', 'refunded'];
const codeError = (code: string | null, type: SingapayExceptionType, delivery: 'not_sent' | 'maybe_sent' | 'received' = 'received') =>
  new SingapayException({ code, type, httpStatus: 502, message: type, delivery });

describe('the payment state machine', () => {
  it('never rolls a payment back and lets nothing leave refunded', () => {
    for (const to of STATES) expect(canMove(record({ state: 'refunded' }), to)).toBe(to === 'refunded');
    expect(canMove(record({ state: 'success' }), 'pending')).toBe(false);
    expect(canMove(record({ state: 'success' }), 'failed')).toBe(false);
    expect(canMove(record({ state: 'success' }), 'refunded')).toBe(true);
    for (const from of STATES) expect(canMove(record({ state: from }), 'sending')).toBe(false);
  });

  it('lets Singapay overturn a "not found" inference, and nothing else a failure', () => {
    const notFound = record({
      state: 'failed',
      failure: { reason: 'not_found', code: null, type: 'not_found', httpStatus: 409, message: '' },
    });
    const rejected = record({
      state: 'failed',
      failure: { reason: 'rejected', code: '17', type: 'insufficient_balance', httpStatus: 503, message: '' },
    });
    expect(['success', 'pending', 'refunded', 'failed'].map((to) => canMove(notFound, to as SingapayPaymentState))).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['success', 'pending'].map((to) => canMove(rejected, to as SingapayPaymentState))).toEqual([false, false]);
  });

  it('applies a patch: values set, null clears, missing leaves; a new version; settledAt once', () => {
    const before = record({ owner: 'me', leaseUntil: T0 + 1, responseCode: '03' });
    const after = applyPatch(
      before,
      { state: 'success', owner: null, leaseUntil: null, transactionId: 'TX', responseCode: undefined },
      T0 + 5,
    );
    expect(after).toMatchObject({
      state: 'success',
      transactionId: 'TX',
      responseCode: '03',
      version: 4,
      updatedAt: T0 + 5,
      settledAt: T0 + 5,
    });
    expect('owner' in after || 'leaseUntil' in after).toBe(false);
    expect(before.owner).toBe('me');
    expect(applyPatch(after, { state: 'refunded' }, T0 + 9).settledAt).toBe(T0 + 5);
  });

  it('keeps a PLN token once recorded when a later outcome has none (a late answer of the send), and takes a new one', () => {
    const withToken = record({ state: 'success', outcome: { transactionId: 'TX', token: '1234-5678' } });
    const late = applyPatch(withToken, { state: 'success', outcome: { transactionId: 'TX', raw: { token: null } } }, T0 + 5);
    expect(late.outcome).toEqual({ transactionId: 'TX', raw: { token: null }, token: '1234-5678' });
    expect(applyPatch(withToken, { outcome: { transactionId: 'TX', token: '9999' } }, T0 + 5).outcome?.token).toBe('9999');
    expect(applyPatch(withToken, { outcome: { transactionId: 'OTHER' } }, T0 + 5).outcome?.token).toBeUndefined();
    expect(withToken.outcome?.token).toBe('1234-5678');
  });
});

describe('the failure a record keeps when Singapay moves it', () => {
  const refusal = { reason: 'rejected' as const, code: '20', type: 'customer_not_found' as const, httpStatus: 404, message: 'refused' };
  const failedBy = (failure: SingapayPaymentRecord['failure']) => record({ state: 'failed', failure });

  it('a refund keeps a failure Singapay reported, also when the refund comes again; nothing else', () => {
    expect(failureAfter(failedBy(refusal), 'refunded')).toEqual(refusal);
    expect(failureAfter(failedBy(SINGAPAY_FAILURES.transactionFailed()), 'refunded')?.reason).toBe('transaction_failed');
    expect(failureAfter(record({ state: 'refunded', failure: refusal }), 'refunded')).toEqual(refusal);
    // "Not found" was our inference: a refund after it is one the customer may be owed.
    expect(failureAfter(failedBy(SINGAPAY_FAILURES.notFound(record(), T0)), 'refunded')).toBeNull();
    for (const state of ['pending', 'unknown', 'success', 'sending'] as const)
      expect(failureAfter(record({ state }), 'refunded')).toBeNull();
  });

  it('a refund brought by any change keeps no failure of ours', () => {
    const notFound = failedBy(SINGAPAY_FAILURES.notFound(record(), T0));
    expect(applyPatch(notFound, { state: 'refunded' }, T0).failure).toBeUndefined();
    expect('failure' in applyPatch(notFound, { state: 'refunded' }, T0)).toBe(false);
    expect(applyPatch(failedBy(refusal), { state: 'refunded' }, T0).failure).toEqual(refusal);
  });

  it('a failed transaction is transaction_failed, unless the record is the refusal that named it', () => {
    expect(failureAfter(failedBy(refusal), 'failed')).toEqual(refusal);
    expect(failureAfter(record({ state: 'pending' }), 'failed')?.reason).toBe('transaction_failed');
    expect(failureAfter(failedBy(refusal), 'success')).toBeNull();
  });
});

describe("a payment's identity", () => {
  const bill = { command: 'plnpos', productCode: 'SPPLNPOS', customerId: '146300068064', referenceNumber: 'SPPLNPOSRJBL1' } as const;

  it('is its request: another customer or reference is another payment', () => {
    const mine = record({ ...bill, requestHash: hashPaymentRequest(bill) });
    expect(isSamePaymentRequest(mine, bill, hashPaymentRequest(bill))).toBe(true);
    const other = { ...bill, referenceNumber: 'SPPLNPOSRJBL2' };
    expect(isSamePaymentRequest(mine, other, hashPaymentRequest(other))).toBe(false);
  });

  it('takes a record written while pay() took a phone number for the same request without it', () => {
    // What a release that sent phone_number wrote: the phone in the record and in its hash.
    const legacy = { ...record(bill), phoneNumber: '081234567890', requestHash: hashPaymentRequest(bill, '081234567890') };
    expect(legacy.requestHash).not.toBe(hashPaymentRequest(bill));
    expect(isSamePaymentRequest(legacy, bill, hashPaymentRequest(bill))).toBe(true);
    const other = { ...bill, customerId: '146300068065' };
    expect(isSamePaymentRequest(legacy, other, hashPaymentRequest(other))).toBe(false);
  });
});

describe('what a send comes to', () => {
  it('a provable "never left" may be paid again; a store failure never counts as that', () => {
    expect(failureVerdict(codeError(null, 'connection_failed', 'not_sent'), 1).kind).toBe('not_sent');
    expect(failureVerdict(SingapayPaymentStoreException.unavailable('write', 'before_send'), 1).kind).toBe('uncertain');
  });

  it('reads each code through the one table', () => {
    const kinds = Object.fromEntries(
      ['04', '17', '21', '07', '51', '50', '99', '42'].map((c) => [c, failureVerdict(codeError(c, 'unknown'), 1).kind]),
    );
    expect(kinds).toEqual({
      '04': 'rejected',
      '17': 'rejected',
      '21': 'rejected',
      '07': 'uncertain',
      '51': 'uncertain',
      '50': 'refunded',
      '99': 'uncertain',
      '42': 'uncertain',
    });
    // An unreadable 00 keeps its code (it says "applied") but is not trusted as a success.
    const unreadable = failureVerdict(
      new SingapayException({ code: '00', type: 'malformed_response', httpStatus: 502, message: 'm', delivery: 'received' }),
      1,
    );
    expect([unreadable.kind, unreadable.patch.responseCode]).toEqual(['uncertain', '00']);
    expect(failureVerdict(new Error('bug'), 1).kind).toBe('uncertain');
  });

  it('an accepted PLN token payment without its token is put under watch', () => {
    const policy = new SingapayRecoveryPolicy({
      paymentNotFoundAfterMs: 1_800_000,
      paymentReviewMs: 60_000,
      clockSkewToleranceMs: 600_000,
    });
    const receipt = {
      responseCode: '00' as const,
      transactionId: 'TX',
      amount: 50_000,
      price: 52_500,
      createdAt: '2025-06-10T17:00:00+07:00',
      raw: {},
    };
    const patch = receiptPatch(record({ command: 'plntok' }), receipt, T0, policy);
    expect(patch).toMatchObject({ state: 'success', transactionId: 'TX', watchUntil: T0 + 60_000, nextCheckAt: T0 + 2_000, owner: null });
    expect(
      receiptPatch(record({ command: 'plntok' }), { ...receipt, token: '1234-5678-9012-3456-7890' }, T0, policy).watchUntil,
    ).toBeUndefined();
    expect(receiptPatch(record(), { ...receipt, responseCode: '01' }, T0, policy)).toMatchObject({ state: 'pending' });
  });
});
