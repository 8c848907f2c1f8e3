// parameter-selection plugins (TECHNIQUES.md §4), in catalogue order.
import type { AnyTechnique } from '../../harness/plugin.js';
import { bitfit } from './bitfit.js';
import { lnTuning } from './ln-tuning.js';
import { partialFt } from './partial-ft.js';
import { fishmask } from './fishmask.js';
import { childTuning } from './child-tuning.js';
import { ltSft } from './lt-sft.js';
import { diffPruning } from './diff-pruning.js';

export const parameterSelection: AnyTechnique[] = [bitfit, lnTuning, partialFt, fishmask, diffPruning, childTuning, ltSft];
