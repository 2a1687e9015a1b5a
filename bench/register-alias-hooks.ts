// Loaded with `node --import` before the sample app, so its `@app/*` imports resolve.
import { register } from 'node:module';

register('./alias-hooks.js', import.meta.url);
