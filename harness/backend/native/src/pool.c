/* Persistent worker threads that split one kernel call across cores.

   Why our own: OpenBLAS's threading pays off on big products but not on the 1024 × 128 × 128 GEMMs and the 64
   per-head attention products of a small model's step (65–100 GFLOP/s on 2 cores, against ~60 on one). Splitting
   those ourselves into one single-threaded sgemm per core, with workers that spin briefly between calls (tfjs issues
   a kernel every ~20–40 µs) instead of sleeping, keeps both cores busy. Workers sleep on a condition variable after
   SPIN_NS (1 ms) without work, so an idle process costs nothing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include "ftb.h"

#define MAX_WORKERS 63
#define SPIN_NS 1000000 /* 1 ms */

static pthread_t workers[MAX_WORKERS];
static int n_started = 0; /* workers created so far (never shrinks) */
static int n_threads = 1; /* participants of a parallel call, the caller included */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int sleepers = 0;

/* The current job. `claim` packs the job's generation (high 32 bits) with the next unclaimed task (low 32): a thread
   takes task i by moving claim from (g, i) to (g, i + 1), so it never runs a task of a job that has moved on. The
   caller waits for `completed` tasks only, never for a worker to wake up: on a VM a halted vCPU can take
   milliseconds to come back, and the caller runs any task nobody has claimed itself. Job fields are written before
   the new generation is published and stay unchanged until every task of the job has completed. */
static ftb_task_fn job_fn;
static void *job_ctx;
static atomic_int job_tasks;
static _Atomic uint64_t claim;
static atomic_int completed;
static unsigned generation; /* the caller's copy */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline unsigned gen_of(uint64_t c) { return (unsigned)(c >> 32); }

/* Claims and runs tasks of generation g until none is left (or the job is over). */
static void run_tasks(unsigned g) {
  for (;;) {
    uint64_t c = atomic_load(&claim);
    if (gen_of(c) != g || (int)(uint32_t)c >= job_tasks) return;
    if (!atomic_compare_exchange_weak(&claim, &c, c + 1)) continue;
    job_fn(job_ctx, (int)(uint32_t)c);
    atomic_fetch_add(&completed, 1);
  }
}

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg;
  unsigned seen = gen_of(atomic_load(&claim));
  for (;;) {
    long long spin_start = now_ns();
    unsigned g;
    for (int i = 0; (g = gen_of(atomic_load(&claim))) == seen; i++) {
      if ((i & 255) != 255 || now_ns() - spin_start < SPIN_NS) { cpu_relax(); continue; }
      pthread_mutex_lock(&mu);
      sleepers++;
      while ((g = gen_of(atomic_load(&claim))) == seen) pthread_cond_wait(&wake, &mu);
      sleepers--;
      pthread_mutex_unlock(&mu);
      break;
    }
    seen = g;
    if (id < n_threads - 1) run_tasks(g);
  }
  return NULL;
}

void ftb_pool_set_threads(int n) { n_threads = n < 1 ? 1 : (n > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : n); }
int ftb_pool_threads(void) { return n_threads; }

void ftb_parallel(int n_tasks, ftb_task_fn fn, void *ctx) {
  if (n_threads < 2 || n_tasks < 2) {
    for (int t = 0; t < n_tasks; t++) fn(ctx, t);
    return;
  }
  while (n_started < n_threads - 1) {
    if (pthread_create(&workers[n_started], NULL, worker_main, (void *)(intptr_t)n_started) != 0) break;
    n_started++;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_tasks = n_tasks;
  atomic_store(&completed, 0);
  generation++;
  pthread_mutex_lock(&mu);
  atomic_store(&claim, (uint64_t)generation << 32);
  if (sleepers) pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);
  run_tasks(generation);
  while (atomic_load(&completed) < n_tasks) cpu_relax();
}

/* ftb_parallel_for: [0, n) in one contiguous piece per thread. */
typedef struct {
  ftb_range_fn fn;
  void *ctx;
  size_t n, chunk;
} Range;

static void range_task(void *ctx, int t) {
  const Range *r = ctx;
  size_t lo = (size_t)t * r->chunk, hi = lo + r->chunk < r->n ? lo + r->chunk : r->n;
  if (lo < hi) r->fn(r->ctx, lo, hi);
}

void ftb_parallel_for(size_t n, size_t grain, ftb_range_fn fn, void *ctx) {
  size_t pieces = grain ? n / grain : n;
  if (pieces > (size_t)n_threads) pieces = (size_t)n_threads;
  if (pieces < 2) {
    if (n) fn(ctx, 0, n);
    return;
  }
  Range r = {fn, ctx, n, (n + pieces - 1) / pieces};
  ftb_parallel((int)((n + r.chunk - 1) / r.chunk), range_task, &r);
}
