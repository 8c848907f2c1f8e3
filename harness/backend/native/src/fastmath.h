/* Vectorisable float32 math shared by the elementwise kernels (libm's scalar calls do not vectorise). */
#ifndef FTB_FASTMATH_H
#define FTB_FASTMATH_H
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Cephes expf: range reduction to [-ln2/2, ln2/2], degree-6 polynomial, 2^n through the exponent bits (~1 ulp). */
static inline float fexp(float x) {
  x = x > 88.3762626647949f ? 88.3762626647949f : (x < -87.3365447504f ? -87.3365447504f : x);
  float fx = floorf(x * 1.44269504088896341f + 0.5f);
  x = x - fx * 0.693359375f + fx * 2.12194440e-4f;
  float z = x * x;
  float y = ((((1.9875691500e-4f * x + 1.3981999507e-3f) * x + 8.3334519073e-3f) * x + 4.1665795894e-2f) * x +
             1.6666665459e-1f) * x + 5.0000001201e-1f;
  y = y * z + x + 1.0f;
  int32_t bits = ((int32_t)fx + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale); /* a bit cast the vectoriser understands */
  return y * scale;
}

#endif
