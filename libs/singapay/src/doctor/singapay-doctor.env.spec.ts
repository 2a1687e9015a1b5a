import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSingapayDoctorEnv } from './singapay-doctor.env.js';

describe('loadSingapayDoctorEnv', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'singapay-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a .env as the app does: a line without "=" is dropped, never joined to the next name', () => {
    writeFileSync(join(dir, '.env'), '# flags\nSOME_FLAG\n\nSINGAPAY_ENV=production\nexport SINGAPAY_CLIENT_ID=shop\nNOTE="two\nlines"\n');
    const { env, sources } = loadSingapayDoctorEnv({ env: {}, cwd: dir });
    expect(env).toEqual({ SINGAPAY_ENV: 'production', SINGAPAY_CLIENT_ID: 'shop', NOTE: 'two\nlines' });
    expect(sources).toEqual({ SINGAPAY_ENV: '.env', SINGAPAY_CLIENT_ID: '.env' });
  });

  it('drops a line without "=" before an exported name too, and takes the last of a name given twice', () => {
    writeFileSync(join(dir, '.env'), 'SINGAPAY_ENV=sandbox\nFLAG\nexport SINGAPAY_ENV=production\n');
    expect(loadSingapayDoctorEnv({ env: {}, cwd: dir }).env).toEqual({ SINGAPAY_ENV: 'production' });
  });

  it('reads "NAME: value" as dotenv does (a colon, then a space), and "NAME:value" as nothing', () => {
    writeFileSync(join(dir, '.env'), 'SINGAPAY_ENV: production\nexport SINGAPAY_CLIENT_ID:  shop\nNOTE: "a: b"\nSINGAPAY_API_KEY:key\n');
    expect(loadSingapayDoctorEnv({ env: {}, cwd: dir }).env).toEqual({
      SINGAPAY_ENV: 'production',
      SINGAPAY_CLIENT_ID: 'shop',
      NOTE: 'a: b',
    });
  });

  it('lets the environment win over the file', () => {
    writeFileSync(join(dir, '.env'), 'SINGAPAY_ENV=production\n');
    expect(loadSingapayDoctorEnv({ env: { SINGAPAY_ENV: 'sandbox' }, cwd: dir }).env.SINGAPAY_ENV).toBe('sandbox');
  });
});
