/*
 * The public API of nestjs-singapay: what an app imports, and nothing it should
 * not depend on. `test/public-api.spec.ts` pins this list; a change to it is a
 * change of the package's contract.
 */

// The module, its options and its injection helpers.
export { SingapayModule } from './singapay.module.js';
export type { SingapayModuleExtras, SingapayOptionsFactory } from './singapay.module-definition.js';
export type { SingapayModuleOptions } from './singapay-module-options.interface.js';
export { SingapayConfigurationError } from './config/singapay-options.validation.js';
export { singapayConfig, SINGAPAY_ENV_VARS } from './config/singapay.config.js';
export { getSingapayToken, InjectSingapay } from './singapay.tokens.js';
export { SINGAPAY_CLOCK } from './singapay.constants.js';
export type { SingapayClock } from './singapay.constants.js';
export type { SingapayRetryOptions } from './config/singapay-module-options.interface.js';

// The service, its inputs and its answers.
export { SingapayService } from './service/singapay.service.js';
// The access token, for an endpoint the module does not wrap (see the README).
export { SingapayTokenProvider } from './auth/singapay-token.provider.js';
export { SingapayAuthService } from './auth/singapay-auth.service.js';
export type { SingapayAccessToken } from './auth/singapay-auth.service.js';
export {
  SingapayInquiryRequest,
  SingapayPayRequest,
  SingapayListTransactionsRequest,
  SingapayTransactionIdRequest,
  SingapayGameCategoryRequest,
} from './service/dto/singapay-requests.dto.js';
export type { SingapayCallOptions } from './http/singapay-transport.js';
export { SingapayInputShapePipe } from './service/singapay-input-shape.pipe.js';
export type { SingapayInputShapeLimits } from './service/singapay-input-shape.pipe.js';
export type {
  SingapayBalance,
  SingapayInquiryResult,
  SingapayTransaction,
  SingapayTransactionPage,
  SingapayPagination,
  SingapayProduct,
  SingapayGameTopupParameters,
  SingapayResetResult,
} from './biller/singapay-biller.types.js';
export type {
  SingapayPaymentResult,
  SingapayAcceptedPayment,
  SingapayUnknownPayment,
  SingapayPayment,
  SingapayPaymentSettlement,
  SingapayTokenDelivery,
  SingapaySettlementSource,
  SingapayWaitOptions,
} from './payments/singapay-payment.types.js';

// What Singapay's API is, as far as the module relies on it.
export { SINGAPAY_COMMAND_NAMES, SINGAPAY_INQUIRY_COMMANDS, SINGAPAY_TRANSACTION_STATUSES } from './contract/singapay-api.contract.js';
export type {
  SingapayCommand,
  SingapayEnvironment,
  SingapayApiVersion,
  SingapayTransactionStatus,
} from './contract/singapay-api.contract.js';

// Failures: the one code table and the exceptions.
export { SINGAPAY_RESPONSE_CODES, singapayResponseCodeInfo } from './errors/singapay-response-codes.js';
export type { SingapayResponseCodeInfo, SingapayResponseType } from './errors/singapay-response-codes.js';
export {
  SingapayException,
  SingapayValidationException,
  SingapayNotFoundException,
  SingapayCustomerNotFoundException,
  SingapayBillAlreadyPaidException,
  SingapayInsufficientBalanceException,
  SingapayAuthenticationException,
  SingapayTransportException,
  SingapayMalformedResponseException,
  SingapayTimeoutException,
} from './errors/singapay.exception.js';
export type {
  SingapayDelivery,
  SingapayExceptionResponse,
  SingapayExceptionType,
  SingapayFailureCause,
} from './errors/singapay.exception.js';
export {
  SingapayIdempotencyConflictException,
  SingapayPaymentFailedException,
  SingapayPaymentStoreException,
} from './payments/singapay-payment.exception.js';

// OpenTelemetry: the names of the module's spans, metrics and attributes, for dashboards and views.
export { SINGAPAY_TELEMETRY_NAMES } from './telemetry/singapay-telemetry.names.js';

// Callbacks, for apps that mount the receiver in a controller of their own.
export { SingapayCallbackReceiver } from './callbacks/singapay-callback.receiver.js';
export type { SingapayCallbackAck } from './callbacks/singapay-callback.receiver.js';

// Payment states, as `getPayment()` and the settlement stream give them.
export { isFinalPaymentState } from './payments/singapay-payment-record.js';
export type { SingapayPaymentState } from './payments/singapay-payment-record.js';

// Entries of their own: `nestjs-singapay/stores` (the store interfaces, the in-memory stores, what a
// record keeps), `/redis`, `/postgres`, `/reconciliation` (the daily report's types and formats),
// `/health` and `/simulator`.
