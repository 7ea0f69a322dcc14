/* cmd_sweep.c - `llmcap sweep`: batch what-if. Any estimate option may take a
 * list (a,b,c) or a numeric range (lo:hi:step or lo:hi:xF, inclusive); the grid
 * is the cartesian product in the order the options were given, the last one
 * varying fastest. Or --in FILE: one JSON object of options per line, on top of
 * the command-line options. Rows are streamed as CSV (default) or JSONL; a
 * scenario the estimator rejects (e.g. a quantized V cache without flash
 * attention) gets its message in the `error` column. Every value is checked
 * before the first row is written, so bad input writes nothing. */
#include "report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ROWS 100000000ULL /* 10^8 scenarios: a larger grid is almost surely a typo */
#define MAX_VALUES 100000     /* values of one list */
#define MAX_MODELS 64

/* What a dimension changes in the resolved parameters. */
typedef enum dim_kind {
    D_MODEL, D_HARDWARE, D_HOST, D_HOST_RAM, D_QUANT, D_GPU_MEM, D_GPU_BW, D_GPU_TFLOPS, D_U32, D_I32, D_BOOL,
    D_PROFILE, D_ENGINE
} dim_kind;

typedef struct dval {
    llmcap_params p;          /* params resolved with this value */
    llmcap_model *model;      /* D_MODEL */
    char label[128];          /* model / hardware label */
} dval;

typedef struct dim {
    const char *key;
    dim_kind kind;
    size_t off;               /* D_U32 / D_I32 / D_BOOL: field offset in llmcap_params */
    dval *v;
    size_t n;
} dim;

typedef struct model_cache {
    char key[1100];
    llmcap_model *m;
} model_cache;

typedef struct sweep {
    cli_ctx c;
    cli_args a;
    dim dims[32];
    int n_dims;
    model_cache models[MAX_MODELS];
    int n_models;
} sweep;

static void sweep_help(FILE *f)
{
    fprintf(f, "usage: llmcap sweep [estimate options, any as a list a,b,c or range lo:hi:step | lo:hi:xF]\n"
               "                    [--in scenarios.jsonl] [--jsonl] [-o FILE]\n"
               "One row per scenario with its inputs and outputs (CSV by default; JSONL with --jsonl).\n"
               "example: llmcap sweep --model llama-3.1-8b,qwen2.5-7b --quant Q4_0,Q4_K_M,Q8_0 \\\n"
               "                      --ctx 2048:32768:x2 --hardware rtx-4090,rtx-3090,apple-m2-ultra\n"
               "--in FILE: each line a JSON object with option keys, e.g.\n"
               "  {\"model\": \"llama-3.1-8b\", \"hardware\": \"rtx-4090\", \"quant\": \"Q8_0\", \"n_ctx\": 8192, \"flash_attn\": true}\n\n");
    cli_print_option_help(f);
}

static const char *label_of(const llmcap_request *rq)
{
    if (rq->model[0]) return rq->model;
    const char *p = rq->gguf[0] ? rq->gguf : rq->hf_config;
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

static llmcap_model *cached_model(sweep *S, llmcap_request *rq, llmcap_error *err)
{
    char key[1100];
    snprintf(key, sizeof key, "%c:%s", rq->model[0] ? 'm' : rq->gguf[0] ? 'g' : 'h',
             rq->model[0] ? rq->model : rq->gguf[0] ? rq->gguf : rq->hf_config);
    for (int i = 0; i < S->n_models; i++)
        if (!strcmp(S->models[i].key, key)) return S->models[i].m;
    if (S->n_models == MAX_MODELS) {
        if (err) {
            err->status = LLMCAP_ERR_INVALID_ARG;
            snprintf(err->msg, sizeof err->msg, "more than %d different models in one sweep", MAX_MODELS);
        }
        return NULL;
    }
    llmcap_model *m = NULL;
    if (llmcap_request_load_model(S->c.db, rq, &m, err)) return NULL;
    snprintf(S->models[S->n_models].key, sizeof S->models[0].key, "%s", key);
    S->models[S->n_models++].m = m;
    return m;
}

static void sweep_free(sweep *S)
{
    for (int i = 0; i < S->n_dims; i++) free(S->dims[i].v);
    for (int i = 0; i < S->n_models; i++) llmcap_model_free(S->models[i].m);
    llmcap_db_free(S->c.db);
}

/* Expand "a,b,lo:hi:step,lo:hi:xF" into values; numeric ranges only for numbers. */
static int expand(const char *key, const char *text, char ***out, size_t *n_out)
{
    char *dup = strdup(text);
    char **vals = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!dup) return 1;
    for (char *save = NULL, *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *c1 = strchr(tok, ':');
        char **items = NULL;
        size_t ni = 0, icap = 0;
        char buf[64];
        if (c1) {
            char *c2 = strchr(c1 + 1, ':');
            char *end;
            errno = 0;
            double lo = strtod(tok, &end);
            bool ok = end == c1;
            double hi = strtod(c1 + 1, &end);
            ok = ok && (c2 ? end == c2 : *end == 0);
            double step = 1;
            bool mult = false;
            if (c2) {
                const char *s = c2 + 1;
                if (*s == 'x' || *s == '*') { mult = true; s++; }
                step = strtod(s, &end);
                ok = ok && *end == 0 && end != s;
            }
            ok = ok && !errno && isfinite(lo) && isfinite(hi) && isfinite(step) && lo <= hi &&
                 (mult ? step > 1 : step > 0) && lo >= 0 && (!mult || lo > 0);
            if (!ok) {
                cli_error("sweep: %s: bad range '%s' (lo:hi:step with step > 0, or lo:hi:xF with F > 1)", key, tok);
                rc = EXIT_BAD_INPUT;
                break;
            }
            for (double v = lo; v <= hi * (1 + 1e-12); v = mult ? v * step : v + step) {
                if (n + ni >= MAX_VALUES) {
                    cli_error("sweep: %s: more than %d values", key, MAX_VALUES);
                    rc = EXIT_BAD_INPUT;
                    break;
                }
                snprintf(buf, sizeof buf, "%.15g", v);
                if (ni == icap) { /* grow geometrically: a range may have 10^5 values */
                    icap = icap ? icap * 2 : 64;
                    char **ni2 = realloc(items, icap * sizeof *items);
                    if (!ni2) { rc = 1; break; }
                    items = ni2;
                }
                items[ni++] = strdup(buf);
            }
        } else {
            items = malloc(sizeof *items);
            if (items) { items[0] = strdup(tok); ni = 1; }
        }
        for (size_t i = 0; i < ni && !rc; i++) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                char **nv = realloc(vals, cap * sizeof *vals);
                if (!nv) { rc = 1; break; }
                vals = nv;
            }
            vals[n++] = items[i];
            items[i] = NULL;
        }
        for (size_t i = 0; i < ni; i++) free(items[i]);
        free(items);
        if (rc) break;
    }
    free(dup);
    if (!rc && n == 0) {
        cli_error("sweep: %s: empty list", key);
        rc = EXIT_BAD_INPUT;
    }
    if (rc) {
        for (size_t i = 0; i < n; i++) free(vals[i]);
        free(vals);
        return rc;
    }
    *out = vals;
    *n_out = n;
    return 0;
}

static dim_kind kind_of(const char *key, size_t *off)
{
    static const struct { const char *k; dim_kind kind; size_t off; } T[] = {
        {"model", D_MODEL, 0}, {"gguf", D_MODEL, 0}, {"hf_config", D_MODEL, 0}, {"hardware", D_HARDWARE, 0},
        {"host", D_HOST, 0}, {"host_ram_gib", D_HOST_RAM, 0}, {"quant", D_QUANT, 0}, {"gpu_mem_gib", D_GPU_MEM, 0},
        {"gpu_bw_gbps", D_GPU_BW, 0}, {"gpu_tflops", D_GPU_TFLOPS, 0},
        {"n_gpu", D_U32, offsetof(llmcap_params, n_gpu)}, {"n_ctx", D_U32, offsetof(llmcap_params, n_ctx)},
        {"n_batch", D_U32, offsetof(llmcap_params, n_batch)}, {"n_ubatch", D_U32, offsetof(llmcap_params, n_ubatch)},
        {"n_seq", D_U32, offsetof(llmcap_params, n_seq)}, {"n_prompt", D_U32, offsetof(llmcap_params, n_prompt)},
        {"n_gen", D_U32, offsetof(llmcap_params, n_gen)}, {"depth", D_U32, offsetof(llmcap_params, depth)},
        {"n_threads", D_U32, offsetof(llmcap_params, n_threads)},
        {"n_gpu_layers", D_I32, offsetof(llmcap_params, n_gpu_layers)},
        {"type_k", D_I32, offsetof(llmcap_params, type_k)}, {"type_v", D_I32, offsetof(llmcap_params, type_v)},
        {"flash_attn", D_BOOL, offsetof(llmcap_params, flash_attn)},
        {"profile", D_PROFILE, 0}, {"engine", D_ENGINE, 0},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if (!strcmp(T[i].k, key)) { *off = T[i].off; return T[i].kind; }
    *off = 0;
    return D_U32;
}

/* copy what dimension d's value changes into p */
static inline void apply(const dim *d, const dval *v, llmcap_params *p, llmcap_model **m, const char **mlabel,
                         const char **hlabel)
{
    switch (d->kind) {
    case D_MODEL: *m = v->model; *mlabel = v->label; break;
    case D_HARDWARE: p->gpu = v->p.gpu; *hlabel = v->label; break;
    case D_HOST: p->host = v->p.host; p->has_host = v->p.has_host; break;
    case D_HOST_RAM: p->host_ram_bytes = v->p.host_ram_bytes; break;
    case D_QUANT: p->ftype = v->p.ftype; p->tensor_type = v->p.tensor_type; p->override_types = v->p.override_types; break;
    case D_GPU_MEM: p->gpu.memory_bytes = v->p.gpu.memory_bytes; break;
    case D_GPU_BW: p->gpu.bandwidth_gbps = v->p.gpu.bandwidth_gbps; break;
    case D_GPU_TFLOPS: p->gpu.fp16_tflops = v->p.gpu.fp16_tflops; break;
    case D_U32: memcpy((char *)p + d->off, (const char *)&v->p + d->off, sizeof(uint32_t)); break;
    case D_I32: memcpy((char *)p + d->off, (const char *)&v->p + d->off, sizeof(int)); break;
    case D_BOOL: memcpy((char *)p + d->off, (const char *)&v->p + d->off, sizeof(bool)); break;
    case D_PROFILE: p->profile = v->p.profile; break; /* loaded once per file (llmcap_profile_load_cached) */
    case D_ENGINE: memcpy(p->engine, v->p.engine, sizeof p->engine); break;
    }
}

static int write_row(FILE *f, out_format fmt, const report_in *in, llmcap_model *m, const llmcap_params *p, char *buf)
{
    llmcap_result r;
    llmcap_error err = {0};
    const bool ok = llmcap_estimate(m, p, &r, &err) == LLMCAP_OK;
    if (fmt == OUT_JSONL) {
        if (ok) {
            char *txt = llmcap_estimate_json(m, in->model, p, &r, false);
            if (txt) { fputs(txt, f); fputc('\n', f); }
            llmcap_json_free(txt);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "model", in->model);
            cJSON_AddStringToObject(o, "hardware", in->hardware);
            cJSON_AddStringToObject(o, "error", err.msg);
            char *txt = cJSON_PrintUnformatted(o);
            if (txt) { fputs(txt, f); fputc('\n', f); }
            cJSON_free(txt);
            cJSON_Delete(o);
        }
    } else {
        size_t n = report_csv_row(buf, in, ok ? &r : NULL, ok ? NULL : err.msg);
        fwrite(buf, 1, n, f);
    }
    return ferror(f) ? 1 : 0;
}

/* ---- --in FILE: each line a JSON object of options ---- */

static int json_line_to_request(sweep *S, const char *line, size_t len, const char *path, size_t lineno,
                                llmcap_request *rq)
{
    *rq = S->a.rq;
    cJSON *o = cJSON_ParseWithLength(line, len);
    if (!o || !cJSON_IsObject(o)) {
        cli_error("%s:%zu: not a JSON object", path, lineno);
        cJSON_Delete(o);
        return EXIT_BAD_INPUT;
    }
    for (cJSON *it = o->child; it; it = it->next) {
        char val[1100];
        if (cJSON_IsString(it)) snprintf(val, sizeof val, "%s", it->valuestring);
        else if (cJSON_IsBool(it)) snprintf(val, sizeof val, "%s", cJSON_IsTrue(it) ? "on" : "off");
        else if (cJSON_IsNumber(it)) {
            if (!isfinite(it->valuedouble)) { cli_error("%s:%zu: '%s' is not a finite number", path, lineno, it->string); cJSON_Delete(o); return EXIT_BAD_INPUT; }
            snprintf(val, sizeof val, "%.17g", it->valuedouble);
        } else {
            cli_error("%s:%zu: option '%s' must be a string, number or boolean", path, lineno, it->string);
            cJSON_Delete(o);
            return EXIT_BAD_INPUT;
        }
        llmcap_error err = {0};
        if (llmcap_request_set(rq, it->string, val, &err)) {
            cli_error("%s:%zu: %s", path, lineno, err.msg);
            cJSON_Delete(o);
            return EXIT_BAD_INPUT;
        }
        /* a model key given in the line replaces the other two model sources */
        if (!strcmp(it->string, "model")) { rq->gguf[0] = 0; rq->hf_config[0] = 0; }
        else if (!strcmp(it->string, "gguf")) { rq->model[0] = 0; rq->hf_config[0] = 0; }
        else if (!strcmp(it->string, "hf_config")) { rq->model[0] = 0; rq->gguf[0] = 0; }
    }
    cJSON_Delete(o);
    return 0;
}

/* The whole --in file, read once into memory: every line is checked before
 * the first row is written (so bad input writes nothing, not even the CSV
 * header), and a pipe (--in /dev/stdin) works as well as a file. */
static int read_in_file(const char *path, char **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) { cli_error("cannot open '%s': %s", path, strerror(errno)); return EXIT_BAD_INPUT; }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t nc = cap ? cap * 2 : 131072;
            char *nb = realloc(buf, nc);
            if (!nb) { free(buf); fclose(f); cli_error("out of memory reading '%s'", path); return 1; }
            buf = nb;
            cap = nc;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    const int bad = ferror(f), e = errno;
    fclose(f);
    if (bad) { free(buf); cli_error("cannot read '%s': %s", path, strerror(e)); return 1; }
    *out = buf;
    *out_len = n;
    return 0;
}

/* Resolve every line of text; with out, also write its row. */
static int run_in_lines(sweep *S, const char *text, size_t len, sink *out)
{
    const char *path = S->a.in_path;
    size_t lineno = 0, rows = 0;
    char buf[8192];
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - line) : len - pos;
        pos += l + (nl ? 1 : 0);
        lineno++;
        while (l && (line[l - 1] == '\r' || line[l - 1] == ' ')) l--;
        if (l == 0) continue;
        llmcap_request rq;
        int rc = json_line_to_request(S, line, l, path, lineno, &rq);
        if (rc) return rc;
        llmcap_error err = {0};
        if (llmcap_request_resolve_params(S->c.db, &rq, &err)) {
            cli_error("%s:%zu: %s", path, lineno, err.msg);
            return EXIT_BAD_INPUT;
        }
        llmcap_model *m = cached_model(S, &rq, &err);
        if (!m) {
            cli_error("%s:%zu: %s", path, lineno, err.msg);
            return EXIT_BAD_INPUT;
        }
        if (out) {
            report_in in = {.model = label_of(&rq), .hardware = rq.params.gpu.id, .p = &rq.params, .m = m};
            if (write_row(out->f, S->c.format, &in, m, &rq.params, buf)) { cli_error("error writing output"); return 1; }
        }
        rows++;
    }
    if (rows == 0) { cli_error("%s: no scenarios (empty file)", path); return EXIT_BAD_INPUT; }
    return 0;
}

static int run_in_file(sweep *S)
{
    char *text = NULL;
    size_t len = 0;
    int rc = read_in_file(S->a.in_path, &text, &len);
    if (rc) return rc;
    if ((rc = run_in_lines(S, text, len, NULL)) == 0) { /* check everything first */
        sink out;
        if ((rc = sink_open(&out, S->c.out_path)) == 0) {
            if (S->c.format == OUT_CSV) report_csv_header(out.f);
            rc = run_in_lines(S, text, len, &out);
            if (rc) sink_abort(&out);
            else rc = sink_commit(&out);
        }
    }
    free(text);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    sweep *S = calloc(1, sizeof *S);
    if (!S) { cli_error("out of memory"); return 1; }
    S->c.format = OUT_CSV;
    int rc = cli_parse(argc, argv, &S->c, &S->a, 1, "sweep");
    if (rc) goto done;
    if (S->a.help) { sweep_help(stdout); goto done; }
    if (S->a.positional < argc) {
        cli_error("sweep: unexpected argument '%s'", argv[S->a.positional]);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    if (S->c.format == OUT_TABLE || S->c.format == OUT_JSON) S->c.format = S->c.format == OUT_JSON ? OUT_JSONL : OUT_CSV;
    if ((rc = cli_load_db(&S->c))) goto done;

    if (S->a.in_path) {
        if (S->a.n_lists) {
            cli_error("sweep: use either --in FILE or list options, not both");
            rc = EXIT_BAD_INPUT;
            goto done;
        }
        rc = run_in_file(S);
        goto done;
    }

    /* order: hardware before the custom figures that override it */
    cli_listopt lists[32];
    int nl = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < S->a.n_lists; i++) {
            size_t off;
            dim_kind k = kind_of(S->a.lists[i].key, &off);
            bool late = k == D_GPU_MEM || k == D_GPU_BW || k == D_GPU_TFLOPS;
            if ((pass == 1) == late) lists[nl++] = S->a.lists[i];
        }

    /* base: the single-valued options, resolved once (model from the first list value if listed) */
    llmcap_request base = S->a.rq;
    for (int i = 0; i < nl; i++) {
        char **vals;
        size_t n;
        if ((rc = expand(lists[i].key, lists[i].value, &vals, &n))) goto done;
        llmcap_error err = {0};
        if (llmcap_request_set(&base, lists[i].key, vals[0], &err)) {
            cli_error("sweep: %s", err.msg);
            rc = EXIT_BAD_INPUT;
        }
        for (size_t j = 0; j < n; j++) free(vals[j]);
        free(vals);
        if (rc) goto done;
    }
    {
        llmcap_error err = {0};
        if (llmcap_request_resolve_params(S->c.db, &base, &err)) { cli_error("sweep: %s", err.msg); rc = EXIT_BAD_INPUT; goto done; }
    }
    llmcap_model *base_model = NULL;
    {
        llmcap_error err = {0};
        base_model = cached_model(S, &base, &err);
        if (!base_model) { cli_error("sweep: %s", err.msg); rc = EXIT_BAD_INPUT; goto done; }
    }

    unsigned long long total = 1;
    for (int i = 0; i < nl; i++) {
        dim *d = &S->dims[S->n_dims++];
        d->key = lists[i].key;
        d->kind = kind_of(d->key, &d->off);
        char **vals;
        size_t n;
        if ((rc = expand(d->key, lists[i].value, &vals, &n))) goto done;
        total *= n; /* <= 10^8 * 10^5: no overflow */
        if (total > MAX_ROWS) { /* before resolving (and allocating) the values */
            cli_error("sweep: the grid has more than %llu scenarios", MAX_ROWS);
            for (size_t j = 0; j < n; j++) free(vals[j]);
            free(vals);
            rc = EXIT_BAD_INPUT;
            goto done;
        }
        d->v = calloc(n, sizeof *d->v);
        if (!d->v) { rc = 1; cli_error("out of memory"); }
        for (size_t j = 0; j < n && !rc; j++) {
            llmcap_request rq = base;
            llmcap_error err = {0};
            if (d->kind == D_MODEL) { rq.model[0] = rq.gguf[0] = rq.hf_config[0] = 0; }
            if (llmcap_request_set(&rq, d->key, vals[j], &err) || llmcap_request_resolve_params(S->c.db, &rq, &err)) {
                cli_error("sweep: %s", err.msg);
                rc = EXIT_BAD_INPUT;
                break;
            }
            d->v[j].p = rq.params;
            if (d->kind == D_MODEL) {
                d->v[j].model = cached_model(S, &rq, &err);
                if (!d->v[j].model) { cli_error("sweep: %s", err.msg); rc = EXIT_BAD_INPUT; break; }
                snprintf(d->v[j].label, sizeof d->v[j].label, "%s", label_of(&rq));
            } else if (d->kind == D_HARDWARE) {
                snprintf(d->v[j].label, sizeof d->v[j].label, "%s", rq.params.gpu.id);
            }
        }
        d->n = n;
        for (size_t j = 0; j < n; j++) free(vals[j]);
        free(vals);
        if (rc) goto done;
    }

    sink out;
    if ((rc = sink_open(&out, S->c.out_path))) goto done;
    if (S->c.format == OUT_CSV) report_csv_header(out.f);
    {
        size_t idx[32] = {0};
        char buf[8192];
        const bool progress = isatty(2);
        llmcap_params p = base.params;
        llmcap_model *m = base_model;
        const char *ml = label_of(&base), *hl = base.params.gpu.id;
        for (unsigned long long row = 0; row < total; row++) {
            for (int i = 0; i < S->n_dims; i++) apply(&S->dims[i], &S->dims[i].v[idx[i]], &p, &m, &ml, &hl);
            report_in in = {.model = ml, .hardware = hl, .p = &p, .m = m};
            if (write_row(out.f, S->c.format, &in, m, &p, buf)) { rc = 1; break; }
            for (int i = S->n_dims - 1; i >= 0; i--) { /* odometer, last dimension fastest */
                if (++idx[i] < S->dims[i].n) break;
                idx[i] = 0;
            }
            if (progress && (row + 1) % 100000 == 0) fprintf(stderr, "\rsweep: %llu / %llu rows", row + 1, total);
        }
        if (progress && total >= 100000) fprintf(stderr, "\rsweep: %llu / %llu rows\n", total, total);
    }
    if (rc) { cli_error("error writing output"); sink_abort(&out); }
    else rc = sink_commit(&out);
done:
    sweep_free(S);
    free(S);
    return rc;
}
