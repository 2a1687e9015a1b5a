import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SingapayModuleOptions } from './config/singapay-module-options.interface.js';

/** Options that shape the registration itself rather than the client. */
export interface SingapayModuleExtras {
  /**
   * Register the module globally, so every module can inject `SingapayService`.
   * @default false
   */
  isGlobal?: boolean;
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
  }))
  .build();

/** Implemented by a class given to `forRootAsync({ useClass })` / `useExisting`. */
export interface SingapayOptionsFactory {
  createSingapayOptions(): SingapayModuleOptions | Promise<SingapayModuleOptions>;
}
