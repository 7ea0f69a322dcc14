/* test_forward.c - the engine's forward pass against llama.cpp's reference
 * outputs for the tiny models (../shared/testdata/reference/, see its README).
 *
 * For each model (F32, Q8_0, Q4_0) and prompt (hello_world, quick_brown_fox,
 * synthetic_64), with the primary setting (KV cache F32, flash attention off,
 * n_ctx 512):
 *   - the prompt's token ids from our tokenizer equal the reference ids;
 *   - the last-position logits are within TOL of the reference file;
 *   - the 16 greedy tokens equal the reference, checked at step k only while
 *     the reference margin (top1 - top2) of step k and of every earlier step
 *     exceeds 2*TOL (below that, rounding may legitimately flip the choice and
 *     the continuations part);
 *   - teacher forcing: feeding the reference tokens, our argmax equals the
 *     reference token at every step whose margin exceeds 2*TOL.
 * Also: the F16 KV cache stays within TOL_F16KV of the F32-cache logits, thread
 * counts agree, prefill in one batch equals token-by-token decode, and the
 * errors for bad input. The tolerances and the per-model check live in
 * forward_common.h (shared with tests/webgpu/test_forward_webgpu.c).
 */
#include "forward_common.h"

static void test_f32_matches_llamacpp(void) { check_model("f32", TOL_F32); }
static void test_q8_0_matches_llamacpp(void) { check_model("q8_0", TOL_Q); }
static void test_q4_0_matches_llamacpp(void) { check_model("q4_0", TOL_Q); }

/* Prefill in one batch, in chunks of 7 and token by token (different kernels:
 * gemm_tile vs vec_dot) with 1, 2 and 3 threads give the same logits: within
 * float rounding on the F32 model; on the Q8_0 model within TOL_Q, because a
 * rounding difference can flip an activation's Q8_0 rounding and grow (the
 * reference README measured 0.06-0.12 for llama.cpp's own variants). */
static void batch_vs_sequential(const char *name, double tol) {
    eng_model *m = open_model(name);
    if (!m) return;
    const int V = m->hp.n_vocab;
    int32_t ids[64];
    synth_ids(ids, 64);
    char err[256];
    eng_ctx *a = new_ctx(m, GGUF_TYPE_F32, 1, 512), *b = new_ctx(m, GGUF_TYPE_F32, 2, 7),
            *s = new_ctx(m, GGUF_TYPE_F32, 3, 1);
    CHECK_EQ_INT(eng_decode(a, ids, 64, err, sizeof err), ENG_OK);
    CHECK_EQ_INT(eng_decode(b, ids, 64, err, sizeof err), ENG_OK); /* 7-token chunks */
    for (int i = 0; i < 64; i++) CHECK_EQ_INT(eng_decode(s, &ids[i], 1, err, sizeof err), ENG_OK);
    double dab = max_abs_diff(a->logits, b->logits, V), das = max_abs_diff(a->logits, s->logits, V);
    printf("  %s: batch 64 vs chunks of 7 (2 threads): %.3g; vs one by one (3 threads): %.3g (tol %g)\n", name,
           dab, das, tol);
    CHECK(dab <= tol);
    CHECK(das <= tol);
    CHECK_EQ_INT(a->n_past, 64);
    eng_ctx_free(a);
    eng_ctx_free(b);
    eng_ctx_free(s);
    eng_model_free(m);
}

static void test_batch_equals_sequential_and_threads(void) {
    batch_vs_sequential("f32", TOL_ORDER);
    batch_vs_sequential("q8_0", TOL_Q);
}

static void test_f16_kv_close_to_f32(void) {
    eng_model *m = open_model("f32");
    if (!m) return;
    int32_t ids[64];
    synth_ids(ids, 64);
    char err[256];
    eng_ctx *a = new_ctx(m, GGUF_TYPE_F32, 2, 512), *b = new_ctx(m, GGUF_TYPE_F16, 2, 512);
    CHECK_EQ_INT(eng_decode(a, ids, 64, err, sizeof err), ENG_OK);
    CHECK_EQ_INT(eng_decode(b, ids, 64, err, sizeof err), ENG_OK);
    double d = max_abs_diff(a->logits, b->logits, m->hp.n_vocab);
    printf("  F16 vs F32 KV cache: %.3g\n", d);
    CHECK(d <= TOL_F16KV);
    CHECK(d > 0); /* the F16 cache really rounds */
    CHECK_EQ_INT(eng_ctx_kv_bytes(a), 2ull * 4 * 512 * 128 * 4);
    CHECK_EQ_INT(eng_ctx_kv_bytes(b), 2ull * 4 * 512 * 128 * 2);
    eng_ctx_free(a);
    eng_ctx_free(b);
    eng_model_free(m);
}

static void test_hparams(void) {
    eng_model *m = open_model("q4_0");
    if (!m) return;
    CHECK_STR(m->hp.arch, "llama");
    CHECK_EQ_INT(m->hp.n_embd, 256);
    CHECK_EQ_INT(m->hp.n_layer, 4);
    CHECK_EQ_INT(m->hp.n_head, 8);
    CHECK_EQ_INT(m->hp.n_head_kv, 4);
    CHECK_EQ_INT(m->hp.head_dim, 32);
    CHECK_EQ_INT(m->hp.n_ff, 768);
    CHECK(m->hp.tied_output);
    CHECK_EQ_INT(m->hp.rope_type, ENG_ROPE_NORM);
    CHECK_NEAR(m->hp.norm_eps, 1e-5, 1e-12);
    /* 11.3 M parameters (models README) */
    CHECK_NEAR((double)m->hp.n_params / 1e6, 11.3, 0.05);
    char desc[64];
    eng_model_desc(m, desc, sizeof desc);
    CHECK_STR(desc, "llama 11M Q4_0");
    eng_model_free(m);
}

static void test_bad_input(void) {
    eng_model *m = open_model("q4_0");
    if (!m) return;
    char err[256] = "";
    eng_ctx_params p = eng_ctx_default_params();
    eng_ctx *c = NULL;
    p.n_ctx = -5;
    CHECK_EQ_INT(eng_ctx_create(m, &p, &c, err, sizeof err), ENG_ERR_ARG);
    CHECK_CONTAINS(err, "n_ctx");
    p = eng_ctx_default_params();
    p.n_threads = 0;
    CHECK_EQ_INT(eng_ctx_create(m, &p, &c, err, sizeof err), ENG_ERR_ARG);
    p = eng_ctx_default_params();
    p.type_kv = GGUF_TYPE_Q4_0;
    CHECK_EQ_INT(eng_ctx_create(m, &p, &c, err, sizeof err), ENG_ERR_UNSUPPORTED);
    p = eng_ctx_default_params();
    p.backend = "tpu";
    CHECK_EQ_INT(eng_ctx_create(m, &p, &c, err, sizeof err), ENG_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err, "tpu");
    p = eng_ctx_default_params();
    p.n_ctx = 8;
    CHECK_EQ_INT(eng_ctx_create(m, &p, &c, err, sizeof err), ENG_OK);
    int32_t ids[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_EQ_INT(eng_decode(c, ids, 9, err, sizeof err), ENG_ERR_CTX_FULL);
    CHECK_CONTAINS(err, "n_ctx 8");
    int32_t badid = 32000;
    CHECK_EQ_INT(eng_decode(c, &badid, 1, err, sizeof err), ENG_ERR_ARG);
    badid = -1;
    CHECK_EQ_INT(eng_decode(c, &badid, 1, err, sizeof err), ENG_ERR_ARG);
    CHECK_EQ_INT(eng_decode(c, ids, 8, err, sizeof err), ENG_OK);
    CHECK_EQ_INT(eng_decode(c, ids, 1, err, sizeof err), ENG_ERR_CTX_FULL);
    eng_ctx_free(c);
    eng_model_free(m);

    /* files that are not models: a vocabulary-only GGUF (arch llama, no tensors),
     * another architecture, a missing file */
    char path[700];
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-llama-spm.gguf", shared_dir());
    eng_model *x = NULL;
    CHECK_EQ_INT(eng_model_open_file(path, &x, err, sizeof err), ENG_ERR_FORMAT);
    CHECK_CONTAINS(err, "token_embd.weight");
    CHECK(x == NULL);
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-gpt-2.gguf", shared_dir());
    CHECK_EQ_INT(eng_model_open_file(path, &x, err, sizeof err), ENG_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err, "unsupported architecture 'gpt2'");
    CHECK_EQ_INT(eng_model_open_file("/nonexistent/model.gguf", &x, err, sizeof err), ENG_ERR_IO);
}

static void test_sampler(void) {
    float logits[5] = {0.1f, 2.0f, 2.0f, -1.0f, 1.9f};
    CHECK_EQ_INT(eng_argmax(logits, 5), 1); /* ties go to the lowest id */
    eng_sampler s;
    eng_sampler_params p = {.temperature = 0, .top_k = 0, .top_p = 1, .seed = 1};
    eng_sampler_init(&s, &p);
    CHECK_EQ_INT(eng_sample(&s, logits, 5), 1);
    /* top-k 1 is greedy at any temperature */
    p = (eng_sampler_params){.temperature = 5, .top_k = 1, .top_p = 1, .seed = 7};
    eng_sampler_init(&s, &p);
    for (int i = 0; i < 20; i++) CHECK_EQ_INT(eng_sample(&s, logits, 5), 1);
    /* top-k 3: only ids 1, 2, 4 appear; the frequencies follow softmax(l / T) */
    p = (eng_sampler_params){.temperature = 1, .top_k = 3, .top_p = 1, .seed = 42};
    eng_sampler_init(&s, &p);
    int count[5] = {0};
    const int N = 20000;
    for (int i = 0; i < N; i++) count[eng_sample(&s, logits, 5)]++;
    CHECK_EQ_INT(count[0] + count[3], 0);
    double z = 2 * exp(2.0) + exp(1.9);
    CHECK_NEAR((double)count[4] / N, exp(1.9) / z, 0.015); /* ~4.5 sigma at N = 20000 */
    /* same seed, same sequence */
    eng_sampler a, b;
    eng_sampler_init(&a, &p);
    eng_sampler_init(&b, &p);
    for (int i = 0; i < 50; i++) CHECK_EQ_INT(eng_sample(&a, logits, 5), eng_sample(&b, logits, 5));
    /* top-p 0.5 keeps ids 1 and 2 only (each ~0.35 of the mass) */
    p = (eng_sampler_params){.temperature = 1, .top_k = 0, .top_p = 0.5f, .seed = 3};
    eng_sampler_init(&s, &p);
    memset(count, 0, sizeof count);
    for (int i = 0; i < 2000; i++) count[eng_sample(&s, logits, 5)]++;
    CHECK_EQ_INT(count[0] + count[3] + count[4], 0);
    CHECK(count[1] > 800 && count[2] > 800);
}

TEST_MAIN(TEST(test_hparams), TEST(test_f32_matches_llamacpp), TEST(test_q8_0_matches_llamacpp),
          TEST(test_q4_0_matches_llamacpp), TEST(test_batch_equals_sequential_and_threads),
          TEST(test_f16_kv_close_to_f32), TEST(test_bad_input), TEST(test_sampler))
