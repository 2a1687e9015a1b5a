import { randomInt } from 'node:crypto';
import { SIMULATOR_GENERAL, SIMULATOR_TOKEN_PATH } from './simulator-api-docs.js';

/** Named endpoints a fault rule can target; `'*'` is every business path. An exact path (starting with `/`) also works. */
export const SINGAPAY_SIMULATOR_FAULT_ENDPOINTS = [
  'token',
  'balance',
  'detail',
  'list',
  'inquiry',
  'payment',
  'reset',
  'gameParameters',
  '*',
] as const;

export type SingapaySimulatorFaultEndpointName = (typeof SINGAPAY_SIMULATOR_FAULT_ENDPOINTS)[number];

/** A named endpoint or an exact URL path such as `/api/v2/postpaid/payment`. */
export type SingapaySimulatorFaultEndpoint = SingapaySimulatorFaultEndpointName | `/${string}`;

/**
 * What the simulator does to a request a rule catches. The request is always
 * read in full first. "Apply" means the simulator really processes it (a
 * payment creates its transaction and draws the money) before the fault shapes
 * the answer.
 */
export type SingapaySimulatorFault =
  | {
      kind: 'latency';
      /** Delay before the answer, in real milliseconds. */
      ms: number;
      /**
       * Process at once and hold the answer back, instead of waiting first and
       * processing after the delay (when a client that gave up already left).
       * @default false
       */
      processFirst?: boolean;
    }
  | {
      kind: 'hang';
      /**
       * Process the request before going silent (the answer is lost, the payment is not).
       * @default false
       */
      apply?: boolean;
    }
  | { kind: 'resetBeforeApply' }
  | { kind: 'resetAfterApply' }
  | {
      kind: 'html';
      /**
       * HTTP status of the nginx-like error page.
       * @default 502
       */
      status?: number;
      /**
       * Process the request before answering the page.
       * @default false
       */
      apply?: boolean;
    }
  | {
      kind: 'truncated';
      /**
       * Process the request and cut its real answer; when false the cut answer is a
       * `05` (deadline exceeded) envelope and nothing is processed.
       * @default true
       */
      apply?: boolean;
    }
  | {
      kind: 'code';
      /** `response_code` of the business envelope answered (with no `data`). */
      code: string;
      /**
       * HTTP status of that answer.
       * @default the simulator's status for the code (422 for 04, 404 for 06, else 200)
       */
      httpStatus?: number;
      /**
       * Process the request first, so the payment exists although the answer says otherwise.
       * @default false
       */
      apply?: boolean;
    }
  | {
      kind: 'tokenFailure';
      status: 401 | 403 | 500 | 503;
      /**
       * `error.message` of the `{status, success, error}` envelope.
       * @default a message fitting the status
       */
      message?: string;
    }
  | {
      kind: 'status';
      httpStatus: number;
      /**
       * A string is sent as is (`text/plain` unless `headers` say otherwise); anything else as JSON.
       * @default '' (empty body)
       */
      body?: unknown;
      /**
       * Extra response headers.
       * @default {}
       */
      headers?: Record<string, string>;
      /**
       * Process the request before answering.
       * @default false
       */
      apply?: boolean;
    };

export type SingapaySimulatorFaultKind = SingapaySimulatorFault['kind'];

export const SINGAPAY_SIMULATOR_FAULT_KINDS: readonly SingapaySimulatorFaultKind[] = [
  'latency',
  'hang',
  'resetBeforeApply',
  'resetAfterApply',
  'html',
  'truncated',
  'code',
  'tokenFailure',
  'status',
];

/** Filters on the request's JSON body; every given field must equal the body's. */
export interface SingapaySimulatorFaultMatch {
  /** The body's `command`. */
  command?: string;
  /** `data.customer_id`. */
  customerId?: string;
  /** `data.reference_number`. */
  referenceNumber?: string;
  /** `data.product_code`. */
  productCode?: string;
  /** `data.transaction_id`. */
  transactionId?: string;
  /** `data.page` of a list request, as text (`"2"`); a page sent as a number matches too. */
  page?: string;
}

const MATCH_FIELDS = ['command', 'customerId', 'referenceNumber', 'productCode', 'transactionId', 'page'] as const;

export interface SingapaySimulatorFaultRule {
  /** Which requests: a named endpoint, `'*'` or an exact path. */
  endpoint: SingapaySimulatorFaultEndpoint;
  fault: SingapaySimulatorFault;
  /**
   * Only requests whose body matches.
   * @default {} (every request to the endpoint)
   */
  match?: SingapaySimulatorFaultMatch;
  /**
   * Fault the next N matching requests (those the probability picks), then drop the rule.
   * @default unlimited (until removed)
   */
  times?: number;
  /**
   * Chance, 0..1, that a matching request is faulted; drawn from the simulator's
   * seeded generator (option `faultSeed`), so a run is reproducible.
   * @default 1
   */
  probability?: number;
}

/** A rule as `list()` and `get()` show it. */
export interface SingapaySimulatorFaultRuleInfo {
  id: string;
  endpoint: SingapaySimulatorFaultEndpoint;
  fault: SingapaySimulatorFault;
  match: SingapaySimulatorFaultMatch;
  times: number | null;
  probability: number | null;
  /** Faults still to inject; null when unlimited. */
  remaining: number | null;
  /** Requests the rule caught that matched its endpoint and filter, probability misses included. */
  matched: number;
  /** Requests the rule actually faulted. */
  hits: number;
  /** False once `times` is used up (the rule no longer applies and `list()` leaves it out). */
  active: boolean;
}

/** What the injector needs to know of a request to pick a rule. */
export interface SimulatorFaultTarget {
  path: string;
  /** The parsed JSON body, or undefined when it is not a JSON object. */
  body: Record<string, unknown> | undefined;
}

interface StoredRule {
  info: SingapaySimulatorFaultRuleInfo;
  rule: SingapaySimulatorFaultRule;
}

/** A bad rule, from code or from `POST /__simulator/faults`. */
export class SingapaySimulatorFaultRuleError extends Error {
  override readonly name = 'SingapaySimulatorFaultRuleError';
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

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new SingapaySimulatorFaultRuleError(message);
}

function optionalBoolean(fault: Json, field: string): boolean | undefined {
  const value = fault[field];
  if (value !== undefined && typeof value !== 'boolean') fail(`fault.${field} must be a boolean`);
  return value;
}

function httpStatus(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 599) {
    fail(`${field} must be an integer HTTP status from 200 to 599`);
  }
  return value;
}

const TOKEN_FAILURE_STATUSES: readonly number[] = [401, 403, 500, 503];

/** Checks an untrusted fault; returns a clean copy with only known fields. */
function parseFault(input: unknown): SingapaySimulatorFault {
  if (!isObject(input)) fail('fault must be an object with a kind');
  const kind = input.kind;
  switch (kind) {
    case 'latency': {
      const ms = input.ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 600_000) {
        fail('fault.ms must be a number of milliseconds from 0 to 600000');
      }
      const processFirst = optionalBoolean(input, 'processFirst');
      return { kind, ms, ...(processFirst === undefined ? {} : { processFirst }) };
    }
    case 'hang': {
      const apply = optionalBoolean(input, 'apply');
      return { kind, ...(apply === undefined ? {} : { apply }) };
    }
    case 'resetBeforeApply':
    case 'resetAfterApply':
      return { kind };
    case 'html': {
      const status = input.status === undefined ? undefined : httpStatus(input.status, 'fault.status');
      const apply = optionalBoolean(input, 'apply');
      return { kind, ...(status === undefined ? {} : { status }), ...(apply === undefined ? {} : { apply }) };
    }
    case 'truncated': {
      const apply = optionalBoolean(input, 'apply');
      return { kind, ...(apply === undefined ? {} : { apply }) };
    }
    case 'code': {
      if (typeof input.code !== 'string' || !/^\d{1,3}$/.test(input.code)) fail('fault.code must be a string of 1 to 3 digits');
      const status = input.httpStatus === undefined ? undefined : httpStatus(input.httpStatus, 'fault.httpStatus');
      const apply = optionalBoolean(input, 'apply');
      return {
        kind,
        code: input.code,
        ...(status === undefined ? {} : { httpStatus: status }),
        ...(apply === undefined ? {} : { apply }),
      };
    }
    case 'tokenFailure': {
      if (typeof input.status !== 'number' || !TOKEN_FAILURE_STATUSES.includes(input.status)) {
        fail('fault.status must be 401, 403, 500 or 503');
      }
      if (input.message !== undefined && typeof input.message !== 'string') fail('fault.message must be a string');
      return {
        kind,
        status: input.status as 401 | 403 | 500 | 503,
        ...(input.message === undefined ? {} : { message: input.message }),
      };
    }
    case 'status': {
      const status = httpStatus(input.httpStatus, 'fault.httpStatus');
      const headers = input.headers;
      if (headers !== undefined && (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
        fail('fault.headers must map header names to strings');
      }
      const apply = optionalBoolean(input, 'apply');
      return {
        kind,
        httpStatus: status,
        ...(input.body === undefined ? {} : { body: structuredClone(input.body) }),
        // Lower-cased so they replace, rather than duplicate, the content-type the simulator would set.
        ...(headers === undefined
          ? {}
          : { headers: Object.fromEntries(Object.entries(headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])) }),
        ...(apply === undefined ? {} : { apply }),
      };
    }
    default:
      return fail(`fault.kind must be one of ${SINGAPAY_SIMULATOR_FAULT_KINDS.join(', ')}`);
  }
}

/** Checks an untrusted rule (a JSON body or a typed object) and returns a clean copy; throws `SingapaySimulatorFaultRuleError`. */
export function parseSingapaySimulatorFaultRule(input: unknown): SingapaySimulatorFaultRule {
  if (!isObject(input)) fail('a fault rule must be a JSON object');
  const endpoint = input.endpoint;
  if (
    typeof endpoint !== 'string' ||
    !((SINGAPAY_SIMULATOR_FAULT_ENDPOINTS as readonly string[]).includes(endpoint) || endpoint.startsWith('/'))
  ) {
    fail(`endpoint must be one of ${SINGAPAY_SIMULATOR_FAULT_ENDPOINTS.join(', ')} or a path starting with /`);
  }
  if (endpoint.startsWith('/__simulator')) fail('the control interface cannot be faulted');
  const fault = parseFault(input.fault);

  let match: SingapaySimulatorFaultMatch | undefined;
  if (input.match !== undefined) {
    if (!isObject(input.match)) fail('match must be an object');
    match = {};
    for (const [field, value] of Object.entries(input.match)) {
      if (!(MATCH_FIELDS as readonly string[]).includes(field)) fail(`match.${field} is not one of ${MATCH_FIELDS.join(', ')}`);
      if (typeof value !== 'string') fail(`match.${field} must be a string`);
      match[field as (typeof MATCH_FIELDS)[number]] = value;
    }
  }
  const times = input.times;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    fail('times must be an integer >= 1');
  }
  const probability = input.probability;
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    fail('probability must be a number from 0 to 1');
  }
  return {
    endpoint: endpoint as SingapaySimulatorFaultEndpoint,
    fault,
    ...(match === undefined ? {} : { match }),
    ...(times === undefined ? {} : { times }),
    ...(probability === undefined ? {} : { probability }),
  };
}
