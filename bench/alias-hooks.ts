// Resolves the repo's `@app/*` path aliases for the compiled sample app, which
// imports `@app/singapay` as the Nest CLI build does; tsc leaves aliases as written.
import type { ResolveHook } from 'node:module';

const ALIASES: Record<string, string> = {
  '@app/singapay-simulator': '../libs/singapay-simulator/src/',
  '@app/singapay': '../libs/singapay/src/',
};

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  for (const [alias, dir] of Object.entries(ALIASES)) {
    if (specifier === alias || specifier.startsWith(`${alias}/`)) {
      const sub = specifier.slice(alias.length + 1);
      const rest = specifier === alias ? 'index.js' : sub.endsWith('.js') ? sub : `${sub}.js`;
      return nextResolve(new URL(dir + rest, import.meta.url).href, context);
    }
  }
  return nextResolve(specifier, context);
};
