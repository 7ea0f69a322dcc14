/* profile.c - the free parameters of the performance model, as named
 * constants with where their values come from (llmcap_profile_handset()).
 * They are the starting point of `llmcap calibrate` (estimator/calibrate.c),
 * whose fit, shipped as data/profile.json, is the default profile
 * (llmcap_profile_default(), estimator/profile_json.c); everything else reads
 * the parameters through params->profile or that default.
 *
 * How these constants were chosen: the decode and prefill formulas of
 * estimate.c were compared with the published llama-bench runs in
 * ../shared/reference/measured_runs.csv (`make accuracy` prints the error),
 * and each constant below was set by hand to a round value near what those
 * runs imply for its device class. They are a starting point, not a fit.
 */
#include "internal.h"

#define MIB (1024.0 * 1024.0)

/* Discrete GPUs (CUDA / ROCm / Vulkan class). */
/* bw_eff 0.85: GeForce 30/40 cards decode Llama-3-8B Q4_K_M (4.6 GB read per token)
 *   at 61-75% of peak bandwidth including fixed overheads (XiongjieDai tg512 rows);
 *   with the per-token overheads below removed that is ~85%. STREAM-like kernels
 *   reach 85-92% of HBM/GDDR peak. */
#define GPU_BW_EFF 0.85
/* Prefill of quantized weights runs llama.cpp's MMQ kernels on the INT8 path
 *   (estimate.c uses int8_tops as the peak when a device lists it, FP16 otherwise).
 *   XiongjieDai pp512 rows for Llama-3-8B Q4_K_M reach 9-25% of dense INT8 and flatten
 *   near 100-130 TFLOPS whatever the peak (H100 PCIe 130, 4090 114, A100 96): a
 *   harmonic ceiling 1/rate = 1/(0.30 * peak) + 1/200 TFLOPS puts the 15 single-GPU
 *   rows within about 15%. */
#define GPU_COMPUTE_EFF 0.30
#define GPU_PREFILL_CAP_TFLOPS 200.0
/* Attention in prefill (QK^T, softmax, V without flash attention in 2024 builds) runs
 *   at about 1/3 of the matmul rate: pp4096 is 17-26% slower than pp512 on the same
 *   GPUs while attention adds only ~7% FLOPs for Llama-3-8B. */
#define GPU_PREFILL_ATTN_EFF 0.30
/* per decode step: graph launch, synchronisation and sampling (~0.5 ms), plus
 *   ~55 us per layer of kernel launches (about 12 kernels per layer at ~4-5 us each);
 *   together ~2.3 ms for a 32-layer model, the intercept of the tg rows above. */
#define GPU_TOK_OVERHEAD_MS 0.5
#define GPU_LAYER_OVERHEAD_US 55.0
/* CUDA context, cuBLAS workspace and driver reservations: 300-600 MiB per GPU as
 *   seen in nvidia-smi beyond llama.cpp's own buffer sizes; 512 MiB assumed. */
#define GPU_RUNTIME_BYTES (512.0 * MIB)
/* decode attention reaches ~1% of dense FP16 peak: the slope of tg time over context
 *   depth in the tg512..tg8192 rows (0.36 us per cached token for Llama-3-8B on a
 *   RTX 4090, 0.72 us on a 3090) divided by the attention FLOPs per cached token. */
#define GPU_ATTN_EFF 0.012
/* quantized mat-vec kernels saturate near 1 TB/s effective on 2024 builds: A100 and
 *   H100 rows decode Llama-3-8B Q4_K_M at 135-146 tok/s whatever their 2-3.3 TB/s
 *   peak; on a 2026 build an H200 reaches 1.48 TB/s at Q4_0 (shared/docs/toolchain.md). */
#define GPU_BW_CAP_GBPS 1200.0

/* Apple Silicon (Metal). */
/* M-series GPUs decode at ~55-65% of the LPDDR peak (XiongjieDai tg rows for M1 Max,
 *   M2 Ultra, M3 Max: 40-57% with overheads). */
#define APPLE_BW_EFF 0.62
#define APPLE_COMPUTE_EFF 0.60   /* pp512 reaches 58-78% of the listed FP16 vector rate */
#define APPLE_PREFILL_ATTN_EFF 0.30
#define APPLE_TOK_OVERHEAD_MS 1.0
#define APPLE_LAYER_OVERHEAD_US 60.0
#define APPLE_RUNTIME_BYTES (256.0 * MIB)
#define APPLE_ATTN_EFF 0.012
/* Metal's recommendedMaxWorkingSetSize is about 2/3 of unified memory up to 36 GB
 *   and about 3/4 above (llama.cpp prints it at start-up as "recommendedMaxWorkingSetSize"). */
#define APPLE_USABLE_FRAC 0.75

/* Other unified-memory GPUs (Strix Halo, DGX Spark / GB10). */
/* DGX Spark tg32 rows (2025 build) decode at ~85% of the 273 GB/s LPDDR5X peak. */
#define IGPU_BW_EFF 0.85
#define IGPU_COMPUTE_EFF 0.40
#define IGPU_TOK_OVERHEAD_MS 0.8
#define IGPU_LAYER_OVERHEAD_US 40.0
#define IGPU_RUNTIME_BYTES (512.0 * MIB)
#define IGPU_ATTN_EFF 0.02
#define IGPU_USABLE_FRAC 0.90   /* the OS keeps a few GiB of the shared pool */

/* CPU platforms. */
/* CPU decode reaches 60-80% of the theoretical DDR bandwidth (STREAM triad on this
 *   project's machines: 23-31 GB/s of 2 cores; llama.cpp F16 decode runs at the
 *   measured bandwidth, shared/docs/toolchain.md). */
#define CPU_BW_EFF 0.65
#define CPU_COMPUTE_EFF 0.50
#define CPU_TOK_OVERHEAD_MS 0.3
#define CPU_LAYER_OVERHEAD_US 10.0
#define CPU_RUNTIME_BYTES (128.0 * MIB)
/* CPU platforms in data/ list no FLOPS: assume a 16-core AVX2/AVX-512 desktop at
 *   ~1 TFLOPS FP32 (16 cores x 3.5 GHz x 2 FMA x 8 lanes x 2 = 1.8 peak, half
 *   reached by ggml's quantized GEMM). */
#define CPU_DEFAULT_TFLOPS 1.0
#define CPU_ATTN_EFF 0.05

/* Multi-GPU layer split: each extra GPU adds a hand-off per token (activation copy
 *   + synchronisation); XiongjieDai's 2-8 GPU rows decode 3-10% slower than 1 GPU. */
#define MULTI_GPU_OVERHEAD_MS 0.35
/* Host-to-device uploads of offloaded weights reach ~80% of the PCIe link rate. */
#define PCIE_EFF 0.80
/* CPU decode of offloaded layers on a GPU box: same fraction as CPU platforms. */
#define HOST_BW_EFF 0.65

static const llmcap_profile handset_profile = {
    .name = "hand-set",
    .kind = {
        [LLMCAP_HW_GPU] = {GPU_BW_EFF, GPU_COMPUTE_EFF, GPU_TOK_OVERHEAD_MS, GPU_LAYER_OVERHEAD_US,
                           GPU_RUNTIME_BYTES, 0.0, GPU_ATTN_EFF, GPU_BW_CAP_GBPS, 1.0, GPU_PREFILL_CAP_TFLOPS,
                           GPU_PREFILL_ATTN_EFF},
        [LLMCAP_HW_APPLE] = {APPLE_BW_EFF, APPLE_COMPUTE_EFF, APPLE_TOK_OVERHEAD_MS, APPLE_LAYER_OVERHEAD_US,
                             APPLE_RUNTIME_BYTES, 0.0, APPLE_ATTN_EFF, 0.0, APPLE_USABLE_FRAC, 0.0,
                             APPLE_PREFILL_ATTN_EFF},
        [LLMCAP_HW_IGPU] = {IGPU_BW_EFF, IGPU_COMPUTE_EFF, IGPU_TOK_OVERHEAD_MS, IGPU_LAYER_OVERHEAD_US,
                            IGPU_RUNTIME_BYTES, 0.0, IGPU_ATTN_EFF, 0.0, IGPU_USABLE_FRAC, 0.0, 0.5},
        [LLMCAP_HW_CPU] = {CPU_BW_EFF, CPU_COMPUTE_EFF, CPU_TOK_OVERHEAD_MS, CPU_LAYER_OVERHEAD_US,
                           CPU_RUNTIME_BYTES, CPU_DEFAULT_TFLOPS, CPU_ATTN_EFF, 0.0, 1.0, 0.0, 0.5},
    },
    .multi_gpu_overhead_ms = MULTI_GPU_OVERHEAD_MS,
    .pcie_eff = PCIE_EFF,
    .host_bw_eff = HOST_BW_EFF,
};

const llmcap_profile *llmcap_profile_handset(void) { return &handset_profile; }
