// Adapter plugins (TECHNIQUES.md §2), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { lora } from './lora.js';
import { dora } from './dora.js';
import { vera } from './vera.js';
import { adalora } from './adalora.js';
import { ia3 } from './ia3.js';
import { houlsby } from './houlsby.js';
import { parallelAdapter } from './parallel-adapter.js';
import { prefix } from './prefix.js';
import { prompt } from './prompt.js';
import { loha } from './loha.js';
import { lokr } from './lokr.js';
import { mora } from './mora.js';

export const adapter: AnyTechnique[] = [lora, dora, vera, adalora, ia3, houlsby, parallelAdapter, prefix, prompt, loha, lokr, mora];
