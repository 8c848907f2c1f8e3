/* The attention block's memory-bound kernels: the head split/merge transpose and a row softmax with its gradient. */
#include <string.h>
#include "ftb.h"
#include "fastmath.h"

typedef struct { const float *x, *dy; float *y; size_t b, c, d, n; } Job;

/* x [a, b, c, d] -> y [a, c, b, d]: rows of d floats move as blocks; the range is over the a·b source blocks. */
static void swap_range(void *ctx, size_t lo, size_t hi) {
  const Job *q = ctx;
  size_t b = q->b, c = q->c, d = q->d;
  for (size_t ij = lo; ij < hi; ij++) {
    size_t i = ij / b, j = ij % b;
    const float *xi = q->x + i * b * c * d;
    float *yi = q->y + i * b * c * d;
    for (size_t k = 0; k < c; k++) memcpy(yi + (k * b + j) * d, xi + (j * c + k) * d, d * sizeof(float));
  }
}

void ftb_swap_axes(const float *x, float *y, size_t a, size_t b, size_t c, size_t d) {
  Job q = {.x = x, .y = y, .b = b, .c = c, .d = d};
  size_t block = c * d;
  ftb_parallel_for(a * b, ftb_grain_items(FTB_GRAIN_FLOATS, block), swap_range, &q);
}

static void softmax_seq(const float *x, float *y, size_t rows, size_t n) {
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

static void softmax_grad_seq(const float *dy, const float *y, float *dx, size_t rows, size_t n) {
  /* dx = y ⊙ (dy − Σ dy ⊙ y), row by row. */
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * n, *yr = y + r * n;
    float *dxr = dx + r * n;
    float dot = 0;
    for (size_t i = 0; i < n; i++) dot += dyr[i] * yr[i];
    for (size_t i = 0; i < n; i++) dxr[i] = yr[i] * (dyr[i] - dot);
  }
}

static void softmax_range(void *ctx, size_t lo, size_t hi) {
  const Job *q = ctx;
  if (q->dy) softmax_grad_seq(q->dy + lo * q->n, q->x + lo * q->n, q->y + lo * q->n, hi - lo, q->n);
  else softmax_seq(q->x + lo * q->n, q->y + lo * q->n, hi - lo, q->n);
}

/* Softmax runs an exp per element: split from a quarter of the usual grain. */
void ftb_softmax(const float *x, float *y, size_t rows, size_t n) {
  Job q = {.x = x, .y = y, .n = n};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS / 4, n), softmax_range, &q);
}

/* dx = y ⊙ (dy − Σ dy ⊙ y), row by row (x holds y here). */
void ftb_softmax_grad(const float *dy, const float *y, float *dx, size_t rows, size_t n) {
  Job q = {.x = y, .dy = dy, .y = dx, .n = n};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, n), softmax_range, &q);
}
