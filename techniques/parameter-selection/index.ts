// parameter-selection plugins (TECHNIQUES.md §4), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';

export const parameterSelection: AnyTechnique[] = [];
