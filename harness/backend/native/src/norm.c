/* LayerNorm over the last axis, forward and backward in one pass each (tfjs composes it from ~10 ops, ~25 in backward). */
#include <math.h>
#include <string.h>
#include "ftb.h"

static void layer_norm_seq(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd,
                           size_t rows, size_t d, float eps) {
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    float s = 0;
    for (size_t j = 0; j < d; j++) s += xr[j];
    float mu = s / (float)d, v = 0;
    for (size_t j = 0; j < d; j++) { float c = xr[j] - mu; v += c * c; }
    float rs = 1.0f / sqrtf(v / (float)d + eps);
    for (size_t j = 0; j < d; j++) yr[j] = (xr[j] - mu) * rs * g[j] + b[j];
    mean[r] = mu;
    rstd[r] = rs;
  }
}

/* dg and db for columns lo..hi (sums over all rows): column pieces let threads share the reduction. */
static void gain_bias_grad(const float *dy, const float *x, const float *mean, const float *rstd, float *dg, float *db,
                           size_t rows, size_t d, size_t lo, size_t hi) {
  if (dg) memset(dg + lo, 0, sizeof(float) * (hi - lo));
  if (db) memset(db + lo, 0, sizeof(float) * (hi - lo));
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * d, *xr = x + r * d;
    float mu = mean[r], rs = rstd[r];
    if (db) for (size_t j = lo; j < hi; j++) db[j] += dyr[j];
    if (dg) for (size_t j = lo; j < hi; j++) dg[j] += dyr[j] * (xr[j] - mu) * rs;
  }
}

static void layer_norm_dx(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                          size_t d, size_t lo, size_t hi) {
  for (size_t r = lo; r < hi; r++) {
    const float *dyr = dy + r * d, *xr = x + r * d;
    float mu = mean[r], rs = rstd[r];
    float *dxr = dx + r * d, s1 = 0, s2 = 0;
    for (size_t j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * rs, dxh = dyr[j] * g[j];
      s1 += dxh;
      s2 += dxh * xh;
    }
    s1 /= (float)d;
    s2 /= (float)d;
    /* dx = rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) */
    for (size_t j = 0; j < d; j++) dxr[j] = rs * (dyr[j] * g[j] - s1 - (xr[j] - mu) * rs * s2);
  }
}

/* mean and rstd are written by the forward pass and read by the backward one. */
typedef struct {
  const float *x, *g, *b, *dy;
  float *y, *dx, *dg, *db, *mean, *rstd;
  size_t rows, d;
  float eps;
} Norm;

static void forward_range(void *ctx, size_t lo, size_t hi) {
  const Norm *q = ctx;
  layer_norm_seq(q->x + lo * q->d, q->g, q->b, q->y + lo * q->d, q->mean + lo, q->rstd + lo, hi - lo, q->d, q->eps);
}

void ftb_layer_norm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, size_t rows,
                    size_t d, float eps) {
  Norm q = {.x = x, .g = g, .b = b, .y = y, .mean = mean, .rstd = rstd, .rows = rows, .d = d, .eps = eps};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, d), forward_range, &q);
}

static void dx_range(void *ctx, size_t lo, size_t hi) {
  const Norm *q = ctx;
  layer_norm_dx(q->dy, q->x, q->g, q->mean, q->rstd, q->dx, q->d, lo, hi);
}

static void gain_bias_range(void *ctx, size_t lo, size_t hi) {
  const Norm *q = ctx;
  gain_bias_grad(q->dy, q->x, q->mean, q->rstd, q->dg, q->db, q->rows, q->d, lo, hi);
}

/* Any of dx, dg, db may be NULL: the tape asks for each input's gradient separately (frozen gains need none). */
void ftb_layer_norm_grad(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                         float *dg, float *db, size_t rows, size_t d) {
  Norm q = {.x = x, .g = g, .dy = dy, .mean = (float *)mean, .rstd = (float *)rstd, .dx = dx, .dg = dg, .db = db, .rows = rows, .d = d};
  if (dx) ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, d), dx_range, &q);
  if (dg || db) ftb_parallel_for(d, ftb_grain_items(FTB_GRAIN_FLOATS, rows), gain_bias_range, &q);
}
