/* Thread count and library name of whichever CBLAS we were linked against (OpenBLAS, BLIS or MKL). */
#include "ftb.h"

#if defined(FTB_BLAS_OPENBLAS)
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
void ftb_set_threads(int n) { openblas_set_num_threads(n); }
int ftb_get_threads(void) { return openblas_get_num_threads(); }
const char *ftb_blas_name(void) {
  /* e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
  const char *cfg = openblas_get_config();
  return cfg ? cfg : "OpenBLAS";
}
#elif defined(FTB_BLAS_BLIS)
void bli_thread_set_num_threads(long);
long bli_thread_get_num_threads(void);
void ftb_set_threads(int n) { bli_thread_set_num_threads(n); }
int ftb_get_threads(void) { return (int)bli_thread_get_num_threads(); }
const char *ftb_blas_name(void) { return "BLIS"; }
#elif defined(FTB_BLAS_MKL_RT)
void MKL_Set_Num_Threads(int);
int MKL_Get_Max_Threads(void);
void ftb_set_threads(int n) { MKL_Set_Num_Threads(n); }
int ftb_get_threads(void) { return MKL_Get_Max_Threads(); }
const char *ftb_blas_name(void) { return "Intel MKL"; }
#else
static int threads = 1;
void ftb_set_threads(int n) { threads = n; }
int ftb_get_threads(void) { return threads; }
const char *ftb_blas_name(void) { return "CBLAS"; }
#endif
