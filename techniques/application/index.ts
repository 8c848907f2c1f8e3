// application plugins (TECHNIQUES.md §6), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';

export const application: AnyTechnique[] = [];
