// Training-method plugins (TECHNIQUES.md §1), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { fullFt } from './full-ft.js';
import { galore } from './galore.js';
import { relora } from './relora.js';
import { lisa } from './lisa.js';
import { loraPlus } from './lora-plus.js';
import { rslora } from './rslora.js';
import { loraFa } from './lora-fa.js';
import { dylora } from './dylora.js';
import { pissa } from './pissa.js';
import { neftune } from './neftune.js';

export const trainingMethod: AnyTechnique[] = [fullFt, loraPlus, rslora, galore, relora, loraFa, dylora, lisa, pissa, neftune];
