import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// `npm run test:browser`: Swagger UI in a real Chromium (Debian's /usr/bin/chromium
// through playwright-core). Kept apart from `npm test`, which needs no browser; the
// decorator, path and setup settings come from the main config.
export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    ...base.test,
    include: ['test/browser/**/*.browser-spec.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['verbose'],
  },
});
