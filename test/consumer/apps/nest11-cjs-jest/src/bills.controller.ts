import { Body, Controller, Get, Headers, Post } from '@nestjs/common';
import { SingapayBalance, SingapayInquiryRequest, SingapayPaymentResult, SingapayService } from 'nestjs-singapay';

@Controller('bills')
export class BillsController {
  constructor(private readonly singapay: SingapayService) {}

  @Get('balance')
  balance(): Promise<SingapayBalance> {
    return this.singapay.checkBalance();
  }

  /** Inquiry, then payment of what the inquiry found, under the caller's order id. */
  @Post('pay')
  async pay(@Body() body: SingapayInquiryRequest, @Headers('idempotency-key') orderId: string): Promise<SingapayPaymentResult> {
    const bill = await this.singapay.inquiry(body);
    const { command, productCode, customerId } = body;
    return this.singapay.pay({ command, productCode, customerId, referenceNumber: bill.referenceNumber, idempotencyKey: orderId });
  }
}
