import { Body, Controller, HttpCode, Post } from '@nestjs/common';
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

  /** Pays an inquired bill, or buys airtime/data directly. */
  @Post('pay')
  @HttpCode(200)
  pay(@Body() body: SingapayPayRequest): Promise<SingapayPaymentResult> {
    return this.singapay.pay(body);
  }
}
