/* test_gguf.c - the GGUF reader and writer.
 *
 * Real files: ../shared/testdata/models/tiny-llama-{f32,q8_0,q4_0}.gguf (made
 * by gguf-py and llama-quantize; facts in that folder's README.md). Synthetic
 * files come from our writer. Malformed inputs are our writer's output with
 * single fields patched, every truncation of a small file, and a few thousand
 * seeded random mutations; every buffer handed to the reader is a malloc of
 * exactly its length, so a sanitizer build catches any read past it.
 *
 * The shared folder is found through $LLMCAP_SHARED, else ../shared (from the
 * repository root), else /work/shared.
 */
#include "gguf.h"
#include "test.h"

#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

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

static void model_path(char *out, size_t n, const char *file) {
    snprintf(out, n, "%s/testdata/models/%s", shared_dir(), file);
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = n > 0 ? malloc((size_t)n) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = p ? (size_t)n : 0;
    return p;
}

/* An exact-size heap copy, so that reading one byte past it is caught. */
static uint8_t *exact_copy(const uint8_t *src, size_t len) {
    uint8_t *p = malloc(len ? len : 1);
    if (p && len) memcpy(p, src, len);
    return p;
}

/* Open an exact-size copy of img[0..len) as a whole file; returns the status. */
static gguf_status open_copy(const uint8_t *img, size_t len, char *err, size_t err_len) {
    uint8_t *p = exact_copy(img, len);
    gguf_ctx *ctx = NULL;
    gguf_status st = gguf_open_memory(len ? p : NULL, len, len, &ctx, NULL, err, err_len);
    if (st == GGUF_OK) CHECK(ctx != NULL);
    else CHECK(ctx == NULL);
    gguf_close(ctx);
    free(p);
    return st;
}

/* Offset of the first occurrence of needle in img, or -1. */
static long find_bytes(const uint8_t *img, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(img + i, needle, n) == 0) return (long)i;
    }
    return -1;
}

static void put_le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rng_state = 20240101u;
static uint32_t rng(void) { /* xorshift32, deterministic */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* IEEE binary16 -> float, for checking Q8_0 blocks against the F32 file. */
static float half_to_float(uint16_t h) {
    int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) v = ldexpf((float)mant, -24);
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = ldexpf((float)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

/* The small file most tests patch: every writer value kind, three tensors. */
static uint8_t *small_image(size_t *len) {
    gguf_writer *w = gguf_writer_create();
    const char *strs[] = {"a", "bc", ""};
    const int32_t ints[] = {1, -2, 3};
    const float floats[] = {0.5f, 2.0f};
    bool ok = w != NULL;
    ok = ok && gguf_writer_set_str(w, "general.architecture", "llama");
    ok = ok && gguf_writer_set_u32(w, "k.u32", 7);
    ok = ok && gguf_writer_set_bool(w, "k.bool", true);
    ok = ok && gguf_writer_set_arr_str(w, "k.arr_str", strs, 3);
    ok = ok && gguf_writer_set_arr_i32(w, "k.arr_i32", ints, 3);
    ok = ok && gguf_writer_set_arr_f32(w, "k.arr_f32", floats, 2);
    uint8_t data[288];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 1);
    const int64_t ne_a[] = {8, 2}, ne_b[] = {32, 2}, ne_c[] = {512};
    ok = ok && gguf_writer_add_tensor(w, "a.weight", GGUF_TYPE_F32, 2, ne_a, data);   /* 64 bytes */
    ok = ok && gguf_writer_add_tensor(w, "b.weight", GGUF_TYPE_Q8_0, 2, ne_b, data);  /* 68 bytes + 28 padding */
    ok = ok && gguf_writer_add_tensor(w, "c.weight", GGUF_TYPE_Q4_K, 1, ne_c, data);  /* 288 bytes, ends the file */
    uint8_t *img = NULL;
    ok = ok && gguf_writer_to_memory(w, &img, len);
    gguf_writer_free(w);
    CHECK(ok);
    return ok ? img : NULL;
}

/* ---- real files ---- */

typedef struct tiny_expect {
    const char *file;
    uint64_t size_bytes;     /* README.md */
    int64_t n_kv;
    int64_t file_type;       /* general.file_type: llama_ftype */
    gguf_type weight_type;   /* type of the 29 matrices */
    uint64_t tensor_bytes;   /* sum of tensor sizes, by hand below */
} tiny_expect;

/* 11,340,032 parameters: token_embd 256 x 32000 + output_norm 256 + 4 layers x
 * (2 norms x 256 + q 65536 + k 32768 + v 32768 + o 65536 + 3 x 196608); the 9
 * norms (2304 values) stay F32 in the quantized files. */
static const tiny_expect TINY[] = {
    {"tiny-llama-f32.gguf", 46086272, 23, 0, GGUF_TYPE_F32, 11340032ull * 4},
    {"tiny-llama-q8_0.gguf", 12781760, 24, 7, GGUF_TYPE_Q8_0, 11337728ull / 32 * 34 + 2304 * 4},
    {"tiny-llama-q4_0.gguf", 7112896, 24, 2, GGUF_TYPE_Q4_0, 11337728ull / 32 * 18 + 2304 * 4},
};

static void test_tiny_models(void) {
    for (size_t m = 0; m < sizeof TINY / sizeof TINY[0]; m++) {
        const tiny_expect *e = &TINY[m];
        char path[1200], err[512];
        model_path(path, sizeof path, e->file);
        gguf_ctx *ctx = NULL;
        gguf_status st = gguf_open_file(path, &ctx, err, sizeof err);
        if (st != GGUF_OK) fprintf(stderr, "  %s: %s\n", path, err);
        CHECK_EQ_INT(st, GGUF_OK);
        if (!ctx) continue;

        CHECK_EQ_INT(gguf_version(ctx), 3);
        CHECK_EQ_INT(gguf_alignment(ctx), 32);
        CHECK_EQ_INT(gguf_file_size(ctx), e->size_bytes);
        CHECK_EQ_INT(gguf_n_kv(ctx), e->n_kv);
        CHECK_EQ_INT(gguf_n_tensors(ctx), 38);

        const char *s = NULL;
        uint64_t slen = 0;
        CHECK_EQ_INT(gguf_get_str(ctx, "general.architecture", &s, &slen), GGUF_OK);
        CHECK_STR(s, "llama");
        CHECK_EQ_INT(slen, 5);
        CHECK_EQ_INT(gguf_get_str(ctx, "general.name", &s, NULL), GGUF_OK);
        CHECK_STR(s, "synthetic-tiny-llama");
        static const struct { const char *key; int64_t v; } ints[] = {
            {"llama.block_count", 4},          {"llama.embedding_length", 256},
            {"llama.attention.head_count", 8}, {"llama.attention.head_count_kv", 4},
            {"llama.context_length", 512},     {"llama.feed_forward_length", 768},
            {"llama.vocab_size", 32000},       {"llama.rope.dimension_count", 32},
            {"tokenizer.ggml.bos_token_id", 1}, {"tokenizer.ggml.eos_token_id", 2},
        };
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
            int64_t v = -1;
            CHECK_EQ_INT(gguf_get_int(ctx, ints[k].key, &v), GGUF_OK);
            CHECK_EQ_INT(v, ints[k].v);
        }
        int64_t ft = -1;
        CHECK_EQ_INT(gguf_get_int(ctx, "general.file_type", &ft), GGUF_OK);
        CHECK_EQ_INT(ft, e->file_type);
        double f = 0;
        CHECK_EQ_INT(gguf_get_float(ctx, "llama.rope.freq_base", &f), GGUF_OK);
        CHECK_NEAR(f, 10000.0, 0.0);
        CHECK_EQ_INT(gguf_get_float(ctx, "llama.attention.layer_norm_rms_epsilon", &f), GGUF_OK);
        CHECK_NEAR(f, 1e-5, 1e-11); /* stored as float32 */
        bool b = false;
        CHECK_EQ_INT(gguf_get_bool(ctx, "tokenizer.ggml.add_bos_token", &b), GGUF_OK);
        CHECK(b);
        CHECK_EQ_INT(gguf_get_bool(ctx, "tokenizer.ggml.add_eos_token", &b), GGUF_OK);
        CHECK(!b);
        CHECK_EQ_INT(gguf_get_str(ctx, "tokenizer.ggml.model", &s, NULL), GGUF_OK);
        CHECK_STR(s, "llama");

        /* vocabulary: 32000 strings, <unk> <s> </s> first (LLaMA SentencePiece) */
        gguf_value_type et = GGUF_VAL_COUNT;
        uint64_t n = 0;
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "tokenizer.ggml.tokens", &et, &n), GGUF_OK);
        CHECK_EQ_INT(et, GGUF_VAL_STRING);
        CHECK_EQ_INT(n, 32000);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "tokenizer.ggml.tokens", 1, &s, &slen), GGUF_OK);
        CHECK(slen == 3 && memcmp(s, "<s>", 3) == 0);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "tokenizer.ggml.tokens", 2, &s, &slen), GGUF_OK);
        CHECK(slen == 4 && memcmp(s, "</s>", 4) == 0);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "tokenizer.ggml.tokens", 0, &s, &slen), GGUF_OK);
        CHECK(slen == 5 && memcmp(s, "<unk>", 5) == 0);
        uint64_t total_len = 0;
        for (uint64_t k = 0; k < n; k++) {
            CHECK(gguf_get_arr_str(ctx, "tokenizer.ggml.tokens", k, &s, &slen) == GGUF_OK);
            total_len += slen;
        }
        CHECK(total_len > 32000); /* walks every string; most tokens are several bytes */
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "tokenizer.ggml.tokens", 32000, &s, &slen), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "tokenizer.ggml.scores", &et, &n), GGUF_OK);
        CHECK_EQ_INT(et, GGUF_VAL_FLOAT32);
        CHECK_EQ_INT(n, 32000);
        int64_t tt = -1;
        CHECK_EQ_INT(gguf_get_arr_int(ctx, "tokenizer.ggml.token_type", 0, &tt), GGUF_OK);
        CHECK_EQ_INT(tt, 2); /* UNKNOWN */
        CHECK_EQ_INT(gguf_get_arr_int(ctx, "tokenizer.ggml.token_type", 1, &tt), GGUF_OK);
        CHECK_EQ_INT(tt, 3); /* CONTROL */

        /* tensors */
        int n_weight_type = 0, n_f32 = 0;
        uint64_t sum = 0, max_end = 0;
        for (int64_t i = 0; i < gguf_n_tensors(ctx); i++) {
            const gguf_tensor_info *ti = gguf_tensor(ctx, i);
            n_weight_type += ti->type == e->weight_type && ti->n_dims == 2;
            n_f32 += ti->type == GGUF_TYPE_F32 && ti->n_dims == 1;
            sum += ti->size_bytes;
            if (ti->offset + ti->size_bytes > max_end) max_end = ti->offset + ti->size_bytes;
            CHECK_EQ_INT(gguf_find_tensor(ctx, ti->name), i);
            CHECK_EQ_INT((ti->offset - gguf_data_offset(ctx)) % 32, 0);
            CHECK(gguf_tensor_data(ctx, i) != NULL);
        }
        CHECK_EQ_INT(n_weight_type, 29);
        CHECK_EQ_INT(n_f32, 9);
        CHECK_EQ_INT(sum, gguf_total_tensor_bytes(ctx));
        CHECK_EQ_INT(sum, e->tensor_bytes);
        CHECK(max_end <= gguf_file_size(ctx));
        CHECK_EQ_INT((max_end + 31) / 32 * 32, gguf_file_size(ctx)); /* the file ends with the padded last tensor */
        CHECK_EQ_INT(gguf_data_offset(ctx) % 32, 0);
        CHECK_EQ_INT(gguf_find_tensor(ctx, "output.weight"), -1); /* tied to token_embd */
        int64_t te = gguf_find_tensor(ctx, "token_embd.weight");
        CHECK(te >= 0);
        const gguf_tensor_info *ti = gguf_tensor(ctx, te);
        if (ti) {
            CHECK_EQ_INT(ti->ne[0], 256);
            CHECK_EQ_INT(ti->ne[1], 32000);
            CHECK_EQ_INT(ti->ne[2], 1);
            CHECK_EQ_INT(ti->n_elements, 256ull * 32000);
        }
        gguf_close(ctx);
    }
}

/* The tensor data the reader points at is the data: norms are 1.0 (README),
 * embeddings ~ N(0, 1/256), and the Q8_0 blocks decode to the F32 values. */
static void test_tiny_model_data(void) {
    char p32[1200], p8[1200], err[512];
    model_path(p32, sizeof p32, "tiny-llama-f32.gguf");
    model_path(p8, sizeof p8, "tiny-llama-q8_0.gguf");
    gguf_ctx *c32 = NULL, *c8 = NULL;
    CHECK_EQ_INT(gguf_open_file(p32, &c32, err, sizeof err), GGUF_OK);
    CHECK_EQ_INT(gguf_open_file(p8, &c8, err, sizeof err), GGUF_OK);
    if (!c32 || !c8) { gguf_close(c32); gguf_close(c8); return; }

    const float *norm = gguf_tensor_data(c32, gguf_find_tensor(c32, "blk.2.ffn_norm.weight"));
    CHECK(norm != NULL);
    int ones = 0;
    for (int i = 0; norm && i < 256; i++) ones += norm[i] == 1.0f;
    CHECK_EQ_INT(ones, 256);

    const float *emb = gguf_tensor_data(c32, gguf_find_tensor(c32, "token_embd.weight"));
    CHECK(emb != NULL);
    if (emb) {
        double s = 0, s2 = 0;
        const int n = 256 * 1000;
        for (int i = 0; i < n; i++) { s += emb[i]; s2 += (double)emb[i] * emb[i]; }
        double mean = s / n, sd = sqrt(s2 / n - mean * mean);
        CHECK_NEAR(mean, 0.0, 0.002);
        CHECK_NEAR(sd, 1.0 / 16.0, 0.002); /* fan-in init: std = 1/sqrt(256) */
    }

    const uint8_t *q = gguf_tensor_data(c8, gguf_find_tensor(c8, "token_embd.weight"));
    CHECK(q != NULL);
    if (emb && q) {
        /* block_q8_0: half d; int8 qs[32]; value = d * q. Error <= d/2 + rounding of d. */
        double max_err = 0, max_d = 0;
        for (int blk = 0; blk < 8 * 100; blk++) {
            const uint8_t *bp = q + 34 * blk;
            float d = half_to_float((uint16_t)(bp[0] | (bp[1] << 8)));
            if (d > max_d) max_d = d;
            for (int j = 0; j < 32; j++) {
                double v = d * (int8_t)bp[2 + j];
                double e = fabs(v - emb[32 * blk + j]);
                if (e > max_err) max_err = e;
            }
        }
        CHECK(max_d > 0.0);
        CHECK(max_err <= max_d * 0.51);
    }
    gguf_close(c32);
    gguf_close(c8);
}

/* llama-quantize --pure gave every 2-D tensor the file type's base type. */
static void test_tiny_models_match_plan(void) {
    static const struct { const char *file; gguf_type pure; int ftype; } files[] = {
        {"tiny-llama-q8_0.gguf", GGUF_TYPE_Q8_0, GGUF_FTYPE_Q8_0},
        {"tiny-llama-q4_0.gguf", GGUF_TYPE_Q4_0, GGUF_FTYPE_Q4_0},
    };
    for (size_t f = 0; f < 2; f++) {
        char path[1200], err[512];
        model_path(path, sizeof path, files[f].file);
        gguf_ctx *ctx = NULL;
        CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_OK);
        if (!ctx) continue;
        gguf_plan_tensor pt[64];
        gguf_type planned[64];
        size_t n = (size_t)gguf_n_tensors(ctx);
        CHECK(n <= 64);
        for (size_t i = 0; i < n && i < 64; i++) {
            const gguf_tensor_info *ti = gguf_tensor(ctx, (int64_t)i);
            pt[i].name = ti->name;
            pt[i].n_dims = ti->n_dims;
            memcpy(pt[i].ne, ti->ne, sizeof pt[i].ne);
        }
        CHECK(gguf_plan_types_pure((int)files[f].pure, pt, n, planned));
        int same = 0;
        for (size_t i = 0; i < n; i++) same += planned[i] == gguf_tensor(ctx, (int64_t)i)->type;
        CHECK_EQ_INT(same, 38);
        /* without --pure the tied token_embd takes the output rule: Q8_0 stays,
         * Q4_0 becomes Q6_K; everything else is the base type */
        const gguf_plan_model tiny = {"llama", 4, 8, 4, 0, false, false};
        CHECK(gguf_plan_types(files[f].ftype, &tiny, pt, n, planned));
        int64_t te = gguf_find_tensor(ctx, "token_embd.weight");
        CHECK_EQ_INT(planned[te], files[f].pure == GGUF_TYPE_Q8_0 ? GGUF_TYPE_Q8_0 : GGUF_TYPE_Q6_K);
        same = 0;
        for (size_t i = 0; i < n; i++) same += planned[i] == gguf_tensor(ctx, (int64_t)i)->type;
        CHECK_EQ_INT(same, files[f].pure == GGUF_TYPE_Q8_0 ? 38 : 37);
        gguf_close(ctx);
    }
}

/* The browser path: parse from a growing prefix until the header fits. */
static void test_prefix_need_more(void) {
    char path[1200];
    model_path(path, sizeof path, "tiny-llama-q8_0.gguf");
    size_t size = 0;
    uint8_t *img = read_all(path, &size);
    CHECK(img != NULL);
    if (!img) return;
    size_t len = 1024, need = 0;
    int rounds = 0;
    gguf_ctx *ctx = NULL;
    gguf_status st;
    char err[512];
    while ((st = gguf_open_memory(img, len, size, &ctx, &need, err, sizeof err)) == GGUF_ERR_NEED_MORE) {
        CHECK(need > len);
        CHECK(need <= size);
        CHECK_CONTAINS(err, "gguf: ");
        if (need <= len || ++rounds > 30) break;
        len = need;
    }
    CHECK_EQ_INT(st, GGUF_OK);
    CHECK(rounds >= 2 && rounds <= 12); /* the header is ~726 KB */
    CHECK(len < size);
    if (ctx) {
        CHECK_EQ_INT(gguf_n_tensors(ctx), 38);
        CHECK_EQ_INT(gguf_file_size(ctx), size);
        CHECK(gguf_data_offset(ctx) <= len);
        int in_memory = 0;
        for (int64_t i = 0; i < 38; i++) {
            const gguf_tensor_info *ti = gguf_tensor(ctx, i);
            bool fits = ti->offset + ti->size_bytes <= len;
            CHECK((gguf_tensor_data(ctx, i) != NULL) == fits);
            in_memory += fits;
        }
        CHECK(in_memory < 38);
        uint64_t n = 0;
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "tokenizer.ggml.tokens", NULL, &n), GGUF_OK);
        CHECK_EQ_INT(n, 32000);
        gguf_close(ctx);
    }
    free(img);
}

/* ---- writer -> reader ---- */

static void test_round_trip_all_types(void) {
    gguf_writer *w = gguf_writer_create();
    CHECK(w != NULL);
    if (!w) return;
    CHECK(gguf_writer_set_u32(w, "k.u32", 1));
    CHECK(gguf_writer_set_u32(w, "k.u32", 7)); /* replaces */
    CHECK(gguf_writer_set_i32(w, "k.i32", -5));
    CHECK(gguf_writer_set_u64(w, "k.u64", UINT64_C(1) << 40));
    CHECK(gguf_writer_set_u64(w, "k.u64_big", (UINT64_C(1) << 63) + 5));
    CHECK(gguf_writer_set_f32(w, "k.f32", 1.5f));
    CHECK(gguf_writer_set_bool(w, "k.bool", true));
    CHECK(gguf_writer_set_str(w, "k.str", "hello gguf"));
    const char *strs[] = {"a", "bc", ""};
    CHECK(gguf_writer_set_arr_str(w, "k.arr_str", strs, 3));
    const int32_t ints[] = {1, -2, 3};
    CHECK(gguf_writer_set_arr_i32(w, "k.arr_i32", ints, 3));
    const float floats[] = {0.5f, 2.0f};
    CHECK(gguf_writer_set_arr_f32(w, "k.arr_f32", floats, 2));
    CHECK(gguf_writer_set_arr_i32(w, "k.empty", NULL, 0));

    /* one tensor per type, rows of two blocks, three rows, random bytes */
    uint8_t *datas[GGUF_TYPE_COUNT] = {0};
    int n_types = 0;
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
        const gguf_type_info *ti = gguf_type_get(t);
        if (!ti) continue;
        const int64_t ne[2] = {2 * (int64_t)ti->block_elems, 3};
        size_t bytes = (size_t)gguf_type_tensor_bytes(t, (uint64_t)ne[0], (uint64_t)(ne[0] * ne[1]), NULL);
        datas[t] = malloc(bytes);
        for (size_t i = 0; i < bytes; i++) datas[t][i] = (uint8_t)rng();
        char name[64];
        snprintf(name, sizeof name, "t.%s", ti->name);
        CHECK(gguf_writer_add_tensor(w, name, (gguf_type)t, 2, ne, datas[t]));
        n_types++;
    }
    CHECK_EQ_INT(n_types, 32);
    const int64_t ne4[4] = {64, 3, 2, 2};
    CHECK(gguf_writer_add_tensor(w, "t.4d", GGUF_TYPE_Q8_0, 4, ne4, NULL)); /* zeros */

    /* refused: shape, type, name */
    const int64_t bad_row[2] = {100, 2}, zero[2] = {0, 2}, ok_ne[2] = {32, 1};
    CHECK(!gguf_writer_add_tensor(w, "x.bad_row", GGUF_TYPE_Q4_K, 2, bad_row, NULL));
    CHECK(!gguf_writer_add_tensor(w, "x.zero", GGUF_TYPE_F32, 2, zero, NULL));
    CHECK(!gguf_writer_add_tensor(w, "x.dims0", GGUF_TYPE_F32, 0, ok_ne, NULL));
    CHECK(!gguf_writer_add_tensor(w, "x.dims5", GGUF_TYPE_F32, 5, ne4, NULL));
    CHECK(!gguf_writer_add_tensor(w, "x.type4", (gguf_type)4, 2, ok_ne, NULL));
    CHECK(!gguf_writer_add_tensor(w, "t.f32", GGUF_TYPE_F32, 2, ok_ne, NULL)); /* duplicate */
    CHECK(!gguf_writer_add_tensor(w, "", GGUF_TYPE_F32, 2, ok_ne, NULL));
    CHECK(!gguf_writer_set_str(w, "k.null", NULL));
    CHECK(!gguf_writer_set_u32(w, "", 1));

    uint8_t *img = NULL;
    size_t len = 0;
    CHECK(gguf_writer_to_memory(w, &img, &len));
    CHECK_EQ_INT(len % 32, 0);
    uint8_t *copy = exact_copy(img, len);
    gguf_ctx *ctx = NULL;
    char err[512];
    gguf_status st = gguf_open_memory(copy, len, len, &ctx, NULL, err, sizeof err);
    if (st != GGUF_OK) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(st, GGUF_OK);
    if (ctx) {
        CHECK_EQ_INT(gguf_version(ctx), 3);
        CHECK_EQ_INT(gguf_n_kv(ctx), 11);
        CHECK_EQ_INT(gguf_n_tensors(ctx), 33);
        int64_t v = 0;
        double f = 0;
        bool b = false;
        const char *s = NULL;
        uint64_t n = 0;
        gguf_value_type et;
        CHECK_EQ_INT(gguf_get_int(ctx, "k.u32", &v), GGUF_OK);
        CHECK_EQ_INT(v, 7);
        CHECK_EQ_INT(gguf_kv_type(ctx, gguf_find_key(ctx, "k.u32")), GGUF_VAL_UINT32);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.i32", &v), GGUF_OK);
        CHECK_EQ_INT(v, -5);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.u64", &v), GGUF_OK);
        CHECK_EQ_INT(v, INT64_C(1) << 40);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.u64_big", &v), GGUF_ERR_INVALID); /* > INT64_MAX */
        CHECK_EQ_INT(gguf_get_float(ctx, "k.f32", &f), GGUF_OK);
        CHECK_NEAR(f, 1.5, 0.0);
        CHECK_EQ_INT(gguf_get_bool(ctx, "k.bool", &b), GGUF_OK);
        CHECK(b);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.bool", &v), GGUF_OK);
        CHECK_EQ_INT(v, 1);
        CHECK_EQ_INT(gguf_get_str(ctx, "k.str", &s, &n), GGUF_OK);
        CHECK_STR(s, "hello gguf");
        CHECK_EQ_INT(n, 10);
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "k.arr_str", &et, &n), GGUF_OK);
        CHECK_EQ_INT(et, GGUF_VAL_STRING);
        CHECK_EQ_INT(n, 3);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "k.arr_str", 1, &s, &n), GGUF_OK);
        CHECK(n == 2 && memcmp(s, "bc", 2) == 0);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "k.arr_str", 2, &s, &n), GGUF_OK);
        CHECK_EQ_INT(n, 0);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "k.arr_str", 3, &s, &n), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_int(ctx, "k.arr_i32", 1, &v), GGUF_OK);
        CHECK_EQ_INT(v, -2);
        CHECK_EQ_INT(gguf_get_arr_int(ctx, "k.arr_i32", 3, &v), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "k.arr_f32", &et, &n), GGUF_OK);
        CHECK_EQ_INT(et, GGUF_VAL_FLOAT32);
        CHECK_EQ_INT(n, 2);
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "k.empty", &et, &n), GGUF_OK);
        CHECK_EQ_INT(n, 0);
        /* wrong types and missing keys */
        CHECK_EQ_INT(gguf_get_arr_int(ctx, "k.arr_f32", 0, &v), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_arr_str(ctx, "k.arr_i32", 0, &s, &n), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_str(ctx, "k.u32", &s, &n), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_float(ctx, "k.str", &f), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.f32", &v), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_bool(ctx, "k.u32", &b), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_arr_info(ctx, "k.str", &et, &n), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_int(ctx, "k.missing", &v), GGUF_ERR_NOT_FOUND);
        CHECK_EQ_INT(gguf_get_int(ctx, NULL, &v), GGUF_ERR_NOT_FOUND);
        CHECK_EQ_INT(gguf_find_key(ctx, "k.missing"), -1);
        CHECK_STR(gguf_kv_key(ctx, gguf_find_key(ctx, "k.str")), "k.str");
        CHECK(gguf_kv_key(ctx, -1) == NULL);
        CHECK(gguf_kv_key(ctx, 11) == NULL);
        CHECK_EQ_INT(gguf_kv_type(ctx, 11), GGUF_VAL_COUNT);
        CHECK(gguf_tensor(ctx, 33) == NULL);
        CHECK(gguf_tensor(ctx, -1) == NULL);
        CHECK(gguf_tensor_data(ctx, 33) == NULL);
        CHECK_EQ_INT(gguf_find_tensor(ctx, "t.missing"), -1);

        int same = 0;
        uint64_t sum = 0;
        for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
            const gguf_type_info *info = gguf_type_get(t);
            if (!info) continue;
            char name[64];
            snprintf(name, sizeof name, "t.%s", info->name);
            int64_t i = gguf_find_tensor(ctx, name);
            const gguf_tensor_info *ti = gguf_tensor(ctx, i);
            CHECK(ti != NULL);
            if (!ti) continue;
            CHECK_STR(ti->name, name);
            CHECK_EQ_INT(ti->type, t);
            CHECK_EQ_INT(ti->n_dims, 2);
            CHECK_EQ_INT(ti->ne[0], 2 * (int64_t)info->block_elems);
            CHECK_EQ_INT(ti->ne[1], 3);
            CHECK_EQ_INT(ti->ne[2], 1);
            CHECK_EQ_INT(ti->n_elements, 6ull * info->block_elems);
            CHECK_EQ_INT(ti->size_bytes, 6ull * info->block_bytes);
            CHECK_EQ_INT(ti->offset % 32, 0);
            const void *d = gguf_tensor_data(ctx, i);
            same += d && memcmp(d, datas[t], (size_t)ti->size_bytes) == 0;
            sum += ti->size_bytes;
        }
        CHECK_EQ_INT(same, 32);
        const gguf_tensor_info *t4 = gguf_tensor(ctx, gguf_find_tensor(ctx, "t.4d"));
        CHECK(t4 != NULL);
        if (t4) {
            CHECK_EQ_INT(t4->n_dims, 4);
            CHECK_EQ_INT(t4->ne[3], 2);
            CHECK_EQ_INT(t4->size_bytes, 64 * 3 * 2 * 2 / 32 * 34);
            const uint8_t *d = gguf_tensor_data(ctx, gguf_find_tensor(ctx, "t.4d"));
            int zeros = 0;
            for (uint64_t k = 0; d && k < t4->size_bytes; k++) zeros += d[k] == 0;
            CHECK_EQ_INT(zeros, t4->size_bytes);
            sum += t4->size_bytes;
        }
        CHECK_EQ_INT(gguf_total_tensor_bytes(ctx), sum);
        gguf_close(ctx);
    }
    free(copy);
    free(img);
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) free(datas[t]);
    gguf_writer_free(w);
}

static void test_writer_alignment(void) {
    gguf_writer *w = gguf_writer_create();
    CHECK(gguf_writer_set_u32(w, "general.alignment", 64));
    const int64_t ne[1] = {40};
    CHECK(gguf_writer_add_tensor(w, "a", GGUF_TYPE_F32, 1, ne, NULL)); /* 160 bytes */
    CHECK(gguf_writer_add_tensor(w, "b", GGUF_TYPE_F16, 1, ne, NULL)); /* 80 bytes */
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK(gguf_writer_to_memory(w, &img, &len));
    gguf_ctx *ctx = NULL;
    char err[512];
    CHECK_EQ_INT(gguf_open_memory(img, len, len, &ctx, NULL, err, sizeof err), GGUF_OK);
    if (ctx) {
        CHECK_EQ_INT(gguf_alignment(ctx), 64);
        CHECK_EQ_INT(gguf_data_offset(ctx) % 64, 0);
        CHECK_EQ_INT(gguf_tensor(ctx, 1)->offset - gguf_data_offset(ctx), 192); /* 160 padded to 64 */
        CHECK_EQ_INT(len, gguf_data_offset(ctx) + 192 + 128);
        gguf_close(ctx);
    }
    free(img);
    gguf_writer_free(w);
}

static void test_writer_file(void) {
    char dir[] = "/tmp/llmcap_gguf_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/out.gguf", dir);
    for (int round = 0; round < 2; round++) { /* the second write replaces the first */
        gguf_writer *w = gguf_writer_create();
        CHECK(gguf_writer_set_u32(w, "round", (uint32_t)round));
        const int64_t ne[2] = {32, 4};
        CHECK(gguf_writer_add_tensor(w, "w", GGUF_TYPE_Q8_0, 2, ne, NULL));
        CHECK(gguf_writer_to_file(w, path));
        gguf_writer_free(w);
        gguf_ctx *ctx = NULL;
        CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_OK);
        int64_t v = -1;
        CHECK_EQ_INT(gguf_get_int(ctx, "round", &v), GGUF_OK);
        CHECK_EQ_INT(v, round);
        CHECK_EQ_INT(gguf_tensor(ctx, 0) ? gguf_tensor(ctx, 0)->size_bytes : 0, 4 * 34);
        gguf_close(ctx);
    }
    /* no temp file left behind */
    DIR *d = opendir(dir);
    int entries = 0;
    for (struct dirent *de; d && (de = readdir(d));) entries += de->d_name[0] != '.';
    if (d) closedir(d);
    CHECK_EQ_INT(entries, 1);
    /* a directory that does not exist */
    gguf_writer *w = gguf_writer_create();
    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing/out.gguf", dir);
    CHECK(!gguf_writer_to_file(w, bad));
    gguf_writer_free(w);
    unlink(path);
    rmdir(dir);
}

static void test_open_file_errors(void) {
    char dir[] = "/tmp/llmcap_gguf_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    gguf_ctx *ctx = (gguf_ctx *)(uintptr_t)1;

    snprintf(path, sizeof path, "%s/none.gguf", dir);
    CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_ERR_IO);
    CHECK(ctx == NULL);
    CHECK_CONTAINS(err, "none.gguf");

    CHECK_EQ_INT(gguf_open_file(dir, &ctx, err, sizeof err), GGUF_ERR_IO);
    CHECK_CONTAINS(err, "not a regular file");

    snprintf(path, sizeof path, "%s/empty.gguf", dir);
    FILE *f = fopen(path, "wb");
    if (f) fclose(f);
    CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "empty (0 bytes)");
    unlink(path);

    CHECK_EQ_INT(gguf_open_file("/dev/null", &ctx, err, sizeof err), GGUF_ERR_IO);
    CHECK_CONTAINS(err, "not a regular file");

    snprintf(path, sizeof path, "%s/fifo", dir);
    if (mkfifo(path, 0600) == 0) { /* must not block waiting for a writer */
        CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_ERR_IO);
        CHECK_CONTAINS(err, "not a regular file");
        unlink(path);
    }

    snprintf(path, sizeof path, "%s/text.gguf", dir);
    f = fopen(path, "wb");
    if (f) { fputs("hello, world\n", f); fclose(f); }
    CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_ERR_MAGIC);
    CHECK_CONTAINS(err, "bad magic 'hell'");
    unlink(path);
    rmdir(dir);

    CHECK_EQ_INT(gguf_open_file(NULL, &ctx, NULL, 0), GGUF_ERR_INVALID);
    CHECK_EQ_INT(gguf_open_memory("GGUF", 4, 3, &ctx, NULL, err, sizeof err), GGUF_ERR_INVALID); /* size < len */
    CHECK_EQ_INT(gguf_open_memory(NULL, 4, 4, &ctx, NULL, NULL, 0), GGUF_ERR_INVALID);
    CHECK_EQ_INT(gguf_open_memory("GGUF", 4, 4, NULL, NULL, NULL, 0), GGUF_ERR_INVALID);
    char tiny_err[8]; /* messages are cut, never overflow */
    CHECK_EQ_INT(gguf_open_memory("GGUX", 4, 4, &ctx, NULL, tiny_err, sizeof tiny_err), GGUF_ERR_MAGIC);
    CHECK_EQ_INT(strlen(tiny_err), 7);
    /* NULL-context accessors */
    CHECK_EQ_INT(gguf_n_kv(NULL), 0);
    CHECK_EQ_INT(gguf_n_tensors(NULL), 0);
    CHECK_EQ_INT(gguf_find_key(NULL, "x"), -1);
    CHECK(gguf_tensor(NULL, 0) == NULL);
    gguf_close(NULL);
}

static void test_status_strings(void) {
    for (int a = GGUF_OK; a <= GGUF_ERR_TYPE; a++) {
        CHECK(strlen(gguf_status_str((gguf_status)a)) > 1);
        for (int b = GGUF_OK; b < a; b++) {
            CHECK(strcmp(gguf_status_str((gguf_status)a), gguf_status_str((gguf_status)b)) != 0);
        }
    }
    CHECK_STR(gguf_status_str(GGUF_OK), "ok");
}

/* ---- malformed input ---- */

static void test_every_truncation(void) {
    size_t size = 0;
    uint8_t *img = small_image(&size);
    if (!img) return;
    char err[512];
    CHECK_EQ_INT(open_copy(img, size, err, sizeof err), GGUF_OK);
    int truncated = 0, prefix_ok = 0, prefix_more = 0;
    for (size_t len = 0; len < size; len++) {
        /* the file itself is cut here */
        gguf_status st = open_copy(img, len, err, sizeof err);
        truncated += st == GGUF_ERR_TRUNCATED;
        if (st != GGUF_ERR_TRUNCATED) fprintf(stderr, "  len %zu: %s\n", len, err);
        /* the file is whole, we only have a prefix */
        uint8_t *p = exact_copy(img, len);
        gguf_ctx *ctx = NULL;
        size_t need = 0;
        st = gguf_open_memory(len ? p : NULL, len, size, &ctx, &need, err, sizeof err);
        if (st == GGUF_ERR_NEED_MORE) {
            prefix_more++;
            CHECK(need > len && need <= size);
        } else {
            CHECK_EQ_INT(st, GGUF_OK);
            prefix_ok += st == GGUF_OK;
            for (int64_t i = 0; ctx && i < gguf_n_tensors(ctx); i++) {
                const gguf_tensor_info *ti = gguf_tensor(ctx, i);
                CHECK((gguf_tensor_data(ctx, i) != NULL) == (ti->offset + ti->size_bytes <= len));
            }
        }
        gguf_close(ctx);
        free(p);
    }
    CHECK_EQ_INT(truncated, (int)size);
    CHECK_EQ_INT(prefix_ok + prefix_more, (int)size);
    CHECK(prefix_ok > 0 && prefix_more > 0);
    /* the message names the place */
    CHECK_EQ_INT(open_copy(img, 30, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "gguf: header: n_kv 6 cannot fit in the 6 bytes left");
    CHECK_EQ_INT(open_copy(img, 124, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "gguf: key #3: file ends inside the key (offset 117 + 9 > size 124)");
    CHECK_EQ_INT(open_copy(img, 150, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "gguf: key 'k.arr_str': string array length 3 cannot fit");
    CHECK_EQ_INT(open_copy(img, size - 1, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "gguf: tensor 'c.weight' data ends past end of file (offset 576 + 288 > size 863)");
    CHECK_EQ_INT(open_copy(img, 0, err, sizeof err), GGUF_ERR_TRUNCATED);
    CHECK_CONTAINS(err, "empty");
    free(img);
}

/* Opening img must give status want and a message containing msg. */
static void expect(const uint8_t *img, size_t len, gguf_status want, const char *msg) {
    char err[512] = "";
    gguf_status st = open_copy(img, len, err, sizeof err);
    CHECK_EQ_INT(st, want);
    CHECK_CONTAINS(err, msg);
}

static void test_malformed_header(void) {
    size_t size = 0;
    uint8_t *img = small_image(&size);
    if (!img) return;
    uint8_t *m = malloc(size);

    memcpy(m, img, size); m[3] = 'X';
    expect(m, size, GGUF_ERR_MAGIC, "bad magic 'GGUX'");
    memcpy(m, img, size); put_le32(m + 4, 1);
    expect(m, size, GGUF_ERR_VERSION, "version 1 is not supported");
    memcpy(m, img, size); put_le32(m + 4, 4);
    expect(m, size, GGUF_ERR_VERSION, "unsupported version 4");
    memcpy(m, img, size); put_le32(m + 4, 0x03000000u);
    expect(m, size, GGUF_ERR_VERSION, "big-endian");
    memcpy(m, img, size); put_le32(m + 4, 2); /* v2 has the same layout */
    expect(m, size, GGUF_OK, "");
    memcpy(m, img, size); put_le64(m + 16, UINT64_C(1) << 62);
    expect(m, size, GGUF_ERR_TRUNCATED, "n_kv 4611686018427387904 cannot fit");
    memcpy(m, img, size); put_le64(m + 8, UINT64_MAX);
    expect(m, size, GGUF_ERR_TRUNCATED, "n_tensors");
    memcpy(m, img, size); put_le64(m + 24, UINT64_MAX); /* first key's length */
    expect(m, size, GGUF_ERR_TRUNCATED, "key #0: file ends inside the key");
    memcpy(m, img, size); put_le64(m + 24, 0);
    expect(m, size, GGUF_ERR_INVALID, "empty key");
    free(m);
    free(img);
}

static void test_malformed_kvs(void) {
    size_t size = 0;
    uint8_t *img = small_image(&size);
    if (!img) return;
    uint8_t *m = malloc(size);
    long k;

    /* the u32 value type follows each key's bytes */
    k = find_bytes(img, size, "k.u32");
    memcpy(m, img, size); put_le32(m + k + 5, 13);
    expect(m, size, GGUF_ERR_INVALID, "key 'k.u32': invalid value type 13");
    k = find_bytes(img, size, "k.bool");
    memcpy(m, img, size); m[k + 6 + 4] = 2;
    expect(m, size, GGUF_ERR_INVALID, "bool value 2");
    k = find_bytes(img, size, "k.arr_i32");
    memcpy(m, img, size); put_le32(m + k + 9 + 4, GGUF_VAL_ARRAY);
    expect(m, size, GGUF_ERR_INVALID, "arrays of arrays");
    memcpy(m, img, size); put_le32(m + k + 9 + 4, 77);
    expect(m, size, GGUF_ERR_INVALID, "invalid array element type 77");
    memcpy(m, img, size); put_le64(m + k + 9 + 8, UINT64_C(1) << 61); /* array length */
    expect(m, size, GGUF_ERR_TRUNCATED, "array length");
    k = find_bytes(img, size, "k.arr_str");
    memcpy(m, img, size); put_le64(m + k + 9 + 8, UINT64_MAX / 4);
    expect(m, size, GGUF_ERR_TRUNCATED, "string array length");
    memcpy(m, img, size); put_le64(m + k + 9 + 16, UINT64_C(1) << 40); /* first string's length */
    expect(m, size, GGUF_ERR_TRUNCATED, "key 'k.arr_str': file ends inside an array string");
    /* keys that collide once patched: "dup.b" -> "dup.a" */
    {
        gguf_writer *w = gguf_writer_create();
        CHECK(gguf_writer_set_u32(w, "dup.a", 1));
        CHECK(gguf_writer_set_u32(w, "dup.b", 2));
        uint8_t *d = NULL;
        size_t dl = 0;
        CHECK(gguf_writer_to_memory(w, &d, &dl));
        long p = find_bytes(d, dl, "dup.b");
        d[p + 4] = 'a';
        expect(d, dl, GGUF_ERR_INVALID, "duplicate key 'dup.a' (entries 0 and 1)");
        d[p + 2] = 0; /* NUL inside a key */
        expect(d, dl, GGUF_ERR_INVALID, "contains a NUL byte");
        free(d);
        gguf_writer_free(w);
    }
    /* general.alignment must be a power-of-two uint32 */
    static const struct { uint32_t v; bool ok; } aligns[] = {{3, false}, {0, false}, {48, false}, {16, true}};
    for (size_t i = 0; i < 4; i++) {
        gguf_writer *w = gguf_writer_create();
        CHECK(gguf_writer_set_u32(w, "general.alignment", aligns[i].v));
        const int64_t ne[1] = {64};
        CHECK(gguf_writer_add_tensor(w, "t", GGUF_TYPE_F32, 1, ne, NULL));
        uint8_t *d = NULL;
        size_t dl = 0;
        CHECK(gguf_writer_to_memory(w, &d, &dl));
        if (aligns[i].ok) expect(d, dl, GGUF_OK, "");
        else expect(d, dl, GGUF_ERR_INVALID, "general.alignment");
        free(d);
        gguf_writer_free(w);
    }
    {
        gguf_writer *w = gguf_writer_create();
        CHECK(gguf_writer_set_str(w, "general.alignment", "32"));
        uint8_t *d = NULL;
        size_t dl = 0;
        CHECK(gguf_writer_to_memory(w, &d, &dl));
        expect(d, dl, GGUF_ERR_INVALID, "type string, expected uint32");
        free(d);
        gguf_writer_free(w);
    }
    free(m);
    free(img);
}

static void test_malformed_tensors(void) {
    size_t size = 0;
    uint8_t *img = small_image(&size);
    if (!img) return;
    uint8_t *m = malloc(size);
    /* a tensor info: name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset */
    const long a = find_bytes(img, size, "a.weight") + 8;  /* n_dims of a: 2 */
    const long b = find_bytes(img, size, "b.weight") + 8;  /* n_dims of b: 2 */
    const long c = find_bytes(img, size, "c.weight") + 8;  /* n_dims of c: 1 */
    const long a_type = a + 4 + 16, a_off = a_type + 4;
    const long b_type = b + 4 + 16, b_off = b_type + 4;
    const long c_off = c + 4 + 8 + 4;

    memcpy(m, img, size); put_le32(m + a, 0);
    expect(m, size, GGUF_ERR_INVALID, "tensor 'a.weight': n_dims 0 out of range 1..4");
    memcpy(m, img, size); put_le32(m + a, 5);
    expect(m, size, GGUF_ERR_INVALID, "n_dims 5 out of range");
    memcpy(m, img, size); put_le32(m + a_type, 4);
    expect(m, size, GGUF_ERR_INVALID, "tensor 'a.weight': invalid tensor type 4");
    memcpy(m, img, size); put_le32(m + a_type, 200);
    expect(m, size, GGUF_ERR_INVALID, "invalid tensor type 200");
    memcpy(m, img, size); put_le32(m + a_type, 0x80000002u);
    expect(m, size, GGUF_ERR_INVALID, "invalid tensor type");
    memcpy(m, img, size); put_le64(m + a + 4, 0);
    expect(m, size, GGUF_ERR_INVALID, "ne[0] = 0");
    memcpy(m, img, size); put_le64(m + a + 4, UINT64_MAX);
    expect(m, size, GGUF_ERR_INVALID, "ne[0] = 18446744073709551615");
    memcpy(m, img, size); put_le64(m + a + 4, UINT64_C(1) << 62); put_le64(m + a + 12, 8);
    expect(m, size, GGUF_ERR_INVALID, "element count overflows");
    memcpy(m, img, size); put_le64(m + b + 4, 48); /* Q8_0 rows must be whole 32-blocks */
    expect(m, size, GGUF_ERR_INVALID, "row length 48 is not a multiple of the Q8_0 block (32)");
    memcpy(m, img, size); put_le64(m + a_off, 16);
    expect(m, size, GGUF_ERR_INVALID, "offset 16 is not a multiple of the alignment 32");
    memcpy(m, img, size); put_le64(m + b_off, 0); /* b on top of a */
    expect(m, size, GGUF_ERR_INVALID, "overlaps");
    memcpy(m, img, size); put_le64(m + c_off, 64); /* c starts inside b */
    expect(m, size, GGUF_ERR_INVALID, "tensor 'c.weight' data (offset");
    memcpy(m, img, size); put_le64(m + c_off, 4096);
    expect(m, size, GGUF_ERR_TRUNCATED, "tensor 'c.weight' data ends past end of file (offset");
    memcpy(m, img, size); put_le64(m + c_off, UINT64_MAX - 31);
    expect(m, size, GGUF_ERR_INVALID, "overflows");
    memcpy(m, img, size); memcpy(m + b - 8, "a", 1); /* b.weight -> a.weight */
    expect(m, size, GGUF_ERR_INVALID, "duplicate tensor name 'a.weight' (tensors 0 and 1)");
    memcpy(m, img, size); put_le64(m + a - 16, 0); /* a's name length 0 */
    expect(m, size, GGUF_ERR_INVALID, "empty tensor name");
    free(m);
    free(img);
}

/* Seeded random mutations of the small file and of a real header: none may
 * crash or read out of bounds; whatever opens must be self-consistent. */
static void test_random_mutations(void) {
    size_t size = 0;
    uint8_t *img = small_image(&size);
    if (!img) return;
    rng_state = 12345u;
    int counts[GGUF_ERR_TYPE + 1] = {0};
    for (int iter = 0; iter < 4000; iter++) {
        size_t len = size;
        uint8_t *m = exact_copy(img, size);
        int flips = 1 + (int)(rng() % 4);
        for (int k = 0; k < flips; k++) {
            /* mostly inside the header (the first 320 bytes), sometimes anywhere */
            size_t pos = rng() % 4 ? rng() % (size < 320 ? size : 320) : rng() % size;
            switch (rng() % 3) {
            case 0: m[pos] ^= (uint8_t)(1u << (rng() % 8)); break;
            case 1: m[pos] = (uint8_t)rng(); break;
            default: m[pos] = (uint8_t)(rng() % 2 ? 0xff : 0x00); break;
            }
        }
        if (rng() % 5 == 0) len = rng() % size;
        uint8_t *p = exact_copy(m, len);
        gguf_ctx *ctx = NULL;
        char err[256];
        gguf_status st = gguf_open_memory(len ? p : NULL, len, len, &ctx, NULL, err, sizeof err);
        CHECK(st <= GGUF_ERR_TYPE && st != GGUF_ERR_NEED_MORE);
        counts[st]++;
        if (st == GGUF_OK) {
            /* touch everything the context offers */
            for (int64_t i = 0; i < gguf_n_kv(ctx); i++) {
                const char *key = gguf_kv_key(ctx, i);
                CHECK(key && gguf_find_key(ctx, key) == i);
                gguf_value_type et;
                uint64_t n = 0;
                if (gguf_get_arr_info(ctx, key, &et, &n) == GGUF_OK) {
                    for (uint64_t j = 0; j < n && j < 64; j++) {
                        const char *s;
                        uint64_t sl;
                        int64_t v;
                        if (gguf_get_arr_str(ctx, key, j, &s, &sl) == GGUF_OK) {
                            volatile char sink = 0;
                            for (uint64_t q = 0; q < sl; q++) sink ^= s[q];
                            (void)sink;
                        }
                        (void)gguf_get_arr_int(ctx, key, j, &v);
                    }
                }
                const char *s;
                uint64_t sl;
                if (gguf_get_str(ctx, key, &s, &sl) == GGUF_OK) CHECK(strlen(s) <= sl);
            }
            for (int64_t i = 0; i < gguf_n_tensors(ctx); i++) {
                const gguf_tensor_info *ti = gguf_tensor(ctx, i);
                CHECK(ti->offset + ti->size_bytes <= len);
                CHECK(ti->n_dims >= 1 && ti->n_dims <= 4);
                const uint8_t *d = gguf_tensor_data(ctx, i);
                CHECK(d != NULL);
                if (d && ti->size_bytes) {
                    volatile uint8_t sink = d[0] ^ d[ti->size_bytes - 1];
                    (void)sink;
                }
            }
            CHECK_EQ_INT(gguf_data_offset(ctx) % gguf_alignment(ctx), 0);
        }
        gguf_close(ctx);
        free(p);
        free(m);
    }
    /* the battery reached the parser's different outcomes */
    CHECK(counts[GGUF_OK] > 0);
    CHECK(counts[GGUF_ERR_TRUNCATED] > 0);
    CHECK(counts[GGUF_ERR_INVALID] > 0);
    CHECK(counts[GGUF_ERR_MAGIC] > 0);
    CHECK(counts[GGUF_ERR_VERSION] > 0);
    free(img);

    /* the real vocabulary header: flips in the first 64 KB of a 12 MB file */
    char path[1200];
    model_path(path, sizeof path, "tiny-llama-q4_0.gguf");
    size_t fsize = 0;
    uint8_t *file = read_all(path, &fsize);
    CHECK(file != NULL);
    for (int iter = 0; file && iter < 300; iter++) {
        uint8_t *m = exact_copy(file, fsize);
        for (int k = 0; k < 3; k++) m[rng() % 65536] = (uint8_t)rng();
        gguf_ctx *ctx = NULL;
        gguf_status st = gguf_open_memory(m, fsize, fsize, &ctx, NULL, NULL, 0);
        CHECK(st <= GGUF_ERR_TYPE && st != GGUF_ERR_NEED_MORE);
        gguf_close(ctx);
        free(m);
    }
    free(file);
}

/* ---- gguf_get_arr_float ---- */

static void test_arr_float(void) {
    gguf_writer *w = gguf_writer_create();
    CHECK(w != NULL);
    if (!w) return;
    const float floats[] = {0.5f, -2.25f, 1e30f};
    const int32_t ints[] = {1, 2};
    const char *strs[] = {"a"};
    CHECK(gguf_writer_set_arr_f32(w, "k.f", floats, 3));
    CHECK(gguf_writer_set_arr_i32(w, "k.i", ints, 2));
    CHECK(gguf_writer_set_arr_str(w, "k.s", strs, 1));
    CHECK(gguf_writer_set_f32(w, "k.scalar", 1.0f));
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK(gguf_writer_to_memory(w, &img, &len));
    gguf_writer_free(w);
    gguf_ctx *ctx = NULL;
    CHECK_EQ_INT(gguf_open_memory(img, len, len, &ctx, NULL, NULL, 0), GGUF_OK);
    if (ctx) {
        double d = 7.0;
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", 0, &d), GGUF_OK);
        CHECK_NEAR(d, 0.5, 0);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", 1, &d), GGUF_OK);
        CHECK_NEAR(d, -2.25, 0);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", 2, &d), GGUF_OK);
        CHECK_NEAR(d, (double)1e30f, 0);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", 2, NULL), GGUF_OK);
        d = 7.0;
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", 3, &d), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.f", UINT64_MAX, &d), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.i", 0, &d), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.s", 0, &d), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.scalar", 0, &d), GGUF_ERR_TYPE);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "k.missing", 0, &d), GGUF_ERR_NOT_FOUND);
        CHECK_NEAR(d, 7.0, 0); /* untouched on failure */
        gguf_close(ctx);
    }
    free(img);

    /* a real file: the LLaMA SentencePiece scores (0 for <unk>, -31740 last) */
    char path[1200];
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-llama-spm.gguf", shared_dir());
    char err[256];
    CHECK_EQ_INT(gguf_open_file(path, &ctx, err, sizeof err), GGUF_OK);
    if (ctx) {
        double d = 1.0;
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "tokenizer.ggml.scores", 0, &d), GGUF_OK);
        CHECK_NEAR(d, 0.0, 0);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "tokenizer.ggml.scores", 31999, &d), GGUF_OK);
        CHECK_NEAR(d, -31740.0, 0);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "tokenizer.ggml.scores", 32000, &d), GGUF_ERR_INVALID);
        CHECK_EQ_INT(gguf_get_arr_float(ctx, "tokenizer.ggml.token_type", 0, &d), GGUF_ERR_TYPE);
        gguf_close(ctx);
    }
}

TEST_MAIN(TEST(test_tiny_models), TEST(test_tiny_model_data), TEST(test_tiny_models_match_plan),
          TEST(test_prefix_need_more), TEST(test_round_trip_all_types), TEST(test_writer_alignment),
          TEST(test_writer_file), TEST(test_open_file_errors), TEST(test_status_strings),
          TEST(test_every_truncation), TEST(test_malformed_header), TEST(test_malformed_kvs),
          TEST(test_malformed_tensors), TEST(test_random_mutations),
          TEST(test_arr_float))
