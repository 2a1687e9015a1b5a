import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { capturedLogLines, registerSecret, secretLeaks } from './log-capture.js';

@Module({})
class EmptyModule {}

describe('log capture (test/support/vitest.setup.ts)', () => {
  const logged = (marker: string) => capturedLogLines.filter((l) => l.includes(marker));

  it("keeps capturing after @nestjs/testing's compile(), which installs its own console logger", async () => {
    const moduleRef = await Test.createTestingModule({ imports: [EmptyModule] }).compile();
    new Logger('Singapay').error('capture-check-1: payment store could not record the payment: Error');
    expect(logged('capture-check-1')).toEqual([
      expect.stringMatching(/^error capture-check-1: payment store could not record the payment: Error\b/),
    ]);
    await moduleRef.close();
  });

  it('keeps capturing after an app created with logger: false, so its lines are still checked for secrets', async () => {
    const app = await NestFactory.createApplicationContext(EmptyModule, { logger: false, abortOnError: false });
    registerSecret('capture-check-secret-value');
    new Logger('Singapay').error('capture-check-2 leaked capture-check-secret-value');
    const lines = logged('capture-check-2');
    expect(lines).toHaveLength(1);
    expect(secretLeaks(lines)).toEqual([expect.stringMatching(/^a registered secret in: error capture-check-2 leaked \*\*\*/)]);
    // Taken out again, so that the afterEach secret check of this file passes.
    capturedLogLines.splice(capturedLogLines.indexOf(lines[0]!), 1);
    await app.close();
  });
});
