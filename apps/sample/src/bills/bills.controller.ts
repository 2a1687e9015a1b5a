import { BadRequestException, Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import {
  SingapayInquiryRequest,
  SingapayPayRequest,
  SingapayService,
  type SingapayInquiryResult,
  type SingapayPaymentResult,
} from '@app/singapay';

@Controller('bills')
export class BillsController {
  constructor(private readonly singapay: SingapayService) {}

  /** What the customer owes; returns the referenceNumber to pay. */
  @Post('inquiry')
  @HttpCode(200)
  inquiry(@Body() body: SingapayInquiryRequest): Promise<SingapayInquiryResult> {
    return this.singapay.inquiry(body);
  }

  /**
   * Pays an inquired bill, or buys airtime/data directly. Send your order id as
   * `Idempotency-Key`: repeating the request then returns the same payment.
   * 200 when paid; 202 when pending or unknown (follow it at GET /payments/:key).
   */
  @Post('pay')
  @HttpCode(200)
  async pay(
    @Body() body: SingapayPayRequest,
    @Headers('idempotency-key') header: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SingapayPaymentResult> {
    if (header !== undefined && body.idempotencyKey !== undefined && header !== body.idempotencyKey) {
      throw new BadRequestException('Idempotency-Key header and idempotencyKey field differ');
    }
    const result = await this.singapay.pay({ ...body, ...(header !== undefined ? { idempotencyKey: header } : {}) });
    if (result.status !== 'success') res.status(202);
    return result;
  }
}
