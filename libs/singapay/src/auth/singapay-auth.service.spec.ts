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
  it.each([
    ['expires_in as stated, within the JWT', 3600, 3600, 3600],
    ['expires_in in milliseconds by mistake: the JWT decides', 3_600_000, 3600, 3600],
    ['a JWT longer than stated: the statement', 600, 3600, 600],
    ['nothing stated: the JWT', undefined, 1800, 1800],
    ['a JWT already past on our clock: the statement', 3600, -20, 3600],
    ['neither: a short guess', undefined, undefined, 300],
    ['an absurd statement and no JWT: a day at most', 1e300, undefined, 86_400],
  ])('%s', (_name, stated, signed, expected) => {
    expect(singapayTokenLifetimeSeconds(stated, signed)).toBe(expected);
  });
});
