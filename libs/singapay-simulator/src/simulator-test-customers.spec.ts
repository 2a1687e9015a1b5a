import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SIMULATOR_COMMAND_NAMES } from './simulator-api-docs.js';
import { findSimulatorProduct } from './simulator-catalogue.js';
import {
  SINGAPAY_TEST_CUSTOMERS,
  SINGAPAY_TEST_CUSTOMER_EXAMPLES,
  simulatorScenarioFor,
  singapayTestCustomerId,
} from './simulator-test-customers.js';

describe('test customers', () => {
  it('reads the scenario from the last four digits', () => {
    expect(simulatorScenarioFor('146300068064')).toEqual({ kind: 'ordinary' });
    expect(simulatorScenarioFor('146300069020')).toEqual({ kind: 'codeAtInquiry', code: '20' });
    expect(simulatorScenarioFor('146300069021')).toEqual({ kind: 'codeAtInquiry', code: '21' });
    expect(simulatorScenarioFor('146300069022')).toEqual({ kind: 'codeAtInquiry', code: '22' });
    expect(simulatorScenarioFor('081234569001')).toEqual({ kind: 'pendingForever' });
    expect(simulatorScenarioFor('081234569050')).toEqual({ kind: 'refund' });
    expect(simulatorScenarioFor('081234569051')).toEqual({ kind: 'failQuietly' });
    expect(simulatorScenarioFor('081234569889')).toEqual({ kind: 'codeAtInquiry', code: '89' });
    expect(simulatorScenarioFor('081234569705')).toEqual({ kind: 'codeAtPayment', code: '05' });
    expect(simulatorScenarioFor('12')).toEqual({ kind: 'ordinary' });
    expect(simulatorScenarioFor('abc9020x')).toEqual({ kind: 'ordinary' });
  });

  it('has an ordinary example per command whose product belongs to the command', () => {
    for (const command of SIMULATOR_COMMAND_NAMES) {
      const example = SINGAPAY_TEST_CUSTOMER_EXAMPLES[command];
      expect(findSimulatorProduct(example.productCode)?.command).toBe(command);
      expect(simulatorScenarioFor(example.customerId)).toEqual({ kind: 'ordinary' });
    }
  });

  it('builds ids of the same length as the example, with the chosen suffix', () => {
    expect(singapayTestCustomerId('plnpos', 'customerNotFound')).toBe('146300069020');
    expect(singapayTestCustomerId('bputk', 'codeAtInquiry', '89')).toBe('3174012345679889');
    expect(singapayTestCustomerId('pulsa', 'succeeds')).toBe('081234567891');
    expect(() => singapayTestCustomerId('pulsa', 'codeAtPayment', '5')).toThrow(RangeError);
  });

  it('is documented in the README, suffix by suffix', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    for (const entry of Object.values(SINGAPAY_TEST_CUSTOMERS)) {
      if (entry.suffix !== null) expect(readme).toContain(`\`…${entry.suffix}\``);
    }
    expect(readme).toContain('146300068064');
  });
});
