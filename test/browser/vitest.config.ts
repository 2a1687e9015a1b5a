import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:browser`: Swagger UI in a real Chromium (Debian's /usr/bin/chromium
// through playwright-core). Kept apart from `npm test`, which needs no browser.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { tsconfigPaths: true },
  test: {
    globals: true,
    include: ['test/browser/**/*.browser-spec.ts'],
    setupFiles: ['./test/support/vitest.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['verbose'],
  },
});
