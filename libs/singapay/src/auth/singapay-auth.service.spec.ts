import { parseExpiresIn } from './singapay-auth.service.js';

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

  it.each([[undefined], [null], [''], ['soon'], ['-5'], [0], [-1], [Number.NaN], [Infinity], [{}], ['1e3']])(
    'finds no lifetime in %j, so the caller falls back to a conservative one',
    (input) => {
      expect(parseExpiresIn(input)).toBeUndefined();
    },
  );
});
