import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  SINGAPAY_COMMAND_NAMES,
  SINGAPAY_DATE_PATTERN,
  SINGAPAY_FIELD_LIMITS,
  SINGAPAY_ID_PATTERNS,
  SINGAPAY_INQUIRY_COMMANDS,
  SINGAPAY_TRANSACTION_STATUSES,
  type SingapayCommand,
  type SingapayTransactionStatus,
} from '../../contract/singapay-api.contract.js';

/**
 * A string field matching `pattern`, its message naming the field (`$property`). The rules are
 * added in the order stacked decorators add them (the last first), which orders a 400's messages.
 */
function text(pattern: RegExp, message: string, maxLength?: number): PropertyDecorator {
  return (target, key) => {
    Matches(pattern, { message: `$property ${message}` })(target, key);
    if (maxLength !== undefined) MaxLength(maxLength)(target, key);
    IsString()(target, key);
  };
}

// Identifiers end up in JSON bodies and log lines; a narrow alphabet keeps
// path tricks, injection and invisible characters out before anything is sent.
const IsCode = () => text(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"');
const IsCustomerId = () => text(/^\+?[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');
const id = ({ pattern, says }: (typeof SINGAPAY_ID_PATTERNS)[keyof typeof SINGAPAY_ID_PATTERNS]) => text(pattern, `must be ${says}`);
const IsReference = () => id(SINGAPAY_ID_PATTERNS.referenceNumber);
const IsTransactionId = () => id(SINGAPAY_ID_PATTERNS.transactionId);
const IsIdempotencyKey = () => text(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters');
const IsDate = () => text(SINGAPAY_DATE_PATTERN, 'must be a date YYYY-MM-DD');
const IsPhoneNumber = () =>
  text(/^\+?\d{1,24}$/, 'must contain digits only (an optional leading +)', SINGAPAY_FIELD_LIMITS.phoneNumberMaxLength);
// Control characters are exactly what this pattern exists to refuse.
// eslint-disable-next-line no-control-regex
const IsFreeText = () => text(/^[^\u0000-\u001f\u007f]{1,100}$/, 'must be 1-100 printable characters');

// Query strings carry numbers as text; convert digits only, so `true` or `1.5` still fail validation.
const digitsToNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;

/** Inquiry: asks Singapay what a customer owes, or confirms a prepaid customer. No money moves. */
export class SingapayInquiryRequest {
  /** Product category: postpaid commands, `plntok` or `topupg`. */
  @IsIn(SINGAPAY_INQUIRY_COMMANDS, { message: `command must be one of: ${SINGAPAY_INQUIRY_COMMANDS.join(', ')}` })
  command!: SingapayCommand;

  /** Singapay product code, e.g. `SPPLNPOS`. */
  @IsCode()
  productCode!: string;

  /** Customer number: meter, bill or phone number, NIK… */
  @IsCustomerId()
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
  @IsPhoneNumber()
  phoneNumber?: string;

  /** Game top-up: game server id (from `getGameTopupParameters`). */
  @IsOptional()
  @IsFreeText()
  serverId?: string;

  /** Game top-up: in-game user name. */
  @IsOptional()
  @IsFreeText()
  username?: string;

  /** Game top-up: platform. */
  @IsOptional()
  @IsFreeText()
  platform?: string;
}

/** Payment: pays an inquired bill or product, or buys airtime/data/vouchers directly. Moves money. */
export class SingapayPayRequest {
  @IsIn(SINGAPAY_COMMAND_NAMES, { message: `command must be one of: ${SINGAPAY_COMMAND_NAMES.join(', ')}` })
  command!: SingapayCommand;

  @IsCode()
  productCode!: string;

  @IsCustomerId()
  customerId!: string;

  /** The `referenceNumber` of the inquiry; required after an inquiry, refused for direct purchases. */
  @IsOptional()
  @IsReference()
  referenceNumber?: string;

  /**
   * Your id for this purchase (an order id). Never sent to Singapay. The same key
   * again returns the recorded outcome instead of paying twice.
   * @default the referenceNumber for purchases with an inquiry; none for direct purchases
   */
  @IsOptional()
  @IsIdempotencyKey()
  idempotencyKey?: string;
}

/** Filters of `listTransactions()`; all optional. */
export class SingapayListTransactionsRequest {
  @IsOptional()
  @IsTransactionId()
  transactionId?: string;

  @IsOptional()
  @IsCustomerId()
  customerId?: string;

  @IsOptional()
  @IsIn(SINGAPAY_TRANSACTION_STATUSES, { message: `status must be one of: ${SINGAPAY_TRANSACTION_STATUSES.join(', ')}` })
  status?: SingapayTransactionStatus;

  /** `YYYY-MM-DD`; needs `endDate`. */
  @IsOptional()
  @IsDate()
  startDate?: string;

  /** `YYYY-MM-DD`; needs `startDate`. */
  @IsOptional()
  @IsDate()
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
  @IsTransactionId()
  transactionId!: string;
}

/** An idempotency key to look a payment up by: refused at the edge, before any store is asked. */
export class SingapayIdempotencyKeyRequest {
  @IsIdempotencyKey()
  idempotencyKey!: string;
}

/** A game category code, for `getGameTopupParameters()`. */
export class SingapayGameCategoryRequest {
  @IsCode()
  categoryCode!: string;
}
