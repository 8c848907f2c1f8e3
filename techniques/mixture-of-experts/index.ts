// mixture-of-experts plugins (TECHNIQUES.md §5), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { mov } from './mov.js';
import { molora } from './molora.js';
import { loramoe } from './loramoe.js';
import { mixlora } from './mixlora.js';
import { mola } from './mola.js';
import { adamix } from './adamix.js';

export const mixtureOfExperts: AnyTechnique[] = [mov, molora, loramoe, mixlora, mola, adamix];
