# node-gyp build of the ftbench kernel pack; install.mjs picks the BLAS and passes it in FTBENCH_BLAS.
{
  "targets": [
    {
      "target_name": "ftbench_native",
      "sources": ["src/addon.c", "src/gemm.c", "src/threads.c", "src/elementwise.c", "src/reduce.c", "src/binary.c", "src/norm.c", "src/adamw.c", "src/attention.c", "src/pool.c", "src/strided.c", "src/quant.c", "src/softmax_nll.c"],
      "cflags": ["-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-std=c11"],
      "defines": ["NAPI_VERSION=8", "FTB_BLAS_<!(node -p \"(process.env.FTBENCH_BLAS || 'openblas').toUpperCase()\")"],
      "libraries": ["-l<!(node -p \"process.env.FTBENCH_BLAS || 'openblas'\")", "-lpthread", "-lm"]
    }
  ]
}
