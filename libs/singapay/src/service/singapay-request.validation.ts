import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { fastValidatedInput, singapayInputRules } from './singapay-input.fast-path.js';

// Every field is a known scalar (checked first), so no error has children or names an unknown field.
const messages = (errors: ValidationError[]): string[] => errors.flatMap((e) => Object.values(e.constraints ?? {}));

// A hostile request with thousands of bad fields must not get an answer as large.
const MAX_PROBLEMS = 20;

function badRequest(problems: readonly string[]): BadRequestException {
  const shown =
    problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems`] : problems;
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: shown });
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NO_PROBLEMS: readonly string[] = Object.freeze([]);
const FULL_PATH = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };

/**
 * Validates a caller's input against a DTO class before anything is sent.
 * Unknown fields are refused (a typo must not be dropped silently), and every
 * problem is reported in one 400 whose messages name the fields, as Nest's
 * `ValidationPipe` does. `extra` adds cross-field rules checked on the result.
 */
export function validateSingapayInput<T extends object>(cls: new () => T, input: unknown, extra?: (value: T) => string[]): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest(['request must be an object']);
  }
  // Every field of every request is a scalar. Checking that first keeps hostile shapes
  // (deep nesting, __proto__ / constructor keys, which class-transformer would recurse
  // into or drop silently) from ever reaching it.
  const shape: string[] = [];
  const { known } = singapayInputRules(cls);
  // Each field read once, from its own plain value: what is checked is what is sent. A getter could answer the
  // check one value and the request another; a hidden (non-enumerable) field would be checked, then not copied.
  // A field given as null is a field not given, as JSON bodies write it: never sent to Singapay as null,
  // nor recorded (a payment's request hash) apart from the same request without it.
  const values: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(input)) {
    const name = String(key);
    const field = Reflect.getOwnPropertyDescriptor(input, key);
    if (typeof key === 'symbol' || FORBIDDEN_KEYS.has(name) || !known.has(name)) shape.push(`${name} is not accepted`);
    else if (!field?.enumerable || !('value' in field)) shape.push(`${name} must be a plain field, not a getter or a hidden one`);
    else if (field.value !== null && typeof field.value === 'object') {
      shape.push(`${name} must be a string or a number, not ${Array.isArray(field.value) ? 'a list' : 'an object'}`);
    } else if (field.value !== null) values[name] = field.value;
  }
  if (shape.length > 0) throw badRequest(shape);
  const given: object = input instanceof cls ? Object.assign(new cls(), values) : values;
  // The fast path when it can say "valid", else class-validator, which also writes the messages.
  // A DTO instance (from Nest's ValidationPipe) needs no second transformation.
  const fast = fastValidatedInput(cls, given);
  const value = fast ?? (given instanceof cls ? given : plainToInstance(cls, given));
  const found = fast ? NO_PROBLEMS : messages(validateSync(value, FULL_PATH));
  const problems = found.length === 0 && extra ? extra(value) : found;
  if (problems.length > 0) throw badRequest(problems);
  return value;
}
