/* 4-bit codebook quantization (NF4 and any 16-level book): block-wise absmax, two codes per byte, low nibble first.
   Dequantizing a packed base is the inner loop of a QLoRA step (every forward and backward re-reads every frozen
   weight), and quantizing is the load time of a 7B base; JS spent 10-40 ns per weight on each. */
#include <math.h>
#include "ftb.h"

typedef struct { const uint8_t *packed; const float *scales; const float *levels; float *out; size_t n, block; } Dequant;

/* Whole blocks [lo, hi): code pairs through a 256-entry table of level pairs, times the block's scale. */
static void dequant_range(void *ctx, size_t lo, size_t hi) {
  const Dequant *d = ctx;
  float pair[512];
  for (int b = 0; b < 256; b++) { pair[2 * b] = d->levels[b & 15]; pair[2 * b + 1] = d->levels[b >> 4]; }
  for (size_t blk = lo; blk < hi; blk++) {
    const float s = d->scales[blk];
    const size_t start = blk * d->block, end = start + d->block < d->n ? start + d->block : d->n;
    for (size_t i = start; i + 1 < end; i += 2) {
      const uint8_t byte = d->packed[i >> 1];
      d->out[i] = pair[2 * byte] * s;
      d->out[i + 1] = pair[2 * byte + 1] * s;
    }
    if ((end - start) & 1) d->out[end - 1] = d->levels[d->packed[(end - 1) >> 1] & 15] * s;
  }
}

void ftb_dequant4(const uint8_t *packed, const float *scales, const float *levels, float *out, size_t n, size_t block) {
  Dequant d = {packed, scales, levels, out, n, block};
  ftb_parallel_for((n + block - 1) / block, ftb_grain_items(FTB_GRAIN_FLOATS, block), dequant_range, &d);
}

typedef struct { const float *w; const float *mid; uint8_t *packed; float *absmax; size_t n, block; } Quant;

/* Codes of w / absmax(block): the number of midpoints strictly below the normalised value (the nearest level).
   The division and comparisons are in double, as the JS reference computes them, so both give the same codes. */
static void quant_range(void *ctx, size_t lo, size_t hi) {
  const Quant *q = ctx;
  double mid[15];
  for (int k = 0; k < 15; k++) mid[k] = q->mid[k];
  for (size_t blk = lo; blk < hi; blk++) {
    const size_t start = blk * q->block, end = start + q->block < q->n ? start + q->block : q->n;
    float m = 0;
    for (size_t i = start; i < end; i++) { const float a = fabsf(q->w[i]); if (a > m) m = a; }
    q->absmax[blk] = m;
    for (size_t i = start; i < end; i++) {
      const double x = m > 0 ? (double)q->w[i] / (double)m : 0.0;
      int c = 0;
      for (int k = 0; k < 15; k++) c += x > mid[k];
      if (i & 1) q->packed[i >> 1] |= (uint8_t)(c << 4);
      else q->packed[i >> 1] = (uint8_t)c;
    }
  }
}

void ftb_quant4(const float *w, const float *midpoints, uint8_t *packed, float *absmax, size_t n, size_t block) {
  Quant q = {w, midpoints, packed, absmax, n, block};
  ftb_parallel_for((n + block - 1) / block, ftb_grain_items(FTB_GRAIN_FLOATS, block), quant_range, &q);
}
