import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SingapayHealthIndicator } from '@app/singapay/health/index.js';

/** `GET /health` of a user's app, as the README shows it: the Singapay indicator alone. */
@Controller('health')
export class TestHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly singapay: SingapayHealthIndicator,
  ) {}

  @Get()
  @HealthCheck({ swaggerDocumentation: false })
  check() {
    return this.health.check([() => this.singapay.isHealthy()]);
  }
}
