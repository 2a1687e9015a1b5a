import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './sample-bootstrap.js';
import { createSampleLogger } from './sample-logger.js';

Logger.overrideLogger(createSampleLogger());
// LOG_LEVEL=debug shows the module's per-call lines too (SINGAPAY_DEBUG_LOGS, off by default).
if (process.env.LOG_LEVEL === 'debug') process.env.SINGAPAY_DEBUG_LOGS ??= 'true';
const logger = new Logger('Sample');
let sample: Awaited<ReturnType<typeof createSampleApp>> | undefined;
try {
  const port = Number(process.env.PORT ?? 3000);
  sample = await createSampleApp(logger, port);
  const host = process.env.HOST ?? '127.0.0.1';
  await sample.app.listen(port, host);
  // The port it got (PORT=0 picks a free one), on the host it listens on.
  const bound = (sample.app.getHttpServer().address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
  logger.log(`Sample app listening on ${url}`);
  logger.log(`API docs: ${url}/docs (OpenAPI JSON at ${url}/docs-json); health: ${url}/health`);
  logger.log(`Try: curl -H 'X-Api-Key: <key>' ${url}/balance (the key: SAMPLE_API_KEY, sample-simulator-key on the simulator)`);
  logger.log(`Payments: POST ${url}/bills/pay with Idempotency-Key and X-Api-Key headers; follow one at GET ${url}/payments/<key>`);
  logger.log(
    `Try: curl -H 'X-Api-Key: <key>' -X POST ${url}/bills/inquiry -H 'Content-Type: application/json' -d '{"command":"plnpos","productCode":"SPPLNPOS","customerId":"146300068064"}'`,
  );
} catch (error) {
  // Configuration errors name the field; print them without a stack trace wall.
  logger.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
  // Release the port and the in-process simulator, or the process would linger after failing.
  await sample?.close().catch(() => undefined);
}
