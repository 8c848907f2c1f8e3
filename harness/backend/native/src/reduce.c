/* Sums over a contiguous block of axes: the inner one (row sums) or the outer one (column sums, e.g. bias gradients). */
#include <string.h>
#include "ftb.h"

void ftb_sum(const float *x, float *y, size_t outer, size_t inner, int over_outer) {
  if (over_outer) {
    /* y[j] = sum_i x[i, j]: stream rows so each is read once, contiguously. */
    memset(y, 0, sizeof(float) * inner);
    for (size_t i = 0; i < outer; i++) {
      const float *row = x + i * inner;
      for (size_t j = 0; j < inner; j++) y[j] += row[j];
    }
  } else {
    for (size_t i = 0; i < outer; i++) {
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
}
