// The technique registry: every plugin is listed here, once. `ftbench new technique` appends to this list.
import { Registry } from '../harness/registry.js';
import type { AnyTechnique } from '../harness/plugin.js';
import { fullFt } from './training-method/full-ft.js';
import { lora } from './adapter/lora.js';

export const techniques = new Registry<AnyTechnique>('technique');

const ALL: AnyTechnique[] = [
  fullFt,
  lora,
];

for (const t of ALL) techniques.register(t);
