/* One AdamW update per parameter tensor in a single pass (the plain-op form is ~12 kernels and as many passes). */
#include <math.h>
#include "ftb.h"

typedef struct { const float *p, *g, *m, *v; float *p2, *m2, *v2, lr, b1, b2, eps, c1, c2, decay; } AdamW;

static void adamw_range(void *ctx, size_t lo, size_t hi) {
  const AdamW *q = ctx;
  const float *p = q->p, *g = q->g, *m = q->m, *v = q->v;
  float *p2 = q->p2, *m2 = q->m2, *v2 = q->v2, lr = q->lr, b1 = q->b1, b2 = q->b2, eps = q->eps, c1 = q->c1, c2 = q->c2,
        decay = q->decay;
  for (size_t i = lo; i < hi; i++) {
    float mi = b1 * m[i] + (1.0f - b1) * g[i];
    float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    float update = (mi / c1) / (sqrtf(vi / c2) + eps);
    p2[i] = p[i] * decay - lr * update;
    m2[i] = mi;
    v2[i] = vi;
  }
}

void ftb_adamw(const float *p, const float *g, const float *m, const float *v, float *p2, float *m2, float *v2, size_t n,
               float lr, float b1, float b2, float eps, float c1, float c2, float decay) {
  AdamW q = {p, g, m, v, p2, m2, v2, lr, b1, b2, eps, c1, c2, decay};
  ftb_parallel_for(n, FTB_GRAIN_FLOATS / 4, adamw_range, &q);
}
