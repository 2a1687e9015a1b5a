import { SINGAPAY_COMMANDS } from '../contract/singapay-api.contract.js';
import { createSingapayException, SingapayException, type SingapayExceptionInit } from '../errors/singapay.exception.js';
import type { SingapayPaymentRecord } from './singapay-payment-record.js';
import type { SingapayPaymentStoreLostError } from './singapay-payment-store.interface.js';

/** Where a store failure happened: before the payment left, nothing did; after, it may have. */
export type SingapayStorePhase = 'before_send' | 'after_send';

/** The idempotency key was used before for a different request; nothing was sent. */
export class SingapayIdempotencyConflictException extends SingapayException {
  static forRecord(record: Pick<SingapayPaymentRecord, 'command' | 'productCode'>): SingapayIdempotencyConflictException {
    return new SingapayIdempotencyConflictException({
      code: null,
      type: 'idempotency_conflict',
      httpStatus: 409,
      message: `This idempotency key was already used for a different payment (${record.command} ${record.productCode}); nothing was sent. Use a new key for a new payment.`,
      operation: 'pay',
      delivery: 'not_sent',
    });
  }
}

/**
 * The payment recorded under this key failed, was refunded, or was concluded missing
 * after Singapay's list showed no trace of it. `safeToRepeat` says whether paying
 * again can buy twice (see the README's payment states).
 */
export class SingapayPaymentFailedException extends SingapayException {
  /**
   * Whether a new payment for the same thing cannot double a purchase: true when Singapay
   * itself said the transaction failed or was refunded, or when Singapay refuses a
   * postpaid bill paid twice. False after a `not_found` conclusion for purchases that can
   * be bought again (PLN tokens, airtime, data, games): check before buying again.
   */
  readonly safeToRepeat: boolean;

  private constructor(init: Pick<SingapayExceptionInit, 'code' | 'type' | 'message' | 'delivery'>, safeToRepeat: boolean) {
    super({ ...init, httpStatus: 409, operation: 'pay' });
    this.safeToRepeat = safeToRepeat;
  }

  static forRecord(record: SingapayPaymentRecord): SingapayException {
    const f = record.failure;
    if ((record.state === 'failed' || record.state === 'refunded') && f?.reason === 'rejected') {
      // Refused by code: the same exception the first caller got, also once Singapay refunded what the refusal drew.
      const { code, type, httpStatus, message } = f;
      return createSingapayException({ code, type, httpStatus, message, operation: 'pay', delivery: 'received' });
    }
    if (record.state === 'refunded') {
      const message = 'The payment recorded under this idempotency key was refunded; pay again under a new key';
      return new SingapayPaymentFailedException({ code: '50', type: 'payment_refunded', message, delivery: 'received' }, true);
    }
    if (f?.reason === 'not_found') {
      // A bill paid twice is refused by Singapay (code 21); a token, airtime or a game top-up is simply bought again.
      const billed = SINGAPAY_COMMANDS[record.command].family === 'postpaid';
      const message = billed
        ? `${f.message}. Paying the bill again under a new key is safe: Singapay refuses a bill that is already paid`
        : `${f.message}. Buying again could buy twice if Singapay's list was late: check the Singapay dashboard or your balance first; this module keeps checking and announces it on settlements$ if Singapay reports it`;
      return new SingapayPaymentFailedException({ code: f.code, type: 'payment_not_found', message, delivery: 'maybe_sent' }, billed);
    }
    const message = `The payment recorded under this idempotency key failed (${f?.reason ?? 'failed'}): ${f?.message ?? 'no detail'}; pay again under a new key`;
    return new SingapayPaymentFailedException({ code: f?.code ?? null, type: 'payment_failed', message, delivery: 'received' }, true);
  }
}

/** What every store failure is, and what it says of the payment by the phase it happened in. */
const STORE_FAILURE = { code: null, type: 'payment_store_unavailable', httpStatus: 503, operation: 'pay' } as const;
const STORE_DELIVERY = { before_send: 'not_sent', after_send: 'maybe_sent' } as const;

/** The payment record could not be read or written. `delivery` says whether the payment may have left. */
export class SingapayPaymentStoreException extends SingapayException {
  static unavailable(what: string, phase: SingapayStorePhase): SingapayPaymentStoreException {
    const message =
      phase === 'before_send'
        ? `The payment store could not ${what}; the payment was not sent`
        : `The payment store could not ${what}; the payment may have been sent, look it up with getPayment() once the store is back`;
    return new SingapayPaymentStoreException({ ...STORE_FAILURE, message, delivery: STORE_DELIVERY[phase] });
  }

  /** The store has lost records: payments stop, in every process that shares it, until an operator resumes them. */
  static lost(error: SingapayPaymentStoreLostError, phase: SingapayStorePhase): SingapayPaymentStoreException {
    const message =
      `Payments are stopped: ${error.message}, so an idempotency key it no longer knows may have been paid already. ` +
      (phase === 'before_send'
        ? 'Nothing was sent by this call. '
        : 'This payment may have been sent: look it up with getPayment() or in the Singapay dashboard. ') +
      'Once the orders paid since the last good state are checked, an operator resumes payments with: npx singapay ledger resume';
    return new SingapayPaymentStoreException({ ...STORE_FAILURE, message, delivery: STORE_DELIVERY[phase] });
  }
}
