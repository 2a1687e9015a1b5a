import { SingapayException } from '../errors/singapay.exception.js';

/** The idempotency key was used before for a different request; nothing was sent. */
export class SingapayIdempotencyConflictException extends SingapayException {}

/**
 * The payment recorded under this key failed or was refunded after Singapay
 * accepted it (or never appeared at Singapay). No money is held; pay again under a new key.
 */
export class SingapayPaymentFailedException extends SingapayException {}

/** The payment record could not be written, so the payment was not sent. */
export class SingapayPaymentStoreException extends SingapayException {}
