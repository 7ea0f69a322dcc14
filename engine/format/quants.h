/* quants.h - reference (scalar, portable C) kernels for every tensor type the
 * engine runs: dequantize, quantize, and the dot product of a weight row with an
 * activation row quantized to the type's "vec_dot type".
 *
 * These are the readable definitions; the CPU backend's SIMD kernels
 * (engine/cpu/kernels.h) must agree with them within the tolerances named in
 * tests/engine/test_kernels.c. They are reached through the type table
 * (gguf_type_get(t)->to_float etc., types.h), which is the single table indexed
 * by type that also gives block size and bytes.
 *
 * Block layouts are facts from ggml's ggml-common.h (see types.c). Activations
 * are quantized the way llama.cpp's CPU backend does before a quantized matmul
 * (facts from ggml-cpu's quantize_row_q8_0 / q8_1 / q8_K): Q8_0 and Q8_1 for the
 * 32-element types, Q8_K for the K-quants; F16 and BF16 weights take activations
 * converted to F16 / BF16; F32 takes F32.
 *
 * All n are element counts and must be multiples of the type's block_elems;
 * pointers must not alias. No function allocates, prints or fails.
 */
#ifndef LLMCAP_FORMAT_QUANTS_H
#define LLMCAP_FORMAT_QUANTS_H

#include <stdint.h>

/* IEEE half <-> float, round-to-nearest-even, inf/NaN preserved. */
float gguf_fp16_to_fp32(uint16_t h);
uint16_t gguf_fp32_to_fp16(float f);
/* bfloat16 <-> float (round-to-nearest-even; NaN kept quiet). */
float gguf_bf16_to_fp32(uint16_t h);
uint16_t gguf_fp32_to_bf16(float f);

/* x: n elements of the type -> y: n floats. */
typedef void (*gguf_to_float_fn)(const void *x, float *y, int64_t n);
/* x: n floats -> y: n elements of the type (reference quantizer; for weights
 * it minimises error per block with our own search, for Q8_0/Q8_1/Q8_K it is
 * llama.cpp's activation rounding: d = amax/127, q = round(x/d)). */
typedef void (*gguf_from_float_fn)(const float *x, void *y, int64_t n);
/* sum_i w[i]*a[i] over n elements; w of the weight type, a of its vec_dot type. */
typedef float (*gguf_vec_dot_fn)(int64_t n, const void *w, const void *a);

#endif
