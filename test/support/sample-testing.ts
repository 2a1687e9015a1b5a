import { Logger } from '@nestjs/common';
import { SINGAPAY_ENV_VARS } from '@app/singapay';
import { createSampleApp, type SampleApp } from '../../apps/sample/src/sample-bootstrap.js';
import { SAMPLE_API_KEY_VAR, SAMPLE_SIMULATOR_API_KEY } from '../../apps/sample/src/auth/sample-guards.js';
import { freePort } from './free-port.js';
import { registerSecret } from './log-capture.js';

/** The key the sample on its simulator takes as `X-Api-Key` on the routes that pay. */
export const SAMPLE_KEY = SAMPLE_SIMULATOR_API_KEY;

/** Removes every `SINGAPAY_*` variable (and the sample's API key), so the sample app falls back to its built-in simulator. */
export function clearSingapayEnv(): void {
  for (const name of Object.values(SINGAPAY_ENV_VARS)) delete process.env[name];
  delete process.env[SAMPLE_API_KEY_VAR];
}

/**
 * The sample app exactly as `npm start` runs it with no credentials: its own simulator
 * in-process, listening on a free loopback port (which the simulator's callbacks reach).
 */
export async function startSampleOnSimulator(): Promise<{ sample: SampleApp; port: number; baseUrl: string }> {
  clearSingapayEnv();
  const port = await freePort();
  const sample = await createSampleApp(new Logger('Sample'), port);
  registerSecret(sample.simulator!.credentials.clientSecret, sample.simulator!.credentials.password);
  await sample.app.listen(port, '127.0.0.1');
  return { sample, port, baseUrl: `http://127.0.0.1:${port}` };
}
