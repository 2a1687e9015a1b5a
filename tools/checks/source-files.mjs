// What the structure checks read: the TypeScript sources under a folder (no tests, no
// declarations), and the relative imports of each.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function* sources(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.ts$/.test(name) && !/\.(e2e-)?spec\.ts$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

/** `import … from './x.js'`, `export … from '../y.js'` and `import('./z.js')`: group 1 or 2 is the path. */
export const RELATIVE_IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
