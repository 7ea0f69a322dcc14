/* simd_wasm.c - WebAssembly SIMD128 kernels (Emscripten, -msimd128). The whole
 * file is empty unless __wasm_simd128__ is defined; the native build does not
 * compile it at all (Makefile).
 *
 * SIMD128 has no FMA, no fp16 and no 8-bit multiply-add, so: products are
 * mul + add; fp16 is converted with integer bit operations (exact, including
 * subnormals, inf and NaN); int8 dot products are i8 x i8 -> i16 widening
 * multiplies (extmul) summed pairwise to i32 (extadd_pairwise). All levels
 * of weights used here (Q4/Q5 nibbles, K-quant levels <= 63) fit in a signed
 * byte, so one signed routine serves every block type. Kernels not written
 * here come from the scalar table.
 *
 * The decode hot paths (Q4_0, Q5_0, Q8_0 and F16 weights) keep their
 * activations in layouts of their own (kernels.h: act_block_bytes), made
 * once per matmul and reused by every weight row:
 *   - Q8_0 (wasm_act_q8_0): the int8 values widened to int16 and paired for
 *     i32x4.dot_i16x8_s (x86 pmaddwd), the block scale as f32 and the block
 *     sums that fold the weights' offsets out of the inner loop;
 *   - F16: f32 values times 2^112 with each group of 8 stored even elements
 *     first, so a weight half becomes an f32 factor with 2-3 integer ops and
 *     no multiply (h2f_fold below).
 * Measured on the 155.7 M "small" shape, tg32 on 1 thread in node 20 (Zen 4):
 * F16 7.8 -> 68, Q8_0 78 -> 150, Q4_0 37 -> 167 tokens/s (native AVX-512:
 * 121, 231, 362). Unrolling to 4 blocks, or 2 weight rows per pass sharing
 * the activation loads, measured slower here (V8 spills with 16 registers).
 *
 * In V8 on x86 the Q4_0 decode loop is bound by the number of vector
 * instructions, loads included (each load or ALU op taken out of the block
 * measured 2-8 % faster): vec_dot_q4_0 unpacks a block with 4 ops
 * (wasm_act_q8_0's c4 coefficients) and pairs blocks, so that one load brings
 * both blocks' scales, one their offsets, and one convert, multiply and add
 * serve both: +14-16 % on the kernel, Q4_0 167 -> 180-189 tokens/s.
 */
#ifdef __wasm_simd128__

#include "simd.h"

#include <string.h>
#include <wasm_simd128.h>

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static inline float hsum_f32x4(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
           wasm_f32x4_extract_lane(v, 3);
}

static inline int hsum_i32x4(v128_t v) {
    return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) + wasm_i32x4_extract_lane(v, 2) +
           wasm_i32x4_extract_lane(v, 3);
}

/* fp16 in the low 16 bits of each u32 lane -> f32: the magnitude bits moved
 * into a float's place and scaled by 2^112 (rebias 15 -> 127; exact for
 * normals and subnormals), inf/NaN get an all-ones exponent, then the sign */
static inline v128_t h2f_u32x4(v128_t u) {
    const v128_t mag = wasm_v128_and(u, wasm_i32x4_splat(0x7FFF));
    v128_t f = wasm_f32x4_mul(wasm_i32x4_shl(mag, 13), wasm_f32x4_splat(0x1p112f));
    const v128_t special = wasm_i32x4_ge(mag, wasm_i32x4_splat(0x7C00));
    f = wasm_v128_or(f, wasm_v128_and(special, wasm_i32x4_splat(0x7F800000)));
    return wasm_v128_or(f, wasm_i32x4_shl(wasm_v128_and(u, wasm_i32x4_splat(0x8000)), 16));
}

/* 8 halves at p -> two f32x4 */
static inline void load_h8(const uint16_t *p, v128_t *lo, v128_t *hi) {
    const v128_t h = wasm_v128_load(p);
    *lo = h2f_u32x4(wasm_u32x4_extend_low_u16x8(h));
    *hi = h2f_u32x4(wasm_u32x4_extend_high_u16x8(h));
}

/* one half -> float, the same arithmetic in scalar (block scales) */
static inline float h2f(uint16_t h) {
    if ((h & 0x7C00) == 0x7C00) return gguf_fp16_to_fp32(h);
    uint32_t u = (uint32_t)(h & 0x7FFF) << 13;
    float f;
    memcpy(&f, &u, 4);
    f *= 0x1p112f;
    return (h & 0x8000) ? -f : f;
}

/* fp16 -> f32 of every half, for block scales (one load instead of a
 * dozen scalar ops); filled once by cpu_kernels_wasm128 (under kernels.c's
 * pthread_once) with gguf_fp16_to_fp32, so it is exact. 256 KiB. */
static float g_h2f[65536];

/* 16 signed bytes . 16 signed bytes -> i32x4 partial sums */
static inline v128_t dot16(v128_t x, v128_t y) {
    return wasm_i32x4_add(wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extmul_low_i8x16(x, y)),
                          wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extmul_high_i8x16(x, y)));
}

/* 32 bits at p4 -> two vectors of 16 bytes, 0xFF where bit j is set */
static inline void bits32(const uint8_t *p4, v128_t *lo, v128_t *hi) {
    uint32_t u;
    memcpy(&u, p4, 4);
    const v128_t v = wasm_i32x4_splat((int32_t)u);
    const v128_t bit = wasm_i8x16_make(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const v128_t b01 = wasm_i8x16_shuffle(v, v, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const v128_t b23 = wasm_i8x16_shuffle(v, v, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    *lo = wasm_i8x16_eq(wasm_v128_and(b01, bit), bit);
    *hi = wasm_i8x16_eq(wasm_v128_and(b23, bit), bit);
}

/* 4 x i32x4 -> 16 saturated bytes, in order */
static inline v128_t pack16(v128_t a, v128_t b, v128_t c, v128_t d) {
    return wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
}

/* ------------------------------------------------------------------------ */
/* activation quantizers (bit-exact with the references)                     */
/* ------------------------------------------------------------------------ */

/* One Q8_0/Q8_1 activation block by the rule of gguf_quantize_act_q8_0
 * (quants.h: llama.cpp's x86 quantize_row_q8_0): id = 127/amax, q = x*id
 * rounded half to even (nearest); returns sum of q, *d_f32 = d before fp16
 * rounding. pmax(m, |v|) keeps m when |v| is NaN, as the reference's
 * comparison does; a lane that is not finite gets -128, as in the reference. */
static inline int quant_block_q8(const float *x, int8_t *qs, uint16_t *d_out, float *d_f32) {
    v128_t v[8], m = wasm_f32x4_splat(0.0f);
    for (int k = 0; k < 8; k++) {
        v[k] = wasm_v128_load(x + 4 * k);
        m = wasm_f32x4_pmax(m, wasm_f32x4_abs(v[k]));
    }
    float amax = wasm_f32x4_extract_lane(m, 0);
    for (int l = 1; l < 4; l++) {
        const float e = l == 1 ? wasm_f32x4_extract_lane(m, 1) : l == 2 ? wasm_f32x4_extract_lane(m, 2) : wasm_f32x4_extract_lane(m, 3);
        amax = e > amax ? e : amax;
    }
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d_out = gguf_fp32_to_fp16(d);
    *d_f32 = d;
    const v128_t vid = wasm_f32x4_splat(id);
    const v128_t lo = wasm_f32x4_splat(-128.0f), hi = wasm_f32x4_splat(127.0f), neg = wasm_i32x4_splat(-128);
    v128_t q[8], s = wasm_i32x4_splat(0);
    for (int k = 0; k < 8; k++) {
        const v128_t r = wasm_f32x4_nearest(wasm_f32x4_mul(v[k], vid)); /* ties to even */
        const v128_t ok = wasm_v128_and(wasm_f32x4_ge(r, lo), wasm_f32x4_le(r, hi)); /* false for NaN */
        q[k] = wasm_v128_bitselect(wasm_i32x4_trunc_sat_f32x4(r), neg, ok);
        s = wasm_i32x4_add(s, q[k]);
    }
    wasm_v128_store(qs, pack16(q[0], q[1], q[2], q[3]));
    wasm_v128_store(qs + 16, pack16(q[4], q[5], q[6], q[7]));
    return hsum_i32x4(s);
}

static void quant_q8_1(const float *x, void *y, int64_t n) {
    gguf_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / 32; i++) {
        float d;
        const int sum = quant_block_q8(x + 32 * i, b[i].qs, &b[i].d, &d);
        b[i].s = gguf_fp32_to_fp16(d * (float)sum);
    }
}

static void quant_q8_K(const float *x, void *y, int64_t n) {
    gguf_block_q8_K *b = y;
    for (int64_t i = 0; i < n / 256; i++, x += 256) {
        v128_t m = wasm_f32x4_splat(0.0f);
        for (int k = 0; k < 64; k++) m = wasm_f32x4_max(m, wasm_f32x4_abs(wasm_v128_load(x + 4 * k)));
        float amax = 0.0f;
        for (int l = 0; l < 4; l++) {
            const float e = l == 0 ? wasm_f32x4_extract_lane(m, 0) : l == 1 ? wasm_f32x4_extract_lane(m, 1)
                          : l == 2 ? wasm_f32x4_extract_lane(m, 2) : wasm_f32x4_extract_lane(m, 3);
            amax = e > amax ? e : amax;
        }
        if (amax == 0.0f) {
            memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        float max = 0.0f; /* the first element of largest magnitude, signed */
        for (int e = 0; e < 256; e++) {
            if (x[e] == amax || x[e] == -amax) {
                max = x[e];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const v128_t vs = wasm_f32x4_splat(iscale), lim = wasm_i32x4_splat(127);
        for (int g = 0; g < 16; g++) { /* 16 elements: one bsum */
            v128_t q[4];
            for (int k = 0; k < 4; k++) {
                /* nearest = round half to even, as lrintf */
                const v128_t r = wasm_f32x4_nearest(wasm_f32x4_mul(wasm_v128_load(x + 16 * g + 4 * k), vs));
                q[k] = wasm_i32x4_min(wasm_i32x4_trunc_sat_f32x4(r), lim);
            }
            wasm_v128_store(b[i].qs + 16 * g, pack16(q[0], q[1], q[2], q[3]));
            b[i].bsums[g] = (int16_t)hsum_i32x4(wasm_i32x4_add(wasm_i32x4_add(q[0], q[1]), wasm_i32x4_add(q[2], q[3])));
        }
        b[i].d = 1.0f / iscale;
    }
}

static void quant_bf16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t r[2];
        for (int k = 0; k < 2; k++) {
            const v128_t u = wasm_v128_load(x + i + 4 * k);
            const v128_t lsb = wasm_v128_and(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(1));
            v128_t t = wasm_u32x4_shr(wasm_i32x4_add(u, wasm_i32x4_add(lsb, wasm_i32x4_splat(0x7FFF))), 16);
            const v128_t nan = wasm_i32x4_gt(wasm_v128_and(u, wasm_i32x4_splat(0x7FFFFFFF)), wasm_i32x4_splat(0x7F800000));
            const v128_t qnan = wasm_v128_or(wasm_u32x4_shr(u, 16), wasm_i32x4_splat(0x40));
            r[k] = wasm_v128_bitselect(qnan, t, nan);
        }
        /* keep the low 16 bits of each lane */
        wasm_v128_store(h + i, wasm_i8x16_shuffle(r[0], r[1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29));
    }
    for (; i < n; i++) h[i] = gguf_fp32_to_bf16(x[i]);
}

/* ------------------------------------------------------------------------ */
/* the level's own activation layouts                                        */
/* ------------------------------------------------------------------------ */

/* One Q8_0 activation block q[0..31] (scale d) in the layout the dots read.
 * A weight vector of 16 bytes b[0..15], read as 8 int16 lanes, holds the
 * pair (b[2j], b[2j+1]) in lane j; with
 *     a1[j] = q[2j],   a2[j] = q[2j+1] - 256*q[2j]
 * two dot_i16x8 give the pairs' products without unpacking the bytes:
 *   - lanes u + 256*v (u, v unsigned nibbles, Q4_0):
 *       dot(l, a1) + dot(l >> 8, a2) = sum u*q[2j] + v*q[2j+1];
 *   - signed bytes (Q8_0, and Q5_0 after its 5th bit is merged): with the low
 *     byte made unsigned, l = (b[2j] + 128) + 256*b[2j+1] = lanes ^ 0x0080,
 *       dot(l, a1) + dot(l >>s 8, a2) = sum b*q + 128 * sum_j q[2j].
 * Q4_0 (vec_dot_q4_0) reads the lane as 4 nibbles instead, lane j = L0 +
 * 16*H0 + 256*L1 + 4096*H1 (elements 2j, 2j+16, 2j+1, 2j+17), with 4 ops:
 * m0 = l & 15, m1 = l >> 4, m2 = l >> 8, m3 = l >> 12 (logical shifts; the
 * higher nibbles m1, m2 keep are cancelled by the coefficients), so with
 *     c0 = q[2j] (a1),  c1 = q[2j+16] (a1 of 16..31),
 *     c2 = q[2j+1] - 16*q[2j+16],  c3 = q[2j+17] - 16*q[2j+1]
 * sum_k dot(m_k, c_k) = sum L0*q[2j] + H0*q[2j+16] + L1*q[2j+1] + H1*q[2j+17]
 * (|c2|, |c3| <= 127 + 16*128 and m1 <= 4095: no pair sum overflows).
 * The offsets (-8 per Q4_0 weight, the +128 above) are folded out with the
 * block sums, added once per block (Q8_0, Q5_0) or once per pair of blocks
 * (Q4_0: each block keeps the next block's scale and sum too).
 * |a2| <= 127 + 256*127 = 32639 fits int16 for q in [-127, 127]; q = -128
 * only comes from a non-finite input (quant_block_q8), whose dot is
 * meaningless either way. 116 bytes per 32 values (the backend allows 4 per
 * value, backend_cpu.c). */
typedef struct {
    int16_t q[4][8];       /* a1 and a2 of elements 0..15, then of 16..31 */
    int16_t c4[2][8];      /* Q4_0's c2 and c3 (c0 and c1 are q[0] and q[2]) */
    float d[2];            /* the block scale (the GGUF block's fp16 d, exactly), the next block's (0 past the row) */
    int32_t bias4[2];      /* -8 * sum q: Q4_0's offset, the next block's (0 past the row) */
    int32_t bias8;         /* -128 * sum of even-indexed q: signed bytes */
} wasm_act_q8_0;
_Static_assert(sizeof(wasm_act_q8_0) == 116, "wasm_act_q8_0 layout");

static void quant_q8_0_wasm(const float *x, void *y, int64_t n) {
    wasm_act_q8_0 *b = y;
    for (int64_t i = 0; i < n / 32; i++) {
        int8_t qs[32];
        uint16_t dh;
        float d;
        const int sum = quant_block_q8(x + 32 * i, qs, &dh, &d);
        v128_t se = wasm_i32x4_splat(0);
        for (int h = 0; h < 2; h++) {
            const v128_t l = wasm_v128_load(qs + 16 * h);
            const v128_t ev = wasm_i16x8_shr(wasm_i16x8_shl(l, 8), 8), od = wasm_i16x8_shr(l, 8);
            wasm_v128_store(b[i].q[2 * h], ev);
            wasm_v128_store(b[i].q[2 * h + 1], wasm_i16x8_sub(od, wasm_i16x8_shl(ev, 8)));
            se = wasm_i32x4_add(se, wasm_i32x4_extadd_pairwise_i16x8(ev));
        }
        for (int j = 0; j < 8; j++) {
            b[i].c4[0][j] = (int16_t)(qs[2 * j + 1] - 16 * qs[2 * j + 16]);
            b[i].c4[1][j] = (int16_t)(qs[2 * j + 17] - 16 * qs[2 * j + 1]);
        }
        b[i].d[0] = gguf_fp16_to_fp32(dh);
        b[i].d[1] = 0.0f;
        b[i].bias4[0] = -8 * sum;
        b[i].bias4[1] = 0;
        b[i].bias8 = -128 * hsum_i32x4(se);
        if (i > 0) {
            b[i - 1].d[1] = b[i].d[0];
            b[i - 1].bias4[1] = b[i].bias4[0];
        }
    }
}

static void act_q8_0_to_gguf(const void *src, void *dst, int64_t n) {
    const wasm_act_q8_0 *a = src;
    gguf_block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / 32; i++) {
        for (int h = 0; h < 2; h++) {
            for (int j = 0; j < 8; j++) {
                const int ev = a[i].q[2 * h][j];
                b[i].qs[16 * h + 2 * j] = (int8_t)ev;
                b[i].qs[16 * h + 2 * j + 1] = (int8_t)(a[i].q[2 * h + 1][j] + 256 * ev);
            }
        }
        b[i].d = gguf_fp32_to_fp16(a[i].d[0]);
    }
}

/* F16 activations: the halves of gguf_from_float_f16 as f32 times 2^112, each
 * group of 8 stored as elements 0,2,4,6,1,3,5,7 (a tail of n % 8 in order).
 * A weight half h, moved to bits 13..28 with its sign at bit 31, reads as
 * the f32 h * 2^-112 exactly (normal halves become normal floats, subnormal
 * ones subnormal floats), so product = that f32 * (a * 2^112) is the
 * product of the two halves, rounded once as in the reference. |a| <= 65504
 * keeps a * 2^112 below FLT_MAX. A weight half that is inf or NaN reads as a
 * finite value (+-2^16 * (1 + m/1024)) here: such weights are not checked. */
static void quant_f16_wasm(const float *x, void *y, int64_t n) {
    float *o = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 4; j++) {
            o[i + j] = gguf_fp16_to_fp32(gguf_fp32_to_fp16(x[i + 2 * j])) * 0x1p112f;
            o[i + 4 + j] = gguf_fp16_to_fp32(gguf_fp32_to_fp16(x[i + 2 * j + 1])) * 0x1p112f;
        }
    }
    for (; i < n; i++) o[i] = gguf_fp16_to_fp32(gguf_fp32_to_fp16(x[i])) * 0x1p112f;
}

static void act_f16_to_gguf(const void *src, void *dst, int64_t n) {
    const float *a = src;
    uint16_t *h = dst;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 4; j++) {
            h[i + 2 * j] = gguf_fp32_to_fp16(a[i + j] * 0x1p-112f);
            h[i + 2 * j + 1] = gguf_fp32_to_fp16(a[i + 4 + j] * 0x1p-112f);
        }
    }
    for (; i < n; i++) h[i] = gguf_fp32_to_fp16(a[i] * 0x1p-112f);
}

/* 8 weight halves (one load, as 4 u32 lanes) -> the f32 factors of
 * quant_f16_wasm's layout: elements 0,2,4,6 in *ev, 1,3,5,7 in *od */
static inline void h2f_fold(v128_t v, v128_t *ev, v128_t *od) {
    const v128_t keep = wasm_i32x4_splat((int32_t)0x8FFFE000u); /* sign, exponent, mantissa */
    *ev = wasm_v128_and(wasm_i32x4_shr(wasm_i32x4_shl(v, 16), 3), keep);
    *od = wasm_v128_and(wasm_i32x4_shr(v, 3), keep);
}

/* one weight half as such an f32 factor, in scalar (tails) */
static inline float h2f_fold1(uint16_t h) {
    const uint32_t u = ((uint32_t)(h & 0x8000u) << 16) | ((uint32_t)(h & 0x7FFFu) << 13);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ------------------------------------------------------------------------ */
/* float helpers and plain-type dots                                         */
/* ------------------------------------------------------------------------ */

static float dot_f32(int64_t n, const float *x, const float *y) {
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x + i + 4), wasm_v128_load(y + i + 4)));
    }
    float s = hsum_f32x4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += x[i] * y[i];
    return s;
}

static float dot_f32_f16(int64_t n, const float *x, const uint16_t *y) {
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t lo, hi;
        load_h8(y + i, &lo, &hi);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + i), lo));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x + i + 4), hi));
    }
    float s = hsum_f32x4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += x[i] * gguf_fp16_to_fp32(y[i]);
    return s;
}

static void axpy_f32(int64_t n, float a, const float *x, float *y) {
    const v128_t va = wasm_f32x4_splat(a);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
    for (; i < n; i++) y[i] += a * x[i];
}

static void axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
    const v128_t va = wasm_f32x4_splat(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t lo, hi;
        load_h8(x + i, &lo, &hi);
        wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, lo)));
        wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(va, hi)));
    }
    for (; i < n; i++) y[i] += a * gguf_fp16_to_fp32(x[i]);
}

static float vec_dot_f32(int64_t n, const void *w, const void *a) {
    return dot_f32(n, w, a);
}

/* F16 weights x quant_f16_wasm activations: 6 integer ops per 8 weights
 * (h2f_fold) instead of a full conversion, 4 accumulators */
static float vec_dot_f16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w;
    const float *y = a;
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t e0, o0, e1, o1;
        h2f_fold(wasm_v128_load(x + i), &e0, &o0);
        h2f_fold(wasm_v128_load(x + i + 8), &e1, &o1);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(e0, wasm_v128_load(y + i)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(o0, wasm_v128_load(y + i + 4)));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(e1, wasm_v128_load(y + i + 8)));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(o1, wasm_v128_load(y + i + 12)));
    }
    for (; i + 8 <= n; i += 8) {
        v128_t e0, o0;
        h2f_fold(wasm_v128_load(x + i), &e0, &o0);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(e0, wasm_v128_load(y + i)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(o0, wasm_v128_load(y + i + 4)));
    }
    float s = hsum_f32x4(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
    for (; i < n; i++) s += h2f_fold1(x[i]) * y[i];
    return s;
}

static float vec_dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const v128_t xv = wasm_v128_load(x + i), yv = wasm_v128_load(y + i);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(xv), 16),
                                               wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(yv), 16)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(xv), 16),
                                               wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(yv), 16)));
    }
    float s = hsum_f32x4(wasm_f32x4_add(a0, a1));
    for (; i < n; i++) s += gguf_bf16_to_fp32(x[i]) * gguf_bf16_to_fp32(y[i]);
    return s;
}

/* ------------------------------------------------------------------------ */
/* 32-element blocks                                                         */
/* ------------------------------------------------------------------------ */

/* Signed levels of one block as two 16-byte vectors (elements 0..15, 16..31),
 * and the integer dot with a Q8 block's 32 bytes. */
static inline v128_t dot_block(v128_t w0, v128_t w1, const int8_t *aq) {
    return wasm_i32x4_add(dot16(w0, wasm_v128_load(aq)), dot16(w1, wasm_v128_load(aq + 16)));
}

/* sum b*q + 128 * sum of even-indexed q over 16 signed weight bytes b and
 * their 16 activations (a1, a2 at p): see wasm_act_q8_0 */
static inline v128_t dot_s8(v128_t b, const int16_t *p) {
    const v128_t l = wasm_v128_xor(b, wasm_i16x8_splat(0x0080));
    return wasm_i32x4_add(wasm_i32x4_dot_i16x8(l, wasm_v128_load(p)),
                          wasm_i32x4_dot_i16x8(wasm_i16x8_shr(l, 8), wasm_v128_load(p + 8)));
}

/* sum w*q over one Q4_0 block's 16 bytes of nibbles, w unsigned (the -8
 * offsets not included): see wasm_act_q8_0 */
static inline v128_t dot_q4_0_block(v128_t l, const wasm_act_q8_0 *y) {
    const v128_t m0 = wasm_v128_and(l, wasm_i16x8_splat(0x000F));
    const v128_t p0 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(m0, wasm_v128_load(y->q[0])),
                                     wasm_i32x4_dot_i16x8(wasm_u16x8_shr(l, 4), wasm_v128_load(y->q[2])));
    const v128_t p1 = wasm_i32x4_add(wasm_i32x4_dot_i16x8(wasm_u16x8_shr(l, 8), wasm_v128_load(y->c4[0])),
                                     wasm_i32x4_dot_i16x8(wasm_u16x8_shr(l, 12), wasm_v128_load(y->c4[1])));
    return wasm_i32x4_add(p0, p1);
}

/* block result (i32x4 partial sums) times the two scales, into acc */
#define ACC_BLOCK(acc, p, dw, da) \
    (acc) = wasm_f32x4_add((acc), wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), wasm_f32x4_splat(g_h2f[(dw)] * (da))))

static float vec_dot_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q8_0 *x = w;
    const wasm_act_q8_0 *y = a;
    const int64_t nb = n / 32;
    v128_t acc0 = wasm_f32x4_splat(0.0f), acc1 = acc0;
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const v128_t p0 = wasm_i32x4_add(wasm_i32x4_add(dot_s8(wasm_v128_load(x[i].qs), y[i].q[0]),
                                                        dot_s8(wasm_v128_load(x[i].qs + 16), y[i].q[2])),
                                         wasm_v128_load32_zero(&y[i].bias8));
        const v128_t p1 = wasm_i32x4_add(wasm_i32x4_add(dot_s8(wasm_v128_load(x[i + 1].qs), y[i + 1].q[0]),
                                                        dot_s8(wasm_v128_load(x[i + 1].qs + 16), y[i + 1].q[2])),
                                         wasm_v128_load32_zero(&y[i + 1].bias8));
        ACC_BLOCK(acc0, p0, x[i].d, y[i].d[0]);
        ACC_BLOCK(acc1, p1, x[i + 1].d, y[i + 1].d[0]);
    }
    for (; i < nb; i++) {
        const v128_t p = wasm_i32x4_add(wasm_i32x4_add(dot_s8(wasm_v128_load(x[i].qs), y[i].q[0]),
                                                       dot_s8(wasm_v128_load(x[i].qs + 16), y[i].q[2])),
                                        wasm_v128_load32_zero(&y[i].bias8));
        ACC_BLOCK(acc0, p, x[i].d, y[i].d[0]);
    }
    return hsum_f32x4(wasm_f32x4_add(acc0, acc1));
}

/* Two blocks per step: their partial sums p0, p1 folded into one vector
 * {p0[0]+p0[2], p1[0]+p1[2], p0[1]+p0[3], p1[1]+p1[3]}, so that one load
 * each brings the two offsets (bias4) and scales (d) and one convert,
 * multiply and add serve both. The store of p0 to `order` keeps V8 from
 * loading all of the second block ahead of the first block's arithmetic
 * (that spilled registers and measured 20 % slower). */
static float vec_dot_q4_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_0 *x = w;
    const wasm_act_q8_0 *y = a;
    const gguf_block_q4_0 *const xe2 = x + (n / 64) * 2, *const xe = x + n / 32;
    v128_t acc = wasm_f32x4_splat(0.0f);
    volatile v128_t order;
    for (; x < xe2; x += 2, y += 2) {
        const v128_t p0 = dot_q4_0_block(wasm_v128_load(x[0].qs), &y[0]);
        order = p0;
        const v128_t p1 = dot_q4_0_block(wasm_v128_load(x[1].qs), &y[1]);
        const v128_t p = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_shuffle(p0, p1, 0, 4, 1, 5), wasm_i32x4_shuffle(p0, p1, 2, 6, 3, 7)),
                                        wasm_v128_load64_zero(y[0].bias4));
        /* {dw0, dw1, dw0, dw1} * {da0, da1, da0, da1} */
        const v128_t dw = wasm_i32x4_shuffle(wasm_v128_load32_splat(&g_h2f[x[0].d]), wasm_v128_load32_splat(&g_h2f[x[1].d]), 0, 4, 1, 5);
        const v128_t s = wasm_f32x4_mul(dw, wasm_v128_load64_splat(y[0].d));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), s));
    }
    if (x < xe) {
        const v128_t p = wasm_i32x4_add(dot_q4_0_block(wasm_v128_load(x->qs), y), wasm_v128_load32_zero(&y->bias4[0]));
        ACC_BLOCK(acc, p, x->d, y->d[0]);
    }
    return hsum_f32x4(acc);
}

static float vec_dot_q5_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_0 *x = w;
    const wasm_act_q8_0 *y = a;
    const v128_t m4 = wasm_i8x16_splat(0x0F), neg16 = wasm_i8x16_splat((int8_t)0xF0);
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (int64_t i = 0; i < n / 32; i++) {
        v128_t b0, b1;
        bits32(x[i].qh, &b0, &b1);
        const v128_t q = wasm_v128_load(x[i].qs);
        /* q - 16: nibble | 0xF0 (as int8: nibble - 16) where the 5th bit is clear */
        const v128_t lo = wasm_v128_or(wasm_v128_and(q, m4), wasm_v128_andnot(neg16, b0));
        const v128_t hi = wasm_v128_or(wasm_u8x16_shr(q, 4), wasm_v128_andnot(neg16, b1));
        const v128_t p = wasm_i32x4_add(wasm_i32x4_add(dot_s8(lo, y[i].q[0]), dot_s8(hi, y[i].q[2])),
                                        wasm_v128_load32_zero(&y[i].bias8));
        ACC_BLOCK(acc, p, x[i].d, y[i].d[0]);
    }
    return hsum_f32x4(acc);
}

static float vec_dot_q4_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_1 *x = w;
    const gguf_block_q8_1 *y = a;
    const v128_t m4 = wasm_i8x16_splat(0x0F);
    v128_t acc = wasm_f32x4_splat(0.0f);
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const v128_t q = wasm_v128_load(x[i].qs);
        const v128_t p = dot_block(wasm_v128_and(q, m4), wasm_u8x16_shr(q, 4), y[i].qs);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), wasm_f32x4_splat(h2f(x[i].d) * h2f(y[i].d))));
        summ += h2f(x[i].m) * h2f(y[i].s);
    }
    return hsum_f32x4(acc) + summ;
}

static float vec_dot_q5_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_1 *x = w;
    const gguf_block_q8_1 *y = a;
    const v128_t m4 = wasm_i8x16_splat(0x0F), b4 = wasm_i8x16_splat(0x10);
    v128_t acc = wasm_f32x4_splat(0.0f);
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        v128_t b0, b1;
        bits32(x[i].qh, &b0, &b1);
        const v128_t q = wasm_v128_load(x[i].qs);
        const v128_t lo = wasm_v128_or(wasm_v128_and(q, m4), wasm_v128_and(b0, b4));
        const v128_t hi = wasm_v128_or(wasm_u8x16_shr(q, 4), wasm_v128_and(b1, b4));
        const v128_t p = dot_block(lo, hi, y[i].qs);
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(p), wasm_f32x4_splat(h2f(x[i].d) * h2f(y[i].d))));
        summ += h2f(x[i].m) * h2f(y[i].s);
    }
    return hsum_f32x4(acc) + summ;
}

/* ------------------------------------------------------------------------ */
/* K-quants                                                                  */
/* ------------------------------------------------------------------------ */

/* sum_j sc_j * sum(q*a) over the 8 sub-blocks of a Q4_K/Q5_K block (qh NULL for Q4_K) */
static inline int qk_isum(const uint8_t *qs, const uint8_t *qh, const int8_t *aq, const uint8_t sc[8]) {
    const v128_t m4 = wasm_i8x16_splat(0x0F), one = wasm_i8x16_splat(1);
    v128_t isum = wasm_i32x4_splat(0);
    for (int c = 0; c < 4; c++) {
        for (int h = 0; h < 2; h++) { /* 16 of the chunk's 32 bytes */
            const v128_t q = wasm_v128_load(qs + 32 * c + 16 * h);
            v128_t lo = wasm_v128_and(q, m4), hi = wasm_u8x16_shr(q, 4);
            if (qh) {
                const v128_t hb = wasm_v128_load(qh + 16 * h);
                lo = wasm_v128_or(lo, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(hb, 2 * c), one), 4));
                hi = wasm_v128_or(hi, wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(hb, 2 * c + 1), one), 4));
            }
            const v128_t p0 = dot16(lo, wasm_v128_load(aq + 64 * c + 16 * h));
            const v128_t p1 = dot16(hi, wasm_v128_load(aq + 64 * c + 32 + 16 * h));
            isum = wasm_i32x4_add(isum, wasm_i32x4_mul(p0, wasm_i32x4_splat(sc[2 * c])));
            isum = wasm_i32x4_add(isum, wasm_i32x4_mul(p1, wasm_i32x4_splat(sc[2 * c + 1])));
        }
    }
    return hsum_i32x4(isum);
}

static float qk_dot(int64_t n, const uint8_t *xb, size_t bb, int q5, const gguf_block_q8_K *y) {
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++, xb += bb) {
        uint16_t d, dmin;
        memcpy(&d, xb, 2);
        memcpy(&dmin, xb + 2, 2);
        const uint8_t *scales = xb + 4;
        const uint8_t *qh = q5 ? xb + 16 : NULL, *qs = q5 ? xb + 48 : xb + 16;
        uint8_t sc[8], mn[8];
        int summ = 0;
        for (int j = 0; j < 8; j++) {
            gguf_get_scale_min_k4(j, scales, &sc[j], &mn[j]);
            summ += mn[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
        }
        const int isum = qk_isum(qs, qh, y[i].qs, sc);
        sum += h2f(d) * y[i].d * (float)isum - h2f(dmin) * y[i].d * (float)summ;
    }
    return sum;
}

static float vec_dot_q4_K(int64_t n, const void *w, const void *a) {
    return qk_dot(n, w, sizeof(gguf_block_q4_K), 0, a);
}

static float vec_dot_q5_K(int64_t n, const void *w, const void *a) {
    return qk_dot(n, w, sizeof(gguf_block_q5_K), 1, a);
}

static float vec_dot_q6_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q6_K *x = w;
    const gguf_block_q8_K *y = a;
    const v128_t m4 = wasm_i8x16_splat(0x0F), m2 = wasm_i8x16_splat(0x03), k32 = wasm_i8x16_splat(32);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        v128_t isum = wasm_i32x4_splat(0);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = x[i].ql + 64 * h, *qh = x[i].qh + 32 * h;
            const int8_t *aq = y[i].qs + 128 * h;
            const int8_t *sc = x[i].scales + 8 * h;
            for (int part = 0; part < 2; part++) { /* l = 16*part .. 16*part + 15 */
                const v128_t l0 = wasm_v128_load(ql + 16 * part), l1 = wasm_v128_load(ql + 32 + 16 * part);
                const v128_t hb = wasm_v128_load(qh + 16 * part);
                v128_t q[4];
                q[0] = wasm_v128_or(wasm_v128_and(l0, m4), wasm_i8x16_shl(wasm_v128_and(hb, m2), 4));
                q[1] = wasm_v128_or(wasm_v128_and(l1, m4), wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(hb, 2), m2), 4));
                q[2] = wasm_v128_or(wasm_u8x16_shr(l0, 4), wasm_i8x16_shl(wasm_v128_and(wasm_u8x16_shr(hb, 4), m2), 4));
                q[3] = wasm_v128_or(wasm_u8x16_shr(l1, 4), wasm_i8x16_shl(wasm_u8x16_shr(hb, 6), 4));
                for (int k = 0; k < 4; k++) { /* elements 32k + 16*part + 0..15: scale 2k + part */
                    const v128_t p = dot16(wasm_i8x16_sub(q[k], k32), wasm_v128_load(aq + 32 * k + 16 * part));
                    isum = wasm_i32x4_add(isum, wasm_i32x4_mul(p, wasm_i32x4_splat(sc[2 * k + part])));
                }
            }
        }
        sum += h2f(x[i].d) * y[i].d * (float)hsum_i32x4(isum);
    }
    return sum;
}

/* ------------------------------------------------------------------------ */
/* gemm_tile: 2 x 2 register blocks for F32; one dot per output else       */
/* ------------------------------------------------------------------------ */

static void tile_f32(int64_t n, const void *w, size_t wrb, int nr, const void *a, size_t arb, int nc, float *out,
                     size_t os) {
    for (int c = 0; c < nc; c += 2) {
        const int cc = nc - c < 2 ? 1 : 2;
        for (int r = 0; r < nr; r += 2) {
            const int rr = nr - r < 2 ? 1 : 2;
            const float *w0 = (const float *)((const uint8_t *)w + (size_t)r * wrb);
            const float *w1 = (const float *)((const uint8_t *)w + (size_t)(r + rr - 1) * wrb);
            const float *a0 = (const float *)((const uint8_t *)a + (size_t)c * arb);
            const float *a1 = (const float *)((const uint8_t *)a + (size_t)(c + cc - 1) * arb);
            v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00;
            int64_t i = 0;
            for (; i + 4 <= n; i += 4) {
                const v128_t x0 = wasm_v128_load(w0 + i), x1 = wasm_v128_load(w1 + i);
                const v128_t y0 = wasm_v128_load(a0 + i), y1 = wasm_v128_load(a1 + i);
                s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x0, y0));
                s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x0, y1));
                s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x1, y0));
                s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x1, y1));
            }
            float t[2][2] = {{hsum_f32x4(s00), hsum_f32x4(s01)}, {hsum_f32x4(s10), hsum_f32x4(s11)}};
            for (; i < n; i++) {
                t[0][0] += w0[i] * a0[i];
                t[0][1] += w0[i] * a1[i];
                t[1][0] += w1[i] * a0[i];
                t[1][1] += w1[i] * a1[i];
            }
            for (int k = 0; k < cc; k++)
                for (int j = 0; j < rr; j++) out[(size_t)(c + k) * os + (size_t)(r + j)] = t[j][k];
        }
    }
}

CPU_DEFINE_DOT_TILE(tile_f16, vec_dot_f16)
CPU_DEFINE_DOT_TILE(tile_bf16, vec_dot_bf16)
CPU_DEFINE_DOT_TILE(tile_q8_0, vec_dot_q8_0)
CPU_DEFINE_DOT_TILE(tile_q4_0, vec_dot_q4_0)
CPU_DEFINE_DOT_TILE(tile_q4_1, vec_dot_q4_1)
CPU_DEFINE_DOT_TILE(tile_q5_0, vec_dot_q5_0)
CPU_DEFINE_DOT_TILE(tile_q5_1, vec_dot_q5_1)
CPU_DEFINE_DOT_TILE(tile_q4_K, vec_dot_q4_K)
CPU_DEFINE_DOT_TILE(tile_q5_K, vec_dot_q5_K)
CPU_DEFINE_DOT_TILE(tile_q6_K, vec_dot_q6_K)

static const cpu_kernels TABLE = {
    .level = CPU_SIMD_WASM128,
    .name = "wasm-simd128",
    .quantize_act = {
        [GGUF_TYPE_F16] = quant_f16_wasm,
        [GGUF_TYPE_BF16] = quant_bf16,
        [GGUF_TYPE_Q8_0] = quant_q8_0_wasm,
        [GGUF_TYPE_Q8_1] = quant_q8_1,
        [GGUF_TYPE_Q8_K] = quant_q8_K,
    },
    .act_block_bytes = {
        [GGUF_TYPE_F16] = sizeof(float),
        [GGUF_TYPE_Q8_0] = sizeof(wasm_act_q8_0),
    },
    .act_to_gguf = {
        [GGUF_TYPE_F16] = act_f16_to_gguf,
        [GGUF_TYPE_Q8_0] = act_q8_0_to_gguf,
    },
    CPU_LEVEL_DOT_TABLES,
    .dot_f32 = dot_f32,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f32 = axpy_f32,
    .axpy_f16 = axpy_f16,
};

const cpu_kernels *cpu_kernels_wasm128(void) {
    /* called once, under kernels.c's pthread_once */
    for (uint32_t h = 0; h < 65536; h++) g_h2f[h] = gguf_fp16_to_fp32((uint16_t)h);
    return &TABLE;
}

#else
/* ISO C wants at least one declaration in a translation unit */
typedef int simd_wasm_unused;
#endif
