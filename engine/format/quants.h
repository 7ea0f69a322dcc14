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
 * it minimises error per block with our own search, for Q8_0/Q8_1 it is
 * llama.cpp's *_ref rounding: d = amax/127, q = roundf(x/d); the CPU backend
 * quantizes activations with gguf_quantize_act_q8_0/q8_1 instead). */
typedef void (*gguf_from_float_fn)(const float *x, void *y, int64_t n);
/* sum_i w[i]*a[i] over n elements; w of the weight type, a of its vec_dot type. */
typedef float (*gguf_vec_dot_fn)(int64_t n, const void *w, const void *a);

/* ------------------------------------------------------------------------ */
/* Block structs (ggml-common.h layouts; sizes checked against types.c).     */
/* fp16 fields are IEEE binary16 bit patterns.                               */
/* ------------------------------------------------------------------------ */
#define GGUF_QK32 32   /* elements per block of Q4_0/Q4_1/Q5_0/Q5_1/Q8_0/Q8_1 */
#define GGUF_QK_K 256  /* elements per super-block of the K-quants */

typedef struct { uint16_t d; uint8_t qs[16]; } gguf_block_q4_0;            /* (q-8)*d; qs[j] = elem j | elem j+16 << 4 */
typedef struct { uint16_t d, m; uint8_t qs[16]; } gguf_block_q4_1;         /* q*d + m */
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } gguf_block_q5_0;  /* (q-16)*d; bit 4 of elem j = bit j of qh */
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } gguf_block_q5_1; /* q*d + m */
typedef struct { uint16_t d; int8_t qs[32]; } gguf_block_q8_0;             /* q*d */
typedef struct { uint16_t d, s; int8_t qs[32]; } gguf_block_q8_1;          /* q*d; s = d * sum(q) */
/* Q4_K: 8 sub-blocks of 32 with 6-bit scale sc and min m packed in scales[12]
 * (gguf_get_scale_min_k4); value = d*sc*q - dmin*m; qs: per 64 elements 32
 * bytes, low nibbles = elements 0..31, high nibbles = 32..63. */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } gguf_block_q4_K;
/* Q5_K: as Q4_K plus a 5th bit: bit (2*chunk) of qh[l] for element l of the
 * chunk's first 32, bit (2*chunk+1) for element 32+l. */
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } gguf_block_q5_K;
/* Q6_K: value = d*scales[e/16]*(q-32). Per 128 elements: ql 64 bytes, qh 32
 * bytes; for l < 32: elem l = ql[l]&15 | (qh[l]&3)<<4, elem l+32 = ql[l+32]&15 |
 * (qh[l]>>2&3)<<4, elem l+64 = ql[l]>>4 | (qh[l]>>4&3)<<4, elem l+96 =
 * ql[l+32]>>4 | (qh[l]>>6)<<4. */
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } gguf_block_q6_K;
/* Q8_K (activations of the K-quants): value = d*q; bsums[j] = sum of qs[16j..16j+15]. */
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } gguf_block_q8_K;

_Static_assert(sizeof(gguf_block_q4_0) == 18, "block_q4_0 is 18 bytes");
_Static_assert(sizeof(gguf_block_q4_1) == 20, "block_q4_1 is 20 bytes");
_Static_assert(sizeof(gguf_block_q5_0) == 22, "block_q5_0 is 22 bytes");
_Static_assert(sizeof(gguf_block_q5_1) == 24, "block_q5_1 is 24 bytes");
_Static_assert(sizeof(gguf_block_q8_0) == 34, "block_q8_0 is 34 bytes");
_Static_assert(sizeof(gguf_block_q8_1) == 36, "block_q8_1 is 36 bytes");
_Static_assert(sizeof(gguf_block_q4_K) == 144, "block_q4_K is 144 bytes");
_Static_assert(sizeof(gguf_block_q5_K) == 176, "block_q5_K is 176 bytes");
_Static_assert(sizeof(gguf_block_q6_K) == 210, "block_q6_K is 210 bytes");
_Static_assert(sizeof(gguf_block_q8_K) == 292, "block_q8_K is 292 bytes");

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block
 * (ggml's get_scale_min_k4 packing: j < 4: sc = s[j]&63, m = s[j+4]&63;
 * j >= 4: low 4 bits in s[j+4] (sc low nibble, m high nibble), high 2 bits in
 * the top bits of s[j-4] (sc) and s[j] (m)). */
static inline void gguf_get_scale_min_k4(int j, const uint8_t *s, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = (uint8_t)(s[j] & 63);
        *m = (uint8_t)(s[j + 4] & 63);
    } else {
        *sc = (uint8_t)((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4));
        *m = (uint8_t)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

/* ------------------------------------------------------------------------ */
/* Reference kernels (quants.c), reached through the type table.             */
/* ------------------------------------------------------------------------ */
/* x -> floats */
void gguf_to_float_f32(const void *x, float *y, int64_t n);
void gguf_to_float_f16(const void *x, float *y, int64_t n);
void gguf_to_float_bf16(const void *x, float *y, int64_t n);
void gguf_to_float_q4_0(const void *x, float *y, int64_t n);
void gguf_to_float_q4_1(const void *x, float *y, int64_t n);
void gguf_to_float_q5_0(const void *x, float *y, int64_t n);
void gguf_to_float_q5_1(const void *x, float *y, int64_t n);
void gguf_to_float_q8_0(const void *x, float *y, int64_t n);
void gguf_to_float_q8_1(const void *x, float *y, int64_t n);
void gguf_to_float_q4_K(const void *x, float *y, int64_t n);
void gguf_to_float_q5_K(const void *x, float *y, int64_t n);
void gguf_to_float_q6_K(const void *x, float *y, int64_t n);
void gguf_to_float_q8_K(const void *x, float *y, int64_t n);
/* floats -> x. Q8_0 and Q4_0 are bit-exact with llama.cpp's
 * quantize_row_q8_0_ref / quantize_row_q4_0_ref; Q8_1 with
 * quantize_row_q8_1_ref; Q8_K with quantize_row_q8_K_ref, which is also
 * llama.cpp's activation quantizer for the K-quants; the others are our own (min/max or absmax scales
 * with a small least-squares search). */
void gguf_from_float_f32(const float *x, void *y, int64_t n);
void gguf_from_float_f16(const float *x, void *y, int64_t n);
void gguf_from_float_bf16(const float *x, void *y, int64_t n);
void gguf_from_float_q4_0(const float *x, void *y, int64_t n);
void gguf_from_float_q4_1(const float *x, void *y, int64_t n);
void gguf_from_float_q5_0(const float *x, void *y, int64_t n);
void gguf_from_float_q5_1(const float *x, void *y, int64_t n);
void gguf_from_float_q8_0(const float *x, void *y, int64_t n);
void gguf_from_float_q8_1(const float *x, void *y, int64_t n);
void gguf_from_float_q4_K(const float *x, void *y, int64_t n);
void gguf_from_float_q5_K(const float *x, void *y, int64_t n);
void gguf_from_float_q6_K(const float *x, void *y, int64_t n);
void gguf_from_float_q8_K(const float *x, void *y, int64_t n);
/* Activation quantizers of the CPU backend (its quantize_act for Q8_0 /
 * Q8_1; Q8_K activations use gguf_from_float_q8_K, which already is the
 * rule llama.cpp runs). They follow ggml-cpu's run-time x86 quantize_row_q8_0
 * / quantize_row_q8_1 (ggml/src/ggml-cpu/arch/x86/quants.c, AVX2 path), which
 * round differently from the *_ref functions above: per 32-value block
 * amax = max |x|, d = amax/127 stored as fp16, multiplier
 * id = amax != 0 ? 127/amax : 0 (not 1/d), q = x*id rounded to nearest with
 * ties to EVEN (not roundf's ties away); Q8_1 adds s = fp16(d * (float)sum q)
 * with d the float before its fp16 rounding. A product that is not finite
 * (127/amax overflowing for amax < ~3.7e-37, or inf/NaN input) gives q = -128,
 * as x86's convert + saturating pack does. The weight quantizers
 * (gguf_from_float_q8_0/q8_1, used by mkmodel) keep the *_ref rule. */
void gguf_quantize_act_q8_0(const float *x, void *y, int64_t n);
void gguf_quantize_act_q8_1(const float *x, void *y, int64_t n);
/* weight . activation (the activation's type is in the function name) */
float gguf_vec_dot_f32(int64_t n, const void *w, const void *a);
float gguf_vec_dot_f16(int64_t n, const void *w, const void *a);
float gguf_vec_dot_bf16(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q4_0_q8_0(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q4_1_q8_1(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q5_0_q8_0(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q5_1_q8_1(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q8_0_q8_0(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q4_K_q8_K(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q5_K_q8_K(int64_t n, const void *w, const void *a);
float gguf_vec_dot_q6_K_q8_K(int64_t n, const void *w, const void *a);

#endif
