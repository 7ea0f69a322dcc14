/* kernels.c - the SCALAR kernel table (the reference kernels of quants.h plus
 * plain C loops) and the run-time choice of a SIMD level.
 *
 * The SIMD files (simd_avx2.c, simd_avx512.c, simd_wasm.c) export partial
 * tables; here each level's complete table is built once (pthread_once) by
 * copying the level below and overriding the entries the level specialises.
 * A level is offered only when the running CPU reports its instructions
 * (__builtin_cpu_supports, which also checks that the OS saves the AVX /
 * AVX-512 register state).
 */
#include "kernels.h"
#include "simd.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* scalar kernels                                                            */
/* ------------------------------------------------------------------------ */

/* gemm_tile from a vec_dot: one dot per (weight row, activation row). */
CPU_DEFINE_DOT_TILE(tile_f32, gguf_vec_dot_f32)
CPU_DEFINE_DOT_TILE(tile_f16, gguf_vec_dot_f16)
CPU_DEFINE_DOT_TILE(tile_bf16, gguf_vec_dot_bf16)
CPU_DEFINE_DOT_TILE(tile_q4_0, gguf_vec_dot_q4_0_q8_0)
CPU_DEFINE_DOT_TILE(tile_q4_1, gguf_vec_dot_q4_1_q8_1)
CPU_DEFINE_DOT_TILE(tile_q5_0, gguf_vec_dot_q5_0_q8_0)
CPU_DEFINE_DOT_TILE(tile_q5_1, gguf_vec_dot_q5_1_q8_1)
CPU_DEFINE_DOT_TILE(tile_q8_0, gguf_vec_dot_q8_0_q8_0)
CPU_DEFINE_DOT_TILE(tile_q4_K, gguf_vec_dot_q4_K_q8_K)
CPU_DEFINE_DOT_TILE(tile_q5_K, gguf_vec_dot_q5_K_q8_K)
CPU_DEFINE_DOT_TILE(tile_q6_K, gguf_vec_dot_q6_K_q8_K)

static float dot_f32_scalar(int64_t n, const float *x, const float *y) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
    return sum;
}

static float dot_f32_f16_scalar(int64_t n, const float *x, const uint16_t *y) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * gguf_fp16_to_fp32(y[i]);
    return sum;
}

static void axpy_f32_scalar(int64_t n, float a, const float *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
}

static void axpy_f16_scalar(int64_t n, float a, const uint16_t *x, float *y) {
    for (int64_t i = 0; i < n; i++) y[i] += a * gguf_fp16_to_fp32(x[i]);
}

static const cpu_kernels SCALAR = {
    .level = CPU_SIMD_SCALAR,
    .name = "scalar",
    .quantize_act = {
        [GGUF_TYPE_F32] = gguf_from_float_f32,
        [GGUF_TYPE_F16] = gguf_from_float_f16,
        [GGUF_TYPE_BF16] = gguf_from_float_bf16,
        [GGUF_TYPE_Q8_0] = gguf_quantize_act_q8_0, /* not the weight rule: see quants.h */
        [GGUF_TYPE_Q8_1] = gguf_quantize_act_q8_1,
        [GGUF_TYPE_Q8_K] = gguf_from_float_q8_K,
    },
    .vec_dot = {
        [GGUF_TYPE_F32] = gguf_vec_dot_f32,
        [GGUF_TYPE_F16] = gguf_vec_dot_f16,
        [GGUF_TYPE_BF16] = gguf_vec_dot_bf16,
        [GGUF_TYPE_Q4_0] = gguf_vec_dot_q4_0_q8_0,
        [GGUF_TYPE_Q4_1] = gguf_vec_dot_q4_1_q8_1,
        [GGUF_TYPE_Q5_0] = gguf_vec_dot_q5_0_q8_0,
        [GGUF_TYPE_Q5_1] = gguf_vec_dot_q5_1_q8_1,
        [GGUF_TYPE_Q8_0] = gguf_vec_dot_q8_0_q8_0,
        [GGUF_TYPE_Q4_K] = gguf_vec_dot_q4_K_q8_K,
        [GGUF_TYPE_Q5_K] = gguf_vec_dot_q5_K_q8_K,
        [GGUF_TYPE_Q6_K] = gguf_vec_dot_q6_K_q8_K,
    },
    .gemm_tile = {
        [GGUF_TYPE_F32] = tile_f32,
        [GGUF_TYPE_F16] = tile_f16,
        [GGUF_TYPE_BF16] = tile_bf16,
        [GGUF_TYPE_Q4_0] = tile_q4_0,
        [GGUF_TYPE_Q4_1] = tile_q4_1,
        [GGUF_TYPE_Q5_0] = tile_q5_0,
        [GGUF_TYPE_Q5_1] = tile_q5_1,
        [GGUF_TYPE_Q8_0] = tile_q8_0,
        [GGUF_TYPE_Q4_K] = tile_q4_K,
        [GGUF_TYPE_Q5_K] = tile_q5_K,
        [GGUF_TYPE_Q6_K] = tile_q6_K,
    },
    .dot_f32 = dot_f32_scalar,
    .dot_f32_f16 = dot_f32_f16_scalar,
    .axpy_f32 = axpy_f32_scalar,
    .axpy_f16 = axpy_f16_scalar,
};

/* ------------------------------------------------------------------------ */
/* levels                                                                    */
/* ------------------------------------------------------------------------ */

static cpu_kernels g_tables[CPU_SIMD_COUNT];
static bool g_present[CPU_SIMD_COUNT];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* Does the running CPU have every instruction the level's file was compiled for? */
static bool cpu_supports(cpu_simd level) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("f16c");
    if (level == CPU_SIMD_AVX2) return avx2;
    if (level == CPU_SIMD_AVX512) {
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni");
    }
#endif
#ifdef __wasm_simd128__
    if (level == CPU_SIMD_WASM128) return true; /* validated when the module loaded */
#endif
    return level == CPU_SIMD_SCALAR;
}

/* dst = base with every non-NULL entry of over taken from over. */
static void merge_table(cpu_kernels *dst, const cpu_kernels *base, const cpu_kernels *over) {
    *dst = *base;
    dst->level = over->level;
    dst->name = over->name;
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
        if (over->quantize_act[t]) {
            /* a quantizer brings its layout (GGUF's when act_block_bytes is 0) */
            dst->quantize_act[t] = over->quantize_act[t];
            dst->act_block_bytes[t] = over->act_block_bytes[t];
            dst->act_to_gguf[t] = over->act_to_gguf[t];
        }
        if (over->vec_dot[t]) dst->vec_dot[t] = over->vec_dot[t];
        if (over->gemm_tile[t]) dst->gemm_tile[t] = over->gemm_tile[t];
    }
    if (over->dot_f32) dst->dot_f32 = over->dot_f32;
    if (over->dot_f32_f16) dst->dot_f32_f16 = over->dot_f32_f16;
    if (over->axpy_f32) dst->axpy_f32 = over->axpy_f32;
    if (over->axpy_f16) dst->axpy_f16 = over->axpy_f16;
}

/* Build level `level` on top of level `below` from a file's partial table. */
static void add_level(cpu_simd level, cpu_simd below, const cpu_kernels *partial) {
    if (!partial || !g_present[below] || !cpu_supports(level)) return;
    merge_table(&g_tables[level], &g_tables[below], partial);
    g_present[level] = true;
}

static void init_tables(void) {
    g_tables[CPU_SIMD_SCALAR] = SCALAR;
    g_present[CPU_SIMD_SCALAR] = true;
#if defined(__x86_64__) || defined(__i386__)
    add_level(CPU_SIMD_AVX2, CPU_SIMD_SCALAR, cpu_kernels_avx2());
    add_level(CPU_SIMD_AVX512, CPU_SIMD_AVX2, cpu_kernels_avx512());
#endif
#ifdef __wasm_simd128__
    add_level(CPU_SIMD_WASM128, CPU_SIMD_SCALAR, cpu_kernels_wasm128());
#endif
}

const cpu_kernels *cpu_kernels_get(cpu_simd level) {
    if ((int)level < 0 || level >= CPU_SIMD_COUNT) return NULL;
    pthread_once(&g_once, init_tables);
    return g_present[level] ? &g_tables[level] : NULL;
}

const char *cpu_simd_name(cpu_simd level) {
    switch (level) {
    case CPU_SIMD_SCALAR: return "scalar";
    case CPU_SIMD_AVX2: return "avx2";
    case CPU_SIMD_AVX512: return "avx512";
    case CPU_SIMD_WASM128: return "wasm-simd128";
    default: return "unknown";
    }
}

size_t cpu_act_row_bytes(const cpu_kernels *k, int type, int64_t n) {
    const gguf_type_info *ti = gguf_type_get(type);
    if (k->act_block_bytes[type] == 0) return (size_t)gguf_type_row_bytes(type, (uint64_t)n, NULL);
    return (size_t)(n / ti->block_elems) * k->act_block_bytes[type];
}

const cpu_kernels *cpu_kernels_best(void) {
    /* LLMCAP_SIMD caps the level (for tests and comparisons); unknown values
     * are ignored. "wasm" and "wasm-simd128" name the WASM level. */
    int cap = CPU_SIMD_COUNT - 1;
    const char *env = getenv("LLMCAP_SIMD");
    if (env && *env) {
        if (strcmp(env, "scalar") == 0) cap = CPU_SIMD_SCALAR;
        else if (strcmp(env, "avx2") == 0) cap = CPU_SIMD_AVX2;
        else if (strcmp(env, "avx512") == 0) cap = CPU_SIMD_AVX512;
        else if (strcmp(env, "wasm") == 0 || strcmp(env, "wasm-simd128") == 0) cap = CPU_SIMD_WASM128;
    }
    for (int l = cap; l > CPU_SIMD_SCALAR; l--) {
        const cpu_kernels *k = cpu_kernels_get((cpu_simd)l);
        if (k) return k;
    }
    return cpu_kernels_get(CPU_SIMD_SCALAR);
}
