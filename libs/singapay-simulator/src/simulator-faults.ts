import { randomInt } from 'node:crypto';
import { SIMULATOR_GENERAL, SIMULATOR_TOKEN_PATH } from './simulator-api-docs.js';
import {
  MATCH_FIELDS,
  type SimulatorFaultTarget,
  type SingapaySimulatorFault,
  type SingapaySimulatorFaultEndpoint,
  type SingapaySimulatorFaultKind,
  type SingapaySimulatorFaultMatch,
  type SingapaySimulatorFaultRule,
  type SingapaySimulatorFaultRuleInfo,
} from './simulator-fault-rules.js';
import { parseSingapaySimulatorFaultRule } from './simulator-fault-parser.js';

export * from './simulator-fault-rules.js';
export { parseSingapaySimulatorFaultRule } from './simulator-fault-parser.js';

interface StoredRule {
  info: SingapaySimulatorFaultRuleInfo;
  rule: SingapaySimulatorFaultRule;
}

const PRODUCT_PATH = /^\/api\/v[12]\/(?:prepaid|postpaid)\/(inquiry|payment)$/;

function endpointMatches(endpoint: SingapaySimulatorFaultEndpoint, path: string): boolean {
  switch (endpoint) {
    case '*':
      return true;
    case 'token':
      return path === SIMULATOR_TOKEN_PATH;
    case 'balance':
      return path === SIMULATOR_GENERAL.checkBalance.path;
    case 'detail':
      return path === SIMULATOR_GENERAL.detailTransaction.path;
    case 'list':
      return path === SIMULATOR_GENERAL.listTransactions.path;
    case 'reset':
      return path === SIMULATOR_GENERAL.resetCustomerId.path;
    case 'gameParameters':
      return path === SIMULATOR_GENERAL.gameTopupParameters.path;
    case 'inquiry':
    case 'payment':
      return PRODUCT_PATH.exec(path)?.[1] === endpoint;
    default:
      return path === endpoint;
  }
}

const BODY_FIELDS: Record<(typeof MATCH_FIELDS)[number], (body: Record<string, unknown>) => unknown> = {
  command: (body) => body.command,
  customerId: (body) => dataOf(body).customer_id,
  referenceNumber: (body) => dataOf(body).reference_number,
  productCode: (body) => dataOf(body).product_code,
  transactionId: (body) => dataOf(body).transaction_id,
  page: (body) => {
    const page = dataOf(body).page;
    return typeof page === 'number' ? String(page) : page;
  },
};

function dataOf(body: Record<string, unknown>): Record<string, unknown> {
  const data = body.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function bodyMatches(match: SingapaySimulatorFaultMatch, body: Record<string, unknown> | undefined): boolean {
  for (const field of MATCH_FIELDS) {
    const expected = match[field];
    if (expected === undefined) continue;
    if (body === undefined || BODY_FIELDS[field](body) !== expected) return false;
  }
  return true;
}

/** mulberry32: tiny, fast, and good enough to decide whether a fault fires. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fault rules of one simulator (`sim.faults`). Rules are tried in the
 * order they were added; the first that fires decides the request's fate
 * (a matching rule whose probability draw misses lets the next one try).
 */
export class SingapaySimulatorFaults {
  readonly #rules = new Map<string, StoredRule>();
  /** Spent rules stay readable through `get()` so a test can assert their hits after `times` ran out. */
  readonly #spent = new Map<string, StoredRule>();
  readonly #injected = new Map<SingapaySimulatorFaultKind, number>();
  #nextId = 1;
  #seed: number;
  #random: () => number;

  /** @param seed PRNG seed for `probability`; a random one when undefined. */
  constructor(seed: number | undefined) {
    this.#seed = seed ?? randomInt(0, 2 ** 32 - 1);
    this.#random = mulberry32(this.#seed);
  }

  /** The PRNG seed in use: print it when a probabilistic test fails, pass it back as `faultSeed` to replay. */
  get seed(): number {
    return this.#seed;
  }

  /** Adds a rule (validated; throws `SingapaySimulatorFaultRuleError`) and returns its id. */
  add(rule: SingapaySimulatorFaultRule): string {
    const valid = parseSingapaySimulatorFaultRule(rule);
    const id = `fault-${this.#nextId++}`;
    this.#rules.set(id, {
      rule: valid,
      info: {
        id,
        endpoint: valid.endpoint,
        fault: valid.fault,
        match: valid.match ?? {},
        times: valid.times ?? null,
        probability: valid.probability ?? null,
        remaining: valid.times ?? null,
        matched: 0,
        hits: 0,
        active: true,
      },
    });
    return id;
  }

  /** Removes a rule, active or spent; false when there was none. */
  remove(id: string): boolean {
    return this.#rules.delete(id) || this.#spent.delete(id);
  }

  /** Removes every rule; returns how many were active. Counters in `stats().faults` stay. */
  clear(): number {
    const count = this.#rules.size;
    this.#rules.clear();
    this.#spent.clear();
    return count;
  }

  /** The active rules, in the order they are tried. */
  list(): SingapaySimulatorFaultRuleInfo[] {
    return [...this.#rules.values()].map((stored) => copyInfo(stored.info));
  }

  /** One rule, active or spent (until `remove()`, `clear()` or `reset()`). */
  get(id: string): SingapaySimulatorFaultRuleInfo | undefined {
    const stored = this.#rules.get(id) ?? this.#spent.get(id);
    return stored ? copyInfo(stored.info) : undefined;
  }

  /** Requests faulted, in all and per fault kind, since the start or the last `reset()` (removed rules included). */
  injected(): { total: number; byKind: Partial<Record<SingapaySimulatorFaultKind, number>> } {
    const byKind = Object.fromEntries(this.#injected) as Partial<Record<SingapaySimulatorFaultKind, number>>;
    let total = 0;
    for (const count of this.#injected.values()) total += count;
    return { total, byKind };
  }

  /**
   * Starts over: no rules, zeroed counters, and the generator back at its seed
   * (optionally a new one), so a test is reproducible whatever ran before it.
   */
  reset(seed?: number): void {
    if (seed !== undefined) this.#seed = checkSeed(seed);
    this.#random = mulberry32(this.#seed);
    this.clear();
    this.#injected.clear();
  }

  /** The fault for this request, if a rule fires; counts it. */
  pick(target: SimulatorFaultTarget): { id: string; fault: SingapaySimulatorFault } | undefined {
    for (const [id, stored] of this.#rules) {
      const { rule, info } = stored;
      if (!endpointMatches(rule.endpoint, target.path) || !bodyMatches(info.match, target.body)) continue;
      info.matched += 1;
      // Drawn only for matching requests of rules with a probability, so one rule's draws do not depend on unrelated traffic.
      if (rule.probability !== undefined && !(this.#random() < rule.probability)) continue;
      info.hits += 1;
      this.#injected.set(rule.fault.kind, (this.#injected.get(rule.fault.kind) ?? 0) + 1);
      if (info.remaining !== null) {
        info.remaining -= 1;
        if (info.remaining === 0) {
          info.active = false;
          this.#rules.delete(id);
          this.#spent.set(id, stored);
        }
      }
      return { id, fault: rule.fault };
    }
    return undefined;
  }
}

function copyInfo(info: SingapaySimulatorFaultRuleInfo): SingapaySimulatorFaultRuleInfo {
  return structuredClone(info);
}

function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`SingapaySimulator faultSeed must be an integer from 0 to 4294967295, got ${String(seed)}`);
  }
  return seed;
}

/** Validates the option `faultSeed`. */
export function checkSingapaySimulatorFaultSeed(seed: number | undefined): number | undefined {
  return seed === undefined ? undefined : checkSeed(seed);
}
