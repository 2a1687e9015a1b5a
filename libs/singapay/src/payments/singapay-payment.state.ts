import { hash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { dropUndefined } from '../util/singapay-json.js';
import type { SingapayPaymentParams } from '../biller/singapay-biller.types.js';
import {
  isFinalPaymentState,
  type SingapayPaymentFailure,
  type SingapayPaymentRecord,
  type SingapayPaymentState,
} from './singapay-payment-record.js';

/*
 * The payment state machine, with no I/O: which moves are allowed, how a change is
 * applied to a record, and the questions the engine asks of a record. Everything
 * here is a pure function of its arguments, so it is tested on its own.
 */

/** The fields a change may touch: the identity (key, request, customer) never changes; times and version are `applyPatch`'s. */
type Mutable = Omit<SingapayPaymentRecord, keyof SingapayPaymentParams | 'key' | 'requestHash' | 'createdAt' | 'updatedAt' | 'version'>;

/** A change to a record: a value sets the field, `null` clears it, a missing key leaves it. */
export type SingapayRecordPatch = { [K in keyof Mutable]?: Mutable[K] | null };

/** A claim let go: every outcome, and every send that never left, leaves the record with no sender. */
export const RELEASED = { owner: null, leaseUntil: null } as const;

// Which earlier states a new state may replace: nothing leaves refunded, and a
// success can only turn refunded, so an out-of-order answer never rolls a payment back.
const ALLOWED_FROM: Record<SingapayPaymentState, readonly SingapayPaymentState[]> = {
  sending: [],
  unknown: ['sending', 'unknown', 'pending'],
  pending: ['sending', 'unknown', 'pending'],
  success: ['sending', 'unknown', 'pending', 'success'],
  failed: ['sending', 'unknown', 'pending', 'failed'],
  refunded: ['sending', 'unknown', 'pending', 'success', 'failed', 'refunded'],
};

/** Whether a record in its current state may move to `to`. */
export function canMove(from: SingapayPaymentRecord, to: SingapayPaymentState): boolean {
  if (ALLOWED_FROM[to].includes(from.state)) return true;
  // "Not found" is our inference after a horizon, not Singapay's word: its later word wins.
  return isNotFoundFailure(from) && (to === 'success' || to === 'pending');
}

/** The record after `patch`: a new version, `updatedAt` now, `settledAt` on first reaching a final state. */
export function applyPatch(record: SingapayPaymentRecord, patch: SingapayRecordPatch, now: number): SingapayPaymentRecord {
  // Built field by field rather than copied and `delete`d: a deletion turns the object into a
  // slow dictionary for every later read and copy of the record.
  const fields = patch as Record<string, unknown>;
  // A refunded payment carries only a failure Singapay reported (see failureAfter), whichever change brings the refund.
  const failure = patch.failure === undefined ? record.failure : patch.failure;
  const skip = (patch.state ?? record.state) === 'refunded' && failure && !isReportedFailure(failure) ? 'failure' : undefined;
  const merged: Record<string, unknown> = {};
  for (const field in record) if (fields[field] !== null && field !== skip) merged[field] = record[field as keyof SingapayPaymentRecord];
  for (const field in fields) if (fields[field] !== null && fields[field] !== undefined && field !== skip) merged[field] = fields[field];
  const next = merged as unknown as SingapayPaymentRecord;
  // A PLN token once recorded stays: an outcome of the same transaction without one (a send's answer that came
  // after a lookup found the token) does not take it.
  const token = record.outcome?.token;
  const same = patch.outcome?.transactionId === undefined || patch.outcome.transactionId === record.outcome?.transactionId;
  if (token && patch.outcome && !patch.outcome.token && same) next.outcome = { ...patch.outcome, token };
  next.updatedAt = now;
  next.version = record.version + 1;
  if (patch.state && isFinalPaymentState(patch.state) && !isFinalPaymentState(record.state)) next.settledAt = now;
  return next;
}

/** A `failed` for `reason`; one `not_sent` was provably never sent, so its key may be paid again. */
export function isFailedFor(record: Pick<SingapayPaymentRecord, 'state' | 'failure'>, reason: SingapayPaymentFailure['reason']): boolean {
  return record.state === 'failed' && record.failure?.reason === reason;
}

/** A failure Singapay reported: refused by code, or its transaction marked failed (neither an inference nor a send that never left). */
export function isReportedFailure(failure: Pick<SingapayPaymentFailure, 'reason'>): boolean {
  return failure.reason === 'rejected' || failure.reason === 'transaction_failed';
}

/** A `failed` on Singapay's word (`isReportedFailure`). */
export function isFailedBySingapay(record: Pick<SingapayPaymentRecord, 'state' | 'failure'>): boolean {
  return record.state === 'failed' && record.failure !== undefined && isReportedFailure(record.failure);
}

/**
 * A refund that is owed to the customer: Singapay gave the money back without having said it failed
 * first (a refund that carries Singapay's failure only returns what a failure drew).
 */
export function isRefundOwed(record: Pick<SingapayPaymentRecord, 'state' | 'failure'>): boolean {
  return record.state === 'refunded' && !(record.failure && isReportedFailure(record.failure));
}

/**
 * Whether `record` holds the answer `patch` records for the send that `sent` made: the same payment
 * and send, Singapay's code, and its body when it has one. Only that send writes a code (lookups and
 * callbacks never do), so a write whose own answer was lost is known by it to have landed.
 */
export function holdsAnswer(
  record: SingapayPaymentRecord,
  patch: SingapayRecordPatch,
  sent: Pick<SingapayPaymentRecord, 'createdAt' | 'sendCount'>,
): boolean {
  if (record.createdAt !== sent.createdAt || record.sendCount !== sent.sendCount) return false;
  if (patch.responseCode == null || record.responseCode !== patch.responseCode) return false;
  const raw = patch.outcome?.raw;
  return raw === undefined || isDeepStrictEqual(record.outcome?.raw, raw);
}

/** A `failed` concluded from not finding the transaction: an inference Singapay may still overturn. */
export function isNotFoundFailure(record: Pick<SingapayPaymentRecord, 'state' | 'failure'>): boolean {
  return isFailedFor(record, 'not_found');
}

/** A PLN token purchase that succeeded before its token arrived. */
export function isAwaitingToken(record: Pick<SingapayPaymentRecord, 'state' | 'command' | 'outcome'>): boolean {
  return record.state === 'success' && record.command === 'plntok' && !record.outcome?.token;
}

/** A failure the engine concludes itself: its type is its reason, its code whatever Singapay last said (if anything). */
function concluded(reason: Concluded, httpStatus: number, message: string, code: string | null = null): SingapayPaymentFailure {
  return { reason, code, type: reason, httpStatus, message };
}
type Concluded = SingapayPaymentFailure['reason'] & SingapayPaymentFailure['type'];

/** The failures the engine concludes itself (the others come from an exception). */
export const SINGAPAY_FAILURES = {
  /** Its sender stopped before counting a send, which it does before sending: it never left. */
  notSent: () => concluded('not_sent', 503, 'The sender stopped before the payment was sent'),
  transactionFailed: () => concluded('transaction_failed', 409, 'Singapay marked the transaction failed'),
  notFound: (record: SingapayPaymentRecord, now: number) =>
    concluded(
      'not_found',
      409,
      `Singapay's complete list shows no such transaction ${Math.round((now - (record.sentAt ?? record.createdAt)) / 60_000)} minutes after it was sent; it most likely did not go through`,
      record.responseCode ?? null,
    ),
} as const;

/**
 * The failure a record carries once Singapay's word moves it to `state`. A failed transaction is
 * `transaction_failed`, unless the record is a refusal that named it: it stays the refusal its
 * caller was told of. A refund of a payment Singapay itself said failed keeps that failure (and
 * so does the same refund again), which says the payment failed before the deposit got its money
 * back; a refund after anything else, a "not found" inference included, carries none.
 */
export function failureAfter(base: SingapayPaymentRecord, state: SingapayPaymentState): SingapayPaymentFailure | null {
  if (state === 'failed') return isFailedFor(base, 'rejected') ? base.failure! : SINGAPAY_FAILURES.transactionFailed();
  if (state === 'refunded' && (isFailedBySingapay(base) || base.state === 'refunded')) return base.failure ?? null;
  return null;
}

/** What is sent to Singapay of a payment request (the order's own fields, such as its key, left out). */
export function paymentParamsOf(req: SingapayPaymentParams): SingapayPaymentParams {
  const { command, productCode, customerId, referenceNumber } = req;
  return dropUndefined({ command, productCode, customerId, referenceNumber });
}

/**
 * The request's identity: what must match for a key to be the same payment. The last place held
 * the phone number `pay()` once took: empty, records written without one keep their hash.
 */
export function hashPaymentRequest(req: SingapayPaymentParams, phoneNumber = ''): string {
  const identity = [req.command, req.productCode, req.customerId, req.referenceNumber ?? '', phoneNumber];
  return hash('sha256', JSON.stringify(identity), 'hex');
}

/**
 * Whether `record` is the payment `req` asks for (`requestHash` is `req`'s). A record written while
 * `pay()` took a phone number keeps it, and its hash with it: the same request without the phone
 * is still that payment, so that it can be followed and answered rather than refused as another.
 */
export function isSamePaymentRequest(record: SingapayPaymentRecord, req: SingapayPaymentParams, requestHash: string): boolean {
  if (record.requestHash === requestHash) return true;
  const phone = (record as { phoneNumber?: unknown }).phoneNumber;
  return typeof phone === 'string' && phone !== '' && record.requestHash === hashPaymentRequest(req, phone);
}

/**
 * The record a payment starts as: claimed by `owner` until `leaseUntil`, its send already
 * counted, since only the request itself stands between the claim and Singapay.
 */
export function paymentClaim(
  claim: Pick<SingapayPaymentRecord, 'key' | 'requestHash'> & { params: SingapayPaymentParams; owner: string; leaseUntil: number },
  now: number,
): SingapayPaymentRecord {
  const { params } = claim;
  const record: SingapayPaymentRecord = {
    key: claim.key,
    requestHash: claim.requestHash,
    command: params.command,
    productCode: params.productCode,
    customerId: params.customerId,
    state: 'sending',
    sendCount: 1,
    sentAt: now,
    lookups: 0,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  // Optional fields are left out rather than stored as undefined.
  if (params.referenceNumber !== undefined) record.referenceNumber = params.referenceNumber;
  record.owner = claim.owner;
  record.leaseUntil = claim.leaseUntil;
  return record;
}

/** A payment provably never sent, claimed again: the same change as a first claim, its send counted in the same write. */
export function reclaimPatch(record: SingapayPaymentRecord, owner: string, leaseUntil: number, now: number): SingapayRecordPatch {
  return {
    state: 'sending',
    owner,
    leaseUntil,
    failure: null,
    evidence: null,
    evidenceContested: null,
    sendCount: record.sendCount + 1,
    sentAt: now,
  };
}
