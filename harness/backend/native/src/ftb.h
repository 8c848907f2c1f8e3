/* Shared declarations of the ftbench kernel pack (C side): BLAS entry points we use and our kernels. */
#ifndef FTB_H
#define FTB_H
#include <stddef.h>
#include <stdint.h>

/* Declared here rather than via <cblas.h>: OpenBLAS, BLIS and MKL ship different headers but the same ABI. */
enum { FTB_ROW_MAJOR = 101, FTB_NO_TRANS = 111, FTB_TRANS = 112 };
void cblas_sgemm(int layout, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);

/* Activations of tfjs _FusedMatMul that we apply in place (prelu is done by tfjs itself). */
enum { FTB_ACT_LINEAR = 0, FTB_ACT_RELU = 1, FTB_ACT_RELU6 = 2, FTB_ACT_LEAKYRELU = 3, FTB_ACT_SIGMOID = 4, FTB_ACT_ELU = 5 };

/* c[i] = a[aIdx[i]] x b[bIdx[i]] for i < batch, each op(A) m×k, op(B) k×n, row-major; bias (length n, or 1) then act. */
void ftb_bmm(const float *a, const float *b, float *c, int batch, int m, int n, int k, int ta, int tb,
             const int32_t *a_idx, const int32_t *b_idx, const float *bias, int bias_len, int act, float alpha);

/* Unary elementwise ops; p is the exponent of POW. */
enum { FTB_UN_TANH = 0, FTB_UN_SIGMOID = 1, FTB_UN_EXP = 2, FTB_UN_POW = 3 };
void ftb_unary(int op, const float *x, float *y, size_t n, float p);

/* x viewed as [outer, inner]: over_outer ? y[inner] = sum over rows : y[outer] = sum over each row. */
void ftb_sum(const float *x, float *y, size_t outer, size_t inner, int over_outer);

/* c = a op b; a_rep/b_rep: 0 = full [rows, n], 1 = one row [n] broadcast, 2 = scalar. */
enum { FTB_BIN_ADD = 0, FTB_BIN_SUB = 1, FTB_BIN_MUL = 2, FTB_BIN_DIV = 3, FTB_BIN_MAX = 4, FTB_BIN_MIN = 5, FTB_BIN_SQDIFF = 6 };
void ftb_binary(int op, const float *a, const float *b, float *c, size_t rows, size_t n, int a_rep, int b_rep);

/* Any numpy broadcast (strided.c): dims = [out shape (rank), a strides, b strides], strides in elements, 0 = broadcast. */
void ftb_binary_nd(int op, const float *a, const float *b, float *c, int rank, const double *dims);
/* y = x between two strided layouts of 4-byte elements: dims = [shape (rank), x strides, y strides]. */
void ftb_copy_nd(const void *x, void *y, int rank, const double *dims);
/* n 4-byte elements set to `bits`. */
void ftb_fill(void *y, size_t n, uint32_t bits);

/* LayerNorm over rows of length d; saves mean and 1/std per row for the backward pass. */
void ftb_layer_norm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, size_t rows,
                    size_t d, float eps);
void ftb_layer_norm_grad(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                         float *dg, float *db, size_t rows, size_t d);

/* GELU (tanh approximation) and its gradient dy · gelu'(x). */
void ftb_gelu(const float *x, float *y, size_t n);
void ftb_gelu_grad(const float *dy, const float *x, float *dx, size_t n);

/* AdamW: m' = b1 m + (1-b1) g; v' = b2 v + (1-b2) g²; p' = p·decay − lr · (m'/c1) / (√(v'/c2) + eps). */
void ftb_adamw(const float *p, const float *g, const float *m, const float *v, float *p2, float *m2, float *v2, size_t n,
               float lr, float b1, float b2, float eps, float c1, float c2, float decay);

/* x [a, b, c, d] -> y [a, c, b, d] (a transpose that swaps two adjacent axis groups: attention's head split). */
void ftb_swap_axes(const float *x, float *y, size_t a, size_t b, size_t c, size_t d);

/* Softmax over rows of n, and its gradient dx = y (dy - sum(dy y)). */
void ftb_softmax(const float *x, float *y, size_t rows, size_t n);
void ftb_softmax_grad(const float *dy, const float *y, float *dx, size_t rows, size_t n);

/* Softmax cross-entropy over rows of c (softmax_nll.c): lse = log Σ exp(x), nll = lse − x[label] (0 when the label is
   outside [0, c)); its gradient dx = dy · (exp(x − lse) − one-hot), a zero row where the label is out of range. */
void ftb_softmax_nll(const float *x, const int32_t *labels, float *nll, float *lse, size_t rows, size_t c);
void ftb_softmax_nll_grad(const float *dy, const float *x, const int32_t *labels, const float *lse, float *dx, size_t rows,
                          size_t c);

/* 4-bit codebook (quant.c): n codes two per byte, low nibble first, one absmax per block of `block` (even) values.
   dequant4: out[i] = levels[code_i] * scales[i / block]. quant4: code_i = #{k : w_i / absmax > midpoints[k]}, 15 midpoints. */
void ftb_dequant4(const uint8_t *packed, const float *scales, const float *levels, float *out, size_t n, size_t block);
void ftb_quant4(const float *w, const float *midpoints, uint8_t *packed, float *absmax, size_t n, size_t block);

/* The worker pool (pool.c): ftb_parallel runs fn(ctx, t) for t < n_tasks on up to ftb_pool_threads() threads, the
   caller included, and returns when all are done. One caller at a time (the JS thread); tasks must not call it. */
typedef void (*ftb_task_fn)(void *ctx, int task);
void ftb_parallel(int n_tasks, ftb_task_fn fn, void *ctx);
void ftb_pool_set_threads(int n);
/* fn(ctx, lo, hi) over [0, n), one piece per thread when each gets at least `grain` items, else on the caller. */
typedef void (*ftb_range_fn)(void *ctx, size_t lo, size_t hi);
void ftb_parallel_for(size_t n, size_t grain, ftb_range_fn fn, void *ctx);
int ftb_pool_threads(void);
/* Items per thread below which splitting an elementwise pass costs more than it saves (~10 µs of streaming work). */
#define FTB_GRAIN_FLOATS 32768
/* The grain in items of `item_floats` floats each (rows, blocks, columns) for a grain of `floats` floats. */
static inline size_t ftb_grain_items(size_t floats, size_t item_floats) {
  return item_floats ? (floats + item_floats - 1) / item_floats : 1;
}

/* Threads of ftbench's kernels (the pool); the BLAS itself is kept single-threaded. */
void ftb_set_threads(int n);
int ftb_get_threads(void);
const char *ftb_blas_name(void);

#endif
