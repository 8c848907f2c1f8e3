// The conformance suite: a table of (technique, config, families) rows — every technique's defaults on the encoder,
// decoder and GPT-2 families, and every config a built-in suite runs — against the invariants of DESIGN.md.
import { techniques } from '../techniques/index.js';
import { conformance, tableOf } from './helpers/conformance.js';

const only = process.env.FTBENCH_TECHNIQUES?.split(',');

for (const row of tableOf(techniques.all().filter((t) => !only || only.includes(t.id)))) conformance(row);
