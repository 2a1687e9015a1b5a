import { Controller, Get } from '@nestjs/common';
import { SingapayService, type SingapayBalance } from '@app/singapay';

@Controller('balance')
export class BalanceController {
  constructor(private readonly singapay: SingapayService) {}

  /** The deposit balance at Singapay. */
  @Get()
  balance(): Promise<SingapayBalance> {
    return this.singapay.checkBalance();
  }
}
