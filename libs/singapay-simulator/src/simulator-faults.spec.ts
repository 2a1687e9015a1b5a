import {
  SingapaySimulatorFaultRuleError,
  SingapaySimulatorFaults,
  parseSingapaySimulatorFaultRule,
  type SimulatorFaultTarget,
} from './simulator-faults.js';
import { resolveSimulatorOptions } from './simulator-options.js';

const PAYMENT = '/api/v2/postpaid/payment';
const payment = (customerId: string, extra: Record<string, unknown> = {}): SimulatorFaultTarget => ({
  path: PAYMENT,
  body: { command: 'plnpos', data: { customer_id: customerId, product_code: 'SPPLNPOS', reference_number: 'R1', ...extra } },
});

describe('SingapaySimulatorFaults', () => {
  it('maps named endpoints to their paths', () => {
    const cases: [string, string, boolean][] = [
      ['token', '/api/v1.0/access-token/b2b', true],
      ['balance', '/api/v1/check-balance', true],
      ['detail', '/api/v1/detail-bill-transaction', true],
      ['list', '/api/v1/list-bill-transaction', true],
      ['reset', '/api/v1/reset-customer-id', true],
      ['gameParameters', '/api/v2/prepaid/get-parameter-game-topup', true],
      ['inquiry', '/api/v1/prepaid/inquiry', true],
      ['inquiry', '/api/v2/postpaid/inquiry', true],
      ['inquiry', PAYMENT, false],
      ['payment', '/api/v1/prepaid/payment', true],
      ['payment', '/api/v2/postpaid/inquiry', false],
      ['*', '/anything', true],
      ['/api/v1/prepaid/payment', '/api/v1/prepaid/payment', true],
      ['/api/v1/prepaid/payment', PAYMENT, false],
    ];
    for (const [endpoint, path, expected] of cases) {
      const faults = new SingapaySimulatorFaults(1);
      faults.add({ endpoint: endpoint as never, fault: { kind: 'resetBeforeApply' } });
      expect({ endpoint, path, hit: faults.pick({ path, body: undefined }) !== undefined }).toEqual({ endpoint, path, hit: expected });
    }
  });

  it('filters on the body with match, and a body that is not JSON never matches a filter', () => {
    const faults = new SingapaySimulatorFaults(1);
    const id = faults.add({ endpoint: 'payment', match: { customerId: '111111', command: 'plnpos' }, fault: { kind: 'resetAfterApply' } });
    expect(faults.pick(payment('222222'))).toBeUndefined();
    expect(faults.pick({ path: PAYMENT, body: undefined })).toBeUndefined();
    expect(faults.pick(payment('111111'))).toEqual({ id, fault: { kind: 'resetAfterApply' } });
    expect(faults.get(id)).toMatchObject({ matched: 1, hits: 1, active: true });
  });

  it('applies `times` rules to the next N requests, then drops them but keeps them readable', () => {
    const faults = new SingapaySimulatorFaults(1);
    const id = faults.add({ endpoint: 'payment', fault: { kind: 'code', code: '05' }, times: 2 });
    expect(faults.pick(payment('1'))?.id).toBe(id);
    expect(faults.list()).toEqual([expect.objectContaining({ id, remaining: 1, hits: 1 })]);
    expect(faults.pick(payment('1'))?.id).toBe(id);
    expect(faults.pick(payment('1'))).toBeUndefined();
    expect(faults.list()).toEqual([]);
    expect(faults.get(id)).toEqual({
      id,
      endpoint: 'payment',
      fault: { kind: 'code', code: '05' },
      match: {},
      times: 2,
      probability: null,
      remaining: 0,
      matched: 2,
      hits: 2,
      active: false,
    });
    expect(faults.injected()).toEqual({ total: 2, byKind: { code: 2 } });
  });

  it('tries rules in order; a probability miss lets the next rule fire', () => {
    const faults = new SingapaySimulatorFaults(7);
    const never = faults.add({ endpoint: 'payment', fault: { kind: 'hang' }, probability: 0 });
    const always = faults.add({ endpoint: '*', fault: { kind: 'html' } });
    expect(faults.pick(payment('1'))?.id).toBe(always);
    expect(faults.get(never)).toMatchObject({ matched: 1, hits: 0 });
  });

  it('draws probabilities from the seed: same seed, same faults; reset() rewinds', () => {
    const pattern = (faults: SingapaySimulatorFaults): string => {
      faults.add({ endpoint: 'payment', fault: { kind: 'resetAfterApply' }, probability: 0.5 });
      return Array.from({ length: 40 }, () => (faults.pick(payment('1')) ? 'x' : '.')).join('');
    };
    const a = new SingapaySimulatorFaults(12345);
    const first = pattern(a);
    expect(pattern(new SingapaySimulatorFaults(12345))).toBe(first);
    expect(pattern(new SingapaySimulatorFaults(54321))).not.toBe(first);
    // About half fire, neither none nor all.
    expect(first.replaceAll('.', '').length).toBeGreaterThan(8);
    expect(first.replaceAll('x', '').length).toBeGreaterThan(8);
    a.reset();
    expect(a.list()).toEqual([]);
    expect(pattern(a)).toBe(first);
    expect(a.seed).toBe(12345);
  });

  it('combines times and probability: N faults among the requests the draw picks', () => {
    const faults = new SingapaySimulatorFaults(99);
    const id = faults.add({ endpoint: 'payment', fault: { kind: 'resetAfterApply' }, probability: 0.3, times: 3 });
    let picked = 0;
    for (let i = 0; i < 200; i += 1) if (faults.pick(payment('1'))) picked += 1;
    expect(picked).toBe(3);
    expect(faults.get(id)).toMatchObject({ hits: 3, active: false });
    expect(faults.get(id)!.matched).toBeGreaterThan(3);
  });

  it('removes and clears rules', () => {
    const faults = new SingapaySimulatorFaults(1);
    const a = faults.add({ endpoint: 'token', fault: { kind: 'tokenFailure', status: 503 } });
    faults.add({ endpoint: 'balance', fault: { kind: 'latency', ms: 10 } });
    expect(faults.remove(a)).toBe(true);
    expect(faults.remove(a)).toBe(false);
    expect(faults.list().map((r) => r.endpoint)).toEqual(['balance']);
    expect(faults.clear()).toBe(1);
    expect(faults.list()).toEqual([]);
  });

  it('rejects bad rules with a message naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [null, /JSON object/],
      [{ endpoint: 'nope', fault: { kind: 'hang' } }, /endpoint must be one of/],
      [{ endpoint: '/__simulator/faults', fault: { kind: 'hang' } }, /control interface/],
      [{ endpoint: 'payment', fault: { kind: 'explode' } }, /fault.kind must be one of/],
      [{ endpoint: 'payment', fault: { kind: 'latency' } }, /fault.ms/],
      [{ endpoint: 'payment', fault: { kind: 'html', status: 99 } }, /fault.status/],
      [{ endpoint: 'payment', fault: { kind: 'code', code: 5 } }, /fault.code/],
      [{ endpoint: 'token', fault: { kind: 'tokenFailure', status: 404 } }, /401, 403, 500 or 503/],
      [{ endpoint: 'payment', fault: { kind: 'truncated', apply: 'yes' } }, /fault.apply must be a boolean/],
      [{ endpoint: 'payment', fault: { kind: 'hang' }, times: 0 }, /times/],
      [{ endpoint: 'payment', fault: { kind: 'hang' }, probability: 1.5 }, /probability/],
      [{ endpoint: 'payment', fault: { kind: 'hang' }, match: { customer_id: '1' } }, /match.customer_id is not one of/],
      [{ endpoint: 'payment', fault: { kind: 'hang' }, match: { customerId: 1 } }, /match.customerId must be a string/],
    ];
    for (const [rule, message] of bad) {
      expect(() => parseSingapaySimulatorFaultRule(rule)).toThrow(message);
      expect(() => parseSingapaySimulatorFaultRule(rule)).toThrow(SingapaySimulatorFaultRuleError);
    }
    expect(() => new SingapaySimulatorFaults(1).reset(-1)).toThrow(RangeError);
    expect(() => resolveSimulatorOptions({ faultSeed: 1.5 })).toThrow(/faultSeed must be an integer/);
    expect(resolveSimulatorOptions({ faultSeed: 0 }).faultSeed).toBe(0);
  });

  it('keeps only known fields and lower-cases status headers', () => {
    expect(
      parseSingapaySimulatorFaultRule({
        endpoint: 'payment',
        fault: { kind: 'status', httpStatus: 429, headers: { 'Retry-After': '1' }, extra: true },
        unknown: 1,
      }),
    ).toEqual({ endpoint: 'payment', fault: { kind: 'status', httpStatus: 429, headers: { 'retry-after': '1' } } });
  });
});
