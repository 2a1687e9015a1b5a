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
export { diagnoseSingapayFailure } from '../errors/singapay-failure.diagnosis.js';
export type {
  SingapayDiagnosedCause as SingapayHealthCause,
  SingapayFailureDiagnosis as SingapayHealthDiagnosis,
} from '../errors/singapay-failure.diagnosis.js';
