/*
 * `npm run demo` runs the README's quick start against a running sample app: here against the
 * sample on its built-in simulator, as a child process over real HTTP.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { clearSingapayEnv, startSampleOnSimulator } from '../support/sample-testing.js';

const run = promisify(execFile);

describe('npm run demo', () => {
  let sample: SampleApp;
  let baseUrl: string;

  beforeAll(async () => {
    ({ sample, baseUrl } = await startSampleOnSimulator());
  });
  afterAll(async () => {
    await sample.close();
    clearSingapayEnv();
  });

  it('inquires, pays under an Idempotency-Key, and prints the payment and the transaction', async () => {
    const before = sample.simulator!.stats().paymentsReceived;
    const { stdout } = await run(process.execPath, ['apps/sample/demo.mjs'], { env: { ...process.env, SAMPLE_URL: baseUrl } });
    expect(stdout).toMatch(/POST \/bills\/inquiry -> 200/);
    expect(stdout).toMatch(/POST \/bills\/pay -> 200/);
    expect(stdout).toMatch(/GET \/payments\/demo-\d+ -> 200/);
    expect(stdout).toMatch(/GET \/transactions\/\w+ -> 200/);
    expect(stdout).toMatch(/Paid NARSONO's bill of Rp 152505 under order demo-\d+: success\./);
    expect(sample.simulator!.stats().paymentsReceived).toBe(before + 1);
    // Again, on the same simulator: the documented bill is paid, so another customer's is.
    const again = await run(process.execPath, ['apps/sample/demo.mjs'], { env: { ...process.env, SAMPLE_URL: baseUrl } });
    expect(again.stdout).toMatch(/POST \/bills\/inquiry -> 409[\s\S]*That bill is paid already: inquiring customer 14630006\d{4} instead/);
    expect(again.stdout).toMatch(/under order demo-\d+: success\./);
    expect(sample.simulator!.stats().paymentsReceived).toBe(before + 2);
  });

  it('says what to do when no sample app answers', async () => {
    const failed = await run(process.execPath, ['apps/sample/demo.mjs'], {
      env: { ...process.env, SAMPLE_URL: 'http://127.0.0.1:9' },
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/start it first \(npm start\)/) });
  });
});
