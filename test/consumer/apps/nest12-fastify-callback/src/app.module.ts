import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { SingapayModule, singapayConfig } from 'nestjs-singapay';
import { SingapayHealthModule } from 'nestjs-singapay/health';
import { HealthController } from './health.controller.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    // callbackPath mounts POST /singapay/callback, where Singapay (here the simulator) reports settlements.
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true, callbackPath: 'singapay/callback' }),
    TerminusModule.forRoot({ logger: false }),
    // GET /health: degraded below 1000 rupiah of deposit; every probe asks (cacheTtlMs 0) for the test.
    SingapayHealthModule.forFeature({ minBalance: 1000, cacheTtlMs: 0 }),
  ],
  controllers: [HealthController],
})
export class AppModule {}
