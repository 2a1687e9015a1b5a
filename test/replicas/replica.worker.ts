// One replica of a Nest app using the module, driven by its parent over IPC.
// Compiled by test/replicas.e2e-spec.ts and run as a plain Node process.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SingapayModule, SingapayService, type SingapayModuleOptions } from '../../libs/singapay/src/index.js';

interface Command {
  id: number;
  op: 'balance' | 'inquiry' | 'pay' | 'getPayment' | 'reconcile';
  input?: Record<string, unknown>;
  key?: string;
}

const options = JSON.parse(process.env.REPLICA_OPTIONS ?? '{}') as SingapayModuleOptions;

@Module({ imports: [SingapayModule.forRoot({ ...options, isGlobal: true })] })
class ReplicaModule {}

const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: ['error', 'warn', 'log'], abortOnError: false });
const singapay = app.get(SingapayService);

const strip = (value: unknown): unknown => {
  if (value && typeof value === 'object' && 'raw' in value) {
    const { raw: _raw, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  return value;
};

process.on('message', (message: Command) => {
  const run = async (): Promise<unknown> => {
    switch (message.op) {
      case 'balance':
        return singapay.checkBalance();
      case 'inquiry':
        return singapay.inquiry(message.input as never);
      case 'pay':
        return singapay.pay(message.input as never);
      case 'getPayment':
        return singapay.getPayment(message.key!);
      case 'reconcile':
        return singapay.sweepPayments();
    }
  };
  run().then(
    (result) => process.send?.({ id: message.id, ok: true, result: strip(result) }),
    (error: { name?: string; message?: string; responseCode?: string; responseType?: string; getStatus?: () => number }) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: {
          name: error?.name,
          message: error?.message,
          code: error?.responseCode,
          type: error?.responseType,
          status: error?.getStatus?.(),
        },
      }),
  );
});

process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
process.send?.({ ready: true });
