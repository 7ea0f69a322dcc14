/* cmd_bench.c - `llmcap-engine bench`: prefill (pp) and decode (tg) speed the
 * way llama-bench measures it, so the two can be compared row by row.
 *
 * Method (llama-bench's, facts from its tools/llama-bench): each test gets a
 * context of n_ctx = n_prompt + n_gen; a warm-up run precedes the timed ones
 * (on a GPU, not a CPU adapter such as lavapipe, repeated for GPU_WARMUP_S
 * so its clocks have stepped up);
 * pp N decodes N random tokens in n_batch chunks from an empty KV cache and
 * counts N / time; tg N decodes one token at a time from an empty cache
 * (the first token is BOS), N / time. avg_ts and stddev_ts are the mean and
 * sample standard deviation of the per-repetition tokens/s. Output fields
 * carry llama-bench's JSON names; ours are added: backend, simd, mem_bw_gbps
 * (STREAM triad in the same run), mem_read_gbps, load_ms, peak_rss_bytes,
 * kv_bytes, latency_p50_ms / latency_p95_ms (per token for tg, per n_batch
 * chunk for pp), eff_gbps (tg only: weight bytes read per token x tokens/s);
 * JSON rows also describe the machine and build (cpu_cores, cpu_threads,
 * mem_total_bytes, os, kernel, arch, build_compiler, build_flags) and the
 * model's general.name (model_name: "synthetic-llama-3.2-1b" for mkmodel's).
 * With --backend webgpu the rows name the adapter (gpu_info, gpu_vendor,
 * gpu_device, gpu_api, gpu_adapter_type; gpu_features: which int8 dot product
 * the kernels use and whether timestamps are on), n_gpu_layers is the layer count (all
 * on the GPU) and tg reads back only the greedy token (4 bytes), as a decode
 * loop needs; --profile adds each kernel's GPU time for one decode step.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cmds.h"
#include "common.h"
#include "membw.h"
#include "rundb/llmcap_rundb.h"

#ifndef LLMCAP_VERSION
#define LLMCAP_VERSION "0.0.0"
#endif
#ifndef LLMCAP_COMMIT
#define LLMCAP_COMMIT "unknown"
#endif
#ifndef LLMCAP_BUILD_FLAGS
#define LLMCAP_BUILD_FLAGS ""
#endif

#define MAX_LIST 16
/* seconds of warm-up work on a GPU before the timed runs (see the warm-up) */
#define GPU_WARMUP_S 1.0

typedef struct {
    int n_prompt, n_gen, n_threads;
    double *samples_ns;      /* per repetition */
    int reps;
    double avg_ts, stddev_ts, avg_ns, stddev_ns;
    double p50_ms, p95_ms;
    char test_time[32];
} bench_row;

static int parse_list(const char *opt, const char *s, long long lo, long long hi, int *out, int *n) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        long long v;
        if (*n == MAX_LIST) { eng_cli_error("%s: at most %d values", opt, MAX_LIST); return 2; }
        if (!cli_int(opt, tok, lo, hi, &v)) return 2;
        out[(*n)++] = (int)v;
    }
    if (!*n) { eng_cli_error("%s: no value given", opt); return 2; }
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p) {
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_double);
    double idx = p * (double)(n - 1);
    size_t lo = (size_t)idx;
    double frac = idx - (double)lo;
    return lo + 1 < n ? v[lo] * (1 - frac) + v[lo + 1] * frac : v[lo];
}

/* One timed pass; appends per-token (tg) or per-chunk (pp) latencies in ms. */
static eng_status run_once(eng_ctx *ctx, int n_prompt, int n_gen, uint64_t *rng, double *lat, size_t *n_lat,
                           double *secs, char *err, size_t err_len) {
    const eng_model *m = ctx->model;
    const int32_t V = m->hp.n_vocab;
    eng_ctx_reset(ctx);
    double t0 = cli_now();
    eng_status st = ENG_OK;
    if (n_prompt > 0) {
        int32_t *toks = malloc((size_t)n_prompt * sizeof *toks);
        if (!toks) return ENG_ERR_NOMEM;
        for (int i = 0; i < n_prompt; i++) toks[i] = (int32_t)(eng_splitmix64(rng) % (uint64_t)V);
        if (m->vocab && tok_bos(m->vocab) >= 0) toks[0] = tok_bos(m->vocab);
        for (int done = 0; done < n_prompt && st == ENG_OK;) {
            int nb = n_prompt - done < ctx->params.n_batch ? n_prompt - done : ctx->params.n_batch;
            double tc = cli_now();
            st = eng_decode(ctx, toks + done, nb, err, err_len);
            if (lat) lat[(*n_lat)++] = (cli_now() - tc) * 1e3;
            done += nb;
        }
        free(toks);
    } else {
        int32_t tok = m->vocab && tok_bos(m->vocab) >= 0 ? tok_bos(m->vocab) : (int32_t)(eng_splitmix64(rng) % (uint64_t)V);
        for (int i = 0; i < n_gen && st == ENG_OK; i++) {
            double tc = cli_now();
            int32_t next;
            st = eng_decode_greedy(ctx, &tok, 1, &next, err, err_len);
            if (lat) lat[(*n_lat)++] = (cli_now() - tc) * 1e3;
            tok = (int32_t)(eng_splitmix64(rng) % (uint64_t)V);
        }
    }
    *secs = cli_now() - t0;
    return st;
}

/* The machine a run was made on, for the JSON rows (data/measured/README.md):
 * cpu = the first "model name" of /proc/cpuinfo; cores = distinct (physical
 * id, core id) pairs there (0 when the file has none); threads = online
 * logical CPUs; mem_total = physical memory (sysconf), bytes; os =
 * PRETTY_NAME of /etc/os-release; kernel = uname's sysname and release. */
typedef struct {
    char cpu[160], os[256], kernel[160], arch[72];
    int cores, threads;
    uint64_t mem_total;
} machine_desc;

static void trim_value(char *p) {
    while (*p == ' ' || *p == '\t') memmove(p, p + 1, strlen(p));
    p[strcspn(p, "\n")] = 0;
}

static void machine_describe(machine_desc *d) {
    memset(d, 0, sizeof *d);
    snprintf(d->cpu, sizeof d->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        bool named = false;
        long phys = 0, core = -1;
        long seen[1024][2];
        int n_seen = 0;
        while (fgets(line, sizeof line, f)) {
            char *p = strchr(line, ':');
            if (!p) continue;
            p++;
            if (!named && !strncmp(line, "model name", 10)) {
                trim_value(p);
                snprintf(d->cpu, sizeof d->cpu, "%s", p);
                named = true;
            } else if (!strncmp(line, "physical id", 11)) {
                phys = strtol(p, NULL, 10);
            } else if (!strncmp(line, "core id", 7)) {
                core = strtol(p, NULL, 10);
                bool dup = false;
                for (int i = 0; i < n_seen && !dup; i++) dup = seen[i][0] == phys && seen[i][1] == core;
                if (!dup && n_seen < 1024) { seen[n_seen][0] = phys; seen[n_seen][1] = core; n_seen++; }
            }
        }
        fclose(f);
        d->cores = n_seen;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN), pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    d->threads = n > 0 ? (int)n : 0;
    d->mem_total = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    f = fopen("/etc/os-release", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "PRETTY_NAME=", 12)) continue;
            char *p = line + 12;
            trim_value(p);
            size_t l = strlen(p);
            if (l >= 2 && p[0] == '"' && p[l - 1] == '"') { p[l - 1] = 0; p++; }
            snprintf(d->os, sizeof d->os, "%s", p);
            break;
        }
        fclose(f);
    }
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(d->kernel, sizeof d->kernel, "%s %s", u.sysname, u.release);
        snprintf(d->arch, sizeof d->arch, "%s", u.machine);
    }
}

/* The compiler that built this file: "gcc 12.2.0", "clang 14.0.6" */
static const char *compiler_desc(void) {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "gcc " __VERSION__;
#else
    return "unknown";
#endif
}

/* --db FILE: the rows (rows_json, an array of the -o json objects) stored in
 * the measured-runs database through the same reader and library as
 * `llmcap runs import`, in one transaction, matched to the embedded data/ and
 * predicted with the default profile. A summary goes to stderr. */
extern const char llmcap_hardware_json[];
extern const unsigned long llmcap_hardware_json_len;
extern const char llmcap_models_json[];
extern const unsigned long llmcap_models_json_len;

static int bench_store_db(const char *db_path, const cJSON *rows_json, const char *model_path, const eng_model *m) {
    llmcap_error err = {0};
    llmcap_db *data = NULL;
    char *text = cJSON_PrintUnformatted(rows_json), hash[64] = "";
    llmcap_status st = text ? LLMCAP_OK : LLMCAP_ERR_NOMEM;
    if (!st) st = llmcap_db_load_json(llmcap_hardware_json, llmcap_hardware_json_len, "data/hardware.json",
                                      llmcap_models_json, llmcap_models_json_len, "data/models.json", &data, &err);
    if (!st) st = llmcap_rundb_hash_header(model_path, gguf_data_offset(m->gguf), hash, sizeof hash, &err);
    llmcap_rundb_import_opts io = {.data = data, .model_file_hash = hash, .source = "llmcap-engine bench"};
    llmcap_rundb_import_stats s;
    if (!st) st = llmcap_rundb_import_text(db_path, text, strlen(text), "llmcap-engine bench", LLMCAP_RUNS_ENGINE_JSON,
                                           &io, &s, &err);
    if (st) eng_cli_error("bench --db: %s", st == LLMCAP_ERR_NOMEM && !err.msg[0] ? "out of memory" : err.msg);
    else fprintf(stderr, "bench --db: %zu runs stored in %s (%zu duplicates skipped, %zu with a prediction)\n",
                 s.n_imported, db_path, s.n_duplicates, s.n_predicted);
    cJSON_free(text);
    llmcap_db_free(data);
    return st == LLMCAP_OK ? 0 : st == LLMCAP_ERR_IO || st == LLMCAP_ERR_NOMEM ? 1 : 2;
}

static void usage(void) {
    puts("usage: llmcap-engine bench -m FILE [options]\n"
         "  -p, --n-prompt LIST   prompt lengths for pp tests (default 512; 0 = none)\n"
         "  -n, --n-gen LIST      generated tokens for tg tests (default 128; 0 = none)\n"
         "  -r, --repetitions N   timed repetitions per test (default 5)\n"
         "  -t, --threads LIST    CPU threads (default: online CPUs)\n"
         "  -b, --batch-size N    n_batch (default 512)\n"
         "  -ctk, --cache-type f16|f32   KV cache type (default f16)\n"
         "  -o, --output md|json|jsonl|csv   output format (default md)\n"
         "  --membw-mib N         array size of the bandwidth test in MiB (default 64; 0 = skip)\n"
         "  --no-warmup           skip the warm-up run\n"
         "  --backend cpu|webgpu|auto  where to run (default cpu)\n"
         "  --profile             GPU time per kernel for one decode step (webgpu, timestamp queries)\n"
         "  --db FILE             also store the rows in a measured-runs database (llmcap runs; one transaction)\n"
         "Lists are comma separated, e.g. -p 64,512 -t 1,2.");
}

int cmd_bench(int argc, char **argv) {
    enum { O_MEMBW = 256, O_NOWARM, O_CTK, O_BACKEND, O_PROFILE, O_DB };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"n-prompt", required_argument, 0, 'p'},
        {"n-gen", required_argument, 0, 'n'}, {"repetitions", required_argument, 0, 'r'},
        {"threads", required_argument, 0, 't'}, {"batch-size", required_argument, 0, 'b'},
        {"output", required_argument, 0, 'o'}, {"membw-mib", required_argument, 0, O_MEMBW},
        {"no-warmup", no_argument, 0, O_NOWARM}, {"cache-type", required_argument, 0, O_CTK},
        {"ctk", required_argument, 0, O_CTK}, {"backend", required_argument, 0, O_BACKEND},
        {"profile", no_argument, 0, O_PROFILE}, {"db", required_argument, 0, O_DB},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *fmt = "md", *db_path = NULL;
    int pp[MAX_LIST] = {512}, n_pp = 1, tg[MAX_LIST] = {128}, n_tg = 1, th[MAX_LIST], n_th = 1;
    long long reps = 5, n_batch = 512, membw_mib = 64;
    bool warmup = true, profile = false;
    const char *backend = "cpu";
    gguf_type type_kv = GGUF_TYPE_F16;
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    th[0] = nproc > 0 ? (int)nproc : 1;
    int c;
    optind = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-ctk")) argv[i] = (char *)"--ctk";
    while ((c = getopt_long(argc, argv, "m:p:n:r:t:b:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'p': if (parse_list("-p", optarg, 0, 1 << 20, pp, &n_pp)) return 2; break;
        case 'n': if (parse_list("-n", optarg, 0, 1 << 20, tg, &n_tg)) return 2; break;
        case 't': if (parse_list("-t", optarg, 1, 512, th, &n_th)) return 2; break;
        case 'r': if (!cli_int("-r", optarg, 1, 1000, &reps)) return 2; break;
        case 'b': if (!cli_int("-b", optarg, 1, 65536, &n_batch)) return 2; break;
        case 'o':
            if (strcmp(optarg, "md") && strcmp(optarg, "json") && strcmp(optarg, "jsonl") && strcmp(optarg, "csv")) {
                eng_cli_error("-o: unknown output format '%s' (md, json, jsonl, csv)", optarg);
                return 2;
            }
            fmt = optarg;
            break;
        case O_MEMBW: if (!cli_int("--membw-mib", optarg, 0, 1 << 16, &membw_mib)) return 2; break;
        case O_NOWARM: warmup = false; break;
        case O_CTK: if (!cli_kv_type("--cache-type", optarg, &type_kv)) return 2; break;
        case O_BACKEND: if (!cli_backend(optarg, &backend)) return 2; break;
        case O_PROFILE: profile = true; break;
        case O_DB: db_path = optarg; break;
        case 'h': usage(); return 0;
        default: return 2;
        }
    }
    if (optind < argc) { eng_cli_error("bench: unexpected argument '%s'", argv[optind]); return 2; }

    double t_load = cli_now();
    eng_model *m;
    int rc = cli_open_model(model, &m);
    if (rc) return rc;
    t_load = cli_now() - t_load;

    /* tests: every pp (n_gen 0) and every tg (n_prompt 0), for every thread count */
    bench_row rows[3 * MAX_LIST * MAX_LIST];
    int n_rows = 0;
    for (int it = 0; it < n_th; it++) {
        for (int i = 0; i < n_pp; i++)
            if (pp[i] > 0) rows[n_rows++] = (bench_row){.n_prompt = pp[i], .n_threads = th[it]};
        for (int i = 0; i < n_tg; i++)
            if (tg[i] > 0) rows[n_rows++] = (bench_row){.n_gen = tg[i], .n_threads = th[it]};
    }
    if (!n_rows) { eng_model_free(m); eng_cli_error("bench: no test (both -p and -n are 0)"); return 2; }

    char err[512];
    uint64_t rng = 1234;
    uint64_t kv_bytes_max = 0;
    char simd[32] = "", where[256] = "", used_backend[16] = "cpu";
    eng_device_info dev;
    bool on_gpu = false;
    memset(&dev, 0, sizeof dev);
    eng_kernel_time ktimes[32], ktimes_pp[32];
    int n_kt = 0, kt_tokens = 0, n_kt_pp = 0, pp_prof_tokens = 0;
    for (int ri = 0; ri < n_rows && !rc; ri++) {
        bench_row *r = &rows[ri];
        eng_ctx_params cp = eng_ctx_default_params();
        cp.n_ctx = r->n_prompt + r->n_gen;
        cp.n_batch = (int)n_batch;
        cp.n_threads = r->n_threads;
        cp.type_kv = type_kv;
        cp.backend = backend;
        cp.gpu_profile = profile;
        eng_ctx *ctx;
        eng_status st = eng_ctx_create(m, &cp, &ctx, err, sizeof err);
        if (st != ENG_OK) { eng_cli_error("%s", err); rc = cli_exit_code(st); break; }
        if (ri == 0 && ctx->backend_note[0]) fprintf(stderr, "backend auto: %s\n", ctx->backend_note);
        if (eng_ctx_kv_bytes(ctx) > kv_bytes_max) kv_bytes_max = eng_ctx_kv_bytes(ctx);
        snprintf(simd, sizeof simd, "%s", eng_ctx_simd_name(ctx));
        snprintf(used_backend, sizeof used_backend, "%s", eng_ctx_backend(ctx));
        on_gpu = eng_ctx_device_info(ctx, &dev);
        cli_backend_desc(ctx, where, sizeof where);
        size_t per_rep = r->n_gen ? (size_t)r->n_gen : (size_t)(r->n_prompt + cp.n_batch - 1) / (size_t)cp.n_batch;
        double *lat = malloc(per_rep * (size_t)reps * sizeof *lat);
        r->samples_ns = malloc((size_t)reps * sizeof(double));
        if (!lat || !r->samples_ns) { free(lat); eng_ctx_free(ctx); eng_cli_error("out of memory"); rc = 1; break; }
        time_t now = time(NULL);
        strftime(r->test_time, sizeof r->test_time, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        double secs;
        size_t n_lat = 0;
        if (warmup) {
            /* llama-bench warms up with one n_batch-sized prompt chunk or one generated token */
            int wp = r->n_prompt ? (r->n_prompt < cp.n_batch ? r->n_prompt : cp.n_batch) : 0;
            st = run_once(ctx, wp, wp ? 0 : 1, &rng, NULL, NULL, &secs, err, sizeof err);
            /* ... and a GPU keeps at it for GPU_WARMUP_S: its clocks step up
             * only after some time under load (H200 through Dawn: the first
             * 10 to 26 tokens of 8B decode took 16 ms each, the rest 3.9 ms) */
            for (double tw = cli_now(), left = on_gpu && strcmp(dev.adapter_type, "cpu") ? GPU_WARMUP_S : 0; st == ENG_OK && cli_now() - tw < left;)
                st = run_once(ctx, wp, wp ? 0 : 1, &rng, NULL, NULL, &secs, err, sizeof err);
        }
        double sum = 0, sum2 = 0, sum_ns = 0, sum2_ns = 0;
        for (int k = 0; k < reps && st == ENG_OK; k++) {
            st = run_once(ctx, r->n_prompt, r->n_gen, &rng, lat, &n_lat, &secs, err, sizeof err);
            double ts = (double)(r->n_prompt + r->n_gen) / secs;
            r->samples_ns[k] = secs * 1e9;
            sum += ts; sum2 += ts * ts; sum_ns += secs * 1e9; sum2_ns += secs * secs * 1e18;
        }
        if (st != ENG_OK) { eng_cli_error("%s", err); rc = cli_exit_code(st); free(lat); eng_ctx_free(ctx); break; }
        r->reps = (int)reps;
        r->avg_ts = sum / (double)reps;
        r->avg_ns = sum_ns / (double)reps;
        r->stddev_ts = reps > 1 ? sqrt(fmax(0, (sum2 - sum * sum / (double)reps) / (double)(reps - 1))) : 0;
        r->stddev_ns = reps > 1 ? sqrt(fmax(0, (sum2_ns - sum_ns * sum_ns / (double)reps) / (double)(reps - 1))) : 0;
        r->p50_ms = percentile(lat, n_lat, 0.50);
        r->p95_ms = percentile(lat, n_lat, 0.95);
        free(lat);
        if (profile && r->n_prompt && !n_kt_pp) {
            /* one more prompt pass (n_batch tokens at most), timed per kernel */
            int np = r->n_prompt < cp.n_batch ? r->n_prompt : cp.n_batch;
            int32_t *toks = calloc((size_t)np, sizeof *toks);
            int32_t next;
            if (!toks) { eng_cli_error("out of memory"); rc = 1; eng_ctx_free(ctx); break; }
            for (int i = 0; i < np; i++) toks[i] = (int32_t)(eng_splitmix64(&rng) % (uint64_t)m->hp.n_vocab);
            eng_ctx_reset(ctx);
            st = eng_ctx_profile_begin(ctx, err, sizeof err);
            if (st == ENG_OK) st = eng_decode_greedy(ctx, toks, np, &next, err, sizeof err);
            if (st == ENG_OK) st = eng_ctx_profile_end(ctx, ktimes_pp, 32, &n_kt_pp, err, sizeof err);
            free(toks);
            if (st != ENG_OK) { eng_cli_error("--profile: %s", err); rc = cli_exit_code(st); eng_ctx_free(ctx); break; }
            pp_prof_tokens = np;
        }
        if (profile && r->n_gen && !n_kt) {
            /* one more decode step, timed per kernel (at the depth the test ended at) */
            int32_t tok = 0, next;
            eng_ctx_reset(ctx);
            st = eng_decode_greedy(ctx, &tok, 1, &next, err, sizeof err);
            if (st == ENG_OK) st = eng_ctx_profile_begin(ctx, err, sizeof err);
            if (st == ENG_OK) st = eng_decode_greedy(ctx, &tok, 1, &next, err, sizeof err);
            if (st == ENG_OK) st = eng_ctx_profile_end(ctx, ktimes, 32, &n_kt, err, sizeof err);
            if (st != ENG_OK) { eng_cli_error("--profile: %s", err); rc = cli_exit_code(st); eng_ctx_free(ctx); break; }
            kt_tokens = 1;
        }
        eng_ctx_free(ctx);
    }
    uint64_t peak_rss = cli_peak_rss();
    cpu_membw bw = {0};
    if (!rc && membw_mib > 0 && cpu_membw_measure(th[0], (size_t)membw_mib << 20, 5, &bw) != 0) {
        eng_cli_error("bench: the memory bandwidth test could not allocate %lld MiB x 3", membw_mib);
        rc = 1;
    }
    if (rc) {
        for (int i = 0; i < n_rows; i++) free(rows[i].samples_ns);
        eng_model_free(m);
        return rc;
    }

    char desc[96], model_name[128] = "";
    eng_model_desc(m, desc, sizeof desc);
    machine_desc mach;
    machine_describe(&mach);
    {
        const char *gn = NULL;
        uint64_t gl = 0;
        if (gguf_get_str(m->gguf, "general.name", &gn, &gl) == GGUF_OK && gn)
            snprintf(model_name, sizeof model_name, "%.*s", (int)(gl < sizeof model_name ? gl : sizeof model_name - 1), gn);
    }
    const char *type_k = type_kv == GGUF_TYPE_F16 ? "f16" : "f32";
    /* bytes a decode step reads: every weight except the token embedding (a
     * row lookup), plus the output matrix when it is tied to the embedding */
    double tg_bytes = (double)m->hp.weight_bytes;
    {
        int64_t ie = gguf_find_tensor(m->gguf, "token_embd.weight");
        if (ie >= 0 && !m->hp.tied_output) tg_bytes -= (double)gguf_tensor(m->gguf, ie)->size_bytes;
    }

    if (!strcmp(fmt, "md")) {
        printf("| model | size | params | backend | threads | test | t/s |\n");
        printf("| --- | ---: | ---: | --- | ---: | ---: | ---: |\n");
        for (int i = 0; i < n_rows; i++) {
            bench_row *r = &rows[i];
            char bk[200];
            if (on_gpu) snprintf(bk, sizeof bk, "WebGPU (%s)", dev.device[0] ? dev.device : dev.description);
            else snprintf(bk, sizeof bk, "CPU (%s)", simd);
            printf("| %s | %.2f MiB | %.2f M | %s | %d | %s%d | %.2f ± %.2f |\n", desc,
                   (double)gguf_file_size(m->gguf) / 1048576.0, (double)m->hp.n_params / 1e6, bk, r->n_threads,
                   r->n_prompt ? "pp" : "tg", r->n_prompt ? r->n_prompt : r->n_gen, r->avg_ts, r->stddev_ts);
        }
        printf("\nload %.1f ms, peak RSS %.1f MiB (model file %.1f MiB, KV cache %.1f MiB)",
               t_load * 1e3, (double)peak_rss / 1048576.0, (double)gguf_file_size(m->gguf) / 1048576.0,
               (double)kv_bytes_max / 1048576.0);
        if (bw.triad_gbps > 0)
            printf(", memory bandwidth %.1f GB/s triad, %.1f GB/s read (%d threads)", bw.triad_gbps, bw.read_gbps,
                   bw.n_threads);
        printf("\n");
        if (on_gpu) printf("device: %s; %s; %s\n", where, dev.description, dev.features);
        for (int i = 0; i < n_rows; i++) {
            bench_row *r = &rows[i];
            if (r->n_gen && on_gpu)
                printf("tg%d: %.2f GB/s of weights, latency p50 %.3f ms p95 %.3f ms\n", r->n_gen,
                       tg_bytes * r->avg_ts / 1e9, r->p50_ms, r->p95_ms);
            else if (r->n_gen && bw.triad_gbps > 0)
                printf("tg%d @ %d threads: %.2f GB/s of weights (%.0f%% of triad), latency p50 %.2f ms p95 %.2f ms\n",
                       r->n_gen, r->n_threads, tg_bytes * r->avg_ts / 1e9,
                       100.0 * tg_bytes * r->avg_ts / 1e9 / bw.triad_gbps, r->p50_ms, r->p95_ms);
        }
        for (int pass = 0; pass < 2; pass++) {
            const eng_kernel_time *kt = pass ? ktimes_pp : ktimes;
            int nk = pass ? n_kt_pp : n_kt;
            if (!nk) continue;
            double tot = 0;
            for (int k = 0; k < nk; k++) tot += kt[k].ns;
            if (pass) printf("\nGPU time per kernel, a prompt of %d tokens (timestamp queries; %.3f ms in all):\n",
                             pp_prof_tokens, tot / 1e6);
            else printf("\nGPU time per kernel, one decode step (timestamp queries; %.3f ms in all):\n", tot / 1e6);
            printf("| kernel | dispatches | ms | share |\n| --- | ---: | ---: | ---: |\n");
            for (int k = 0; k < nk; k++)
                printf("| %s | %d | %.4f | %.1f%% |\n", kt[k].name, kt[k].count, kt[k].ns / 1e6,
                       tot > 0 ? 100.0 * kt[k].ns / tot : 0.0);
        }
    } else if (!strcmp(fmt, "csv")) {
        printf("model_type,model_size,model_n_params,backend,simd,n_threads,n_batch,type_k,type_v,n_prompt,n_gen,"
               "avg_ts,stddev_ts,latency_p50_ms,latency_p95_ms,mem_bw_gbps,peak_rss_bytes\n");
        for (int i = 0; i < n_rows; i++) {
            bench_row *r = &rows[i];
            printf("\"%s\",%llu,%llu,%s,%s,%d,%lld,%s,%s,%d,%d,%.6f,%.6f,%.4f,%.4f,%.3f,%llu\n", desc,
                   (unsigned long long)m->hp.weight_bytes, (unsigned long long)m->hp.n_params,
                   on_gpu ? "WebGPU" : "CPU", simd, r->n_threads, n_batch, type_k, type_k, r->n_prompt, r->n_gen, r->avg_ts, r->stddev_ts, r->p50_ms, r->p95_ms,
                   bw.triad_gbps, (unsigned long long)peak_rss);
        }
    }
    if (db_path || !strcmp(fmt, "json") || !strcmp(fmt, "jsonl")) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; arr && i < n_rows; i++) {
            bench_row *r = &rows[i];
            cJSON *o = cJSON_CreateObject();
            if (!o) break;
            cJSON_AddStringToObject(o, "build_commit", LLMCAP_COMMIT);
            cJSON_AddStringToObject(o, "build_version", LLMCAP_VERSION);
            cJSON_AddStringToObject(o, "build_compiler", compiler_desc());
            cJSON_AddStringToObject(o, "build_flags", LLMCAP_BUILD_FLAGS);
            cJSON_AddStringToObject(o, "engine", "llmcap-engine");
            cJSON_AddStringToObject(o, "cpu_info", mach.cpu);
            cJSON_AddNumberToObject(o, "cpu_cores", mach.cores);
            cJSON_AddNumberToObject(o, "cpu_threads", mach.threads);
            cJSON_AddNumberToObject(o, "mem_total_bytes", (double)mach.mem_total);
            cJSON_AddStringToObject(o, "os", mach.os);
            cJSON_AddStringToObject(o, "kernel", mach.kernel);
            cJSON_AddStringToObject(o, "arch", mach.arch);
            cJSON_AddStringToObject(o, "gpu_info", on_gpu ? (dev.device[0] ? dev.device : dev.description) : "");
            cJSON_AddStringToObject(o, "backends", on_gpu ? "WebGPU" : "CPU");
            cJSON_AddStringToObject(o, "backend", used_backend);
            if (on_gpu) {
                cJSON_AddStringToObject(o, "gpu_vendor", dev.vendor);
                cJSON_AddStringToObject(o, "gpu_device", dev.device);
                cJSON_AddStringToObject(o, "gpu_architecture", dev.architecture);
                cJSON_AddStringToObject(o, "gpu_description", dev.description);
                cJSON_AddStringToObject(o, "gpu_api", dev.api);
                cJSON_AddStringToObject(o, "gpu_adapter_type", dev.adapter_type);
                cJSON_AddBoolToObject(o, "gpu_fallback_adapter", dev.fallback);
                cJSON_AddStringToObject(o, "gpu_features", dev.features);
            }
            cJSON_AddStringToObject(o, "simd", simd);
            cJSON_AddStringToObject(o, "model_filename", model);
            cJSON_AddStringToObject(o, "model_name", model_name);
            cJSON_AddStringToObject(o, "model_type", desc);
            cJSON_AddNumberToObject(o, "model_size", (double)m->hp.weight_bytes);
            cJSON_AddNumberToObject(o, "model_n_params", (double)m->hp.n_params);
            cJSON_AddStringToObject(o, "model_arch", m->hp.arch);
            const char *ftn = m->hp.file_type >= 0 ? gguf_ftype_name(m->hp.file_type) : NULL;
            cJSON_AddStringToObject(o, "model_ftype", ftn ? ftn : "");
            cJSON_AddNumberToObject(o, "n_batch", (double)n_batch);
            cJSON_AddNumberToObject(o, "n_ubatch", (double)n_batch);
            cJSON_AddNumberToObject(o, "n_threads", r->n_threads);
            cJSON_AddStringToObject(o, "type_k", type_k);
            cJSON_AddStringToObject(o, "type_v", type_k);
            cJSON_AddNumberToObject(o, "n_gpu_layers", on_gpu ? m->hp.n_layer : 0);
            cJSON_AddBoolToObject(o, "flash_attn", 0);
            cJSON_AddBoolToObject(o, "use_mmap", 1);
            cJSON_AddNumberToObject(o, "n_prompt", r->n_prompt);
            cJSON_AddNumberToObject(o, "n_gen", r->n_gen);
            cJSON_AddNumberToObject(o, "n_depth", 0);
            cJSON_AddStringToObject(o, "test_time", r->test_time);
            cJSON_AddNumberToObject(o, "avg_ns", round(r->avg_ns));
            cJSON_AddNumberToObject(o, "stddev_ns", round(r->stddev_ns));
            cJSON_AddNumberToObject(o, "avg_ts", r->avg_ts);
            cJSON_AddNumberToObject(o, "stddev_ts", r->stddev_ts);
            cJSON *sn = cJSON_AddArrayToObject(o, "samples_ns");
            cJSON *st = cJSON_AddArrayToObject(o, "samples_ts");
            for (int k = 0; k < r->reps && sn && st; k++) {
                cJSON_AddItemToArray(sn, cJSON_CreateNumber(round(r->samples_ns[k])));
                cJSON_AddItemToArray(st, cJSON_CreateNumber((double)(r->n_prompt + r->n_gen) * 1e9 / r->samples_ns[k]));
            }
            cJSON_AddNumberToObject(o, "latency_p50_ms", r->p50_ms);
            cJSON_AddNumberToObject(o, "latency_p95_ms", r->p95_ms);
            cJSON_AddNumberToObject(o, "load_ms", t_load * 1e3);
            cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)peak_rss);
            cJSON_AddNumberToObject(o, "model_file_bytes", (double)gguf_file_size(m->gguf));
            cJSON_AddNumberToObject(o, "kv_bytes", (double)kv_bytes_max);
            cJSON_AddNumberToObject(o, "mem_bw_gbps", bw.triad_gbps);
            cJSON_AddNumberToObject(o, "mem_read_gbps", bw.read_gbps);
            if (r->n_gen) cJSON_AddNumberToObject(o, "eff_gbps", tg_bytes * r->avg_ts / 1e9);
            if (r->n_gen && n_kt) {
                cJSON *kt = cJSON_AddArrayToObject(o, "kernel_times");
                for (int k = 0; kt && k < n_kt; k++) {
                    cJSON *e = cJSON_CreateObject();
                    if (!e) break;
                    cJSON_AddStringToObject(e, "kernel", ktimes[k].name);
                    cJSON_AddNumberToObject(e, "dispatches", ktimes[k].count / (kt_tokens ? kt_tokens : 1));
                    cJSON_AddNumberToObject(e, "gpu_ms", ktimes[k].ns / 1e6);
                    cJSON_AddItemToArray(kt, e);
                }
            }
            if (!strcmp(fmt, "jsonl")) {
                char *s = cJSON_PrintUnformatted(o);
                if (s) { puts(s); cJSON_free(s); }
            }
            cJSON_AddItemToArray(arr, o);
        }
        if (!strcmp(fmt, "json")) {
            char *s = arr ? cJSON_Print(arr) : NULL;
            if (!s) { eng_cli_error("out of memory writing JSON"); rc = 1; }
            else { puts(s); cJSON_free(s); }
        }
        if (!rc && db_path) rc = arr ? bench_store_db(db_path, arr, model, m) : 1;
        cJSON_Delete(arr);
    }
    if (fflush(stdout) != 0) { eng_cli_error("bench: cannot write the output"); rc = 1; }
    for (int i = 0; i < n_rows; i++) free(rows[i].samples_ns);
    eng_model_free(m);
    return rc;
}
