import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SingapayService, type SingapayPayment } from '@app/singapay';
import { ApiErrors } from '../docs/api-responses.js';
import { PaymentDto } from '../docs/response-dtos.js';
import { EXAMPLE_IDEMPOTENCY_KEY, PAYMENT_RECORD_EXAMPLE } from '../docs/sample-examples.js';
import { SampleApiKeyProtected } from '../auth/sample-guards.js';

@ApiTags('payments')
@Controller('payments')
@SampleApiKeyProtected()
export class PaymentsController {
  constructor(private readonly singapay: SingapayService) {}

  /** The payment recorded under an idempotency key, looked up at Singapay while pending or unknown. */
  @Get(':key')
  @ApiOperation({
    summary: 'The payment recorded under an Idempotency-Key',
    description:
      'Looked up at Singapay first while pending or unknown. state: success, pending, unknown (never pay again), failed or refunded.',
  })
  @ApiParam({ name: 'key', description: 'The Idempotency-Key of the payment (or its referenceNumber).', example: EXAMPLE_IDEMPOTENCY_KEY })
  @ApiOkResponse({ type: PaymentDto, description: 'The recorded payment, up to date.', example: PAYMENT_RECORD_EXAMPLE })
  @ApiErrors({ 404: ['paymentNotFound'] })
  get(@Param('key') key: string): Promise<SingapayPayment> {
    return this.singapay.getPayment(key);
  }
}
