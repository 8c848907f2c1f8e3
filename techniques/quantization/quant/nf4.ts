// 4-bit NormalFloat (NF4, QLoRA §3): 16 levels at quantiles of N(0, 1), normalised to [-1, 1], with an exact zero.
import { type Codebook, codeByMidpoints } from '../../../harness/quant/blockwise.js';

/**
 * The NF4 levels exactly as bitsandbytes ships them (QLoRA, Appendix E): 7 negative and 8 positive normal
 * quantiles (the asymmetry buys an exact 0), scaled so the extremes are ±1. Code i dequantizes to NF4_LEVELS[i].
 */
export const NF4_LEVELS = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]);

/** Decision boundaries between adjacent levels: a normalised value maps to the nearest level. */
export const NF4_MIDPOINTS = Float32Array.from({ length: 15 }, (_, i) => (NF4_LEVELS[i] + NF4_LEVELS[i + 1]) / 2);

/** Half the widest gap between adjacent levels (between −1 and −0.696): the rounding error bound on [-1, 1]. */
export const NF4_MAX_HALF_GAP = Math.max(...Array.from(NF4_MIDPOINTS, (m, i) => m - NF4_LEVELS[i]));

/** The code (0..15) of the level nearest to x, for x in [-1, 1]. */
export const nf4Code = codeByMidpoints(NF4_MIDPOINTS);

/** NF4 as a codebook for block-wise absmax quantization. */
export const NF4: Codebook = { levels: NF4_LEVELS, code: nf4Code };
