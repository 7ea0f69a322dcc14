/* membw.c - see membw.h. */
#include "membw.h"

#include <stdlib.h>
#include <time.h>

#include "pool.h"

typedef struct {
    double *a, *b, *c;
    size_t n;
    int op;          /* 0 init, 1 triad, 2 read */
    double sums[256];
} bw_task;

static void bw_fn(void *v, int ith, int nth) {
    bw_task *t = v;
    size_t i0 = t->n * (size_t)ith / (size_t)nth, i1 = t->n * (size_t)(ith + 1) / (size_t)nth;
    double *a = t->a, *b = t->b, *c = t->c;
    if (t->op == 0) {
        for (size_t i = i0; i < i1; i++) { a[i] = 0.0; b[i] = 1.0; c[i] = 2.0; }
    } else if (t->op == 1) {
        const double s = 3.0;
        for (size_t i = i0; i < i1; i++) a[i] = b[i] + s * c[i];
    } else {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        size_t i = i0;
        for (; i + 4 <= i1; i += 4) { s0 += b[i]; s1 += b[i + 1]; s2 += b[i + 2]; s3 += b[i + 3]; }
        for (; i < i1; i++) s0 += b[i];
        if (ith < 256) t->sums[ith] = s0 + s1 + s2 + s3;
    }
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cpu_membw_measure(int n_threads, size_t array_bytes, int reps, cpu_membw *out) {
    bw_task t = {0};
    t.n = array_bytes / sizeof(double);
    if (t.n < 1024 || reps < 1) return -1;
    t.a = malloc(t.n * sizeof(double));
    t.b = malloc(t.n * sizeof(double));
    t.c = malloc(t.n * sizeof(double));
    cpu_pool *pool = cpu_pool_create(n_threads);
    if (!t.a || !t.b || !t.c || !pool) {
        free(t.a); free(t.b); free(t.c); cpu_pool_free(pool);
        return -1;
    }
    t.op = 0;
    cpu_pool_run(pool, bw_fn, &t);
    double best_triad = 1e30, best_read = 1e30;
    for (int r = 0; r < reps; r++) {
        t.op = 1;
        double t0 = now_s();
        cpu_pool_run(pool, bw_fn, &t);
        double dt = now_s() - t0;
        if (dt < best_triad) best_triad = dt;
        t.op = 2;
        t0 = now_s();
        cpu_pool_run(pool, bw_fn, &t);
        dt = now_s() - t0;
        if (dt < best_read) best_read = dt;
    }
    volatile double sink = t.sums[0] + t.a[t.n / 2];
    (void)sink;
    out->triad_gbps = 24.0 * (double)t.n / best_triad / 1e9;
    out->read_gbps = 8.0 * (double)t.n / best_read / 1e9;
    out->array_bytes = t.n * sizeof(double);
    out->n_threads = cpu_pool_n(pool);
    free(t.a); free(t.b); free(t.c);
    cpu_pool_free(pool);
    return 0;
}
