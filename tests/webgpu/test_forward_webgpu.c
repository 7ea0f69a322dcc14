/* test_forward_webgpu.c - the forward pass on the WebGPU backend against
 * llama.cpp's reference outputs for the tiny models (the checks of
 * tests/engine/test_forward.c with eng_ctx_params.backend = "webgpu"; shared
 * code and tolerances in tests/engine/forward_common.h).
 *
 *   - for the F32, Q8_0 and Q4_0 models and the three reference prompts: the
 *     last-position logits within TOL_F32 / TOL_Q of the reference; greedy
 *     tokens equal while every reference margin exceeds 2*tol (run with
 *     eng_decode_greedy, the on-device argmax); teacher-forced argmaxes equal
 *     wherever the margin exceeds 2*tol;
 *   - eng_decode_greedy (argmax on the GPU, 4 bytes read back, c->logits left
 *     alone) gives the same tokens as eng_argmax of eng_decode's logits;
 *   - one batch, chunks of 7 and one token at a time agree (TOL_ORDER: with
 *     LLMCAP_WEBGPU_MVQ=0 the GPU keeps activations in f32, so only the
 *     summation order differs between the tiled matmul and the matvec), and
 *     the GPU agrees with the CPU backend on the F32 model; on the Q8_0 model
 *     the default paths (int8-rounded product inputs) agree with each other
 *     within TOL_Q8ORDER and with f32 inputs within TOL_Q;
 *   - the F16 KV cache stays within TOL_F16KV of the F32 one;
 *   - backend "auto" picks webgpu when an adapter exists and says so in
 *     backend_note;
 *   - a KV cache larger than the adapter's storage binding limit is refused
 *     with ENG_ERR_UNSUPPORTED and a message naming it, without a crash.
 *
 * Needs a real WebGPU adapter (here Mesa's lavapipe through Dawn). Without
 * one it prints "skip: <reason>" and "0 passed, 0 failed", unless
 * LLMCAP_REQUIRE_WEBGPU=1, where that is a failure; so main() is our own.
 */
#include <dlfcn.h>

#include "../engine/forward_common.h"

#include "wg.h"

/* Batch against one token at a time when both round the products' inputs to
 * int8 blocks: the same roundings, except where the f32 summation order of
 * the tiled and the matvec kernels moves a value across a rounding boundary
 * (one int8 step, amax / 127 of its block). Like any ~1e-3 perturbation
 * (TOL_Q's note) that grows through the layers: 0.04 measured on lavapipe. */
#define TOL_Q8ORDER 0.1

static void test_f32_matches_llamacpp(void) { check_model("f32", TOL_F32); }
static void test_q8_0_matches_llamacpp(void) { check_model("q8_0", TOL_Q); }
static void test_q4_0_matches_llamacpp(void) { check_model("q4_0", TOL_Q); }

/* eng_decode_greedy on one context and eng_decode + eng_argmax on another,
 * fed the same tokens, choose the same token at every step; the greedy
 * context's host logits stay untouched (the argmax ran on the device). */
static void test_greedy_on_device_equals_argmax(void) {
    eng_model *m = open_model("q4_0");
    if (!m) return;
    const int V = m->hp.n_vocab;
    eng_ctx *g = new_ctx(m, GGUF_TYPE_F32, 1, 512), *l = new_ctx(m, GGUF_TYPE_F32, 1, 512);
    if (g && l) {
        int32_t ids[12];
        synth_ids(ids, 12);
        for (int i = 0; i < V; i++) g->logits[i] = NAN;
        char err[512];
        int32_t next = -1;
        CHECK_EQ_INT(eng_decode_greedy(g, ids, 12, &next, err, sizeof err), ENG_OK);
        CHECK_EQ_INT(eng_decode(l, ids, 12, err, sizeof err), ENG_OK);
        int same = 0, steps = 8;
        for (int s = 0; s < steps; s++) {
            int32_t want = eng_argmax(l->logits, V);
            CHECK_EQ_INT(next, want);
            same += next == want;
            if (s + 1 == steps) break;
            int32_t feed = want;
            CHECK_EQ_INT(eng_decode_greedy(g, &feed, 1, &next, err, sizeof err), ENG_OK);
            CHECK_EQ_INT(eng_decode(l, &feed, 1, err, sizeof err), ENG_OK);
        }
        int untouched = 0;
        for (int i = 0; i < V; i++) untouched += isnan(g->logits[i]);
        printf("  eng_decode_greedy vs eng_argmax(logits): %d/%d steps equal; host logits untouched: %s\n", same, steps,
               untouched == V ? "yes" : "no");
        CHECK_EQ_INT(untouched, V);
        CHECK_EQ_INT(g->n_past, 12 + steps - 1);
    }
    eng_ctx_free(g);
    eng_ctx_free(l);
    eng_model_free(m);
}

/* Prefill of N_SEQ tokens in one batch, in chunks of 7 (the tiled matmul at
 * pos0 > 0) and one by one (the matvec) give the same logits within
 * TOL_ORDER with LLMCAP_WEBGPU_MVQ=0: no activation rounding then, only the
 * summation order differs.
 * On the F32 model the CPU backend (F32 activations too) agrees as well. */
#define N_SEQ 32
static void batch_vs_sequential(const char *name) {
    eng_model *m = open_model(name);
    if (!m) return;
    const int V = m->hp.n_vocab;
    int32_t ids[N_SEQ];
    synth_ids(ids, N_SEQ);
    char err[512];
    /* f32 inputs to every product: Q4_0 and Q8_0 weights would otherwise take
     * the int8-input paths (matvec32, matmul_q); those are checked below */
    static const char *const F32_INPUTS[2] = {"LLMCAP_WEBGPU_MVQ", "LLMCAP_WEBGPU_MMQ"};
    char *saved[2];
    for (int i = 0; i < 2; i++) {
        const char *v = getenv(F32_INPUTS[i]);
        saved[i] = v ? strdup(v) : NULL;
        setenv(F32_INPUTS[i], "0", 1);
    }
    eng_ctx *a = new_ctx(m, GGUF_TYPE_F32, 1, 512), *b = new_ctx(m, GGUF_TYPE_F32, 1, 7),
            *s = new_ctx(m, GGUF_TYPE_F32, 1, 1);
    for (int i = 0; i < 2; i++) {
        if (saved[i]) setenv(F32_INPUTS[i], saved[i], 1);
        else unsetenv(F32_INPUTS[i]);
        free(saved[i]);
    }
    if (a && b && s) {
        CHECK_EQ_INT(eng_decode(a, ids, N_SEQ, err, sizeof err), ENG_OK);
        CHECK_EQ_INT(eng_decode(b, ids, N_SEQ, err, sizeof err), ENG_OK); /* 7-token chunks */
        for (int i = 0; i < N_SEQ; i++) CHECK_EQ_INT(eng_decode(s, &ids[i], 1, err, sizeof err), ENG_OK);
        double dab = max_abs_diff(a->logits, b->logits, V), das = max_abs_diff(a->logits, s->logits, V);
        printf("  %s: batch %d vs chunks of 7: %.3g; vs one by one: %.3g (tol %g)\n", name, N_SEQ, dab, das, TOL_ORDER);
        CHECK(dab <= TOL_ORDER);
        CHECK(das <= TOL_ORDER);
        CHECK_EQ_INT(a->n_past, N_SEQ);
        if (strcmp(name, "f32")) {
            /* the default paths round the inputs of Q4_0 / Q8_0 products to
             * int8 blocks, in a batch and one token at a time alike: batch
             * and one by one agree within TOL_Q8ORDER, and stay within TOL_Q
             * (the tolerance of the CPU backend's Q8_0 activations) of f32 */
            eng_ctx *qa = new_ctx(m, GGUF_TYPE_F32, 1, 512), *qs = new_ctx(m, GGUF_TYPE_F32, 1, 1);
            if (qa && qs) {
                CHECK_EQ_INT(eng_decode(qa, ids, N_SEQ, err, sizeof err), ENG_OK);
                for (int i = 0; i < N_SEQ; i++) CHECK_EQ_INT(eng_decode(qs, &ids[i], 1, err, sizeof err), ENG_OK);
                double dq = max_abs_diff(qa->logits, qs->logits, V), df = max_abs_diff(qa->logits, a->logits, V);
                printf("  %s on int8 inputs: batch vs one by one %.3g (tol %g); vs f32 inputs %.3g (tol %g)\n", name,
                       dq, TOL_Q8ORDER, df, TOL_Q);
                CHECK(dq <= TOL_Q8ORDER);
                CHECK(df <= TOL_Q);
                CHECK(df > TOL_ORDER); /* the rounding did happen */
            }
            eng_ctx_free(qa);
            eng_ctx_free(qs);
        }
        if (!strcmp(name, "f32")) {
            const char *keep = fc_backend;
            fc_backend = "cpu";
            eng_ctx *c = new_ctx(m, GGUF_TYPE_F32, 2, 512);
            fc_backend = keep;
            if (c) {
                CHECK_EQ_INT(eng_decode(c, ids, N_SEQ, err, sizeof err), ENG_OK);
                double dc = max_abs_diff(a->logits, c->logits, V);
                printf("  %s: webgpu vs cpu backend, batch %d: %.3g (tol %g)\n", name, N_SEQ, dc, TOL_ORDER);
                CHECK(dc <= TOL_ORDER);
            }
            eng_ctx_free(c);
        }
    }
    eng_ctx_free(a);
    eng_ctx_free(b);
    eng_ctx_free(s);
    eng_model_free(m);
}

static void test_batch_equals_sequential(void) {
    batch_vs_sequential("f32");
    batch_vs_sequential("q8_0");
}

static void test_f16_kv_close_to_f32(void) {
    eng_model *m = open_model("f32");
    if (!m) return;
    int32_t ids[64];
    synth_ids(ids, 64);
    char err[512];
    eng_ctx *a = new_ctx(m, GGUF_TYPE_F32, 1, 512), *b = new_ctx(m, GGUF_TYPE_F16, 1, 512);
    if (a && b) {
        CHECK_EQ_INT(eng_decode(a, ids, 64, err, sizeof err), ENG_OK);
        CHECK_EQ_INT(eng_decode(b, ids, 64, err, sizeof err), ENG_OK);
        double d = max_abs_diff(a->logits, b->logits, m->hp.n_vocab);
        printf("  F16 vs F32 KV cache: %.3g (tol %g)\n", d, TOL_F16KV);
        CHECK(d <= TOL_F16KV);
        CHECK(d > 0); /* the F16 cache really rounds */
        CHECK_EQ_INT(eng_ctx_kv_bytes(a), 2ull * 4 * 512 * 128 * 4);
        CHECK_EQ_INT(eng_ctx_kv_bytes(b), 2ull * 4 * 512 * 128 * 2);
        CHECK_STR(eng_ctx_backend(a), "webgpu");
        CHECK_STR(eng_ctx_simd_name(a), "webgpu");
    }
    eng_ctx_free(a);
    eng_ctx_free(b);
    eng_model_free(m);
}

static void test_auto_picks_webgpu(void) {
    eng_model *m = open_model("q4_0");
    if (!m) return;
    eng_ctx_params p = eng_ctx_default_params();
    p.n_ctx = 64;
    p.backend = "auto";
    eng_ctx *c = NULL;
    char err[512] = "";
    eng_status st = eng_ctx_create(m, &p, &c, err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  auto: %s\n", err);
    CHECK_EQ_INT(st, ENG_OK);
    if (c) {
        printf("  auto: backend %s; note \"%s\"\n", eng_ctx_backend(c), c->backend_note);
        CHECK_STR(eng_ctx_backend(c), "webgpu");
        CHECK_CONTAINS(c->backend_note, "WebGPU adapter found");
        CHECK_CONTAINS(c->backend_note, "using it");
        eng_device_info di;
        CHECK(eng_ctx_device_info(c, &di));
        CHECK(di.api[0] != '\0');
        if (di.device[0]) CHECK_CONTAINS(c->backend_note, di.device);
        int32_t ids[3] = {1, 15043, 3186}, next = -1;
        CHECK_EQ_INT(eng_decode_greedy(c, ids, 3, &next, err, sizeof err), ENG_OK);
        CHECK(next >= 0 && next < m->hp.n_vocab);
    }
    eng_ctx_free(c);
    /* "webgpu" asked for explicitly leaves the note empty */
    p.backend = "webgpu";
    st = eng_ctx_create(m, &p, &c, err, sizeof err);
    CHECK_EQ_INT(st, ENG_OK);
    if (c) CHECK_STR(c->backend_note, "");
    eng_ctx_free(c);
    eng_model_free(m);
}

/* A KV cache layer bigger than maxStorageBufferBindingSize: n_ctx chosen from
 * the adapter's limit, so the check holds on any adapter whose limit the
 * tiny model can exceed within the engine's 1M-position cap. */
static void test_kv_over_binding_limit(void) {
    char err[1024] = "";
    wg_dev *d = NULL;
    wg_open_params op = {NULL, false, false};
    eng_status st = wg_open(&op, &d, err, sizeof err);
    CHECK_EQ_INT(st, ENG_OK);
    if (st != ENG_OK) return;
    const uint64_t limit = wg_get_limits(d)->max_storage_buffer_binding_size;
    wg_close(d);
    eng_model *m = open_model("q4_0");
    if (!m) return;
    const uint64_t per_pos = (uint64_t)m->hp.n_head_kv * (uint64_t)m->hp.head_dim * 4; /* F32 cache */
    const uint64_t n_ctx = limit / per_pos + 1;
    if (n_ctx > (1u << 20)) {
        printf("  binding limit %llu bytes: no n_ctx up to 1M exceeds it with this model; not checked\n",
               (unsigned long long)limit);
        eng_model_free(m);
        return;
    }
    eng_ctx_params p = eng_ctx_default_params();
    p.n_ctx = (int32_t)n_ctx;
    p.type_kv = GGUF_TYPE_F32;
    p.backend = "webgpu";
    eng_ctx *c = NULL;
    st = eng_ctx_create(m, &p, &c, err, sizeof err);
    printf("  n_ctx %d (KV layer %.1f MiB, limit %.1f MiB): %s: %s\n", p.n_ctx,
           (double)(n_ctx * per_pos) / 1048576.0, (double)limit / 1048576.0, eng_status_str(st), err);
    CHECK_EQ_INT(st, ENG_ERR_UNSUPPORTED);
    CHECK(c == NULL);
    CHECK_CONTAINS(err, "KV cache");
    CHECK_CONTAINS(err, "binding limit");
    char want[64];
    snprintf(want, sizeof want, "n_ctx %d", p.n_ctx);
    CHECK_CONTAINS(err, want);
    eng_ctx_free(c);
    /* one position less fits the binding, and the backend still works */
    p.n_ctx = (int32_t)(n_ctx - 1);
    p.n_batch = 16;
    st = eng_ctx_create(m, &p, &c, err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  n_ctx %d: %s\n", p.n_ctx, err);
    if (st == ENG_OK) {
        int32_t ids[3] = {1, 15043, 3186}, next = -1;
        CHECK_EQ_INT(eng_decode_greedy(c, ids, 3, &next, err, sizeof err), ENG_OK);
        CHECK(next >= 0 && next < m->hp.n_vocab);
    } else {
        /* not enough memory for the whole cache is the only other acceptable answer */
        CHECK_EQ_INT(st, ENG_ERR_NOMEM);
    }
    eng_ctx_free(c);
    eng_model_free(m);
}

/* Under AddressSanitizer: keep Mesa's lavapipe mapped after Dawn releases its
 * Vulkan instance, or LeakSanitizer reports a 128-byte block lavapipe keeps in
 * a static as a leak from "<unknown module>" (see tests/webgpu/test_wg.c). */
static void pin_vulkan_driver(void) {
#if defined(__SANITIZE_ADDRESS__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NOLOAD);
#endif
}

int test_failures_ = 0;

int main(int argc, char **argv) {
    static const test_case cases[] = {
        TEST(test_auto_picks_webgpu),         TEST(test_f32_matches_llamacpp),
        TEST(test_q8_0_matches_llamacpp),     TEST(test_q4_0_matches_llamacpp),
        TEST(test_greedy_on_device_equals_argmax), TEST(test_batch_equals_sequential),
        TEST(test_f16_kv_close_to_f32),       TEST(test_kv_over_binding_limit),
    };
    const char *req = getenv("LLMCAP_REQUIRE_WEBGPU");
    const bool require = req && !strcmp(req, "1");
    /* probe: a WebGPU context on the smallest model */
    char path[700], err[1024] = "";
    snprintf(path, sizeof path, "%s/testdata/models/tiny-llama-q4_0.gguf", shared_dir());
    eng_model *m = NULL;
    eng_status st = eng_model_open_file(path, &m, err, sizeof err);
    if (st == ENG_OK) {
        eng_ctx_params p = eng_ctx_default_params();
        p.n_ctx = 16;
        p.backend = "webgpu";
        eng_ctx *c = NULL;
        st = eng_ctx_create(m, &p, &c, err, sizeof err);
        if (st == ENG_OK) pin_vulkan_driver();
        eng_ctx_free(c);
        eng_model_free(m);
    }
    if (st != ENG_OK) {
        if (st == ENG_ERR_BACKEND && !require) {
            printf("skip: %s\n", err);
            printf("0 passed, 0 failed\n");
            return 0;
        }
        fprintf(stderr, "FAIL webgpu probe%s: %s\n", require ? " (LLMCAP_REQUIRE_WEBGPU=1)" : "", err);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    fc_backend = "webgpu";
    fc_greedy_on_device = true;
    fc_skip_unchecked_steps = true; /* lavapipe decodes ~7 tokens/s on the tiny models */
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1])) continue;
        test_failures_ = 0;
        cases[i].fn();
        if (test_failures_) {
            failed++;
            fprintf(stderr, "FAIL %s\n", cases[i].name);
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
