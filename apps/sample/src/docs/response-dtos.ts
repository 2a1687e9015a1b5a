import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { SINGAPAY_COMMAND_NAMES, SINGAPAY_TRANSACTION_STATUSES } from '@app/singapay';
import {
  BALANCE_EXAMPLE,
  EXAMPLE_IDEMPOTENCY_KEY,
  EXAMPLE_REFERENCE,
  EXAMPLE_TRANSACTION_ID,
  INQUIRY_RESULT_EXAMPLE,
  PLNPOS_CUSTOMER,
  TRANSACTION_EXAMPLE,
} from './sample-examples.js';

// Documentation-only shapes of what the library returns (its result types are
// TypeScript interfaces, which leave nothing at run time to document).

const RAW = {
  type: 'object',
  additionalProperties: true,
  description: "Singapay's answer as sent (snake_case, amounts as strings), secrets never included.",
} as const;
const command = { enum: SINGAPAY_COMMAND_NAMES, enumName: 'SingapayCommand', example: 'plnpos' } as const;

export class BalanceDto {
  @ApiProperty({ description: 'Deposit at Singapay, in rupiah (may carry cents).', example: 10_000_000 }) balance!: number;
  @ApiProperty({ example: 'IDR' }) currency!: string;
  @ApiProperty({ ...RAW, example: BALANCE_EXAMPLE.raw }) raw!: Record<string, unknown>;
}

export class InquiryResultDto {
  @ApiProperty(command) command!: string;
  @ApiProperty({ description: 'Pass it to POST /bills/pay.', example: EXAMPLE_REFERENCE }) referenceNumber!: string;
  @ApiProperty({ example: PLNPOS_CUSTOMER }) customerId!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Name on the bill; null when the product has none.', example: 'NARSONO' })
  customerName!: string | null;
  @ApiProperty({ description: 'The bill or product, integer rupiah.', example: 151005 }) amount!: number;
  @ApiProperty({ description: 'What the customer pays: amount plus admin fee (and late fee). Charge this.', example: 152505 })
  price!: number;
  @ApiPropertyOptional({ description: 'Late fee, when Singapay states one.', example: 0 }) lateFee?: number;
  @ApiPropertyOptional({ description: 'Display text; format varies by product.', example: '202403' }) period?: string;
  @ApiProperty({
    format: 'date-time',
    description: "ISO 8601 with the WIB offset; `raw` keeps Singapay's text.",
    example: '2026-11-24T04:10:22.000+07:00',
  })
  createdAt!: string;
  @ApiProperty({ ...RAW, example: INQUIRY_RESULT_EXAMPLE.raw }) raw!: Record<string, unknown>;
}

export class PaymentResultDto {
  @ApiProperty({
    description: 'The key the payment is recorded under: yours, else the referenceNumber, else generated.',
    example: EXAMPLE_IDEMPOTENCY_KEY,
  })
  idempotencyKey!: string;
  @ApiProperty(command) command!: string;
  @ApiProperty({
    enum: ['success', 'pending', 'unknown'],
    description:
      'success (200); pending: accepted, settles later (202); unknown: may have gone through, never pay again, follow GET /payments/{key} (202).',
    example: 'success',
  })
  status!: string;
  @ApiPropertyOptional({ example: '00' }) responseCode?: string;
  @ApiPropertyOptional({ description: "Singapay's transaction id; keep it.", example: EXAMPLE_TRANSACTION_ID }) transactionId?: string;
  @ApiProperty({ example: PLNPOS_CUSTOMER }) customerId!: string;
  @ApiPropertyOptional({ example: 'NARSONO' }) customerName?: string;
  @ApiPropertyOptional({ example: 151005 }) amount?: number;
  @ApiPropertyOptional({ example: 152505 }) price?: number;
  @ApiPropertyOptional({ example: '202403' }) period?: string;
  @ApiPropertyOptional({ description: 'PLN token, when already delivered.', example: '1234-5678-9012-3456-7890' }) token?: string;
  @ApiPropertyOptional({ description: 'plntok only: paid, the token not issued yet; it arrives on GET /payments/{key}.', example: true })
  awaitingToken?: boolean;
  @ApiPropertyOptional({
    description: 'Why the outcome is unknown (status unknown only).',
    example: 'Singapay did not answer pay within 30000 ms',
  })
  reason?: string;
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-24T04:10:22.000+07:00' }) createdAt?: string;
  @ApiPropertyOptional(RAW) raw?: Record<string, unknown>;
}

export class PaymentFailureDto {
  @ApiProperty({ enum: ['rejected', 'not_sent', 'transaction_failed', 'not_found'], example: 'rejected' }) reason!: string;
  @ApiProperty({ type: String, nullable: true, example: '17' }) code!: string | null;
  @ApiProperty({ example: 'insufficient_balance' }) type!: string;
  @ApiProperty({ example: 503 }) httpStatus!: number;
  @ApiProperty({ example: 'Singapay pay failed with code 17 (insufficient_balance): Deposit too low for the operation' }) message!: string;
}

export class PaymentDto {
  @ApiProperty({ example: EXAMPLE_IDEMPOTENCY_KEY }) idempotencyKey!: string;
  @ApiProperty({ enum: ['sending', 'success', 'pending', 'unknown', 'failed', 'refunded'], example: 'success' }) state!: string;
  @ApiProperty(command) command!: string;
  @ApiProperty({ example: 'SPPLNPOS' }) productCode!: string;
  @ApiProperty({ example: PLNPOS_CUSTOMER }) customerId!: string;
  @ApiPropertyOptional({ example: EXAMPLE_REFERENCE }) referenceNumber?: string;
  @ApiPropertyOptional({ example: EXAMPLE_TRANSACTION_ID }) transactionId?: string;
  @ApiPropertyOptional({
    example: '00',
    description: "Where the payment stands: the settlement's code once settled, the failure's when failed, else Singapay's last answer",
  })
  responseCode?: string;
  @ApiPropertyOptional({ example: 'Operation completed successfully' }) responseText?: string;
  @ApiPropertyOptional({ example: 151005 }) amount?: number;
  @ApiPropertyOptional({ example: 152505 }) price?: number;
  @ApiPropertyOptional({ example: 'NARSONO' }) customerName?: string;
  @ApiPropertyOptional({ example: '202403' }) period?: string;
  @ApiPropertyOptional({ example: '1234-5678-9012-3456-7890' }) token?: string;
  @ApiPropertyOptional({ description: 'plntok only: paid, the token not issued yet; it is being looked up.', example: true })
  awaitingToken?: boolean;
  @ApiPropertyOptional({
    type: PaymentFailureDto,
    description: 'Why it failed; on a refunded payment, the failure it had before the refund (its customer was told it failed already)',
  })
  failure?: PaymentFailureDto;
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Until when a payment final only by inference (failure not_found) or awaiting its PLN token is still checked.',
    example: '2026-11-25T04:10:22.669+07:00',
  })
  reviewUntil?: string;
  @ApiProperty({ description: 'Requests that may have reached Singapay: 0 or 1, never more.', example: 1 }) sendCount!: number;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T04:10:22.662+07:00' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-24T04:10:22.684+07:00' }) updatedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-24T04:10:22.669+07:00' }) settledAt?: string;
}

export class ProductCategoryDto {
  @ApiProperty({ example: 'PLNPOS' }) code!: string;
  @ApiProperty({ example: 'PLN Pascabayar' }) name!: string;
}

export class ProductDto {
  @ApiProperty({ example: 'SPPLNPOS' }) code!: string;
  @ApiProperty({ example: 'PLN Pascabayar' }) name!: string;
  @ApiPropertyOptional({ type: ProductCategoryDto }) category?: ProductCategoryDto;
}

export class TransactionDto {
  @ApiProperty({ example: EXAMPLE_TRANSACTION_ID }) transactionId!: string;
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_REFERENCE }) referenceNumber!: string | null;
  @ApiProperty({ example: PLNPOS_CUSTOMER }) customerId!: string;
  @ApiProperty({ enum: ['prepaid', 'postpaid'], example: 'postpaid' }) type!: string;
  @ApiProperty({ enum: SINGAPAY_TRANSACTION_STATUSES, enumName: 'SingapayTransactionStatus', example: 'success' }) status!: string;
  @ApiProperty({ description: 'What your deposit was charged.', example: 152505 }) netPrice!: number;
  @ApiProperty({ example: 151005 }) amount!: number;
  @ApiProperty({ example: 152505 }) price!: number;
  @ApiProperty({ type: ProductDto }) product!: ProductDto;
  @ApiPropertyOptional({ description: 'PLN token or similar, once delivered.', example: '1234-5678-9012-3456-7890' }) token?: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-24T04:10:22.000+07:00' }) inquiredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-24T04:10:22.000+07:00' }) paidAt!: string | null;
  @ApiProperty({
    format: 'date-time',
    description: 'The instant the ULID transaction id encodes.',
    example: '2026-11-24T04:10:22.000+07:00',
  })
  createdAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Product-specific extras (other_info), as sent.', example: {} })
  otherInfo!: unknown;
  @ApiProperty({ ...RAW, example: TRANSACTION_EXAMPLE.raw }) raw!: Record<string, unknown>;
}

export class PaginationDto {
  @ApiProperty({ example: 1 }) currentPage!: number;
  @ApiProperty({ example: 1 }) lastPage!: number;
  @ApiProperty({ example: 10 }) perPage!: number;
  @ApiProperty({ example: 1 }) total!: number;
}

export class TransactionPageDto {
  @ApiProperty({ type: [TransactionDto] }) items!: TransactionDto[];
  @ApiProperty({ type: PaginationDto, nullable: true, description: 'null when Singapay sent no pagination (legacy answer).' })
  pagination!: PaginationDto | null;
  @ApiProperty(RAW) raw!: Record<string, unknown>;
}

export class SingapayErrorInfoDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Singapay's two-digit response code; null for transport failures.",
    example: '20',
  })
  code!: string | null;
  @ApiProperty({
    description: 'customer_not_found, insufficient_balance, timeout, connection_failed, idempotency_conflict, …',
    example: 'customer_not_found',
  })
  type!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: 'Field errors of a code 04 answer.' })
  fields?: Record<string, string>;
}

export class ErrorResponseDto {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'Not Found' }) error!: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What went wrong; a list of field problems for a 400.',
    example:
      'Singapay inquiry failed with code 20 (customer_not_found): Customer number incorrect, blocked or expired - Customer not found',
  })
  message!: string | string[];
  @ApiPropertyOptional({ type: SingapayErrorInfoDto, description: 'Absent on 400s raised by validation.' }) singapay?: SingapayErrorInfoDto;
}

export class SingapayHealthDetailDto {
  @ApiProperty({ enum: ['up', 'degraded', 'down'], example: 'up' }) status!: string;
  @ApiPropertyOptional({
    enum: [
      'low_balance',
      'ip_not_whitelisted',
      'partner_id_refused',
      'client_credentials_refused',
      'credentials_mismatch',
      'permission_denied',
      'unreachable',
      'timeout',
      'singapay_error',
      'unexpected_error',
    ],
    description: 'Why it is degraded or down.',
    example: 'ip_not_whitelisted',
  })
  cause?: string;
  @ApiPropertyOptional({ description: 'What is wrong and what to do; never a secret.' }) message?: string;
  @ApiPropertyOptional({ example: 10_000_000 }) balance?: number;
  @ApiPropertyOptional({ example: 'IDR' }) currency?: string;
  @ApiPropertyOptional({ description: 'Below this deposit the check is degraded.', example: 1_000_000 }) minBalance?: number;
  @ApiPropertyOptional({ type: String, nullable: true, example: '08' }) responseCode?: string | null;
  @ApiPropertyOptional({ example: 'permission_denied' }) responseType?: string;
  @ApiPropertyOptional({ description: "The library's exception message (secrets scrubbed)." }) detail?: string;
  @ApiProperty({ format: 'date-time', description: 'When Singapay was last asked (results are cached briefly).' }) checkedAt!: string;
  @ApiProperty({ example: 12 }) responseTimeMs!: number;
  @ApiPropertyOptional({ description: 'true when served from the cache.', example: true }) cachedResponse?: boolean;
}

const healthMap = {
  type: 'object',
  additionalProperties: { $ref: getSchemaPath(SingapayHealthDetailDto) },
  description: 'Keyed by indicator (singapay).',
} as const;

export class HealthResultDto {
  @ApiProperty({ enum: ['ok', 'degraded', 'error', 'shutting_down'], example: 'ok' }) status!: string;
  @ApiProperty(healthMap) info!: Record<string, SingapayHealthDetailDto>;
  @ApiProperty(healthMap) error!: Record<string, SingapayHealthDetailDto>;
  @ApiProperty(healthMap) details!: Record<string, SingapayHealthDetailDto>;
}
