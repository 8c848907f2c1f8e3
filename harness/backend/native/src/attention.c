/* The attention block's memory-bound kernels: the head split/merge transpose and a row softmax with its gradient. */
#include <string.h>
#include "ftb.h"
#include "fastmath.h"

void ftb_swap_axes(const float *x, float *y, size_t a, size_t b, size_t c, size_t d) {
  /* x [a, b, c, d] -> y [a, c, b, d]: rows of d floats move as blocks. */
  size_t row = d * sizeof(float);
  for (size_t i = 0; i < a; i++) {
    const float *xi = x + i * b * c * d;
    float *yi = y + i * b * c * d;
    for (size_t j = 0; j < b; j++)
      for (size_t k = 0; k < c; k++) memcpy(yi + (k * b + j) * d, xi + (j * c + k) * d, row);
  }
}

void ftb_softmax(const float *x, float *y, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * n;
    float *yr = y + r * n;
    float mx = xr[0];
    for (size_t i = 1; i < n; i++) mx = xr[i] > mx ? xr[i] : mx;
    float sum = 0;
    for (size_t i = 0; i < n; i++) { yr[i] = fexp(xr[i] - mx); sum += yr[i]; }
    float inv = 1.0f / sum;
    for (size_t i = 0; i < n; i++) yr[i] *= inv;
  }
}

void ftb_softmax_grad(const float *dy, const float *y, float *dx, size_t rows, size_t n) {
  /* dx = y ⊙ (dy − Σ dy ⊙ y), row by row. */
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * n, *yr = y + r * n;
    float *dxr = dx + r * n;
    float dot = 0;
    for (size_t i = 0; i < n; i++) dot += dyr[i] * yr[i];
    for (size_t i = 0; i < n; i++) dxr[i] = yr[i] * (dyr[i] - dot);
  }
}
