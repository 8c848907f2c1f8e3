// Adapter plugins (TECHNIQUES.md §2), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { lora } from './lora.js';
import { ia3 } from './ia3.js';
import { houlsby } from './houlsby.js';
import { parallelAdapter } from './parallel-adapter.js';
import { prefix } from './prefix.js';
import { prompt } from './prompt.js';

export const adapter: AnyTechnique[] = [lora, ia3, houlsby, parallelAdapter, prefix, prompt];
