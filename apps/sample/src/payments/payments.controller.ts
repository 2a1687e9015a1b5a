import { Controller, Get, Param } from '@nestjs/common';
import { SingapayService, type SingapayPayment } from '@app/singapay';

@Controller('payments')
export class PaymentsController {
  constructor(private readonly singapay: SingapayService) {}

  /** The payment recorded under an idempotency key, looked up at Singapay while pending or unknown. */
  @Get(':key')
  get(@Param('key') key: string): Promise<SingapayPayment> {
    return this.singapay.getPayment(key);
  }
}
