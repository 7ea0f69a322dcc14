/* test_calibrate.c - calibration profiles and the fit (estimator/profile_json.c,
 * estimator/calibrate.c): JSON round trip and each kind of bad profile; the
 * embedded default equals data/profile.json; --profile / engine sections /
 * prediction intervals in estimates; the fit recovers known parameters from
 * runs generated with the estimator itself, with finite positive standard
 * errors; leave-one-hardware-out on exact data; too few points and
 * non-convergence are errors. Run from the repository root. */
#include "data_common.h"
#include "llmcap.h"
#include "llmcap_calibrate.h"
#include "llmcap_runs.h"
#include "test.h"
#include "types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static llmcap_status parse(const char *json, llmcap_profile *p, llmcap_error *err)
{
    memset(err, 0, sizeof *err);
    return llmcap_profile_from_json(json, strlen(json), "t.json", p, err);
}

/* ---------------------------------------------------------------- JSON */

static void test_profile_round_trip(void)
{
    llmcap_profile p = *llmcap_profile_handset();
    snprintf(p.name, sizeof p.name, "round-trip");
    snprintf(p.created, sizeof p.created, "2026-01-02");
    p.kind[LLMCAP_HW_GPU].bw_eff = 0.8123456789012345;
    p.kind_stderr[LLMCAP_HW_GPU].bw_eff = 0.0123;
    p.kind[LLMCAP_HW_APPLE].decode_pi_log = 0.25;
    p.kind[LLMCAP_HW_GPU].decode_compute_eff = 0.004;
    p.multi_gpu_overhead_ms = 0.3;
    p.multi_gpu_overhead_ms_stderr = 0.05;
    p.n_engines = 1;
    snprintf(p.engines[0].engine, sizeof p.engines[0].engine, "llmcap-engine/webgpu");
    memcpy(p.engines[0].kind, p.kind, sizeof p.kind);
    p.engines[0].kind[LLMCAP_HW_GPU].tok_overhead_ms = 1.25;
    p.engines[0].kind_stderr[LLMCAP_HW_GPU].tok_overhead_ms = 0.1;
    char *txt = llmcap_profile_to_json(&p, true);
    CHECK(txt != NULL);
    llmcap_profile q;
    memset(&q, 0xab, sizeof q);
    llmcap_error err;
    CHECK_EQ_INT(parse(txt, &q, &err), LLMCAP_OK);
    if (err.msg[0]) fprintf(stderr, "  %s\n", err.msg);
    /* every number, name and section comes back exactly: the texts agree */
    char *txt2 = llmcap_profile_to_json(&q, true);
    CHECK_STR(txt2, txt);
    CHECK_STR(q.name, "round-trip");
    CHECK_STR(q.created, "2026-01-02");
    CHECK(q.kind[LLMCAP_HW_GPU].bw_eff == p.kind[LLMCAP_HW_GPU].bw_eff);
    CHECK(q.kind_stderr[LLMCAP_HW_GPU].bw_eff == 0.0123);
    CHECK(q.kind_stderr[LLMCAP_HW_GPU].compute_eff == 0);
    CHECK(q.multi_gpu_overhead_ms_stderr == 0.05);
    CHECK_EQ_INT(q.n_engines, 1);
    CHECK_STR(q.engines[0].engine, "llmcap-engine/webgpu");
    CHECK(q.engines[0].kind[LLMCAP_HW_GPU].tok_overhead_ms == 1.25);
    CHECK(q.engines[0].kind_stderr[LLMCAP_HW_GPU].tok_overhead_ms == 0.1);
    llmcap_json_free(txt);
    llmcap_json_free(txt2);

    /* a partial profile: the rest are the hand-set constants; the name comes from the label */
    CHECK_EQ_INT(parse("{\"classes\": {\"gpu\": {\"bw_eff\": 0.5}}}", &q, &err), LLMCAP_OK);
    CHECK(q.kind[LLMCAP_HW_GPU].bw_eff == 0.5);
    CHECK(q.kind[LLMCAP_HW_GPU].compute_eff == llmcap_profile_handset()->kind[LLMCAP_HW_GPU].compute_eff);
    CHECK(q.kind[LLMCAP_HW_APPLE].bw_eff == llmcap_profile_handset()->kind[LLMCAP_HW_APPLE].bw_eff);
    CHECK_STR(q.name, "t.json");
}

static void expect_bad(const char *json, llmcap_status want, const char *needle)
{
    llmcap_profile q = *llmcap_profile_handset();
    snprintf(q.name, sizeof q.name, "untouched");
    llmcap_error err;
    const llmcap_status st = parse(json, &q, &err);
    CHECK_EQ_INT(st, want);
    CHECK_CONTAINS(err.msg, needle);
    CHECK_CONTAINS(err.msg, "t.json");
    CHECK_STR(q.name, "untouched"); /* nothing written on error */
}

static void test_profile_bad(void)
{
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": 0.8}", LLMCAP_ERR_PARSE, "truncated");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": 0.8,,}}}", LLMCAP_ERR_PARSE, "line 1");
    expect_bad("[1, 2]", LLMCAP_ERR_INVALID_ARG, "must be a JSON object");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_ef\": 0.8}}}", LLMCAP_ERR_INVALID_ARG, "unknown key 'classes.gpu.bw_ef' (did you mean bw_eff?)");
    expect_bad("{\"clases\": {}}", LLMCAP_ERR_INVALID_ARG, "unknown key 'clases'");
    expect_bad("{\"classes\": {\"tpu\": {}}}", LLMCAP_ERR_INVALID_ARG, "unknown key 'classes.tpu'");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": 1.5}}}", LLMCAP_ERR_INVALID_ARG, "classes.gpu.bw_eff: 1.5 is out of range (0 < x <= 1)");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": 0}}}", LLMCAP_ERR_INVALID_ARG, "out of range");
    expect_bad("{\"classes\": {\"gpu\": {\"tok_overhead_ms\": -1}}}", LLMCAP_ERR_INVALID_ARG, "tok_overhead_ms: -1 is out of range");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": \"0.8\"}}}", LLMCAP_ERR_INVALID_ARG, "classes.gpu.bw_eff: must be a number");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": 1e999}}}", LLMCAP_ERR_INVALID_ARG, "finite");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": {\"value\": 0.8, \"stderr\": -1}}}}", LLMCAP_ERR_INVALID_ARG,
               "classes.gpu.bw_eff.stderr: -1 is out of range");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": {\"stderr\": 0.1}}}}", LLMCAP_ERR_INVALID_ARG, "has no \"value\"");
    expect_bad("{\"classes\": {\"gpu\": {\"bw_eff\": {\"value\": 0.8, \"sd\": 1}}}}", LLMCAP_ERR_INVALID_ARG,
               "unknown key 'classes.gpu.bw_eff.sd'");
    expect_bad("{\"classes\": {\"gpu\": {\"decode_pi_log\": {\"value\": 0.1}}}}", LLMCAP_ERR_INVALID_ARG, "must be a number");
    expect_bad("{\"global\": {\"pcie_eff\": 2}}", LLMCAP_ERR_INVALID_ARG, "global.pcie_eff: 2 is out of range");
    expect_bad("{\"engines\": {\"llama.cpp\": {}}}", LLMCAP_ERR_INVALID_ARG, "not an engine name");
    expect_bad("{\"engines\": {\"a b\": {}}}", LLMCAP_ERR_INVALID_ARG, "not an engine name");
    expect_bad("{\"engines\": {\"e/x\": {\"gpu\": {\"bw_eff\": 7}}}}", LLMCAP_ERR_INVALID_ARG, "engines.e/x.gpu.bw_eff: 7 is out of range");
    expect_bad("{\"format\": \"llmcap-profile 2\"}", LLMCAP_ERR_INVALID_ARG, "format");
    expect_bad("{\"name\": 5}", LLMCAP_ERR_INVALID_ARG, "name: must be a string");
    expect_bad("{\"loho\": 5}", LLMCAP_ERR_INVALID_ARG, "loho: must be an object");
    expect_bad("", LLMCAP_ERR_PARSE, "not valid JSON");

    llmcap_profile q;
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_profile_load_file("tests/no-such-profile.json", &q, &err), LLMCAP_ERR_IO);
    CHECK_CONTAINS(err.msg, "no-such-profile.json");
}

/* the library's default is data/profile.json, embedded: the same profile as the file */
static void test_default_is_shipped_file(void)
{
    llmcap_profile f;
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_profile_load_file("data/profile.json", &f, &err), LLMCAP_OK);
    const llmcap_profile *d = llmcap_profile_default();
    char *a = llmcap_profile_to_json(&f, false), *b = llmcap_profile_to_json(d, false);
    CHECK_STR(b, a);
    llmcap_json_free(a);
    llmcap_json_free(b);
    CHECK(strcmp(d->name, "hand-set") != 0); /* a calibration, not the fallback */
    /* the shipped profile gives decode and prefill intervals for the classes it was fitted for */
    CHECK(d->kind[LLMCAP_HW_GPU].decode_pi_log > 0.01 && d->kind[LLMCAP_HW_GPU].decode_pi_log < 1);
    CHECK(d->kind[LLMCAP_HW_GPU].prefill_pi_log > 0.01 && d->kind[LLMCAP_HW_GPU].prefill_pi_log < 1);
    CHECK(d->kind_stderr[LLMCAP_HW_GPU].bw_eff > 0);
}

/* ------------------------------------------------------ profiles in use */

static void test_profile_in_estimates(void)
{
    llmcap_model *m = model("llama-3.1-8b");
    llmcap_params p = llmcap_params_default();
    p.gpu = *llmcap_db_find_hardware(db(), "rtx-4090");
    p.ftype = GGUF_FTYPE_Q4_K_M;
    p.n_ctx = 4096;
    llmcap_profile a = *llmcap_profile_handset(), b = a;
    b.kind[LLMCAP_HW_GPU].bw_eff = a.kind[LLMCAP_HW_GPU].bw_eff / 2;
    a.kind[LLMCAP_HW_GPU].decode_pi_log = 0.1;
    a.kind[LLMCAP_HW_GPU].prefill_pi_log = 0.2;
    llmcap_result ra, rb;
    llmcap_error err = {0};
    p.profile = &a;
    CHECK_EQ_INT(llmcap_estimate(m, &p, &ra, &err), LLMCAP_OK);
    p.profile = &b;
    CHECK_EQ_INT(llmcap_estimate(m, &p, &rb, &err), LLMCAP_OK);
    /* half the bandwidth: decode slower (not quite half: the overheads stay), prefill unchanged */
    CHECK(rb.speed.decode_tok_s < 0.6 * ra.speed.decode_tok_s && rb.speed.decode_tok_s > 0.45 * ra.speed.decode_tok_s);
    CHECK_REL(rb.speed.prefill_tok_s, ra.speed.prefill_tok_s, 0.02);
    /* intervals: value * exp(-/+ pi_log); none without a spread */
    CHECK_REL(ra.speed.decode_tok_s_low, ra.speed.decode_tok_s * exp(-0.1), 1e-12);
    CHECK_REL(ra.speed.decode_tok_s_high, ra.speed.decode_tok_s * exp(0.1), 1e-12);
    CHECK_REL(ra.speed.prefill_tok_s_low, ra.speed.prefill_tok_s * exp(-0.2), 1e-12);
    CHECK_REL(ra.speed.prefill_tok_s_high, ra.speed.prefill_tok_s * exp(0.2), 1e-12);
    CHECK(rb.speed.decode_tok_s_low == 0 && rb.speed.decode_tok_s_high == 0);

    /* an engine section replaces the classes when params.engine names it */
    a.n_engines = 1;
    snprintf(a.engines[0].engine, sizeof a.engines[0].engine, "llmcap-engine/webgpu");
    memcpy(a.engines[0].kind, b.kind, sizeof b.kind);
    p.profile = &a;
    snprintf(p.engine, sizeof p.engine, "llmcap-engine/webgpu");
    llmcap_result re;
    CHECK_EQ_INT(llmcap_estimate(m, &p, &re, &err), LLMCAP_OK);
    CHECK_REL(re.speed.decode_tok_s, rb.speed.decode_tok_s, 1e-12);
    snprintf(p.engine, sizeof p.engine, "llama.cpp");
    CHECK_EQ_INT(llmcap_estimate(m, &p, &re, &err), LLMCAP_OK);
    CHECK_REL(re.speed.decode_tok_s, ra.speed.decode_tok_s, 1e-12);
    snprintf(p.engine, sizeof p.engine, "vllm");
    CHECK_EQ_INT(llmcap_estimate(m, &p, &re, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "has no engine section 'vllm' (engines: llama.cpp, llmcap-engine/webgpu)");

    /* decode_compute_eff: a dequantization-bound decode (fitted for engines) */
    p.engine[0] = 0;
    b = *llmcap_profile_handset();
    b.kind[LLMCAP_HW_GPU].decode_compute_eff = 0.002;
    p.profile = &b;
    CHECK_EQ_INT(llmcap_estimate(m, &p, &rb, &err), LLMCAP_OK);
    const double t_mm = 2.0 * rb.params_active / (0.002 * p.gpu.fp16_tflops * 1e12);
    CHECK(rb.speed.decode_ms_per_tok * 1e-3 > t_mm);
    CHECK(rb.speed.decode_ms_per_tok * 1e-3 < t_mm * 1.5);
    CHECK_STR(llmcap_bound_name(rb.speed.bound), "compute");
    llmcap_model_free(m);
}

static void test_request_profile(void)
{
    char path[64];
    snprintf(path, sizeof path, "%s", "/tmp/llmcap-test-profile-XXXXXX");
    const int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("{\"name\": \"slow\", \"classes\": {\"gpu\": {\"bw_eff\": 0.3, \"decode_pi_log\": 0.2}}}", f);
    fclose(f);
    llmcap_request rq;
    llmcap_request_init(&rq);
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_request_set(&rq, "model", "llama-3.1-8b", &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_set(&rq, "hardware", "rtx-4090", &err), LLMCAP_OK);
    llmcap_model *m = NULL;
    CHECK_EQ_INT(llmcap_request_resolve(db(), &rq, &m, &err), LLMCAP_OK);
    llmcap_result r0, r1;
    CHECK_EQ_INT(llmcap_estimate(m, &rq.params, &r0, &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_set(&rq, "profile", path, &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_resolve_params(db(), &rq, &err), LLMCAP_OK);
    CHECK(rq.params.profile != NULL);
    if (rq.params.profile) CHECK_STR(rq.params.profile->name, "slow");
    CHECK_EQ_INT(llmcap_estimate(m, &rq.params, &r1, &err), LLMCAP_OK);
    CHECK(r1.speed.decode_tok_s < 0.6 * r0.speed.decode_tok_s);
    CHECK(r1.speed.decode_tok_s_low < r1.speed.decode_tok_s && r1.speed.decode_tok_s < r1.speed.decode_tok_s_high);
    /* the same path again: the cached profile */
    const llmcap_profile *again = NULL;
    CHECK_EQ_INT(llmcap_profile_load_cached(path, &again, &err), LLMCAP_OK);
    CHECK(again == rq.params.profile);
    /* engine sections are checked against the profile */
    CHECK_EQ_INT(llmcap_request_set(&rq, "engine", "llmcap-engine/cpu", &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_resolve_params(db(), &rq, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "profile 'slow' has no engine section 'llmcap-engine/cpu'");
    /* a missing file */
    llmcap_request rq2;
    llmcap_request_init(&rq2);
    CHECK_EQ_INT(llmcap_request_set(&rq2, "hardware", "rtx-4090", &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_set(&rq2, "profile", "tests/no-such-profile.json", &err), LLMCAP_OK);
    CHECK_EQ_INT(llmcap_request_resolve_params(db(), &rq2, &err), LLMCAP_ERR_IO);
    llmcap_model_free(m);
    remove(path);
}

/* ------------------------------------------------------------ the fit */

/* synthetic llama-bench runs: hardware x model x test, measured = the
 * estimator with `truth`, times (1 + noise_i) with a fixed +-noise pattern */
typedef struct synth_case { const char *hw; const char *model; } synth_case;

static void make_runs(llmcap_runs *runs, const llmcap_profile *truth, double noise, const synth_case *cases,
                      size_t n_cases)
{
    static const struct { llmcap_run_test t; uint32_t np, ng, depth; } tests[] = {
        {LLMCAP_TEST_TG, 0, 128, 0}, {LLMCAP_TEST_TG, 0, 128, 4096}, {LLMCAP_TEST_TG, 0, 128, 16384},
        {LLMCAP_TEST_PP, 512, 0, 0}, {LLMCAP_TEST_PP, 4096, 0, 0}, {LLMCAP_TEST_PP, 512, 0, 8192},
    };
    const size_t nt = sizeof tests / sizeof tests[0];
    memset(runs, 0, sizeof *runs);
    runs->runs = calloc(n_cases * nt * 2, sizeof *runs->runs);
    runs->cap = n_cases * nt * 2;
    unsigned lcg = 12345;
    for (size_t c = 0; c < n_cases; c++) {
        for (size_t t = 0; t < nt; t++) {
            for (int gpus = 1; gpus <= 2; gpus++) {
                if (gpus == 2 && (c % 3 || tests[t].t != LLMCAP_TEST_TG)) continue; /* a few 2-GPU decode runs */
                llmcap_run *r = &runs->runs[runs->n];
                r->line = (int)runs->n + 2;
                snprintf(r->file, sizeof r->file, "synthetic.csv");
                snprintf(r->engine, sizeof r->engine, "llama.cpp llama-bench");
                snprintf(r->backend, sizeof r->backend, "CUDA");
                if (gpus == 1) snprintf(r->hardware, sizeof r->hardware, "%s", cases[c].hw);
                else snprintf(r->hardware, sizeof r->hardware, "%s * 2", cases[c].hw);
                snprintf(r->model, sizeof r->model, "%s", cases[c].model);
                snprintf(r->quant, sizeof r->quant, "Q4_K_M");
                r->test = tests[t].t;
                r->n_prompt = tests[t].np;
                r->n_gen = tests[t].ng;
                r->n_depth = tests[t].depth;
                r->n_seq = 1;
                r->n_gpu_layers = -1;
                r->flash_attn = -1;
                r->type_k = r->type_v = -1;
                llmcap_run_match mt;
                llmcap_error err = {0};
                if (llmcap_run_match_db(db(), r, NULL, &mt, &err)) { fprintf(stderr, "  match: %s\n", err.msg); continue; }
                double v = 0;
                if (llmcap_run_predict(&mt, r, truth, &v, &err)) { fprintf(stderr, "  predict: %s\n", err.msg); continue; }
                lcg = lcg * 1103515245u + 12345u;
                const double u = ((lcg >> 8) & 0xffff) / 65535.0 * 2 - 1; /* -1..1 */
                r->tok_s = v * (1 + noise * u);
                runs->n++;
            }
        }
    }
}

static const synth_case GPU_CASES[] = {
    {"rtx-4090", "llama-3.1-8b"}, {"rtx-3090", "llama-3.1-8b"}, {"a100-80gb-sxm", "llama-3.1-8b"},
    {"h100-pcie", "llama-3.1-70b"}, {"rtx-4060-ti-16gb", "llama-3.2-1b"}, {"rtx-a6000", "qwen2.5-14b"},
    {"l40s", "llama-3.2-3b"}, {"rtx-3080-10gb", "qwen2.5-7b"},
};

static llmcap_profile truth_profile(void)
{
    llmcap_profile t = *llmcap_profile_handset();
    llmcap_backend_params *g = &t.kind[LLMCAP_HW_GPU];
    g->bw_eff = 0.74;
    g->compute_eff = 0.27;
    g->tok_overhead_ms = 0.8;
    g->attn_eff = 0.02;
    g->prefill_attn_eff = 0.4;
    g->prefill_cap_tflops = 150;
    g->layer_overhead_us = 40;
    t.multi_gpu_overhead_ms = 0.5;
    return t;
}

static const llmcap_calib_param *param(const llmcap_calib_result *r, const char *field, int kind)
{
    for (size_t i = 0; i < r->n_params; i++)
        if (!strcmp(r->params[i].field, field) && r->params[i].kind == kind && !r->params[i].section[0]) return &r->params[i];
    return NULL;
}

static void test_fit_recovers_parameters(void)
{
    const llmcap_profile truth = truth_profile();
    llmcap_runs runs;
    make_runs(&runs, &truth, 0.0, GPU_CASES, sizeof GPU_CASES / sizeof GPU_CASES[0]);
    CHECK(runs.n >= 50);
    llmcap_calib_set set = {0};
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_calib_set_add_runs(&set, db(), &runs, NULL, NULL, &err), LLMCAP_OK);
    CHECK_EQ_INT(set.n, runs.n);
    /* the points predict as llmcap_run_predict does (what `llmcap compare` prints) */
    for (size_t i = 0; i < set.n; i += 7) {
        double a = 0, b = 0;
        CHECK_EQ_INT(llmcap_calib_predict(&set.points[i], &truth, &a, &err), LLMCAP_OK);
        CHECK_EQ_INT(llmcap_run_predict(&set.points[i].match, &set.points[i].run, &truth, &b, &err), LLMCAP_OK);
        CHECK(a == b);
    }
    llmcap_calib_result res;
    llmcap_calib_options opt = {.name = "synthetic", .created = "2026-01-01"};
    const llmcap_status st = llmcap_calibrate(&set, llmcap_profile_handset(), &opt, &res, &err);
    CHECK_EQ_INT(st, LLMCAP_OK);
    if (st) { fprintf(stderr, "  %s\n", err.msg); goto out; }
    /* every parameter the truth moved is fitted and found within 1% */
    static const char *const moved[] = {"bw_eff", "compute_eff", "tok_overhead_ms", "attn_eff", "prefill_attn_eff",
                                        "prefill_cap_tflops", "layer_overhead_us"};
    for (size_t k = 0; k < sizeof moved / sizeof moved[0]; k++) {
        const llmcap_calib_param *p = param(&res, moved[k], LLMCAP_HW_GPU);
        CHECK(p != NULL);
        if (!p) continue;
        double *tv = NULL;
        llmcap_profile tt = truth;
        if (!strcmp(moved[k], "bw_eff")) tv = &tt.kind[0].bw_eff;
        else if (!strcmp(moved[k], "compute_eff")) tv = &tt.kind[0].compute_eff;
        else if (!strcmp(moved[k], "tok_overhead_ms")) tv = &tt.kind[0].tok_overhead_ms;
        else if (!strcmp(moved[k], "attn_eff")) tv = &tt.kind[0].attn_eff;
        else if (!strcmp(moved[k], "prefill_attn_eff")) tv = &tt.kind[0].prefill_attn_eff;
        else if (!strcmp(moved[k], "prefill_cap_tflops")) tv = &tt.kind[0].prefill_cap_tflops;
        else tv = &tt.kind[0].layer_overhead_us;
        if (p->state != LLMCAP_PARAM_FITTED) fprintf(stderr, "  %s: %s\n", moved[k], llmcap_param_state_name(p->state));
        CHECK(p->state == LLMCAP_PARAM_FITTED);
        CHECK_REL(p->value, *tv, 0.01);
    }
    const llmcap_calib_param *mg = param(&res, "multi_gpu_overhead_ms", -1);
    CHECK(mg && mg->state == LLMCAP_PARAM_FITTED);
    if (mg) CHECK_REL(mg->value, 0.5, 0.01);
    /* the profile carries them, and predicts the exact data exactly */
    CHECK_REL(res.profile.kind[LLMCAP_HW_GPU].bw_eff, 0.74, 0.01);
    CHECK_STR(res.profile.name, "synthetic");
    CHECK(res.all_after.tg.mape_pct < 0.1);
    CHECK(res.all_after.pp.mape_pct < 0.1);
    CHECK(res.all_before.tg.mape_pct > 1);
    /* leave-one-hardware-out on exact data: every hardware predicted closely by fits without it */
    CHECK(res.loho.n_rows == sizeof GPU_CASES / sizeof GPU_CASES[0]);
    for (size_t i = 0; i < res.loho.n_rows; i++) {
        CHECK(!res.loho.rows[i].start_only);
        CHECK(res.loho.rows[i].err.tg.mape_pct < 1);
        CHECK(res.loho.rows[i].err.pp.mape_pct < 1);
    }
    /* the report parses back as a profile equal to the fitted one */
    const char *files[] = {"synthetic.csv"};
    const size_t nr[] = {runs.n};
    char *txt = llmcap_calib_profile_json(&res, &set, files, nr, 1);
    llmcap_profile back;
    CHECK(txt && parse(txt, &back, &err) == LLMCAP_OK);
    CHECK(back.kind[LLMCAP_HW_GPU].bw_eff == res.profile.kind[LLMCAP_HW_GPU].bw_eff);
    CHECK(back.kind[LLMCAP_HW_GPU].decode_pi_log == res.profile.kind[LLMCAP_HW_GPU].decode_pi_log);
    CHECK_CONTAINS(txt, "\"loho\"");
    llmcap_json_free(txt);
    llmcap_calib_result_free(&res);
out:
    llmcap_calib_set_free(&set);
    free(runs.runs);
}

static void test_fit_noise_stderr(void)
{
    const llmcap_profile truth = truth_profile();
    llmcap_runs runs;
    make_runs(&runs, &truth, 0.04, GPU_CASES, sizeof GPU_CASES / sizeof GPU_CASES[0]);
    llmcap_calib_set set = {0};
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_calib_set_add_runs(&set, db(), &runs, NULL, NULL, &err), LLMCAP_OK);
    llmcap_calib_result res;
    llmcap_calib_options opt = {.no_loho = true};
    const llmcap_status st = llmcap_calibrate(&set, llmcap_profile_handset(), &opt, &res, &err);
    CHECK_EQ_INT(st, LLMCAP_OK);
    if (st) { fprintf(stderr, "  %s\n", err.msg); goto out; }
    size_t n_fitted = 0;
    for (size_t i = 0; i < res.n_params; i++) {
        const llmcap_calib_param *p = &res.params[i];
        if (p->state != LLMCAP_PARAM_FITTED) continue;
        n_fitted++;
        CHECK(isfinite(p->stderr_value) && p->stderr_value > 0);
        CHECK(p->stderr_value < fabs(p->value)); /* at least one significant digit */
    }
    CHECK(n_fitted >= 6);
    /* the estimate of bandwidth efficiency lands within 4 standard errors of the truth */
    const llmcap_calib_param *bw = param(&res, "bw_eff", LLMCAP_HW_GPU);
    CHECK(bw && fabs(bw->value - 0.74) < 4 * bw->stderr_value + 1e-9);
    /* noise uniform in +-4%: SD of log about 0.023; the 90% interval about 1.65 of it */
    CHECK(res.classes[0].sd_log_tg > 0.01 && res.classes[0].sd_log_tg < 0.04);
    CHECK(res.profile.kind[LLMCAP_HW_GPU].decode_pi_log > 0.015 && res.profile.kind[LLMCAP_HW_GPU].decode_pi_log < 0.08);
    CHECK(res.loho.n_rows == 0);
    llmcap_calib_result_free(&res);
out:
    llmcap_calib_set_free(&set);
    free(runs.runs);
}

static void test_fit_errors(void)
{
    const llmcap_profile truth = truth_profile();
    llmcap_runs runs;
    make_runs(&runs, &truth, 0.0, GPU_CASES, 1);
    llmcap_error err = {0};
    llmcap_calib_result res;
    /* an empty set */
    llmcap_calib_set set = {0};
    CHECK_EQ_INT(llmcap_calibrate(&set, NULL, NULL, &res, &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "no usable runs");
    /* two runs: one of each role, nothing can be fitted */
    llmcap_runs two = runs;
    two.runs = &runs.runs[2];
    two.n = 2;
    CHECK_EQ_INT(llmcap_calib_set_add_runs(&set, db(), &two, NULL, NULL, &err), LLMCAP_OK);
    CHECK_EQ_INT(set.n, 2);
    CHECK_EQ_INT(llmcap_calibrate(&set, NULL, NULL, &res, &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "too few points");
    llmcap_calib_set_free(&set);
    /* one iteration allowed: the fit does not converge */
    llmcap_calib_set set2 = {0};
    CHECK_EQ_INT(llmcap_calib_set_add_runs(&set2, db(), &runs, NULL, NULL, &err), LLMCAP_OK);
    llmcap_calib_options opt = {.max_iter = 1};
    CHECK_EQ_INT(llmcap_calibrate(&set2, NULL, &opt, &res, &err), LLMCAP_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err.msg, "did not converge");
    llmcap_calib_set_free(&set2);
    /* runs the set cannot use are skipped with a reason */
    llmcap_run bad[3];
    memset(bad, 0, sizeof bad);
    for (int i = 0; i < 3; i++) {
        bad[i] = runs.runs[0];
        bad[i].line = 100 + i;
    }
    snprintf(bad[0].hardware, sizeof bad[0].hardware, "RTX 9999 Hyper");
    snprintf(bad[1].engine, sizeof bad[1].engine, "llama.cpp WASM (jspi) in chromium");
    bad[2].tok_s = NAN;
    llmcap_runs br = {.runs = bad, .n = 3};
    llmcap_calib_set set3 = {0};
    CHECK_EQ_INT(llmcap_calib_set_add_runs(&set3, db(), &br, NULL, NULL, &err), LLMCAP_OK);
    CHECK_EQ_INT(set3.n, 0);
    CHECK_EQ_INT(set3.n_skipped, 3);
    if (set3.n_skipped == 3) {
        CHECK_CONTAINS(set3.skipped[0].reason, "hardware");
        CHECK_CONTAINS(set3.skipped[1].reason, "browser run");
        CHECK_CONTAINS(set3.skipped[2].reason, "no tokens/s");
        CHECK_EQ_INT(set3.skipped[2].line, 102);
    }
    llmcap_calib_set_free(&set3);
    free(runs.runs);
}

TEST_MAIN(TEST(test_profile_round_trip), TEST(test_profile_bad), TEST(test_default_is_shipped_file),
          TEST(test_profile_in_estimates), TEST(test_request_profile), TEST(test_fit_recovers_parameters),
          TEST(test_fit_noise_stderr), TEST(test_fit_errors))
