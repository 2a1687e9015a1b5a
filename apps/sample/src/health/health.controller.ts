import { Controller, Get } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { SingapayHealthIndicator } from '@app/singapay/health/index.js';
import { HealthResultDto, SingapayHealthDetailDto } from '../docs/response-dtos.js';
import { HEALTH_DEGRADED_EXAMPLE, HEALTH_DOWN_EXAMPLE, HEALTH_UP_EXAMPLE } from '../docs/sample-examples.js';

@ApiTags('health')
@ApiExtraModels(SingapayHealthDetailDto)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly singapay: SingapayHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Health check (Singapay reachable, credentials accepted, deposit above the minimum)',
    description:
      'up: a token was granted and the deposit read. degraded (still 200): the deposit is below HEALTH_MIN_BALANCE. down (503): the cause says what to fix (ip_not_whitelisted, partner_id_refused, client_credentials_refused, unreachable, …). Cached for a few seconds, so probes never hammer Singapay.',
  })
  @ApiOkResponse({
    type: HealthResultDto,
    description: 'Up or degraded.',
    examples: {
      up: { summary: 'Up', value: HEALTH_UP_EXAMPLE },
      degraded: { summary: 'Deposit below the minimum', value: HEALTH_DEGRADED_EXAMPLE },
    },
  })
  @ApiServiceUnavailableResponse({
    type: HealthResultDto,
    description: 'Down: see error.singapay.cause and message.',
    examples: { ipNotWhitelisted: { summary: 'IP address not whitelisted', value: HEALTH_DOWN_EXAMPLE } },
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.singapay.isHealthy()]);
  }
}
