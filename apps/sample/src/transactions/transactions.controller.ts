import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  SingapayListTransactionsRequest,
  SingapayService,
  type SingapayTransaction,
  type SingapayTransactionPage,
} from '@app/singapay';

@Controller('transactions')
export class TransactionsController {
  constructor(private readonly singapay: SingapayService) {}

  @Get()
  list(@Query() query: SingapayListTransactionsRequest): Promise<SingapayTransactionPage> {
    return this.singapay.listTransactions(query);
  }

  /** The status check of one transaction (the service validates the id). */
  @Get(':id')
  get(@Param('id') id: string): Promise<SingapayTransaction> {
    return this.singapay.getTransaction(id);
  }
}
