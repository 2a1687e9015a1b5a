import { Module } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisPaymentStore } from './redis/redis-payment.store.js';
import { RedisTokenStore } from './redis/redis-token.store.js';
import { SingapayRedisConnection } from './redis/singapay-redis.connection.js';
import { SingapayCallbackReceiver } from './callbacks/singapay-callback.receiver.js';
import { SingapayAuthService } from './auth/singapay-auth.service.js';
import { SingapayInMemoryTokenStore } from './auth/singapay-in-memory-token.store.js';
import { SingapayTokenStore } from './auth/singapay-token-store.interface.js';
import { SingapayTokenProvider } from './auth/singapay-token.provider.js';
import type { SingapayModuleOptions } from './config/singapay-module-options.interface.js';
import { resolveSingapayOptions, type SingapayResolvedOptions } from './config/singapay-options.validation.js';
import { SingapayErrorFactory } from './errors/singapay-error.factory.js';
import { SingapayApiClient } from './http/singapay-api.client.js';
import { createSingapayHttpService, SingapayTransport } from './http/singapay-transport.js';
import { SingapayService } from './service/singapay.service.js';
import { SingapayBillerApi } from './biller/singapay-biller.api.js';
import { SingapayInMemoryPaymentStore } from './payments/singapay-in-memory-payment.store.js';
import { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';
import { SingapayPaymentEngine } from './payments/singapay-payment.engine.js';
import { SINGAPAY_CLOCK, SINGAPAY_HTTP_SERVICE, SINGAPAY_INSTANCE_NAME, SINGAPAY_REDIS, SINGAPAY_RESOLVED_OPTIONS } from './singapay.constants.js';
import { SINGAPAY_MODULE_OPTIONS, SingapayConfigurableModuleClass } from './singapay.module-definition.js';

/**
 * The Singapay Biller API for Nest: `SingapayModule.forRoot(options)` or
 * `SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })`,
 * then inject `SingapayService`. Each registration has its own options,
 * axios instance, token and token store.
 * @publicApi
 */
@Module({
  providers: [
    {
      // Validating here makes a bad configuration stop the app at start-up, not at the first payment.
      provide: SINGAPAY_RESOLVED_OPTIONS,
      useFactory: (options: SingapayModuleOptions) => resolveSingapayOptions(options),
      inject: [SINGAPAY_MODULE_OPTIONS],
    },
    { provide: SINGAPAY_CLOCK, useValue: Date.now },
    {
      provide: SINGAPAY_HTTP_SERVICE,
      useFactory: (options: SingapayResolvedOptions) => createSingapayHttpService(options),
      inject: [SINGAPAY_RESOLVED_OPTIONS],
    },
    SingapayRedisConnection,
    {
      provide: SINGAPAY_REDIS,
      useFactory: (connection: SingapayRedisConnection) => connection.connect(),
      inject: [SingapayRedisConnection],
    },
    {
      provide: SingapayTokenStore,
      useFactory: (options: SingapayResolvedOptions, now: () => number, redis: Redis | undefined) =>
        options.tokenStore ?? (redis ? new RedisTokenStore(redis) : new SingapayInMemoryTokenStore(now)),
      inject: [SINGAPAY_RESOLVED_OPTIONS, SINGAPAY_CLOCK, SINGAPAY_REDIS],
    },
    {
      provide: SingapayPaymentStore,
      // A shared store is scoped to this registration and credential (a hash, never the id itself).
      useFactory: (options: SingapayResolvedOptions, name: string, redis: Redis | undefined) => {
        const shared = options.paymentStore ?? (redis ? new RedisPaymentStore(redis) : undefined);
        if (!shared) return new SingapayInMemoryPaymentStore();
        const credential = createHash('sha256').update(options.clientId).digest('hex').slice(0, 16);
        return shared.withNamespace?.(`${name}:${new URL(options.baseUrl).host}:${credential}`) ?? shared;
      },
      inject: [SINGAPAY_RESOLVED_OPTIONS, SINGAPAY_INSTANCE_NAME, SINGAPAY_REDIS],
    },
    SingapayErrorFactory,
    SingapayTransport,
    SingapayAuthService,
    SingapayTokenProvider,
    SingapayApiClient,
    SingapayBillerApi,
    SingapayPaymentEngine,
    SingapayService,
    SingapayCallbackReceiver,
  ],
})
export class SingapayModule extends SingapayConfigurableModuleClass {}
