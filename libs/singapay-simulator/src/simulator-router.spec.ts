import { acceptsJson, normaliseIp } from './simulator-router.js';

describe('acceptsJson', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['*/*', true],
    ['application/*', true],
    ['text/html, application/json;q=0.9', true],
    ['text/html', false],
    ['application/xml, text/html', false],
    ['application/json;q=0', false],
  ])('%j -> %s', (accept, expected) => {
    expect(acceptsJson(accept)).toBe(expected);
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(normaliseIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseIp('::1')).toBe('::1');
  });
});
