import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  // Nest's DI reads constructor types from decorator metadata, which oxc only
  // emits with legacy decorators switched on explicitly.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { tsconfigPaths: true },
  test: {
    globals: true,
    include: ['{apps,libs,test}/**/*.{spec,e2e-spec}.ts'],
    // The consumer apps' own tests, run by their own runners in `npm run test:consumer`.
    exclude: [...configDefaults.exclude, 'test/consumer/apps/**'],
    setupFiles: ['./test/support/vitest.setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
