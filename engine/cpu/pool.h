/* pool.h - a fork/join thread pool for the CPU backend.
 *
 * cpu_pool_run(pool, fn, arg) calls fn(arg, ith, nth) on every one of the nth
 * threads (the caller is ith 0) and returns when all have finished. Workers
 * spin briefly between runs (a decode step issues ~100 short runs) and then
 * sleep on a condition variable, so an idle engine uses no CPU. Without
 * pthreads (a WASM build without threads) nth is always 1.
 */
#ifndef LLMCAP_CPU_POOL_H
#define LLMCAP_CPU_POOL_H

typedef struct cpu_pool cpu_pool;
typedef void (*cpu_task_fn)(void *arg, int ith, int nth);

/* n_threads >= 1 (the caller counts as one). NULL on failure to start threads. */
cpu_pool *cpu_pool_create(int n_threads);
void cpu_pool_free(cpu_pool *p);
int cpu_pool_n(const cpu_pool *p);
void cpu_pool_run(cpu_pool *p, cpu_task_fn fn, void *arg);

#endif
