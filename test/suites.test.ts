// Every built-in suite parses and names only registered models, datasets and techniques, with configs they accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSuites, loadSuite } from '../harness/sweep/suite.js';
import { models } from '../harness/zoo/bases.js';
import { datasetRegistry } from '../datasets/index.js';
import { techniques } from '../techniques/index.js';

for (const name of builtinSuites()) {
  test(`built-in suite "${name}" names registered models, datasets and techniques with valid configs`, () => {
    const suite = loadSuite(name);
    for (const m of suite.models) if (typeof m === 'string') assert.ok(models.has(m), `${name}: model ${m}`);
    for (const d of suite.datasets) if (typeof d === 'string') assert.ok(datasetRegistry.has(d), `${name}: dataset ${d}`);
    for (const e of suite.techniques) {
      const { id, config } = typeof e === 'string' ? { id: e, config: {} } : e;
      assert.ok(techniques.has(id), `${name}: technique ${id}`);
      assert.doesNotThrow(() => techniques.get(id).validate(config), `${name}: ${id} config`);
    }
  });
}
