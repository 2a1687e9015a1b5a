import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createSingapayCallbackController } from './callbacks/singapay-callback.controller.js';
import type { SingapayModuleOptions } from './config/singapay-module-options.interface.js';

/** Options that shape the registration itself rather than the client. */
export interface SingapayModuleExtras {
  /**
   * Register the module globally, so every module can inject `SingapayService`.
   * @default false
   */
  isGlobal?: boolean;
  /**
   * Mounts the callback receiver at this path (e.g. `singapay/callback`), for
   * Singapay's POSTs on success (00) and refund (50). Register the full URL with Singapay.
   * @default undefined (not mounted; use `SingapayCallbackReceiver` in your own controller)
   */
  callbackPath?: string;
}

export const {
  ConfigurableModuleClass: SingapayConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SINGAPAY_MODULE_OPTIONS,
  OPTIONS_TYPE: SINGAPAY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SINGAPAY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SingapayModuleOptions>({ moduleName: 'Singapay' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSingapayOptions')
  .setExtras<SingapayModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
    controllers: extras.callbackPath ? [createSingapayCallbackController(extras.callbackPath)] : [],
  }))
  .build();

/** Implemented by a class given to `forRootAsync({ useClass })` / `useExisting`. */
export interface SingapayOptionsFactory {
  createSingapayOptions(): SingapayModuleOptions | Promise<SingapayModuleOptions>;
}
