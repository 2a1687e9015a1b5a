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

describe('SingapaySecret', () => {
  it('prints as [REDACTED] and reveals only on request', () => {
    const secret = new SingapaySecret('s3cret-value');
    expect(`${JSON.stringify({ secret })} ${inspect(secret)} ${String(secret)}`).not.toContain('s3cret-value');
    expect(secret.reveal()).toBe('s3cret-value');
  });
});
