/* Sums over a contiguous block of axes: the inner one (row sums) or the outer one (column sums, e.g. bias gradients). */
#include <string.h>
#include "ftb.h"

typedef struct { const float *x; float *y; size_t outer, inner; } Sum;

/* y[j] = sum_i x[i, j] for columns lo..hi: stream rows so each is read once, contiguously. */
static void column_sums(void *ctx, size_t lo, size_t hi) {
  const Sum *q = ctx;
  memset(q->y + lo, 0, sizeof(float) * (hi - lo));
  for (size_t i = 0; i < q->outer; i++) {
    const float *row = q->x + i * q->inner;
    for (size_t j = lo; j < hi; j++) q->y[j] += row[j];
  }
}

static void row_sums(void *ctx, size_t lo, size_t hi) {
  const Sum *q = ctx;
  const float *x = q->x;
  float *y = q->y;
  size_t inner = q->inner;
  for (size_t i = lo; i < hi; i++) {
    const float *row = x + i * inner;
    float acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= inner; j += 8)
      for (int l = 0; l < 8; l++) acc[l] += row[j + l];
    float s = 0;
    for (; j < inner; j++) s += row[j];
    y[i] = s + ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  }
}

void ftb_sum(const float *x, float *y, size_t outer, size_t inner, int over_outer) {
  Sum q = {x, y, outer, inner};
  if (over_outer) ftb_parallel_for(inner, ftb_grain_items(FTB_GRAIN_FLOATS, outer), column_sums, &q);
  else ftb_parallel_for(outer, ftb_grain_items(FTB_GRAIN_FLOATS, inner), row_sums, &q);
}
