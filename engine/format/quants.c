/* quants.c - reference (scalar, portable) kernels for the tensor types the
 * engine runs: fp16/bf16 conversion, dequantize, quantize and the dot product
 * of a weight row with an activation row. See quants.h for the contracts.
 *
 * Sources (facts only; the code is ours):
 *   - block layouts: ggml `ggml-common.h` (quoted beside the structs in quants.h);
 *   - the rounding rules that must match llama.cpp bit for bit, from ggml
 *     `ggml-quants.c`: quantize_row_q8_0_ref (d = amax/127, id = d ? 1/d : 0,
 *     q = roundf(x*id), d stored as fp16), quantize_row_q8_1_ref (the same plus
 *     s = fp16(d * sum q)), quantize_row_q4_0_ref (max = the value of largest
 *     magnitude, signed; d = max/-8; q = min(15, (int8_t)(x*id + 8.5f))) and
 *     quantize_row_q8_K_ref (max as for Q4_0, iscale = -127/max, q =
 *     min(127, nearest_int(iscale*x)) with round-half-to-even, d = 1/iscale,
 *     bsums[j] = sum of q[16j..16j+15]);
 *   - the activation rounding of ggml-cpu's x86 quantize_row_q8_0 / q8_1
 *     (arch/x86/quants.c, the AVX2/AVX path run for every activation row):
 *     d = amax/127 as fp16, but the multiplier is id = amax ? 127/amax : 0
 *     (not 1/d) and q = x*id rounded half to even (_mm256_round_ps with
 *     _MM_ROUND_NEAREST); Q8_1's s = fp16(d * (float)sum q). Its
 *     quantize_row_q8_K is quantize_row_q8_K_ref itself;
 *   - the dot products' block arithmetic (per-block integer sum times the two
 *     scales, plus m*s for the "_1" types, minus dmin*m*bsum for Q4_K/Q5_K):
 *     ggml-cpu's ggml_vec_dot_*_generic, i.e. the definition of the math.
 * The weight quantizers of Q4_1, Q5_0, Q5_1 and the K-quants are our own:
 * min/max or absmax scales, refined by a small least-squares search.
 */
#include "quants.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* fp16 / bf16                                                               */
/* ------------------------------------------------------------------------ */

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float f32_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float gguf_fp16_to_fp32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1Fu;
    const uint32_t mant = h & 0x3FFu;
    if (exp == 0) {
        /* zero or subnormal: mant * 2^-24, exact in float */
        const float v = (float)mant * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31) return f32_from_bits(sign | 0x7F800000u | (mant << 13)); /* inf / NaN */
    return f32_from_bits(sign | ((exp + 112u) << 23) | (mant << 13));     /* rebias 15 -> 127 */
}

uint16_t gguf_fp32_to_fp16(float f) {
    const uint32_t u = f32_bits(f);
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    const uint32_t a = u & 0x7FFFFFFFu;
    if (a > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | ((a >> 13) & 0x3FFu)); /* NaN, quiet */
    if (a >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u); /* >= 65520 rounds to inf */
    const uint32_t e = a >> 23;                               /* biased float exponent */
    if (e >= 113) {
        /* normal half: drop 13 mantissa bits, round to nearest even; a carry
         * into the exponent is the correct result */
        uint32_t h = ((e - 112u) << 10) | ((a >> 13) & 0x3FFu);
        const uint32_t rem = a & 0x1FFFu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    if (a <= 0x33000000u) return sign; /* <= 2^-25: rounds (ties to even) to zero */
    /* subnormal half: units of 2^-24 */
    const uint32_t mant = (a & 0x7FFFFFu) | 0x800000u;
    const uint32_t shift = 126u - e; /* 14..24 */
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

float gguf_bf16_to_fp32(uint16_t h) {
    return f32_from_bits((uint32_t)h << 16);
}

uint16_t gguf_fp32_to_bf16(float f) {
    const uint32_t u = f32_bits(f);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((u >> 16) | 0x40u); /* NaN, quiet */
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);                /* nearest even */
}

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

#define FP16(h) gguf_fp16_to_fp32(h)

/* round half to even (the current rounding mode, which is never changed);
 * equals ggml's nearest_int for |x| < 2^22 */
static int round_even(float x) {
    return (int)lrintf(x);
}

static int clamp_int(int v, int lo, int hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* The element of largest magnitude, with its sign (the first one on ties). */
static float signed_absmax(const float *x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

/* ------------------------------------------------------------------------ */
/* plain types                                                               */
/* ------------------------------------------------------------------------ */

void gguf_to_float_f32(const void *x, float *y, int64_t n) {
    memcpy(y, x, (size_t)n * sizeof(float));
}

void gguf_to_float_f16(const void *x, float *y, int64_t n) {
    const uint16_t *h = x;
    for (int64_t i = 0; i < n; i++) y[i] = gguf_fp16_to_fp32(h[i]);
}

void gguf_to_float_bf16(const void *x, float *y, int64_t n) {
    const uint16_t *h = x;
    for (int64_t i = 0; i < n; i++) y[i] = gguf_bf16_to_fp32(h[i]);
}

void gguf_from_float_f32(const float *x, void *y, int64_t n) {
    memcpy(y, x, (size_t)n * sizeof(float));
}

void gguf_from_float_f16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    for (int64_t i = 0; i < n; i++) h[i] = gguf_fp32_to_fp16(x[i]);
}

void gguf_from_float_bf16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    for (int64_t i = 0; i < n; i++) h[i] = gguf_fp32_to_bf16(x[i]);
}

float gguf_vec_dot_f32(int64_t n, const void *w, const void *a) {
    const float *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
    return sum;
}

float gguf_vec_dot_f16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += gguf_fp16_to_fp32(x[i]) * gguf_fp16_to_fp32(y[i]);
    return sum;
}

float gguf_vec_dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += gguf_bf16_to_fp32(x[i]) * gguf_bf16_to_fp32(y[i]);
    return sum;
}

/* ------------------------------------------------------------------------ */
/* 32-element block types: dequantize                                        */
/* ------------------------------------------------------------------------ */

void gguf_to_float_q4_0(const void *x, float *y, int64_t n) {
    const gguf_block_q4_0 *b = x;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d);
        for (int j = 0; j < 16; j++) {
            y[j] = (float)((b[i].qs[j] & 0xF) - 8) * d;
            y[j + 16] = (float)((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void gguf_to_float_q4_1(const void *x, float *y, int64_t n) {
    const gguf_block_q4_1 *b = x;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d), m = FP16(b[i].m);
        for (int j = 0; j < 16; j++) {
            y[j] = (float)(b[i].qs[j] & 0xF) * d + m;
            y[j + 16] = (float)(b[i].qs[j] >> 4) * d + m;
        }
    }
}

static uint32_t load_u32le(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* the 5-bit values of a Q5_0/Q5_1 block: q[j] = nibble | bit j of qh << 4 */
static void q5_unpack(const uint8_t qh4[4], const uint8_t qs[16], int q[32]) {
    const uint32_t qh = load_u32le(qh4);
    for (int j = 0; j < 16; j++) {
        q[j] = (qs[j] & 0xF) | (int)(((qh >> j) & 1u) << 4);
        q[j + 16] = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1u) << 4);
    }
}

void gguf_to_float_q5_0(const void *x, float *y, int64_t n) {
    const gguf_block_q5_0 *b = x;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d);
        q5_unpack(b[i].qh, b[i].qs, q);
        for (int j = 0; j < 32; j++) y[j] = (float)(q[j] - 16) * d;
    }
}

void gguf_to_float_q5_1(const void *x, float *y, int64_t n) {
    const gguf_block_q5_1 *b = x;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d), m = FP16(b[i].m);
        q5_unpack(b[i].qh, b[i].qs, q);
        for (int j = 0; j < 32; j++) y[j] = (float)q[j] * d + m;
    }
}

void gguf_to_float_q8_0(const void *x, float *y, int64_t n) {
    const gguf_block_q8_0 *b = x;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d);
        for (int j = 0; j < 32; j++) y[j] = (float)b[i].qs[j] * d;
    }
}

void gguf_to_float_q8_1(const void *x, float *y, int64_t n) {
    const gguf_block_q8_1 *b = x;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, y += GGUF_QK32) {
        const float d = FP16(b[i].d);
        for (int j = 0; j < 32; j++) y[j] = (float)b[i].qs[j] * d;
    }
}

/* ------------------------------------------------------------------------ */
/* 32-element block types: quantize                                          */
/* ------------------------------------------------------------------------ */

/* llama.cpp quantize_row_q4_0_ref, bit for bit (see the header comment). */
void gguf_from_float_q4_0(const float *x, void *y, int64_t n) {
    gguf_block_q4_0 *b = y;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        const float max = signed_absmax(x, 32);
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = gguf_fp32_to_fp16(d);
        for (int j = 0; j < 16; j++) {
            /* x*id is in [-8, 8]; +8.5 then truncation rounds half up. Two
             * statements so that no compiler fuses them into an FMA. */
            const float v0 = x[j] * id, v1 = x[j + 16] * id;
            const int q0 = (int)(int8_t)(v0 + 8.5f);
            const int q1 = (int)(int8_t)(v1 + 8.5f);
            b[i].qs[j] = (uint8_t)((q0 < 15 ? q0 : 15) | (q1 < 15 ? q1 : 15) << 4);
        }
    }
}

/* Our own: d = (max - min)/15, m = min, q = nearest level with the fp16-rounded d, m. */
void gguf_from_float_q4_1(const float *x, void *y, int64_t n) {
    gguf_block_q4_1 *b = y;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        float mn = x[0], mx = x[0];
        for (int j = 1; j < 32; j++) {
            mn = x[j] < mn ? x[j] : mn;
            mx = x[j] > mx ? x[j] : mx;
        }
        b[i].d = gguf_fp32_to_fp16((mx - mn) / 15.0f);
        b[i].m = gguf_fp32_to_fp16(mn);
        const float d = FP16(b[i].d), m = FP16(b[i].m);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < 16; j++) {
            const int q0 = clamp_int(round_even((x[j] - m) * id), 0, 15);
            const int q1 = clamp_int(round_even((x[j + 16] - m) * id), 0, 15);
            b[i].qs[j] = (uint8_t)(q0 | q1 << 4);
        }
    }
}

static void q5_pack(const int q[32], uint8_t qh4[4], uint8_t qs[16]) {
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        qs[j] = (uint8_t)((q[j] & 0xF) | (q[j + 16] & 0xF) << 4);
        qh |= (uint32_t)((q[j] >> 4) & 1) << j;
        qh |= (uint32_t)((q[j + 16] >> 4) & 1) << (j + 16);
    }
    for (int k = 0; k < 4; k++) qh4[k] = (uint8_t)(qh >> (8 * k));
}

/* Our own: as Q4_0 with 5 bits (d = max/-16), nearest level with the fp16 d. */
void gguf_from_float_q5_0(const float *x, void *y, int64_t n) {
    gguf_block_q5_0 *b = y;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        b[i].d = gguf_fp32_to_fp16(signed_absmax(x, 32) / -16.0f);
        const float d = FP16(b[i].d);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < 32; j++) q[j] = clamp_int(round_even(x[j] * id) + 16, 0, 31);
        q5_pack(q, b[i].qh, b[i].qs);
    }
}

/* Our own: d = (max - min)/31, m = min. */
void gguf_from_float_q5_1(const float *x, void *y, int64_t n) {
    gguf_block_q5_1 *b = y;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        float mn = x[0], mx = x[0];
        for (int j = 1; j < 32; j++) {
            mn = x[j] < mn ? x[j] : mn;
            mx = x[j] > mx ? x[j] : mx;
        }
        b[i].d = gguf_fp32_to_fp16((mx - mn) / 31.0f);
        b[i].m = gguf_fp32_to_fp16(mn);
        const float d = FP16(b[i].d), m = FP16(b[i].m);
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        for (int j = 0; j < 32; j++) q[j] = clamp_int(round_even((x[j] - m) * id), 0, 31);
        q5_pack(q, b[i].qh, b[i].qs);
    }
}

/* llama.cpp quantize_row_q8_0_ref, bit for bit. */
void gguf_from_float_q8_0(const float *x, void *y, int64_t n) {
    gguf_block_q8_0 *b = y;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = gguf_fp32_to_fp16(d);
        for (int j = 0; j < 32; j++) b[i].qs[j] = (int8_t)roundf(x[j] * id);
    }
}

/* llama.cpp quantize_row_q8_1_ref, bit for bit. */
void gguf_from_float_q8_1(const float *x, void *y, int64_t n) {
    gguf_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / GGUF_QK32; i++, x += GGUF_QK32) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            b[i].qs[j] = (int8_t)roundf(x[j] * id);
            sum += b[i].qs[j];
        }
        b[i].d = gguf_fp32_to_fp16(d);
        b[i].s = gguf_fp32_to_fp16((float)sum * d);
    }
}

/* One activation block by the rule of llama.cpp's x86 quantize_row_q8_0/q8_1
 * (see quants.h): id = 127/amax, q = x*id rounded half to even. A lane that
 * is not finite after scaling (only when 127/amax overflows or x is inf/NaN)
 * gets -128, the byte that x86's cvtps_epi32 + saturating packs give it.
 * Returns sum(q); *d_f32 = d before its fp16 rounding. */
static int act_block_q8(const float *x, int8_t *qs, uint16_t *d_out, float *d_f32) {
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d_out = gguf_fp32_to_fp16(d);
    *d_f32 = d;
    int sum = 0;
    for (int j = 0; j < 32; j++) {
        const float r = nearbyintf(x[j] * id); /* ties to even: the default rounding mode */
        const int q = r >= -128.0f && r <= 127.0f ? (int)r : -128;
        qs[j] = (int8_t)q;
        sum += q;
    }
    return sum;
}

void gguf_quantize_act_q8_0(const float *x, void *y, int64_t n) {
    gguf_block_q8_0 *b = y;
    float d;
    for (int64_t i = 0; i < n / GGUF_QK32; i++) act_block_q8(x + GGUF_QK32 * i, b[i].qs, &b[i].d, &d);
}

void gguf_quantize_act_q8_1(const float *x, void *y, int64_t n) {
    gguf_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        float d;
        const int sum = act_block_q8(x + GGUF_QK32 * i, b[i].qs, &b[i].d, &d);
        b[i].s = gguf_fp32_to_fp16(d * (float)sum);
    }
}

/* ------------------------------------------------------------------------ */
/* 32-element block types: dot products                                      */
/* ------------------------------------------------------------------------ */

float gguf_vec_dot_q4_0_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_0 *x = w;
    const gguf_block_q8_0 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        int s = 0;
        for (int j = 0; j < 16; j++) {
            s += ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j];
            s += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        }
        sum += (float)s * (FP16(x[i].d) * FP16(y[i].d));
    }
    return sum;
}

float gguf_vec_dot_q4_1_q8_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_1 *x = w;
    const gguf_block_q8_1 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        int s = 0;
        for (int j = 0; j < 16; j++) {
            s += (x[i].qs[j] & 0xF) * y[i].qs[j];
            s += (x[i].qs[j] >> 4) * y[i].qs[j + 16];
        }
        /* sum (q*dw + m) * qa*da = dw*da*sum(q*qa) + m*(da*sum qa) = ... + m*s */
        sum += (float)s * (FP16(x[i].d) * FP16(y[i].d)) + FP16(x[i].m) * FP16(y[i].s);
    }
    return sum;
}

float gguf_vec_dot_q5_0_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_0 *x = w;
    const gguf_block_q8_0 *y = a;
    float sum = 0.0f;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        q5_unpack(x[i].qh, x[i].qs, q);
        int s = 0;
        for (int j = 0; j < 32; j++) s += (q[j] - 16) * y[i].qs[j];
        sum += (float)s * (FP16(x[i].d) * FP16(y[i].d));
    }
    return sum;
}

float gguf_vec_dot_q5_1_q8_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_1 *x = w;
    const gguf_block_q8_1 *y = a;
    float sum = 0.0f;
    int q[32];
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        q5_unpack(x[i].qh, x[i].qs, q);
        int s = 0;
        for (int j = 0; j < 32; j++) s += q[j] * y[i].qs[j];
        sum += (float)s * (FP16(x[i].d) * FP16(y[i].d)) + FP16(x[i].m) * FP16(y[i].s);
    }
    return sum;
}

float gguf_vec_dot_q8_0_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q8_0 *x = w;
    const gguf_block_q8_0 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / GGUF_QK32; i++) {
        int s = 0;
        for (int j = 0; j < 32; j++) s += x[i].qs[j] * y[i].qs[j];
        sum += (float)s * (FP16(x[i].d) * FP16(y[i].d));
    }
    return sum;
}

/* ------------------------------------------------------------------------ */
/* K-quants: dequantize                                                      */
/* ------------------------------------------------------------------------ */

/* The 256 raw levels of a Q4_K (bits 4) or Q5_K (bits 5, qh != NULL) block. */
static void qk_unpack(const uint8_t qs[128], const uint8_t *qh, int q[256]) {
    for (int c = 0; c < 4; c++) { /* 64-element chunks */
        for (int l = 0; l < 32; l++) {
            q[64 * c + l] = qs[32 * c + l] & 0xF;
            q[64 * c + 32 + l] = qs[32 * c + l] >> 4;
            if (qh) {
                q[64 * c + l] |= ((qh[l] >> (2 * c)) & 1) << 4;
                q[64 * c + 32 + l] |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
            }
        }
    }
}

static void qk_to_float(const uint16_t dd, const uint16_t dm, const uint8_t scales[12],
                        const int q[256], float *y) {
    const float d = FP16(dd), dmin = FP16(dm);
    for (int j = 0; j < 8; j++) {
        uint8_t sc, m;
        gguf_get_scale_min_k4(j, scales, &sc, &m);
        const float ds = d * sc, ms = dmin * m;
        for (int l = 0; l < 32; l++) y[32 * j + l] = ds * (float)q[32 * j + l] - ms;
    }
}

void gguf_to_float_q4_K(const void *x, float *y, int64_t n) {
    const gguf_block_q4_K *b = x;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, y += GGUF_QK_K) {
        qk_unpack(b[i].qs, NULL, q);
        qk_to_float(b[i].d, b[i].dmin, b[i].scales, q, y);
    }
}

void gguf_to_float_q5_K(const void *x, float *y, int64_t n) {
    const gguf_block_q5_K *b = x;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, y += GGUF_QK_K) {
        qk_unpack(b[i].qs, b[i].qh, q);
        qk_to_float(b[i].d, b[i].dmin, b[i].scales, q, y);
    }
}

/* The 256 levels (0..63) of a Q6_K block, in element order. */
static void q6k_unpack(const gguf_block_q6_K *b, int q[256]) {
    for (int h = 0; h < 2; h++) { /* 128-element halves */
        const uint8_t *ql = b->ql + 64 * h, *qh = b->qh + 32 * h;
        int *o = q + 128 * h;
        for (int l = 0; l < 32; l++) {
            o[l] = (ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4;
            o[l + 32] = (ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4;
            o[l + 64] = (ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4;
            o[l + 96] = (ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4;
        }
    }
}

void gguf_to_float_q6_K(const void *x, float *y, int64_t n) {
    const gguf_block_q6_K *b = x;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, y += GGUF_QK_K) {
        q6k_unpack(&b[i], q);
        const float d = FP16(b[i].d);
        for (int e = 0; e < 256; e++) y[e] = d * (float)b[i].scales[e / 16] * (float)(q[e] - 32);
    }
}

void gguf_to_float_q8_K(const void *x, float *y, int64_t n) {
    const gguf_block_q8_K *b = x;
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, y += GGUF_QK_K) {
        for (int e = 0; e < 256; e++) y[e] = b[i].d * (float)b[i].qs[e];
    }
}

/* ------------------------------------------------------------------------ */
/* K-quants: quantize (our own search)                                       */
/* ------------------------------------------------------------------------ */

/* Fit x[0..n) ~ scale*L - mn with L in 0..nmax, scale >= 0 and mn >= 0 (the
 * Q4_K/Q5_K form: an offset that can only be subtracted). Starts from the
 * min/max range and from a few narrower ones, refines each by least squares
 * on the chosen levels, and keeps the fit with the smallest squared error.
 * Returns scale; *min_out gets mn. */
static float fit_scale_min(const float *x, int n, int nmax, float *min_out) {
    float lo = x[0], hi = x[0];
    for (int i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo > 0.0f) lo = 0.0f;
    if (hi <= lo) {
        *min_out = -lo;
        return 0.0f;
    }
    float best_err = INFINITY, best_scale = 0.0f, best_off = lo;
    for (int t = 0; t < 6; t++) {
        /* candidate range: shrink [lo, hi] by up to ~10% (clipping a few outliers) */
        float scale = (hi - lo) * (1.0f - 0.02f * (float)t) / (float)nmax;
        float off = lo;
        for (int it = 0; it < 3; it++) {
            const float iscale = 1.0f / scale;
            double sl = 0, sll = 0, sx = 0, sxl = 0, err = 0;
            int L[256];
            for (int i = 0; i < n; i++) {
                L[i] = clamp_int(round_even((x[i] - off) * iscale), 0, nmax);
                const float e = scale * (float)L[i] + off - x[i];
                err += (double)e * e;
                sl += L[i];
                sll += (double)L[i] * L[i];
                sx += x[i];
                sxl += (double)x[i] * L[i];
            }
            if (err < best_err) {
                best_err = (float)err;
                best_scale = scale;
                best_off = off;
            }
            /* least squares for x ~ scale*L + off, with off <= 0 */
            const double det = n * sll - sl * sl;
            if (det <= 0) break;
            double s2 = (n * sxl - sl * sx) / det;
            double o2 = (sx - s2 * sl) / n;
            if (o2 > 0) {
                o2 = 0;
                s2 = sll > 0 ? sxl / sll : 0;
            }
            if (!(s2 > 0)) break;
            scale = (float)s2;
            off = (float)o2;
        }
    }
    *min_out = -best_off;
    return best_scale;
}

/* Pack sub-block scales / mins (each 0..63) into the 12 bytes of Q4_K/Q5_K
 * (the inverse of gguf_get_scale_min_k4). */
static void pack_scale_min_k4(const uint8_t ls[8], const uint8_t lm[8], uint8_t s[12]) {
    memset(s, 0, 12);
    for (int j = 0; j < 8; j++) {
        if (j < 4) {
            s[j] = ls[j];
            s[j + 4] = lm[j];
        } else {
            s[j + 4] = (uint8_t)((ls[j] & 0xF) | (lm[j] & 0xF) << 4);
            s[j - 4] |= (uint8_t)((ls[j] >> 4) << 6);
            s[j] |= (uint8_t)((lm[j] >> 4) << 6);
        }
    }
}

/* One Q4_K/Q5_K super-block: levels q[256] (0..nmax), d, dmin, scales[12]. */
static void qk_quantize_block(const float *x, int nmax, int q[256], uint16_t *d_out,
                              uint16_t *dmin_out, uint8_t scales[12]) {
    float sc[8], mn[8], max_sc = 0.0f, max_mn = 0.0f;
    for (int j = 0; j < 8; j++) {
        sc[j] = fit_scale_min(x + 32 * j, 32, nmax, &mn[j]);
        max_sc = sc[j] > max_sc ? sc[j] : max_sc;
        max_mn = mn[j] > max_mn ? mn[j] : max_mn;
    }
    *d_out = gguf_fp32_to_fp16(max_sc / 63.0f);
    *dmin_out = gguf_fp32_to_fp16(max_mn / 63.0f);
    const float d = FP16(*d_out), dmin = FP16(*dmin_out);
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; j++) {
        ls[j] = (uint8_t)(d > 0.0f ? clamp_int(round_even(sc[j] / d), 0, 63) : 0);
        lm[j] = (uint8_t)(dmin > 0.0f ? clamp_int(round_even(mn[j] / dmin), 0, 63) : 0);
    }
    pack_scale_min_k4(ls, lm, scales);
    /* levels against the scales as stored */
    for (int j = 0; j < 8; j++) {
        const float ds = d * ls[j], ms = dmin * lm[j];
        for (int l = 0; l < 32; l++) {
            q[32 * j + l] = ds > 0.0f ? clamp_int(round_even((x[32 * j + l] + ms) / ds), 0, nmax) : 0;
        }
    }
}

void gguf_from_float_q4_K(const float *x, void *y, int64_t n) {
    gguf_block_q4_K *b = y;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, x += GGUF_QK_K) {
        qk_quantize_block(x, 15, q, &b[i].d, &b[i].dmin, b[i].scales);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                b[i].qs[32 * c + l] = (uint8_t)(q[64 * c + l] | q[64 * c + 32 + l] << 4);
            }
        }
    }
}

void gguf_from_float_q5_K(const float *x, void *y, int64_t n) {
    gguf_block_q5_K *b = y;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, x += GGUF_QK_K) {
        qk_quantize_block(x, 31, q, &b[i].d, &b[i].dmin, b[i].scales);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                const int q0 = q[64 * c + l], q1 = q[64 * c + 32 + l];
                b[i].qs[32 * c + l] = (uint8_t)((q0 & 0xF) | (q1 & 0xF) << 4);
                b[i].qh[l] |= (uint8_t)(((q0 >> 4) << (2 * c)) | ((q1 >> 4) << (2 * c + 1)));
            }
        }
    }
}

/* Fit x[0..16) ~ s*L with L in -32..31 (signed s; the value of largest
 * magnitude maps near -32). Tries a few divisors around 32 and a
 * least-squares refit, keeping the smallest squared error. */
static float fit_scale_q6(const float *x) {
    const float max = signed_absmax(x, 16);
    if (max == 0.0f) return 0.0f;
    float best_err = INFINITY, best = 0.0f;
    for (int t = -4; t <= 4; t++) {
        float s = max / -(32.0f + 0.5f * (float)t);
        for (int it = 0; it < 2; it++) {
            double sxl = 0, sll = 0, err = 0;
            for (int i = 0; i < 16; i++) {
                const int l = clamp_int(round_even(x[i] / s), -32, 31);
                const float e = s * (float)l - x[i];
                err += (double)e * e;
                sxl += (double)x[i] * l;
                sll += (double)l * l;
            }
            if (err < best_err) {
                best_err = (float)err;
                best = s;
            }
            if (sll <= 0 || sxl == 0) break;
            s = (float)(sxl / sll);
        }
    }
    return best;
}

void gguf_from_float_q6_K(const float *x, void *y, int64_t n) {
    gguf_block_q6_K *b = y;
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, x += GGUF_QK_K) {
        float s[16], amax = 0.0f;
        for (int j = 0; j < 16; j++) {
            s[j] = fit_scale_q6(x + 16 * j);
            amax = fabsf(s[j]) > amax ? fabsf(s[j]) : amax;
        }
        b[i].d = gguf_fp32_to_fp16(amax / 127.0f);
        const float d = FP16(b[i].d);
        int q[256];
        for (int j = 0; j < 16; j++) {
            b[i].scales[j] = (int8_t)(d > 0.0f ? clamp_int(round_even(s[j] / d), -127, 127) : 0);
            const float ds = d * b[i].scales[j];
            for (int l = 0; l < 16; l++) {
                q[16 * j + l] = ds != 0.0f ? clamp_int(round_even(x[16 * j + l] / ds), -32, 31) + 32 : 32;
            }
        }
        for (int h = 0; h < 2; h++) {
            uint8_t *ql = b[i].ql + 64 * h, *qh = b[i].qh + 32 * h;
            const int *v = q + 128 * h;
            for (int l = 0; l < 32; l++) {
                ql[l] = (uint8_t)((v[l] & 0xF) | (v[l + 64] & 0xF) << 4);
                ql[l + 32] = (uint8_t)((v[l + 32] & 0xF) | (v[l + 96] & 0xF) << 4);
                qh[l] = (uint8_t)((v[l] >> 4) | (v[l + 32] >> 4) << 2 | (v[l + 64] >> 4) << 4 |
                                  (v[l + 96] >> 4) << 6);
            }
        }
    }
}

/* llama.cpp quantize_row_q8_K_ref, bit for bit (an all-zero block gets d = 0,
 * q = 0 and, unlike the reference, which leaves them unset, bsums = 0). */
void gguf_from_float_q8_K(const float *x, void *y, int64_t n) {
    gguf_block_q8_K *b = y;
    for (int64_t i = 0; i < n / GGUF_QK_K; i++, x += GGUF_QK_K) {
        const float max = signed_absmax(x, GGUF_QK_K);
        if (max == 0.0f) {
            memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        const float iscale = -127.0f / max;
        for (int e = 0; e < GGUF_QK_K; e++) {
            const int v = round_even(iscale * x[e]);
            b[i].qs[e] = (int8_t)(v < 127 ? v : 127);
        }
        for (int j = 0; j < 16; j++) {
            int s = 0;
            for (int l = 0; l < 16; l++) s += b[i].qs[16 * j + l];
            b[i].bsums[j] = (int16_t)s;
        }
        b[i].d = 1.0f / iscale;
    }
}

/* ------------------------------------------------------------------------ */
/* K-quants: dot products with Q8_K activations                              */
/* ------------------------------------------------------------------------ */

/* Q4_K/Q5_K block . Q8_K block: d*a.d * sum_j sc_j * sum(q*qa)
 *                                - dmin*a.d * sum_j m_j * (bsums[2j] + bsums[2j+1]) */
static float qk_block_dot(uint16_t dd, uint16_t dm, const uint8_t scales[12], const int q[256],
                          const gguf_block_q8_K *a) {
    int sum_q = 0, sum_m = 0;
    for (int j = 0; j < 8; j++) {
        uint8_t sc, m;
        gguf_get_scale_min_k4(j, scales, &sc, &m);
        int s = 0;
        for (int l = 0; l < 32; l++) s += q[32 * j + l] * a->qs[32 * j + l];
        sum_q += sc * s;
        sum_m += m * (a->bsums[2 * j] + a->bsums[2 * j + 1]);
    }
    return FP16(dd) * a->d * (float)sum_q - FP16(dm) * a->d * (float)sum_m;
}

float gguf_vec_dot_q4_K_q8_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_K *x = w;
    const gguf_block_q8_K *y = a;
    float sum = 0.0f;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++) {
        qk_unpack(x[i].qs, NULL, q);
        sum += qk_block_dot(x[i].d, x[i].dmin, x[i].scales, q, &y[i]);
    }
    return sum;
}

float gguf_vec_dot_q5_K_q8_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_K *x = w;
    const gguf_block_q8_K *y = a;
    float sum = 0.0f;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++) {
        qk_unpack(x[i].qs, x[i].qh, q);
        sum += qk_block_dot(x[i].d, x[i].dmin, x[i].scales, q, &y[i]);
    }
    return sum;
}

float gguf_vec_dot_q6_K_q8_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q6_K *x = w;
    const gguf_block_q8_K *y = a;
    float sum = 0.0f;
    int q[256];
    for (int64_t i = 0; i < n / GGUF_QK_K; i++) {
        q6k_unpack(&x[i], q);
        int s = 0;
        for (int j = 0; j < 16; j++) {
            int t = 0;
            for (int l = 0; l < 16; l++) t += (q[16 * j + l] - 32) * y[i].qs[16 * j + l];
            s += x[i].scales[j] * t;
        }
        sum += FP16(x[i].d) * y[i].d * (float)s;
    }
    return sum;
}
