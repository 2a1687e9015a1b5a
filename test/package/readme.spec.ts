import { readFileSync, writeFileSync } from 'node:fs';
import { renderSingapayResponseCodeTable } from '../../libs/singapay/src/errors/singapay-response-codes.markdown.js';

const README = new URL('../../README.md', import.meta.url);
const START = '<!-- response-codes:start (generated from SINGAPAY_RESPONSE_CODES; UPDATE_README=1 npm test -- readme) -->';
const END = '<!-- response-codes:end -->';

describe('README', () => {
  it('shows the response code table exactly as SINGAPAY_RESPONSE_CODES defines it', () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const expected = `${START}\n${renderSingapayResponseCodeTable()}\n${END}`;
    const actual = readme.slice(start, end + END.length);
    if (actual !== expected && process.env.UPDATE_README) {
      writeFileSync(README, readme.replace(actual, expected));
      return;
    }
    expect(actual).toBe(expected);
  });

  it("gives the install lines of the package README, which the consumer matrix runs, the tarball's path for the name", () => {
    // The lines of each Nest major: `npm install nestjs-singapay …` and its optional terminus line.
    const installLines = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^# Nest \d+$/.test(line) || /^npm install (nestjs-singapay|\S+\.tgz|@nestjs\/terminus)/.test(line))
        .map((line) => line.replace(/^npm install \S+\.tgz/, 'npm install nestjs-singapay'));
    const root = installLines(readFileSync(README, 'utf8'));
    const shipped = installLines(readFileSync(new URL('../../tools/package/README.md', import.meta.url), 'utf8'));
    expect(shipped.length).toBeGreaterThanOrEqual(9);
    expect(root).toEqual(shipped);
  });

  it('keeps the two quick-start commands', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
