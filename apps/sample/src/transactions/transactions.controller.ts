import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SingapayService, type SingapayTransaction, type SingapayTransactionPage } from '@app/singapay';
import { ApiErrors, UPSTREAM_ERRORS } from '../docs/api-responses.js';
import { ListTransactionsQueryDto } from '../docs/request-dtos.js';
import { TransactionDto, TransactionPageDto } from '../docs/response-dtos.js';
import { EXAMPLE_TRANSACTION_ID, TRANSACTION_EXAMPLE, TRANSACTION_PAGE_EXAMPLE } from '../docs/sample-examples.js';
import { SampleApiKeyProtected } from '../auth/sample-guards.js';

@ApiTags('transactions')
@Controller('transactions')
@SampleApiKeyProtected()
export class TransactionsController {
  constructor(private readonly singapay: SingapayService) {}

  @Get()
  @ApiOperation({
    summary: 'List transactions',
    description: 'Newest first, filtered and paginated by Singapay. All filters are optional.',
  })
  @ApiOkResponse({ type: TransactionPageDto, description: 'One page of transactions, newest first.', example: TRANSACTION_PAGE_EXAMPLE })
  @ApiErrors({ 400: ['validation'], ...UPSTREAM_ERRORS })
  list(@Query() query: ListTransactionsQueryDto): Promise<SingapayTransactionPage> {
    return this.singapay.listTransactions(query);
  }

  /** The status check of one transaction (the service validates the id). */
  @Get(':id')
  @ApiOperation({
    summary: 'One transaction',
    description:
      'The status check of a transaction by its Singapay id: pending, success, failed or refunded, with the PLN token once delivered.',
  })
  @ApiParam({ name: 'id', description: "Singapay's transaction id (a ULID).", example: EXAMPLE_TRANSACTION_ID })
  @ApiOkResponse({ type: TransactionDto, description: 'The transaction as Singapay records it.', example: TRANSACTION_EXAMPLE })
  @ApiErrors({ 400: ['validation'], 404: ['transactionNotFound'], ...UPSTREAM_ERRORS })
  get(@Param('id') id: string): Promise<SingapayTransaction> {
    return this.singapay.getTransaction(id);
  }
}
