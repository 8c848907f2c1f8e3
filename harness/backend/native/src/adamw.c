/* One AdamW update per parameter tensor in a single pass (the plain-op form is ~12 kernels and as many passes). */
#include <math.h>
#include "ftb.h"

void ftb_adamw(const float *p, const float *g, const float *m, const float *v, float *p2, float *m2, float *v2, size_t n,
               float lr, float b1, float b2, float eps, float c1, float c2, float decay) {
  for (size_t i = 0; i < n; i++) {
    float mi = b1 * m[i] + (1.0f - b1) * g[i];
    float vi = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
    float update = (mi / c1) / (sqrtf(vi / c2) + eps);
    p2[i] = p[i] * decay - lr * update;
    m2[i] = mi;
    v2[i] = vi;
  }
}
