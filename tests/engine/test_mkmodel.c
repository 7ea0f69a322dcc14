/* test_mkmodel.c - synthetic GGUF models (engine/mkmodel.h) and the writer
 * additions they use (gguf_writer_copy_kv, gguf_writer_add_tensor_info,
 * gguf_writer_header_to_memory).
 *
 * Every written model is parsed back with our reader and checked against
 * values worked out here: the parameter count of the benchmark shape (155.7 M,
 * shared/testdata/models/README.md), tensor names, shapes and byte sizes
 * (gguf_type_tensor_bytes), the metadata of the llama.cpp-made reference file
 * tiny-llama-f32.gguf, weight statistics (N(0, 1/fan_in)), byte-identical
 * output for a seed (and across thread counts), and the tokenizer keys copied
 * from shared/testdata/vocab/ggml-vocab-llama-spm.gguf.
 *
 * Run from the repository root (data/models.json is read from ./data). The
 * shared folder is $LLMCAP_SHARED, else ../shared, else /work/shared; checks
 * that need it are skipped (and say so) when it is missing.
 */
#include "gguf.h"
#include "llmcap.h"
#include "mkmodel.h"
#include "test.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---- */

static const char *shared_dir(void) {
    static char dir[1024];
    if (dir[0]) return dir[0] == '-' ? NULL : dir;
    const char *env = getenv("LLMCAP_SHARED");
    const char *candidates[] = {env, "../shared", "/work/shared"};
    for (size_t i = 0; i < 3; i++) {
        if (!candidates[i]) continue;
        char probe[1200];
        snprintf(probe, sizeof probe, "%s/testdata/vocab/ggml-vocab-llama-spm.gguf", candidates[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%s", candidates[i]);
            return dir;
        }
    }
    dir[0] = '-';
    fprintf(stderr, "  (shared test data not found: skipping the checks that need it)\n");
    return NULL;
}

static gguf_ctx *open_shared(const char *rel) {
    const char *d = shared_dir();
    if (!d) return NULL;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", d, rel);
    gguf_ctx *g = NULL;
    char err[256];
    if (gguf_open_file(path, &g, err, sizeof err) != GGUF_OK) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return NULL;
    }
    return g;
}

/* A small llama shape whose rows are whole blocks of every type (256). */
static mkmodel_params small_dims(void) {
    mkmodel_params p = mkmodel_default_params();
    p.n_embd = 256;
    p.n_layer = 2;
    p.n_head = 4;
    p.n_head_kv = 2;
    p.n_ff = 512;
    p.n_vocab = 300;
    p.n_ctx = 128;
    return p;
}

typedef struct model_img {
    uint8_t *buf;
    size_t len;
    gguf_ctx *g;
    mkmodel_result res;
} model_img;

/* Write p into memory and parse it back; false (with a message) on failure. */
static bool make_model(const mkmodel_params *p, model_img *m) {
    char err[512] = "";
    memset(m, 0, sizeof *m);
    mkmodel_status st = mkmodel_write_memory(p, &m->buf, &m->len, &m->res, err, sizeof err);
    if (st != MKMODEL_OK) {
        fprintf(stderr, "  mkmodel_write_memory: %s (%s)\n", mkmodel_status_str(st), err);
        return false;
    }
    gguf_status gs = gguf_open_memory(m->buf, m->len, m->len, &m->g, NULL, err, sizeof err);
    if (gs != GGUF_OK) {
        fprintf(stderr, "  reading the model back: %s\n", err);
        return false;
    }
    return true;
}

static void free_model(model_img *m) {
    gguf_close(m->g);
    free(m->buf);
    memset(m, 0, sizeof *m);
}

static int64_t get_int(const gguf_ctx *g, const char *key) {
    int64_t v = -1;
    if (gguf_get_int(g, key, &v) != GGUF_OK) return -1;
    return v;
}

static const gguf_tensor_info *tensor(const gguf_ctx *g, const char *name) {
    return gguf_tensor(g, gguf_find_tensor(g, name));
}

static bool token_is(const gguf_ctx *g, uint64_t i, const char *want) {
    const char *s;
    uint64_t len;
    if (gguf_get_arr_str(g, "tokenizer.ggml.tokens", i, &s, &len) != GGUF_OK) return false;
    return len == strlen(want) && memcmp(s, want, (size_t)len) == 0;
}

/* ---- shapes and parameters ---- */

static void test_small_shape_params(void) {
    mkmodel_params p = mkmodel_default_params();
    CHECK_EQ_INT(mkmodel_builtin_shape("small", &p), MKMODEL_OK);
    /* embeddings 2 * 32000 * 1024 + output_norm 1024 + 8 layers of
     * (q 1024*1024 + k,v 2 * 1024*256 + o 1024*1024 + ffn 3 * 1024*2816 + norms 2 * 1024) */
    double want = 2.0 * 32000 * 1024 + 1024 + 8.0 * (2 * 1048576 + 2 * 262144 + 3 * 1024 * 2816 + 2048);
    CHECK_EQ_INT((int64_t)mkmodel_n_params(&p), (int64_t)want);
    CHECK_REL(mkmodel_n_params(&p), 155.7e6, 0.001);
    CHECK_EQ_INT(mkmodel_validate(&p, NULL, 0), MKMODEL_OK);
    CHECK_EQ_INT(p.head_dim, 64);
    CHECK_EQ_INT(p.n_ctx, 2048);
    CHECK(!p.tied);

    mkmodel_params t = mkmodel_default_params();
    CHECK_EQ_INT(mkmodel_builtin_shape("tiny", &t), MKMODEL_OK);
    CHECK_REL(mkmodel_n_params(&t), 11.3e6, 0.005);
    CHECK(t.tied);
    CHECK_EQ_INT(mkmodel_builtin_shape("medium", &t), MKMODEL_ERR_INVALID);
}

static void test_from_spec(void) {
    llmcap_db *db = NULL;
    llmcap_error lerr = {0};
    CHECK_EQ_INT(llmcap_db_load_dir("data", &db, &lerr), LLMCAP_OK);
    if (!db) return;
    int n_dense = 0;
    for (size_t i = 0; i < llmcap_db_n_models(db); i++) {
        const llmcap_model_spec *s = llmcap_db_model_at(db, i);
        mkmodel_params p = mkmodel_default_params();
        char err[256] = "";
        mkmodel_status st = mkmodel_params_from_spec(s, &p, err, sizeof err);
        bool dense_ok = (!strcmp(s->arch, "llama") || !strcmp(s->arch, "qwen2")) && s->n_expert <= 1;
        if (!dense_ok) {
            CHECK_EQ_INT(st, MKMODEL_ERR_UNSUPPORTED);
            CHECK_CONTAINS(err, s->id);
            continue;
        }
        n_dense++;
        CHECK_EQ_INT(st, MKMODEL_OK);
        CHECK_EQ_INT(mkmodel_validate(&p, err, sizeof err), MKMODEL_OK);
        CHECK_STR(p.arch, s->arch);
        CHECK(p.qkv_bias == (strcmp(s->arch, "qwen2") == 0));
        /* our tensor list counts what the database's params_total counts */
        if (s->params_total > 0) CHECK_REL(mkmodel_n_params(&p), s->params_total, 0.005); /* data rounds some (135e6) */
    }
    CHECK(n_dense >= 20);

    const llmcap_model_spec *s = llmcap_db_find_model(db, "llama-3.2-1b");
    CHECK(s != NULL);
    if (s) {
        mkmodel_params p = mkmodel_default_params();
        CHECK_EQ_INT(mkmodel_params_from_spec(s, &p, NULL, 0), MKMODEL_OK);
        CHECK_EQ_INT(p.n_vocab, 128256);
        CHECK(p.tied);
        CHECK_NEAR(p.rope_base, 500000.0, 0);
        CHECK_REL(mkmodel_n_params(&p), 1.2358e9, 0.001);
    }
    s = llmcap_db_find_model(db, "gemma-2-2b");
    if (s) {
        mkmodel_params p = mkmodel_default_params();
        char err[256] = "";
        CHECK_EQ_INT(mkmodel_params_from_spec(s, &p, err, sizeof err), MKMODEL_ERR_UNSUPPORTED);
        CHECK_CONTAINS(err, "architecture gemma2; mkmodel writes llama or qwen2");
    }
    llmcap_db_free(db);
}

static void test_parse_type(void) {
    int wt = 0, ft = 0;
    char err[256] = "";
    CHECK_EQ_INT(mkmodel_parse_type("q4_0", &wt, &ft, err, sizeof err), MKMODEL_OK);
    CHECK_EQ_INT(wt, GGUF_TYPE_Q4_0);
    CHECK_EQ_INT(ft, -1);
    CHECK_EQ_INT(mkmodel_parse_type("BF16", &wt, &ft, err, sizeof err), MKMODEL_OK);
    CHECK_EQ_INT(wt, GGUF_TYPE_BF16);
    CHECK_EQ_INT(mkmodel_parse_type("Q4_K_M", &wt, &ft, err, sizeof err), MKMODEL_OK);
    CHECK_EQ_INT(wt, -1);
    CHECK_EQ_INT(ft, GGUF_FTYPE_Q4_K_M);
    CHECK_EQ_INT(mkmodel_parse_type("Q6_K", &wt, &ft, err, sizeof err), MKMODEL_OK);
    CHECK_EQ_INT(wt, GGUF_TYPE_Q6_K); /* a tensor type name means pure */
    CHECK_EQ_INT(mkmodel_parse_type("q9_9", &wt, &ft, err, sizeof err), MKMODEL_ERR_INVALID);
    CHECK_CONTAINS(err, "unknown type 'q9_9'");
    CHECK_EQ_INT(mkmodel_parse_type("Q8_K", &wt, &ft, err, sizeof err), MKMODEL_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err, "Q8_K");
}

/* ---- the written file ---- */

/* tiny at F32 against the llama.cpp-loadable reference of the same shape:
 * same keys and values (but general.name), same tensor names, types, shapes,
 * bytes; weights N(0, 1/256); norms 1. */
static void test_tiny_f32_matches_reference(void) {
    mkmodel_params p = mkmodel_default_params();
    CHECK_EQ_INT(mkmodel_builtin_shape("tiny", &p), MKMODEL_OK);
    p.seed = 7;
    model_img m;
    if (!make_model(&p, &m)) { CHECK(false); return; }
    const gguf_ctx *g = m.g;
    CHECK_EQ_INT(gguf_n_tensors(g), 38);
    CHECK_EQ_INT((int64_t)m.res.n_tensors, 38);
    CHECK_EQ_INT((int64_t)m.res.n_params, 11340032);
    CHECK_EQ_INT((int64_t)m.res.file_bytes, (int64_t)m.len);
    CHECK_EQ_INT((int64_t)m.res.tensor_bytes, (int64_t)gguf_total_tensor_bytes(g));
    CHECK_EQ_INT(get_int(g, "general.file_type"), GGUF_FTYPE_ALL_F32);
    CHECK_EQ_INT(get_int(g, "llama.embedding_length"), 256);
    CHECK_EQ_INT(get_int(g, "llama.rope.dimension_count"), 32);
    CHECK_EQ_INT(gguf_find_key(g, "llama.attention.key_length"), -1); /* head_dim = n_embd / n_head */
    CHECK_EQ_INT(gguf_find_tensor(g, "output.weight"), -1);            /* tied */
    for (int64_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        CHECK_EQ_INT((int64_t)ti->size_bytes, (int64_t)gguf_type_tensor_bytes((int)ti->type, (uint64_t)ti->ne[0],
                                                                              ti->n_elements, NULL));
        CHECK_EQ_INT(ti->type, GGUF_TYPE_F32);
    }

    /* weights: token_embd has 8.2 M values of N(0, 1/256) */
    const gguf_tensor_info *te = tensor(g, "token_embd.weight");
    CHECK(te != NULL);
    if (te) {
        const float *x = gguf_tensor_data(g, gguf_find_tensor(g, "token_embd.weight"));
        double sum = 0, sq = 0;
        for (uint64_t k = 0; k < te->n_elements; k++) { sum += x[k]; sq += (double)x[k] * x[k]; }
        double mean = sum / (double)te->n_elements, sd = sqrt(sq / (double)te->n_elements - mean * mean);
        CHECK_NEAR(mean, 0.0, 1e-3);
        CHECK_REL(sd, 1.0 / 16.0, 0.005);
    }
    const gguf_tensor_info *fd = tensor(g, "blk.3.ffn_down.weight");
    if (fd) {
        const float *x = gguf_tensor_data(g, gguf_find_tensor(g, "blk.3.ffn_down.weight"));
        double sq = 0;
        for (uint64_t k = 0; k < fd->n_elements; k++) sq += (double)x[k] * x[k];
        CHECK_REL(sqrt(sq / (double)fd->n_elements), 1.0 / sqrt(768.0), 0.01); /* fan_in = n_ff */
    }
    const float *norm = gguf_tensor_data(g, gguf_find_tensor(g, "blk.2.ffn_norm.weight"));
    CHECK(norm && norm[0] == 1.0f && norm[255] == 1.0f);

    gguf_ctx *ref = open_shared("testdata/models/tiny-llama-f32.gguf");
    if (ref) {
        CHECK_EQ_INT(gguf_n_tensors(ref), gguf_n_tensors(g));
        for (int64_t i = 0; i < gguf_n_tensors(ref); i++) {
            const gguf_tensor_info *r = gguf_tensor(ref, i), *o = tensor(g, r->name);
            CHECK(o != NULL);
            if (!o) continue;
            CHECK_EQ_INT(o->n_dims, r->n_dims);
            CHECK_EQ_INT(o->ne[0], r->ne[0]);
            CHECK_EQ_INT(o->ne[1], r->ne[1]);
            CHECK_EQ_INT(o->type, r->type);
            CHECK_EQ_INT((int64_t)o->size_bytes, (int64_t)r->size_bytes);
        }
        CHECK_EQ_INT(gguf_n_kv(g), gguf_n_kv(ref));
        for (int64_t i = 0; i < gguf_n_kv(ref); i++) {
            const char *key = gguf_kv_key(ref, i);
            if (!strncmp(key, "tokenizer.", 10)) continue; /* ours is the built-in vocab */
            CHECK_STR(gguf_kv_key(g, i), key);            /* same order too */
            CHECK_EQ_INT(gguf_kv_type(g, gguf_find_key(g, key)), gguf_kv_type(ref, i));
            int64_t a, b;
            double fa, fb;
            if (gguf_get_int(ref, key, &b) == GGUF_OK) {
                CHECK(gguf_get_int(g, key, &a) == GGUF_OK && a == b);
            } else if (gguf_get_float(ref, key, &fb) == GGUF_OK) {
                CHECK(gguf_get_float(g, key, &fa) == GGUF_OK && (float)fa == (float)fb);
            }
        }
        const char *s;
        CHECK(gguf_get_str(g, "general.architecture", &s, NULL) == GGUF_OK && !strcmp(s, "llama"));
        gguf_close(ref);
    }
    free_model(&m);
}

/* Every pure type: 2-D weights of that type, 1-D F32, file type, and the
 * weights dequantize to the F32 model of the same seed (same PRNG streams). */
static void test_pure_types_quantize_the_same_weights(void) {
    static const struct { gguf_type t; int ftype; double rel_rms; } cases[] = {
        {GGUF_TYPE_F16, GGUF_FTYPE_F16, 1e-3},   {GGUF_TYPE_BF16, GGUF_FTYPE_BF16, 8e-3},
        {GGUF_TYPE_Q8_0, GGUF_FTYPE_Q8_0, 0.01}, {GGUF_TYPE_Q6_K, GGUF_FTYPE_Q6_K, 0.04},
        {GGUF_TYPE_Q5_1, GGUF_FTYPE_Q5_1, 0.07}, {GGUF_TYPE_Q5_0, GGUF_FTYPE_Q5_0, 0.07},
        {GGUF_TYPE_Q5_K, GGUF_FTYPE_Q5_K_S, 0.07}, {GGUF_TYPE_Q4_1, GGUF_FTYPE_Q4_1, 0.14},
        {GGUF_TYPE_Q4_0, GGUF_FTYPE_Q4_0, 0.14}, {GGUF_TYPE_Q4_K, GGUF_FTYPE_Q4_K_S, 0.14},
    };
    mkmodel_params p = small_dims();
    p.weight_type = GGUF_TYPE_F32;
    model_img ref;
    if (!make_model(&p, &ref)) { CHECK(false); return; }
    CHECK_EQ_INT(get_int(ref.g, "general.file_type"), GGUF_FTYPE_ALL_F32);
    const char *probe[] = {"token_embd.weight", "blk.1.attn_k.weight", "blk.0.ffn_down.weight", "output.weight"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const gguf_type_info *ti = gguf_type_get((int)cases[c].t);
        if (!ti || !ti->from_float || !ti->to_float) {
            fprintf(stderr, "  (no %s kernels yet: skipped)\n", gguf_type_name((int)cases[c].t));
            continue;
        }
        p.weight_type = (int)cases[c].t;
        model_img m;
        if (!make_model(&p, &m)) { CHECK(false); continue; }
        CHECK_EQ_INT(get_int(m.g, "general.file_type"), cases[c].ftype);
        CHECK_EQ_INT(gguf_n_tensors(m.g), gguf_n_tensors(ref.g));
        for (int64_t i = 0; i < gguf_n_tensors(m.g); i++) {
            const gguf_tensor_info *t = gguf_tensor(m.g, i);
            CHECK_EQ_INT(t->type, t->n_dims == 2 ? cases[c].t : GGUF_TYPE_F32);
            CHECK_EQ_INT((int64_t)t->size_bytes,
                         (int64_t)gguf_type_tensor_bytes((int)t->type, (uint64_t)t->ne[0], t->n_elements, NULL));
        }
        for (size_t k = 0; k < sizeof probe / sizeof probe[0]; k++) {
            int64_t ia = gguf_find_tensor(m.g, probe[k]), ib = gguf_find_tensor(ref.g, probe[k]);
            const gguf_tensor_info *t = gguf_tensor(m.g, ia);
            CHECK(t != NULL);
            if (!t) continue;
            float *y = malloc(t->n_elements * sizeof *y);
            ti->to_float(gguf_tensor_data(m.g, ia), y, (int64_t)t->n_elements);
            const float *x = gguf_tensor_data(ref.g, ib);
            double err2 = 0, sig2 = 0;
            for (uint64_t e = 0; e < t->n_elements; e++) {
                err2 += ((double)y[e] - x[e]) * ((double)y[e] - x[e]);
                sig2 += (double)x[e] * x[e];
            }
            double rel = sqrt(err2 / sig2);
            if (!(rel <= cases[c].rel_rms))
                fprintf(stderr, "  %s %s: relative rms error %.4g > %.4g\n", gguf_type_name((int)cases[c].t),
                        probe[k], rel, cases[c].rel_rms);
            CHECK(rel <= cases[c].rel_rms);
            CHECK(rel > 0 || cases[c].t == GGUF_TYPE_F32);
            free(y);
        }
        free_model(&m);
    }
    free_model(&ref);
}

static void test_ftype_mix(void) {
    mkmodel_params p = small_dims();
    p.weight_type = -1;
    p.ftype = GGUF_FTYPE_Q4_K_M;
    const gguf_type_info *k4 = gguf_type_get(GGUF_TYPE_Q4_K), *k6 = gguf_type_get(GGUF_TYPE_Q6_K);
    if (!k4->from_float || !k6->from_float) { fprintf(stderr, "  (no K-quant kernels yet: skipped)\n"); return; }
    model_img m;
    if (!make_model(&p, &m)) { CHECK(false); return; }
    CHECK_EQ_INT(get_int(m.g, "general.file_type"), GGUF_FTYPE_Q4_K_M);
    /* the types are llama-quantize's plan for these tensors, in file order */
    size_t n = (size_t)gguf_n_tensors(m.g);
    gguf_plan_tensor *pt = calloc(n, sizeof *pt);
    gguf_type *want = calloc(n, sizeof *want);
    for (size_t i = 0; i < n; i++) {
        const gguf_tensor_info *t = gguf_tensor(m.g, (int64_t)i);
        pt[i] = (gguf_plan_tensor){t->name, t->n_dims, {t->ne[0], t->ne[1], 1, 1}};
    }
    gguf_plan_model pm = {.arch = "llama", .n_layer = 2, .n_head = 4, .n_head_kv = 2, .has_output = true};
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &pm, pt, n, want));
    int n_q6 = 0, n_q4 = 0;
    for (size_t i = 0; i < n; i++) {
        const gguf_tensor_info *t = gguf_tensor(m.g, (int64_t)i);
        CHECK_EQ_INT(t->type, want[i]);
        n_q6 += t->type == GGUF_TYPE_Q6_K;
        n_q4 += t->type == GGUF_TYPE_Q4_K;
    }
    CHECK(n_q6 >= 1 && n_q4 >= 1);
    CHECK_EQ_INT(tensor(m.g, "output.weight")->type, GGUF_TYPE_Q6_K);
    free(pt);
    free(want);
    free_model(&m);
}

static void test_qwen2_biases_and_head_dim(void) {
    mkmodel_params p = small_dims();
    snprintf(p.arch, sizeof p.arch, "qwen2");
    p.head_dim = 32; /* != n_embd / n_head = 64: key_length / value_length are written */
    p.tied = true;
    model_img m;
    if (!make_model(&p, &m)) { CHECK(false); return; }
    const gguf_ctx *g = m.g;
    const char *s;
    CHECK(gguf_get_str(g, "general.architecture", &s, NULL) == GGUF_OK && !strcmp(s, "qwen2"));
    CHECK_EQ_INT(get_int(g, "qwen2.attention.key_length"), 32);
    CHECK_EQ_INT(get_int(g, "qwen2.attention.value_length"), 32);
    CHECK_EQ_INT(get_int(g, "qwen2.rope.dimension_count"), 32);
    double eps = 0;
    CHECK(gguf_get_float(g, "qwen2.attention.layer_norm_rms_epsilon", &eps) == GGUF_OK);
    CHECK_NEAR(eps, 1e-6, 1e-12);
    /* 2 layers x 12 tensors + token_embd + output_norm */
    CHECK_EQ_INT(gguf_n_tensors(g), 26);
    const gguf_tensor_info *q = tensor(g, "blk.1.attn_q.weight"), *qb = tensor(g, "blk.1.attn_q.bias");
    const gguf_tensor_info *kb = tensor(g, "blk.0.attn_k.bias"), *o = tensor(g, "blk.0.attn_output.weight");
    CHECK(q && qb && kb && o);
    if (q && qb && kb && o) {
        CHECK_EQ_INT(q->ne[0], 256);
        CHECK_EQ_INT(q->ne[1], 4 * 32);
        CHECK_EQ_INT(qb->n_dims, 1);
        CHECK_EQ_INT(qb->ne[0], 4 * 32);
        CHECK_EQ_INT(kb->ne[0], 2 * 32);
        CHECK_EQ_INT(qb->type, GGUF_TYPE_F32);
        CHECK_EQ_INT(o->ne[0], 4 * 32);
        CHECK_EQ_INT(o->ne[1], 256);
        const float *b = gguf_tensor_data(g, gguf_find_tensor(g, "blk.1.attn_q.bias"));
        double sq = 0;
        for (int k = 0; k < 128; k++) sq += (double)b[k] * b[k];
        double rms = sqrt(sq / 128);
        CHECK(rms > 0.012 && rms < 0.028); /* N(0, 0.02^2), 128 samples */
    }
    CHECK_EQ_INT(gguf_find_tensor(g, "output.weight"), -1);
    CHECK_EQ_INT(gguf_find_tensor(g, "blk.0.attn_output.bias"), -1);
    free_model(&m);
}

static void test_deterministic(void) {
    mkmodel_params p = small_dims();
    p.weight_type = gguf_type_get(GGUF_TYPE_Q8_0)->from_float ? GGUF_TYPE_Q8_0 : GGUF_TYPE_F32;
    p.seed = 1234;
    p.n_threads = 1;
    model_img a, b, c;
    if (!make_model(&p, &a)) { CHECK(false); return; }
    p.n_threads = 3;
    CHECK(make_model(&p, &b));
    p.seed = 1235;
    CHECK(make_model(&p, &c));
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);   /* same seed, any thread count */
    CHECK(a.len == c.len && memcmp(a.buf, c.buf, a.len) != 0);   /* another seed */
    CHECK(a.g && c.g && memcmp(gguf_tensor_data(a.g, 0), gguf_tensor_data(c.g, 0), 1024) != 0);

    /* the file path writes the same bytes, and leaves no temp file */
    char dir[] = "/tmp/test_mkmodel.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/m.gguf", dir);
    p.seed = 1234;
    mkmodel_result res;
    char err[256] = "";
    CHECK_EQ_INT(mkmodel_write_file(&p, path, &res, err, sizeof err), MKMODEL_OK);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f) {
        uint8_t *buf = malloc(a.len + 1);
        size_t n = fread(buf, 1, a.len + 1, f);
        fclose(f);
        CHECK_EQ_INT((int64_t)n, (int64_t)a.len);
        CHECK(n == a.len && memcmp(buf, a.buf, n) == 0);
        CHECK_EQ_INT((int64_t)res.file_bytes, (int64_t)a.len);
        free(buf);
    }
    int n_entries = 0;
    DIR *dd = opendir(dir);
    for (struct dirent *e; dd && (e = readdir(dd));) n_entries += e->d_name[0] != '.';
    if (dd) closedir(dd);
    CHECK_EQ_INT(n_entries, 1);
    unlink(path);
    rmdir(dir);
    free_model(&a);
    free_model(&b);
    free_model(&c);
}

/* ---- tokenizer ---- */

static void test_builtin_vocab(void) {
    mkmodel_params p = small_dims();
    p.n_vocab = 1500;
    model_img m;
    if (!make_model(&p, &m)) { CHECK(false); return; }
    const gguf_ctx *g = m.g;
    gguf_value_type et;
    uint64_t n = 0;
    CHECK(gguf_get_arr_info(g, "tokenizer.ggml.tokens", &et, &n) == GGUF_OK && et == GGUF_VAL_STRING);
    CHECK_EQ_INT((int64_t)n, 1500);
    CHECK(gguf_get_arr_info(g, "tokenizer.ggml.scores", &et, &n) == GGUF_OK && et == GGUF_VAL_FLOAT32 && n == 1500);
    CHECK(gguf_get_arr_info(g, "tokenizer.ggml.token_type", &et, &n) == GGUF_OK && et == GGUF_VAL_INT32 && n == 1500);
    const char *s;
    CHECK(gguf_get_str(g, "tokenizer.ggml.model", &s, NULL) == GGUF_OK && !strcmp(s, "llama"));
    CHECK_EQ_INT(get_int(g, "tokenizer.ggml.bos_token_id"), 1);
    CHECK_EQ_INT(get_int(g, "tokenizer.ggml.eos_token_id"), 2);
    CHECK_EQ_INT(get_int(g, "tokenizer.ggml.unknown_token_id"), 0);
    bool add_bos = false;
    CHECK(gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &add_bos) == GGUF_OK && add_bos);
    CHECK(token_is(g, 0, "<unk>") && token_is(g, 1, "<s>") && token_is(g, 2, "</s>"));
    CHECK(token_is(g, 3, "<0x00>") && token_is(g, 3 + 0x41, "<0x41>") && token_is(g, 258, "<0xFF>"));
    CHECK(token_is(g, 259, "\xe2\x96\x81"));
    int64_t ty;
    CHECK(gguf_get_arr_int(g, "tokenizer.ggml.token_type", 100, &ty) == GGUF_OK && ty == 6);
    CHECK(gguf_get_arr_int(g, "tokenizer.ggml.token_type", 0, &ty) == GGUF_OK && ty == 2);
    CHECK(gguf_get_arr_int(g, "tokenizer.ggml.token_type", 1, &ty) == GGUF_OK && ty == 3);
    /* normal pieces: unique, scores decreasing, every prefix of a piece
     * longer than one character (after "▁") is a piece too */
    double prev = 1;
    for (uint64_t i = 259; i < 1500; i++) {
        const char *t;
        uint64_t len;
        gguf_get_arr_str(g, "tokenizer.ggml.tokens", i, &t, &len);
        CHECK(gguf_get_arr_int(g, "tokenizer.ggml.token_type", i, &ty) == GGUF_OK && ty == 1);
        double sc;
        CHECK(gguf_get_arr_float(g, "tokenizer.ggml.scores", i, &sc) == GGUF_OK);
        CHECK(sc < prev);
        prev = sc;
        for (uint64_t j = 259; j < i; j++) {
            const char *u;
            uint64_t ul;
            gguf_get_arr_str(g, "tokenizer.ggml.tokens", j, &u, &ul);
            if (ul == len && memcmp(u, t, (size_t)len) == 0) { CHECK(false); break; }
        }
        bool one_char = len == 1 || (len == 3 && (unsigned char)t[0] == 0xe2); /* "x" or "▁" */
        if (!one_char) {
            bool found = false;
            for (uint64_t j = 259; j < i && !found; j++) {
                const char *u;
                uint64_t ul;
                gguf_get_arr_str(g, "tokenizer.ggml.tokens", j, &u, &ul);
                found = ul == len - 1 && memcmp(u, t, (size_t)ul) == 0;
            }
            if (!found) fprintf(stderr, "  token %llu '%.*s': its prefix is not a token\n",
                                (unsigned long long)i, (int)len, t);
            CHECK(found);
        }
    }
    free_model(&m);

    p.n_vocab = 258; /* fewer than the special and byte tokens */
    char err[256] = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(mkmodel_write_memory(&p, &buf, &len, NULL, err, sizeof err), MKMODEL_ERR_INVALID);
    CHECK_CONTAINS(err, "n_vocab 258");
    CHECK(buf == NULL);
}

static void test_vocab_copy_and_pad(void) {
    gguf_ctx *v = open_shared("testdata/vocab/ggml-vocab-llama-spm.gguf");
    if (!v) return;
    mkmodel_params p = small_dims();
    p.vocab = v;
    p.n_vocab = 32000;
    model_img m;
    if (!make_model(&p, &m)) { CHECK(false); gguf_close(v); return; }
    /* every tokenizer.* key, same type, same value (arrays byte for byte) */
    int n_tok_keys = 0;
    for (int64_t i = 0; i < gguf_n_kv(v); i++) {
        const char *key = gguf_kv_key(v, i);
        if (strncmp(key, "tokenizer.", 10) != 0) continue;
        n_tok_keys++;
        int64_t j = gguf_find_key(m.g, key);
        CHECK(j >= 0);
        if (j < 0) continue;
        CHECK_EQ_INT(gguf_kv_type(m.g, j), gguf_kv_type(v, i));
        if (gguf_kv_type(v, i) == GGUF_VAL_ARRAY) {
            gguf_value_type ea, eb;
            uint64_t na, nb;
            gguf_get_arr_info(v, key, &ea, &na);
            gguf_get_arr_info(m.g, key, &eb, &nb);
            CHECK(ea == eb && na == nb);
            for (uint64_t k = 0; k < na && k < nb; k += 97) {
                if (ea == GGUF_VAL_STRING) {
                    const char *a, *b;
                    uint64_t la, lb;
                    gguf_get_arr_str(v, key, k, &a, &la);
                    gguf_get_arr_str(m.g, key, k, &b, &lb);
                    CHECK(la == lb && memcmp(a, b, (size_t)la) == 0);
                } else if (ea == GGUF_VAL_FLOAT32) {
                    double a, b;
                    gguf_get_arr_float(v, key, k, &a);
                    gguf_get_arr_float(m.g, key, k, &b);
                    CHECK(a == b);
                } else {
                    int64_t a, b;
                    gguf_get_arr_int(v, key, k, &a);
                    gguf_get_arr_int(m.g, key, k, &b);
                    CHECK(a == b);
                }
            }
        } else if (gguf_kv_type(v, i) == GGUF_VAL_STRING) {
            const char *a, *b;
            gguf_get_str(v, key, &a, NULL);
            gguf_get_str(m.g, key, &b, NULL);
            CHECK_STR(b, a);
        } else {
            int64_t a = -7, b = -8;
            gguf_get_int(v, key, &a);
            gguf_get_int(m.g, key, &b);
            CHECK_EQ_INT(b, a);
        }
    }
    CHECK_EQ_INT(n_tok_keys, 10);
    CHECK(token_is(m.g, 31999, "\xe7\xbb\x99")); /* the last piece of the LLaMA vocab */
    free_model(&m);

    /* a larger n_vocab pads; a smaller one is refused */
    p.n_vocab = 32100;
    if (!make_model(&p, &m)) { CHECK(false); gguf_close(v); return; }
    uint64_t n = 0;
    gguf_value_type et;
    CHECK(gguf_get_arr_info(m.g, "tokenizer.ggml.tokens", &et, &n) == GGUF_OK && n == 32100);
    CHECK(gguf_get_arr_info(m.g, "tokenizer.ggml.scores", &et, &n) == GGUF_OK && n == 32100);
    CHECK(gguf_get_arr_info(m.g, "tokenizer.ggml.token_type", &et, &n) == GGUF_OK && n == 32100);
    CHECK(token_is(m.g, 32000, "<unused_0>") && token_is(m.g, 32099, "<unused_99>"));
    CHECK(token_is(m.g, 1, "<s>"));
    int64_t ty = 0;
    double sc = 0;
    CHECK(gguf_get_arr_int(m.g, "tokenizer.ggml.token_type", 32050, &ty) == GGUF_OK && ty == 5);
    CHECK(gguf_get_arr_int(m.g, "tokenizer.ggml.token_type", 1, &ty) == GGUF_OK && ty == 3);
    CHECK(gguf_get_arr_float(m.g, "tokenizer.ggml.scores", 32050, &sc) == GGUF_OK && sc <= -1e8);
    CHECK_EQ_INT(tensor(m.g, "token_embd.weight")->ne[1], 32100);
    CHECK_EQ_INT(get_int(m.g, "llama.vocab_size"), 32100);
    free_model(&m);

    p.n_vocab = 31999;
    char err[256] = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(mkmodel_write_memory(&p, &buf, &len, NULL, err, sizeof err), MKMODEL_ERR_INVALID);
    CHECK_CONTAINS(err, "32000 tokens, more than the model's n_vocab 31999");
    gguf_close(v);
}

/* ---- bad input ---- */

static void expect_invalid(const mkmodel_params *p, mkmodel_status want, const char *msg) {
    char err[512] = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ_INT(mkmodel_write_memory(p, &buf, &len, NULL, err, sizeof err), want);
    CHECK(buf == NULL && len == 0);
    CHECK_CONTAINS(err, msg);
}

static void test_bad_params(void) {
    mkmodel_params p = small_dims();
    p.n_embd = 0;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_embd must be > 0");
    p = small_dims();
    p.n_embd = 250; /* not a multiple of n_head 4 */
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_embd 250 is not a multiple of n_head 4");
    p = small_dims();
    p.n_head_kv = 3;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_head_kv 3 does not divide n_head 4");
    p = small_dims();
    p.head_dim = 33;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "head_dim 33 must be even");
    p = small_dims();
    p.n_ff = 500;
    p.weight_type = GGUF_TYPE_Q4_0;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_ff 500 is not a multiple of the Q4_0 block size 32");
    p = small_dims();
    p.n_embd = 288; /* 9 blocks of 32, not whole 256-blocks */
    p.weight_type = GGUF_TYPE_Q4_K;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_embd 288 is not a multiple of the Q4_K block size 256");
    p = small_dims();
    p.n_embd = 1u << 24;
    p.n_head = 1024;
    p.n_head_kv = 1024;
    p.n_ff = 1u << 24;
    p.n_layer = 4096;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "more than the 1e+12");
    p = small_dims();
    p.n_layer = MKMODEL_MAX_LAYERS + 1;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "n_layer 4097 is too large");
    p = small_dims();
    snprintf(p.arch, sizeof p.arch, "gemma2");
    expect_invalid(&p, MKMODEL_ERR_UNSUPPORTED, "mkmodel writes llama or qwen2");
    p = small_dims();
    p.weight_type = GGUF_TYPE_Q2_K;
    expect_invalid(&p, MKMODEL_ERR_UNSUPPORTED, "Q2_K");
    p = small_dims();
    p.rope_base = -1;
    expect_invalid(&p, MKMODEL_ERR_INVALID, "rope base");

    /* unwritable output: IO, and nothing left behind */
    p = small_dims();
    char err[512] = "";
    CHECK_EQ_INT(mkmodel_write_file(&p, "/nonexistent-dir/m.gguf", NULL, err, sizeof err), MKMODEL_ERR_IO);
    CHECK_CONTAINS(err, "cannot write '/nonexistent-dir/m.gguf'");
    char dir[] = "/tmp/test_mkmodel.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/sub", dir);
    CHECK(mkdir(path, 0755) == 0); /* renaming a file onto a directory fails */
    CHECK_EQ_INT(mkmodel_write_file(&p, path, NULL, err, sizeof err), MKMODEL_ERR_IO);
    int n_entries = 0;
    DIR *dd = opendir(dir);
    for (struct dirent *e; dd && (e = readdir(dd));) n_entries += e->d_name[0] != '.';
    if (dd) closedir(dd);
    CHECK_EQ_INT(n_entries, 1); /* only "sub": the temp file is gone */
    rmdir(path);
    rmdir(dir);
}

/* ---- the writer additions ---- */

/* A GGUF with one key of every value type (and arrays of several), built by
 * hand since the writer has no setters for the narrow integer types. */
static size_t put_bytes(uint8_t *b, size_t pos, const void *src, size_t n) {
    memcpy(b + pos, src, n);
    return pos + n;
}
static size_t put_le(uint8_t *b, size_t pos, uint64_t v, int n) {
    for (int k = 0; k < n; k++) b[pos++] = (uint8_t)(v >> (8 * k));
    return pos;
}
static size_t put_s(uint8_t *b, size_t pos, const char *s) {
    pos = put_le(b, pos, strlen(s), 8);
    return put_bytes(b, pos, s, strlen(s));
}

static void test_writer_copy_kv_all_types(void) {
    uint8_t src[2048];
    size_t pos = 0;
    pos = put_bytes(src, pos, "GGUF", 4);
    pos = put_le(src, pos, 3, 4);
    pos = put_le(src, pos, 0, 8);  /* tensors */
    pos = put_le(src, pos, 17, 8); /* keys */
    static const struct { const char *key; int type; int bytes; uint64_t v; } scalars[] = {
        {"a.u8", GGUF_VAL_UINT8, 1, 0xfe},        {"a.i8", GGUF_VAL_INT8, 1, 0x80},
        {"a.u16", GGUF_VAL_UINT16, 2, 0xbeef},    {"a.i16", GGUF_VAL_INT16, 2, 0x8001},
        {"a.u32", GGUF_VAL_UINT32, 4, 0xdeadbeef}, {"a.i32", GGUF_VAL_INT32, 4, 0xfffffffe},
        {"a.f32", GGUF_VAL_FLOAT32, 4, 0x3fc00000}, {"a.bool", GGUF_VAL_BOOL, 1, 1},
        {"a.u64", GGUF_VAL_UINT64, 8, UINT64_C(0xfedcba9876543210)},
        {"a.i64", GGUF_VAL_INT64, 8, UINT64_C(0x8000000000000001)},
        {"a.f64", GGUF_VAL_FLOAT64, 8, UINT64_C(0x400921fb54442d18)},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        pos = put_s(src, pos, scalars[i].key);
        pos = put_le(src, pos, (uint64_t)scalars[i].type, 4);
        pos = put_le(src, pos, scalars[i].v, scalars[i].bytes);
    }
    pos = put_s(src, pos, "a.str");
    pos = put_le(src, pos, GGUF_VAL_STRING, 4);
    pos = put_le(src, pos, 5, 8);
    pos = put_bytes(src, pos, "x\0y\xff" "z", 5); /* a NUL and a non-UTF-8 byte inside */
    pos = put_s(src, pos, "a.arr_str");
    pos = put_le(src, pos, GGUF_VAL_ARRAY, 4);
    pos = put_le(src, pos, GGUF_VAL_STRING, 4);
    pos = put_le(src, pos, 3, 8);
    pos = put_s(src, pos, "one");
    pos = put_s(src, pos, "");
    pos = put_s(src, pos, "three");
    pos = put_s(src, pos, "a.arr_u16");
    pos = put_le(src, pos, GGUF_VAL_ARRAY, 4);
    pos = put_le(src, pos, GGUF_VAL_UINT16, 4);
    pos = put_le(src, pos, 3, 8);
    for (int k = 0; k < 3; k++) pos = put_le(src, pos, (uint64_t)(1000 * k + 7), 2);
    pos = put_s(src, pos, "a.arr_f64");
    pos = put_le(src, pos, GGUF_VAL_ARRAY, 4);
    pos = put_le(src, pos, GGUF_VAL_FLOAT64, 4);
    pos = put_le(src, pos, 2, 8);
    pos = put_le(src, pos, UINT64_C(0x3ff0000000000000), 8);
    pos = put_le(src, pos, UINT64_C(0xc000000000000000), 8);
    pos = put_s(src, pos, "a.arr_empty");
    pos = put_le(src, pos, GGUF_VAL_ARRAY, 4);
    pos = put_le(src, pos, GGUF_VAL_INT32, 4);
    pos = put_le(src, pos, 0, 8);
    pos = put_s(src, pos, "a.arr_empty_str");
    pos = put_le(src, pos, GGUF_VAL_ARRAY, 4);
    pos = put_le(src, pos, GGUF_VAL_STRING, 4);
    pos = put_le(src, pos, 0, 8);
    while (pos % 32) src[pos++] = 0;

    uint8_t *img = malloc(pos);
    memcpy(img, src, pos);
    gguf_ctx *g = NULL;
    char err[256] = "";
    CHECK_EQ_INT(gguf_open_memory(img, pos, pos, &g, NULL, err, sizeof err), GGUF_OK);
    if (!g) { fprintf(stderr, "  %s\n", err); free(img); return; }
    CHECK_EQ_INT(gguf_n_kv(g), 17);
    gguf_writer *w = gguf_writer_create();
    for (int64_t i = 0; i < gguf_n_kv(g); i++) CHECK(gguf_writer_copy_kv(w, g, i));
    CHECK(!gguf_writer_copy_kv(w, g, 17));
    CHECK(!gguf_writer_copy_kv(w, g, -1));
    uint8_t *out = NULL;
    size_t out_len = 0;
    CHECK(gguf_writer_to_memory(w, &out, &out_len));
    /* same keys in the same order: the files are identical */
    CHECK_EQ_INT((int64_t)out_len, (int64_t)pos);
    CHECK(out && out_len == pos && memcmp(out, src, pos) == 0);
    free(out);
    gguf_writer_free(w);
    gguf_close(g);
    free(img);
}

static void test_writer_streaming_header(void) {
    /* a header from add_tensor_info + the data written by hand equals
     * to_memory of the same tensors with data */
    const int64_t ne_a[2] = {64, 3}, ne_b[1] = {5};
    float a[192], b[5];
    for (int k = 0; k < 192; k++) a[k] = (float)k * 0.5f;
    for (int k = 0; k < 5; k++) b[k] = (float)-k;
    gguf_writer *full = gguf_writer_create(), *head = gguf_writer_create();
    gguf_writer *both[2] = {full, head};
    for (int k = 0; k < 2; k++) {
        CHECK(gguf_writer_set_u32(both[k], "general.alignment", 64));
        CHECK(gguf_writer_set_str(both[k], "general.name", "stream"));
    }
    CHECK(gguf_writer_add_tensor(full, "a", GGUF_TYPE_F32, 2, ne_a, a));
    CHECK(gguf_writer_add_tensor(full, "b", GGUF_TYPE_F32, 1, ne_b, b));
    CHECK(gguf_writer_add_tensor_info(head, "a", GGUF_TYPE_F32, 2, ne_a));
    CHECK(gguf_writer_add_tensor_info(head, "b", GGUF_TYPE_F32, 1, ne_b));
    CHECK(!gguf_writer_add_tensor_info(head, "b", GGUF_TYPE_F32, 1, ne_b)); /* duplicate */
    const int64_t bad[2] = {33, 1};
    CHECK(!gguf_writer_add_tensor_info(head, "c", GGUF_TYPE_Q4_0, 2, bad)); /* not whole blocks */
    CHECK_EQ_INT(gguf_writer_alignment(head), 64);
    uint8_t *ref = NULL, *hdr = NULL;
    size_t ref_len = 0, hdr_len = 0;
    CHECK(gguf_writer_to_memory(full, &ref, &ref_len));
    CHECK(gguf_writer_header_to_memory(head, &hdr, &hdr_len));
    CHECK_EQ_INT((int64_t)(hdr_len % 64), 0);
    /* header + a (768 bytes, a multiple of 64) + b (20 bytes + 44 padding) */
    CHECK_EQ_INT((int64_t)ref_len, (int64_t)(hdr_len + 768 + 64));
    if (ref && hdr && ref_len == hdr_len + 832) {
        uint8_t *img = calloc(1, ref_len);
        memcpy(img, hdr, hdr_len);
        memcpy(img + hdr_len, a, sizeof a);
        memcpy(img + hdr_len + 768, b, sizeof b);
        CHECK(memcmp(img, ref, ref_len) == 0);
        free(img);
    }
    free(ref);
    free(hdr);
    gguf_writer_free(full);
    gguf_writer_free(head);
    CHECK_EQ_INT(gguf_writer_alignment(NULL), 32);
}

TEST_MAIN(TEST(test_small_shape_params), TEST(test_from_spec), TEST(test_parse_type),
          TEST(test_tiny_f32_matches_reference), TEST(test_pure_types_quantize_the_same_weights),
          TEST(test_ftype_mix), TEST(test_qwen2_biases_and_head_dim), TEST(test_deterministic),
          TEST(test_builtin_vocab), TEST(test_vocab_copy_and_pad), TEST(test_bad_params),
          TEST(test_writer_copy_kv_all_types), TEST(test_writer_streaming_header))
