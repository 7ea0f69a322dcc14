/* classic.c - the classic calculator calls: quick formulas that need only a
 * few numbers (parameter count, bits per weight, bandwidth), for the page's
 * simple mode and for scripts. They use the same default profile constants
 * as the full estimate. */
#include "internal.h"

#include <math.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

static bool pos(double x) { return isfinite(x) && x > 0; }

/* KV cache bytes per token estimated from the parameter count alone, for an
 * F16 cache. A GQA-era dense model (Llama 3, Qwen 2.5, Mistral) stores about
 * 2 (K and V) x n_layer x n_head_kv x head_dim x 2 bytes per token; across
 * data/models.json that is ~16 KiB per billion parameters (Llama-3.1-8B:
 * 128 KiB / 8.0 B; Qwen2.5-32B: 256 KiB / 32.8 B; Llama-3.1-70B: 320 KiB / 70.6 B),
 * scaling with sqrt(params) more than linearly: kv = 45 KiB * sqrt(params_b). */
static double classic_kv_bytes_per_token(double params_b) { return 45.0 * 1024.0 * sqrt(params_b); }

double llmcap_classic_vram_bytes(double params_b, double bits_per_weight, uint32_t n_ctx, uint32_t batch)
{
    if (!pos(params_b) || params_b > 1e5 || !pos(bits_per_weight) || bits_per_weight > 64 || n_ctx == 0 ||
        n_ctx > LLMCAP_NCTX_MAX || batch == 0 || batch > 65536)
        return NAN;
    const llmcap_backend_params *bp = &llmcap_profile_default()->kind[LLMCAP_HW_GPU];
    double weights = params_b * 1e9 * bits_per_weight / 8.0;
    double kv = classic_kv_bytes_per_token(params_b) * (double)n_ctx * batch;
    /* compute buffer: ~ n_ubatch(512) x n_ctx x n_head(32) x 4 bytes capped by the logits size */
    double compute = fmin(512.0 * n_ctx * 32.0 * 4.0, 2.0 * GIB) + 256.0 * 1024 * 1024;
    return weights + kv + compute + bp->runtime_bytes;
}

double llmcap_classic_tok_s(double bandwidth_gbps, double model_bytes, double cpu_factor)
{
    if (!pos(bandwidth_gbps) || bandwidth_gbps > 1e5 || !pos(model_bytes) || model_bytes > 1e15 ||
        !pos(cpu_factor) || cpu_factor > 1.0)
        return NAN;
    const double eff = llmcap_profile_default()->kind[LLMCAP_HW_GPU].bw_eff;
    return bandwidth_gbps * 1e9 * eff / model_bytes * cpu_factor;
}

bool llmcap_classic_tok_s_curve(double bandwidth_gbps, double params_b, const double *bits_per_weight, size_t n,
                                double *out_tok_s)
{
    if (!pos(params_b) || params_b > 1e5 || !bits_per_weight || !out_tok_s) return false;
    for (size_t i = 0; i < n; i++) {
        if (!pos(bits_per_weight[i]) || bits_per_weight[i] > 64) return false;
    }
    for (size_t i = 0; i < n; i++) {
        out_tok_s[i] = llmcap_classic_tok_s(bandwidth_gbps, params_b * 1e9 * bits_per_weight[i] / 8.0, 1.0);
        if (isnan(out_tok_s[i])) return false;
    }
    return true;
}

double llmcap_classic_offload_bandwidth_gbps(double gpu_bw_gbps, double ram_bw_gbps, uint32_t gpu_layers,
                                             uint32_t total_layers)
{
    if (!pos(gpu_bw_gbps) || !pos(ram_bw_gbps) || gpu_bw_gbps > 1e5 || ram_bw_gbps > 1e5 || total_layers == 0 ||
        gpu_layers > total_layers)
        return NAN;
    const double g = gpu_layers, c = (double)(total_layers - gpu_layers);
    return (double)total_layers / (g / gpu_bw_gbps + c / ram_bw_gbps);
}

llmcap_oom llmcap_classic_oom_check(double model_bytes, double vram_bytes, double ram_bytes, bool allow_offload)
{
    if (!pos(model_bytes) || !isfinite(vram_bytes) || vram_bytes < 0 || !isfinite(ram_bytes) || ram_bytes < 0)
        return LLMCAP_OOM_INVALID;
    if (model_bytes <= vram_bytes) return LLMCAP_OOM_FITS_VRAM;
    if (allow_offload && model_bytes <= vram_bytes + ram_bytes) return LLMCAP_OOM_FITS_OFFLOAD;
    return LLMCAP_OOM_OUT_OF_MEMORY;
}

/* Decode on a CPU is memory-bound: a few cores saturate the memory controller.
 * llama.cpp's published thread sweeps (measured_runs.csv: i9-13900K, 7B Q4_0,
 * tg128 at 4/8/12/16/32 threads; llama-bench README CPU sweep) flatten at about
 * half the physical cores, and SMT siblings add nothing.
 * factor = min(1, threads_on_cores / (cores / 2)). */
double llmcap_classic_cpu_factor(uint32_t n_threads, uint32_t n_cores)
{
    if (n_threads == 0 || n_cores == 0 || n_threads > 65536 || n_cores > 65536) return NAN;
    const double used = n_threads < n_cores ? n_threads : n_cores;
    const double sat = n_cores >= 2 ? n_cores / 2.0 : 1.0;
    return used >= sat ? 1.0 : used / sat;
}
