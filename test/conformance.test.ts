// The conformance suite: every registered technique, on both model families, against the invariants of DESIGN.md.
import { techniques } from '../techniques/index.js';
import { conformance } from './helpers/conformance.js';

const only = process.env.FTBENCH_TECHNIQUES?.split(',');

for (const t of techniques.all().filter((t) => !only || only.includes(t.id))) conformance(t);
