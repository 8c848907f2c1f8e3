/* N-API glue of the ftbench kernel pack: JS passes the wasm heap (a Uint8Array) plus byte offsets, so nothing is copied. */
#include <node_api.h>
#include <stdint.h>
#include "ftb.h"

#define MAX_ARGS 20
#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "ftbench_native: bad argument in " #call); return NULL; } } while (0)

typedef struct { napi_env env; napi_value argv[MAX_ARGS]; size_t argc; } Args;

static int get_args(napi_env env, napi_callback_info info, Args *a) {
  a->env = env;
  a->argc = MAX_ARGS;
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

#define HEAP_F32(base, off) ((off) < 0 ? NULL : (float *)((uint8_t *)(base) + (off)))

/* bmm(heap, aOff, bOff, cOff, batch, m, n, k, ta, tb, aIdx, bIdx, biasOff, biasLen, act, alpha) */
static napi_value bmm(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, &a) || a.argc < 16) { napi_throw_error(env, NULL, "bmm: 16 arguments expected"); return NULL; }
  uint8_t *heap = data_of(&a, 0);
  const int32_t *a_idx = data_of(&a, 10), *b_idx = data_of(&a, 11);
  if (!heap || !a_idx || !b_idx) { napi_throw_error(env, NULL, "bmm: heap and index arrays must be typed arrays"); return NULL; }
  ftb_bmm(HEAP_F32(heap, i64(&a, 1)), HEAP_F32(heap, i64(&a, 2)), HEAP_F32(heap, i64(&a, 3)), (int)i64(&a, 4),
          (int)i64(&a, 5), (int)i64(&a, 6), (int)i64(&a, 7), (int)i64(&a, 8), (int)i64(&a, 9), a_idx, b_idx,
          HEAP_F32(heap, i64(&a, 12)), (int)i64(&a, 13), (int)i64(&a, 14), (float)f64(&a, 15));
  return NULL;
}

/* unary(heap, op, xOff, yOff, n, p) */
static napi_value unary(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, &a) || a.argc < 6) { napi_throw_error(env, NULL, "unary: 6 arguments expected"); return NULL; }
  uint8_t *heap = data_of(&a, 0);
  if (!heap) { napi_throw_error(env, NULL, "unary: heap must be a typed array"); return NULL; }
  ftb_unary((int)i64(&a, 1), HEAP_F32(heap, i64(&a, 2)), HEAP_F32(heap, i64(&a, 3)), (size_t)i64(&a, 4), (float)f64(&a, 5));
  return NULL;
}

/* sum(heap, xOff, yOff, outer, inner, overOuter) */
static napi_value sum(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, &a) || a.argc < 6) { napi_throw_error(env, NULL, "sum: 6 arguments expected"); return NULL; }
  uint8_t *heap = data_of(&a, 0);
  if (!heap) { napi_throw_error(env, NULL, "sum: heap must be a typed array"); return NULL; }
  ftb_sum(HEAP_F32(heap, i64(&a, 1)), HEAP_F32(heap, i64(&a, 2)), (size_t)i64(&a, 3), (size_t)i64(&a, 4), (int)i64(&a, 5));
  return NULL;
}

/* binary(heap, op, aOff, bOff, cOff, rows, n, aRep, bRep) */
static napi_value binary(napi_env env, napi_callback_info info) {
  Args a;
  if (!get_args(env, info, &a) || a.argc < 9) { napi_throw_error(env, NULL, "binary: 9 arguments expected"); return NULL; }
  uint8_t *heap = data_of(&a, 0);
  if (!heap) { napi_throw_error(env, NULL, "binary: heap must be a typed array"); return NULL; }
  ftb_binary((int)i64(&a, 1), HEAP_F32(heap, i64(&a, 2)), HEAP_F32(heap, i64(&a, 3)), HEAP_F32(heap, i64(&a, 4)),
             (size_t)i64(&a, 5), (size_t)i64(&a, 6), (int)i64(&a, 7), (int)i64(&a, 8));
  return NULL;
}

/* Every argument after the heap is an integer byte offset or size, except a trailing float where noted. */
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  Args a; /* (heap, x, g, b, y, mean, rstd, rows, d, eps) */
  if (!get_args(env, info, &a) || a.argc < 10) { napi_throw_error(env, NULL, "layerNorm: 10 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "layerNorm: heap must be a typed array"); return NULL; }
  ftb_layer_norm(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), HEAP_F32(h, i64(&a, 3)), HEAP_F32(h, i64(&a, 4)),
                 HEAP_F32(h, i64(&a, 5)), HEAP_F32(h, i64(&a, 6)), (size_t)i64(&a, 7), (size_t)i64(&a, 8), (float)f64(&a, 9));
  return NULL;
}

static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  Args a; /* (heap, dy, x, g, mean, rstd, dx, dg, db, rows, d) */
  if (!get_args(env, info, &a) || a.argc < 11) { napi_throw_error(env, NULL, "layerNormGrad: 11 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "layerNormGrad: heap must be a typed array"); return NULL; }
  ftb_layer_norm_grad(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), HEAP_F32(h, i64(&a, 3)), HEAP_F32(h, i64(&a, 4)),
                      HEAP_F32(h, i64(&a, 5)), HEAP_F32(h, i64(&a, 6)), HEAP_F32(h, i64(&a, 7)), HEAP_F32(h, i64(&a, 8)),
                      (size_t)i64(&a, 9), (size_t)i64(&a, 10));
  return NULL;
}

static napi_value gelu(napi_env env, napi_callback_info info) {
  Args a; /* (heap, x, y, n) */
  if (!get_args(env, info, &a) || a.argc < 4) { napi_throw_error(env, NULL, "gelu: 4 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "gelu: heap must be a typed array"); return NULL; }
  ftb_gelu(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), (size_t)i64(&a, 3));
  return NULL;
}

static napi_value gelu_grad(napi_env env, napi_callback_info info) {
  Args a; /* (heap, dy, x, dx, n) */
  if (!get_args(env, info, &a) || a.argc < 5) { napi_throw_error(env, NULL, "geluGrad: 5 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "geluGrad: heap must be a typed array"); return NULL; }
  ftb_gelu_grad(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), HEAP_F32(h, i64(&a, 3)), (size_t)i64(&a, 4));
  return NULL;
}

static napi_value adamw(napi_env env, napi_callback_info info) {
  Args a; /* (heap, p, g, m, v, p2, m2, v2, n, lr, b1, b2, eps, c1, c2, decay) */
  if (!get_args(env, info, &a) || a.argc < 16) { napi_throw_error(env, NULL, "adamw: 16 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "adamw: heap must be a typed array"); return NULL; }
  ftb_adamw(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), HEAP_F32(h, i64(&a, 3)), HEAP_F32(h, i64(&a, 4)),
            HEAP_F32(h, i64(&a, 5)), HEAP_F32(h, i64(&a, 6)), HEAP_F32(h, i64(&a, 7)), (size_t)i64(&a, 8),
            (float)f64(&a, 9), (float)f64(&a, 10), (float)f64(&a, 11), (float)f64(&a, 12), (float)f64(&a, 13),
            (float)f64(&a, 14), (float)f64(&a, 15));
  return NULL;
}

static napi_value swap_axes(napi_env env, napi_callback_info info) {
  Args a; /* (heap, x, y, a, b, c, d) */
  if (!get_args(env, info, &a) || a.argc < 7) { napi_throw_error(env, NULL, "swapAxes: 7 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "swapAxes: heap must be a typed array"); return NULL; }
  ftb_swap_axes(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), (size_t)i64(&a, 3), (size_t)i64(&a, 4), (size_t)i64(&a, 5),
                (size_t)i64(&a, 6));
  return NULL;
}

static napi_value softmax(napi_env env, napi_callback_info info) {
  Args a; /* (heap, x, y, rows, n) */
  if (!get_args(env, info, &a) || a.argc < 5) { napi_throw_error(env, NULL, "softmax: 5 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "softmax: heap must be a typed array"); return NULL; }
  ftb_softmax(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), (size_t)i64(&a, 3), (size_t)i64(&a, 4));
  return NULL;
}

static napi_value softmax_grad(napi_env env, napi_callback_info info) {
  Args a; /* (heap, dy, y, dx, rows, n) */
  if (!get_args(env, info, &a) || a.argc < 6) { napi_throw_error(env, NULL, "softmaxGrad: 6 arguments expected"); return NULL; }
  uint8_t *h = data_of(&a, 0);
  if (!h) { napi_throw_error(env, NULL, "softmaxGrad: heap must be a typed array"); return NULL; }
  ftb_softmax_grad(HEAP_F32(h, i64(&a, 1)), HEAP_F32(h, i64(&a, 2)), HEAP_F32(h, i64(&a, 3)), (size_t)i64(&a, 4),
                   (size_t)i64(&a, 5));
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
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_default, NULL},
    {"blasName", NULL, blas_name, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
