/* Broadcasting float32 add/sub/mul/div for the shapes training produces: same shape, scalar, and repeated rows. */
#include <stddef.h>
#include "ftb.h"

#define LOOP(EXPR) for (size_t i = 0; i < n; i++) { float x = a[i], y = b[i]; c[i] = (EXPR); }

/* c = a op b over n elements, both contiguous. */
static void same(int op, const float *a, const float *b, float *c, size_t n) {
  switch (op) {
    case FTB_BIN_ADD: LOOP(x + y) break;
    case FTB_BIN_SUB: LOOP(x - y) break;
    case FTB_BIN_MUL: LOOP(x * y) break;
    case FTB_BIN_DIV: LOOP(x / y) break;
  }
}

static void binary_seq(int op, const float *a, const float *b, float *c, size_t rows, size_t n, int a_rep, int b_rep) {
  /* a_rep / b_rep: 0 = full [rows, n]; 1 = one row [n] repeated; 2 = one scalar. */
  if (a_rep == 0 && b_rep == 0) { same(op, a, b, c, rows * n); return; }
  if (a_rep == 0 && b_rep == 2) {
    float y = b[0];
    size_t len = rows * n;
    switch (op) {
      case FTB_BIN_ADD: for (size_t i = 0; i < len; i++) c[i] = a[i] + y; break;
      case FTB_BIN_SUB: for (size_t i = 0; i < len; i++) c[i] = a[i] - y; break;
      case FTB_BIN_MUL: for (size_t i = 0; i < len; i++) c[i] = a[i] * y; break;
      case FTB_BIN_DIV: for (size_t i = 0; i < len; i++) c[i] = a[i] / y; break;
    }
    return;
  }
  if (a_rep == 2 && b_rep == 0) {
    float x = a[0];
    size_t len = rows * n;
    switch (op) {
      case FTB_BIN_ADD: for (size_t i = 0; i < len; i++) c[i] = x + b[i]; break;
      case FTB_BIN_SUB: for (size_t i = 0; i < len; i++) c[i] = x - b[i]; break;
      case FTB_BIN_MUL: for (size_t i = 0; i < len; i++) c[i] = x * b[i]; break;
      case FTB_BIN_DIV: for (size_t i = 0; i < len; i++) c[i] = x / b[i]; break;
    }
    return;
  }
  /* Row broadcasts ([rows, n] with [n]); each row is a same-shape op. */
  for (size_t r = 0; r < rows; r++) {
    const float *ar = a_rep ? a : a + r * n, *br = b_rep ? b : b + r * n;
    same(op, ar, br, c + r * n, n);
  }
}

/* Split by rows; full-by-full and scalar cases are viewed as rows of n first. */
typedef struct { int op; const float *a, *b; float *c; size_t n; int a_rep, b_rep; } Binary;
static void binary_range(void *ctx, size_t lo, size_t hi) {
  const Binary *q = ctx;
  binary_seq(q->op, q->a_rep ? q->a : q->a + lo * q->n, q->b_rep ? q->b : q->b + lo * q->n, q->c + lo * q->n, hi - lo,
             q->n, q->a_rep, q->b_rep);
}
void ftb_binary(int op, const float *a, const float *b, float *c, size_t rows, size_t n, int a_rep, int b_rep) {
  Binary q = {op, a, b, c, n, a_rep, b_rep};
  ftb_parallel_for(rows, ftb_grain_items(FTB_GRAIN_FLOATS, n), binary_range, &q);
}
