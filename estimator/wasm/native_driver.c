/* native_driver.c - the WASM module's exports (estimator_wasm.c) compiled
 * natively, driven from the command line: the reference the WASM tests and
 * benchmark compare with (tests/wasm/test_estimator.js, bench/estimator_wasm.js).
 *
 * usage: llmcap-estimator-native COMMAND ARGS
 *   bench REPS                  REPS x 5000 full estimates (llmcap_wasm_bench_estimates);
 *                               prints "calls seconds checksum"
 *   api-bench N OPTS_JSON       N calls of llmcap_wasm_estimate(OPTS_JSON) (the JS API's
 *                               path without JS); prints "calls seconds"
 *   vram P BITS NCTX BATCH | tok_s BW BYTES CPUF | offload GBW RBW G T | oom BYTES VRAM RAM 0|1 |
 *   cpu_factor THREADS CORES | curve BW PARAMS_B BITS...
 *                               one classic call; prints the result (%.17g numbers, NaN as "NaN")
 * Exit status 0, or 2 for bad usage / a failed call (message on stderr). */
#include "estimator_wasm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_num(double x)
{
    if (isnan(x)) printf("NaN\n");
    else printf("%.17g\n", x);
}

static double num(const char *s) { return strtod(s, NULL); }

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: llmcap-estimator-native COMMAND ARGS (see native_driver.c)\n"); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "bench") && argc == 3) {
        const double reps = num(argv[2]);
        const double t0 = now_s();
        const double sum = llmcap_wasm_bench_estimates(reps);
        const double t = now_s() - t0;
        if (isnan(sum)) { fprintf(stderr, "bench: %s\n", llmcap_wasm_last_error()); return 2; }
        printf("%.0f %.6f %.17g\n", 5000.0 * floor(reps), t, sum);
        return 0;
    }
    if (!strcmp(cmd, "api-bench") && argc == 4) {
        const long n = atol(argv[2]);
        if (!llmcap_wasm_estimate(argv[3], 0)) { fprintf(stderr, "api-bench: %s\n", llmcap_wasm_last_error()); return 2; }
        const double t0 = now_s();
        for (long i = 0; i < n; i++)
            if (!llmcap_wasm_estimate(argv[3], 0)) { fprintf(stderr, "api-bench: %s\n", llmcap_wasm_last_error()); return 2; }
        printf("%ld %.6f\n", n, now_s() - t0);
        return 0;
    }
    if (!strcmp(cmd, "vram") && argc == 6) { print_num(llmcap_wasm_classic_vram_bytes(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]))); return 0; }
    if (!strcmp(cmd, "tok_s") && argc == 5) { print_num(llmcap_wasm_classic_tok_s(num(argv[2]), num(argv[3]), num(argv[4]))); return 0; }
    if (!strcmp(cmd, "offload") && argc == 6) {
        print_num(llmcap_wasm_classic_offload_bandwidth_gbps(num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5])));
        return 0;
    }
    if (!strcmp(cmd, "oom") && argc == 6) {
        printf("%s\n", llmcap_wasm_classic_oom_check(num(argv[2]), num(argv[3]), num(argv[4]), atoi(argv[5])));
        return 0;
    }
    if (!strcmp(cmd, "cpu_factor") && argc == 4) { print_num(llmcap_wasm_classic_cpu_factor(num(argv[2]), num(argv[3]))); return 0; }
    if (!strcmp(cmd, "curve") && argc >= 4) {
        const int n = argc - 4;
        double bits[64], out[64];
        if (n > 64) { fprintf(stderr, "curve: at most 64 values\n"); return 2; }
        for (int i = 0; i < n; i++) bits[i] = num(argv[4 + i]);
        if (!llmcap_wasm_classic_tok_s_curve(num(argv[2]), num(argv[3]), bits, n, out)) { printf("null\n"); return 0; }
        for (int i = 0; i < n; i++) printf("%.17g%s", out[i], i + 1 < n ? " " : "\n");
        if (n == 0) printf("\n");
        return 0;
    }
    fprintf(stderr, "llmcap-estimator-native: unknown command or wrong arguments: %s\n", cmd);
    return 2;
}
