/* Softmax cross-entropy fused each way: per row the log-sum-exp and −log p[label] (forward), and
   dy · (softmax − one-hot) from the saved log-sum-exp (backward). The [N, C] log-probabilities and one-hot of the plain
   form never exist; at a 32k vocabulary they are a step's largest tensors. */
#include <math.h>
#include <string.h>
#include "ftb.h"
#include "fastmath.h"

/* Lanes of the row max and the exp sum: independent accumulators the compiler turns into vector registers (a single
   running max or sum is an ordered reduction it may not reorder without -ffast-math, so it would stay scalar). */
#define LANES 16

typedef struct {
  const float *x, *dy, *lse_in;
  const int32_t *labels;
  float *nll, *lse, *dx;
  size_t c;
} Nll;

static float row_max(const float *x, size_t c) {
  float m[LANES];
  size_t i = 0;
  for (size_t k = 0; k < LANES; k++) m[k] = -INFINITY;
  for (; i + LANES <= c; i += LANES)
    for (size_t k = 0; k < LANES; k++) m[k] = x[i + k] > m[k] ? x[i + k] : m[k];
  float mx = -INFINITY;
  for (size_t k = 0; k < LANES; k++) mx = m[k] > mx ? m[k] : mx;
  for (; i < c; i++) mx = x[i] > mx ? x[i] : mx;
  return mx;
}

/* Σ exp(x − mx) in double: every term is in (0, 1] and one of them is 1, so the sum is in [1, C]; a float running sum
   over 32k terms loses ~C·2⁻²⁴ relative (≈2e-3 at 32k in the worst case), the double one ~C·2⁻⁵³. A compensated float
   sum would be as accurate but costs four flops a term and, being order-dependent, does not vectorise; the double
   lanes convert and add in vector registers. */
static double row_exp_sum(const float *x, size_t c, float mx) {
  double s[LANES];
  size_t i = 0;
  for (size_t k = 0; k < LANES; k++) s[k] = 0;
  for (; i + LANES <= c; i += LANES)
    for (size_t k = 0; k < LANES; k++) s[k] += (double)fexp(x[i + k] - mx);
  double sum = 0;
  for (size_t k = 0; k < LANES; k++) sum += s[k];
  for (; i < c; i++) sum += (double)fexp(x[i] - mx);
  return sum;
}

static void forward_range(void *ctx, size_t lo, size_t hi) {
  const Nll *q = ctx;
  size_t c = q->c;
  for (size_t r = lo; r < hi; r++) {
    const float *xr = q->x + r * c;
    float mx = row_max(xr, c);
    double log_s = log(row_exp_sum(xr, c, mx));
    int32_t y = q->labels[r];
    q->lse[r] = (float)((double)mx + log_s);
    /* (mx − x[y]) + log Σ rather than lse − x[y]: no cancellation between two large numbers when logits are large. */
    q->nll[r] = y >= 0 && (size_t)y < c ? (float)((double)mx - (double)xr[y] + log_s) : 0.0f;
  }
}

static void backward_range(void *ctx, size_t lo, size_t hi) {
  const Nll *q = ctx;
  size_t c = q->c;
  for (size_t r = lo; r < hi; r++) {
    const float *xr = q->x + r * c;
    float *dxr = q->dx + r * c;
    int32_t y = q->labels[r];
    /* A label outside [0, C) contributed nll 0, a constant: its row has no gradient (as the one-hot form gives). */
    if (y < 0 || (size_t)y >= c) { memset(dxr, 0, c * sizeof(float)); continue; }
    float g = q->dy[r], l = q->lse_in[r];
    for (size_t i = 0; i < c; i++) dxr[i] = g * fexp(xr[i] - l);
    dxr[y] = g * (fexp(xr[y] - l) - 1.0f);
  }
}

/* One exp per element each way: rows split from a quarter of the usual grain, as softmax's. */
void ftb_softmax_nll(const float *x, const int32_t *labels, float *nll, float *lse, size_t rows, size_t c) {
  Nll q = {.x = x, .labels = labels, .nll = nll, .lse = lse, .c = c};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS / 4, c), forward_range, &q);
}

void ftb_softmax_nll_grad(const float *dy, const float *x, const int32_t *labels, const float *lse, float *dx, size_t rows,
                          size_t c) {
  Nll q = {.x = x, .dy = dy, .labels = labels, .lse_in = lse, .dx = dx, .c = c};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS / 4, c), backward_range, &q);
}
