import type { SimulatorResolvedOptions } from './simulator-options.js';
import type { SingapaySimulatorSettlement } from './simulator-settlement.js';
import type { SingapaySimulatorState } from './simulator-state.js';

/** What the handlers need from the simulator around them. */
export interface SimulatorRuntime {
  readonly options: SimulatorResolvedOptions;
  readonly settlement: SingapaySimulatorSettlement;
  state(): SingapaySimulatorState;
  now(): number;
}
