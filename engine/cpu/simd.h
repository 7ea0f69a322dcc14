/* simd.h - private to engine/cpu: the per-level kernel tables of the SIMD
 * files. Each getter returns a PARTIAL table: entries the level does not
 * specialise are NULL, and kernels.c fills them from the level below
 * (AVX512 <- AVX2 <- SCALAR, WASM128 <- SCALAR) before anyone sees the table.
 * A getter returns NULL when its file was compiled without the instruction
 * set (e.g. a compiler that lacks it); it never checks the running CPU,
 * kernels.c does. */
#ifndef LLMCAP_CPU_SIMD_H
#define LLMCAP_CPU_SIMD_H

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)
const cpu_kernels *cpu_kernels_avx2(void);   /* simd_avx2.c: AVX2 + FMA + F16C */
const cpu_kernels *cpu_kernels_avx512(void); /* simd_avx512.c: AVX-512 F/BW/VL/DQ/VNNI */
#endif
#ifdef __wasm_simd128__
const cpu_kernels *cpu_kernels_wasm128(void); /* simd_wasm.c: WebAssembly SIMD128 */
#endif

/* A gemm_tile (kernels.h) for types without a register-blocked tile: one call
 * of the level's vec_dot `dot` per (weight row, activation row), defined as a
 * static function `tname` in the including file so `dot` is a direct call. */
#define CPU_DEFINE_DOT_TILE(tname, dot)                                                           \
    static void tname(int64_t n, const void *w, size_t w_row_bytes, int nr, const void *a,        \
                      size_t a_row_bytes, int nc, float *out, size_t out_stride) {                \
        for (int c = 0; c < nc; c++) {                                                            \
            const char *ac = (const char *)a + (size_t)c * a_row_bytes;                           \
            for (int r = 0; r < nr; r++)                                                          \
                out[(size_t)c * out_stride + (size_t)r] = dot(n, (const char *)w + (size_t)r * w_row_bytes, ac); \
        }                                                                                         \
    }

/* The .vec_dot and .gemm_tile members of a level's table, for a file that
 * defines static vec_dot_<type> and tile_<type> for every weight type (all
 * three SIMD files do: same names, each level's own kernels). */
#define CPU_LEVEL_DOT_TABLES                                                                       \
    .vec_dot = {                                                                                   \
        [GGUF_TYPE_F32] = vec_dot_f32,   [GGUF_TYPE_F16] = vec_dot_f16,   [GGUF_TYPE_BF16] = vec_dot_bf16, \
        [GGUF_TYPE_Q4_0] = vec_dot_q4_0, [GGUF_TYPE_Q4_1] = vec_dot_q4_1, [GGUF_TYPE_Q5_0] = vec_dot_q5_0, \
        [GGUF_TYPE_Q5_1] = vec_dot_q5_1, [GGUF_TYPE_Q8_0] = vec_dot_q8_0, [GGUF_TYPE_Q4_K] = vec_dot_q4_K, \
        [GGUF_TYPE_Q5_K] = vec_dot_q5_K, [GGUF_TYPE_Q6_K] = vec_dot_q6_K,                          \
    },                                                                                             \
    .gemm_tile = {                                                                                 \
        [GGUF_TYPE_F32] = tile_f32,   [GGUF_TYPE_F16] = tile_f16,   [GGUF_TYPE_BF16] = tile_bf16,  \
        [GGUF_TYPE_Q4_0] = tile_q4_0, [GGUF_TYPE_Q4_1] = tile_q4_1, [GGUF_TYPE_Q5_0] = tile_q5_0,  \
        [GGUF_TYPE_Q5_1] = tile_q5_1, [GGUF_TYPE_Q8_0] = tile_q8_0, [GGUF_TYPE_Q4_K] = tile_q4_K,  \
        [GGUF_TYPE_Q5_K] = tile_q5_K, [GGUF_TYPE_Q6_K] = tile_q6_K,                                \
    }

#endif
