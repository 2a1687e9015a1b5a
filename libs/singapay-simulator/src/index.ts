export {
  SingapaySimulator,
  type SingapaySimulatorLedger,
  type SingapaySimulatorLedgerEntry,
  type SingapaySimulatorStats,
  type SingapaySimulatorTransaction,
} from './singapay-simulator.js';
export {
  SINGAPAY_SIMULATOR_FAULT_ENDPOINTS,
  SINGAPAY_SIMULATOR_FAULT_KINDS,
  SingapaySimulatorFaultRuleError,
  SingapaySimulatorFaults,
  parseSingapaySimulatorFaultRule,
  type SingapaySimulatorFault,
  type SingapaySimulatorFaultEndpoint,
  type SingapaySimulatorFaultEndpointName,
  type SingapaySimulatorFaultKind,
  type SingapaySimulatorFaultMatch,
  type SingapaySimulatorFaultRule,
  type SingapaySimulatorFaultRuleInfo,
} from './simulator-faults.js';
export {
  SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS,
  SINGAPAY_SIMULATOR_DOCUMENTED_VARIANTS,
  type SingapaySimulatorCredentials,
  type SingapaySimulatorOptions,
  type SingapaySimulatorVariants,
  type SimulatorTimeZone as SingapaySimulatorTimeZone,
  type SimulatorTokenPlace as SingapaySimulatorTokenPlace,
} from './simulator-options.js';
export {
  SINGAPAY_SIMULATOR_GAME_PARAMETERS,
  SINGAPAY_SIMULATOR_PRODUCTS,
  findSimulatorProduct,
  type SingapaySimulatorCategory,
  type SingapaySimulatorGameParameter,
  type SingapaySimulatorProduct,
} from './simulator-catalogue.js';
export {
  SINGAPAY_TEST_CUSTOMERS,
  SINGAPAY_TEST_CUSTOMER_EXAMPLES,
  singapayTestCustomerId,
  type SingapayTestCustomer,
  type SingapayTestCustomerName,
} from './simulator-test-customers.js';
