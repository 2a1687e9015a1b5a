/*
 * `nestjs-singapay/reconciliation`: the daily report's types (`SingapayService.reconcileDay()`
 * answers a `SingapayReconciliationReport`) and its table, CSV and JSON formats.
 */
export type * from './singapay-reconciliation.types.js';
export { formatSingapayReconciliation, type SingapayReconciliationFormat } from './singapay-reconciliation.format.js';
