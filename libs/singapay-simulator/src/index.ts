export { SingapaySimulator, type SingapaySimulatorStats, type SingapaySimulatorTransaction } from './singapay-simulator.js';
export {
  SINGAPAY_SIMULATOR_DEFAULT_CREDENTIALS,
  type SingapaySimulatorCredentials,
  type SingapaySimulatorOptions,
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
