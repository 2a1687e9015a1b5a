import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest injects constructor parameters by their type, which needs decorator
  // metadata: Vitest's transformer (oxc) emits it only when asked.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    globals: true,
    root: './',
    include: ['**/*.e2e-spec.ts'],
  },
});
