/* test_kernels.c - the tensor-type kernels: the reference kernels of quants.h
 * (through the type table) and every SIMD level of the CPU backend
 * (engine/cpu/kernels.h) against the SCALAR level.
 *
 * Where the expected values come from:
 *   - block layouts: blocks built by hand from ggml-common.h's description
 *     (not from our quantizers), dequantized and checked value by value;
 *   - llama.cpp's quantizers: the tiny models in ../shared/testdata/models
 *     (the Q8_0 / Q4_0 files were made by llama-quantize --pure from the F32
 *     file): quantizing the F32 tensors must give the same bytes;
 *   - fp16: the CPU's own F16C conversion where the CPU has it, and the exact
 *     binary16 value set (every one of the 65536 halves);
 *   - SIMD levels: the SCALAR level, with the named tolerances below.
 *
 * Random data comes from a fixed-seed generator, so failures reproduce.
 * The shared folder is found through $LLMCAP_SHARED, else ../shared, else
 * /work/shared.
 */
#include "gguf.h"
#include "kernels.h"
#include "test.h"

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

/* ---- named tolerances ---- */

/* vec_dot / gemm_tile of a SIMD level vs SCALAR, relative to sum |w_i * a_i|
 * (dequantized): integer block sums are exact on both sides; what differs is
 * the order of float additions (and of multiplying by the two block scales),
 * so the difference is a few float epsilons (6e-8) times sqrt(#terms). 2e-5
 * leaves ~10x margin at n = 4096 yet is 100x below the error of one wrong
 * element (~1/sqrt(n) of the magnitude). */
#define TOL_DOT_REL 2e-5
/* float helpers (dot_f32, dot_f32_f16) vs SCALAR, relative to sum |x_i y_i|: as above */
#define TOL_FDOT_REL 2e-5
/* axpy: one multiply-add per element; an FMA rounds once instead of twice,
 * so results differ by at most ~1 ulp of |y| + |a x| */
#define TOL_AXPY_REL 3e-7
/* reference vec_dot vs the double-precision dot of the dequantized rows,
 * relative to sum |w_i a_i|: the reference sums floats block by block */
#define TOL_REF_DOT_REL 1e-5
/* quantized dot vs the dot of the unquantized floats, in units of
 * sum|w a| / sqrt(n) (the size of a random dot): the error is a sum of n
 * terms w_i*e(a_i) + a_i*e(w_i) with relative errors up to ~0.12 (Q4_0),
 * so ~0.15 of that unit; 0.6 gives margin and still catches a wrong sign
 * or a dropped block scale */
#define TOL_QDOT_VS_FLOAT 0.6
/* dequantized Q8_0 tiny-model tensors vs their F32 originals, relative RMSE:
 * 8-bit absmax rounding of N(0, 1/in) weights gives ~0.01 (step amax/127 ~
 * 3 sigma/127, error step/sqrt(12)); 0.02 catches a wrong layout (~1.0) */
#define TOL_TINY_Q8_0_RMSE 0.02
/* the same for Q4_0 (4 bits: step ~ 3 sigma/8, RMSE ~0.1-0.12) */
#define TOL_TINY_Q4_0_RMSE 0.16

/* Round-trip relative RMSE bounds (quantize then dequantize, N(0,1) data,
 * 64k elements), measured and given ~25% margin (the measured value is
 * beside each; a layout bug gives ~1). */
static const struct { int type; double max_rel_rmse; } ROUNDTRIP[] = {
    {GGUF_TYPE_F16, 2.6e-4},  /* measured 2.07e-4: 11-bit significand */
    {GGUF_TYPE_BF16, 2.1e-3}, /* measured 1.65e-3: 8-bit significand */
    {GGUF_TYPE_Q8_0, 6.7e-3}, /* measured 5.33e-3: step amax/127 ~ 2.3 sigma/127, /sqrt(12) */
    {GGUF_TYPE_Q5_0, 0.053},  /* measured 0.0426 */
    {GGUF_TYPE_Q5_1, 0.047},  /* measured 0.0378 */
    {GGUF_TYPE_Q4_0, 0.107},  /* measured 0.0859 */
    {GGUF_TYPE_Q4_1, 0.098},  /* measured 0.0784 */
    {GGUF_TYPE_Q6_K, 0.021},  /* measured 0.0169 */
    {GGUF_TYPE_Q5_K, 0.046},  /* measured 0.0365 */
    {GGUF_TYPE_Q4_K, 0.090},  /* measured 0.0723 */
    {GGUF_TYPE_Q8_1, 6.7e-3}, /* activations: as Q8_0 */
    {GGUF_TYPE_Q8_K, 8.8e-3}, /* measured 7.0e-3: amax over 256 is larger than over 32 */
};

/* the weight types the engine runs */
static const int WEIGHT_TYPES[] = {
    GGUF_TYPE_F32, GGUF_TYPE_F16, GGUF_TYPE_BF16, GGUF_TYPE_Q4_0, GGUF_TYPE_Q4_1, GGUF_TYPE_Q5_0,
    GGUF_TYPE_Q5_1, GGUF_TYPE_Q8_0, GGUF_TYPE_Q4_K, GGUF_TYPE_Q5_K, GGUF_TYPE_Q6_K,
};
#define N_WEIGHT_TYPES (int)(sizeof WEIGHT_TYPES / sizeof WEIGHT_TYPES[0])

static const int ACT_TYPES[] = {GGUF_TYPE_F32,  GGUF_TYPE_F16,  GGUF_TYPE_BF16,
                                GGUF_TYPE_Q8_0, GGUF_TYPE_Q8_1, GGUF_TYPE_Q8_K};

/* ---- helpers ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static void rng_seed(uint64_t s) {
    rng_state = s ? s : 1;
}

static uint64_t rng_u64(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}

static double rng_uniform(void) { /* (0, 1) */
    return ((double)(rng_u64() >> 11) + 0.5) / 9007199254740992.0;
}

static float rng_gauss(void) {
    const double u = rng_uniform(), v = rng_uniform();
    return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static void fill_gauss(float *x, int64_t n, float sigma) {
    for (int64_t i = 0; i < n; i++) x[i] = sigma * rng_gauss();
}

static size_t row_bytes(int type, int64_t n) {
    return (size_t)gguf_type_row_bytes(type, (uint64_t)n, NULL);
}

static int act_type(int wtype) {
    return gguf_type_get(wtype)->vec_dot_type;
}

/* sum_i |w_i * a_i| of the dequantized rows: the scale of a dot product's rounding error */
static double dot_magnitude(int wtype, const void *w, const void *a, int64_t n) {
    float *wf = malloc((size_t)n * sizeof *wf), *af = malloc((size_t)n * sizeof *af);
    gguf_type_get(wtype)->to_float(w, wf, n);
    gguf_type_get(act_type(wtype))->to_float(a, af, n);
    double m = 0;
    for (int64_t i = 0; i < n; i++) m += fabs((double)wf[i] * af[i]);
    free(wf);
    free(af);
    return m;
}

static double dot_exact(int wtype, const void *w, const void *a, int64_t n) {
    float *wf = malloc((size_t)n * sizeof *wf), *af = malloc((size_t)n * sizeof *af);
    gguf_type_get(wtype)->to_float(w, wf, n);
    gguf_type_get(act_type(wtype))->to_float(a, af, n);
    double m = 0;
    for (int64_t i = 0; i < n; i++) m += (double)wf[i] * af[i];
    free(wf);
    free(af);
    return m;
}

static const char *shared_dir(void) {
    static char dir[1024];
    if (dir[0]) return dir;
    const char *env = getenv("LLMCAP_SHARED");
    const char *candidates[] = {env, "../shared", "/work/shared"};
    for (size_t i = 0; i < 3; i++) {
        if (!candidates[i]) continue;
        char probe[1200];
        snprintf(probe, sizeof probe, "%s/testdata/models/tiny-llama-q8_0.gguf", candidates[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%s", candidates[i]);
            return dir;
        }
    }
    snprintf(dir, sizeof dir, "../shared");
    return dir;
}

static gguf_ctx *open_model(const char *file) {
    char path[1300], err[256];
    snprintf(path, sizeof path, "%s/testdata/models/%s", shared_dir(), file);
    gguf_ctx *ctx = NULL;
    if (gguf_open_file(path, &ctx, err, sizeof err) != GGUF_OK) {
        fprintf(stderr, "  cannot open %s: %s\n", path, err);
        return NULL;
    }
    return ctx;
}

/* the levels this CPU runs (SCALAR first) */
static int levels(const cpu_kernels *out[CPU_SIMD_COUNT]) {
    int n = 0;
    for (int l = 0; l < CPU_SIMD_COUNT; l++) {
        const cpu_kernels *k = cpu_kernels_get((cpu_simd)l);
        if (k) out[n++] = k;
    }
    return n;
}

/* ---- fp16 / bf16 ---- */

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
__attribute__((target("f16c"))) static uint16_t hw_fp32_to_fp16(float f) {
    return (uint16_t)_cvtss_sh(f, 0); /* 0 = round to nearest even */
}
__attribute__((target("f16c"))) static float hw_fp16_to_fp32(uint16_t h) {
    return _cvtsh_ss(h);
}
#endif

static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void test_fp16(void) {
    /* every half: exact round trip (NaNs stay NaN) */
    int bad_trip = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        const float f = gguf_fp16_to_fp32((uint16_t)h);
        if (isnan(f)) {
            bad_trip += (gguf_fp32_to_fp16(f) & 0x7C00u) != 0x7C00u || !(gguf_fp32_to_fp16(f) & 0x3FFu);
            continue;
        }
        bad_trip += gguf_fp32_to_fp16(f) != h;
    }
    CHECK_EQ_INT(bad_trip, 0);
    /* known values (IEEE binary16) */
    CHECK_EQ_INT(gguf_fp32_to_fp16(1.0f), 0x3C00);
    CHECK_EQ_INT(gguf_fp32_to_fp16(-2.0f), 0xC000);
    CHECK_EQ_INT(gguf_fp32_to_fp16(65504.0f), 0x7BFF);       /* largest finite */
    CHECK_EQ_INT(gguf_fp32_to_fp16(65519.99f), 0x7BFF);      /* below the rounding midpoint */
    CHECK_EQ_INT(gguf_fp32_to_fp16(65520.0f), 0x7C00);       /* midpoint, ties to even = inf */
    CHECK_EQ_INT(gguf_fp32_to_fp16(0x1p-24f), 0x0001);       /* smallest subnormal */
    CHECK_EQ_INT(gguf_fp32_to_fp16(0x1p-25f), 0x0000);       /* half of it: ties to even = 0 */
    CHECK_EQ_INT(gguf_fp32_to_fp16(0x1.8p-24f), 0x0002);     /* 1.5 units: ties to even = 2 */
    CHECK_EQ_INT(gguf_fp32_to_fp16(1.0f + 0x1p-11f), 0x3C00); /* tie, even stays */
    CHECK_EQ_INT(gguf_fp32_to_fp16(1.0f + 0x1.8p-10f), 0x3C02); /* tie, odd rounds up */
    CHECK_NEAR(gguf_fp16_to_fp32(0x3555), 0.333251953125, 0);
    /* bf16: truncation with round to nearest even */
    CHECK_EQ_INT(gguf_fp32_to_bf16(1.0f), 0x3F80);
    CHECK_EQ_INT(gguf_fp32_to_bf16(bits_f32(0x3F808000u)), 0x3F80); /* tie, even */
    CHECK_EQ_INT(gguf_fp32_to_bf16(bits_f32(0x3F818000u)), 0x3F82); /* tie, odd up */
    CHECK_EQ_INT(gguf_fp32_to_bf16(bits_f32(0x3F808001u)), 0x3F81);
    CHECK(isnan(gguf_bf16_to_fp32(gguf_fp32_to_bf16(bits_f32(0x7F800001u))))); /* NaN stays NaN */
    CHECK_NEAR(gguf_bf16_to_fp32(0xC0A0), -5.0, 0);
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("f16c")) {
        int bad = 0;
        rng_seed(11);
        for (int i = 0; i < 300000; i++) {
            /* random bit patterns over the whole float range, plus the
             * subnormal/normal border of binary16 */
            uint32_t u = (uint32_t)rng_u64();
            if (i & 1) u = (u & 0x807FFFFFu) | ((uint32_t)(100 + (i >> 1) % 50) << 23);
            const float f = bits_f32(u);
            if (isnan(f)) continue;
            bad += gguf_fp32_to_fp16(f) != hw_fp32_to_fp16(f);
        }
        CHECK_EQ_INT(bad, 0);
        for (uint32_t h = 0; h < 65536; h++) {
            const float a = gguf_fp16_to_fp32((uint16_t)h), b = hw_fp16_to_fp32((uint16_t)h);
            bad += !(a == b || (isnan(a) && isnan(b)));
        }
        CHECK_EQ_INT(bad, 0);
    }
#endif
}

/* ---- layouts: hand-built blocks ---- */

static void test_layout_32(void) {
    float y[32];
    /* Q4_0: d = 0.5; qs[j] = j (low) | (15 - j) (high): elements j -> (j-8)/2, j+16 -> (7-j)/2 */
    gguf_block_q4_0 b4 = {.d = gguf_fp32_to_fp16(0.5f)};
    for (int j = 0; j < 16; j++) b4.qs[j] = (uint8_t)(j | (15 - j) << 4);
    gguf_type_get(GGUF_TYPE_Q4_0)->to_float(&b4, y, 32);
    for (int j = 0; j < 16; j++) {
        CHECK_NEAR(y[j], (j - 8) * 0.5, 0);
        CHECK_NEAR(y[j + 16], (7 - j) * 0.5, 0);
    }
    /* Q4_1: value = q*d + m */
    gguf_block_q4_1 b41 = {.d = gguf_fp32_to_fp16(0.25f), .m = gguf_fp32_to_fp16(-1.0f)};
    for (int j = 0; j < 16; j++) b41.qs[j] = (uint8_t)(j | (15 - j) << 4);
    gguf_type_get(GGUF_TYPE_Q4_1)->to_float(&b41, y, 32);
    for (int j = 0; j < 16; j++) {
        CHECK_NEAR(y[j], j * 0.25 - 1, 0);
        CHECK_NEAR(y[j + 16], (15 - j) * 0.25 - 1, 0);
    }
    /* Q5_0: bit e of qh (a little-endian u32) is bit 4 of element e; the
     * low nibble of element e is e & 15 here; only elements 3 and 20 get the
     * 5th bit */
    gguf_block_q5_0 b5 = {.d = gguf_fp32_to_fp16(1.0f)};
    for (int j = 0; j < 16; j++) b5.qs[j] = (uint8_t)(j | j << 4);
    const uint32_t qh = (1u << 3) | (1u << 20);
    for (int k = 0; k < 4; k++) b5.qh[k] = (uint8_t)(qh >> (8 * k));
    gguf_type_get(GGUF_TYPE_Q5_0)->to_float(&b5, y, 32);
    for (int e = 0; e < 32; e++) {
        const int q = (e & 15) | ((qh >> e) & 1) << 4;
        CHECK_NEAR(y[e], q - 16, 0);
    }
    /* Q5_1 with the same bits: q*d + m */
    gguf_block_q5_1 b51 = {.d = gguf_fp32_to_fp16(2.0f), .m = gguf_fp32_to_fp16(0.5f)};
    memcpy(b51.qh, b5.qh, 4);
    memcpy(b51.qs, b5.qs, 16);
    gguf_type_get(GGUF_TYPE_Q5_1)->to_float(&b51, y, 32);
    for (int e = 0; e < 32; e++) {
        const int q = (e & 15) | ((qh >> e) & 1) << 4;
        CHECK_NEAR(y[e], q * 2.0 + 0.5, 0);
    }
    /* Q8_0 / Q8_1 */
    gguf_block_q8_0 b8 = {.d = gguf_fp32_to_fp16(0.125f)};
    for (int j = 0; j < 32; j++) b8.qs[j] = (int8_t)(j * 7 - 100);
    gguf_type_get(GGUF_TYPE_Q8_0)->to_float(&b8, y, 32);
    for (int j = 0; j < 32; j++) CHECK_NEAR(y[j], (j * 7 - 100) * 0.125, 0);
}

static void test_layout_k(void) {
    static float y[256];
    /* Q4_K: sub-block j has scale sc_j = 3 + 7j (covers 6 bits: 3..52) and min
     * m_j = 60 - 5j; element e of 64-chunk c: e < 32 -> low nibble of
     * qs[32c + e], else high nibble of qs[32c + e - 32]. The scale packing
     * (ggml get_scale_min_k4): j < 4: scales[j] low 6 bits = sc, scales[j+4]
     * low 6 bits = m; j >= 4: scales[j+4] = sc low 4 | m low 4 << 4, top 2
     * bits of scales[j-4] = sc >> 4, of scales[j] = m >> 4. */
    gguf_block_q4_K b = {.d = gguf_fp32_to_fp16(0.5f), .dmin = gguf_fp32_to_fp16(0.25f)};
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = 3 + 7 * j;
        mn[j] = 60 - 5 * j;
    }
    for (int j = 0; j < 4; j++) {
        b.scales[j] = (uint8_t)(sc[j] | (sc[j + 4] >> 4) << 6);
        b.scales[j + 4] = (uint8_t)(mn[j] | (mn[j + 4] >> 4) << 6);
        b.scales[j + 8] = (uint8_t)((sc[j + 4] & 15) | (mn[j + 4] & 15) << 4);
    }
    int q[256];
    for (int e = 0; e < 256; e++) q[e] = (e * 5 + e / 7) & 15;
    for (int c = 0; c < 4; c++) {
        for (int l = 0; l < 32; l++) b.qs[32 * c + l] = (uint8_t)(q[64 * c + l] | q[64 * c + 32 + l] << 4);
    }
    for (int j = 0; j < 8; j++) {
        uint8_t s, m;
        gguf_get_scale_min_k4(j, b.scales, &s, &m);
        CHECK_EQ_INT(s, sc[j]);
        CHECK_EQ_INT(m, mn[j]);
    }
    gguf_type_get(GGUF_TYPE_Q4_K)->to_float(&b, y, 256);
    int bad = 0;
    for (int e = 0; e < 256; e++) bad += y[e] != (float)(0.5 * sc[e / 32] * q[e] - 0.25 * mn[e / 32]);
    CHECK_EQ_INT(bad, 0);

    /* Q5_K: the same plus the 5th bit: bit 2c of qh[l] for element 64c + l,
     * bit 2c+1 for element 64c + 32 + l */
    gguf_block_q5_K b5 = {.d = b.d, .dmin = b.dmin};
    memcpy(b5.scales, b.scales, 12);
    memcpy(b5.qs, b.qs, 128);
    int q5[256];
    for (int e = 0; e < 256; e++) q5[e] = q[e] | (((e * 3) >> 2) & 1) << 4;
    for (int c = 0; c < 4; c++) {
        for (int l = 0; l < 32; l++) {
            b5.qh[l] |= (uint8_t)((q5[64 * c + l] >> 4) << (2 * c) | (q5[64 * c + 32 + l] >> 4) << (2 * c + 1));
        }
    }
    gguf_type_get(GGUF_TYPE_Q5_K)->to_float(&b5, y, 256);
    bad = 0;
    for (int e = 0; e < 256; e++) bad += y[e] != (float)(0.5 * sc[e / 32] * q5[e] - 0.25 * mn[e / 32]);
    CHECK_EQ_INT(bad, 0);

    /* Q6_K: value = d * scales[e/16] * (q - 32); per 128-half h, l < 32:
     * e = l: ql[l] low | qh[l] bits 0-1; e = l+32: ql[l+32] low | bits 2-3;
     * e = l+64: ql[l] high | bits 4-5; e = l+96: ql[l+32] high | bits 6-7 */
    gguf_block_q6_K b6 = {.d = gguf_fp32_to_fp16(0.125f)};
    int q6[256];
    for (int e = 0; e < 256; e++) q6[e] = (e * 37 + 11) & 63;
    for (int j = 0; j < 16; j++) b6.scales[j] = (int8_t)(j * 17 - 128);
    for (int h = 0; h < 2; h++) {
        for (int l = 0; l < 32; l++) {
            const int *v = q6 + 128 * h;
            b6.ql[64 * h + l] = (uint8_t)((v[l] & 15) | (v[l + 64] & 15) << 4);
            b6.ql[64 * h + l + 32] = (uint8_t)((v[l + 32] & 15) | (v[l + 96] & 15) << 4);
            b6.qh[32 * h + l] = (uint8_t)(v[l] >> 4 | (v[l + 32] >> 4) << 2 | (v[l + 64] >> 4) << 4 | (v[l + 96] >> 4) << 6);
        }
    }
    gguf_type_get(GGUF_TYPE_Q6_K)->to_float(&b6, y, 256);
    bad = 0;
    for (int e = 0; e < 256; e++) bad += y[e] != (float)(0.125 * b6.scales[e / 16] * (q6[e] - 32));
    CHECK_EQ_INT(bad, 0);
}

/* ---- activation quantizers: llama.cpp's rounding ---- */

static void test_act_rounding(void) {
    float x[256];
    /* Q8_0: amax 127 -> d = 1, id = 1: q = roundf(x): halves round away from zero */
    for (int j = 0; j < 32; j++) x[j] = (float)(j - 16) + 0.5f;
    x[0] = -127.0f;
    gguf_block_q8_0 b;
    gguf_type_get(GGUF_TYPE_Q8_0)->from_float(x, &b, 32);
    CHECK_EQ_INT(b.d, 0x3C00);
    for (int j = 1; j < 32; j++) CHECK_EQ_INT(b.qs[j], (int)roundf(x[j]));
    CHECK_EQ_INT(b.qs[16], 1);   /* 0.5 -> 1 */
    CHECK_EQ_INT(b.qs[15], -1);  /* -0.5 -> -1 */
    CHECK_EQ_INT(b.qs[0], -127);
    /* zero block: d = 0, q = 0 */
    memset(x, 0, sizeof x);
    gguf_type_get(GGUF_TYPE_Q8_0)->from_float(x, &b, 32);
    CHECK_EQ_INT(b.d, 0);
    CHECK_EQ_INT(b.qs[5], 0);
    /* Q8_1: s = fp16(d * sum q) */
    for (int j = 0; j < 32; j++) x[j] = (float)j * 0.1f;
    gguf_block_q8_1 b1;
    gguf_type_get(GGUF_TYPE_Q8_1)->from_float(x, &b1, 32);
    int sum = 0;
    for (int j = 0; j < 32; j++) sum += b1.qs[j];
    CHECK_EQ_INT(b1.qs[31], 127);
    CHECK_EQ_INT(b1.s, gguf_fp32_to_fp16((float)sum * (3.1f / 127.0f)));
    /* Q8_K: the signed max maps to -127 (max = +2.54 here, so d < 0), and
     * q = nearest_int with ties to even */
    for (int j = 0; j < 256; j++) x[j] = 0.0f;
    x[7] = 2.54f;          /* max: iscale = -127/2.54 = -50 */
    x[8] = 0.01f;          /* -0.5 -> ties to even: 0 */
    x[9] = 0.03f;          /* -1.5 -> -2 */
    x[10] = -0.05f;        /* 2.5 -> 2 */
    x[100] = -1.0f;        /* 50 */
    gguf_block_q8_K bk;
    gguf_type_get(GGUF_TYPE_Q8_K)->from_float(x, &bk, 256);
    const float iscale = -127.0f / 2.54f;
    CHECK_NEAR(bk.d, 1.0f / iscale, 0);
    CHECK_EQ_INT(bk.qs[7], -127);
    CHECK_EQ_INT(bk.qs[8], (int)lrintf(iscale * 0.01f));
    CHECK_EQ_INT(bk.qs[9], (int)lrintf(iscale * 0.03f));
    CHECK_EQ_INT(bk.qs[10], (int)lrintf(iscale * -0.05f));
    CHECK_EQ_INT(bk.qs[100], 50);
    CHECK_EQ_INT(bk.bsums[0], -127 + bk.qs[8] + bk.qs[9] + bk.qs[10]);
    CHECK_EQ_INT(bk.bsums[6], 50); /* element 100 is in the 7th group of 16 */
    CHECK_EQ_INT(bk.bsums[15], 0);
}

/* ---- the CPU backend's activation rule (gguf_quantize_act_q8_0/q8_1):
 * llama.cpp's x86 quantize_row_q8_0/q8_1, id = 127/amax, ties to even ---- */

static void test_act_rule_q8(void) {
    float x[64];
    gguf_block_q8_0 b[2];
    gguf_block_q8_1 b1[2];
    /* amax 127 -> id = 1: q = x rounded half to EVEN (roundf would go away from 0) */
    for (int j = 0; j < 32; j++) x[j] = 0.0f;
    x[0] = 127.0f;
    x[1] = 0.5f;   /* 0 */
    x[2] = 1.5f;   /* 2 */
    x[3] = 2.5f;   /* 2 */
    x[4] = -0.5f;  /* 0 */
    x[5] = -1.5f;  /* -2 */
    x[6] = -2.5f;  /* -2 */
    x[7] = 126.5f; /* 126 */
    x[8] = 3.4f;   /* 3 */
    /* amax 254 -> id = 127/254 = 0.5 exactly: 5 -> 2.5 -> 2, -7 -> -3.5 -> -4, -254 -> -127 */
    for (int j = 32; j < 64; j++) x[j] = 0.0f;
    x[32] = -254.0f;
    x[33] = 5.0f;
    x[34] = -7.0f;
    x[35] = 3.0f; /* 1.5 -> 2 */
    gguf_quantize_act_q8_0(x, b, 64);
    CHECK_EQ_INT(b[0].d, 0x3C00); /* d = 1 */
    static const int want0[9] = {127, 0, 2, 2, 0, -2, -2, 126, 3};
    for (int j = 0; j < 9; j++) CHECK_EQ_INT(b[0].qs[j], want0[j]);
    for (int j = 9; j < 32; j++) CHECK_EQ_INT(b[0].qs[j], 0);
    CHECK_EQ_INT(b[1].d, 0x4000); /* d = 2 */
    CHECK_EQ_INT(b[1].qs[0], -127);
    CHECK_EQ_INT(b[1].qs[1], 2);
    CHECK_EQ_INT(b[1].qs[2], -4);
    CHECK_EQ_INT(b[1].qs[3], 2);
    /* the weight rule (llama-quantize's *_ref) on the same ties: roundf */
    gguf_block_q8_0 w;
    gguf_type_get(GGUF_TYPE_Q8_0)->from_float(x, &w, 32);
    CHECK_EQ_INT(w.qs[1], 1);
    CHECK_EQ_INT(w.qs[3], 3);
    CHECK_EQ_INT(w.qs[6], -3);

    /* id is 127/amax, not 1/d: with amax = 1.005 the two multipliers differ in
     * the last bit, and x*(127/amax) = -125.499992 (-> -125) where
     * x*(1/d) = -125.5 exactly (-> -126 by either tie rule) */
    const float amax = 0x1.0147aep+0f, xv = -0x1.fc7b86p-1f;
    CHECK(127.0f / amax != 1.0f / (amax / 127.0f));
    for (int j = 0; j < 32; j++) x[j] = 0.0f;
    x[0] = amax;
    x[1] = xv;
    gguf_quantize_act_q8_0(x, b, 32);
    CHECK_EQ_INT(b[0].d, gguf_fp32_to_fp16(amax / 127.0f));
    CHECK_EQ_INT(b[0].qs[0], 127);
    CHECK_EQ_INT(b[0].qs[1], -125);
    gguf_type_get(GGUF_TYPE_Q8_0)->from_float(x, &w, 32);
    CHECK_EQ_INT(w.qs[1], -126);

    /* Q8_1: the same qs, s = fp16(d * (float)sum q) with d unrounded */
    for (int j = 0; j < 64; j++) x[j] = (float)j * 0.1f - 1.3f;
    gguf_quantize_act_q8_0(x, b, 64);
    gguf_quantize_act_q8_1(x, b1, 64);
    for (int i = 0; i < 2; i++) {
        float am = 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) am = fabsf(x[32 * i + j]) > am ? fabsf(x[32 * i + j]) : am;
        for (int j = 0; j < 32; j++) {
            const int q = (int)nearbyintf(x[32 * i + j] * (127.0f / am));
            CHECK_EQ_INT(b1[i].qs[j], q);
            CHECK_EQ_INT(b[i].qs[j], q);
            sum += q;
        }
        CHECK_EQ_INT(b1[i].d, b[i].d);
        CHECK_EQ_INT(b1[i].d, gguf_fp32_to_fp16(am / 127.0f));
        CHECK_EQ_INT(b1[i].s, gguf_fp32_to_fp16((am / 127.0f) * (float)sum));
    }

    /* zero block: d = 0, id = 0, q = 0, s = 0 */
    memset(x, 0, sizeof x);
    gguf_quantize_act_q8_1(x, b1, 32);
    CHECK_EQ_INT(b1[0].d, 0);
    CHECK_EQ_INT(b1[0].s, 0);
    CHECK_EQ_INT(b1[0].qs[7], 0);

    /* the CPU table's scalar level uses these, not the weight rule */
    CHECK(cpu_kernels_get(CPU_SIMD_SCALAR)->quantize_act[GGUF_TYPE_Q8_0] == gguf_quantize_act_q8_0);
    CHECK(cpu_kernels_get(CPU_SIMD_SCALAR)->quantize_act[GGUF_TYPE_Q8_1] == gguf_quantize_act_q8_1);
}

/* ---- llama.cpp's quantizers: the tiny models ---- */

/* Quantize every F32 2-D tensor of the F32 model to `type` and compare with
 * the same tensor of the quantized file; *diff_blocks counts blocks whose
 * bytes differ. Also returns the relative RMSE of the file's dequantized
 * tensors against F32. */
static void compare_tiny(const char *qfile, int type, long *n_blocks, long *diff_blocks,
                         double *rel_rmse, int *n_tensors) {
    *n_blocks = *diff_blocks = 0;
    *n_tensors = 0;
    *rel_rmse = 1e9;
    gguf_ctx *f = open_model("tiny-llama-f32.gguf"), *q = open_model(qfile);
    CHECK(f != NULL);
    CHECK(q != NULL);
    if (!f || !q) {
        gguf_close(f);
        gguf_close(q);
        return;
    }
    const gguf_type_info *ti = gguf_type_get(type);
    double err2 = 0, ref2 = 0;
    for (int64_t i = 0; i < gguf_n_tensors(q); i++) {
        const gguf_tensor_info *qt = gguf_tensor(q, i);
        if ((int)qt->type != type) continue;
        const int64_t fi = gguf_find_tensor(f, qt->name);
        CHECK(fi >= 0);
        if (fi < 0) continue;
        const gguf_tensor_info *ft = gguf_tensor(f, fi);
        CHECK_EQ_INT(ft->type, GGUF_TYPE_F32);
        CHECK_EQ_INT(ft->n_elements, qt->n_elements);
        if (ft->type != GGUF_TYPE_F32 || ft->n_elements != qt->n_elements) continue;
        const float *src = gguf_tensor_data(f, fi);
        const uint8_t *want = gguf_tensor_data(q, i);
        const int64_t n = (int64_t)qt->n_elements;
        uint8_t *got = malloc(qt->size_bytes);
        float *deq = malloc((size_t)n * sizeof *deq);
        ti->from_float(src, got, n);
        ti->to_float(want, deq, n);
        const int64_t nb = n / ti->block_elems;
        for (int64_t b = 0; b < nb; b++) {
            *diff_blocks += memcmp(got + b * ti->block_bytes, want + b * ti->block_bytes, ti->block_bytes) != 0;
        }
        *n_blocks += nb;
        for (int64_t k = 0; k < n; k++) {
            err2 += ((double)deq[k] - src[k]) * ((double)deq[k] - src[k]);
            ref2 += (double)src[k] * src[k];
        }
        free(got);
        free(deq);
        (*n_tensors)++;
    }
    *rel_rmse = ref2 > 0 ? sqrt(err2 / ref2) : 1e9;
    gguf_close(f);
    gguf_close(q);
}

static void test_tiny_q8_0_bit_exact(void) {
    long nb, nd;
    double rmse;
    int nt;
    compare_tiny("tiny-llama-q8_0.gguf", GGUF_TYPE_Q8_0, &nb, &nd, &rmse, &nt);
    CHECK_EQ_INT(nt, 29); /* README: 29 quantized tensors */
    CHECK(nb > 300000);
    CHECK_EQ_INT(nd, 0);
    CHECK(rmse <= TOL_TINY_Q8_0_RMSE);
    if (nd) fprintf(stderr, "  q8_0: %ld of %ld blocks differ\n", nd, nb);
}

static void test_tiny_q4_0_bit_exact(void) {
    long nb, nd;
    double rmse;
    int nt;
    compare_tiny("tiny-llama-q4_0.gguf", GGUF_TYPE_Q4_0, &nb, &nd, &rmse, &nt);
    CHECK_EQ_INT(nt, 29);
    CHECK(nb > 300000);
    CHECK_EQ_INT(nd, 0);
    CHECK(rmse <= TOL_TINY_Q4_0_RMSE);
    if (nd) fprintf(stderr, "  q4_0: %ld of %ld blocks differ\n", nd, nb);
}

/* ---- reference kernels: round trips and dot products ---- */

static void test_roundtrip_error(void) {
    const int64_t n = 65536;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    void *q = malloc((size_t)n * 4);
    rng_seed(1234);
    fill_gauss(x, n, 1.0f);
    for (size_t i = 0; i < sizeof ROUNDTRIP / sizeof ROUNDTRIP[0]; i++) {
        const gguf_type_info *ti = gguf_type_get(ROUNDTRIP[i].type);
        CHECK(ti->from_float && ti->to_float);
        if (!ti->from_float || !ti->to_float) continue;
        ti->from_float(x, q, n);
        ti->to_float(q, y, n);
        double e2 = 0, r2 = 0;
        for (int64_t k = 0; k < n; k++) {
            e2 += ((double)y[k] - x[k]) * ((double)y[k] - x[k]);
            r2 += (double)x[k] * x[k];
        }
        const double rel = sqrt(e2 / r2);
        if (getenv("LLMCAP_TEST_VERBOSE")) printf("  roundtrip %-5s rel rmse %.4g\n", gguf_type_name(ROUNDTRIP[i].type), rel);
        if (!(rel <= ROUNDTRIP[i].max_rel_rmse)) {
            fprintf(stderr, "  %s: rel rmse %.4g > %.4g\n", gguf_type_name(ROUNDTRIP[i].type), rel, ROUNDTRIP[i].max_rel_rmse);
        }
        CHECK(rel <= ROUNDTRIP[i].max_rel_rmse);
    }
    /* constant and zero inputs: no NaN, zeros stay zero */
    for (int i = 0; i < N_WEIGHT_TYPES; i++) {
        const gguf_type_info *ti = gguf_type_get(WEIGHT_TYPES[i]);
        for (int k = 0; k < 512; k++) x[k] = 0.0f;
        ti->from_float(x, q, 512);
        ti->to_float(q, y, 512);
        int bad = 0;
        for (int k = 0; k < 512; k++) bad += y[k] != 0.0f;
        CHECK_EQ_INT(bad, 0);
        for (int k = 0; k < 512; k++) x[k] = 0.75f;
        ti->from_float(x, q, 512);
        ti->to_float(q, y, 512);
        bad = 0;
        for (int k = 0; k < 512; k++) bad += !(fabsf(y[k] - 0.75f) <= 0.75f * 0.01f);
        if (bad) fprintf(stderr, "  %s: constant block off\n", gguf_type_name(WEIGHT_TYPES[i]));
        CHECK_EQ_INT(bad, 0);
    }
    free(x);
    free(y);
    free(q);
}

/* the reference dot of each weight type equals the dot of the dequantized rows */
static void test_ref_vec_dot(void) {
    const int64_t n = 2048;
    float *w = malloc(n * sizeof *w), *a = malloc(n * sizeof *a);
    void *wq = malloc((size_t)n * 4), *aq = malloc((size_t)n * 4);
    rng_seed(99);
    for (int i = 0; i < N_WEIGHT_TYPES; i++) {
        const int t = WEIGHT_TYPES[i];
        const gguf_type_info *ti = gguf_type_get(t), *ai = gguf_type_get(ti->vec_dot_type);
        fill_gauss(w, n, 0.05f);
        fill_gauss(a, n, 2.0f);
        ti->from_float(w, wq, n);
        ai->from_float(a, aq, n);
        const double want = dot_exact(t, wq, aq, n), mag = dot_magnitude(t, wq, aq, n);
        const float got = ti->vec_dot(n, wq, aq);
        /* Q8_1 stores s = d*sum(q) as fp16 (relative error <= 2^-11), and
         * the "_1" dots use m*s for the min term: allow that rounding */
        double tol_s = 0;
        if (ti->vec_dot_type == GGUF_TYPE_Q8_1) {
            for (int64_t b = 0; b < n / 32; b++) {
                const gguf_block_q8_1 *ab = (const gguf_block_q8_1 *)aq + b;
                const uint16_t m = t == GGUF_TYPE_Q4_1 ? ((const gguf_block_q4_1 *)wq)[b].m
                                                      : ((const gguf_block_q5_1 *)wq)[b].m;
                tol_s += fabs(gguf_fp16_to_fp32(m) * gguf_fp16_to_fp32(ab->s)) * 0x1p-11;
            }
        }
        if (!(fabs(got - want) <= TOL_REF_DOT_REL * mag + tol_s)) fprintf(stderr, "  %s\n", gguf_type_name(t));
        CHECK_NEAR(got, want, TOL_REF_DOT_REL * mag + tol_s);
        /* and it is the dot of the original floats up to the quantization error */
        double exact = 0;
        for (int64_t k = 0; k < n; k++) exact += (double)w[k] * a[k];
        CHECK_NEAR(got, exact, TOL_QDOT_VS_FLOAT * mag / sqrt((double)n));
    }
    free(w);
    free(a);
    free(wq);
    free(aq);
}

/* ---- SIMD levels vs SCALAR ---- */

/* Row lengths for type t: multiples of 256 (every type) and, where the block
 * allows, lengths that leave tails in the SIMD loops (blocks not a multiple
 * of 8, elements not a multiple of 16). Returns the count. */
static int test_sizes(int t, const int64_t *common, int n_common, int64_t *out) {
    static const int64_t SIZES_32[] = {32, 96, 352, 1056, 2848};   /* 1, 3, 11, 33, 89 blocks */
    static const int64_t SIZES_1[] = {1, 7, 33, 100, 1001, 2849}; /* plain types: any length */
    int k = 0;
    for (int i = 0; i < n_common; i++) out[k++] = common[i];
    const uint32_t be = gguf_type_get(t)->block_elems;
    if (be == 32) for (size_t i = 0; i < sizeof SIZES_32 / sizeof SIZES_32[0]; i++) out[k++] = SIZES_32[i];
    if (be == 1) for (size_t i = 0; i < sizeof SIZES_1 / sizeof SIZES_1[0]; i++) out[k++] = SIZES_1[i];
    return k;
}

static void test_levels_present(void) {
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    const int nl = levels(lv);
    CHECK(nl >= 1);
    CHECK(lv[0]->level == CPU_SIMD_SCALAR);
    CHECK(cpu_kernels_best() != NULL);
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        CHECK(cpu_kernels_get(CPU_SIMD_AVX2) != NULL);
    }
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
        CHECK(cpu_kernels_get(CPU_SIMD_AVX512) != NULL);
    }
#endif
    for (int l = 0; l < nl; l++) {
        CHECK_STR(lv[l]->name, cpu_simd_name(lv[l]->level));
        for (int i = 0; i < N_WEIGHT_TYPES; i++) {
            const int t = WEIGHT_TYPES[i];
            CHECK(lv[l]->vec_dot[t] != NULL);
            CHECK(lv[l]->gemm_tile[t] != NULL);
            CHECK(lv[l]->quantize_act[act_type(t)] != NULL);
        }
        CHECK(lv[l]->dot_f32 && lv[l]->dot_f32_f16 && lv[l]->axpy_f32 && lv[l]->axpy_f16);
        /* a layout of the level's own comes with its way back to GGUF bytes,
         * and fits the backend's 4 bytes per element */
        for (size_t i = 0; i < sizeof ACT_TYPES / sizeof ACT_TYPES[0]; i++) {
            const int t = ACT_TYPES[i];
            CHECK((lv[l]->act_block_bytes[t] == 0) == (lv[l]->act_to_gguf[t] == NULL));
            CHECK(cpu_act_row_bytes(lv[l], t, 4096) <= 4 * 4096);
            if (!lv[l]->act_block_bytes[t]) CHECK_EQ_INT(cpu_act_row_bytes(lv[l], t, 4096), row_bytes(t, 4096));
        }
    }
    CHECK(cpu_kernels_get(CPU_SIMD_COUNT) == NULL);
    /* LLMCAP_SIMD caps the level */
    const char *old = getenv("LLMCAP_SIMD");
    char *saved = old ? strdup(old) : NULL;
    setenv("LLMCAP_SIMD", "scalar", 1);
    CHECK(cpu_kernels_best()->level == CPU_SIMD_SCALAR);
    setenv("LLMCAP_SIMD", "avx2", 1);
    CHECK(cpu_kernels_best()->level <= CPU_SIMD_AVX2);
    unsetenv("LLMCAP_SIMD");
    CHECK(cpu_kernels_best() == lv[nl - 1] || lv[nl - 1]->level == CPU_SIMD_WASM128);
    if (saved) setenv("LLMCAP_SIMD", saved, 1);
    free(saved);
}

static void test_levels_quantize_act(void) {
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    const int nl = levels(lv);
    static const int64_t sizes[] = {256, 512, 4096, 2816};
    float *x = malloc(4096 * sizeof *x);
    uint8_t *want = malloc(4096 * 4 + 64), *got = malloc(4096 * 4 + 64), *own = malloc(4096 * 4 + 64);
    rng_seed(7);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = sizes[s];
        fill_gauss(x, n, 3.0f);
        /* exact halves after scaling (ties): a block whose amax is 127 has
         * id = 1, so x = k + 0.5 is a tie; a zero block; a block whose
         * 127/amax overflows to inf (non-finite products, zeros give NaN) */
        for (int j = 0; j < 32; j++) x[j] = (float)(j - 16) + 0.5f;
        x[0] = 127.0f;
        for (int j = 32; j < 64; j++) x[j] = 0.0f;
        for (int j = 64; j < 96; j++) x[j] = 1e-30f * rng_gauss(); /* a scale that underflows fp16 */
        for (int j = 96; j < 128; j++) x[j] = j % 5 ? 1e-38f * rng_gauss() : 0.0f;
        if (n >= 1024) x[700] = -1e4f;                               /* a large outlier */
        for (size_t ti = 0; ti < sizeof ACT_TYPES / sizeof ACT_TYPES[0]; ti++) {
            const int t = ACT_TYPES[ti];
            if (n % gguf_type_get(t)->block_elems) continue;
            const size_t rb = row_bytes(t, n);
            lv[0]->quantize_act[t](x, want, n);
            for (int l = 1; l < nl; l++) {
                memset(got, 0xA5, rb);
                if (lv[l]->act_to_gguf[t]) { /* the level's own layout, read back */
                    lv[l]->quantize_act[t](x, own, n);
                    lv[l]->act_to_gguf[t](own, got, n);
                } else {
                    lv[l]->quantize_act[t](x, got, n);
                }
                const int same = memcmp(want, got, rb) == 0;
                if (!same) fprintf(stderr, "  %s quantize_act %s n=%ld differs\n", lv[l]->name, gguf_type_name(t), (long)n);
                CHECK(same);
            }
        }
    }
    free(x);
    free(want);
    free(got);
    free(own);
}

/* Random weight rows of type t (n elements, rows rows, row stride rb >= row
 * bytes) and activation rows (cols rows of the vec_dot type, stride ab, in
 * the GGUF layout; x keeps their floats for levels with a layout of their
 * own, see level_acts). */
typedef struct {
    int t, at;
    int64_t n;
    int cols;
    size_t rb, ab, pad;
    uint8_t *w, *a;
    float *x;
} dot_case;

static dot_case make_case(int t, int64_t n, int rows, int cols, size_t pad) {
    dot_case c = {.t = t, .at = act_type(t), .n = n, .cols = cols, .pad = pad};
    c.rb = row_bytes(t, n) + pad;
    c.ab = row_bytes(c.at, n) + pad;
    c.w = calloc((size_t)rows, c.rb);
    c.a = calloc((size_t)cols, c.ab);
    c.x = malloc((size_t)cols * (size_t)n * sizeof *c.x);
    float *x = malloc((size_t)n * sizeof *x);
    for (int r = 0; r < rows; r++) {
        fill_gauss(x, n, 0.03f);
        if (r == 1) { /* a row with a large offset: exercises the mins of Q4_1/Q5_1/K-quants */
            for (int64_t k = 0; k < n; k++) x[k] += 0.05f;
        }
        gguf_type_get(t)->from_float(x, c.w + (size_t)r * c.rb, n);
    }
    for (int k = 0; k < cols; k++) {
        fill_gauss(x, n, 1.5f);
        if (k == 2) {
            for (int64_t i = 0; i < n; i++) x[i] = fabsf(x[i]); /* one-signed activations */
        }
        cpu_kernels_get(CPU_SIMD_SCALAR)->quantize_act[c.at](x, c.a + (size_t)k * c.ab, n);
        memcpy(c.x + (size_t)k * (size_t)n, x, (size_t)n * sizeof *x);
    }
    free(x);
    return c;
}

/* The case's activation rows as level k's kernels read them: c->a itself when
 * k keeps the GGUF layout (its quantize_act is bit-exact with SCALAR's, see
 * test_levels_quantize_act), else a buffer of k's layout (*ab = its stride,
 * with the case's padding) that the caller frees. */
static uint8_t *level_acts(const dot_case *c, const cpu_kernels *k, size_t *ab) {
    if (!k->act_block_bytes[c->at]) {
        *ab = c->ab;
        return c->a;
    }
    *ab = cpu_act_row_bytes(k, c->at, c->n) + c->pad;
    uint8_t *a = calloc((size_t)c->cols, *ab);
    for (int j = 0; j < c->cols; j++) k->quantize_act[c->at](c->x + (size_t)j * (size_t)c->n, a + (size_t)j * *ab, c->n);
    return a;
}

static void free_level_acts(const dot_case *c, uint8_t *a) {
    if (a != c->a) free(a);
}

static void free_case(dot_case *c) {
    free(c->w);
    free(c->a);
    free(c->x);
}

static void test_levels_vec_dot(void) {
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    const int nl = levels(lv);
    static const int64_t common[] = {256, 512, 768, 1024, 2816, 4096, 4352};
    rng_seed(42);
    int worst_fail = 0;
    for (int i = 0; i < N_WEIGHT_TYPES; i++) {
        const int t = WEIGHT_TYPES[i];
        int64_t sizes[16];
        const int ns = test_sizes(t, common, (int)(sizeof common / sizeof common[0]), sizes);
        for (int s = 0; s < ns; s++) {
            const int64_t n = sizes[s];
            dot_case c = make_case(t, n, 3, 3, 0);
            uint8_t *la[CPU_SIMD_COUNT];
            size_t lab[CPU_SIMD_COUNT];
            for (int l = 0; l < nl; l++) la[l] = level_acts(&c, lv[l], &lab[l]);
            for (int r = 0; r < 3; r++) {
                const void *w = c.w + (size_t)r * c.rb, *a = c.a + (size_t)r * c.ab;
                const float want = lv[0]->vec_dot[t](n, w, a);
                const double tol = TOL_DOT_REL * dot_magnitude(t, w, a, n);
                for (int l = 1; l < nl; l++) {
                    const float got = lv[l]->vec_dot[t](n, w, la[l] + (size_t)r * lab[l]);
                    if (!(fabs(got - want) <= tol) && worst_fail++ < 10) {
                        fprintf(stderr, "  %s vec_dot %s n=%ld row %d: %.7g vs %.7g\n", lv[l]->name,
                                gguf_type_name(t), (long)n, r, got, want);
                    }
                    CHECK(fabs(got - want) <= tol);
                }
            }
            for (int l = 0; l < nl; l++) free_level_acts(&c, la[l]);
            free_case(&c);
        }
    }
    /* the comparison can fail: flipping one weight block changes the dot */
    dot_case c = make_case(GGUF_TYPE_Q4_0, 1024, 1, 1, 0);
    size_t ab;
    uint8_t *a = level_acts(&c, lv[nl - 1], &ab);
    const float before = lv[nl - 1]->vec_dot[GGUF_TYPE_Q4_0](1024, c.w, a);
    c.w[2 + 18 * 5] ^= 0x77;
    const float after = lv[nl - 1]->vec_dot[GGUF_TYPE_Q4_0](1024, c.w, a);
    CHECK(fabs(after - before) > TOL_DOT_REL * dot_magnitude(GGUF_TYPE_Q4_0, c.w, c.a, 1024));
    free_level_acts(&c, a);
    free_case(&c);
}

static void test_levels_gemm_tile(void) {
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    const int nl = levels(lv);
    static const int64_t common[] = {256, 1280};
    rng_seed(4242);
    float out[CPU_TILE_MAX * (CPU_TILE_MAX + 3)];
    int fails = 0;
    for (int i = 0; i < N_WEIGHT_TYPES; i++) {
        const int t = WEIGHT_TYPES[i];
        int64_t all[16];
        const int na = test_sizes(t, common, 2, all);
        /* the common sizes and one tail size (11 blocks, or 33 elements) */
        const int64_t sizes[3] = {all[0], all[1], na > 4 ? all[4] : all[1]};
        for (size_t s = 0; s < 3; s++) {
            const int64_t n = sizes[s];
            /* row strides with padding (4 bytes keeps 4-byte alignment for Q8_K / F32) */
            dot_case c = make_case(t, n, CPU_TILE_MAX, CPU_TILE_MAX, s ? 4 : 0);
            float want[CPU_TILE_MAX][CPU_TILE_MAX];
            double mag[CPU_TILE_MAX][CPU_TILE_MAX];
            for (int r = 0; r < CPU_TILE_MAX; r++) {
                for (int k = 0; k < CPU_TILE_MAX; k++) {
                    want[k][r] = lv[0]->vec_dot[t](n, c.w + (size_t)r * c.rb, c.a + (size_t)k * c.ab);
                    mag[k][r] = dot_magnitude(t, c.w + (size_t)r * c.rb, c.a + (size_t)k * c.ab, n);
                }
            }
            for (int l = 0; l < nl; l++) {
                size_t ab;
                uint8_t *a = level_acts(&c, lv[l], &ab);
                for (int nr = 1; nr <= CPU_TILE_MAX; nr++) {
                    for (int nc = 1; nc <= CPU_TILE_MAX; nc++) {
                        const size_t os = (size_t)nr + 3; /* out stride > nr: gaps must stay untouched */
                        for (size_t k = 0; k < sizeof out / sizeof out[0]; k++) out[k] = -12345.0f;
                        lv[l]->gemm_tile[t](n, c.w, c.rb, nr, a, ab, nc, out, os);
                        for (int k = 0; k < nc; k++) {
                            for (int r = 0; r < nr; r++) {
                                const float got = out[(size_t)k * os + (size_t)r];
                                const bool ok = fabs(got - want[k][r]) <= TOL_DOT_REL * mag[k][r];
                                if (!ok && fails++ < 10) {
                                    fprintf(stderr, "  %s gemm_tile %s n=%ld nr=%d nc=%d (r%d,c%d): %.7g vs %.7g\n",
                                            lv[l]->name, gguf_type_name(t), (long)n, nr, nc, r, k, got, want[k][r]);
                                }
                                CHECK(ok);
                            }
                            for (size_t r = (size_t)nr; r < os; r++) {
                                CHECK(out[(size_t)k * os + r] == -12345.0f);
                            }
                        }
                    }
                }
                free_level_acts(&c, a);
            }
            free_case(&c);
        }
    }
}

static void test_levels_float_helpers(void) {
    const cpu_kernels *lv[CPU_SIMD_COUNT];
    const int nl = levels(lv);
    enum { NMAX = 1100 };
    float *x = malloc(NMAX * sizeof *x), *y = malloc(NMAX * sizeof *y);
    float *y0 = malloc(NMAX * sizeof *y0), *y1 = malloc(NMAX * sizeof *y1);
    uint16_t *h = malloc(NMAX * sizeof *h);
    rng_seed(5);
    static const int64_t sizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129, 1000, 1024, 1099};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = sizes[s];
        fill_gauss(x, n, 1.0f);
        fill_gauss(y, n, 1.0f);
        for (int64_t i = 0; i < n; i++) h[i] = gguf_fp32_to_fp16(y[i]);
        double mag = 0, magh = 0;
        for (int64_t i = 0; i < n; i++) {
            mag += fabs((double)x[i] * y[i]);
            magh += fabs((double)x[i] * gguf_fp16_to_fp32(h[i]));
        }
        const float d0 = lv[0]->dot_f32(n, x, y), dh0 = lv[0]->dot_f32_f16(n, x, h);
        for (int l = 1; l < nl; l++) {
            CHECK_NEAR(lv[l]->dot_f32(n, x, y), d0, TOL_FDOT_REL * mag);
            CHECK_NEAR(lv[l]->dot_f32_f16(n, x, h), dh0, TOL_FDOT_REL * magh);
        }
        for (int pass = 0; pass < 2; pass++) {
            const float a = pass ? -0.37f : 1.25f;
            memcpy(y0, y, (size_t)n * sizeof *y);
            if (pass) lv[0]->axpy_f16(n, a, h, y0);
            else lv[0]->axpy_f32(n, a, x, y0);
            for (int l = 1; l < nl; l++) {
                memcpy(y1, y, (size_t)n * sizeof *y);
                if (pass) lv[l]->axpy_f16(n, a, h, y1);
                else lv[l]->axpy_f32(n, a, x, y1);
                int bad = 0;
                for (int64_t i = 0; i < n; i++) {
                    const double xi = pass ? gguf_fp16_to_fp32(h[i]) : x[i];
                    const double tol = TOL_AXPY_REL * (fabs(y[i]) + fabs(a * xi)) + 1e-30;
                    bad += !(fabs(y1[i] - y0[i]) <= tol);
                }
                if (bad) fprintf(stderr, "  %s axpy_%s n=%ld: %d elements differ\n", lv[l]->name, pass ? "f16" : "f32", (long)n, bad);
                CHECK_EQ_INT(bad, 0);
            }
        }
    }
    free(x);
    free(y);
    free(y0);
    free(y1);
    free(h);
}

TEST_MAIN(TEST(test_fp16), TEST(test_layout_32), TEST(test_layout_k), TEST(test_act_rounding), TEST(test_act_rule_q8),
          TEST(test_tiny_q8_0_bit_exact), TEST(test_tiny_q4_0_bit_exact), TEST(test_roundtrip_error),
          TEST(test_ref_vec_dot), TEST(test_levels_present), TEST(test_levels_quantize_act),
          TEST(test_levels_vec_dot), TEST(test_levels_gemm_tile), TEST(test_levels_float_helpers))
