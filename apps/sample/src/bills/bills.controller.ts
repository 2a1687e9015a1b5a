import { BadRequestException, Body, Controller, Headers, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SampleApiKeyProtected, SampleJsonOnlyGuard } from '../auth/sample-guards.js';
import type { Response } from 'express';
import { SINGAPAY_INQUIRY_COMMANDS, SingapayService, type SingapayInquiryResult, type SingapayPaymentResult } from '@app/singapay';
import { ApiErrors, UPSTREAM_ERRORS } from '../docs/api-responses.js';
import { InquiryRequestDto, PayRequestDto } from '../docs/request-dtos.js';
import { InquiryResultDto, PaymentResultDto } from '../docs/response-dtos.js';
import {
  EXAMPLE_IDEMPOTENCY_KEY,
  INQUIRY_EXAMPLES,
  INQUIRY_RESULT_EXAMPLE,
  PAY_EXAMPLES,
  PAYMENT_PENDING_EXAMPLE,
  PAYMENT_SUCCESS_EXAMPLE,
  PAYMENT_UNKNOWN_EXAMPLE,
} from '../docs/sample-examples.js';

const INQUIRY_COMMANDS: ReadonlySet<string> = new Set(SINGAPAY_INQUIRY_COMMANDS);

@ApiTags('bills')
@Controller('bills')
@SampleApiKeyProtected()
@UseGuards(SampleJsonOnlyGuard)
export class BillsController {
  constructor(private readonly singapay: SingapayService) {}

  /** What the customer owes; returns the referenceNumber to pay. */
  @Post('inquiry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Inquire a bill or confirm a prepaid customer',
    description:
      'Asks Singapay what the customer owes (postpaid) or confirms the customer (plntok, topupg). No money moves. Pay the returned referenceNumber with POST /bills/pay.',
  })
  @ApiBody({ type: InquiryRequestDto, examples: INQUIRY_EXAMPLES })
  @ApiOkResponse({ type: InquiryResultDto, description: 'What the customer owes; charge price.', example: INQUIRY_RESULT_EXAMPLE })
  @ApiErrors({
    400: ['validation'],
    404: ['customerNotFound'],
    409: ['billAlreadyPaid'],
    415: ['unsupportedMediaType'],
    ...UPSTREAM_ERRORS,
  })
  inquiry(@Body() body: InquiryRequestDto): Promise<SingapayInquiryResult> {
    return this.singapay.inquiry(body);
  }

  /**
   * Pays an inquired bill, or buys airtime/data directly. Send your order id as
   * `Idempotency-Key` (required for a direct purchase): repeating the request then returns the same payment.
   * 200 when paid; 202 when pending or unknown (follow it at GET /payments/:key).
   */
  @Post('pay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pay a bill or buy a product (moves money)',
    description:
      'Pays the referenceNumber of an inquiry, or buys pulsa/data/vouchg directly. Recorded under the Idempotency-Key before it is sent: the same key again returns the recorded outcome and sends nothing. 200 when paid; 202 when pending or unknown: never pay again, follow it at GET /payments/{key}.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Your order id (1-255 visible ASCII characters). Required for direct purchases (pulsa, data, vouchg): 400 without it, since a retried request would buy twice. Default for a bill: its referenceNumber. Must equal idempotencyKey in the body if both are sent.',
    example: EXAMPLE_IDEMPOTENCY_KEY,
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
  })
  @ApiBody({ type: PayRequestDto, examples: PAY_EXAMPLES })
  @ApiOkResponse({ type: PaymentResultDto, description: 'Paid (status success).', example: PAYMENT_SUCCESS_EXAMPLE })
  @ApiAcceptedResponse({
    type: PaymentResultDto,
    description:
      'Accepted but not final: pending (settles later) or unknown (may have gone through; do NOT pay again). Follow it at GET /payments/{key}.',
    examples: {
      pending: { summary: 'Direct purchase, settles later', value: PAYMENT_PENDING_EXAMPLE },
      unknown: { summary: 'No trustworthy answer: look it up, never resend', value: PAYMENT_UNKNOWN_EXAMPLE },
    },
  })
  @ApiErrors({
    400: ['validation'],
    404: ['transactionNotFound', 'customerNotFound'],
    409: ['idempotencyConflict', 'billAlreadyPaid'],
    415: ['unsupportedMediaType'],
    ...UPSTREAM_ERRORS,
  })
  async pay(
    @Body() body: PayRequestDto,
    @Headers('idempotency-key') header: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SingapayPaymentResult> {
    if (header !== undefined && body.idempotencyKey !== undefined && header !== body.idempotencyKey) {
      throw new BadRequestException('Idempotency-Key header and idempotencyKey field differ');
    }
    // A payment after an inquiry is keyed by its referenceNumber; a direct purchase has nothing of the
    // kind, and a client that retries one after a timeout would buy twice under two generated keys.
    if (header === undefined && body.idempotencyKey === undefined && !INQUIRY_COMMANDS.has(body.command)) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: [
          `Idempotency-Key header (or idempotencyKey) is required for a direct purchase (${body.command}): your order id, so that a retried request returns this payment instead of buying again`,
        ],
      });
    }
    const result = await this.singapay.pay({ ...body, ...(header !== undefined ? { idempotencyKey: header } : {}) });
    if (result.status !== 'success') res.status(202);
    return result;
  }
}
