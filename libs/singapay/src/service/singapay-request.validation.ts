import { BadRequestException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = `${prefix}${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((m) =>
      m.startsWith(`property ${e.property} should not exist`) ? `${path} is not accepted` : m,
    );
    return [...own, ...messages(e.children ?? [], `${path}.`)];
  });
}

/**
 * Validates a caller's input against a DTO class before anything is sent.
 * Unknown fields are refused (a typo must not be dropped silently), and every
 * problem is reported in one 400 whose messages name the fields, as Nest's
 * `ValidationPipe` does. `extra` adds cross-field rules checked on the result.
 */
export function validateSingapayInput<T extends object>(
  cls: new () => T,
  input: unknown,
  extra?: (value: T) => string[],
): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: ['request must be an object'] });
  }
  const value = plainToInstance(cls, input);
  const problems = messages(validateSync(value, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
  if (problems.length === 0 && extra) problems.push(...extra(value));
  if (problems.length > 0) {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
  }
  return value;
}
