// The technique docs are generated from the registry; this fails when a technique was added without regenerating.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { techniqueDocs } from '../scripts/technique-docs.js';
import { ROOT } from '../core/paths.js';

it('docs/techniques.md matches the registry (regenerate: npx tsx scripts/technique-docs.ts)', () => {
  assert.equal(fs.readFileSync(path.join(ROOT, 'docs', 'techniques.md'), 'utf8'), techniqueDocs());
});
