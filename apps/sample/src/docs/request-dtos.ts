import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  SINGAPAY_COMMAND_NAMES,
  SINGAPAY_INQUIRY_COMMANDS,
  SINGAPAY_TRANSACTION_STATUSES,
  SingapayInquiryRequest,
  SingapayListTransactionsRequest,
  SingapayPayRequest,
} from '@app/singapay';
import { EXAMPLE_IDEMPOTENCY_KEY, EXAMPLE_REFERENCE, EXAMPLE_TRANSACTION_ID, PLNPOS_CUSTOMER } from './sample-examples.js';

/**
 * The library's request classes carry the validation (class-validator) and
 * must not depend on `@nestjs/swagger`; these sample-side subclasses add only
 * the API docs. Validation is inherited unchanged. The property map is typed
 * against the library class, so a field added there without docs here fails
 * to compile.
 */
function document<T extends object>(dto: abstract new () => T, properties: { [K in keyof Required<T>]: ApiPropertyOptions }): void {
  for (const [name, options] of Object.entries(properties) as [string, ApiPropertyOptions][]) {
    ApiProperty(options)(dto.prototype, name);
  }
}

const productCode: ApiPropertyOptions = {
  type: String,
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  description: "Singapay's product code (e.g. SPPLNPOS, SPPLNTOK, SPTLKMAS10, SPPAMJYA, SPBPJSKS).",
  example: 'SPPLNPOS',
};
const customerId: ApiPropertyOptions = {
  type: String,
  pattern: '^\\+?[A-Za-z0-9._-]{1,64}$',
  description:
    'Meter number, phone number, NIK or account, depending on the product. The simulator picks its behaviour from the last four digits (…9020 not found, …9021 already paid, …9001 stays pending).',
  example: PLNPOS_CUSTOMER,
};
const phoneNumber: ApiPropertyOptions = {
  type: String,
  required: false,
  pattern: '^\\+?\\d{1,24}$',
  description: "Customer's phone number (API v2 postpaid inquiry; the payment takes none).",
  example: '081234567891',
};

/** `POST /bills/inquiry` body. */
export class InquiryRequestDto extends SingapayInquiryRequest {}
document(InquiryRequestDto, {
  command: {
    enum: SINGAPAY_INQUIRY_COMMANDS,
    enumName: 'SingapayInquiryCommand',
    description: 'Product family: the postpaid commands, plntok (PLN prepaid) or topupg (game top-up).',
    example: 'plnpos',
  },
  productCode,
  customerId,
  period: {
    type: Number,
    required: false,
    minimum: 1,
    maximum: 12,
    description: 'Months to pay: bpjsks 1-12; bputk 1, 2, 3, 6 or 12; refused for other commands.',
    example: 3,
  },
  phoneNumber,
  serverId: { type: String, required: false, description: 'Game server (topupg: MLBB, Genshin).', example: '2001' },
  username: {
    type: String,
    required: false,
    description: 'Game account name (topupg, when the product asks for it).',
    example: 'player-one',
  },
  platform: { type: String, required: false, description: 'Game platform (topupg, when the product asks for it).', example: 'android' },
});

/** `POST /bills/pay` body. */
export class PayRequestDto extends SingapayPayRequest {}
document(PayRequestDto, {
  command: {
    enum: SINGAPAY_COMMAND_NAMES,
    enumName: 'SingapayCommand',
    description: 'Product family. pulsa, data and vouchg are direct purchases (no inquiry, no referenceNumber).',
    example: 'plnpos',
  },
  productCode,
  customerId,
  referenceNumber: {
    type: String,
    required: false,
    pattern: '^[A-Za-z0-9_-]{1,128}$',
    description: 'The referenceNumber returned by POST /bills/inquiry: required after an inquiry, refused for direct purchases.',
    example: EXAMPLE_REFERENCE,
  },
  idempotencyKey: {
    type: String,
    required: false,
    pattern: '^[\\x21-\\x7e]{1,255}$',
    description:
      'Your order id, as an alternative to the Idempotency-Key header (both must agree). Default: the referenceNumber; a direct purchase needs one of the two.',
    example: EXAMPLE_IDEMPOTENCY_KEY,
  },
});

/** `GET /transactions` query. */
export class ListTransactionsQueryDto extends SingapayListTransactionsRequest {}
document(ListTransactionsQueryDto, {
  transactionId: { type: String, required: false, description: "Singapay's transaction id.", example: EXAMPLE_TRANSACTION_ID },
  customerId: { ...customerId, required: false },
  status: { enum: SINGAPAY_TRANSACTION_STATUSES, enumName: 'SingapayTransactionStatus', required: false, example: 'success' },
  startDate: { type: String, format: 'date', required: false, description: 'YYYY-MM-DD (WIB day); needs endDate.', example: '2026-11-01' },
  endDate: { type: String, format: 'date', required: false, description: 'YYYY-MM-DD (WIB day); needs startDate.', example: '2026-11-30' },
  page: { type: Number, required: false, minimum: 1, maximum: 100_000, description: 'Page number, from 1.', example: 1 },
});
