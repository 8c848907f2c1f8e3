// Adapter plugins (TECHNIQUES.md §2), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { lora } from './lora.js';

export const adapter: AnyTechnique[] = [lora];
