import { SingapayException } from '../errors/singapay.exception.js';
import { SINGAPAY_TELEMETRY_NAMES } from './singapay-telemetry.names.js';

/*
 * Every attribute a span or metric of the module carries is built here, from an allow
 * list of fields whose values are the module's own words (operation, command, product
 * code, code, type, cause, delivery), numbers, or the idempotency key's log hash. An
 * exception's message, Singapay's texts, bodies, headers, URLs and customer ids are
 * never read, so they cannot reach an exporter.
 */

export type SingapayTelemetryAttributes = Record<string, string | number>;

const A = SINGAPAY_TELEMETRY_NAMES.attributes;

const matching = (pattern: RegExp) => (value: unknown) => (typeof value === 'string' && pattern.test(value) ? value : undefined);
// Operations, commands, product codes, types and causes are short identifiers.
const word = matching(/^[A-Za-z0-9_.-]{1,64}$/);
// Normalised response codes (`00`…`99`, unknown ones up to three digits).
const code = matching(/^\d{2,3}$/);
const httpStatus = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined;

/** The attributes with a value (of `names` only: a metric's low-cardinality ones); the others are left out rather than sent empty. */
export function defined(attributes: Partial<SingapayTelemetryAttributes>, names = Object.keys(attributes)): SingapayTelemetryAttributes {
  const out: SingapayTelemetryAttributes = {};
  for (const name of names) if (attributes[name] !== undefined) out[name] = attributes[name];
  return out;
}

/** What a business call is, as far as telemetry may say: never the customer or the body. */
export interface SingapayTracedCall {
  operation: string;
  body: { command: string };
  log?: { productCode?: string; idempotencyKey?: string };
}

export function callAttributes(call: SingapayTracedCall, registration: string): SingapayTelemetryAttributes {
  return defined({
    [A.registration]: registration,
    [A.operation]: word(call.operation),
    [A.command]: word(call.body.command),
    [A.productCode]: word(call.log?.productCode),
  });
}

/** What a payment is, as far as telemetry may say. */
export interface SingapayTracedPayment {
  command: string;
  productCode: string;
}

export function paymentAttributes(payment: SingapayTracedPayment, registration: string): SingapayTelemetryAttributes {
  return defined({
    [A.registration]: registration,
    [A.command]: word(payment.command),
    [A.productCode]: word(payment.productCode),
  });
}

export function answerAttributes(responseCode: unknown, status: unknown): SingapayTelemetryAttributes {
  return defined({ [A.responseCode]: code(responseCode), [A.httpStatus]: httpStatus(status) });
}

/**
 * What a failure was: its `responseType` as the standard `error.type`, its cause, whether
 * the request may have left, the code and HTTP status Singapay answered. Never its message.
 */
export function failureAttributes(error: unknown): SingapayTelemetryAttributes {
  if (error instanceof SingapayException) {
    return defined({
      [A.errorType]: word(error.responseType) ?? '_OTHER',
      [A.cause]: word(error.cause),
      [A.delivery]: word(error.delivery),
      ...answerAttributes(error.responseCode, error.upstreamStatus),
    });
  }
  // Not one of ours (a bug, a store's own error): the class name says enough.
  return { [A.errorType]: word((error as Error | undefined)?.name) ?? '_OTHER' };
}
