// The technique registry: each category folder lists its plugins in its index.ts; this file registers them all.
import { Registry } from '../core/registry.js';
import type { AnyTechnique } from '../harness/plugin.js';
import { trainingMethod } from './training-method/index.js';
import { adapter } from './adapter/index.js';
import { quantization } from './quantization/index.js';
import { parameterSelection } from './parameter-selection/index.js';
import { mixtureOfExperts } from './mixture-of-experts/index.js';
import { application } from './application/index.js';

export const techniques = new Registry<AnyTechnique>('technique');

for (const t of [...trainingMethod, ...adapter, ...quantization, ...parameterSelection, ...mixtureOfExperts, ...application]) {
  techniques.register(t);
}
