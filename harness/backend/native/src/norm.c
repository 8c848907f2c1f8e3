/* LayerNorm over the last axis, forward and backward in one pass each (tfjs composes it from ~10 ops, ~25 in backward). */
#include <math.h>
#include <string.h>
#include "ftb.h"

void ftb_layer_norm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, size_t rows,
                    size_t d, float eps) {
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

/* Any of dx, dg, db may be NULL: the tape asks for each input's gradient separately (frozen gains need none). */
void ftb_layer_norm_grad(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                         float *dg, float *db, size_t rows, size_t d) {
  if (dg) memset(dg, 0, sizeof(float) * d);
  if (db) memset(db, 0, sizeof(float) * d);
  for (size_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * d, *xr = x + r * d;
    float mu = mean[r], rs = rstd[r];
    if (db) for (size_t j = 0; j < d; j++) db[j] += dyr[j];
    if (dg) for (size_t j = 0; j < d; j++) dg[j] += dyr[j] * (xr[j] - mu) * rs;
    if (!dx) continue;
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
