// Training-method plugins (TECHNIQUES.md §1), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { fullFt } from './full-ft.js';

export const trainingMethod: AnyTechnique[] = [fullFt];
