/*
 * `nestjs-singapay/stores`: what a payment or token store is, for an app that writes its own or
 * reads records directly. Each interface is also the `Symbol` token it is injected by. The
 * Redis and PostgreSQL stores are entries of their own (`nestjs-singapay/redis`, `/postgres`).
 */
export { SingapayTokenStore, type SingapayStoredToken } from '../auth/singapay-token-store.interface.js';
export { SingapayInMemoryTokenStore } from '../auth/singapay-in-memory-token.store.js';
export {
  SingapayPaymentStore,
  SingapayPaymentStoreError,
  SingapayPaymentStoreLostError,
} from '../payments/singapay-payment-store.interface.js';
export type { SingapayPaymentRecordCursor, SingapayPaymentStoreIntegrity } from '../payments/singapay-payment-store.interface.js';
export { SingapayInMemoryPaymentStore } from '../payments/singapay-in-memory-payment.store.js';
export { isSettledPaymentRecord, SINGAPAY_FINAL_PAYMENT_STATES } from '../payments/singapay-payment-record.js';
export type {
  SingapayPaymentRecord,
  SingapayPaymentEvidence,
  SingapayPaymentFailure,
  SingapayPaymentFailureReason,
  SingapayPaymentOutcome,
} from '../payments/singapay-payment-record.js';
