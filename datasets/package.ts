// Checks on the npm data packages built-in datasets come from: present or not, and which version (for cache keys).
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function packageVersion(pkg: string): string {
  return (JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
}

/** null when the package is installed; otherwise the sentence a user needs. */
export function packageUnavailable(pkg: string): string | null {
  try {
    require.resolve(`${pkg}/package.json`);
    return null;
  } catch {
    return `The npm package ${pkg} is not installed; run "npm install ${pkg}".`;
  }
}
