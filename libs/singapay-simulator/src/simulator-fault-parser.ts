import {
  MATCH_FIELDS,
  SINGAPAY_SIMULATOR_FAULT_ENDPOINTS,
  SINGAPAY_SIMULATOR_FAULT_KINDS,
  SingapaySimulatorFaultRuleError,
  type SingapaySimulatorFault,
  type SingapaySimulatorFaultEndpoint,
  type SingapaySimulatorFaultMatch,
  type SingapaySimulatorFaultRule,
} from './simulator-fault-rules.js';

/* Fault rules from untrusted JSON (the control interface, the CLI): every field checked. */

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
