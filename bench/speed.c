/* speed.c - how many full estimates per second one core computes.
 * A "full estimate" is llmcap_estimate(): memory plan per device, decode,
 * aggregate decode, prefill, TTFT and total time. Models and parameters vary
 * per call (n_ctx, n_gpu_layers, depth) so nothing is hoisted out of the loop.
 * usage: speed [--data DIR] [seconds]   (prints estimates/s per model and the ratio to the target) */
#include "llmcap.h"
#include "types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TARGET_PER_S 2e6 /* issue target: >= 2 million full estimates/s on one core */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *data = "data";
    double secs = 1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else secs = atof(argv[i]);
    }
    if (!(secs > 0)) secs = 1.0;
    llmcap_db *db;
    llmcap_error err;
    if (llmcap_db_load_dir(data, &db, &err)) { fprintf(stderr, "speed: %s\n", err.msg); return 2; }
    static const char *const cases[][2] = {
        {"llama-3.1-8b", "rtx-4090"}, {"llama-3.1-70b", "rtx-3090"}, {"qwen3-30b-a3b", "apple-m2-ultra"},
        {"deepseek-v3", "h200-sxm"}, {"gemma-3-27b", "cpu-ddr5-6400-2ch"},
    };
    const size_t nc = sizeof cases / sizeof cases[0];
    double total_calls = 0, total_time = 0, worst = 1e30;
    volatile double sink = 0;
    printf("%-16s %-20s %14s %10s\n", "model", "hardware", "estimates/s", "ns/call");
    for (size_t c = 0; c < nc; c++) {
        llmcap_model *m;
        llmcap_model_from_spec(llmcap_db_find_model(db, cases[c][0]), &m, &err);
        llmcap_params p = llmcap_params_default();
        p.gpu = *llmcap_db_find_hardware(db, cases[c][1]);
        p.ftype = GGUF_FTYPE_Q4_K_M;
        p.n_gpu = !strcmp(cases[c][0], "deepseek-v3") ? 8 : !strcmp(cases[c][0], "llama-3.1-70b") ? 2 : 1;
        llmcap_result r;
        long calls = 0;
        double t0 = now_s(), t;
        do {
            for (int k = 0; k < 1000; k++) {
                p.n_ctx = 2048u + (uint32_t)(k & 63) * 512u;
                p.depth = (uint32_t)(k & 7) * 256u;
                p.n_gpu_layers = (k & 15) == 15 ? 20 : -1;
                if (llmcap_estimate(m, &p, &r, &err)) { fprintf(stderr, "speed: %s\n", err.msg); return 1; }
                sink += r.speed.decode_tok_s;
            }
            calls += 1000;
            t = now_s() - t0;
        } while (t < secs / (double)nc);
        double rate = calls / t;
        if (rate < worst) worst = rate;
        total_calls += (double)calls;
        total_time += t;
        printf("%-16s %-20s %14.0f %10.1f\n", cases[c][0], cases[c][1], rate, 1e9 / rate);
        llmcap_model_free(m);
    }
    double rate = total_calls / total_time;
    printf("all cases: %.2f million estimates/s on one core (target >= 2.0 million: ratio %.2f, slowest case %.2f)\n",
           rate / 1e6, rate / TARGET_PER_S, worst / TARGET_PER_S);
    llmcap_db_free(db);
    (void)sink;
    return 0;
}
