import { ConfigurableModuleBuilder } from '@nestjs/common';
import { SingapayAuthService } from './auth/singapay-auth.service.js';
import { SingapayTokenStore } from './auth/singapay-token-store.interface.js';
import { SingapayTokenProvider } from './auth/singapay-token.provider.js';
import { SingapayCallbackReceiver } from './callbacks/singapay-callback.receiver.js';
import { createSingapayCallbackController } from './callbacks/singapay-callback.controller.js';
import { SingapayPaymentStore } from './payments/singapay-payment-store.interface.js';
import { SingapayService } from './service/singapay.service.js';
import { SINGAPAY_DEFAULT_NAME, SINGAPAY_INSTANCE_NAME } from './singapay.constants.js';
import { getSingapayToken, singapayName } from './singapay.tokens.js';
import type { SingapayModuleOptions } from './singapay-module-options.interface.js';

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
   * A named registration (`name`) needs one of its own: it does not export its receiver, and
   * `SingapayCallbackReceiver` injected elsewhere is the unnamed registration's.
   * @default undefined (not mounted; use `SingapayCallbackReceiver` in your own controller)
   */
  callbackPath?: string;
  /**
   * Names the registration, for apps with several Singapay accounts (sandbox and
   * production side by side, several merchants). Inject it with `@InjectSingapay(name)`;
   * a named registration exports only its name token. Each has its own options, token and records.
   * @default undefined (the unnamed registration, injected as `SingapayService`)
   */
  name?: string;
}

export const {
  ConfigurableModuleClass: SingapayConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: SINGAPAY_MODULE_OPTIONS,
  OPTIONS_TYPE: SINGAPAY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SINGAPAY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SingapayModuleOptions>({ moduleName: 'Singapay' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSingapayOptions')
  .setExtras<SingapayModuleExtras>({ isGlobal: false }, (definition, extras) => {
    const name = singapayName(extras.name);
    const named = name !== SINGAPAY_DEFAULT_NAME;
    const token = getSingapayToken(name);
    return {
      ...definition,
      global: extras.isGlobal ?? false,
      controllers: extras.callbackPath ? [createSingapayCallbackController(extras.callbackPath)] : [],
      providers: [
        ...(definition.providers ?? []),
        { provide: SINGAPAY_INSTANCE_NAME, useValue: name },
        ...(named ? [{ provide: token, useExisting: SingapayService }] : []),
      ],
      // A named registration exports its name token only: two of them in one module must not clash on class tokens.
      exports: named
        ? [token]
        : [SingapayService, SingapayCallbackReceiver, SingapayTokenProvider, SingapayAuthService, SingapayTokenStore, SingapayPaymentStore],
    };
  })
  .build();

/** Implemented by a class given to `forRootAsync({ useClass })` / `useExisting`. */
export interface SingapayOptionsFactory {
  createSingapayOptions(): SingapayModuleOptions | Promise<SingapayModuleOptions>;
}
