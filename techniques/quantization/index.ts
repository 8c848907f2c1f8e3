// quantization plugins (TECHNIQUES.md §3), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { qlora } from './qlora.js';

export const quantization: AnyTechnique[] = [qlora];
