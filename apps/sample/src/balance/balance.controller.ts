import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SingapayService, type SingapayBalance } from '@app/singapay';
import { ApiErrors, UPSTREAM_ERRORS } from '../docs/api-responses.js';
import { BalanceDto } from '../docs/response-dtos.js';
import { BALANCE_EXAMPLE } from '../docs/sample-examples.js';
import { SampleApiKeyProtected } from '../auth/sample-guards.js';

@ApiTags('balance')
@Controller('balance')
@SampleApiKeyProtected()
export class BalanceController {
  constructor(private readonly singapay: SingapayService) {}

  /** The deposit balance at Singapay. */
  @Get()
  @ApiOperation({
    summary: 'Deposit balance at Singapay',
    description: 'Your deposit, from which payments are drawn. The simulator starts with 10,000,000 IDR.',
  })
  @ApiOkResponse({ type: BalanceDto, description: 'The deposit.', example: BALANCE_EXAMPLE })
  @ApiErrors(UPSTREAM_ERRORS)
  balance(): Promise<SingapayBalance> {
    return this.singapay.checkBalance();
  }
}
