/* kernels.c - microbenchmark of the CPU backend's kernels (engine/cpu/kernels.h),
 * every SIMD level this CPU runs, side by side with the SCALAR level.
 *
 *   decode  vec_dot over a weight matrix much larger than the caches (64 MB
 *           by default), one activation row: GB/s = weight bytes streamed per
 *           second (1e9 bytes/s), on 1 thread and on T threads (rows split in
 *           contiguous shares, as the backend does);
 *   prefill gemm_tile over a 256-row chunk of weights (in L2) and 64
 *           activation rows, in CPU_TILE_MAX x CPU_TILE_MAX tiles:
 *           GFLOP/s = 2 * n * rows * tokens per second / 1e9, one thread;
 *   quantize_act: activation rows quantized per second, as GB/s of floats read.
 * Single-thread times are thread CPU time (robust on a shared machine);
 * the T-thread column is wall time.
 *
 * Usage: kernels [--mb MB] [--n N] [--threads T] [--reps R] [--types f16,q8_0,...]
 * The last line of each section is the geometric mean ratio of the best level
 * to SCALAR. Reference: the STREAM-style read bandwidth of engine/cpu/membw.h.
 */
#include "kernels.h"
#include "membw.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Single-thread figures use the thread's CPU time, so that time the thread
 * spends descheduled (a shared machine) does not count; the multi-thread
 * column uses wall time (threads wait for each other). */
static int g_cpu_clock = 1;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(g_cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252u;
static float rnd_gauss(void) {
    double s = 0;
    for (int i = 0; i < 4; i++) { /* sum of uniforms: close enough to Gaussian for timing */
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        s += (double)(rng >> 11) / 9007199254740992.0 - 0.5;
    }
    return (float)(s * 1.7);
}

static const int TYPES[] = {GGUF_TYPE_F32, GGUF_TYPE_F16, GGUF_TYPE_BF16, GGUF_TYPE_Q8_0, GGUF_TYPE_Q4_0,
                            GGUF_TYPE_Q4_1, GGUF_TYPE_Q5_0, GGUF_TYPE_Q5_1, GGUF_TYPE_Q4_K, GGUF_TYPE_Q5_K,
                            GGUF_TYPE_Q6_K};
#define N_TYPES (int)(sizeof TYPES / sizeof TYPES[0])

/* a weight matrix: `distinct` random rows quantized once, repeated to fill
 * `rows`; `acts` activation rows (floats in x, converted into a by
 * matrix_use_level for the level under test: levels may differ in layout) */
typedef struct {
    int type, at, acts;
    int64_t n, rows;
    size_t rb, ab;
    uint8_t *w, *a;
    float *x;
} matrix;

static int make_matrix(matrix *m, int type, int64_t n, int64_t rows, int acts) {
    const int distinct = 64;
    m->type = type;
    m->at = gguf_type_get(type)->vec_dot_type;
    m->n = n;
    m->rows = rows;
    m->rb = (size_t)gguf_type_row_bytes(type, (uint64_t)n, NULL);
    m->acts = acts;
    m->ab = (size_t)gguf_type_row_bytes(m->at, (uint64_t)n, NULL);
    m->w = aligned_alloc(64, ((size_t)rows * m->rb + 63) / 64 * 64);
    /* 4 bytes per element: the widest activation layout of any level */
    m->a = aligned_alloc(64, ((size_t)acts * (size_t)n * 4 + 63) / 64 * 64);
    m->x = malloc((size_t)acts * (size_t)n * sizeof *m->x);
    float *x = malloc((size_t)n * sizeof *x);
    if (!m->w || !m->a || !m->x || !x) return -1;
    for (int64_t r = 0; r < rows; r++) {
        if (r < distinct) {
            for (int64_t i = 0; i < n; i++) x[i] = 0.03f * rnd_gauss();
            gguf_type_get(type)->from_float(x, m->w + (size_t)r * m->rb, n);
        } else {
            /* a copy, made unique (no two pages alike, so nothing can be
             * deduplicated or hit in cache) by writing the row number into
             * harmless bytes: low mantissa bytes of plain types, quant bytes
             * of block 0 of quantized ones */
            uint8_t *row = m->w + (size_t)r * m->rb;
            memcpy(row, m->w + (size_t)(r % distinct) * m->rb, m->rb);
            const int es = gguf_type_get(type)->quantized ? 1 : (int)gguf_type_get(type)->block_bytes;
            const int base = gguf_type_get(type)->quantized ? 4 : 0;
            for (int k = 0; k < 3; k++) row[base + k * es] = (uint8_t)(r >> (8 * k));
        }
    }
    for (int64_t i = 0; i < (int64_t)acts * n; i++) m->x[i] = rnd_gauss();
    free(x);
    return 0;
}

/* the activation rows in level k's layout (the kernels of k read them) */
static void matrix_use_level(matrix *m, const cpu_kernels *k) {
    m->ab = cpu_act_row_bytes(k, m->at, m->n);
    for (int c = 0; c < m->acts; c++)
        k->quantize_act[m->at](m->x + (size_t)c * (size_t)m->n, m->a + (size_t)c * m->ab, m->n);
}

static void free_matrix(matrix *m) {
    free(m->w);
    free(m->a);
    free(m->x);
}

/* ---- decode: vec_dot over all rows, split over threads ---- */
typedef struct {
    const matrix *m;
    gguf_vec_dot_fn dot;
    int64_t r0, r1;
    float *y;
    pthread_barrier_t *bar;
    int passes;
    double best_s;
} dec_task;

static void *dec_thread(void *v) {
    dec_task *t = v;
    t->best_s = 1e30;
    for (int p = 0; p < t->passes; p++) {
        pthread_barrier_wait(t->bar);
        const double t0 = now_s();
        const uint8_t *w = t->m->w + (size_t)t->r0 * t->m->rb;
        for (int64_t r = t->r0; r < t->r1; r++, w += t->m->rb) t->y[r] = t->dot(t->m->n, w, t->m->a);
        pthread_barrier_wait(t->bar); /* time to the slowest thread */
        const double dt = now_s() - t0;
        if (dt < t->best_s) t->best_s = dt;
    }
    return NULL;
}

/* GB/s of weights streamed by nth threads */
static double bench_decode(const matrix *m, gguf_vec_dot_fn dot, int nth, int passes) {
    pthread_t th[64];
    dec_task tk[64];
    pthread_barrier_t bar;
    float *y = malloc((size_t)m->rows * sizeof *y);
    pthread_barrier_init(&bar, NULL, (unsigned)nth);
    g_cpu_clock = nth == 1;
    for (int i = 0; i < nth; i++) {
        tk[i] = (dec_task){.m = m, .dot = dot, .r0 = m->rows * i / nth, .r1 = m->rows * (i + 1) / nth,
                           .y = y, .bar = &bar, .passes = passes};
        if (i) pthread_create(&th[i], NULL, dec_thread, &tk[i]);
    }
    dec_thread(&tk[0]);
    for (int i = 1; i < nth; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&bar);
    volatile float sink = y[m->rows / 2];
    (void)sink;
    free(y);
    return (double)m->rows * (double)m->rb / tk[0].best_s / 1e9;
}

/* ---- prefill: gemm_tile over a chunk ---- */
static double bench_prefill(const matrix *m, cpu_gemm_tile_fn tile, int tokens, double min_s) {
    float *out = malloc((size_t)m->rows * (size_t)tokens * sizeof *out);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        long calls = 0;
        const double t0 = now_s();
        double dt;
        do {
            for (int tb = 0; tb < tokens; tb += CPU_TILE_MAX) {
                const int nc = tokens - tb < CPU_TILE_MAX ? tokens - tb : CPU_TILE_MAX;
                for (int64_t r = 0; r < m->rows; r += CPU_TILE_MAX) {
                    const int nr = m->rows - r < CPU_TILE_MAX ? (int)(m->rows - r) : CPU_TILE_MAX;
                    tile(m->n, m->w + (size_t)r * m->rb, m->rb, nr, m->a + (size_t)tb * m->ab, m->ab, nc,
                         out + (size_t)tb * (size_t)m->rows + (size_t)r, (size_t)m->rows);
                }
            }
            calls++;
            dt = now_s() - t0;
        } while (dt < min_s);
        const double gf = 2.0 * (double)m->n * (double)m->rows * tokens * (double)calls / dt / 1e9;
        if (gf > best) best = gf;
    }
    free(out);
    return best;
}

static double bench_quant(const cpu_kernels *k, int at, int64_t n, double min_s) {
    const int rows = 64;
    float *x = malloc((size_t)rows * (size_t)n * sizeof *x);
    const size_t rb = cpu_act_row_bytes(k, at, n);
    uint8_t *q = malloc((size_t)rows * rb);
    for (int64_t i = 0; i < rows * n; i++) x[i] = rnd_gauss();
    long calls = 0;
    const double t0 = now_s();
    double dt;
    do {
        for (int r = 0; r < rows; r++) k->quantize_act[at](x + (size_t)r * (size_t)n, q + (size_t)r * rb, n);
        calls++;
        dt = now_s() - t0;
    } while (dt < min_s);
    free(x);
    free(q);
    return (double)calls * rows * (double)n * 4.0 / dt / 1e9;
}

static int parse_types(const char *s, int *out) {
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        const int t = gguf_type_from_name(tok);
        if (t >= 0 && cpu_kernels_get(CPU_SIMD_SCALAR)->vec_dot[t]) out[n++] = t;
        else fprintf(stderr, "kernels: unknown or unsupported type '%s'\n", tok);
    }
    return n;
}

int main(int argc, char **argv) {
    double mb = 64;
    int64_t n = 1024;
    int nth = 2, passes = 5;
    int types[N_TYPES], ntypes = N_TYPES;
    memcpy(types, TYPES, sizeof TYPES);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc) mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--n") && i + 1 < argc) n = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) nth = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) passes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--types") && i + 1 < argc) ntypes = parse_types(argv[++i], types);
        else {
            fprintf(stderr, "usage: %s [--mb MB] [--n N] [--threads T] [--reps R] [--types f16,q8_0,...]\n", argv[0]);
            return 2;
        }
    }
    if (n % 256 || nth < 1 || nth > 64 || mb <= 0 || ntypes < 1) {
        fprintf(stderr, "kernels: --n must be a multiple of 256, --threads 1..64\n");
        return 2;
    }
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    int nl = 0;
    for (int l = 0; l < CPU_SIMD_COUNT; l++) {
        if (cpu_kernels_get((cpu_simd)l)) lv[nl++] = cpu_kernels_get((cpu_simd)l);
    }

    cpu_membw bw1, bw2;
    if (cpu_membw_measure(1, 256u << 20, 3, &bw1) == 0 && cpu_membw_measure(nth, 256u << 20, 3, &bw2) == 0) {
        printf("memory read bandwidth (membw.h): %.1f GB/s on 1 thread, %.1f GB/s on %d threads\n\n",
               bw1.read_gbps, bw2.read_gbps, nth);
    }

    printf("decode: vec_dot over %.0f MB of weights, n = %lld, GB/s of weights (ratio to scalar)\n", mb, (long long)n);
    printf("%-6s", "type");
    for (int l = 0; l < nl; l++) printf(" %14s-1T", lv[l]->name);
    printf(" %11s-%dT\n", lv[nl - 1]->name, nth);
    double lsum_dec = 0;
    for (int i = 0; i < ntypes; i++) {
        matrix m;
        const size_t rb = (size_t)gguf_type_row_bytes(types[i], (uint64_t)n, NULL);
        if (make_matrix(&m, types[i], n, (int64_t)(mb * 1e6 / (double)rb), 1)) return 1;
        printf("%-6s", gguf_type_name(types[i]));
        double base = 0;
        for (int l = 0; l < nl; l++) {
            matrix_use_level(&m, lv[l]);
            const double g = bench_decode(&m, lv[l]->vec_dot[types[i]], 1, l ? passes : 2);
            if (l == 0) base = g;
            printf(" %8.2f (%5.1fx)", g, g / base);
            if (l == nl - 1) lsum_dec += log(g / base);
        }
        printf(" %8.2f\n", bench_decode(&m, lv[nl - 1]->vec_dot[types[i]], nth, passes));
        fflush(stdout);
        free_matrix(&m);
    }
    printf("geomean %s/scalar decode: %.1fx\n\n", lv[nl - 1]->name, exp(lsum_dec / ntypes));

    const int tokens = 64, rows = 256;
    printf("prefill: gemm_tile, %d weight rows x %d tokens, n = %lld, GFLOP/s on 1 thread (ratio to scalar)\n", rows,
           tokens, (long long)n);
    printf("%-6s", "type");
    for (int l = 0; l < nl; l++) printf(" %17s", lv[l]->name);
    printf("\n");
    double lsum_pf = 0;
    for (int i = 0; i < ntypes; i++) {
        matrix m;
        if (make_matrix(&m, types[i], n, rows, tokens)) return 1;
        printf("%-6s", gguf_type_name(types[i]));
        double base = 0;
        for (int l = 0; l < nl; l++) {
            matrix_use_level(&m, lv[l]);
            const double g = bench_prefill(&m, lv[l]->gemm_tile[types[i]], tokens, l ? 0.2 : 0.05);
            if (l == 0) base = g;
            printf(" %8.2f (%5.1fx)", g, g / base);
            if (l == nl - 1) lsum_pf += log(g / base);
        }
        printf("\n");
        fflush(stdout);
        free_matrix(&m);
    }
    printf("geomean %s/scalar prefill: %.1fx\n\n", lv[nl - 1]->name, exp(lsum_pf / ntypes));

    printf("quantize_act: GB/s of floats read (ratio to scalar), n = %lld\n", (long long)n);
    static const int ACTS[] = {GGUF_TYPE_Q8_0, GGUF_TYPE_Q8_1, GGUF_TYPE_Q8_K, GGUF_TYPE_F16, GGUF_TYPE_BF16};
    for (size_t i = 0; i < sizeof ACTS / sizeof ACTS[0]; i++) {
        printf("%-6s", gguf_type_name(ACTS[i]));
        double base = 0;
        for (int l = 0; l < nl; l++) {
            const double g = bench_quant(lv[l], ACTS[i], n, 0.05);
            if (l == 0) base = g;
            printf(" %8.2f (%5.1fx)", g, g / base);
        }
        printf("\n");
    }
    return 0;
}
