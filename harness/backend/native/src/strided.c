/* Strided float32 kernels for the native backend's general cases: binary ops under any numpy broadcast, and copies
   between any two strided layouts (transpose, slice, concat, pad, broadcast). Strides are in elements; 0 broadcasts. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ftb.h"

/* Row r of the output (all axes but the last) to the element offsets of its first element in each operand. */
static void row_offsets(size_t r, int rank, const double *shape, const double *s1, const double *s2, size_t *o1, size_t *o2) {
  size_t a = 0, b = 0;
  for (int d = rank - 2; d >= 0; d--) {
    size_t n = (size_t)shape[d], i = r % n;
    r /= n;
    a += i * (size_t)s1[d];
    if (s2) b += i * (size_t)s2[d];
  }
  *o1 = a;
  *o2 = b;
}

#define BIN_LOOP(EXPR)                                                                                     \
  if (sa == 1 && sb == 1) { for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; c[i] = (EXPR); } } \
  else { for (size_t i = 0; i < n; i++) { float x = a[i * sa], y = b[i * sb]; c[i] = (EXPR); } }

static void bin_row(int op, const float *a, size_t sa, const float *b, size_t sb, float *c, size_t n) {
  switch (op) {
    case FTB_BIN_ADD: BIN_LOOP(x + y) break;
    case FTB_BIN_SUB: BIN_LOOP(x - y) break;
    case FTB_BIN_MUL: BIN_LOOP(x * y) break;
    case FTB_BIN_DIV: BIN_LOOP(x / y) break;
    case FTB_BIN_MAX: BIN_LOOP(x > y || isnan(x) ? x : y) break;
    case FTB_BIN_MIN: BIN_LOOP(x < y || isnan(x) ? x : y) break;
    case FTB_BIN_SQDIFF: BIN_LOOP((x - y) * (x - y)) break;
    default: break;
  }
}

typedef struct { int op; const float *a, *b; float *c; int rank; const double *shape, *sa, *sb; size_t n; } BinNd;
static void bin_nd_range(void *ctx, size_t lo, size_t hi) {
  const BinNd *q = ctx;
  int last = q->rank - 1;
  for (size_t r = lo; r < hi; r++) {
    size_t oa, ob;
    row_offsets(r, q->rank, q->shape, q->sa, q->sb, &oa, &ob);
    bin_row(q->op, q->a + oa, (size_t)q->sa[last], q->b + ob, (size_t)q->sb[last], q->c + r * q->n, q->n);
  }
}

void ftb_binary_nd(int op, const float *a, const float *b, float *c, int rank, const double *dims) {
  if (rank == 0) { bin_row(op, a, 0, b, 0, c, 1); return; }
  BinNd q = {op, a, b, c, rank, dims, dims + rank, dims + 2 * rank, (size_t)dims[rank - 1]};
  size_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= (size_t)dims[d];
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, q.n), bin_nd_range, &q);
}

typedef struct { const uint32_t *x; uint32_t *y; int rank; const double *shape, *sx, *sy; size_t n; } CopyNd;
static void copy_nd_range(void *ctx, size_t lo, size_t hi) {
  const CopyNd *q = ctx;
  int last = q->rank - 1;
  size_t sx = (size_t)q->sx[last], sy = (size_t)q->sy[last];
  for (size_t r = lo; r < hi; r++) {
    size_t ox, oy;
    row_offsets(r, q->rank, q->shape, q->sx, q->sy, &ox, &oy);
    const uint32_t *x = q->x + ox;
    uint32_t *y = q->y + oy;
    if (sx == 1 && sy == 1) memcpy(y, x, q->n * 4);
    else if (sx == 0) { for (size_t i = 0; i < q->n; i++) y[i * sy] = x[0]; }
    else { for (size_t i = 0; i < q->n; i++) y[i * sy] = x[i * sx]; }
  }
}

void ftb_copy_nd(const void *x, void *y, int rank, const double *dims) {
  if (rank == 0) { memcpy(y, x, 4); return; }
  CopyNd q = {x, y, rank, dims, dims + rank, dims + 2 * rank, (size_t)dims[rank - 1]};
  size_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= (size_t)dims[d];
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, q.n), copy_nd_range, &q);
}

typedef struct { uint32_t *y; uint32_t v; } Fill;
static void fill_range(void *ctx, size_t lo, size_t hi) {
  const Fill *f = ctx;
  if (f->v == 0) memset(f->y + lo, 0, (hi - lo) * 4);
  else for (size_t i = lo; i < hi; i++) f->y[i] = f->v;
}
void ftb_fill(void *y, size_t n, uint32_t bits) {
  Fill f = {y, bits};
  ftb_parallel_for(n, FTB_GRAIN_FLOATS, fill_range, &f);
}
