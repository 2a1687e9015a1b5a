import { ConfigurableModuleBuilder, Inject, Module } from '@nestjs/common';
import { SingapayService } from '../service/singapay.service.js';
import { SINGAPAY_DEFAULT_NAME } from '../singapay.constants.js';
import { getSingapayToken, singapayName } from '../singapay.tokens.js';
import { SingapayHealthIndicator } from './singapay-health.indicator.js';
import { resolveSingapayHealthOptions, SINGAPAY_HEALTH_DEFAULTS, type SingapayHealthOptions } from './singapay-health.options.js';

/** Options that shape the registration rather than the check. */
export interface SingapayHealthModuleExtras {
  /**
   * The `SingapayModule` registration to check (its `name`); unset: the unnamed one.
   * A named indicator is injected with `@InjectSingapayHealthIndicator(name)`.
   */
  name?: string;
}

/**
 * The injection token of the health indicator of a named registration; the
 * unnamed registration's is `SingapayHealthIndicator` itself.
 */
export function getSingapayHealthIndicatorToken(name?: string): string | typeof SingapayHealthIndicator {
  const checked = singapayName(name);
  return checked === SINGAPAY_DEFAULT_NAME ? SingapayHealthIndicator : `SingapayHealthIndicator(${checked})`;
}

/** Injects the health indicator of the registration called `name` (the unnamed one without it). */
export const InjectSingapayHealthIndicator = (name?: string): ParameterDecorator & PropertyDecorator =>
  Inject(getSingapayHealthIndicatorToken(name));

/** The raw options given to `SingapayHealthModule.forFeature()` / `forFeatureAsync()`. */
export const SINGAPAY_HEALTH_MODULE_OPTIONS = Symbol('SINGAPAY_HEALTH_MODULE_OPTIONS');

export const { ConfigurableModuleClass: SingapayHealthConfigurableModuleClass } = new ConfigurableModuleBuilder<SingapayHealthOptions>({
  moduleName: 'SingapayHealth',
  optionsInjectionToken: SINGAPAY_HEALTH_MODULE_OPTIONS,
})
  .setClassMethodName('forFeature')
  .setFactoryMethodName('createSingapayHealthOptions')
  .setExtras<SingapayHealthModuleExtras>({}, (definition, extras) => {
    const name = singapayName(extras.name);
    const token = getSingapayHealthIndicatorToken(name);
    const defaultKey = name === SINGAPAY_DEFAULT_NAME ? SINGAPAY_HEALTH_DEFAULTS.key : `${SINGAPAY_HEALTH_DEFAULTS.key}-${name}`;
    return {
      ...definition,
      providers: [
        ...(definition.providers ?? []),
        {
          provide: token,
          useFactory: (singapay: SingapayService, options: SingapayHealthOptions) =>
            // Resolved here so that a bad option stops the app at start-up, naming the field.
            new SingapayHealthIndicator(singapay, resolveSingapayHealthOptions(options, defaultKey)),
          inject: [getSingapayToken(name), SINGAPAY_HEALTH_MODULE_OPTIONS],
        },
      ],
      exports: [token],
    };
  })
  .build();

/**
 * Provides `SingapayHealthIndicator` for your health controller (with
 * `@nestjs/terminus`). Needs the `SingapayModule` registration to be visible
 * here: register it with `isGlobal: true`, or list `SingapayHealthIndicator`
 * in the providers of a module that imports it and `TerminusModule`.
 *
 * ```ts
 * imports: [TerminusModule, SingapayHealthModule.forFeature({ minBalance: 500_000 })]
 * ```
 * @publicApi
 */
@Module({})
export class SingapayHealthModule extends SingapayHealthConfigurableModuleClass {}
