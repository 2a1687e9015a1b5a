import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  SINGAPAY_COMMAND_NAMES,
  SINGAPAY_DATE_PATTERN,
  SINGAPAY_FIELD_LIMITS,
  SINGAPAY_INQUIRY_COMMANDS,
  SINGAPAY_TRANSACTION_STATUSES,
  type SingapayCommand,
  type SingapayTransactionStatus,
} from '../../contract/singapay-api.contract.js';

// Identifiers end up in JSON bodies and log lines; a narrow alphabet keeps
// path tricks, injection and invisible characters out before anything is sent.
const CODE = /^[A-Za-z0-9_-]{1,64}$/;
const CUSTOMER_ID = /^\+?[A-Za-z0-9._-]{1,64}$/;
const REFERENCE = /^[A-Za-z0-9_-]{1,128}$/;
const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
// Control characters are exactly what this pattern exists to refuse.
// eslint-disable-next-line no-control-regex
const FREE_TEXT = /^[^\u0000-\u001f\u007f]{1,100}$/;

// Query strings carry numbers as text; convert digits only, so `true` or `1.5` still fail validation.
const digitsToNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** Inquiry: asks Singapay what a customer owes, or confirms a prepaid customer. No money moves. */
export class SingapayInquiryRequest {
  /** Product category: postpaid commands, `plntok` or `topupg`. */
  @IsIn(SINGAPAY_INQUIRY_COMMANDS, { message: `command must be one of: ${SINGAPAY_INQUIRY_COMMANDS.join(', ')}` })
  command!: SingapayCommand;

  /** Singapay product code, e.g. `SPPLNPOS`. */
  @IsString()
  @Matches(CODE, { message: 'productCode must be 1-64 letters, digits, "_" or "-"' })
  productCode!: string;

  /** Customer number: meter, bill or phone number, NIK… */
  @IsString()
  @Matches(CUSTOMER_ID, { message: 'customerId must be 1-64 letters, digits, ".", "_" or "-"' })
  customerId!: string;

  /** Months to pay (BPJS); sent as an integer. */
  @IsOptional()
  @Transform(digitsToNumber)
  @IsInt({ message: 'period must be an integer number of months' })
  @Min(1)
  @Max(12)
  period?: number;

  /** Customer's phone number (v2 postpaid). */
  @IsOptional()
  @IsString()
  @MaxLength(SINGAPAY_FIELD_LIMITS.phoneNumberMaxLength)
  @Matches(/^\+?\d{1,24}$/, { message: 'phoneNumber must contain digits only (an optional leading +)' })
  phoneNumber?: string;

  /** Game top-up: game server id (from `getGameTopupParameters`). */
  @IsOptional()
  @IsString()
  @Matches(FREE_TEXT, { message: 'serverId must be 1-100 printable characters' })
  serverId?: string;

  /** Game top-up: in-game user name. */
  @IsOptional()
  @IsString()
  @Matches(FREE_TEXT, { message: 'username must be 1-100 printable characters' })
  username?: string;

  /** Game top-up: platform. */
  @IsOptional()
  @IsString()
  @Matches(FREE_TEXT, { message: 'platform must be 1-100 printable characters' })
  platform?: string;
}

/** Payment: pays an inquired bill or product, or buys airtime/data/vouchers directly. Moves money. */
export class SingapayPayRequest {
  @IsIn(SINGAPAY_COMMAND_NAMES, { message: `command must be one of: ${SINGAPAY_COMMAND_NAMES.join(', ')}` })
  command!: SingapayCommand;

  @IsString()
  @Matches(CODE, { message: 'productCode must be 1-64 letters, digits, "_" or "-"' })
  productCode!: string;

  @IsString()
  @Matches(CUSTOMER_ID, { message: 'customerId must be 1-64 letters, digits, ".", "_" or "-"' })
  customerId!: string;

  /** The `referenceNumber` of the inquiry; required after an inquiry, refused for direct purchases. */
  @IsOptional()
  @IsString()
  @Matches(REFERENCE, { message: 'referenceNumber must be 1-128 letters, digits, "_" or "-"' })
  referenceNumber?: string;

  /** Customer's phone number (v2 postpaid). */
  @IsOptional()
  @IsString()
  @MaxLength(SINGAPAY_FIELD_LIMITS.phoneNumberMaxLength)
  @Matches(/^\+?\d{1,24}$/, { message: 'phoneNumber must contain digits only (an optional leading +)' })
  phoneNumber?: string;

  /**
   * Your id for this purchase (an order id). Never sent to Singapay. The same key
   * again returns the recorded outcome instead of paying twice.
   * @default the referenceNumber for purchases with an inquiry; none for direct purchases
   */
  @IsOptional()
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: 'idempotencyKey must be 1-255 visible ASCII characters' })
  idempotencyKey?: string;
}

/** Filters of `listTransactions()`; all optional. */
export class SingapayListTransactionsRequest {
  @IsOptional()
  @IsString()
  @Matches(TRANSACTION_ID, { message: 'transactionId must be 1-64 letters, digits, "_" or "-"' })
  transactionId?: string;

  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID, { message: 'customerId must be 1-64 letters, digits, ".", "_" or "-"' })
  customerId?: string;

  @IsOptional()
  @IsIn(SINGAPAY_TRANSACTION_STATUSES, { message: `status must be one of: ${SINGAPAY_TRANSACTION_STATUSES.join(', ')}` })
  status?: SingapayTransactionStatus;

  /** `YYYY-MM-DD`; needs `endDate`. */
  @IsOptional()
  @IsString()
  @Matches(SINGAPAY_DATE_PATTERN, { message: 'startDate must be a date YYYY-MM-DD' })
  startDate?: string;

  /** `YYYY-MM-DD`; needs `startDate`. */
  @IsOptional()
  @IsString()
  @Matches(SINGAPAY_DATE_PATTERN, { message: 'endDate must be a date YYYY-MM-DD' })
  endDate?: string;

  @IsOptional()
  @Transform(digitsToNumber)
  @IsInt({ message: 'page must be an integer' })
  @Min(1)
  @Max(100_000)
  page?: number;
}

/** A transaction id, as a DTO so that the same validation serves route params. */
export class SingapayTransactionIdRequest {
  @IsString()
  @Matches(TRANSACTION_ID, { message: 'transactionId must be 1-64 letters, digits, "_" or "-"' })
  transactionId!: string;
}

/** An idempotency key to look a payment up by: refused at the edge, before any store is asked. */
export class SingapayIdempotencyKeyRequest {
  @IsString()
  @Matches(IDEMPOTENCY_KEY, { message: 'idempotencyKey must be 1-255 visible ASCII characters' })
  idempotencyKey!: string;
}

/** A game category code, for `getGameTopupParameters()`. */
export class SingapayGameCategoryRequest {
  @IsString()
  @Matches(CODE, { message: 'categoryCode must be 1-64 letters, digits, "_" or "-"' })
  categoryCode!: string;
}
