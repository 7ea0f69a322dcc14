/* simd_avx512.c - AVX-512 (F, BW, VL, DQ) + VNNI kernels, compiled with those
 * instruction sets plus AVX2/FMA/F16C; kernels.c calls them only after a
 * run-time CPU check. Kernels not specialised here come from simd_avx2.c.
 *
 * Integer dot products use VNNI's vpdpbusd (u8 x s8, four products summed
 * into each s32 lane). Weights that are signed get an offset so that they
 * are unsigned: a Q4_0 nibble q is used as is and 8*sum(a) is subtracted
 * (dot((q-8), a) = dot(q, a) - 8 sum(a)); a Q8_0 weight w becomes w+128 (xor
 * 0x80) and 128*sum(a) is subtracted. The sums of a come from vpdpbusd with a
 * constant vector, once per activation block, shared by all weight rows of a
 * tile. Where the data are signed on both sides and no tile shares the
 * correction (vec_dot of Q8_0), |w| x sign(a, w) is used instead.
 *
 * fp16 block scales are converted 8 at a time (F16C on a vector of 8
 * halves) rather than one by one: per block that was the largest cost of
 * the decode loops.
 */
#include "simd.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__AVX512VNNI__) && \
    defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <immintrin.h>
#include <string.h>

/* fully unroll the small fixed loops of the micro-kernels (R, C <= 4), so
 * that accumulator arrays become registers; -O2 alone keeps them in memory */
#define UNROLL _Pragma("GCC unroll 4")

/* ------------------------------------------------------------------------ */
/* helpers                                                                   */
/* ------------------------------------------------------------------------ */

static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float hsum16(__m512 v) {
    return hsum8(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

static inline float h2f(uint16_t h) {
    return _cvtsh_ss(h);
}

static inline __m512 load_h16(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
}

/* 32 bfloat16 at p as two vectors of 16 floats: the even elements (low
 * halves of each u32, moved up) and the odd ones (high halves, masked). A
 * bf16 is the top half of an f32, and a dot product does not care about
 * the order of its terms, so no shuffles are needed. */
static inline void load_bf16x32(const uint16_t *p, __m512 *even, __m512 *odd) {
    const __m512i v = _mm512_loadu_si512(p);
    *even = _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
    *odd = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32((int)0xFFFF0000u)));
}

/* 16 bytes of nibbles -> 32 bytes: low nibbles in bytes 0..15, high in 16..31 */
static inline __m256i nibbles32(const uint8_t *p) {
    const __m128i x = _mm_loadu_si128((const __m128i *)p);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(x, 4), x), _mm256_set1_epi8(0x0F));
}

/* ------------------------------------------------------------------------ */
/* float helpers                                                             */
/* ------------------------------------------------------------------------ */

static float dot_f32(int64_t n, const float *x, const float *y) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int k = 0; k < 4; k++) {
            acc[k] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16 * k), _mm512_loadu_ps(y + i + 16 * k), acc[k]);
        }
    }
    for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i), acc[0]);
    if (i < n) { /* masked tail */
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        acc[1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i), acc[1]);
    }
    return hsum16(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

static float dot_f32_f16(int64_t n, const float *x, const uint16_t *y) {
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int k = 0; k < 4; k++) acc[k] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i + 16 * k), load_h16(y + i + 16 * k), acc[k]);
    }
    for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + i), load_h16(y + i), acc[0]);
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        const __m512 yv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, y + i));
        acc[1] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i), yv, acc[1]);
    }
    return hsum16(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

static void axpy_f32(int64_t n, float a, const float *x, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
}

static void axpy_f16(int64_t n, float a, const uint16_t *x, float *y) {
    const __m512 va = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, load_h16(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        const __m512 xv = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i));
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, xv, _mm512_maskz_loadu_ps(m, y + i)));
    }
}

/* ------------------------------------------------------------------------ */
/* vec_dot                                                                   */
/* ------------------------------------------------------------------------ */

static float vec_dot_f32(int64_t n, const void *w, const void *a) {
    return dot_f32(n, w, a);
}

static float vec_dot_f16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int k = 0; k < 4; k++) acc[k] = _mm512_fmadd_ps(load_h16(x + i + 16 * k), load_h16(y + i + 16 * k), acc[k]);
    }
    for (; i + 16 <= n; i += 16) acc[0] = _mm512_fmadd_ps(load_h16(x + i), load_h16(y + i), acc[0]);
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);
        acc[1] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + i)),
                                 _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, y + i)), acc[1]);
    }
    return hsum16(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

static float vec_dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        for (int k = 0; k < 2; k++) {
            __m512 xe, xo, ye, yo;
            load_bf16x32(x + i + 32 * k, &xe, &xo);
            load_bf16x32(y + i + 32 * k, &ye, &yo);
            acc[2 * k] = _mm512_fmadd_ps(xe, ye, acc[2 * k]);
            acc[2 * k + 1] = _mm512_fmadd_ps(xo, yo, acc[2 * k + 1]);
        }
    }
    for (; i + 32 <= n; i += 32) {
        __m512 xe, xo, ye, yo;
        load_bf16x32(x + i, &xe, &xo);
        load_bf16x32(y + i, &ye, &yo);
        acc[0] = _mm512_fmadd_ps(xe, ye, acc[0]);
        acc[1] = _mm512_fmadd_ps(xo, yo, acc[1]);
    }
    float sum = hsum16(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
    for (; i < n; i++) sum += gguf_bf16_to_fp32(x[i]) * gguf_bf16_to_fp32(y[i]);
    return sum;
}

/* (q - 8) . a for Q4_0 nibbles q, as 8 s32 partial sums (one block, ymm) */
static inline __m256i dot_q4(__m256i q, __m256i a) {
    const __m256i z = _mm256_setzero_si256();
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(z, q, a), _mm256_dpbusd_epi32(z, _mm256_set1_epi8(8), a));
}

/* signed w . signed a over 32 bytes, as 8 s32 partial sums (one block, ymm) */
static inline __m256i dot_i8(__m256i w, __m256i a) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(a, w));
}

/* Two blocks per zmm: 128-bit lanes 0,1 = elements 0..15, 16..31 of the
 * first block, lanes 2,3 those of the second; s32 lanes 0..7 then hold the
 * first block's partial sums and 8..15 the second's. */

/* Q4_0 nibbles of blocks b[0], b[1] in that layout (unsigned 0..15) */
static inline __m512i q4_pair(const gguf_block_q4_0 *b) {
    __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)b[0].qs));
    v = _mm512_mask_broadcast_i32x4(v, 0xFF00, _mm_loadu_si128((const __m128i *)b[1].qs)); /* lanes 2,3 */
    v = _mm512_mask_srli_epi16(v, 0xFF00FF00u, v, 4);                                      /* lanes 1,3: high nibbles */
    return _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
}

/* 32 bytes at p and 32 at q as one zmm */
static inline __m512i load_2x32(const int8_t *p, const int8_t *q) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p)),
                              _mm256_loadu_si256((const __m256i *)q), 1);
}

/* The fp16 d of 8 consecutive Q4_0 blocks (18 bytes: d at words 0, 9, ..., 63
 * of the first 128 bytes) as floats: one word permute across two zmm. */
static inline __m256 d8_q4_0(const gguf_block_q4_0 *b) {
    static const uint16_t IDX[32] = {0, 9, 18, 27, 36, 45, 54, 63};
    const __m512i idx = _mm512_loadu_si512(IDX);
    const __m512i h = _mm512_permutex2var_epi16(_mm512_loadu_si512(b), idx, _mm512_loadu_si512((const uint8_t *)b + 64));
    return _mm256_cvtph_ps(_mm512_castsi512_si128(h));
}

/* The same for 8 consecutive Q8_0 blocks (34 bytes: d at words 0, 17, 34, 51
 * of each group of 4 blocks). */
static inline __m256 d8_q8_0(const gguf_block_q8_0 *b) {
    static const uint16_t IDX[32] = {0, 17, 34, 51};
    const __m512i idx = _mm512_loadu_si512(IDX);
    const uint8_t *p = (const uint8_t *)b;
    const __m512i h0 = _mm512_permutex2var_epi16(_mm512_loadu_si512(p), idx, _mm512_loadu_si512(p + 64));
    const __m512i h1 = _mm512_permutex2var_epi16(_mm512_loadu_si512(p + 136), idx, _mm512_loadu_si512(p + 200));
    return _mm256_cvtph_ps(_mm_unpacklo_epi64(_mm512_castsi512_si128(h0), _mm512_castsi512_si128(h1)));
}

/* lanes 0..7 = s[2p], lanes 8..15 = s[2p+1] */
static inline __m512 pair_scale(__m256 s, int p) {
    const __m512i idx = _mm512_setr_epi32(2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p, 2 * p + 1, 2 * p + 1,
                                          2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1);
    return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(s));
}

static float vec_dot_q4_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_0 *x = w;
    const gguf_block_q8_0 *y = a;
    const int64_t nb = n / 32;
    const __m512i z = _mm512_setzero_si512(), eight = _mm512_set1_epi8(8);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= nb; i += 8) {
        const __m256 s = _mm256_mul_ps(d8_q4_0(x + i), d8_q8_0(y + i));
#pragma GCC unroll 4
        for (int p = 0; p < 4; p++) {
            const __m512i av = load_2x32(y[i + 2 * p].qs, y[i + 2 * p + 1].qs);
            const __m512i dp = _mm512_sub_epi32(_mm512_dpbusd_epi32(z, q4_pair(x + i + 2 * p), av),
                                                _mm512_dpbusd_epi32(z, eight, av));
            if (p & 1) acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc1);
            else acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc0);
        }
    }
    float sum = hsum16(_mm512_add_ps(acc0, acc1));
    __m256 acc = _mm256_setzero_ps();
    for (; i < nb; i++) {
        const __m256i p = dot_q4(nibbles32(x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), acc);
    }
    return sum + hsum8(acc);
}

static float vec_dot_q8_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q8_0 *x = w, *y = a;
    const int64_t nb = n / 32;
    const __m512i z = _mm512_setzero_si512(), off = _mm512_set1_epi8((char)0x80);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= nb; i += 8) {
        const __m256 s = _mm256_mul_ps(d8_q8_0(x + i), d8_q8_0(y + i));
#pragma GCC unroll 4
        for (int p = 0; p < 4; p++) {
            const __m512i av = load_2x32(y[i + 2 * p].qs, y[i + 2 * p + 1].qs);
            const __m512i wu = _mm512_xor_si512(load_2x32(x[i + 2 * p].qs, x[i + 2 * p + 1].qs), off); /* w + 128 */
            const __m512i dp = _mm512_sub_epi32(_mm512_dpbusd_epi32(z, wu, av), _mm512_dpbusd_epi32(z, off, av));
            if (p & 1) acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc1);
            else acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc0);
        }
    }
    float sum = hsum16(_mm512_add_ps(acc0, acc1));
    __m256 acc = _mm256_setzero_ps();
    for (; i < nb; i++) {
        const __m256i p = dot_i8(_mm256_loadu_si256((const __m256i *)x[i].qs), _mm256_loadu_si256((const __m256i *)y[i].qs));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(h2f(x[i].d) * h2f(y[i].d)), acc);
    }
    return sum + hsum8(acc);
}

/* ---- Q4_1 / Q5_0 / Q5_1: the Q4_0 scheme with the other block layouts ---- */

/* The fp16 fields at byte `off` of 4 consecutive blocks of `stride` bytes, as
 * 4 halves in the low 64 bits: one word permute over the first 64 bytes and
 * a masked load (no access past the words used) of the next ones. */
static inline __m128i h4_fields(const uint8_t *p, int stride, int off) {
    const int w0 = off / 2, ws = stride / 2, wmax = w0 + 3 * ws;
    const __m512i idx = _mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (w0 + 3 * ws) << 16 | (w0 + 2 * ws),
                                         (w0 + ws) << 16 | w0);
    const __m512i lo = _mm512_loadu_si512(p); /* 4 blocks are >= 64 bytes */
    const __m512i hi = wmax >= 32 ? _mm512_maskz_loadu_epi16((__mmask32)((1u << (wmax - 31)) - 1u), p + 64)
                                  : _mm512_setzero_si512();
    return _mm512_castsi512_si128(_mm512_permutex2var_epi16(lo, idx, hi));
}

/* the fp16 fields at byte `off` of 8 consecutive blocks, as floats */
static inline __m256 h8_fields(const void *blocks, int stride, int off) {
    const uint8_t *p = blocks;
    return _mm256_cvtph_ps(_mm_unpacklo_epi64(h4_fields(p, stride, off), h4_fields(p + 4 * stride, stride, off)));
}

/* nibbles of two blocks' qs (16 bytes each) in the pair layout */
static inline __m512i nib_pair(const uint8_t *qs0, const uint8_t *qs1) {
    __m512i v = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)qs0));
    v = _mm512_mask_broadcast_i32x4(v, 0xFF00, _mm_loadu_si128((const __m128i *)qs1));
    v = _mm512_mask_srli_epi16(v, 0xFF00FF00u, v, 4);
    return _mm512_and_si512(v, _mm512_set1_epi8(0x0F));
}

/* add the 5th bit (16) of two Q5 blocks: in the pair layout, byte e of the
 * first 32 is element e of block 0, whose bit is bit e of its qh */
static inline __m512i add_qh_pair(__m512i v, const uint8_t *qh0, const uint8_t *qh1) {
    uint32_t h0, h1;
    memcpy(&h0, qh0, 4);
    memcpy(&h1, qh1, 4);
    return _mm512_mask_add_epi8(v, (__mmask64)h0 | (__mmask64)h1 << 32, v, _mm512_set1_epi8(16));
}

/* Shared loop of the 32-element types: dp(pair) gives the s32 partial sums
 * of two blocks, and for the "_1" types m*s is added per block. */
#define PAIR_DOT_LOOP(WB, AB, pair_expr, has_min)                                                        \
    const int64_t nb = n / 32;                                                                            \
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();                                        \
    __m256 accm = _mm256_setzero_ps();                                                                    \
    int64_t i = 0;                                                                                        \
    for (; i + 8 <= nb; i += 8) {                                                                         \
        const __m256 s = _mm256_mul_ps(h8_fields(x + i, (int)sizeof(WB), 0), h8_fields(y + i, (int)sizeof(AB), 0)); \
        if (has_min) accm = _mm256_fmadd_ps(h8_fields(x + i, (int)sizeof(WB), 2), h8_fields(y + i, (int)sizeof(AB), 2), accm); \
        _Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {                                             \
            const int64_t k = i + 2 * p;                                                                  \
            const __m512i av = load_2x32(y[k].qs, y[k + 1].qs);                                           \
            const __m512i dp = (pair_expr);                                                               \
            if (p & 1) acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc1);           \
            else acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s, p), acc0);                 \
        }                                                                                                 \
    }                                                                                                     \
    float sum = hsum16(_mm512_add_ps(acc0, acc1)) + hsum8(accm);

static float vec_dot_q4_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_1 *x = w;
    const gguf_block_q8_1 *y = a;
    const __m512i z = _mm512_setzero_si512();
    PAIR_DOT_LOOP(gguf_block_q4_1, gguf_block_q8_1, _mm512_dpbusd_epi32(z, nib_pair(x[k].qs, x[k + 1].qs), av), 1)
    for (; i < nb; i++) { /* tail: the reference arithmetic per block */
        sum += gguf_vec_dot_q4_1_q8_1(32, &x[i], &y[i]);
    }
    return sum;
}

static float vec_dot_q5_1(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_1 *x = w;
    const gguf_block_q8_1 *y = a;
    const __m512i z = _mm512_setzero_si512();
    PAIR_DOT_LOOP(gguf_block_q5_1, gguf_block_q8_1,
                  _mm512_dpbusd_epi32(z, add_qh_pair(nib_pair(x[k].qs, x[k + 1].qs), x[k].qh, x[k + 1].qh), av), 1)
    for (; i < nb; i++) sum += gguf_vec_dot_q5_1_q8_1(32, &x[i], &y[i]);
    return sum;
}

static float vec_dot_q5_0(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_0 *x = w;
    const gguf_block_q8_0 *y = a;
    const __m512i z = _mm512_setzero_si512(), k16 = _mm512_set1_epi8(16);
    PAIR_DOT_LOOP(gguf_block_q5_0, gguf_block_q8_0,
                  _mm512_sub_epi32(_mm512_dpbusd_epi32(z, add_qh_pair(nib_pair(x[k].qs, x[k + 1].qs), x[k].qh, x[k + 1].qh), av),
                                   _mm512_dpbusd_epi32(z, k16, av)),
                  0)
    for (; i < nb; i++) sum += gguf_vec_dot_q5_0_q8_0(32, &x[i], &y[i]);
    return sum;
}

/* ---- K-quants: a zmm holds two 32-element groups ---- */

/* i16 vector: lanes 0..15 = s16[j0], lanes 16..31 = s16[j1] (s16: scales as i16) */
static inline __m512i scale_pair16(__m512i s16, int j0, int j1) {
    return _mm512_permutexvar_epi16(_mm512_mask_set1_epi16(_mm512_set1_epi16((short)j0), 0xFFFF0000u, (short)j1), s16);
}

/* 32 bytes at p and at q as one zmm */
static inline __m512i load_2x32u(const uint8_t *p, const uint8_t *q) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p)),
                              _mm256_loadu_si256((const __m256i *)q), 1);
}

/* sum_j sc_j * sum(q*a) of a Q4_K/Q5_K super-block (qh NULL for Q4_K).
 * qs bytes 64g..64g+63 are chunks 2g, 2g+1: low nibbles = sub-blocks 4g,
 * 4g+2, high nibbles = 4g+1, 4g+3; the 5th bit of chunk c's low/high half is
 * bit 2c / 2c+1 of qh. */
static inline int qk_isum512(const uint8_t *qs, const uint8_t *qh, const int8_t *aq, const uint8_t sc[8]) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), one = _mm512_set1_epi8(1);
    const __m512i s16 = _mm512_cvtepu8_epi16(_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)sc)));
    const __m512i hb = qh ? _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)qh)) : _mm512_setzero_si512();
    __m512i isum = _mm512_setzero_si512();
    for (int g = 0; g < 2; g++) {
        const __m512i q = _mm512_loadu_si512(qs + 64 * g);
        __m512i lo = _mm512_and_si512(q, m4), hi = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
        if (qh) {
            /* shift counts per 256-bit half: chunk 2g in the low half, 2g+1 in the high */
            const __m512i clo = _mm512_mask_set1_epi16(_mm512_set1_epi16((short)(4 * g)), 0xFFFF0000u, (short)(4 * g + 2));
            const __m512i chi = _mm512_add_epi16(clo, _mm512_set1_epi16(1));
            lo = _mm512_or_si512(lo, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, clo), one), 4));
            hi = _mm512_or_si512(hi, _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, chi), one), 4));
        }
        const __m512i alo = load_2x32u((const uint8_t *)aq + 128 * g, (const uint8_t *)aq + 128 * g + 64);
        const __m512i ahi = load_2x32u((const uint8_t *)aq + 128 * g + 32, (const uint8_t *)aq + 128 * g + 96);
        isum = _mm512_add_epi32(isum, _mm512_madd_epi16(_mm512_maddubs_epi16(lo, alo), scale_pair16(s16, 4 * g, 4 * g + 2)));
        isum = _mm512_add_epi32(isum, _mm512_madd_epi16(_mm512_maddubs_epi16(hi, ahi), scale_pair16(s16, 4 * g + 1, 4 * g + 3)));
    }
    return _mm512_reduce_add_epi32(isum);
}

/* The 8 scales and 8 mins of a Q4_K/Q5_K block (gguf_get_scale_min_k4's
 * packing, 4 bytes at a time). */
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
    m8 = _mm_unpacklo_epi8(m8, m8);
    const __m256i p = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)bsums), _mm256_cvtepu8_epi16(m8));
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256(p, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(1, 0, 3, 2)));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(t);
}

static float vec_dot_q4_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q4_K *x = w;
    const gguf_block_q8_K *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        uint8_t sc[8], mn[8];
        k4_scales(x[i].scales, sc, mn);
        const int isum = qk_isum512(x[i].qs, NULL, y[i].qs, sc);
        sum += h2f(x[i].d) * y[i].d * (float)isum - h2f(x[i].dmin) * y[i].d * (float)k4_min_sum(mn, y[i].bsums);
    }
    return sum;
}

static float vec_dot_q5_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q5_K *x = w;
    const gguf_block_q8_K *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        uint8_t sc[8], mn[8];
        k4_scales(x[i].scales, sc, mn);
        const int isum = qk_isum512(x[i].qs, x[i].qh, y[i].qs, sc);
        sum += h2f(x[i].d) * y[i].d * (float)isum - h2f(x[i].dmin) * y[i].d * (float)k4_min_sum(mn, y[i].bsums);
    }
    return sum;
}

/* Q6_K: per 128-element half, ql bytes 0..63 as one zmm: low nibbles are
 * elements 0..63 of the half (in order), high nibbles 64..127; their 2 high
 * bits are bits (0,1 | 2,3) and (4,5 | 6,7) of qh[l] for the two 256-bit halves. */
static float vec_dot_q6_K(int64_t n, const void *w, const void *a) {
    const gguf_block_q6_K *x = w;
    const gguf_block_q8_K *y = a;
    const __m512i m4 = _mm512_set1_epi8(0x0F), m2 = _mm512_set1_epi8(0x03);
    const __m512i c02 = _mm512_mask_set1_epi16(_mm512_setzero_si512(), 0xFFFF0000u, 2);
    const __m512i c46 = _mm512_mask_set1_epi16(_mm512_set1_epi16(4), 0xFFFF0000u, 6);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / 256; i++) {
        const __m256i sc16y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x[i].scales));
        const __m512i sc16 = _mm512_castsi256_si512(sc16y);
        __m512i isum = _mm512_setzero_si512();
        for (int h = 0; h < 2; h++) {
            const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * h);
            const __m512i hb = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x[i].qh + 32 * h)));
            const __m512i qlo = _mm512_or_si512(_mm512_and_si512(l, m4),
                                                _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, c02), m2), 4));
            const __m512i qhi = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                                                _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(hb, c46), m2), 4));
            /* i16 lane k of a product covers elements 2k, 2k+1: scale index (2k)/16 = k/8 */
            const __m512i ilo = _mm512_add_epi16(_mm512_set1_epi16((short)(8 * h)),
                                                 _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
                                                                                    15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), 3));
            const __m512i ihi = _mm512_add_epi16(ilo, _mm512_set1_epi16(4));
            const __m512i p0 = _mm512_maddubs_epi16(qlo, _mm512_loadu_si512(y[i].qs + 128 * h));
            const __m512i p1 = _mm512_maddubs_epi16(qhi, _mm512_loadu_si512(y[i].qs + 128 * h + 64));
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(p0, _mm512_permutexvar_epi16(ilo, sc16)));
            isum = _mm512_add_epi32(isum, _mm512_madd_epi16(p1, _mm512_permutexvar_epi16(ihi, sc16)));
        }
        /* levels are q - 32: subtract 32 * sum_j sc_j * bsums_j */
        const __m256i corr = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)y[i].bsums), sc16y);
        const int c = _mm512_reduce_add_epi32(_mm512_zextsi256_si512(corr));
        sum += h2f(x[i].d) * y[i].d * (float)(_mm512_reduce_add_epi32(isum) - 32 * c);
    }
    return sum;
}

/* ------------------------------------------------------------------------ */
/* gemm_tile                                                                 */
/* ------------------------------------------------------------------------ */

/* Micro-tiles of R weight rows x C activation rows (inline, constant R and C:
 * the accumulators stay in registers; 32 vector registers here). The
 * largest shape per kernel is chosen by measurement (bench/kernels.c on Zen 4):
 * 4 x 2 for Q8_0/Q4_0 (4 x 4 spills and ran 30% slower), 4 x 4 for F32/F16/BF16. */
#define TILE_R 4
#define TILE_C 4

#define TILE_ARGS                                                                                       \
    int64_t n, const uint8_t *w, size_t wrb, const uint8_t *a, size_t arb, float *out, size_t os, const int R, \
        const int C

static inline __attribute__((always_inline)) void mk_f32(TILE_ARGS) {
    __m512 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 av[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) av[c] = _mm512_loadu_ps((const float *)(a + c * arb) + i);
        UNROLL
        for (int r = 0; r < R; r++) {
            const __m512 wv = _mm512_loadu_ps((const float *)(w + r * wrb) + i);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(wv, av[c], acc[r][c]);
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum16(acc[r][c]);
            for (int64_t k = i; k < n; k++) s += ((const float *)(w + r * wrb))[k] * ((const float *)(a + c * arb))[k];
            out[c * os + r] = s;
        }
    }
}

static inline __attribute__((always_inline)) void mk_f16(TILE_ARGS) {
    __m512 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 av[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) av[c] = load_h16((const uint16_t *)(a + c * arb) + i);
        UNROLL
        for (int r = 0; r < R; r++) {
            const __m512 wv = load_h16((const uint16_t *)(w + r * wrb) + i);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(wv, av[c], acc[r][c]);
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum16(acc[r][c]);
            for (int64_t k = i; k < n; k++) {
                s += h2f(((const uint16_t *)(w + r * wrb))[k]) * h2f(((const uint16_t *)(a + c * arb))[k]);
            }
            out[c * os + r] = s;
        }
    }
}

static inline __attribute__((always_inline)) void mk_bf16(TILE_ARGS) {
    __m512 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 ae[TILE_C], ao[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) load_bf16x32((const uint16_t *)(a + c * arb) + i, &ae[c], &ao[c]);
        UNROLL
        for (int r = 0; r < R; r++) {
            __m512 we, wo;
            load_bf16x32((const uint16_t *)(w + r * wrb) + i, &we, &wo);
            UNROLL
            for (int c = 0; c < C; c++) acc[r][c] = _mm512_fmadd_ps(wo, ao[c], _mm512_fmadd_ps(we, ae[c], acc[r][c]));
        }
    }
    UNROLL
    for (int r = 0; r < R; r++) {
        UNROLL
        for (int c = 0; c < C; c++) {
            float s = hsum16(acc[r][c]);
            for (int64_t k = i; k < n; k++) {
                s += gguf_bf16_to_fp32(((const uint16_t *)(w + r * wrb))[k]) * gguf_bf16_to_fp32(((const uint16_t *)(a + c * arb))[k]);
            }
            out[c * os + r] = s;
        }
    }
}

/* Q8_0 (q4 = 0) or Q4_0 (q4 = 1) weights x Q8_0 activations, with the
 * unsigned-offset form of the weights (see the header comment). Groups of 8
 * blocks go two blocks per zmm, their fp16 scales converted 8 at a time and
 * multiplied once per (row, column) of the tile; the remaining blocks go one
 * per ymm. */
static inline __attribute__((always_inline)) void mk_q80(TILE_ARGS, const int q4) {
    const size_t wbb = q4 ? sizeof(gguf_block_q4_0) : sizeof(gguf_block_q8_0);
    const __m512i offz = _mm512_set1_epi8(q4 ? 8 : (char)0x80); /* u8 offset of the weights */
    const __m512i zz = _mm512_setzero_si512();
    __m512 accz[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) accz[r][c] = _mm512_setzero_ps();
    const int64_t nb = n / 32;
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256 s8[TILE_R][TILE_C], da8[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) da8[c] = d8_q8_0((const gguf_block_q8_0 *)(a + c * arb) + b);
        UNROLL
        for (int r = 0; r < R; r++) {
            const uint8_t *wb = w + r * wrb + (size_t)b * wbb;
            const __m256 dw8 = q4 ? d8_q4_0((const gguf_block_q4_0 *)wb) : d8_q8_0((const gguf_block_q8_0 *)wb);
            UNROLL
            for (int c = 0; c < C; c++) s8[r][c] = _mm256_mul_ps(dw8, da8[c]);
        }
        UNROLL
        for (int p = 0; p < 4; p++) {
            __m512i av[TILE_C], corr[TILE_C];
            UNROLL
            for (int c = 0; c < C; c++) {
                const gguf_block_q8_0 *ab = (const gguf_block_q8_0 *)(a + c * arb) + b + 2 * p;
                av[c] = load_2x32(ab[0].qs, ab[1].qs);
                corr[c] = _mm512_sub_epi32(zz, _mm512_dpbusd_epi32(zz, offz, av[c])); /* -offset * sum(a) */
            }
            UNROLL
            for (int r = 0; r < R; r++) {
                const uint8_t *wb = w + r * wrb + (size_t)(b + 2 * p) * wbb;
                const __m512i wu = q4 ? q4_pair((const gguf_block_q4_0 *)wb)
                                      : _mm512_xor_si512(load_2x32(((const gguf_block_q8_0 *)wb)[0].qs,
                                                                   ((const gguf_block_q8_0 *)wb)[1].qs), offz);
                UNROLL
                for (int c = 0; c < C; c++) {
                    const __m512i dp = _mm512_dpbusd_epi32(corr[c], wu, av[c]);
                    accz[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), pair_scale(s8[r][c], p), accz[r][c]);
                }
            }
        }
    }
    /* the last n/32 mod 8 blocks, one per ymm */
    __m256 acc[TILE_R][TILE_C];
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();
    const __m256i off = _mm512_castsi512_si256(offz);
    const __m256i z = _mm256_setzero_si256();
    for (; b < nb; b++) {
        __m256i av[TILE_C], corr[TILE_C];
        __m256 da[TILE_C];
        UNROLL
        for (int c = 0; c < C; c++) {
            const gguf_block_q8_0 *ab = (const gguf_block_q8_0 *)(a + c * arb) + b;
            av[c] = _mm256_loadu_si256((const __m256i *)ab->qs);
            corr[c] = _mm256_sub_epi32(z, _mm256_dpbusd_epi32(z, off, av[c]));
            da[c] = _mm256_set1_ps(h2f(ab->d));
        }
        UNROLL
        for (int r = 0; r < R; r++) {
            const uint8_t *wb = w + r * wrb + (size_t)b * wbb;
            const __m256i wu = q4 ? nibbles32(((const gguf_block_q4_0 *)wb)->qs)
                                  : _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)((const gguf_block_q8_0 *)wb)->qs), off);
            uint16_t dh;
            memcpy(&dh, wb, 2);
            const __m256 dw = _mm256_set1_ps(h2f(dh));
            UNROLL
            for (int c = 0; c < C; c++) {
                const __m256i p = _mm256_dpbusd_epi32(corr[c], wu, av[c]);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(dw, da[c]), acc[r][c]);
            }
        }
    }
    UNROLL
    for (int r = 0; r < R; r++)
        UNROLL
        for (int c = 0; c < C; c++) out[c * os + r] = hsum16(accz[r][c]) + hsum8(acc[r][c]);
}

static inline __attribute__((always_inline)) void mk_q8_0(TILE_ARGS) {
    mk_q80(n, w, wrb, a, arb, out, os, R, C, 0);
}

static inline __attribute__((always_inline)) void mk_q4_0(TILE_ARGS) {
    mk_q80(n, w, wrb, a, arb, out, os, R, C, 1);
}

/* nr x nc from TILE_R x TILE_C micro-tiles and the edge shapes */
#define MK_CASE(mk, r, c) \
    case (r) * 8 + (c): mk(n, wr, wrb, ac, arb, o, os, r, c); break;
#define DEFINE_TILE(tname, mk, MAXC)                                                                          \
    static void tname(int64_t n, const void *w, size_t wrb, int nr, const void *a, size_t arb, int nc, float *out, \
                      size_t os) {                                                                            \
        for (int c0 = 0; c0 < nc; c0 += (MAXC)) {                                                             \
            const int cc = nc - c0 < (MAXC) ? nc - c0 : (MAXC);                                               \
            const uint8_t *ac = (const uint8_t *)a + (size_t)c0 * arb;                                        \
            for (int r0 = 0; r0 < nr; r0 += TILE_R) {                                                         \
                const int rr = nr - r0 < TILE_R ? nr - r0 : TILE_R;                                           \
                const uint8_t *wr = (const uint8_t *)w + (size_t)r0 * wrb;                                    \
                float *o = out + (size_t)c0 * os + (size_t)r0;                                                \
                switch (rr * 8 + cc) {                                                                        \
                MK_CASE(mk, 4, 4) MK_CASE(mk, 4, 3) MK_CASE(mk, 4, 2) MK_CASE(mk, 4, 1)                       \
                MK_CASE(mk, 3, 4) MK_CASE(mk, 3, 3) MK_CASE(mk, 3, 2) MK_CASE(mk, 3, 1)                       \
                MK_CASE(mk, 2, 4) MK_CASE(mk, 2, 3) MK_CASE(mk, 2, 2) MK_CASE(mk, 2, 1)                       \
                MK_CASE(mk, 1, 4) MK_CASE(mk, 1, 3) MK_CASE(mk, 1, 2)                                         \
                default: mk(n, wr, wrb, ac, arb, o, os, 1, 1); break;                                         \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

DEFINE_TILE(tile_f32, mk_f32, 4)
DEFINE_TILE(tile_f16, mk_f16, 4)
DEFINE_TILE(tile_bf16, mk_bf16, 4)
DEFINE_TILE(tile_q8_0, mk_q8_0, 2)
DEFINE_TILE(tile_q4_0, mk_q4_0, 2)

/* Types without a register-blocked tile: one (zmm) vec_dot per output. */
CPU_DEFINE_DOT_TILE(tile_q4_1, vec_dot_q4_1)
CPU_DEFINE_DOT_TILE(tile_q5_0, vec_dot_q5_0)
CPU_DEFINE_DOT_TILE(tile_q5_1, vec_dot_q5_1)
CPU_DEFINE_DOT_TILE(tile_q4_K, vec_dot_q4_K)
CPU_DEFINE_DOT_TILE(tile_q5_K, vec_dot_q5_K)
CPU_DEFINE_DOT_TILE(tile_q6_K, vec_dot_q6_K)

static const cpu_kernels TABLE = {
    .level = CPU_SIMD_AVX512,
    .name = "avx512",
    CPU_LEVEL_DOT_TABLES,
    .dot_f32 = dot_f32,
    .dot_f32_f16 = dot_f32_f16,
    .axpy_f32 = axpy_f32,
    .axpy_f16 = axpy_f16,
};

const cpu_kernels *cpu_kernels_avx512(void) {
    return &TABLE;
}

#else /* compiler without these instruction sets for this file */

const cpu_kernels *cpu_kernels_avx512(void) {
    return NULL;
}

#endif
