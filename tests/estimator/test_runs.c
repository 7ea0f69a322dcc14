/* test_runs.c - the measured-runs module (estimator/llmcap_runs.h): the reader
 * on every format (exact field values from tests/cases/runs/), detection,
 * malformed and truncated files (file:line messages, nothing appended, no
 * crash on any prefix of a good file), name matching against data/, the
 * parameters a run becomes, predictions equal to llmcap_estimate's, and the
 * error statistics on numbers worked out by hand.
 *
 * Run from the repository root (reads data/ and tests/cases/runs/). */
#include "llmcap_runs.h"
#include "test.h"
#include "types.h"

#include <stdint.h>

#define CASES "tests/cases/runs/"
#define GIB (1024.0 * 1024.0 * 1024.0)

/* data/ (each test loads and frees its own) */
static llmcap_db *db_get(void)
{
    llmcap_db *db = NULL;
    llmcap_error err = {0};
    if (llmcap_db_load_dir("data", &db, &err)) fprintf(stderr, "  data: %s\n", err.msg);
    return db;
}

/* read one case file; CHECKs the status */
static llmcap_runs read_case(const char *name, llmcap_run_format fmt, bool strict, llmcap_status want)
{
    llmcap_runs r = {0};
    llmcap_error err = {0};
    char path[256];
    snprintf(path, sizeof path, CASES "%s", name);
    llmcap_status st = llmcap_runs_read_file(path, fmt, strict, &r, &err);
    if (st != want) fprintf(stderr, "  %s: status %d (%s), expected %d\n", name, (int)st, err.msg, (int)want);
    CHECK_EQ_INT(st, want);
    return r;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    if (b) { b[n] = 0; *len = (size_t)n; }
    return b;
}

/* ---- formats ---- */

static void test_format_names(void)
{
    llmcap_run_format f;
    llmcap_error err = {0};
    for (int i = 0; i < LLMCAP_RUNS_FORMAT_COUNT; i++) {
        CHECK_EQ_INT(llmcap_run_format_parse(llmcap_run_format_name((llmcap_run_format)i), &f, &err), LLMCAP_OK);
        CHECK_EQ_INT(f, i);
    }
    CHECK_STR(llmcap_run_format_name(LLMCAP_RUNS_LB_MD), "llama-bench-md");
    CHECK_EQ_INT(llmcap_run_format_parse("llama-bench-xml", &f, &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "llama-bench-xml");
    CHECK_CONTAINS(err.msg, "measured-csv");
}

/* the four llama-bench runs of lb.json / lb.jsonl / lb.csv */
static void check_lb_runs(const llmcap_runs *r, llmcap_run_format fmt, const int *lines)
{
    CHECK_EQ_INT(r->n, 4);
    CHECK_EQ_INT(r->n_issues, 0);
    if (r->n != 4) return;
    const llmcap_run *a = &r->runs[0];
    CHECK_EQ_INT(a->format, fmt);
    CHECK_EQ_INT(a->line, lines[0]);
    CHECK_STR(a->engine, "llama.cpp llama-bench");
    CHECK_STR(a->build, "8cf427ff (5163)");
    CHECK_STR(a->date, "2025-05-02T10:11:12Z");
    CHECK_STR(a->hardware, "NVIDIA GeForce RTX 4090");
    CHECK_STR(a->backend, "CUDA");
    CHECK_STR(a->model, "Meta-Llama-3.1-8B-Instruct-Q4_K_M (llama 8B Q4_K - Medium)");
    CHECK_STR(a->quant, "Q4_K_M");
    CHECK_NEAR(a->model_size_bytes, 4920733696.0, 0);
    CHECK_NEAR(a->n_params, 8030261248.0, 0);
    CHECK_EQ_INT(a->test, LLMCAP_TEST_PP);
    CHECK_EQ_INT(a->n_prompt, 512);
    CHECK_EQ_INT(a->n_gen, 0);
    CHECK_EQ_INT(a->n_depth, 0);
    CHECK_EQ_INT(a->n_seq, 1);
    CHECK_EQ_INT(a->n_batch, 2048);
    CHECK_EQ_INT(a->n_ubatch, 512);
    CHECK_EQ_INT(a->n_threads, 16);
    CHECK_EQ_INT(a->n_gpu_layers, 99);
    CHECK_EQ_INT(a->flash_attn, 0);
    CHECK_EQ_INT(a->type_k, GGUF_TYPE_F16);
    CHECK_EQ_INT(a->type_v, GGUF_TYPE_F16);
    CHECK_NEAR(a->tok_s, 7139.12, 1e-9);
    CHECK_NEAR(a->stddev_tok_s, 39.8, 1e-9);
    const llmcap_run *b = &r->runs[1];
    CHECK_EQ_INT(b->line, lines[1]);
    CHECK_EQ_INT(b->test, LLMCAP_TEST_TG);
    CHECK_EQ_INT(b->n_gen, 128);
    CHECK_EQ_INT(b->n_prompt, 0);
    CHECK_NEAR(b->tok_s, 130.61, 1e-9);
    const llmcap_run *c = &r->runs[2];
    CHECK_EQ_INT(c->line, lines[2]);
    CHECK_EQ_INT(c->test, LLMCAP_TEST_PP);
    CHECK_EQ_INT(c->n_depth, 4096);
    CHECK_EQ_INT(c->flash_attn, 1);
    CHECK_EQ_INT(c->type_k, GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(c->type_v, GGUF_TYPE_Q8_0);
    CHECK_NEAR(c->tok_s, 5688.9, 1e-9);
    const llmcap_run *d = &r->runs[3];
    CHECK_EQ_INT(d->line, lines[3]);
    CHECK_EQ_INT(d->test, LLMCAP_TEST_PG);
    CHECK_EQ_INT(d->n_prompt, 512);
    CHECK_EQ_INT(d->n_gen, 128);
    CHECK_NEAR(d->tok_s, 603.77, 1e-9);
}

static void test_read_lb_json(void)
{
    llmcap_runs r = read_case("lb.json", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    static const int lines[] = {2, 39, 65, 91};
    check_lb_runs(&r, LLMCAP_RUNS_LB_JSON, lines);
    if (r.n) CHECK_STR(r.runs[0].source, "runs/lb.json");
    if (r.n) CHECK_STR(r.runs[0].file, CASES "lb.json");
    llmcap_runs_free(&r);
}

static void test_read_lb_jsonl(void)
{
    llmcap_runs r = read_case("lb.jsonl", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    static const int lines[] = {1, 2, 3, 4};
    check_lb_runs(&r, LLMCAP_RUNS_LB_JSONL, lines);
    llmcap_runs_free(&r);
    /* forcing llama-bench-json on JSONL content reads it as JSONL */
    r = read_case("lb.jsonl", LLMCAP_RUNS_LB_JSON, false, LLMCAP_OK);
    check_lb_runs(&r, LLMCAP_RUNS_LB_JSONL, lines);
    llmcap_runs_free(&r);
}

static void test_read_lb_csv(void)
{
    llmcap_runs r = read_case("lb.csv", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    static const int lines[] = {2, 3, 4, 5};
    check_lb_runs(&r, LLMCAP_RUNS_LB_CSV, lines);
    llmcap_runs_free(&r);
}

static void test_read_lb_md(void)
{
    llmcap_runs r = read_case("lb.md", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 5);
    CHECK_EQ_INT(r.n_issues, 0);
    if (r.n == 5) {
        const llmcap_run *a = &r.runs[0];
        CHECK_EQ_INT(a->format, LLMCAP_RUNS_LB_MD);
        CHECK_EQ_INT(a->line, 3);
        CHECK_STR(a->model, "llama 8B Q4_K - Medium");
        CHECK_STR(a->quant, "Q4_K_M");
        CHECK_STR(a->backend, "CUDA");
        CHECK_STR(a->hardware, "");
        CHECK_STR(a->build, "8cf427ff (5163)");
        CHECK_NEAR(a->model_size_bytes, 4.58 * GIB, 1);
        CHECK_NEAR(a->n_params, 8.03e9, 1);
        CHECK_EQ_INT(a->n_gpu_layers, 99);
        CHECK_EQ_INT(a->n_ubatch, 512);
        CHECK_EQ_INT(a->flash_attn, 0);
        CHECK_EQ_INT(a->test, LLMCAP_TEST_PP);
        CHECK_EQ_INT(a->n_prompt, 512);
        CHECK_NEAR(a->tok_s, 7139.12, 1e-9);
        CHECK_NEAR(a->stddev_tok_s, 39.80, 1e-9);
        CHECK_EQ_INT(r.runs[1].test, LLMCAP_TEST_TG);
        CHECK_EQ_INT(r.runs[1].n_gen, 128);
        CHECK_NEAR(r.runs[1].stddev_tok_s, 0.27, 1e-9);
        const llmcap_run *c = &r.runs[2];
        CHECK_EQ_INT(c->test, LLMCAP_TEST_PP);
        CHECK_EQ_INT(c->n_prompt, 512);
        CHECK_EQ_INT(c->n_depth, 4096);
        CHECK_EQ_INT(c->n_ubatch, 2048);
        CHECK_EQ_INT(c->flash_attn, 1);
        CHECK_EQ_INT(r.runs[3].test, LLMCAP_TEST_TG);
        CHECK_EQ_INT(r.runs[3].n_depth, 4096);
        CHECK_EQ_INT(r.runs[4].test, LLMCAP_TEST_PG);
        CHECK_EQ_INT(r.runs[4].n_prompt, 512);
        CHECK_EQ_INT(r.runs[4].n_gen, 128);
        CHECK_EQ_INT(r.runs[4].line, 7);
    }
    llmcap_runs_free(&r);

    r = read_case("lb_old.md", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 2);
    CHECK_EQ_INT(r.n_issues, 0);
    if (r.n == 2) {
        CHECK_EQ_INT(r.runs[0].test, LLMCAP_TEST_PP);
        CHECK_EQ_INT(r.runs[0].n_prompt, 64);
        CHECK_EQ_INT(r.runs[0].n_threads, 1);
        CHECK_STR(r.runs[0].quant, "Q4_0");
        CHECK_STR(r.runs[0].backend, "CPU");
        CHECK_STR(r.runs[0].build, "3469684 (1275)");
        CHECK_NEAR(r.runs[0].n_params, 6.74e9, 1);
        CHECK_EQ_INT(r.runs[1].test, LLMCAP_TEST_TG); /* "tg 16 | ... ||" */
        CHECK_EQ_INT(r.runs[1].n_gen, 16);
        CHECK_EQ_INT(r.runs[1].n_threads, 8);
        CHECK_NEAR(r.runs[1].tok_s, 16.71, 1e-9);
        CHECK_NEAR(r.runs[1].stddev_tok_s, 0.66, 1e-9);
    }
    llmcap_runs_free(&r);
}

static void test_read_lb_multi_and_old_json(void)
{
    llmcap_runs r = read_case("lb_multi.json", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_STR(r.runs[0].hardware, "NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 3090");
        CHECK_STR(r.runs[0].model, "llama-2-13b.Q8_0 (llama 13B Q8_0)");
        CHECK_STR(r.runs[0].quant, "Q8_0");
        CHECK_STR(r.runs[1].backend, "CUDA"); /* "cuda": true, before llama-bench had "backends" */
        CHECK_STR(r.runs[1].hardware, "NVIDIA GeForce RTX 3090");
        CHECK_STR(r.runs[1].quant, "Q4_0");   /* "mostly Q4_0" */
        CHECK_EQ_INT(r.runs[1].flash_attn, -1);
        CHECK_EQ_INT(r.runs[1].n_ubatch, 0);
        CHECK_EQ_INT(r.runs[1].n_depth, 0);
        CHECK_STR(r.runs[1].build, "5d6e7f8 (1100)");
    }
    llmcap_runs_free(&r);
}

static void test_read_engine(void)
{
    llmcap_runs r = read_case("engine.json", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 2);
    if (r.n == 2) {
        const llmcap_run *a = &r.runs[0], *b = &r.runs[1];
        CHECK_EQ_INT(a->format, LLMCAP_RUNS_ENGINE_JSON);
        CHECK_STR(a->engine, "llmcap-engine");
        CHECK_STR(a->backend, "WebGPU");
        CHECK_STR(a->hardware, "NVIDIA H200");
        CHECK_STR(a->model, "llama-3.2-1b-Q4_0 (llama 1.2B Q4_0)");
        CHECK_STR(a->quant, "Q4_0");
        CHECK_STR(a->build, "4d069d9");
        CHECK_EQ_INT(a->line, 1);
        CHECK_EQ_INT(b->line, 37);
        CHECK_EQ_INT(b->test, LLMCAP_TEST_TG);
        CHECK_NEAR(b->latency_p50_ms, 2.05, 1e-12);
        CHECK_NEAR(b->latency_p95_ms, 2.21, 1e-12);
        CHECK_NEAR(b->peak_mem_bytes, 812000000.0, 0);
        CHECK_NEAR(b->tok_s, 483.84, 1e-12);
    }
    llmcap_runs_free(&r);

    r = read_case("engine_cpu.jsonl", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 2);
    if (r.n == 2) {
        CHECK_EQ_INT(r.runs[0].format, LLMCAP_RUNS_ENGINE_JSON);
        CHECK_STR(r.runs[0].hardware, "AMD EPYC");
        CHECK_STR(r.runs[0].backend, "CPU");
        CHECK_STR(r.runs[0].model, "qwen2.5-0.5b (qwen2 494M Q8_0)"); /* model_shape first */
        CHECK_NEAR(r.runs[0].mem_bw_gbps, 36.0, 0);
        CHECK_EQ_INT(r.runs[0].n_threads, 2);
        CHECK_EQ_INT(r.runs[0].line, 1);
        CHECK_EQ_INT(r.runs[1].line, 2);
        CHECK_CONTAINS(r.runs[0].notes, "avx512");
        CHECK_NEAR(r.runs[0].machine_bw_gbps, 36.0, 0);
    }
    llmcap_runs_free(&r);

    /* machine_bw_gbps: the median triad per hardware and engine within the file */
    static const char three[] =
        "{\"engine\":\"llmcap-engine\",\"cpu_info\":\"cpu A\",\"backend\":\"cpu\",\"n_prompt\":0,\"n_gen\":16,\"avg_ts\":10,\"mem_bw_gbps\":30}\n"
        "{\"engine\":\"llmcap-engine\",\"cpu_info\":\"cpu B\",\"backend\":\"cpu\",\"n_prompt\":0,\"n_gen\":16,\"avg_ts\":10,\"mem_bw_gbps\":10}\n"
        "{\"engine\":\"llmcap-engine\",\"cpu_info\":\"cpu A\",\"backend\":\"cpu\",\"n_prompt\":0,\"n_gen\":16,\"avg_ts\":10,\"mem_bw_gbps\":60}\n"
        "{\"engine\":\"llmcap-engine\",\"cpu_info\":\"cpu A\",\"backend\":\"cpu\",\"n_prompt\":0,\"n_gen\":16,\"avg_ts\":10,\"mem_bw_gbps\":45}\n"
        "{\"engine\":\"llmcap-engine\",\"cpu_info\":\"cpu A\",\"backend\":\"cpu\",\"n_prompt\":0,\"n_gen\":16,\"avg_ts\":10}\n";
    llmcap_runs m = {0};
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_runs_read_memory(three, sizeof three - 1, "three.jsonl", LLMCAP_RUNS_AUTO, false, &m, &err),
                 LLMCAP_OK);
    CHECK_EQ_INT(m.n, 5);
    if (m.n == 5) {
        CHECK_NEAR(m.runs[0].machine_bw_gbps, 45.0, 0);
        CHECK_NEAR(m.runs[1].machine_bw_gbps, 10.0, 0);
        CHECK_NEAR(m.runs[2].machine_bw_gbps, 45.0, 0);
        CHECK_NEAR(m.runs[3].machine_bw_gbps, 45.0, 0);
        CHECK_NEAR(m.runs[4].machine_bw_gbps, 0.0, 0); /* no triad of its own: none */
        CHECK_NEAR(m.runs[0].mem_bw_gbps, 30.0, 0);    /* the row's own figure is kept */
    }
    llmcap_runs_free(&m);
}

static void test_read_measured_csv(void)
{
    llmcap_runs r = read_case("measured.csv", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, 7);
    CHECK_EQ_INT(r.n_issues, 0);
    if (r.n == 7) {
        const llmcap_run *a = &r.runs[0];
        CHECK_EQ_INT(a->format, LLMCAP_RUNS_MEASURED_CSV);
        CHECK_STR(a->source, "bench A");
        CHECK_STR(a->hardware, "4090 24GB");
        CHECK_STR(a->model, "Meta Llama 3 8B");
        CHECK_STR(a->quant, "Q4_K_M");
        CHECK_NEAR(a->model_size_bytes, 4.58 * GIB, 1);
        CHECK_NEAR(a->n_params, 8.03e9, 1);
        CHECK_EQ_INT(a->n_gpu_layers, 99); /* notes "ngl=99" */
        CHECK_STR(a->engine, "llama.cpp llama-bench");
        CHECK_STR(a->build, "8cf427ff (5163)");
        CHECK_EQ_INT(a->line, 2);
        const llmcap_run *c = &r.runs[2];
        CHECK_STR(c->quant, "MXFP4_MOE"); /* "MXFP4 (MoE)" */
        CHECK_EQ_INT(c->n_depth, 4096);
        CHECK_EQ_INT(c->n_prompt, 2048);
        CHECK_EQ_INT(c->n_ubatch, 2048);
        CHECK_EQ_INT(c->flash_attn, 1);
        CHECK_NEAR(c->stddev_tok_s, 10.5, 1e-12);
        const llmcap_run *d = &r.runs[3]; /* llama-batched-bench S_TG, B = 4 */
        CHECK_EQ_INT(d->test, LLMCAP_TEST_TG);
        CHECK_EQ_INT(d->n_gen, 32);
        CHECK_EQ_INT(d->n_depth, 512);
        CHECK_EQ_INT(d->n_seq, 4);
        CHECK_EQ_INT(d->n_batch, 2048);
        CHECK_EQ_INT(d->flash_attn, 1);
        CHECK_STR(d->quant, "MXFP4_MOE"); /* from line 4, the same model's llama-bench row */
        CHECK_CONTAINS(d->notes, "quant MXFP4_MOE from line 4");
        const llmcap_run *e = &r.runs[4]; /* webgpu-bench "decode (n_eval=127)" */
        CHECK_EQ_INT(e->test, LLMCAP_TEST_TG);
        CHECK_EQ_INT(e->n_gen, 127);
        CHECK_NEAR(e->model_size_bytes, 793.21e6, 1);
        CHECK_STR(e->backend, "WebGPU (WASM)");
        CHECK_STR(r.runs[6].quant, ""); /* "unstated" */
        CHECK_EQ_INT(r.runs[6].n_threads, 4);
        CHECK_EQ_INT(r.runs[6].line, 8);
    }
    llmcap_runs_free(&r);
}

/* the reference file, when ../shared is beside the checkout */
static void test_read_reference_csv(void)
{
    FILE *f = fopen("../shared/reference/measured_runs.csv", "r");
    if (!f) { printf("skip: ../shared/reference/measured_runs.csv not found\n"); return; }
    fclose(f);
    llmcap_runs r = {0};
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_runs_read_file("../shared/reference/measured_runs.csv", LLMCAP_RUNS_AUTO, true, &r, &err), LLMCAP_OK);
    CHECK_EQ_INT(r.n, 2460);
    CHECK_EQ_INT(r.n_issues, 0);
    size_t batched = 0, depth = 0, no_quant = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (r.runs[i].n_seq > 1) batched++;
        if (r.runs[i].n_depth && r.runs[i].n_seq == 1 && !strstr(r.runs[i].engine, "batched")) depth++;
        if (!r.runs[i].quant[0]) no_quant++;
    }
    /* 396 llama-batched-bench rows, B = 1..32: 330 with B > 1; 88 llama-bench "@ dN" rows */
    CHECK_EQ_INT(batched, 330);
    CHECK_EQ_INT(depth, 88);
    CHECK_EQ_INT(no_quant, 10); /* "unstated"; the batched rows take theirs from the same model's llama-bench rows */
    llmcap_runs_free(&r);
}

/* ---- detection ---- */

static void test_detect(void)
{
    static const struct { const char *text; llmcap_run_format want; } T[] = {
        {"[{\"model_type\": \"llama 8B Q4_0\", \"n_prompt\": 512, \"n_gen\": 0, \"avg_ts\": 10}]", LLMCAP_RUNS_LB_JSON},
        {"  \n{\"model_type\": \"llama 8B Q4_0\", \"n_prompt\": 0, \"n_gen\": 16, \"avg_ts\": 10}\n", LLMCAP_RUNS_LB_JSONL},
        {"[{\"engine\": \"llmcap-engine\", \"n_prompt\": 0, \"n_gen\": 16, \"avg_ts\": 10}]", LLMCAP_RUNS_ENGINE_JSON},
        {"{\"engine\": \"llmcap-engine\", \"n_prompt\": 0, \"n_gen\": 16, \"avg_ts\": 10}\n", LLMCAP_RUNS_ENGINE_JSON},
        {"model_type,n_prompt,n_gen,avg_ts\n\"llama 8B Q4_0\",\"0\",\"16\",\"10\"\n", LLMCAP_RUNS_LB_CSV},
        {"\xEF\xBB\xBFsource,hardware,model,test,tokens_per_s\ns,4090 24GB,Meta Llama 3 8B,tg16,10\n", LLMCAP_RUNS_MEASURED_CSV},
        {"text before\n| model | size | params | backend | test | t/s |\n|---|---|---|---|---|---|\n"
         "| llama 8B Q4_0 | 4.3 GiB | 8.03 B | CUDA | tg16 | 10.00 ± 0.10 |\n", LLMCAP_RUNS_LB_MD},
        /* a pretty-printed single object is one run, not JSONL */
        {"{\n  \"model_type\": \"llama 8B Q4_0\",\n  \"n_prompt\": 0,\n  \"n_gen\": 16,\n  \"avg_ts\": 10\n}\n", LLMCAP_RUNS_LB_JSON},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        llmcap_runs r = {0};
        llmcap_error err = {0};
        llmcap_status st = llmcap_runs_read_memory(T[i].text, strlen(T[i].text), "mem", LLMCAP_RUNS_AUTO, true, &r, &err);
        if (st) fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        CHECK_EQ_INT(st, LLMCAP_OK);
        CHECK_EQ_INT(r.n, 1);
        if (r.n) CHECK_EQ_INT(r.runs[0].format, T[i].want);
        if (r.n) CHECK_NEAR(r.runs[0].tok_s, 10, 0);
        llmcap_runs_free(&r);
    }
}

/* ---- bad input ---- */

static void test_bad_files(void)
{
    llmcap_runs r = {0};
    llmcap_error err = {0};
    /* a run read before stays; a failing file adds nothing */
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "lb.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_OK);
    CHECK_EQ_INT(r.n, 4);
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "bad_truncated.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "bad_truncated.json:14:");
    CHECK_CONTAINS(err.msg, "truncated");
    CHECK_EQ_INT(r.n, 4);
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "bad_quote.csv", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "bad_quote.csv:3:");
    CHECK_CONTAINS(err.msg, "not closed");
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "bad_format.txt", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "bad_format.txt:1: format not recognised");
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "no-such-file.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_IO);
    CHECK_CONTAINS(err.msg, "no-such-file.json");
    /* forced formats that do not fit */
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "lb.csv", LLMCAP_RUNS_MEASURED_CSV, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "lb.csv:1: not a measured-runs CSV: missing column(s) hardware, model, test, tokens_per_s");
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "lb.json", LLMCAP_RUNS_LB_MD, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "no markdown table");
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "lb.md", LLMCAP_RUNS_LB_CSV, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "no avg_ts column");
    CHECK_EQ_INT(r.n, 4);
    CHECK_EQ_INT(r.n_issues, 0);
    /* empty and blank */
    CHECK_EQ_INT(llmcap_runs_read_memory("", 0, "e.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "e.json: empty file");
    CHECK_EQ_INT(llmcap_runs_read_memory(" \n\n ", 4, "b.csv", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_EQ_INT(llmcap_runs_read_memory("[1, 2]", 6, "n.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_OK);
    CHECK_EQ_INT(r.n_issues, 2);
    if (r.n_issues == 2) CHECK_CONTAINS(r.issues[1].reason, "element 2 is not an object");
    CHECK_EQ_INT(llmcap_runs_read_memory("[{}] x", 6, "t.json", LLMCAP_RUNS_AUTO, false, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "text after the end");
    llmcap_runs_free(&r);
}

/* a row a file should report: its line, and its reason (exact: the whole reason, else a part of it) */
typedef struct { int line; const char *reason; bool exact; } want_issue;

/* read case NAME (not strict): N runs kept and just the issues WANT[0..N_WANT), in order; the caller frees */
static llmcap_runs read_with_issues(const char *name, size_t n, const want_issue *want, size_t n_want)
{
    llmcap_runs r = read_case(name, LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    CHECK_EQ_INT(r.n, n);
    CHECK_EQ_INT(r.n_issues, n_want);
    if (r.n_issues != n_want) return r;
    for (size_t i = 0; i < n_want; i++) {
        int before = test_failures_;
        CHECK_EQ_INT(r.issues[i].line, want[i].line);
        if (want[i].exact) CHECK_STR(r.issues[i].reason, want[i].reason);
        else CHECK_CONTAINS(r.issues[i].reason, want[i].reason);
        if (test_failures_ != before) fprintf(stderr, "  (%s, issue %zu)\n", name, i);
    }
    return r;
}

static void test_bad_rows(void)
{
    static const want_issue rows_csv[] = {
        {2, "missing field avg_ts (tokens/s)", true},
        {3, "row has 7 fields, the header has 10", true},
        {4, "n_prompt 'abc' is not a whole number", false},
    };
    llmcap_runs r = read_with_issues("bad_rows.csv", 1, rows_csv, sizeof rows_csv / sizeof rows_csv[0]);
    if (r.n_issues == 3) CHECK_STR(r.issues[0].file, CASES "bad_rows.csv");
    if (r.n) CHECK_EQ_INT(r.runs[0].line, 5);
    llmcap_runs_free(&r);

    /* strict: the first bad row is the error, nothing is kept */
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_runs_read_file(CASES "bad_rows.csv", LLMCAP_RUNS_AUTO, true, &r, &err), LLMCAP_ERR_PARSE);
    CHECK_STR(err.msg, CASES "bad_rows.csv:2: missing field avg_ts (tokens/s)");
    CHECK_EQ_INT(r.n, 0);
    CHECK_EQ_INT(r.n_issues, 0);

    static const want_issue rows_jsonl[] = {{2, "not a JSON object", false}};
    r = read_with_issues("bad_rows.jsonl", 2, rows_jsonl, sizeof rows_jsonl / sizeof rows_jsonl[0]);
    llmcap_runs_free(&r);

    static const want_issue unit_md[] = {
        {3, "size unit 'XB' in '4.58 XB' not understood (bytes, KiB, MiB, GiB, KB, MB, GB)", true},
        {4, "t/s 'fast ± 0.27' is not 'N' or 'N ± SD'", true},
    };
    r = read_with_issues("bad_unit.md", 1, unit_md, sizeof unit_md / sizeof unit_md[0]);
    llmcap_runs_free(&r);

    static const want_issue measured_csv[] = {
        {2, "model_size unit 'XB' not understood", false},
        {3, "test 'warmup 3' not understood", false},
        {4, "missing field tokens_per_s", true},
    };
    r = read_with_issues("bad_measured.csv", 1, measured_csv, sizeof measured_csv / sizeof measured_csv[0]);
    llmcap_runs_free(&r);

    /* values out of range or of the wrong kind */
    static const struct { const char *text, *reason; } T[] = {
        {"{\"n_prompt\": 512, \"n_gen\": 0, \"avg_ts\": -5}", "avg_ts '-5' is not a positive number"},
        {"{\"n_prompt\": 512, \"n_gen\": 0, \"avg_ts\": \"NaN\"}", "avg_ts 'NaN' is not a positive number"},
        {"{\"n_prompt\": 0, \"n_gen\": 0, \"avg_ts\": 5}", "n_prompt and n_gen are both 0"},
        {"{\"n_prompt\": 1.5, \"n_gen\": 0, \"avg_ts\": 5}", "n_prompt '1.5' is not a whole number"},
        {"{\"n_prompt\": 99999999999, \"n_gen\": 0, \"avg_ts\": 5}", "n_prompt '99999999999' is not a whole number"},
        {"{\"n_gen\": 16, \"avg_ts\": 5, \"type_k\": \"q9_9\"}", "type_k 'q9_9' is not a KV cache type"},
        {"{\"n_gen\": 16, \"avg_ts\": 5, \"flash_attn\": \"maybe\"}", "flash_attn 'maybe' is not on/off/auto"},
        {"{\"n_gen\": 16, \"avg_ts\": 5, \"model_size\": \"big\"}", "model_size 'big' is not a number of bytes"},
        {"{\"n_gen\": 16}", "missing field avg_ts"},
        {"{\"avg_ts\": 16}", "missing field n_prompt and n_gen"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        llmcap_runs q = {0};
        err.msg[0] = 0;
        CHECK_EQ_INT(llmcap_runs_read_memory(T[i].text, strlen(T[i].text), "x.jsonl", LLMCAP_RUNS_LB_JSONL, true, &q, &err),
                     LLMCAP_ERR_PARSE);
        CHECK_CONTAINS(err.msg, "x.jsonl:1: ");
        CHECK_CONTAINS(err.msg, T[i].reason);
        llmcap_runs_free(&q);
    }
}

/* every prefix of every good file: an answer or an error, never a crash
 * (the sanitized build checks memory) */
static void test_prefixes(void)
{
    static const char *const F[] = {"lb.json", "lb.jsonl", "lb.csv", "lb.md", "lb_old.md", "engine.json",
                                    "engine_cpu.jsonl", "measured.csv", "lb_multi.json"};
    for (size_t k = 0; k < sizeof F / sizeof F[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, CASES "%s", F[k]);
        size_t len = 0;
        char *buf = slurp(path, &len);
        CHECK(buf != NULL);
        if (!buf) continue;
        size_t ok = 0;
        const size_t step = len > 3000 ? 3 : 1;
        for (size_t n = 0; n <= len; n = n == len ? len + 1 : n + step > len ? len : n + step) {
            char *cut = malloc(n ? n : 1); /* exactly n bytes: no terminator to lean on */
            memcpy(cut, buf, n);
            llmcap_runs r = {0};
            llmcap_error err = {0};
            llmcap_status st = llmcap_runs_read_memory(cut, n, F[k], LLMCAP_RUNS_AUTO, false, &r, &err);
            if (st == LLMCAP_OK) ok++;
            else CHECK(err.msg[0] != 0);
            for (size_t i = 0; i < r.n; i++) CHECK(r.runs[i].tok_s > 0);
            llmcap_runs_free(&r);
            free(cut);
        }
        CHECK(ok > 0);
        free(buf);
    }
}

/* ---- test names ---- */

static void test_test_names(void)
{
    llmcap_run r;
    memset(&r, 0, sizeof r);
    char b[64];
    r.test = LLMCAP_TEST_PP; r.n_prompt = 512; r.n_seq = 1;
    CHECK_STR(llmcap_run_test_name(&r, b, sizeof b), "pp512");
    r.n_depth = 4096;
    CHECK_STR(llmcap_run_test_name(&r, b, sizeof b), "pp512 @ d4096");
    r.test = LLMCAP_TEST_PG; r.n_gen = 128; r.n_depth = 0;
    CHECK_STR(llmcap_run_test_name(&r, b, sizeof b), "pp512+tg128");
    r.test = LLMCAP_TEST_TG; r.n_prompt = 0; r.n_gen = 32; r.n_depth = 512; r.n_seq = 4;
    CHECK_STR(llmcap_run_test_name(&r, b, sizeof b), "tg32 @ d512 x4");
    CHECK_STR(llmcap_run_test_name(&r, b, 4), "tg3");
}

/* ---- matching ---- */

static llmcap_run mk_run(const char *hw, const char *model, const char *quant)
{
    llmcap_run r;
    memset(&r, 0, sizeof r);
    snprintf(r.hardware, sizeof r.hardware, "%s", hw);
    snprintf(r.model, sizeof r.model, "%s", model);
    snprintf(r.quant, sizeof r.quant, "%s", quant);
    snprintf(r.backend, sizeof r.backend, "CUDA");
    snprintf(r.engine, sizeof r.engine, "llama.cpp llama-bench");
    r.test = LLMCAP_TEST_TG;
    r.n_gen = 128;
    r.n_seq = 1;
    r.n_gpu_layers = -1;
    r.flash_attn = -1;
    r.type_k = r.type_v = -1;
    r.tok_s = 100;
    return r;
}

static void test_match_hardware(void)
{
    llmcap_db *db = db_get();
    if (!db) { CHECK(db != NULL); return; }
    static const struct { const char *name, *id; unsigned n_gpu; } T[] = {
        {"NVIDIA GeForce RTX 4090", "rtx-4090", 1},
        {"4090 24GB * 4", "rtx-4090", 4},
        {"RTX 3090 x 2", "rtx-3090", 2},
        {"2x RTX 3090", "rtx-3090", 2},
        {"NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 3090, NVIDIA GeForce RTX 3090", "rtx-3090", 3},
        {"NVIDIA H200", "h200-sxm", 1},
        {"RTX 4070 Ti", "rtx-4070-ti", 1},        /* not the SUPER */
        {"M3 Max 40\xE2\x80\x91" "Core GPU 64GB", "apple-m3-max-40c", 1},
        {"13th Gen Intel Core i9-13900K + NVIDIA GeForce RTX 3090 Ti", "rtx-3090-ti", 1},
        {"Intel Core i9-13900K, DDR5-6400", "cpu-ddr5-6400-2ch", 1},
        {"NVIDIA DGX Spark (GB10)", "dgx-spark-gb10", 1},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        llmcap_run r = mk_run(T[i].name, "llama-3.1-8b", "Q4_K_M");
        llmcap_run_match m;
        llmcap_error err = {0};
        llmcap_status st = llmcap_run_match_db(db, &r, NULL, &m, &err);
        if (st) fprintf(stderr, "  '%s': %s\n", T[i].name, err.msg);
        CHECK_EQ_INT(st, LLMCAP_OK);
        if (st) continue;
        CHECK_STR(m.params.gpu.id, T[i].id);
        CHECK(m.hw && !strcmp(m.hw->id, T[i].id));
        CHECK_EQ_INT(m.n_gpu, T[i].n_gpu);
        CHECK_EQ_INT(m.params.n_gpu, T[i].n_gpu);
    }
    static const struct { const char *name, *reason; llmcap_status st; } BAD[] = {
        {"RTX 4060 Ti", "hardware ambiguous: 'RTX 4060 Ti' could be rtx-4060-ti-8gb, rtx-4060-ti-16gb", LLMCAP_ERR_NOT_FOUND},
        {"A100", "hardware ambiguous", LLMCAP_ERR_NOT_FOUND},
        {"AMD EPYC", "hardware not in data/: 'AMD EPYC'", LLMCAP_ERR_NOT_FOUND},
        {"RTX 9090", "hardware not in data/: 'RTX 9090'", LLMCAP_ERR_NOT_FOUND},
        {"", "hardware not stated", LLMCAP_ERR_NOT_FOUND},
        {"4090 24GB * 20", "too many GPUs: 20", LLMCAP_ERR_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        llmcap_run r = mk_run(BAD[i].name, "llama-3.1-8b", "Q4_K_M");
        llmcap_run_match m;
        llmcap_error err = {0};
        CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), BAD[i].st);
        CHECK_CONTAINS(err.msg, BAD[i].reason);
    }
    /* hints fill what the file lacks or names outside data/ */
    llmcap_run r = mk_run("", "llama-3.1-8b", "Q4_K_M");
    llmcap_run_hints h = {.hardware = "rtx-3090"};
    llmcap_run_match m;
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, &h, &m, &err), LLMCAP_OK);
    CHECK_STR(m.params.gpu.id, "rtx-3090");
    r = mk_run("RTX 9090", "llama-3.1-8b", "Q4_K_M");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, &h, &m, &err), LLMCAP_OK);
    CHECK_STR(m.params.gpu.id, "rtx-3090");
    CHECK_CONTAINS(m.note, "hardware 'RTX 9090' not in data/: rtx-3090 from --hardware");
    h.hardware = "rtx-9999";
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, &h, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "rtx-9999");
    /* WASM runs are not modelled */
    r = mk_run("Apple M3 16GB (darwin)", "llama-3.2-1b", "Q4_0");
    snprintf(r.backend, sizeof r.backend, "WebGPU (WASM)");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err.msg, "backend not modelled: 'WebGPU (WASM)'");
    /* llmcap-engine on a CPU not in data/: a platform of its measured bandwidth */
    r = mk_run("AMD EPYC", "qwen2.5-0.5b", "Q8_0");
    snprintf(r.engine, sizeof r.engine, "llmcap-engine");
    snprintf(r.backend, sizeof r.backend, "CPU");
    r.mem_bw_gbps = 36.0;
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_OK);
    CHECK(m.hw_synthesized);
    CHECK(m.hw == NULL);
    CHECK_EQ_INT(m.params.gpu.kind, LLMCAP_HW_CPU);
    CHECK_NEAR(m.params.gpu.bandwidth_gbps, 36.0, 0);
    CHECK_STR(m.params.gpu.id, "measured-cpu");
    CHECK_CONTAINS(m.note, "a CPU platform of 36.0 GB/s (the run's measured triad)");
    /* the machine's median (set by the reader) wins over the run's own triad */
    r.machine_bw_gbps = 50.0;
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_OK);
    CHECK_NEAR(m.params.gpu.bandwidth_gbps, 50.0, 0);
    CHECK_CONTAINS(m.note, "50.0 GB/s (the median triad of this machine's runs in the file)");
    r.machine_bw_gbps = 0;
    r.mem_bw_gbps = 0; /* no bandwidth: nothing to build it from */
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    llmcap_db_free(db);
}

static void test_match_model(void)
{
    llmcap_db *db = db_get();
    if (!db) { CHECK(db != NULL); return; }
    static const struct { const char *model; double n_params; const char *id; } T[] = {
        {"Meta Llama 3 8B", 0, "llama-3.1-8b"},
        {"ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF", 0, "qwen2.5-7b"},
        {"ggml-org/gemma-3-4b-it-qat-GGUF (gemma3 4B Q4_0)", 3.88e9, "gemma-3-4b"},
        {"llama-3.1-8b-F16 (llama 8.0B F16)", 8.03e9, "llama-3.1-8b"},
        {"Meta-Llama-3.1-8B-Instruct-Q4_K_M (llama 8B Q4_K - Medium)", 8030261248.0, "llama-3.1-8b"},
        {"llama 7B mostly Q4_0 (models/7B/ggml-model-q4_0.gguf)", 6.738e9, "llama-2-7b"},
        {"llama 8B Q4_K - Medium", 0, "llama-3.1-8b"},         /* size class only */
        {"Qwen2.5-7B-Instruct-Q4_K_M (qwen2 7B Q4_K - Medium)", 7615616512.0, "qwen2.5-7b"}, /* not the R1 distill */
        {"ggml-org/gpt-oss-20b-GGUF (gpt-oss 20B MXFP4 MoE)", 20.91e9, "gpt-oss-20b"},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        llmcap_run r = mk_run("rtx-4090", T[i].model, "Q4_K_M");
        r.n_params = T[i].n_params;
        llmcap_run_match m;
        llmcap_error err = {0};
        llmcap_status st = llmcap_run_match_db(db, &r, NULL, &m, &err);
        if (st) fprintf(stderr, "  '%s': %s\n", T[i].model, err.msg);
        CHECK_EQ_INT(st, LLMCAP_OK);
        if (!st) CHECK_STR(m.model->id, T[i].id);
    }
    llmcap_run_match m;
    llmcap_error err = {0};
    llmcap_run r = mk_run("rtx-4090", "llama 70B Q4_K - Medium", "Q4_K_M"); /* 3.1 and 3.3 70B: same size */
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "model ambiguous");
    CHECK_CONTAINS(err.msg, "llama-3.1-70b");
    CHECK_CONTAINS(err.msg, "llama-3.3-70b");
    r = mk_run("rtx-4090", "ggml-org/GLM-4.7-Flash-GGUF (deepseek2 30B.A3B Q8_0)", "Q8_0");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "model not in data/: 'ggml-org/GLM-4.7-Flash-GGUF (deepseek2 30B.A3B Q8_0)'");
    r = mk_run("rtx-4090", "", "Q8_0");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "model not stated");
    llmcap_run_hints h = {.model = "qwen3-8b", .quant = "Q5_K_M"};
    r = mk_run("rtx-4090", "", "");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, &h, &m, &err), LLMCAP_OK);
    CHECK_STR(m.model->id, "qwen3-8b");
    CHECK_EQ_INT(m.ftype, GGUF_FTYPE_Q5_K_M);
    /* quants */
    r = mk_run("rtx-4090", "llama-3.1-8b", "");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "quant not stated");
    r = mk_run("rtx-4090", "llama-3.1-8b", "UD-Q4_K_XL");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "quant unknown: 'UD-Q4_K_XL'");
    r = mk_run("rtx-4090", "gpt-oss-20b", "MXFP4 (MoE)");
    CHECK_EQ_INT(llmcap_run_match_db(db, &r, NULL, &m, &err), LLMCAP_OK);
    CHECK_EQ_INT(m.ftype, GGUF_FTYPE_MXFP4_MOE);
    llmcap_db_free(db);
}

/* ---- parameters and predictions ---- */

static void test_params_and_predict(void)
{
    llmcap_db *db = db_get();
    if (!db) { CHECK(db != NULL); return; }
    llmcap_runs rs = read_case("lb.json", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    if (rs.n != 4) { llmcap_runs_free(&rs); return; }
    llmcap_model *model = NULL;
    llmcap_error err = {0};
    CHECK_EQ_INT(llmcap_model_from_spec(llmcap_db_find_model(db, "llama-3.1-8b"), &model, &err), LLMCAP_OK);
    for (size_t i = 0; i < rs.n; i++) {
        const llmcap_run *run = &rs.runs[i];
        llmcap_run_match m;
        CHECK_EQ_INT(llmcap_run_match_db(db, run, NULL, &m, &err), LLMCAP_OK);
        CHECK_STR(m.params.gpu.id, "rtx-4090");
        CHECK_STR(m.model->id, "llama-3.1-8b");
        CHECK_EQ_INT(m.ftype, GGUF_FTYPE_Q4_K_M);
        CHECK_EQ_INT(m.tensor_type, -1);
        /* the same test written by hand */
        llmcap_params p = llmcap_params_default();
        p.gpu = *llmcap_db_find_hardware(db, "rtx-4090");
        p.ftype = GGUF_FTYPE_Q4_K_M;
        p.override_types = true;
        p.n_prompt = run->test == LLMCAP_TEST_TG ? 0 : run->n_prompt;
        p.n_gen = run->test == LLMCAP_TEST_PP ? 0 : run->n_gen;
        p.depth = run->n_depth;
        p.n_batch = 2048;
        p.n_ubatch = 512;
        p.n_threads = 16;
        p.n_gpu_layers = 99;
        p.flash_attn = run->flash_attn == 1;
        p.type_k = p.type_v = run->type_k;
        p.n_ctx = p.depth + p.n_prompt + p.n_gen < 256 ? 256 : p.depth + p.n_prompt + p.n_gen;
        CHECK_EQ_INT(m.params.n_prompt, p.n_prompt);
        CHECK_EQ_INT(m.params.n_gen, p.n_gen);
        CHECK_EQ_INT(m.params.depth, p.depth);
        CHECK_EQ_INT(m.params.n_ctx, p.n_ctx);
        CHECK_EQ_INT(m.params.n_gpu_layers, 99);
        CHECK_EQ_INT(m.params.n_threads, 16);
        CHECK_EQ_INT(m.params.flash_attn, p.flash_attn);
        CHECK_EQ_INT(m.params.type_k, p.type_k);
        llmcap_result res;
        CHECK_EQ_INT(llmcap_estimate(model, &p, &res, &err), LLMCAP_OK);
        double pred = 0, pred2 = 0;
        CHECK_EQ_INT(llmcap_run_predict(&m, run, NULL, &pred, &err), LLMCAP_OK);
        CHECK_EQ_INT(llmcap_run_predict_model(model, &m, run, NULL, &pred2, &err), LLMCAP_OK);
        CHECK_NEAR(pred, pred2, 0);
        if (run->test == LLMCAP_TEST_PP) CHECK_NEAR(pred, res.speed.prefill_tok_s, 1e-9 * pred);
        if (run->test == LLMCAP_TEST_TG) CHECK_NEAR(pred, res.speed.decode_tok_s, 1e-9 * pred);
        if (run->test == LLMCAP_TEST_PG) {
            /* (512 + 128) tokens over the prompt and 128 decode steps after it */
            const double t_tg = (res.speed.total_ms - res.speed.ttft_ms) / 127.0;
            CHECK_NEAR(pred, 640.0 / ((res.speed.ttft_ms + 128.0 * t_tg) * 1e-3), 1e-9 * pred);
            CHECK(pred > res.speed.decode_tok_s && pred < res.speed.prefill_tok_s);
        }
    }
    llmcap_model_free(model);
    llmcap_runs_free(&rs);

    /* batched S_TG: aggregate decode of n_seq sequences at depth PP */
    rs = read_case("measured.csv", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    if (rs.n == 7) {
        llmcap_run_match m;
        CHECK_EQ_INT(llmcap_run_match_db(db, &rs.runs[3], NULL, &m, &err), LLMCAP_OK);
        CHECK_EQ_INT(m.params.n_seq, 4);
        CHECK_EQ_INT(m.params.depth, 512);
        CHECK_EQ_INT(m.params.n_gen, 32);
        CHECK_EQ_INT(m.params.n_ctx, 4 * (512 + 32)); /* N_KV = 2176 */
        CHECK_EQ_INT(m.params.n_ubatch, 2048);
        CHECK(m.params.flash_attn);
        llmcap_model *gm = NULL;
        CHECK_EQ_INT(llmcap_model_from_spec(m.model, &gm, &err), LLMCAP_OK);
        llmcap_result res;
        CHECK_EQ_INT(llmcap_estimate(gm, &m.params, &res, &err), LLMCAP_OK);
        double pred = 0;
        CHECK_EQ_INT(llmcap_run_predict(&m, &rs.runs[3], NULL, &pred, &err), LLMCAP_OK);
        CHECK_NEAR(pred, res.speed.decode_agg_tok_s, 1e-9 * pred);
        CHECK(res.speed.decode_agg_tok_s > res.speed.decode_tok_s);
        llmcap_model_free(gm);
        /* "4090 24GB * 2" */
        CHECK_EQ_INT(llmcap_run_match_db(db, &rs.runs[1], NULL, &m, &err), LLMCAP_OK);
        CHECK_EQ_INT(m.params.n_gpu, 2);
    }
    llmcap_runs_free(&rs);

    /* llmcap-engine files are mkmodel's: every matrix the named type */
    rs = read_case("engine.json", LLMCAP_RUNS_AUTO, false, LLMCAP_OK);
    if (rs.n == 2) {
        llmcap_run_match m;
        CHECK_EQ_INT(llmcap_run_match_db(db, &rs.runs[0], NULL, &m, &err), LLMCAP_OK);
        CHECK_STR(m.params.gpu.id, "h200-sxm");
        CHECK_STR(m.model->id, "llama-3.2-1b");
        CHECK_EQ_INT(m.tensor_type, GGUF_TYPE_Q4_0);
        CHECK_EQ_INT(m.ftype, -1);
        CHECK_EQ_INT(m.params.n_gpu_layers, -1);
        CHECK_EQ_INT(m.params.n_batch, 512);
        double pred = 0;
        CHECK_EQ_INT(llmcap_run_predict(&m, &rs.runs[0], NULL, &pred, &err), LLMCAP_OK);
        CHECK(pred > 0);
    }
    llmcap_runs_free(&rs);
    llmcap_db_free(db);
}

/* ---- statistics ---- */

static void test_err_stats(void)
{
    llmcap_err_stats s;
    llmcap_error err = {0};
    const double e[] = {10, -20, 30, -5};
    CHECK_EQ_INT(llmcap_err_stats_compute(e, 4, &s, &err), LLMCAP_OK);
    CHECK_EQ_INT(s.n, 4);
    CHECK_NEAR(s.mape_pct, 16.25, 1e-12);    /* (10 + 20 + 30 + 5) / 4 */
    CHECK_NEAR(s.median_ape_pct, 15, 1e-12); /* (10 + 20) / 2 */
    CHECK_NEAR(s.bias_pct, 3.75, 1e-12);     /* (10 - 20 + 30 - 5) / 4 */
    CHECK_NEAR(s.max_ape_pct, 30, 0);
    const double o[] = {-1, 2, -3};
    CHECK_EQ_INT(llmcap_err_stats_compute(o, 3, &s, &err), LLMCAP_OK);
    CHECK_NEAR(s.median_ape_pct, 2, 0);
    CHECK_NEAR(s.bias_pct, -2.0 / 3.0, 1e-12);
    CHECK_EQ_INT(llmcap_err_stats_compute(NULL, 0, &s, &err), LLMCAP_OK);
    CHECK_EQ_INT(s.n, 0);
    CHECK(isnan(s.mape_pct) && isnan(s.median_ape_pct) && isnan(s.bias_pct));
}

TEST_MAIN(TEST(test_format_names), TEST(test_read_lb_json), TEST(test_read_lb_jsonl), TEST(test_read_lb_csv),
          TEST(test_read_lb_md), TEST(test_read_lb_multi_and_old_json), TEST(test_read_engine),
          TEST(test_read_measured_csv), TEST(test_read_reference_csv), TEST(test_detect), TEST(test_bad_files),
          TEST(test_bad_rows), TEST(test_prefixes), TEST(test_test_names), TEST(test_match_hardware),
          TEST(test_match_model), TEST(test_params_and_predict), TEST(test_err_stats))
