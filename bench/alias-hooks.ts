// Resolves the sample app's `@app/*` imports as the Nest CLI build does (tsc leaves them as written).
import type { ResolveHook } from 'node:module';

export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const alias = /^@app\/(singapay(?:-simulator)?)(?:\/(.+?))?(?:\.js)?$/.exec(specifier);
  const url = alias && new URL(`../libs/${alias[1]}/src/${alias[2] ?? 'index'}.js`, import.meta.url).href;
  return nextResolve(url ?? specifier, context);
};
