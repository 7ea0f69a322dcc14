/* kernels.h - the CPU backend's compute kernels, one table per SIMD level,
 * chosen at run time (cpu_kernels_best) from what the CPU reports.
 *
 * Levels: SCALAR (the reference kernels of quants.h plus plain C loops; always
 * present), AVX2 (AVX2 + FMA + F16C), AVX512 (AVX-512 F/BW/VL/DQ + VNNI), and
 * WASM128 (WebAssembly SIMD128, only in the Emscripten build). Each level's
 * table is complete: a kernel a level does not specialise points to the
 * scalar one. tests/engine/test_kernels.c compares every level with SCALAR
 * under named tolerances.
 *
 * Conventions: n is an element count (a multiple of the weight type's block
 * size); "rows" are contiguous in memory with the given stride in bytes.
 * Rows must be 2-byte aligned (their fp16 fields are read as uint16_t) and
 * 4-byte aligned for F32 and Q8_K; GGUF tensor data (32-byte aligned, even
 * row sizes) and malloc'ed buffers satisfy this. Kernels never allocate,
 * print or fail, and are safe to call from several threads at once.
 *
 * Activation layouts: a level's quantize_act, vec_dot and gemm_tile are only
 * ever used together, so a level may keep an activation type in its own
 * layout (act_block_bytes != 0), e.g. WASM128 widens Q8_0 activations to
 * int16 once per matmul instead of once per weight row. Callers size
 * activation rows with cpu_act_row_bytes(), never with the GGUF row size,
 * and tests read such rows back through act_to_gguf.
 *
 * Implementation: kernels.c (SCALAR, dispatch), simd_avx2.c, simd_avx512.c,
 * simd_wasm.c; each SIMD file exports one partial table (simd.h) that
 * kernels.c completes from the level below.
 */
#ifndef LLMCAP_CPU_KERNELS_H
#define LLMCAP_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef enum cpu_simd {
    CPU_SIMD_SCALAR = 0,
    CPU_SIMD_AVX2,
    CPU_SIMD_AVX512,
    CPU_SIMD_WASM128,
    CPU_SIMD_COUNT
} cpu_simd;

/* Matrix tile: out[c * out_stride + r] = dot(w row r, a row c) for r < nr, c < nc.
 * w rows are weight-type rows of n elements, w_row_bytes apart; a rows are
 * activation rows of the weight type's vec_dot_type, a_row_bytes apart.
 * nr and nc are 1..CPU_TILE_MAX. This is the prefill (matrix-matrix) path:
 * a kernel may keep nr x nc accumulators in registers and read each weight
 * block once for all nc activation rows. */
#define CPU_TILE_MAX 8
typedef void (*cpu_gemm_tile_fn)(int64_t n, const void *w, size_t w_row_bytes, int nr,
                                 const void *a, size_t a_row_bytes, int nc,
                                 float *out, size_t out_stride);

typedef struct cpu_kernels {
    cpu_simd level;
    const char *name;                                  /* "scalar", "avx2", "avx512", "wasm-simd128" */
    /* indexed by the activation (vec_dot) type: Q8_0, Q8_1, Q8_K, F16, BF16, F32 */
    gguf_from_float_fn quantize_act[GGUF_TYPE_COUNT];
    /* bytes of one activation block in this level's layout (same index);
     * 0 = the GGUF layout of that type */
    uint32_t act_block_bytes[GGUF_TYPE_COUNT];
    /* this level's layout back to the GGUF bytes quantize_act of SCALAR
     * writes (n elements); NULL where the layout is GGUF's. For tests. */
    void (*act_to_gguf[GGUF_TYPE_COUNT])(const void *src, void *dst, int64_t n);
    /* indexed by weight type; NULL for types the engine does not run */
    gguf_vec_dot_fn vec_dot[GGUF_TYPE_COUNT];
    cpu_gemm_tile_fn gemm_tile[GGUF_TYPE_COUNT];
    /* float helpers used by attention: */
    float (*dot_f32)(int64_t n, const float *x, const float *y);          /* sum x*y */
    float (*dot_f32_f16)(int64_t n, const float *x, const uint16_t *y);   /* y in IEEE half */
    void (*axpy_f32)(int64_t n, float a, const float *x, float *y);       /* y += a*x */
    void (*axpy_f16)(int64_t n, float a, const uint16_t *x, float *y);    /* y += a*half(x) */
} cpu_kernels;

/* The table for one level, or NULL when that level was not compiled in or the
 * CPU lacks the instructions. */
const cpu_kernels *cpu_kernels_get(cpu_simd level);
/* The fastest level this CPU supports (LLMCAP_SIMD=scalar|avx2|avx512 in the
 * environment caps it, for tests and comparisons). Never NULL. */
const cpu_kernels *cpu_kernels_best(void);
const char *cpu_simd_name(cpu_simd level);
/* Bytes of one row of n elements of activation type `type` in k's layout
 * (n a multiple of the type's block size). At most 4 bytes per element for
 * every level and type (F32 and the WASM128 layouts are the widest). */
size_t cpu_act_row_bytes(const cpu_kernels *k, int type, int64_t n);

#endif
