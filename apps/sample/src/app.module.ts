import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { SingapayModule, singapayConfig } from '@app/singapay';
import { SingapayHealthModule } from '@app/singapay/health/index.js';
import { BalanceController } from './balance/balance.controller.js';
import { BillsController } from './bills/bills.controller.js';
import { TransactionsController } from './transactions/transactions.controller.js';
import { PaymentsController } from './payments/payments.controller.js';
import { HealthController } from './health/health.controller.js';

/** Sample-app settings of the health check, from the environment. */
export const SAMPLE_HEALTH_ENV = {
  /** Deposit (rupiah) below which GET /health is degraded. */
  minBalance: 'HEALTH_MIN_BALANCE',
  /** How long a health result is reused, in milliseconds. */
  cacheTtlMs: 'HEALTH_CACHE_TTL_MS',
} as const;

export const SAMPLE_DEFAULT_MIN_BALANCE = 1_000_000;

// Digits only; anything else stays NaN so the health options name the variable's field.
const integer = (value: string | undefined): number | undefined =>
  value === undefined || value.trim() === '' ? undefined : /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true }),
    // callbackPath mounts POST /singapay/callback, where Singapay (or the simulator) reports settlements.
    SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true, callbackPath: 'singapay/callback' }),
    // Terminus' own error block would repeat on every failed probe, cached or not; the Singapay
    // indicator logs one line per real check instead ("health: down, cause=…"), and answers 503.
    TerminusModule.forRoot({ logger: false }),
    SingapayHealthModule.forFeatureAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const cacheTtlMs = integer(config.get<string>(SAMPLE_HEALTH_ENV.cacheTtlMs));
        return {
          // GET /health is public (no API key): it says whether the deposit is above the minimum, never the deposit.
          includeBalance: false,
          minBalance: integer(config.get<string>(SAMPLE_HEALTH_ENV.minBalance)) ?? SAMPLE_DEFAULT_MIN_BALANCE,
          ...(cacheTtlMs !== undefined ? { cacheTtlMs } : {}),
        };
      },
    }),
  ],
  controllers: [BalanceController, BillsController, TransactionsController, PaymentsController, HealthController],
})
export class AppModule {}
