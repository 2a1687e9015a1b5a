import { Module } from '@nestjs/common';
import { SingapayConfigurableModuleClass } from './singapay.module-definition.js';
import { SINGAPAY_PROVIDERS } from './singapay.providers.js';

/**
 * The Singapay Biller API for Nest: `SingapayModule.forRoot(options)` or
 * `SingapayModule.forRootAsync({ ...singapayConfig.asProvider(), isGlobal: true })`,
 * then inject `SingapayService`. Each registration has its own options,
 * axios instance, token and token store.
 * @publicApi
 */
@Module({ providers: SINGAPAY_PROVIDERS })
export class SingapayModule extends SingapayConfigurableModuleClass {}
