import { parseExpiresIn, singapayTokenLifetimeSeconds } from './singapay-auth.service.js';

describe('parseExpiresIn', () => {
  it.each([
    ['3600', 3600],
    [3600, 3600],
    [' 3600 ', 3600],
    ['3600.9', 3600],
    [2, 2],
  ])('reads %j as %d seconds', (input, expected) => {
    expect(parseExpiresIn(input)).toBe(expected);
  });

  it.each([[undefined], [null], [''], ['soon'], ['-5'], [0], [0.9], ['0.5'], [-1], [Number.NaN], [Infinity], [{}], ['1e3']])(
    'finds no lifetime in %j, so the caller falls back to a conservative one',
    (input) => {
      expect(parseExpiresIn(input)).toBeUndefined();
    },
  );
});

describe('singapayTokenLifetimeSeconds', () => {
  const signed = (seconds: number) => ({ seconds, onItsClock: true });
  const left = (seconds: number) => ({ seconds, onItsClock: false });
  it.each([
    ['expires_in as stated, within the JWT', 3600, signed(3600), 3600],
    ['expires_in in milliseconds by mistake: the JWT decides', 3_600_000, signed(3600), 3600],
    ['a JWT longer than stated: the statement', 600, signed(3600), 600],
    ['a JWT without iat, counted on our clock, never cuts a statement (our clock may be ahead)', 3600, left(200), 3600],
    ['nothing stated: the JWT', undefined, signed(1800), 1800],
    ['nothing stated, a JWT without iat: the seconds left on our clock', undefined, left(1200), 1200],
    ['nothing stated, a JWT already past on our clock: a short guess', undefined, left(-20), 300],
    ['neither: a short guess', undefined, undefined, 300],
    ['an absurd statement and no JWT: a day at most', 1e300, undefined, 86_400],
  ])('%s', (_name, stated, jwt, expected) => {
    expect(singapayTokenLifetimeSeconds(stated, jwt)).toBe(expected);
  });
});
