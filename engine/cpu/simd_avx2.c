/* simd_avx2.c - AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma -mf16c;
 * kernels.c calls them only after a run-time CPU check).
 *
 * Every kernel computes what its reference in engine/format/quants.c
 * computes: integer block sums are exact, only the order of float additions
 * differs (tests/engine/test_kernels.c bounds that). Activation quantizers are
 * bit-exact with the references (gguf_quantize_act_q8_0/q8_1 and
 * gguf_from_float_q8_K; all round half to even).
 *
 * Integer dot products of 32 signed bytes: AVX2 has only u8 x s8 -> s16
 * (vpmaddubsw), so signed weights w use |w| x sign(a, w) (vpsignb), and
 * unsigned levels (Q4_1, Q5_1, the K-quants) go in directly; pairs of s16 are
 * then summed to s32 by vpmaddwd with ones or with the sub-block scales.
 */
#include "simd.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <immintrin.h>
#include <string.h>

/* fully unroll the small fixed loops of the micro-kernels (R, C <= 4), so
 * that accumulator arrays become registers; -O2 alone keeps them in memory */
#define UNROLL _Pragma("GCC unroll 4")

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline int hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

static inline float hmax_ps(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float h2f(uint16_t h) {
    return _cvtsh_ss(h);
}

static inline uint16_t f2h(float f) {
    return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}

/* 16 bytes of nibbles -> 32 bytes: low nibbles in bytes 0..15, high in 16..31 */
static inline __m256i nibbles32(const uint8_t *p) {
    const __m128i x = _mm_loadu_si128((const __m128i *)p);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(x, 4), x);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

/* 32 bits -> 32 bytes, byte j = 0xFF where bit j is set */
static inline __m256i bits32(const uint8_t *p4) {
    uint32_t u;
    memcpy(&u, p4, 4);
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3,
                                          3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)u), shuf);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
}

/* sum over 32 byte pairs of signed w * signed a, as 8 s32 partial sums */
static inline __m256i dot_i8(__m256i w, __m256i a) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

/* unsigned u (0..127) times signed a, as 8 s32 partial sums */
static inline __m256i dot_u8(__m256i u, __m256i a) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), _mm256_set1_epi16(1));
}

/* four vectors of 8 int32 (in element order) -> 32 int8, saturating */
static inline __m256i pack_i32x32_i8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    /* packs work per 128-bit lane: 4-byte groups come out as 0,2,4,6,1,3,5,7 of the wanted order */
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* ------------------------------------------------------------------------ */
/* activation quantizers                                                     */
/* ------------------------------------------------------------------------ */

/* One Q8_0/Q8_1 activation block by the rule of gguf_quantize_act_q8_0
 * (quants.h: llama.cpp's x86 quantize_row_q8_0): id = 127/amax, q = x*id
 * rounded half to even; returns sum of q and *d_f32 = d before rounding to
 * fp16 (Q8_1's s uses it). max(|v|, m) keeps m when |v| is NaN, as the
 * reference's comparison does; a lane that is not finite converts to
 * INT_MIN and is raised to -128, the reference's value for it. */
static inline int quant_block_q8(const float *x, int8_t *qs, uint16_t *d_out, float *d_f32) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v[4];
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        m = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), m);
    }
    const float amax = hmax_ps(m);
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    *d_out = f2h(d);
    *d_f32 = d;
    const __m256 vid = _mm256_set1_ps(id);
    const __m256i lo = _mm256_set1_epi32(-128);
    __m256i q[4];
    for (int k = 0; k < 4; k++) {
        const __m256 r = _mm256_round_ps(_mm256_mul_ps(v[k], vid), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        q[k] = _mm256_max_epi32(_mm256_cvtps_epi32(r), lo);
    }
    _mm256_storeu_si256((__m256i *)qs, pack_i32x32_i8(q[0], q[1], q[2], q[3]));
    return hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
}

static void quant_q8_0(const float *x, void *y, int64_t n) {
    gguf_block_q8_0 *b = y;
    float d;
    for (int64_t i = 0; i < n / 32; i++) quant_block_q8(x + 32 * i, b[i].qs, &b[i].d, &d);
}

static void quant_q8_1(const float *x, void *y, int64_t n) {
    gguf_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / 32; i++) {
        float d;
        const int sum = quant_block_q8(x + 32 * i, b[i].qs, &b[i].d, &d);
        b[i].s = f2h(d * (float)sum);
    }
}

static void quant_q8_K(const float *x, void *y, int64_t n) {
    gguf_block_q8_K *b = y;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < n / 256; i++, x += 256) {
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < 32; k++) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + 8 * k)));
        const float amax = hmax_ps(m);
        if (amax == 0.0f) {
            memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        /* the first element of largest magnitude, with its sign */
        float max = 0.0f;
        const __m256 va = _mm256_set1_ps(amax);
        for (int k = 0; k < 32; k++) {
            const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + 8 * k)), va, _CMP_EQ_OQ));
            if (mask) {
                max = x[8 * k + __builtin_ctz((unsigned)mask)];
                break;
            }
        }
        const float iscale = -127.0f / max;
        const __m256 vs = _mm256_set1_ps(iscale);
        const __m256i lim = _mm256_set1_epi32(127);
        for (int g = 0; g < 8; g++) { /* 32 elements: two bsums */
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                /* cvtps rounds half to even (the default MXCSR mode), as lrintf */
                q[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 32 * g + 8 * k), vs)), lim);
            }
            _mm256_storeu_si256((__m256i *)(b[i].qs + 32 * g), pack_i32x32_i8(q[0], q[1], q[2], q[3]));
            b[i].bsums[2 * g] = (int16_t)hsum_epi32(_mm256_add_epi32(q[0], q[1]));
            b[i].bsums[2 * g + 1] = (int16_t)hsum_epi32(_mm256_add_epi32(q[2], q[3]));
        }
        b[i].d = 1.0f / iscale;
    }
}

static void quant_f16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(h + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) h[i] = f2h(x[i]);
}

static void quant_bf16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i));
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
        const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7FFFFFFF)),
                                               _mm256_set1_epi32(0x7F800000));
        const __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
        r = _mm256_blendv_epi8(r, qnan, nan);
        const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), _MM_SHUFFLE(3, 1, 2, 0));
        _mm_storeu_si128((__m128i *)(h + i), _mm256_castsi256_si128(p));
    }
    for (; i < n; i++) h[i] = gguf_fp32_to_bf16(x[i]);
}

/* ------------------------------------------------------------------------ */
/* float helpers                                                             */
/* ------------------------------------------------------------------------ */

static float dot_f32(int64_t n, const float *x, const float *y) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) {
            acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * k), _mm256_loadu_ps(y + i + 8 * k), acc[k]);
        }
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc[0]);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; i++) sum += x[i] * y[i];
    return sum;
}

static inline __m256 load_h8(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

static float dot_f32_f16(int64_t n, const float *x, const uint16_t *y) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8 * k), load_h8(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), load_h8(y + i), acc[0]);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; i++) sum += x[i] * h2f(y[i]);
    return sum;
}

static void axpy_f32(int64_t n, float a, const float *x, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

static void axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
    const __m256 va = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, load_h8(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * h2f(x[i]);
}

/* ------------------------------------------------------------------------ */
/* vec_dot: plain types                                                      */
/* ------------------------------------------------------------------------ */

static float vec_dot_f32(int64_t n, const void *w, const void *a) {
    return dot_f32(n, w, a);
}

static float vec_dot_f16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) acc[k] = _mm256_fmadd_ps(load_h8(x + i + 8 * k), load_h8(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load_h8(x + i), load_h8(y + i), acc[0]);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; i++) sum += h2f(x[i]) * h2f(y[i]);
    return sum;
}

static inline __m256 load_bf8(const uint16_t *p) {
    const __m256i u = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(u, 16));
}

static float vec_dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) acc[k] = _mm256_fmadd_ps(load_bf8(x + i + 8 * k), load_bf8(y + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(load_bf8(x + i), load_bf8(y + i), acc[0]);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; i++) sum += gguf_bf16_to_fp32(x[i]) * gguf_bf16_to_fp32(y[i]);
    return sum;
}

/* ------------------------------------------------------------------------ */
/* vec_dot: 32-element blocks                                                */
/* ------------------------------------------------------------------------ */

/* signed weight bytes of one block */
static inline __m256i w_q4_0(const gguf_block_q4_0 *b) {
    return _mm256_sub_epi8(nibbles32(b->qs), _mm256_set1_epi8(8));
}

static inline __m256i w_q5_0(const gguf_block_q5_0 *b) {
    /* q - 16 = nibble - 16 where the 5th bit is clear (as int8: nibble | 0xF0), nibble where set */
    return _mm256_or_si256(nibbles32(b->qs), _mm256_andnot_si256(bits32(b->qh), _mm256_set1_epi8((char)0xF0)));
}

static inline __m256i w_q5_1(const gguf_block_q5_1 *b) {
    return _mm256_or_si256(nibbles32(b->qs), _mm256_and_si256(bits32(b->qh), _mm256_set1_epi8(0x10)));
}

static float vec_dot_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q8_0 *x = w, *y = a;
    const int64_t nb = n / 32;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i p0 = dot_i8(_mm256_loadu_si256((const __m256i *)x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        const __m256i p1 = dot_i8(_mm256_loadu_si256((const __m256i *)x[i + 1].qs),
                                  _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; i < nb; i++) {
        const __m256i p = dot_i8(_mm256_loadu_si256((const __m256i *)x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
}

static float vec_dot_q4_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_0 *x = w;
    const gguf_block_q8_0 *y = a;
    const int64_t nb = n / 32;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        const __m256i p0 = dot_i8(w_q4_0(&x[i]), _mm256_loadu_si256((const __m256i *)y[i].qs));
        const __m256i p1 = dot_i8(w_q4_0(&x[i + 1]), _mm256_loadu_si256((const __m256i *)y[i + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i + 1].d) * h2f(y[i + 1].d)), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; i < nb; i++) {
        const __m256i p = dot_i8(w_q4_0(&x[i]), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc0);
    }
    return hsum_ps(_mm256_add_ps(acc0, acc1));
}

static float vec_dot_q5_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_0 *x = w;
    const gguf_block_q8_0 *y = a;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 32; i++) {
        const __m256i p = dot_i8(w_q5_0(&x[i]), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc);
    }
    return hsum_ps(acc);
}

static float vec_dot_q4_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_1 *x = w;
    const gguf_block_q8_1 *y = a;
    __m256 acc = _mm256_setzero_ps();
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const __m256i p = dot_u8(nibbles32(x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc);
        summ += h2f(x[i].m) * h2f(y[i].s);
    }
    return hsum_ps(acc) + summ;
}

static float vec_dot_q5_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_1 *x = w;
    const gguf_block_q8_1 *y = a;
    __m256 acc = _mm256_setzero_ps();
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const __m256i p = dot_u8(w_q5_1(&x[i]), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), _mm256_cvtepi32_ps(p), acc);
        summ += h2f(x[i].m) * h2f(y[i].s);
    }
    return hsum_ps(acc) + summ;
}

/* ------------------------------------------------------------------------ */
/* vec_dot: K-quants                                                         */
/* ------------------------------------------------------------------------ */

/* The 8 scales and 8 mins of a Q4_K/Q5_K block as bytes (the 12-byte packing
 * of gguf_get_scale_min_k4, done 4 bytes at a time). */
static inline void k4_scales(const uint8_t s[12], uint8_t sc[8], uint8_t mn[8]) {
    uint32_t u[3];
    memcpy(u, s, 12);
    const uint32_t s03 = u[0] & 0x3F3F3F3Fu, m03 = u[1] & 0x3F3F3F3Fu;
    const uint32_t s47 = (u[2] & 0x0F0F0F0Fu) | ((u[0] >> 6) & 0x03030303u) << 4;
    const uint32_t m47 = ((u[2] >> 4) & 0x0F0F0F0Fu) | ((u[1] >> 6) & 0x03030303u) << 4;
    memcpy(sc, &s03, 4);
    memcpy(sc + 4, &s47, 4);
    memcpy(mn, &m03, 4);
    memcpy(mn + 4, &m47, 4);
}

/* sum_j mn[j] * (bsums[2j] + bsums[2j+1]) */
static inline int k4_min_sum(const uint8_t mn[8], const int16_t bsums[16]) {
    __m128i m8 = _mm_loadl_epi64((const __m128i *)mn);
    m8 = _mm_unpacklo_epi8(m8, m8); /* each min twice */
    const __m256i m16 = _mm256_cvtepu8_epi16(m8);
    return hsum_epi32(_mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)bsums), m16));
}

/* One Q4_K/Q5_K super-block: sum_j sc_j * sum(q*a) over its 8 sub-blocks.
 * qh == NULL for Q4_K. */
static inline __m256i qk_block_isum(const uint8_t *qs, const uint8_t *qh, const int8_t *aq, const uint8_t sc[8]) {
    __m256i isum = _mm256_setzero_si256();
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i hbits = qh ? _mm256_loadu_si256((const __m256i *)qh) : _mm256_setzero_si256();
    for (int c = 0; c < 4; c++) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * c));
        __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        if (qh) {
            const __m256i one = _mm256_set1_epi8(1);
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * c), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hbits, 2 * c + 1), one), 4));
        }
        const __m256i p0 = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(aq + 64 * c)));
        const __m256i p1 = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(aq + 64 * c + 32)));
        isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p0, _mm256_set1_epi16(sc[2 * c])));
        isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p1, _mm256_set1_epi16(sc[2 * c + 1])));
    }
    return isum;
}

static float vec_dot_q4_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_K *x = w;
    const gguf_block_q8_K *y = a;
    __m256 acc = _mm256_setzero_ps();
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        uint8_t sc[8], mn[8];
        k4_scales(x[i].scales, sc, mn);
        const __m256i isum = qk_block_isum(x[i].qs, NULL, y[i].qs, sc);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * y[i].d), _mm256_cvtepi32_ps(isum), acc);
        summ += h2f(x[i].dmin) * y[i].d * (float)k4_min_sum(mn, y[i].bsums);
    }
    return hsum_ps(acc) - summ;
}

static float vec_dot_q5_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_K *x = w;
    const gguf_block_q8_K *y = a;
    __m256 acc = _mm256_setzero_ps();
    float summ = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        uint8_t sc[8], mn[8];
        k4_scales(x[i].scales, sc, mn);
        const __m256i isum = qk_block_isum(x[i].qs, x[i].qh, y[i].qs, sc);
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * y[i].d), _mm256_cvtepi32_ps(isum), acc);
        summ += h2f(x[i].dmin) * y[i].d * (float)k4_min_sum(mn, y[i].bsums);
    }
    return hsum_ps(acc) - summ;
}

static float vec_dot_q6_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q6_K *x = w;
    const gguf_block_q8_K *y = a;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(0x03);
    /* pshufb masks: int16 lane 2k of the half's 8 scales in the low 128 bits, 2k+1 in the high */
    __m256i pick[4];
    for (int k = 0; k < 4; k++) {
        pick[k] = _mm256_setr_epi8((char)(4 * k), (char)(4 * k + 1), (char)(4 * k), (char)(4 * k + 1), (char)(4 * k),
                                   (char)(4 * k + 1), (char)(4 * k), (char)(4 * k + 1), (char)(4 * k), (char)(4 * k + 1),
                                   (char)(4 * k), (char)(4 * k + 1), (char)(4 * k), (char)(4 * k + 1), (char)(4 * k),
                                   (char)(4 * k + 1), (char)(4 * k + 2), (char)(4 * k + 3), (char)(4 * k + 2),
                                   (char)(4 * k + 3), (char)(4 * k + 2), (char)(4 * k + 3), (char)(4 * k + 2),
                                   (char)(4 * k + 3), (char)(4 * k + 2), (char)(4 * k + 3), (char)(4 * k + 2),
                                   (char)(4 * k + 3), (char)(4 * k + 2), (char)(4 * k + 3), (char)(4 * k + 2),
                                   (char)(4 * k + 3));
    }
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 256; i++) {
        const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
        /* the -32 offset: 32 * sum_j sc_j * bsums_j */
        const __m256i corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y[i].bsums), sc16);
        __m256i isum = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = x[i].ql + 64 * h, *qh = x[i].qh + 32 * h;
            const int8_t *aq = y[i].qs + 128 * h;
            const __m256i ql0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i hb = _mm256_loadu_si256((const __m256i *)qh);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_slli_epi16(_mm256_and_si256(hb, m2), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 2), m2), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 4), m2), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                                   _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 6), m2), 4));
            /* this half's 8 scales in both 128-bit lanes */
            const __m256i sh = h ? _mm256_permute4x64_epi64(sc16, 0xEE) : _mm256_permute4x64_epi64(sc16, 0x44);
            for (int k = 0; k < 4; k++) {
                const __m256i p = _mm256_maddubs_epi16(q[k], _mm256_loadu_si256((const __m256i *)(aq + 32 * k)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_shuffle_epi8(sh, pick[k])));
            }
        }
        isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(corr, 5));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(h2f(x[i].d) * y[i].d), _mm256_cvtepi32_ps(isum), acc);
    }
    return hsum_ps(acc);
}

/* ------------------------------------------------------------------------ */
/* gemm_tile                                                                 */
/* ------------------------------------------------------------------------ */

/* Tiles of R weight rows x C activation rows, register-blocked: each weight
 * block is loaded (and unpacked) once per C activation rows, each
 * activation block once per R weight rows. The micro-kernels are inline
 * with constant R, C, so the accumulator arrays live in registers. */
#define TILE_R 4
#define TILE_C 2

#define TILE_ARGS                                                                                       \
    int64_t n, const uint8_t *w, size_t wrb, const uint8_t *a, size_t arb, float *out, size_t os, const int R, \
        const int C

static inline __attribute__((always_inline)) void mk_f32(TILE_ARGS) {
    __m256 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 av[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) av[c] = _mm256_loadu_ps((const float *)(a + c * arb) + i);
        UNROLL
        for (int r = 0; r < R; r++) {
            const __m256 wv = _mm256_loadu_ps((const float *)(w + r * wrb) + i);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(wv, av[c], acc[r][c]);
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum_ps(acc[r][c]);
            for (int64_t k = i; k < n; k++) s += ((const float *)(w + r * wrb))[k] * ((const float *)(a + c * arb))[k];
            out[c * os + r] = s;
        }
    }
}

static inline __attribute__((always_inline)) void mk_f16(TILE_ARGS) {
    __m256 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 av[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) av[c] = load_h8((const uint16_t *)(a + c * arb) + i);
        UNROLL
        for (int r = 0; r < R; r++) {
            const __m256 wv = load_h8((const uint16_t *)(w + r * wrb) + i);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(wv, av[c], acc[r][c]);
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum_ps(acc[r][c]);
            for (int64_t k = i; k < n; k++) {
                s += h2f(((const uint16_t *)(w + r * wrb))[k]) * h2f(((const uint16_t *)(a + c * arb))[k]);
            }
            out[c * os + r] = s;
        }
    }
}

static inline __attribute__((always_inline)) void mk_bf16(TILE_ARGS) {
    __m256 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 av[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) av[c] = load_bf8((const uint16_t *)(a + c * arb) + i);
        UNROLL
        for (int r = 0; r < R; r++) {
            const __m256 wv = load_bf8((const uint16_t *)(w + r * wrb) + i);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(wv, av[c], acc[r][c]);
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum_ps(acc[r][c]);
            for (int64_t k = i; k < n; k++) {
                s += gguf_bf16_to_fp32(((const uint16_t *)(w + r * wrb))[k]) * gguf_bf16_to_fp32(((const uint16_t *)(a + c * arb))[k]);
            }
            out[c * os + r] = s;
        }
    }
}

/* Q8_0 (q4 = 0) or Q4_0 (q4 = 1) weights, Q8_0 activations */
static inline __attribute__((always_inline)) void mk_q80(TILE_ARGS, const int q4) {
    __m256 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    const size_t wbb = q4 ? sizeof(gguf_block_q4_0) : sizeof(gguf_block_q8_0);
    for (int64_t b = 0; b < n / 32; b++) {
        __m256i av[TILE_C];
        float da[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) {
            const gguf_block_q8_0 *ab = (const gguf_block_q8_0 *)(a + c * arb) + b;
            av[c] = _mm256_loadu_si256((const __m256i *)ab->qs);
            da[c] = h2f(ab->d);
        }
        UNROLL
        for (int r = 0; r < R; r++) {
            const uint8_t *wb = w + r * wrb + (size_t)b * wbb;
            const __m256i wq = q4 ? w_q4_0((const gguf_block_q4_0 *)wb)
                                  : _mm256_loadu_si256((const __m256i *)((const gguf_block_q8_0 *)wb)->qs);
            const float dw = h2f(*(const uint16_t *)wb);
            const __m256i aw = _mm256_sign_epi8(wq, wq);
            UNROLL
            for (int c = 0; c < C; c++) {
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(aw, _mm256_sign_epi8(av[c], wq)), _mm256_set1_epi16(1));
                acc[r][c] = _mm256_fmadd_ps(_mm256_set1_ps(dw * da[c]), _mm256_cvtepi32_ps(p), acc[r][c]);
            }
        }
    }
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) out[c * os + r] = hsum_ps(acc[r][c]);
}

static inline __attribute__((always_inline)) void mk_q8_0(TILE_ARGS) {
    mk_q80(n, w, wrb, a, arb, out, os, R, C, 0);
}

static inline __attribute__((always_inline)) void mk_q4_0(TILE_ARGS) {
    mk_q80(n, w, wrb, a, arb, out, os, R, C, 1);
}

/* A tile of nr x nc from micro-kernels of TILE_R x TILE_C (and the edges). */
#define DEFINE_TILE(tname, mk)                                                                                \
    static void tname(int64_t n, const void *w, size_t wrb, int nr, const void *a, size_t arb, int nc, float *out, \
                      size_t os) {                                                                            \
        for (int c0 = 0; c0 < nc; c0 += TILE_C) {                                                             \
            const int cc = nc - c0 < TILE_C ? nc - c0 : TILE_C;                                               \
            const uint8_t *ac = (const uint8_t *)a + (size_t)c0 * arb;                                        \
            for (int r0 = 0; r0 < nr; r0 += TILE_R) {                                                         \
                const int rr = nr - r0 < TILE_R ? nr - r0 : TILE_R;                                           \
                const uint8_t *wr = (const uint8_t *)w + (size_t)r0 * wrb;                                    \
                float *o = out + (size_t)c0 * os + (size_t)r0;                                                \
                switch (rr * 8 + cc) {                                                                        \
                case 4 * 8 + 2: mk(n, wr, wrb, ac, arb, o, os, 4, 2); break;                                  \
                case 4 * 8 + 1: mk(n, wr, wrb, ac, arb, o, os, 4, 1); break;                                  \
                case 3 * 8 + 2: mk(n, wr, wrb, ac, arb, o, os, 3, 2); break;                                  \
                case 3 * 8 + 1: mk(n, wr, wrb, ac, arb, o, os, 3, 1); break;                                  \
                case 2 * 8 + 2: mk(n, wr, wrb, ac, arb, o, os, 2, 2); break;                                  \
                case 2 * 8 + 1: mk(n, wr, wrb, ac, arb, o, os, 2, 1); break;                                  \
                case 1 * 8 + 2: mk(n, wr, wrb, ac, arb, o, os, 1, 2); break;                                  \
                default: mk(n, wr, wrb, ac, arb, o, os, 1, 1); break;                                         \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

DEFINE_TILE(tile_f32, mk_f32)
DEFINE_TILE(tile_f16, mk_f16)
DEFINE_TILE(tile_bf16, mk_bf16)
DEFINE_TILE(tile_q8_0, mk_q8_0)
DEFINE_TILE(tile_q4_0, mk_q4_0)

/* Types without a register-blocked tile: one vec_dot per output. */
CPU_DEFINE_DOT_TILE(tile_q4_1, vec_dot_q4_1)
CPU_DEFINE_DOT_TILE(tile_q5_0, vec_dot_q5_0)
CPU_DEFINE_DOT_TILE(tile_q5_1, vec_dot_q5_1)
CPU_DEFINE_DOT_TILE(tile_q4_K, vec_dot_q4_K)
CPU_DEFINE_DOT_TILE(tile_q5_K, vec_dot_q5_K)
CPU_DEFINE_DOT_TILE(tile_q6_K, vec_dot_q6_K)

static const cpu_kernels TABLE = {
    .level = CPU_SIMD_AVX2,
    .name = "avx2",
    .quantize_act = {
        [GGUF_TYPE_F16] = quant_f16,
        [GGUF_TYPE_BF16] = quant_bf16,
        [GGUF_TYPE_Q8_0] = quant_q8_0,
        [GGUF_TYPE_Q8_1] = quant_q8_1,
        [GGUF_TYPE_Q8_K] = quant_q8_K,
    },
    CPU_LEVEL_DOT_TABLES,
    .dot_f32 = dot_f32,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f32 = axpy_f32,
    .axpy_f16 = axpy_f16,
};

const cpu_kernels *cpu_kernels_avx2(void) {
    return &TABLE;
}

#else /* compiler without AVX2/FMA/F16C for this file */

const cpu_kernels *cpu_kernels_avx2(void) {
    return NULL;
}

#endif
