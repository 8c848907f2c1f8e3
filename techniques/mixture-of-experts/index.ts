// mixture-of-experts plugins (TECHNIQUES.md §5), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { molora } from './molora.js';

export const mixtureOfExperts: AnyTechnique[] = [molora];
