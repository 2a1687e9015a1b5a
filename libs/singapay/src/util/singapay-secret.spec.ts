import { inspect } from 'node:util';
import { redactSecrets, SingapaySecret } from './singapay-secret.js';

describe('redactSecrets', () => {
  it('masks a secret that contains another whole, in whichever order they are given', () => {
    const password = 'hunter22';
    const url = `postgres://app:${password}@db/pay`;
    for (const secrets of [
      [password, url],
      [url, password],
    ]) {
      expect(redactSecrets(`could not connect to ${url}`, secrets)).toBe('could not connect to [REDACTED]');
      expect(redactSecrets({ raw: [`pw ${password}`] }, secrets)).toEqual({ raw: ['pw [REDACTED]'] });
    }
  });

  it('leaves values shorter than four characters alone, and the input unchanged', () => {
    const input = { message: 'abc abcd' };
    expect(redactSecrets(input, ['abc', 'abcd'])).toEqual({ message: 'abc [REDACTED]' });
    expect(input).toEqual({ message: 'abc abcd' });
  });
});

describe('redactSecrets for a kept answer (partsFrom 8)', () => {
  it('masks a short, PIN-like secret only as a whole value, never inside an amount or an id', () => {
    const body = { data: { password: '123456', amount: '1234567', transaction_id: '01JX123456Q', note: 'Bearer tok-SECRET-TOKEN-1234' } };
    expect(redactSecrets(body, ['123456', 'tok-SECRET-TOKEN-1234'], 8)).toEqual({
      data: { password: '[REDACTED]', amount: '1234567', transaction_id: '01JX123456Q', note: 'Bearer [REDACTED]' },
    });
  });

  it('keeps a "__proto__" key a field of the copy, as it was of the value', () => {
    const body = JSON.parse('{"__proto__": {"x": "secret-value"}, "y": 1}') as Record<string, unknown>;
    const copy = redactSecrets(body, ['secret-value'], 8);
    expect(Object.keys(copy)).toEqual(['__proto__', 'y']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"x":"[REDACTED]"},"y":1}');
  });
});

describe('SingapaySecret', () => {
  it('prints as [REDACTED] and reveals only on request', () => {
    const secret = new SingapaySecret('s3cret-value');
    expect(`${JSON.stringify({ secret })} ${inspect(secret)} ${String(secret)}`).not.toContain('s3cret-value');
    expect(secret.reveal()).toBe('s3cret-value');
  });
});
