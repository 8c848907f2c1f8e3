/* Batched, broadcasting sgemm over CBLAS with fused bias + activation: the kernel behind BatchMatMul and _FusedMatMul.
   The BLAS runs single-threaded; a call big enough to share is cut into one piece per core (batch items, rows of C,
   or else its columns) and the pieces run on the worker pool (pool.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ftb.h"

/* bias (length n, or 1) then the activation, on a rows × n block of C whose rows are ldc apart. */
static void epilogue(float *c, size_t rows, int n, int ldc, const float *bias, int bias_len, int act, float alpha) {
  for (size_t r = 0; r < rows; r++) {
    float *row = c + r * (size_t)ldc;
    if (bias) {
      if (bias_len == 1) { for (int j = 0; j < n; j++) row[j] += bias[0]; }
      else { for (int j = 0; j < n; j++) row[j] += bias[j]; }
    }
    switch (act) {
      case FTB_ACT_RELU: for (int j = 0; j < n; j++) row[j] = row[j] > 0 ? row[j] : 0; break;
      case FTB_ACT_RELU6: for (int j = 0; j < n; j++) row[j] = row[j] < 0 ? 0 : (row[j] > 6 ? 6 : row[j]); break;
      case FTB_ACT_LEAKYRELU: for (int j = 0; j < n; j++) row[j] = row[j] > 0 ? row[j] : alpha * row[j]; break;
      case FTB_ACT_SIGMOID: for (int j = 0; j < n; j++) row[j] = 1.0f / (1.0f + expf(-row[j])); break;
      case FTB_ACT_ELU: for (int j = 0; j < n; j++) row[j] = row[j] > 0 ? row[j] : expm1f(row[j]); break;
      default: break;
    }
  }
}

/* Below this many multiply-adds a call runs on the calling thread: waking a worker costs a few microseconds, about
   what 2.5e5 multiply-adds take on one core, and the halves of a product under 1e6 gain less than that. FTBENCH_SMALL_GEMM overrides (0 = always split). */
static double small_gemm = -1;

static double small_gemm_macs(void) {
  if (small_gemm < 0) {
    const char *env = getenv("FTBENCH_SMALL_GEMM");
    small_gemm = env ? atof(env) : 1e6;
  }
  return small_gemm;
}

enum { SPLIT_BATCH, SPLIT_ROWS, SPLIT_COLS };

typedef struct {
  const float *a, *b;
  float *c;
  int batch, m, n, k, ta, tb, lda, ldb;
  size_t sa, sb, sc;
  const int32_t *a_idx, *b_idx;
  const float *bias;
  int bias_len, act;
  float alpha;
  int split, chunk, total;
} Gemm;

static void sgemm(const Gemm *g, int m, int n, const float *a, const float *b, float *c) {
  cblas_sgemm(FTB_ROW_MAJOR, g->ta ? FTB_TRANS : FTB_NO_TRANS, g->tb ? FTB_TRANS : FTB_NO_TRANS, m, n, g->k, 1.0f, a,
              g->lda, b, g->ldb, 0.0f, c, g->n);
}

static void gemm_task(void *ctx, int t) {
  const Gemm *g = ctx;
  int lo = t * g->chunk, hi = lo + g->chunk < g->total ? lo + g->chunk : g->total;
  if (lo >= hi) return;
  if (g->split == SPLIT_BATCH) {
    for (int i = lo; i < hi; i++) {
      float *c = g->c + i * g->sc;
      sgemm(g, g->m, g->n, g->a + g->a_idx[i] * g->sa, g->b + g->b_idx[i] * g->sb, c);
      epilogue(c, g->m, g->n, g->n, g->bias, g->bias_len, g->act, g->alpha);
    }
  } else if (g->split == SPLIT_ROWS) { /* rows lo..hi of op(A) (and of C); one GEMM of total rows */
    const float *a = g->ta ? g->a + lo : g->a + (size_t)lo * g->k;
    float *c = g->c + (size_t)lo * g->n;
    sgemm(g, hi - lo, g->n, a, g->b, c);
    epilogue(c, hi - lo, g->n, g->n, g->bias, g->bias_len, g->act, g->alpha);
  } else { /* columns lo..hi of op(B) and C */
    const float *b = g->tb ? g->b + (size_t)lo * g->k : g->b + lo;
    float *c = g->c + lo;
    sgemm(g, g->m, hi - lo, g->a, b, c);
    const float *bias = g->bias && g->bias_len > 1 ? g->bias + lo : g->bias;
    epilogue(c, g->m, hi - lo, g->n, bias, g->bias_len, g->act, g->alpha);
  }
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

void ftb_bmm(const float *a, const float *b, float *c, int batch, int m, int n, int k, int ta, int tb,
             const int32_t *a_idx, const int32_t *b_idx, const float *bias, int bias_len, int act, float alpha) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {
    memset(c, 0, sizeof(float) * (size_t)m * n * batch);
    epilogue(c, (size_t)batch * m, n, n, bias, bias_len, act, alpha);
    return;
  }
  Gemm g = {a, b, c, batch, m, n, k, ta, tb, ta ? m : k, tb ? k : n, (size_t)m * k, (size_t)k * n, (size_t)m * n,
            a_idx, b_idx, bias, bias_len, act, alpha, SPLIT_BATCH, 1, batch};
  /* One shared right operand and a contiguous, untransposed left one: a single tall GEMM
     is much faster than `batch` small ones (the Dense-layer-on-3-D-input case). */
  int shared_b = 1, contiguous_a = !ta;
  for (int i = 0; i < batch && (shared_b || contiguous_a); i++) {
    if (b_idx[i] != b_idx[0]) shared_b = 0;
    if (a_idx[i] != i) contiguous_a = 0;
  }
  if (batch > 1 && shared_b && contiguous_a) g.m = m * batch, g.batch = 1;
  if (g.batch == 1) { /* one GEMM: point at its operands, so row and column pieces can offset them */
    static const int32_t first[1] = {0};
    g.a = a + a_idx[0] * g.sa, g.b = b + b_idx[0] * g.sb;
    g.a_idx = g.b_idx = first;
  }
  int threads = ftb_pool_threads();
  double macs = (double)g.batch * g.m * n * k;
  if (threads > 1 && macs >= small_gemm_macs()) {
    if (g.batch >= threads) {
      g.split = SPLIT_BATCH, g.total = g.batch;
    } else if (g.batch == 1 && g.m >= 16 * threads) {
      g.split = SPLIT_ROWS, g.total = g.m;
    } else if (g.batch == 1 && n >= 16 * threads) {
      g.split = SPLIT_COLS, g.total = n;
    } else {
      threads = 1;
    }
    if (threads > 1) {
      /* Row and column pieces in multiples of 8 keep the BLAS's vector kernels on full panels. */
      g.chunk = ceil_div(g.total, threads);
      if (g.split != SPLIT_BATCH) g.chunk = ceil_div(g.chunk, 8) * 8;
      ftb_parallel(ceil_div(g.total, g.chunk), gemm_task, &g);
      return;
    }
  }
  g.split = SPLIT_BATCH, g.chunk = g.total = g.batch;
  gemm_task(&g, 0);
}
