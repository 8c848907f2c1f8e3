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

void ftb_binary(int op, const float *a, const float *b, float *c, size_t rows, size_t n, int a_rep, int b_rep) {
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
