// quantization plugins (TECHNIQUES.md §3), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { qlora } from './qlora.js';
import { int8Lora } from './int8-lora.js';
import { qalora } from './qalora.js';
import { loftq } from './loftq.js';
import { peqa } from './peqa.js';

export const quantization: AnyTechnique[] = [qlora, int8Lora, qalora, loftq, peqa];
