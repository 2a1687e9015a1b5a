/*
 * `nestjs-singapay/reconciliation`: the daily report's types (`SingapayService.reconcileDay()`
 * answers a `SingapayReconciliationReport`) and its table, CSV and JSON formats.
 */
export type {
  SingapayReconciliationReport,
  SingapayReconciliationRow,
  SingapayReconciliationCategory,
  SingapayReconciliationDifference,
  SingapayReconciliationLocal,
  SingapayReconciliationTransaction,
  SingapayReconciliationTotal,
  SingapayReconciliationTotals,
  SingapayReconciliationSummary,
  SingapayReconciliationOptions,
} from './singapay-reconciliation.types.js';
export { formatSingapayReconciliation } from './singapay-reconciliation.format.js';
export type { SingapayReconciliationFormat } from './singapay-reconciliation.format.js';
