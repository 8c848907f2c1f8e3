// application plugins (TECHNIQUES.md §6), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { longlora } from './longlora.js';
import { lorahub } from './lorahub.js';
import { sLora } from './s-lora.js';
import { oLora } from './o-lora.js';

export const application: AnyTechnique[] = [longlora, lorahub, sLora, oLora];
