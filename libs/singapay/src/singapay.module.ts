import { Module } from '@nestjs/common';
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
import { SingapayTransactionsService } from './service/singapay-transactions.service.js';
import { SingapayInMemoryPaymentStore } from './payments/singapay-in-memory-payment.store.js';
import { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';
import { SingapayPaymentProcessor } from './payments/singapay-payment.processor.js';
import { SINGAPAY_CLOCK, SINGAPAY_HTTP_SERVICE, SINGAPAY_RESOLVED_OPTIONS } from './singapay.constants.js';
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
    {
      provide: SingapayTokenStore,
      useFactory: (options: SingapayResolvedOptions, now: () => number) => options.tokenStore ?? new SingapayInMemoryTokenStore(now),
      inject: [SINGAPAY_RESOLVED_OPTIONS, SINGAPAY_CLOCK],
    },
    {
      provide: SingapayPaymentStore,
      useFactory: (options: SingapayResolvedOptions) => options.paymentStore ?? new SingapayInMemoryPaymentStore(),
      inject: [SINGAPAY_RESOLVED_OPTIONS],
    },
    SingapayErrorFactory,
    SingapayTransport,
    SingapayAuthService,
    SingapayTokenProvider,
    SingapayApiClient,
    SingapayTransactionsService,
    SingapayPaymentProcessor,
    SingapayService,
    SingapayCallbackReceiver,
  ],
  exports: [SingapayService, SingapayCallbackReceiver, SingapayTokenProvider, SingapayAuthService, SingapayTokenStore, SingapayPaymentStore],
})
export class SingapayModule extends SingapayConfigurableModuleClass {}
