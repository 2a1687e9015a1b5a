// An HTTP app under autocannon: the repo's sample app (run as shipped, through
// `createSampleApp`) or a bare Nest app that makes the same upstream call by hand.
import 'reflect-metadata';
import { Controller, Get, Logger, Module, ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { createSampleApp } from '../apps/sample/src/sample-bootstrap.js';
import { SINGAPAY_ENV_VARS, SingapayInputShapePipe } from '../libs/singapay/src/index.js';
import { createAxiosClient, type UpstreamTarget } from './bench-clients.js';
import { serveIpc } from './bench-ipc.js';

export type AppKind = 'sample' | 'bare';

const kind = (process.env.BENCH_APP ?? 'sample') as AppKind;
const target = JSON.parse(process.env.BENCH_TARGET ?? '{}') as UpstreamTarget;

async function sampleApp(): Promise<{ app: INestApplication; close: () => Promise<void> }> {
  // The same configuration path as production: SINGAPAY_* variables read by singapayConfig.
  process.env[SINGAPAY_ENV_VARS.environment] = 'sandbox';
  process.env[SINGAPAY_ENV_VARS.baseUrl] = target.baseUrl;
  process.env[SINGAPAY_ENV_VARS.apiKey] = target.credentials.apiKey;
  process.env[SINGAPAY_ENV_VARS.clientId] = target.credentials.clientId;
  process.env[SINGAPAY_ENV_VARS.clientSecret] = target.credentials.clientSecret;
  process.env[SINGAPAY_ENV_VARS.password] = target.credentials.password;
  // With credentials the sample wants a key for its route that pays (the bench only reads the balance).
  process.env.SAMPLE_API_KEY = 'bench-sample-key';
  const sample = await createSampleApp(new Logger('Sample'), 0);
  return sample;
}

async function bareApp(): Promise<{ app: INestApplication; close: () => Promise<void> }> {
  const upstream = createAxiosClient(target);

  @Controller('balance')
  class BareBalanceController {
    @Get()
    balance() {
      return upstream.calls.checkBalance();
    }
  }

  @Module({ controllers: [BareBalanceController] })
  class BareModule {}

  const app = await NestFactory.create(BareModule, { abortOnError: false });
  // The sample app's global pipe, so the two differ only in how they call upstream.
  app.useGlobalPipes(new SingapayInputShapePipe(), new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  return {
    app,
    close: async () => {
      await app.close();
      await upstream.close();
    },
  };
}

// The sample app logs a debug line per Singapay call by default; printing them would measure the terminal.
Logger.overrideLogger(['error']);
const { app, close } = kind === 'sample' ? await sampleApp() : await bareApp();
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as AddressInfo;
serveIpc({ url: `http://127.0.0.1:${port}` }, {}, close);
