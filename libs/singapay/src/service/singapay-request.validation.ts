import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { fastValidatedInput } from './singapay-input.fast-path.js';

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = `${prefix}${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(`property ${e.property} should not exist`) ? `${path} is not accepted` : m,
    );
    return [...own, ...messages(e.children ?? [], `${path}.`)];
  });
}

// A hostile request with thousands of bad fields must not get an answer as large.
const MAX_PROBLEMS = 20;

function badRequest(problems: string[]): BadRequestException {
  const shown =
    problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems`] : problems;
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: shown });
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const KNOWN = new WeakMap<object, Set<string>>();

/** The fields a DTO class declares, from its validation metadata. */
function knownFields(cls: new () => object): Set<string> {
  let fields = KNOWN.get(cls);
  if (!fields) {
    fields = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(cls, '', true, false)
        .map((m) => m.propertyName),
    );
    KNOWN.set(cls, fields);
  }
  return fields;
}

/**
 * Validates a caller's input against a DTO class before anything is sent.
 * Unknown fields are refused (a typo must not be dropped silently), and every
 * problem is reported in one 400 whose messages name the fields, as Nest's
 * `ValidationPipe` does. `extra` adds cross-field rules checked on the result.
 */
export function validateSingapayInput<T extends object>(cls: new () => T, input: unknown, extra?: (value: T) => string[]): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: ['request must be an object'] });
  }
  // Every field of every request is a scalar. Checking that first keeps hostile shapes
  // (deep nesting, __proto__ / constructor keys, which class-transformer would recurse
  // into or drop silently) from ever reaching it.
  const shape: string[] = [];
  const known = knownFields(cls);
  for (const key of Reflect.ownKeys(input)) {
    const name = String(key);
    if (typeof key === 'symbol' || FORBIDDEN_KEYS.has(name) || !known.has(name)) shape.push(`${name} is not accepted`);
    else {
      const v = (input as Record<string, unknown>)[name];
      if (v !== null && typeof v === 'object')
        shape.push(`${name} must be a string or a number, not ${Array.isArray(v) ? 'a list' : 'an object'}`);
    }
  }
  if (shape.length > 0) throw badRequest(shape);
  const fast = fastValidatedInput(cls, input);
  if (fast) {
    const crossField = extra?.(fast) ?? [];
    if (crossField.length > 0) throw badRequest(crossField);
    return fast;
  }
  // A DTO instance (from Nest's ValidationPipe) needs no second transformation.
  const value = input instanceof cls ? input : plainToInstance(cls, input);
  const problems = messages(validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
  if (problems.length === 0 && extra) problems.push(...extra(value));
  if (problems.length > 0) throw badRequest(problems);
  return value;
}
