import { readSingapayToken } from './singapay-token.reader.js';

const TOKEN = '1234-5678-9012-3456-7890';

describe('readSingapayToken', () => {
  it.each([
    ['top-level data.token', { token: TOKEN }],
    ['other_info as a map', { token: null, other_info: { token: TOKEN } }],
    ['other_info with another spelling', { other_info: { 'PLN Token': TOKEN } }],
    [
      'other_info as name/value pairs',
      {
        other_info: [
          { name: 'kwh', value: '32.1' },
          { name: 'Token', value: TOKEN },
        ],
      },
    ],
    ['other_info as key/value pairs', { other_info: [{ key: 'token', value: TOKEN }] }],
    ['other_info as a list of one-entry maps', { other_info: [{ token: TOKEN }] }],
    ['other_info as JSON text', { other_info: JSON.stringify({ token: TOKEN }) }],
    ['other_info as JSON text of pairs', { other_info: JSON.stringify([{ name: 'token', value: TOKEN }]) }],
    ['20 digits, ungrouped', { token: '12345678901234567890' }],
  ])('finds it in %s', (_where, data) => {
    const token = readSingapayToken(data as Record<string, unknown>);
    expect(token?.replace(/-/g, '')).toBe('12345678901234567890');
  });

  it.each([
    ['the payment answer (token: null)', { token: null, transaction_id: '01JXVCEF994H9VWF2V99839Z7D' }],
    ['an empty other_info', { other_info: [] }],
    ['an empty map', { other_info: {} }],
    ['a label, not a token', { other_info: { token: 'pending' } }],
    ['another product field', { other_info: { serial_number: '1234567890123456' } }],
    ['broken JSON text', { other_info: '{"token":' }],
  ])('finds none in %s', (_where, data) => {
    expect(readSingapayToken(data as Record<string, unknown>)).toBeUndefined();
  });
});
