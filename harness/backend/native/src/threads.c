/* Thread count and library name of whichever CBLAS we were linked against (OpenBLAS, BLIS or MKL). ftbench's worker
   pool owns the threads; the BLAS runs single-threaded inside each piece. */
#include "ftb.h"

#if defined(FTB_BLAS_OPENBLAS)
void openblas_set_num_threads(int);
char *openblas_get_config(void);
static void blas_set_threads(int n) { openblas_set_num_threads(n); }
const char *ftb_blas_name(void) {
  /* e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
  const char *cfg = openblas_get_config();
  return cfg ? cfg : "OpenBLAS";
}
#elif defined(FTB_BLAS_BLIS)
void bli_thread_set_num_threads(long);
static void blas_set_threads(int n) { bli_thread_set_num_threads(n); }
const char *ftb_blas_name(void) { return "BLIS"; }
#elif defined(FTB_BLAS_MKL_RT)
void MKL_Set_Num_Threads(int);
static void blas_set_threads(int n) { MKL_Set_Num_Threads(n); }
const char *ftb_blas_name(void) { return "Intel MKL"; }
#else
static void blas_set_threads(int n) { (void)n; }
const char *ftb_blas_name(void) { return "CBLAS"; }
#endif

void ftb_set_threads(int n) {
  blas_set_threads(1);
  ftb_pool_set_threads(n);
}
int ftb_get_threads(void) { return ftb_pool_threads(); }
