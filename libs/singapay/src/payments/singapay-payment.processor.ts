import { Inject, Injectable, Logger, NotFoundException, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Subject, type Observable } from 'rxjs';
import { SINGAPAY_COMMANDS, singapayProductPath } from '../contract/singapay-api.contract.js';
import { SINGAPAY_CLOCK, SINGAPAY_LOGGER_CONTEXT, SINGAPAY_RESOLVED_OPTIONS, type SingapayClock } from '../singapay.constants.js';
import type { SingapayResolvedOptions } from '../config/singapay-options.validation.js';
import { SingapayErrorFactory } from '../errors/singapay-error.factory.js';
import { singapayResponseCodeInfo } from '../errors/singapay-response-codes.js';
import { createSingapayException, SingapayException, SingapayNotFoundException } from '../errors/singapay.exception.js';
import { SingapayApiClient, type SingapayEnvelope } from '../http/singapay-api.client.js';
import { checkCallOptions, type SingapayCallOptions } from '../http/singapay-transport.js';
import { singapaySleep } from '../http/singapay-retry.policy.js';
import type { SingapayPayRequest } from '../service/dto/singapay-requests.dto.js';
import { compact, envelopeReader } from '../service/singapay-envelope.reader.js';
import { SingapayTransactionsService } from '../service/singapay-transactions.service.js';
import type { SingapayPaymentResult, SingapayTransaction } from '../service/singapay.types.js';
import { hashIdempotencyKey, maskCustomerId } from '../util/singapay-log.js';
import { asRecord } from '../util/singapay-json.js';
import {
  isFinalPaymentState,
  type SingapayPaymentFailure,
  type SingapayPaymentOutcome,
  type SingapayPaymentRecord,
  type SingapayPaymentState,
} from './singapay-payment-record.js';
import {
  SingapayIdempotencyConflictException,
  SingapayPaymentFailedException,
  SingapayPaymentStoreException,
} from './singapay-payment.exception.js';
import { SingapayPaymentStore } from './singapay-payment-store.interface.js';
import type {
  SingapayPayment,
  SingapayPaymentSettlement,
  SingapaySettlementSource,
  SingapayWaitOptions,
} from './singapay-payment.types.js';
import { findPaymentCandidates, transactionState } from './singapay-payment.matching.js';

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

function canMove(from: SingapayPaymentRecord, to: SingapayPaymentState): boolean {
  if (ALLOWED_FROM[to].includes(from.state)) return true;
  // "Not found" is our inference after a horizon, not Singapay's word: its later word wins.
  return from.state === 'failed' && from.failure?.reason === 'not_found' && (to === 'success' || to === 'pending' || to === 'refunded');
}

/**
 * The payment engine: one payment per idempotency key, recorded before it is
 * sent, never resent once any byte may have left, and resolved against
 * Singapay when its answer was lost. Settlements go out on `settlements$`.
 */
@Injectable()
export class SingapayPaymentProcessor implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SINGAPAY_LOGGER_CONTEXT);
  private readonly inflight = new Map<string, Promise<SingapayPaymentRecord>>();
  /** Outcomes Singapay gave this process that the store could not take; written again on next use. */
  private readonly unrecorded = new Map<string, Partial<SingapayPaymentRecord>>();
  private readonly settled = new Subject<SingapayPaymentSettlement>();
  private readonly owner = randomUUID();
  private reconcileTimer?: NodeJS.Timeout;
  private reconciling?: Promise<number>;

  /** Payments that reached a final state, however that was learned. */
  readonly settlements$: Observable<SingapayPaymentSettlement> = this.settled.asObservable();

  constructor(
    private readonly api: SingapayApiClient,
    private readonly transactions: SingapayTransactionsService,
    private readonly errors: SingapayErrorFactory,
    @Inject(SingapayPaymentStore) private readonly store: SingapayPaymentStore,
    @Inject(SINGAPAY_RESOLVED_OPTIONS) private readonly options: SingapayResolvedOptions,
    @Inject(SINGAPAY_CLOCK) private readonly now: SingapayClock,
  ) {}

  onModuleInit(): void {
    if (this.options.reconcileIntervalMs > 0) {
      this.reconcileTimer = setInterval(() => void this.reconcile().catch(() => undefined), this.options.reconcileIntervalMs);
      this.reconcileTimer.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.settled.complete();
  }

  /** The key a payment is recorded under: the caller's, else the inquiry's reference number. */
  keyFor(req: SingapayPayRequest): string {
    return req.idempotencyKey ?? req.referenceNumber ?? `auto:${randomUUID()}`;
  }

  async pay(req: SingapayPayRequest, call?: SingapayCallOptions): Promise<SingapayPaymentResult> {
    if (call) checkCallOptions('pay', call);
    const key = this.keyFor(req);
    const requestHash = hashPaymentRequest(req);
    const waitUntil = this.now() + (call?.timeoutMs ?? this.options.timeoutMs);
    for (;;) {
      const now = this.now();
      const fresh: SingapayPaymentRecord = compactRecord({
        key,
        requestHash,
        command: req.command,
        productCode: req.productCode,
        customerId: req.customerId,
        referenceNumber: req.referenceNumber,
        phoneNumber: req.phoneNumber,
        state: 'sending',
        sendCount: 0,
        lookups: 0,
        createdAt: now,
        updatedAt: now,
        owner: this.owner,
        leaseUntil: now + this.leaseMs(call),
        version: 1,
      });
      const { created, record } = await this.guardStore('record the payment', () => this.store.create(fresh));
      if (created) return this.answer(await this.track(key, () => this.send(record, req, call)));
      if (record.requestHash !== requestHash) throw this.conflict(record);

      const local = this.inflight.get(key);
      if (local) return this.answer((await this.within(local, waitUntil)) ?? record);

      const unrecorded = this.unrecorded.get(key);
      if (unrecorded) {
        // Singapay answered in this process but the store was down: answer that, and try to record it again.
        const persisted = await this.transition(record, unrecorded).catch(() => undefined);
        if (persisted) this.unrecorded.delete(key);
        return this.answer(persisted ?? next(record, this.now(), unrecorded));
      }

      if (record.state === 'failed' && record.failure?.reason === 'not_sent') {
        const reclaimed = next(record, now, {
          state: 'sending',
          owner: this.owner,
          leaseUntil: now + this.leaseMs(call),
          failure: undefined,
        });
        if (await this.guardStore('record the payment', () => this.store.replace(reclaimed, record.version))) {
          return this.answer(await this.track(key, () => this.send(reclaimed, req, call)));
        }
        continue;
      }
      if (record.state === 'sending') {
        if ((record.leaseUntil ?? 0) > now) {
          // Someone else is sending it: wait for its outcome, but no longer than this call may take.
          if (now >= waitUntil) return this.answer(record);
          await singapaySleep(Math.min(100, Math.max(1, waitUntil - now)), call?.signal);
          continue;
        }
        // The sender died or lost its claim mid-payment: never resend, find out what happened.
        const resolved = await this.track(key, () => this.resolve(record, 'lookup'));
        if (resolved.state === 'failed' && resolved.failure?.reason === 'not_sent') continue;
        return this.answer(resolved);
      }
      if (record.state === 'pending' || record.state === 'unknown') {
        return this.answer(await this.track(key, () => this.resolve(record, 'lookup')));
      }
      return this.answer(record);
    }
  }

  /** The recorded payment, resolved against Singapay first when it is pending or unknown. */
  async getPayment(key: string, call?: SingapayCallOptions): Promise<SingapayPayment> {
    const record = await this.guardStore('read the payment', () => this.store.get(key));
    if (!record) throw new NotFoundException('No payment is recorded under this idempotency key');
    const local = this.inflight.get(key);
    if (local) return toView(await local);
    const unrecorded = this.unrecorded.get(key);
    if (unrecorded) {
      const persisted = await this.transition(record, unrecorded).catch(() => undefined);
      if (persisted) this.unrecorded.delete(key);
      return toView(persisted ?? next(record, this.now(), unrecorded));
    }
    if (record.state === 'pending' || record.state === 'unknown' || (record.state === 'sending' && (record.leaseUntil ?? 0) <= this.now())) {
      return toView(await this.track(key, () => this.resolve(record, 'lookup', call)));
    }
    return toView(record);
  }

  /** Waits until the payment is final or the deadline passes, and returns where it stands. */
  async waitForPayment(key: string, options: SingapayWaitOptions = {}): Promise<SingapayPayment> {
    const deadline = this.now() + (options.timeoutMs ?? 60_000);
    const interval = options.pollIntervalMs ?? 1_000;
    for (;;) {
      const payment = await this.getPayment(key, options.signal ? { signal: options.signal } : undefined);
      if (isFinalPaymentState(payment.state) || this.now() + interval > deadline) return payment;
      await singapaySleep(interval, options.signal);
    }
  }

  /** One sweep over unsettled payments; returns how many changed state. */
  reconcile(): Promise<number> {
    this.reconciling ??= this.sweep().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  /**
   * Applies what Singapay says of a transaction (confirmed by a lookup, e.g. after a
   * callback) to the payment that holds it, or to an unresolved payment it matches.
   */
  async applyConfirmedTransaction(tx: SingapayTransaction, via: SingapaySettlementSource): Promise<SingapayPayment | undefined> {
    let record = await this.store.findByTransactionId(tx.transactionId);
    if (!record) {
      // Only payments already known to be lost: a sender still waiting for its answer will learn it itself.
      const open = (await this.store.listUnsettled(1_000)).filter((r) => !r.transactionId && r.state === 'unknown');
      const claimed = async () => false;
      const matches = await findPaymentCandidates(open, [tx], claimed, this.options.paymentNotFoundAfterMs);
      // By reference the match is certain; by product and time only when exactly one payment fits.
      const certain = matches.filter((m) => m.record.referenceNumber);
      record = certain[0]?.record ?? (matches.length === 1 ? matches[0]!.record : undefined);
    }
    if (!record) {
      const state = transactionState(tx.status);
      if (isFinalPaymentState(state)) this.settled.next({ transactionId: tx.transactionId, status: state as SingapayPaymentSettlement['status'], via });
      return undefined;
    }
    const updated = await this.adopt(record, tx, via);
    return toView(updated);
  }

  private async sweep(): Promise<number> {
    let changed = 0;
    // Page through every unsettled record (up to a bound per sweep), not just the oldest page.
    const page = 100;
    const records: SingapayPaymentRecord[] = [];
    for (let offset = 0; offset < 10_000; offset += page) {
      const batch = await this.store.listUnsettled(page, offset);
      records.push(...batch);
      if (batch.length < page) break;
    }
    for (const record of records) {
      if (this.inflight.has(record.key)) continue;
      if (record.state === 'sending' && (record.leaseUntil ?? 0) > this.now()) continue;
      try {
        const before = record.state;
        const after = await this.track(record.key, () => this.resolve(record, 'reconciler'));
        if (after.state !== before) changed++;
      } catch (error) {
        this.logger.warn(`reconcile key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      }
    }
    return changed;
  }

  /** The promise's value, or undefined once `deadline` passes first. */
  private async within<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - this.now()));
    });
    try {
      return await Promise.race([promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private track(key: string, work: () => Promise<SingapayPaymentRecord>): Promise<SingapayPaymentRecord> {
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const promise = work().finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async send(record: SingapayPaymentRecord, req: SingapayPayRequest, call?: SingapayCallOptions): Promise<SingapayPaymentRecord> {
    const spec = SINGAPAY_COMMANDS[req.command];
    // Counted before the request leaves: from here on the record says "may have been sent".
    // If that cannot be written (store down, or someone else took the record over), nothing is sent.
    const counted = next(record, this.now(), { sendCount: record.sendCount + 1, sentAt: this.now() });
    if (!(await this.guardStore('record the payment', () => this.store.replace(counted, record.version)))) {
      throw new SingapayPaymentStoreException({
        code: null,
        type: 'payment_store_conflict',
        httpStatus: 503,
        message: 'The payment record changed under this call before it was sent; the payment was not sent, look it up with getPayment()',
        operation: 'pay',
        delivery: 'not_sent',
      });
    }
    let envelope: SingapayEnvelope;
    try {
      envelope = await this.api.call({
        operation: 'pay',
        path: singapayProductPath(this.options.apiVersion, spec.family, 'payment'),
        body: {
          command: req.command,
          data: compact({
            password: this.options.password.reveal(),
            product_code: req.productCode,
            customer_id: req.customerId,
            reference_number: req.referenceNumber,
            phone_number: req.phoneNumber,
          }),
        },
        acceptPending: true,
        moneyMoving: true,
        ...(call ? { call } : {}),
        log: { productCode: req.productCode, customerId: req.customerId, idempotencyKey: record.key },
      });
    } catch (error) {
      return this.afterFailure(counted, error);
    }
    let outcome: SingapayPaymentOutcome;
    try {
      const data = envelopeReader(this.errors, envelope, 'pay', `Singapay accepted the payment (code ${envelope.responseCode}) but `);
      outcome = compact({
        transactionId: data.string('transaction_id'),
        amount: data.rupiah('amount'),
        price: data.rupiah('price'),
        customerName: data.optionalString('customer_name'),
        period: data.optionalString('period'),
        token: data.optionalString('token'),
        createdAt: data.string('created_at'),
        raw: envelope.raw,
      });
    } catch (error) {
      return this.afterFailure(counted, error);
    }
    const patch: Partial<SingapayPaymentRecord> = {
      state: envelope.responseCode === '00' ? 'success' : 'pending',
      responseCode: envelope.responseCode,
      transactionId: outcome.transactionId,
      outcome,
      owner: undefined,
      leaseUntil: undefined,
    };
    // Singapay has answered: whatever the store does now, the caller learns the truth. A record
    // that cannot be written stays "sending", and a later lookup settles it; it is never resent.
    const stored = await this.transition(counted, patch).catch((error: unknown) => {
      this.logger.error(`pay key=${hashIdempotencyKey(record.key)} outcome could not be recorded (${(error as Error)?.name ?? 'error'}); kept in this process and looked up later`);
      this.unrecorded.set(record.key, patch);
      return undefined;
    });
    const current = stored ?? next(counted, this.now(), patch);
    this.announce(current, 'payment');
    return current;
  }

  private async afterFailure(record: SingapayPaymentRecord, error: unknown): Promise<SingapayPaymentRecord> {
    // Only the API call's own verdict can say "never left"; a store error here comes after sending.
    const record_ = async (patch: Partial<SingapayPaymentRecord>) =>
      this.transition(record, patch).catch(() => {
        this.logger.error(`pay key=${hashIdempotencyKey(record.key)} failure could not be recorded; it will be looked up later`);
        return undefined;
      });
    if (error instanceof SingapayException && error.delivery === 'not_sent' && !(error instanceof SingapayPaymentStoreException)) {
      // Provably never left: the key may be paid again.
      await record_({ state: 'failed', failure: failureOf(error, 'not_sent'), owner: undefined, leaseUntil: undefined });
      throw error;
    }
    const definitive =
      error instanceof SingapayException &&
      error.responseCode !== null &&
      error.responseType !== 'malformed_response' &&
      singapayResponseCodeInfo(error.responseCode).paymentOutcome === 'rejected';
    if (definitive) {
      await record_({
        state: 'failed',
        responseCode: error.responseCode ?? undefined,
        failure: failureOf(error, 'rejected'),
        owner: undefined,
        leaseUntil: undefined,
      });
      throw error;
    }
    // It may have reached Singapay. Keep any transaction id the answer carried, then look it up.
    const e = error instanceof SingapayException ? error : undefined;
    const txid = transactionIdIn(e?.raw);
    const patch = compactPatch({
      state: 'unknown' as const,
      responseCode: e?.responseCode ?? undefined,
      transactionId: txid,
      failure: e ? failureOf(e, 'not_found') : undefined,
      owner: undefined,
      leaseUntil: undefined,
    });
    const unknown = (await record_(patch)) ?? next(record, this.now(), patch);
    this.logger.warn(`pay key=${hashIdempotencyKey(record.key)} outcome unknown (${e?.responseType ?? 'error'}); looking it up`);
    if (!e) throw error;
    return this.resolve(unknown, 'lookup');
  }

  /** Asks Singapay what became of a payment; never resends it. Lookup failures leave it as it was. */
  private async resolve(record: SingapayPaymentRecord, via: SingapaySettlementSource, call?: SingapayCallOptions): Promise<SingapayPaymentRecord> {
    let current = record;
    if (current.state === 'sending' && current.sendCount === 0) {
      // Its sender stopped before counting a send, which it does before sending: it never left.
      const notSent = await this.transition(current, {
        state: 'failed',
        failure: { reason: 'not_sent', code: null, type: 'not_sent', httpStatus: 503, message: 'The sender stopped before the payment was sent' },
        owner: undefined,
        leaseUntil: undefined,
      });
      return notSent ?? current;
    }
    if (current.state === 'sending') {
      current = (await this.transition(current, { state: 'unknown', owner: undefined, leaseUntil: undefined })) ?? current;
    }
    if (isFinalPaymentState(current.state)) return current;
    const lookedUp = (await this.transition(current, { lookups: current.lookups + 1 }, true)) ?? current;
    try {
      if (lookedUp.transactionId) {
        try {
          return await this.adopt(lookedUp, await this.transactions.getTransaction(lookedUp.transactionId, call), via);
        } catch (error) {
          if (!(error instanceof SingapayNotFoundException)) throw error;
          // An id Singapay does not know falls under the same not-found horizon as a missing one.
        }
      } else {
        const candidates = await this.search(lookedUp, call);
        const claimedByOther = async (txid: string) => {
          const owner = await this.store.findByTransactionId(txid);
          return owner !== undefined && owner.key !== lookedUp.key;
        };
        const [match] = await findPaymentCandidates([lookedUp], candidates, claimedByOther, this.options.paymentNotFoundAfterMs);
        if (match) return await this.adopt(lookedUp, match.transaction, via);
      }
      const sentAt = lookedUp.sentAt ?? lookedUp.createdAt;
      if (lookedUp.state === 'unknown' && this.now() - sentAt >= this.options.paymentNotFoundAfterMs) {
        const failed = await this.transition(lookedUp, {
          state: 'failed',
          failure: {
            reason: 'not_found',
            code: lookedUp.responseCode ?? null,
            type: 'not_found',
            httpStatus: 409,
            message: 'Singapay lists no such transaction long after it was sent; it did not go through',
          },
        });
        if (failed) this.announce(failed, via);
        return failed ?? lookedUp;
      }
      return lookedUp;
    } catch (error) {
      this.logger.warn(`lookup key=${hashIdempotencyKey(record.key)} failed: ${(error as SingapayException).responseType ?? 'error'}`);
      return lookedUp;
    }
  }

  /** Transactions that could be this payment: by customer, over the days around when it was sent. */
  private async search(record: SingapayPaymentRecord, call?: SingapayCallOptions): Promise<SingapayTransaction[]> {
    const sentAt = record.sentAt ?? record.createdAt;
    // Singapay's dates are in WIB (UTC+7), or UTC in some answers: a day either side covers both.
    const day = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 10);
    const found: SingapayTransaction[] = [];
    for (let page = 1; page <= 5; page++) {
      const result = await this.transactions.listTransactions(
        { customerId: record.customerId, startDate: day(sentAt - 86_400_000), endDate: day(this.now() + 86_400_000), page },
        call,
      );
      found.push(...result.items);
      if (!result.pagination || page >= result.pagination.lastPage) break;
    }
    return found;
  }

  private async adopt(record: SingapayPaymentRecord, tx: SingapayTransaction, via: SingapaySettlementSource): Promise<SingapayPaymentRecord> {
    const state = transactionState(tx.status);
    const outcome = compact({
      ...record.outcome,
      transactionId: tx.transactionId,
      amount: record.outcome?.amount ?? tx.amount,
      price: record.outcome?.price ?? tx.price,
      token: tx.token ?? record.outcome?.token,
    });
    const patch: Partial<SingapayPaymentRecord> = compactPatch({
      state,
      transactionId: tx.transactionId,
      outcome,
      owner: undefined,
      leaseUntil: undefined,
      failure:
        state === 'failed'
          ? { reason: 'transaction_failed' as const, code: null, type: 'transaction_failed', httpStatus: 409, message: 'Singapay marked the transaction failed' }
          : undefined,
    });
    if (state !== 'failed') patch.failure = undefined;
    const updated = await this.transition(record, patch);
    if (updated && updated.state !== record.state) this.announce(updated, via);
    return updated ?? (await this.store.get(record.key)) ?? record;
  }

  /**
   * Writes a change with compare-and-set, re-reading on conflict. A state change
   * that the current state does not allow is dropped (returns undefined).
   */
  private async transition(record: SingapayPaymentRecord, patch: Partial<SingapayPaymentRecord>, force = false): Promise<SingapayPaymentRecord | undefined> {
    let base = record;
    for (let i = 0; i < 5; i++) {
      if (patch.state && !force && !canMove(base, patch.state)) return undefined;
      // A payment holds one transaction for good: a later match never replaces it.
      if (patch.transactionId && base.transactionId && base.transactionId !== patch.transactionId) return undefined;
      const updated = next(base, this.now(), patch);
      if (await this.guardStore('update the payment', () => this.store.replace(updated, base.version))) return updated;
      const latest = await this.store.get(record.key);
      if (!latest) return undefined;
      base = latest;
    }
    return undefined;
  }

  private announce(record: SingapayPaymentRecord, via: SingapaySettlementSource): void {
    if (!isFinalPaymentState(record.state)) return;
    this.logger.log(`payment key=${hashIdempotencyKey(record.key)} customer=${maskCustomerId(record.customerId)} settled ${record.state} via ${via}`);
    this.settled.next(compactPatch({
      idempotencyKey: record.key,
      transactionId: record.transactionId,
      status: record.state as SingapayPaymentSettlement['status'],
      via,
      payment: toView(record),
    }) as SingapayPaymentSettlement);
  }

  /** What `pay()` gives back for a record. */
  private answer(record: SingapayPaymentRecord): SingapayPaymentResult {
    switch (record.state) {
      case 'success':
      case 'pending': {
        const o = record.outcome;
        return compact({
          idempotencyKey: record.key,
          command: record.command,
          status: record.state,
          responseCode: record.responseCode ?? (record.state === 'success' ? '00' : '01'),
          transactionId: record.transactionId ?? o?.transactionId ?? '',
          customerId: record.customerId,
          customerName: o?.customerName,
          amount: o?.amount ?? 0,
          price: o?.price ?? 0,
          period: o?.period,
          token: o?.token,
          createdAt: o?.createdAt ?? new Date(record.createdAt).toISOString(),
          raw: o?.raw ?? {},
        }) as SingapayPaymentResult;
      }
      case 'unknown':
      case 'sending':
        return compact({
          idempotencyKey: record.key,
          command: record.command,
          status: 'unknown' as const,
          responseCode: record.responseCode,
          transactionId: record.transactionId,
          customerId: record.customerId,
          reason: record.failure?.message ?? 'No trustworthy answer came from Singapay; the payment may have gone through',
        }) as SingapayPaymentResult;
      default:
        throw this.failureException(record);
    }
  }

  private failureException(record: SingapayPaymentRecord): SingapayException {
    const f = record.failure;
    if (record.state === 'failed' && f?.reason === 'rejected') {
      return createSingapayException({ code: f.code, type: f.type, httpStatus: f.httpStatus, message: f.message, operation: 'pay', delivery: 'received' });
    }
    const refunded = record.state === 'refunded';
    return new SingapayPaymentFailedException({
      code: refunded ? '50' : (f?.code ?? null),
      type: refunded ? 'payment_refunded' : 'payment_failed',
      httpStatus: 409,
      message: refunded
        ? 'The payment recorded under this idempotency key was refunded; pay again under a new key'
        : `The payment recorded under this idempotency key failed (${f?.reason ?? 'failed'}): ${f?.message ?? 'no detail'}; pay again under a new key`,
      operation: 'pay',
      delivery: 'received',
    });
  }

  private conflict(record: SingapayPaymentRecord): SingapayException {
    return new SingapayIdempotencyConflictException({
      code: null,
      type: 'idempotency_conflict',
      httpStatus: 409,
      message: `This idempotency key was already used for a different payment (${record.command} ${record.productCode}); nothing was sent. Use a new key for a new payment.`,
      operation: 'pay',
      delivery: 'not_sent',
    });
  }

  // How long a sender's claim holds before others presume it dead. A takeover never resends,
  // it only looks the payment up, so a claim that runs out early costs a lookup, not money.
  private leaseMs(call?: SingapayCallOptions): number {
    const perRequest = call?.timeoutMs ?? this.options.timeoutMs;
    return perRequest * (this.options.retry.maxAttempts + 1) + this.options.retry.deadlineMs + 1_000;
  }

  private async guardStore<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof SingapayException) throw error;
      this.logger.error(`payment store could not ${what}: ${(error as Error)?.name ?? 'error'}`);
      throw new SingapayPaymentStoreException({
        code: null,
        type: 'payment_store_unavailable',
        httpStatus: 503,
        message: `The payment store could not ${what}; the payment was not sent`,
        operation: 'pay',
        delivery: 'not_sent',
      });
    }
  }
}

/** The request's identity: what must match for a key to be the same payment. */
export function hashPaymentRequest(req: Pick<SingapayPayRequest, 'command' | 'productCode' | 'customerId' | 'referenceNumber' | 'phoneNumber'>): string {
  const identity = [req.command, req.productCode, req.customerId, req.referenceNumber ?? '', req.phoneNumber ?? ''];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

function next(record: SingapayPaymentRecord, now: number, patch: Partial<SingapayPaymentRecord>): SingapayPaymentRecord {
  const merged: SingapayPaymentRecord = { ...record, ...patch, updatedAt: now, version: record.version + 1 };
  if (patch.state && isFinalPaymentState(patch.state) && !isFinalPaymentState(record.state)) merged.settledAt = now;
  return compactRecord(merged);
}

function compactRecord(record: SingapayPaymentRecord): SingapayPaymentRecord {
  for (const key of Object.keys(record) as (keyof SingapayPaymentRecord)[]) if (record[key] === undefined) delete record[key];
  return record;
}

// Keeps keys whose value is undefined out of a patch, except those meant to clear a field.
function compactPatch<T extends Record<string, unknown>>(patch: T): T {
  const out = { ...patch };
  for (const key of Object.keys(out)) {
    if (out[key] === undefined && !['owner', 'leaseUntil', 'failure'].includes(key)) delete out[key];
  }
  return out;
}

function failureOf(error: SingapayException, reason: SingapayPaymentFailure['reason']): SingapayPaymentFailure {
  return { reason, code: error.responseCode, type: error.responseType, httpStatus: error.getStatus(), message: error.message };
}

function transactionIdIn(raw: unknown): string | undefined {
  const id = asRecord(asRecord(raw)?.data)?.transaction_id;
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

function toView(record: SingapayPaymentRecord): SingapayPayment {
  const o = record.outcome;
  return compact({
    idempotencyKey: record.key,
    state: record.state,
    command: record.command,
    productCode: record.productCode,
    customerId: record.customerId,
    referenceNumber: record.referenceNumber,
    transactionId: record.transactionId,
    responseCode: record.responseCode,
    amount: o?.amount,
    price: o?.price,
    customerName: o?.customerName,
    period: o?.period,
    token: o?.token,
    failure: record.state === 'failed' ? record.failure : undefined,
    sendCount: record.sendCount,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    settledAt: record.settledAt ? new Date(record.settledAt).toISOString() : undefined,
  }) as SingapayPayment;
}
