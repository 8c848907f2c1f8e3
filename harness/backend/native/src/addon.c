/* N-API glue of the ftbench kernel pack. Each tensor argument is either a byte offset into `heap` (the wasm backend passes
   its heap, a Uint8Array) or a typed array itself (the native backend passes each tensor's Float32Array, heap = null);
   nothing is copied either way. */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <malloc.h>
#include "ftb.h"

#define MAX_ARGS 20
#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "ftbench_native: bad argument in " #call); return NULL; } } while (0)

typedef struct { napi_env env; napi_value argv[MAX_ARGS]; size_t argc; int bad; } Args;

static int get_args(napi_env env, napi_callback_info info, Args *a) {
  a->env = env;
  a->argc = MAX_ARGS;
  a->bad = 0;
  return napi_get_cb_info(env, info, &a->argc, a->argv, NULL, NULL) == napi_ok;
}

static int64_t i64(Args *a, size_t i) {
  int64_t v = 0;
  if (i < a->argc) napi_get_value_int64(a->env, a->argv[i], &v);
  return v;
}

static double f64(Args *a, size_t i) {
  double v = 0;
  if (i < a->argc) napi_get_value_double(a->env, a->argv[i], &v);
  return v;
}

/* Base pointer of a typed array (the wasm heap, or a small index array); NULL when not one. */
static void *data_of(Args *a, size_t i) {
  void *data = NULL;
  size_t len;
  napi_value buf;
  size_t off;
  napi_typedarray_type t;
  if (i >= a->argc) return NULL;
  if (napi_get_typedarray_info(a->env, a->argv[i], &t, &len, &data, &buf, &off) != napi_ok) return NULL;
  return data;
}

/* A tensor argument: a byte offset into heap (negative = none), a typed array, or null/undefined (none). A number
   without a heap, or a detached array (its tensor was already freed), sets a->bad so the caller throws instead of
   letting a kernel write through a null pointer. */
static float *ptr(Args *a, uint8_t *heap, size_t i) {
  napi_valuetype type;
  if (i >= a->argc || napi_typeof(a->env, a->argv[i], &type) != napi_ok) { a->bad = 1; return NULL; }
  if (type == napi_undefined || type == napi_null) return NULL;
  if (type == napi_number) {
    int64_t off = i64(a, i);
    if (off < 0) return NULL;
    if (!heap) { a->bad = 1; return NULL; }
    return (float *)(heap + off);
  }
  void *data = NULL;
  size_t len, off;
  napi_value buf;
  napi_typedarray_type t;
  bool detached = false;
  if (napi_get_typedarray_info(a->env, a->argv[i], &t, &len, &data, &buf, &off) != napi_ok ||
      napi_is_detached_arraybuffer(a->env, buf, &detached) != napi_ok || detached) { a->bad = 1; return NULL; }
  return (float *)data;
}

#define BAD_TENSOR(name) do { if (a.bad) { napi_throw_error(env, NULL, name ": a tensor argument is neither a live typed array nor a heap offset"); return NULL; } } while (0)

/* Reads the arguments; throws "<name>: <n> arguments expected" when fewer came. */
static int begin(napi_env env, napi_callback_info info, Args *a, size_t n, const char *name) {
  if (get_args(env, info, a) && a->argc >= n) return 1;
  char msg[96];
  snprintf(msg, sizeof msg, "%s: %zu arguments expected", name, n);
  napi_throw_error(env, NULL, msg);
  return 0;
}

/* bmm(heap, a, b, c, batch, m, n, k, ta, tb, aIdx, bIdx, bias, biasLen, act, alpha) */
static napi_value bmm(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 16, "bmm")) return NULL;
  uint8_t *h = data_of(&a, 0);
  const int32_t *a_idx = data_of(&a, 10), *b_idx = data_of(&a, 11);
  if (!a_idx || !b_idx) { napi_throw_error(env, NULL, "bmm: index arrays must be typed arrays"); return NULL; }
  float *x = ptr(&a, h, 1), *w = ptr(&a, h, 2), *c = ptr(&a, h, 3), *bias = ptr(&a, h, 12);
  BAD_TENSOR("bmm");
  ftb_bmm(x, w, c, (int)i64(&a, 4), (int)i64(&a, 5), (int)i64(&a, 6), (int)i64(&a, 7), (int)i64(&a, 8), (int)i64(&a, 9),
          a_idx, b_idx, bias, (int)i64(&a, 13), (int)i64(&a, 14), (float)f64(&a, 15));
  return NULL;
}

/* unary(heap, op, x, y, n, p) */
static napi_value unary(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 6, "unary")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 2), *y = ptr(&a, h, 3);
  BAD_TENSOR("unary");
  ftb_unary((int)i64(&a, 1), x, y, (size_t)i64(&a, 4), (float)f64(&a, 5));
  return NULL;
}

/* sum(heap, x, y, outer, inner, overOuter) */
static napi_value sum(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 6, "sum")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *y = ptr(&a, h, 2);
  BAD_TENSOR("sum");
  ftb_sum(x, y, (size_t)i64(&a, 3), (size_t)i64(&a, 4), (int)i64(&a, 5));
  return NULL;
}

/* binary(heap, op, a, b, c, rows, n, aRep, bRep) */
static napi_value binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 9, "binary")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 2), *y = ptr(&a, h, 3), *z = ptr(&a, h, 4);
  BAD_TENSOR("binary");
  ftb_binary((int)i64(&a, 1), x, y, z, (size_t)i64(&a, 5), (size_t)i64(&a, 6), (int)i64(&a, 7), (int)i64(&a, 8));
  return NULL;
}

/* layerNorm(heap, x, g, b, y, mean, rstd, rows, d, eps) */
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 10, "layerNorm")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *g = ptr(&a, h, 2), *b = ptr(&a, h, 3), *y = ptr(&a, h, 4), *mean = ptr(&a, h, 5),
        *rstd = ptr(&a, h, 6);
  BAD_TENSOR("layerNorm");
  ftb_layer_norm(x, g, b, y, mean, rstd, (size_t)i64(&a, 7), (size_t)i64(&a, 8), (float)f64(&a, 9));
  return NULL;
}

/* layerNormGrad(heap, dy, x, g, mean, rstd, dx, dg, db, rows, d) */
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 11, "layerNormGrad")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *dy = ptr(&a, h, 1), *x = ptr(&a, h, 2), *g = ptr(&a, h, 3), *mean = ptr(&a, h, 4), *rstd = ptr(&a, h, 5),
        *dx = ptr(&a, h, 6), *dg = ptr(&a, h, 7), *db = ptr(&a, h, 8);
  BAD_TENSOR("layerNormGrad");
  ftb_layer_norm_grad(dy, x, g, mean, rstd, dx, dg, db, (size_t)i64(&a, 9), (size_t)i64(&a, 10));
  return NULL;
}

/* gelu(heap, x, y, n) */
static napi_value gelu(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 4, "gelu")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *y = ptr(&a, h, 2);
  BAD_TENSOR("gelu");
  ftb_gelu(x, y, (size_t)i64(&a, 3));
  return NULL;
}

/* geluGrad(heap, dy, x, dx, n) */
static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 5, "geluGrad")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *dy = ptr(&a, h, 1), *x = ptr(&a, h, 2), *dx = ptr(&a, h, 3);
  BAD_TENSOR("geluGrad");
  ftb_gelu_grad(dy, x, dx, (size_t)i64(&a, 4));
  return NULL;
}

/* adamw(heap, p, g, m, v, p2, m2, v2, n, lr, b1, b2, eps, c1, c2, decay) */
static napi_value adamw(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 16, "adamw")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *p = ptr(&a, h, 1), *g = ptr(&a, h, 2), *m = ptr(&a, h, 3), *v = ptr(&a, h, 4), *p2 = ptr(&a, h, 5),
        *m2 = ptr(&a, h, 6), *v2 = ptr(&a, h, 7);
  BAD_TENSOR("adamw");
  ftb_adamw(p, g, m, v, p2, m2, v2, (size_t)i64(&a, 8), (float)f64(&a, 9), (float)f64(&a, 10), (float)f64(&a, 11),
            (float)f64(&a, 12), (float)f64(&a, 13), (float)f64(&a, 14), (float)f64(&a, 15));
  return NULL;
}

/* swapAxes(heap, x, y, a, b, c, d) */
static napi_value swap_axes(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 7, "swapAxes")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *y = ptr(&a, h, 2);
  BAD_TENSOR("swapAxes");
  ftb_swap_axes(x, y, (size_t)i64(&a, 3), (size_t)i64(&a, 4), (size_t)i64(&a, 5), (size_t)i64(&a, 6));
  return NULL;
}

/* softmax(heap, x, y, rows, n) */
static napi_value softmax(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 5, "softmax")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *y = ptr(&a, h, 2);
  BAD_TENSOR("softmax");
  ftb_softmax(x, y, (size_t)i64(&a, 3), (size_t)i64(&a, 4));
  return NULL;
}

/* softmaxGrad(heap, dy, y, dx, rows, n) */
static napi_value softmax_grad(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 6, "softmaxGrad")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *dy = ptr(&a, h, 1), *y = ptr(&a, h, 2), *dx = ptr(&a, h, 3);
  BAD_TENSOR("softmaxGrad");
  ftb_softmax_grad(dy, y, dx, (size_t)i64(&a, 4), (size_t)i64(&a, 5));
  return NULL;
}

/* softmaxNll(heap, logits, labels, nll, lse, rows, c): labels int32 */
static napi_value softmax_nll(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 7, "softmaxNll")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *labels = ptr(&a, h, 2), *nll = ptr(&a, h, 3), *lse = ptr(&a, h, 4);
  BAD_TENSOR("softmaxNll");
  ftb_softmax_nll(x, (const int32_t *)labels, nll, lse, (size_t)i64(&a, 5), (size_t)i64(&a, 6));
  return NULL;
}

/* softmaxNllGrad(heap, dy, logits, labels, lse, dx, rows, c): labels int32 */
static napi_value softmax_nll_grad(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 8, "softmaxNllGrad")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *dy = ptr(&a, h, 1), *x = ptr(&a, h, 2), *labels = ptr(&a, h, 3), *lse = ptr(&a, h, 4), *dx = ptr(&a, h, 5);
  BAD_TENSOR("softmaxNllGrad");
  ftb_softmax_nll_grad(dy, x, (const int32_t *)labels, lse, dx, (size_t)i64(&a, 6), (size_t)i64(&a, 7));
  return NULL;
}

/* binaryNd(heap, op, a, aOff, b, bOff, c, rank, dims): offsets in elements; dims as ftb_binary_nd's (a Float64Array). */
static napi_value binary_nd(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 9, "binaryNd")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 2), *y = ptr(&a, h, 4), *z = ptr(&a, h, 6);
  const double *dims = data_of(&a, 8);
  BAD_TENSOR("binaryNd");
  if (!dims && i64(&a, 7) > 0) { napi_throw_error(env, NULL, "binaryNd: dims must be a Float64Array"); return NULL; }
  ftb_binary_nd((int)i64(&a, 1), x + i64(&a, 3), y + i64(&a, 5), z, (int)i64(&a, 7), dims);
  return NULL;
}

/* copyNd(heap, x, xOff, y, yOff, rank, dims): 4-byte elements, offsets in elements. */
static napi_value copy_nd(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 7, "copyNd")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *x = ptr(&a, h, 1), *y = ptr(&a, h, 3);
  const double *dims = data_of(&a, 6);
  BAD_TENSOR("copyNd");
  if (!dims && i64(&a, 5) > 0) { napi_throw_error(env, NULL, "copyNd: dims must be a Float64Array"); return NULL; }
  ftb_copy_nd(x + i64(&a, 2), y + i64(&a, 4), (int)i64(&a, 5), dims);
  return NULL;
}

/* fill(heap, y, n, value): n 4-byte elements, value as a float (isInt: as an int32). */
static napi_value fill(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 5, "fill")) return NULL;
  uint8_t *h = data_of(&a, 0);
  float *y = ptr(&a, h, 1);
  BAD_TENSOR("fill");
  uint32_t bits;
  if (i64(&a, 4)) { int32_t v = (int32_t)i64(&a, 3); memcpy(&bits, &v, 4); }
  else { float v = (float)f64(&a, 3); memcpy(&bits, &v, 4); }
  ftb_fill(y, (size_t)i64(&a, 2), bits);
  return NULL;
}

/* release(array): detaches the ArrayBuffer under a typed array, which frees its memory now instead of at V8's next
   full collection (the native backend calls it when a tensor it allocated is disposed); later views read as empty. */
static napi_value release(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 1, "release")) return NULL;
  napi_value buf = a.argv[0];
  bool is_ab = false;
  napi_is_arraybuffer(env, buf, &is_ab);
  if (!is_ab) {
    void *data; size_t len, off; napi_typedarray_type t;
    if (napi_get_typedarray_info(env, a.argv[0], &t, &len, &data, &buf, &off) != napi_ok) {
      napi_throw_error(env, NULL, "release: a typed array or ArrayBuffer expected");
      return NULL;
    }
  }
  bool detached = false;
  napi_is_detached_arraybuffer(env, buf, &detached);
  if (!detached) CHECK(napi_detach_arraybuffer(env, buf));
  return NULL;
}

/* dequant4(packed, scales, levels, out, n, block): typed arrays of their own (no heap); block even. */
static napi_value dequant4(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 6, "dequant4")) return NULL;
  const uint8_t *packed = data_of(&a, 0);
  const float *scales = data_of(&a, 1), *levels = data_of(&a, 2);
  float *out = data_of(&a, 3);
  if (!packed || !scales || !levels || !out) { napi_throw_error(env, NULL, "dequant4: every array argument must be a live typed array"); return NULL; }
  ftb_dequant4(packed, scales, levels, out, (size_t)i64(&a, 4), (size_t)i64(&a, 5));
  return NULL;
}

/* quant4(w, midpoints, packed, absmax, n, block): typed arrays of their own (no heap); block even. */
static napi_value quant4(napi_env env, napi_callback_info info) {
  Args a;
  if (!begin(env, info, &a, 6, "quant4")) return NULL;
  const float *w = data_of(&a, 0), *mid = data_of(&a, 1);
  uint8_t *packed = data_of(&a, 2);
  float *absmax = data_of(&a, 3);
  if (!w || !mid || !packed || !absmax) { napi_throw_error(env, NULL, "quant4: every array argument must be a live typed array"); return NULL; }
  ftb_quant4(w, mid, packed, absmax, (size_t)i64(&a, 4), (size_t)i64(&a, 5));
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  Args a;
  if (get_args(env, info, &a) && a.argc >= 1) ftb_set_threads((int)i64(&a, 0));
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, ftb_get_threads(), &out));
  return out;
}

static napi_value blas_name(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_string_utf8(env, ftb_blas_name(), NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  /* The native backend allocates every tensor with malloc and frees it on disposal. glibc's default serves blocks
     over 128 KiB by mmap and returns them to the OS on free, so each kernel's output was fresh pages: faulting them in
     (under the process-wide mm lock, from several threads) cost more than most kernels. Blocks under 64 MiB now come
     from the heap and are reused; up to 256 MiB free at the heap's top is kept before it is trimmed. */
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  napi_property_descriptor props[] = {
    {"bmm", NULL, bmm, NULL, NULL, NULL, napi_default, NULL},
    {"unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL},
    {"sum", NULL, sum, NULL, NULL, NULL, napi_default, NULL},
    {"binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL},
    {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
    {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
    {"gelu", NULL, gelu, NULL, NULL, NULL, napi_default, NULL},
    {"geluGrad", NULL, gelu_grad, NULL, NULL, NULL, napi_default, NULL},
    {"adamw", NULL, adamw, NULL, NULL, NULL, napi_default, NULL},
    {"swapAxes", NULL, swap_axes, NULL, NULL, NULL, napi_default, NULL},
    {"softmax", NULL, softmax, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxGrad", NULL, softmax_grad, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxNll", NULL, softmax_nll, NULL, NULL, NULL, napi_default, NULL},
    {"softmaxNllGrad", NULL, softmax_nll_grad, NULL, NULL, NULL, napi_default, NULL},
    {"binaryNd", NULL, binary_nd, NULL, NULL, NULL, napi_default, NULL},
    {"copyNd", NULL, copy_nd, NULL, NULL, NULL, napi_default, NULL},
    {"fill", NULL, fill, NULL, NULL, NULL, napi_default, NULL},
    {"dequant4", NULL, dequant4, NULL, NULL, NULL, napi_default, NULL},
    {"quant4", NULL, quant4, NULL, NULL, NULL, napi_default, NULL},
    {"release", NULL, release, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
    {"blasName", NULL, blas_name, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
