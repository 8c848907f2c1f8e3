/* Batched, broadcasting sgemm over CBLAS with fused bias + activation: the kernel behind BatchMatMul and _FusedMatMul. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ftb.h"

static void epilogue(float *c, size_t rows, int n, const float *bias, int bias_len, int act, float alpha) {
  if (bias) {
    for (size_t r = 0; r < rows; r++) {
      float *row = c + r * n;
      if (bias_len == 1) { for (int j = 0; j < n; j++) row[j] += bias[0]; }
      else { for (int j = 0; j < n; j++) row[j] += bias[j]; }
    }
  }
  size_t len = rows * (size_t)n;
  switch (act) {
    case FTB_ACT_RELU: for (size_t i = 0; i < len; i++) c[i] = c[i] > 0 ? c[i] : 0; break;
    case FTB_ACT_RELU6: for (size_t i = 0; i < len; i++) c[i] = c[i] < 0 ? 0 : (c[i] > 6 ? 6 : c[i]); break;
    case FTB_ACT_LEAKYRELU: for (size_t i = 0; i < len; i++) c[i] = c[i] > 0 ? c[i] : alpha * c[i]; break;
    case FTB_ACT_SIGMOID: for (size_t i = 0; i < len; i++) c[i] = 1.0f / (1.0f + expf(-c[i])); break;
    case FTB_ACT_ELU: for (size_t i = 0; i < len; i++) c[i] = c[i] > 0 ? c[i] : expm1f(c[i]); break;
    default: break;
  }
}

/* Below this many multiply-adds per sgemm call, waking BLAS threads costs more than they save (LoRA's rank-8
   products, per-head attention): such calls run on the calling thread. FTBENCH_SMALL_GEMM overrides (0 = never). */
static double small_gemm = -1;

static double small_gemm_macs(void) {
  if (small_gemm < 0) {
    const char *env = getenv("FTBENCH_SMALL_GEMM");
    small_gemm = env ? atof(env) : 4e6;
  }
  return small_gemm;
}

void ftb_bmm(const float *a, const float *b, float *c, int batch, int m, int n, int k, int ta, int tb,
             const int32_t *a_idx, const int32_t *b_idx, const float *bias, int bias_len, int act, float alpha) {
  if (batch == 0 || m == 0 || n == 0) return;
  size_t sa = (size_t)m * k, sb = (size_t)k * n, sc = (size_t)m * n;
  if (k == 0) {
    memset(c, 0, sizeof(float) * sc * batch);
  } else {
    int lda = ta ? m : k, ldb = tb ? k : n;
    int opa = ta ? FTB_TRANS : FTB_NO_TRANS, opb = tb ? FTB_TRANS : FTB_NO_TRANS;
    /* One shared right operand and a contiguous, untransposed left one: a single tall GEMM
       is much faster than `batch` small ones (the Dense-layer-on-3-D-input case). */
    int shared_b = 1, contiguous_a = !ta;
    for (int i = 0; i < batch && (shared_b || contiguous_a); i++) {
      if (b_idx[i] != b_idx[0]) shared_b = 0;
      if (a_idx[i] != i) contiguous_a = 0;
    }
    int tall = batch > 1 && shared_b && contiguous_a;
    int threads = ftb_get_threads();
    int single = threads > 1 && (double)(tall ? m * batch : m) * n * k < small_gemm_macs();
    if (single) ftb_set_threads(1);
    if (tall) {
      cblas_sgemm(FTB_ROW_MAJOR, opa, opb, m * batch, n, k, 1.0f, a, lda, b + b_idx[0] * sb, ldb, 0.0f, c, n);
    } else {
      for (int i = 0; i < batch; i++)
        cblas_sgemm(FTB_ROW_MAJOR, opa, opb, m, n, k, 1.0f, a + a_idx[i] * sa, lda, b + b_idx[i] * sb, ldb, 0.0f,
                    c + i * sc, n);
    }
    if (single) ftb_set_threads(threads);
  }
  epilogue(c, (size_t)batch * m, n, bias, bias_len, act, alpha);
}
