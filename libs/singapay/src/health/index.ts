/**
 * The Singapay health indicator for `@nestjs/terminus` (an optional peer
 * dependency), apart from the main entry so that apps without terminus never load it.
 */
export { SingapayHealthIndicator, SINGAPAY_HEALTH_OPTIONS } from './singapay-health.indicator.js';
export type { SingapayHealthData, SingapayHealthOutcome } from './singapay-health.indicator.js';
export {
  SingapayHealthModule,
  SINGAPAY_HEALTH_MODULE_OPTIONS,
  getSingapayHealthIndicatorToken,
  InjectSingapayHealthIndicator,
} from './singapay-health.module.js';
export type { SingapayHealthModuleExtras } from './singapay-health.module.js';
export { resolveSingapayHealthOptions, SINGAPAY_HEALTH_DEFAULTS } from './singapay-health.options.js';
export type { SingapayHealthOptions, SingapayResolvedHealthOptions } from './singapay-health.options.js';
export { diagnoseSingapayFailure } from './singapay-health.diagnosis.js';
export type { SingapayHealthCause, SingapayHealthDiagnosis } from './singapay-health.diagnosis.js';
