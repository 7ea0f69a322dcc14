/* cmd_compare.c - `llmcap compare FILE...`: read measured runs (llmcap-engine
 * and llama-bench output in any of their formats, or the measured-runs CSV),
 * predict each run's test with the estimator and report the errors: per run,
 * per (source, backend, hardware) group and overall, for decode (tg), prefill
 * (pp) and pp+tg separately, plus the worst rows and every row not used with
 * its reason (library: estimator/llmcap_runs.h). */
#include "cli.h"
#include "llmcap_runs.h"
#include "types.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EXIT_FAIL_ABOVE 3

enum { K_TG = 0, K_PP, K_PG, K_COUNT };
static const char *const KIND_KEY[K_COUNT] = {"tg", "pp", "pg"};
static const char *const KIND_NAME[K_COUNT] = {"decode (tg)", "prefill (pp)", "pp+tg"};

static int kind_of(const llmcap_run *r)
{
    return r->test == LLMCAP_TEST_TG ? K_TG : r->test == LLMCAP_TEST_PP ? K_PP : K_PG;
}

/* Classes of runs within the overall figures: llama-bench's plain tests, the
 * same after a filled context ("@ dN"), and batched runs (llama-batched-bench,
 * whatever its B, or n_seq > 1). */
enum { C_PLAIN = 0, C_DEPTH, C_BATCHED, C_COUNT };
static const char *const CLASS_KEY[C_COUNT] = {"depth0", "depth", "batched"};
static const char *const CLASS_NAME[C_COUNT] = {"  depth 0, one sequence", "  after a filled context (@ dN)",
                                                "  llama-batched-bench, n_seq > 1"};

static int class_of(const llmcap_run *r)
{
    return r->n_seq > 1 || strstr(r->engine, "batched") ? C_BATCHED : r->n_depth ? C_DEPTH : C_PLAIN;
}

/* One input row and what became of it. */
typedef struct row {
    const llmcap_run *run;   /* NULL for a row the reader rejected (issue) */
    const llmcap_run_issue *issue;
    bool used;
    llmcap_run_match match;
    double pred_tok_s, err_pct;
    char reason[256];        /* why not used */
    char args[1024];         /* `llmcap estimate` options that predict the same test */
    int file_rank;           /* position of its file among the arguments */
    size_t order;            /* position when read */
} row;

/* Rows of one source, backend and hardware: gidx[start .. start + len) */
typedef struct group {
    const char *source, *backend, *hw;
    size_t start, len;
    size_t n[K_COUNT];       /* rows of each kind */
} group;

typedef struct opts {
    llmcap_run_format format;
    const char *backend;
    long worst;
    double fail[K_COUNT];    /* NaN = no threshold */
    bool has_fail;
    bool strict, verbose, summary;
} opts;

static void compare_help(FILE *f)
{
    fprintf(f,
            "usage: llmcap compare FILE... [options] [--json|--csv] [-o FILE]\n"
            "Predicts each measured run in FILE (the same test: pp N / tg N at depth D, batch, n_gpu_layers,\n"
            "threads, flash attention, KV types) and prints measured, predicted and error%% = (predicted -\n"
            "measured) / measured * 100 per run; then per source, backend and hardware, and overall, for\n"
            "decode (tg), prefill (pp) and pp+tg: count, MAPE, median absolute error, bias (mean signed\n"
            "error); the worst rows; and every row not used, with its reason.\n\n"
            "FILE formats (detected; '-' = standard input): llmcap-engine `bench -o json|jsonl`; llama-bench\n"
            "`-o json|jsonl|csv|md`; ../shared/reference/measured_runs.csv. Several files may be mixed.\n\n"
            "options:\n"
            "  --format NAME          force the format: engine-json, llama-bench-json, llama-bench-jsonl,\n"
            "                         llama-bench-csv, llama-bench-md, measured-csv (default auto)\n"
            "  --hardware ID          hardware for runs whose file names none or hardware not in data/\n"
            "  --model ID             model for runs whose file names none or a model not in data/\n"
            "  --quant Q              file type for runs that state none (Q4_K_M, Q8_0, pure:Q4_0, ...)\n"
            "  --backend NAME         backend for runs that state none (CUDA, Metal, CPU, ...)\n"
            "  --profile FILE         calibration profile (llmcap calibrate); --engine NAME forces its section\n"
            "  --worst N              how many of the worst rows to list (default 10)\n"
            "  --fail-above PCT       exit 3 when an overall MAPE is above PCT; or tg=PCT,pp=PCT[,pg=PCT]\n"
            "  --strict               a malformed row is an error (exit 2, no report)\n"
            "  --summary              no per-run lines in the table\n"
            "  -v, --verbose          list every row not used with file:line (default: counts by reason)\n"
            "  --json, --csv          output format (default: a table); CSV = one line per input row\n"
            "  -o, --out FILE         write to FILE atomically\n"
            "  --data DIR             read hardware.json and models.json from DIR\n\n"
            "exit status: 0 ok; 1 I/O failure; 2 bad input (unreadable file, malformed rows: each is listed\n"
            "with file:line, the report still covers the rest; no run predicted); 3 --fail-above exceeded.\n");
}

/* ---- our own options, taken out of argv before the shared parser sees it ---- */

static bool opt_is(const char *a, const char *name, const char **val)
{
    const char *s = a;
    if (s[0] != '-') return false;
    s += s[1] == '-' ? 2 : 1;
    size_t n = strlen(name);
    if (strncmp(s, name, n)) return false;
    if (s[n] == 0) { *val = NULL; return true; }
    if (s[n] == '=') { *val = s + n + 1; return true; }
    return false;
}

static bool parse_pct(const char *s, double *out)
{
    char *e;
    double v = strtod(s, &e);
    if (e == s || *e || !isfinite(v) || v < 0 || v > 1e6) return false;
    *out = v;
    return true;
}

static int parse_fail_above(const char *s, opts *o)
{
    double v;
    for (int k = 0; k < K_COUNT; k++) o->fail[k] = NAN;
    o->has_fail = true;
    if (parse_pct(s, &v)) {
        for (int k = 0; k < K_COUNT; k++) o->fail[k] = v;
        return 0;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        int k = -1;
        if (eq) {
            *eq = 0;
            for (int i = 0; i < K_COUNT; i++)
                if (!strcasecmp(tok, KIND_KEY[i])) k = i;
        }
        if (k < 0 || !parse_pct(eq + 1, &v)) {
            cli_error("compare: --fail-above '%s': give a percentage (15) or tg=PCT,pp=PCT,pg=PCT", s);
            return EXIT_BAD_INPUT;
        }
        o->fail[k] = v;
    }
    return 0;
}

static int take_opts(int *argc, char **argv, opts *o)
{
    int w = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "--")) {
            while (i < *argc) argv[w++] = argv[i++];
            break;
        }
        const char *names[] = {"format", "backend", "worst", "fail-above"};
        int which = -1;
        for (int k = 0; k < 4 && which < 0; k++)
            if (opt_is(a, names[k], &v)) which = k;
        if (which >= 0) {
            if (!v) {
                if (i + 1 >= *argc) { cli_error("compare: option '%s' needs a value", a); return EXIT_BAD_INPUT; }
                v = argv[++i];
            }
            llmcap_error err = {0};
            char *e;
            switch (which) {
            case 0:
                if (llmcap_run_format_parse(v, &o->format, &err)) { cli_error("compare: --format: %s", err.msg); return EXIT_BAD_INPUT; }
                break;
            case 1: o->backend = v; break;
            case 2:
                o->worst = strtol(v, &e, 10);
                if (e == v || *e || o->worst < 0 || o->worst > 100000) {
                    cli_error("compare: --worst '%s' is not a count (0..100000)", v);
                    return EXIT_BAD_INPUT;
                }
                break;
            default:
                if (parse_fail_above(v, o)) return EXIT_BAD_INPUT;
                break;
            }
            continue;
        }
        if (opt_is(a, "strict", &v) && !v) { o->strict = true; continue; }
        if ((opt_is(a, "verbose", &v) && !v) || !strcmp(a, "-v")) { o->verbose = true; continue; }
        if (opt_is(a, "summary", &v) && !v) { o->summary = true; continue; } /* (-q is --quant) */
        argv[w++] = argv[i];
    }
    argv[w] = NULL;
    *argc = w;
    return 0;
}

/* ---- the equivalent `llmcap estimate` options ---- */

static void estimate_args(const row *r, const char *profile_path, const char *engine, char *buf, size_t n)
{
    const llmcap_run_match *m = &r->match;
    const llmcap_params *p = &m->params;
    buf[0] = 0;
    if (m->hw_synthesized || !m->hw) return; /* a measured CPU platform has no data/ id */
    char q[40];
    if (m->tensor_type >= 0) snprintf(q, sizeof q, "pure:%s", gguf_type_name(m->tensor_type));
    else snprintf(q, sizeof q, "%s", gguf_ftype_name(m->ftype) ? gguf_ftype_name(m->ftype) : "?");
    char ngl[16];
    if (p->n_gpu_layers < 0) snprintf(ngl, sizeof ngl, "all");
    else snprintf(ngl, sizeof ngl, "%d", p->n_gpu_layers);
    snprintf(buf, n,
             "--model %s --hardware %s --gpus %u --quant %s -p %u -n %u -d %u -np %u -b %u -ub %u -ngl %s -fa %s "
             "-ctk %s -ctv %s -c %u -t %u%s%.300s%s%.47s",
             m->model->id, m->hw->id, p->n_gpu, q, p->n_prompt, p->n_gen, p->depth, p->n_seq, p->n_batch, p->n_ubatch,
             ngl, p->flash_attn ? "on" : "off", gguf_type_name(p->type_k), gguf_type_name(p->type_v), p->n_ctx,
             p->n_threads, profile_path ? " --profile " : "", profile_path ? profile_path : "",
             engine[0] ? " --engine " : "", engine);
}

/* ---- groups ---- */

static const row *sort_rows; /* for the qsort comparators below (one command per process) */

static int cmp_group_key(const void *pa, const void *pb)
{
    const row *a = &sort_rows[*(const size_t *)pa], *b = &sort_rows[*(const size_t *)pb];
    int c = strcmp(a->run->source, b->run->source);
    if (!c) c = strcmp(a->run->backend, b->run->backend);
    if (!c) c = strcmp(a->match.params.gpu.id, b->match.params.gpu.id);
    if (!c) c = (*(const size_t *)pa > *(const size_t *)pb) - (*(const size_t *)pa < *(const size_t *)pb);
    return c;
}

static const size_t *sort_gidx;

/* groups by their first row (gidx is sorted by key, then row, so that is gidx[start]) */
static int cmp_group_first(const void *pa, const void *pb)
{
    const group *a = pa, *b = pb;
    return (sort_gidx[a->start] > sort_gidx[b->start]) - (sort_gidx[a->start] < sort_gidx[b->start]);
}

static int cmp_worst(const void *pa, const void *pb)
{
    const size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const double a = fabs(sort_rows[ia].err_pct), b = fabs(sort_rows[ib].err_pct);
    if (a != b) return a < b ? 1 : -1;
    return (ia > ib) - (ia < ib);
}

/* Group the used rows (indices in gidx, n of them) by source, backend and
 * hardware, in the order each group first appears; *out is malloc'd. */
static bool make_groups(const row *rows, size_t *gidx, size_t n, group **out, size_t *ng)
{
    *out = NULL;
    *ng = 0;
    if (!n) return true;
    sort_rows = rows;
    qsort(gidx, n, sizeof *gidx, cmp_group_key);
    group *gs = malloc(n * sizeof *gs);
    if (!gs) return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[gidx[i]];
        if (!k || strcmp(gs[k - 1].source, r->run->source) || strcmp(gs[k - 1].backend, r->run->backend) ||
            strcmp(gs[k - 1].hw, r->match.params.gpu.id)) {
            group *g = &gs[k++];
            memset(g, 0, sizeof *g);
            g->source = r->run->source;
            g->backend = r->run->backend;
            g->hw = r->match.params.gpu.id;
            g->start = i;
        }
        gs[k - 1].len++;
        gs[k - 1].n[kind_of(r->run)]++;
    }
    sort_gidx = gidx;
    qsort(gs, k, sizeof *gs, cmp_group_first);
    *out = gs;
    *ng = k;
    return true;
}

/* statistics of the rows of one kind in a group */
static bool group_stats(const row *rows, const size_t *gidx, const group *g, int kind, llmcap_err_stats *st)
{
    double *e = malloc((g->len ? g->len : 1) * sizeof *e);
    if (!e) return false;
    size_t m = 0;
    for (size_t i = 0; i < g->len; i++) {
        const row *r = &rows[gidx[g->start + i]];
        if (kind_of(r->run) == kind) e[m++] = r->err_pct;
    }
    llmcap_error err = {0};
    bool ok = llmcap_err_stats_compute(e, m, st, &err) == LLMCAP_OK;
    free(e);
    return ok;
}

static bool stats_of(const row *rows, const size_t *idx, size_t n, llmcap_err_stats *st)
{
    double *e = malloc((n ? n : 1) * sizeof *e);
    if (!e) return false;
    for (size_t i = 0; i < n; i++) e[i] = rows[idx[i]].err_pct;
    llmcap_error err = {0};
    bool ok = llmcap_err_stats_compute(e, n, st, &err) == LLMCAP_OK;
    free(e);
    return ok;
}

static int fmt_index(const char *name)
{
    for (int k = 0; k < LLMCAP_RUNS_FORMAT_COUNT; k++)
        if (!strcmp(name, llmcap_run_format_name((llmcap_run_format)k))) return k;
    return LLMCAP_RUNS_FORMAT_COUNT;
}

/* reason class: the text before the first ':' */
static void reason_class(const char *reason, char *out, size_t n)
{
    size_t k = strcspn(reason, ":");
    if (k >= n) k = n - 1;
    memcpy(out, reason, k);
    out[k] = 0;
}

typedef struct rcount { char cls[96]; size_t n; } rcount;

static const char *row_file(const row *r) { return r->run ? r->run->file : r->issue->file; }
static int row_line(const row *r) { return r->run ? r->run->line : r->issue->line; }

static int file_rank(char **paths, int n, const char *file)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(paths[i], file) || (!strcmp(paths[i], "-") && !strcmp(file, "(stdin)"))) return i;
    return n;
}

static int row_cmp(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    if (a->file_rank != b->file_rank) return a->file_rank < b->file_rank ? -1 : 1;
    if (row_line(a) != row_line(b)) return row_line(a) < row_line(b) ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void file_line(const row *r, char *buf, size_t n)
{
    const char *f = row_file(r);
    const char *b = strrchr(f, '/');
    snprintf(buf, n, "%.60s:%d", b ? b + 1 : f, row_line(r));
}

/* ---- output ---- */

static void print_stats_line(FILE *f, const char *label, const llmcap_err_stats *s)
{
    fprintf(f, "%-72s %5zu %7.1f%% %7.1f%% %+7.1f%% %7.1f%%\n", label, s->n, s->mape_pct, s->median_ape_pct, s->bias_pct,
            s->max_ape_pct);
}

static void print_run_line(FILE *f, const row *r)
{
    char fl[80], tn[48];
    file_line(r, fl, sizeof fl);
    const llmcap_run_match *m = &r->match;
    char q[24];
    if (m->tensor_type >= 0) snprintf(q, sizeof q, "pure:%s", gguf_type_name(m->tensor_type));
    else snprintf(q, sizeof q, "%s", gguf_ftype_name(m->ftype) ? gguf_ftype_name(m->ftype) : "?");
    char hw[80];
    if (m->n_gpu > 1) snprintf(hw, sizeof hw, "%s x%u", m->params.gpu.id, m->n_gpu);
    else snprintf(hw, sizeof hw, "%s", m->params.gpu.id);
    fprintf(f, "%-28.28s %-24.24s %-16.16s %-10.10s %-22.22s %11.2f %11.2f %+8.1f%%\n", fl, hw, m->model->id, q,
            llmcap_run_test_name(r->run, tn, sizeof tn), r->run->tok_s, r->pred_tok_s, r->err_pct);
}

static void write_table(FILE *f, const opts *o, const row *rows, size_t nrows, const size_t *gidx, const group *gs, size_t ng,
                        const llmcap_err_stats *overall, llmcap_err_stats (*by_class)[C_COUNT], const size_t *worst, size_t nworst, const rcount *rc, size_t nrc,
                        size_t n_files, const char *files_desc, const char *profile_name, size_t n_used)
{
    fprintf(f, "%zu rows from %zu file%s (%s); %zu predicted, %zu not used; profile %s\n", nrows, n_files,
            n_files == 1 ? "" : "s", files_desc, n_used, nrows - n_used, profile_name);
    if (!o->summary && n_used) {
        fprintf(f, "\nper run: tokens/s measured and predicted; error = (predicted - measured) / measured\n");
        fprintf(f, "%-28s %-24s %-16s %-10s %-22s %11s %11s %9s\n", "file:line", "hardware", "model", "quant", "test",
                "measured", "predicted", "error");
        for (size_t i = 0; i < nrows; i++)
            if (rows[i].used) print_run_line(f, &rows[i]);
    }
    if (n_used) {
        fprintf(f, "\nper source, backend and hardware (MAPE = mean |error|, median |error|, bias = mean error)\n");
        fprintf(f, "%-34s %-12s %-20s %-3s %5s %8s %8s %8s %8s\n", "source", "backend", "hardware", "", "n", "MAPE",
                "median", "bias", "worst");
        for (size_t g = 0; g < ng; g++)
            for (int k = 0; k < K_COUNT; k++) {
                if (!gs[g].n[k]) continue;
                llmcap_err_stats st;
                if (!group_stats(rows, gidx, &gs[g], k, &st)) continue;
                char label[160];
                snprintf(label, sizeof label, "%-34.34s %-12.12s %-20.20s %-3s", gs[g].source, gs[g].backend, gs[g].hw,
                         KIND_KEY[k]);
                print_stats_line(f, label, &st);
            }
        fprintf(f, "\n%-72s %5s %8s %8s %8s %8s\n", "overall", "n", "MAPE", "median", "bias", "worst");
        for (int k = 0; k < K_COUNT; k++) {
            if (!overall[k].n) continue;
            print_stats_line(f, KIND_NAME[k], &overall[k]);
            for (int cl = 0; cl < C_COUNT; cl++)
                if (by_class[k][cl].n && by_class[k][cl].n < overall[k].n) print_stats_line(f, CLASS_NAME[cl], &by_class[k][cl]);
        }
        if (nworst) {
            fprintf(f, "\nworst %zu rows\n", nworst);
            for (size_t i = 0; i < nworst; i++) {
                print_run_line(f, &rows[worst[i]]);
                if (rows[worst[i]].match.note[0]) fprintf(f, "    (%s)\n", rows[worst[i]].match.note);
            }
        }
    }
    if (nrows > n_used) {
        fprintf(f, "\nnot used: %zu rows%s\n", nrows - n_used, o->verbose ? "" : " (-v lists each with file:line)");
        for (size_t i = 0; i < nrc; i++) fprintf(f, "%8zu  %s\n", rc[i].n, rc[i].cls);
        if (o->verbose)
            for (size_t i = 0; i < nrows; i++)
                if (!rows[i].used) {
                    char fl[300];
                    snprintf(fl, sizeof fl, "%s:%d", row_file(&rows[i]), row_line(&rows[i]));
                    fprintf(f, "  %s: %s\n", fl, rows[i].reason);
                }
    }
}

static cJSON *stats_json(const llmcap_err_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "n", (double)s->n);
    if (s->n) {
        cJSON_AddNumberToObject(o, "mape_pct", round(s->mape_pct * 1000) / 1000);
        cJSON_AddNumberToObject(o, "median_ape_pct", round(s->median_ape_pct * 1000) / 1000);
        cJSON_AddNumberToObject(o, "bias_pct", round(s->bias_pct * 1000) / 1000);
        cJSON_AddNumberToObject(o, "max_ape_pct", round(s->max_ape_pct * 1000) / 1000);
    }
    return o;
}

static const char *row_quant(const row *r, char *buf, size_t n)
{
    const llmcap_run_match *m = &r->match;
    if (m->tensor_type >= 0) snprintf(buf, n, "pure:%s", gguf_type_name(m->tensor_type));
    else snprintf(buf, n, "%s", gguf_ftype_name(m->ftype) ? gguf_ftype_name(m->ftype) : "");
    return buf;
}

static cJSON *run_json(const row *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    const llmcap_run *run = r->run;
    char tn[48], q[24];
    cJSON_AddStringToObject(o, "file", run->file);
    cJSON_AddNumberToObject(o, "line", run->line);
    cJSON_AddStringToObject(o, "format", llmcap_run_format_name(run->format));
    cJSON_AddStringToObject(o, "source", run->source);
    cJSON_AddStringToObject(o, "engine", run->engine);
    cJSON_AddStringToObject(o, "backend", run->backend);
    cJSON_AddStringToObject(o, "hardware", run->hardware);
    cJSON_AddStringToObject(o, "model", run->model);
    cJSON_AddStringToObject(o, "quant", run->quant);
    cJSON_AddStringToObject(o, "test", llmcap_run_test_name(run, tn, sizeof tn));
    cJSON_AddNumberToObject(o, "n_prompt", run->n_prompt);
    cJSON_AddNumberToObject(o, "n_gen", run->n_gen);
    cJSON_AddNumberToObject(o, "n_depth", run->n_depth);
    cJSON_AddNumberToObject(o, "n_seq", run->n_seq);
    cJSON_AddNumberToObject(o, "measured_tok_s", run->tok_s);
    if (r->used) {
        cJSON_AddStringToObject(o, "hardware_id", r->match.params.gpu.id);
        cJSON_AddNumberToObject(o, "n_gpu", r->match.n_gpu);
        cJSON_AddStringToObject(o, "model_id", r->match.model->id);
        cJSON_AddStringToObject(o, "quant_used", row_quant(r, q, sizeof q));
        cJSON_AddNumberToObject(o, "predicted_tok_s", round(r->pred_tok_s * 1000) / 1000);
        cJSON_AddNumberToObject(o, "error_pct", round(r->err_pct * 1000) / 1000);
        cJSON_AddStringToObject(o, "match_note", r->match.note);
        cJSON_AddStringToObject(o, "estimate_args", r->args);
    } else {
        cJSON_AddStringToObject(o, "reason", r->reason);
    }
    return o;
}

static char *write_json(const opts *o, const row *rows, size_t nrows, const size_t *gidx, const group *gs, size_t ng,
                        const llmcap_err_stats *overall, llmcap_err_stats (*by_class)[C_COUNT], const size_t *worst, size_t nworst, const rcount *rc, size_t nrc,
                        cJSON *files, const char *profile_name, size_t n_used, bool failed)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) { cJSON_Delete(files); return NULL; }
    cJSON_AddItemToObject(root, "files", files);
    cJSON_AddStringToObject(root, "profile", profile_name);
    cJSON_AddNumberToObject(root, "n_rows", (double)nrows);
    cJSON_AddNumberToObject(root, "n_predicted", (double)n_used);
    cJSON_AddNumberToObject(root, "n_not_used", (double)(nrows - n_used));
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    for (size_t i = 0; runs && i < nrows; i++)
        if (rows[i].used) cJSON_AddItemToArray(runs, run_json(&rows[i]));
    cJSON *ga = cJSON_AddArrayToObject(root, "groups");
    for (size_t g = 0; ga && g < ng; g++)
        for (int k = 0; k < K_COUNT; k++) {
            if (!gs[g].n[k]) continue;
            llmcap_err_stats st;
            if (!group_stats(rows, gidx, &gs[g], k, &st)) continue;
            cJSON *go = stats_json(&st);
            if (!go) continue;
            cJSON_AddStringToObject(go, "source", gs[g].source);
            cJSON_AddStringToObject(go, "backend", gs[g].backend);
            cJSON_AddStringToObject(go, "hardware_id", gs[g].hw);
            cJSON_AddStringToObject(go, "test", KIND_KEY[k]);
            cJSON_AddItemToArray(ga, go);
        }
    cJSON *ov = cJSON_AddObjectToObject(root, "overall");
    for (int k = 0; ov && k < K_COUNT; k++) {
        cJSON *ko = stats_json(&overall[k]);
        for (int cl = 0; ko && cl < C_COUNT; cl++) cJSON_AddItemToObject(ko, CLASS_KEY[cl], stats_json(&by_class[k][cl]));
        cJSON_AddItemToObject(ov, KIND_KEY[k], ko);
    }
    cJSON *wa = cJSON_AddArrayToObject(root, "worst");
    for (size_t i = 0; wa && i < nworst; i++) cJSON_AddItemToArray(wa, run_json(&rows[worst[i]]));
    cJSON *nu = cJSON_AddArrayToObject(root, "not_used");
    for (size_t i = 0; nu && i < nrows; i++) {
        if (rows[i].used) continue;
        /* a run the matcher refused keeps its fields; a malformed row has only its place */
        cJSON *x = rows[i].run ? run_json(&rows[i]) : cJSON_CreateObject();
        if (!x) break;
        if (!rows[i].run) {
            cJSON_AddStringToObject(x, "file", row_file(&rows[i]));
            cJSON_AddNumberToObject(x, "line", row_line(&rows[i]));
            cJSON_AddStringToObject(x, "reason", rows[i].reason);
        }
        cJSON_AddBoolToObject(x, "bad_row", rows[i].issue != NULL);
        cJSON_AddItemToArray(nu, x);
    }
    cJSON *nc = cJSON_AddArrayToObject(root, "not_used_counts");
    for (size_t i = 0; nc && i < nrc; i++) {
        cJSON *x = cJSON_CreateObject();
        if (!x) break;
        cJSON_AddStringToObject(x, "reason", rc[i].cls);
        cJSON_AddNumberToObject(x, "n", (double)rc[i].n);
        cJSON_AddItemToArray(nc, x);
    }
    if (o->has_fail) {
        cJSON *fa = cJSON_AddObjectToObject(root, "fail_above_pct");
        for (int k = 0; fa && k < K_COUNT; k++)
            if (!isnan(o->fail[k])) cJSON_AddNumberToObject(fa, KIND_KEY[k], o->fail[k]);
    } else {
        cJSON_AddNullToObject(root, "fail_above_pct");
    }
    cJSON_AddBoolToObject(root, "failed", failed);
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    return s;
}

static void write_csv(FILE *f, const row *rows, size_t nrows)
{
    fprintf(f, "file,line,source,engine,backend,hardware,model,quant,test,n_prompt,n_gen,n_depth,n_seq,measured_tok_s,"
               "hardware_id,n_gpu,model_id,quant_used,predicted_tok_s,error_pct,status,reason,match_note\n");
    for (size_t i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        char buf[4096];
        size_t pos = 0;
        char num[32], tn[48], q[24];
#define STR(s) do { fmt_str_csv(buf, &pos, s); buf[pos++] = ','; } while (0)
#define U(v) do { snprintf(num, sizeof num, "%u", (unsigned)(v)); STR(num); } while (0)
        STR(row_file(r));
        snprintf(num, sizeof num, "%d", row_line(r));
        STR(num);
        if (r->run) {
            const llmcap_run *run = r->run;
            STR(run->source); STR(run->engine); STR(run->backend); STR(run->hardware); STR(run->model); STR(run->quant);
            STR(llmcap_run_test_name(run, tn, sizeof tn));
            U(run->n_prompt); U(run->n_gen); U(run->n_depth); U(run->n_seq);
            fmt_fixed(buf, &pos, run->tok_s, 3);
            buf[pos++] = ',';
        } else {
            for (int k = 0; k < 12; k++) buf[pos++] = ',';
        }
        if (r->used) {
            STR(r->match.params.gpu.id);
            U(r->match.n_gpu);
            STR(r->match.model->id);
            STR(row_quant(r, q, sizeof q));
            fmt_fixed(buf, &pos, r->pred_tok_s, 3);
            buf[pos++] = ',';
            snprintf(num, sizeof num, "%.3f", r->err_pct);
            STR(num);
            STR("ok");
            buf[pos++] = ',';
            fmt_str_csv(buf, &pos, r->match.note);
        } else {
            for (int k = 0; k < 6; k++) buf[pos++] = ',';
            STR(r->issue ? "bad row" : "not used");
            fmt_str_csv(buf, &pos, r->reason);
            buf[pos++] = ',';
        }
#undef STR
#undef U
        buf[pos++] = '\n';
        fwrite(buf, 1, pos, f);
    }
}

int cmd_compare(int argc, char **argv)
{
    opts o = {.format = LLMCAP_RUNS_AUTO, .worst = 10};
    for (int k = 0; k < K_COUNT; k++) o.fail[k] = NAN;
    int rc = take_opts(&argc, argv, &o);
    if (rc) return rc;
    cli_ctx c = {0};
    cli_args a;
    if ((rc = cli_parse(argc, argv, &c, &a, 0, "compare"))) return rc;
    if (a.help) { compare_help(stdout); return 0; }
    if (a.positional >= argc) {
        cli_error("compare: no file given (llmcap compare FILE... ; --help)");
        return EXIT_BAD_INPUT;
    }
    if (c.format == OUT_JSONL) { cli_error("compare: --jsonl is not an output of compare (--json, --csv)"); return EXIT_BAD_INPUT; }
    {
        /* the estimate options that each run sets itself are refused, not ignored */
        const llmcap_params d = llmcap_params_default(), *p = &a.rq.params;
        const char *which = p->n_ctx != d.n_ctx ? "--ctx" : p->n_batch != d.n_batch ? "-b" : p->n_ubatch != d.n_ubatch ? "-ub"
                          : p->n_seq != d.n_seq ? "-np" : p->type_k != d.type_k ? "-ctk" : p->type_v != d.type_v ? "-ctv"
                          : p->flash_attn != d.flash_attn ? "-fa" : p->n_gpu_layers != d.n_gpu_layers ? "-ngl"
                          : p->n_prompt != d.n_prompt ? "-p" : p->n_gen != d.n_gen ? "-n" : p->depth != d.depth ? "-d"
                          : p->n_threads != d.n_threads ? "-t" : p->n_gpu != d.n_gpu ? "--gpus"
                          : a.rq.gguf[0] ? "--gguf" : a.rq.hf_config[0] ? "--hf-config" : a.rq.host[0] ? "--host"
                          : a.rq.host_ram_gib > 0 ? "--host-ram-gib" : a.rq.gpu_mem_gib > 0 ? "--gpu-mem-gib"
                          : a.rq.gpu_bw_gbps > 0 ? "--gpu-bw-gbps" : a.rq.gpu_tflops > 0 ? "--gpu-tflops" : NULL;
        if (which) {
            cli_error("compare: %s does not apply: each run gives its own test and options (compare takes --hardware, "
                      "--model, --quant, --backend, --profile, --engine)", which);
            return EXIT_BAD_INPUT;
        }
    }
    if ((rc = cli_load_db(&c))) return rc;

    llmcap_error err = {0};
    /* hints: checked once, up front */
    llmcap_run_hints hints = {0};
    if (a.rq.hardware[0]) {
        if (!llmcap_db_lookup_hardware(c.db, a.rq.hardware, &err)) { cli_error("%s", err.msg); llmcap_db_free(c.db); return EXIT_BAD_INPUT; }
        hints.hardware = a.rq.hardware;
    }
    if (a.rq.model[0]) {
        if (!llmcap_db_lookup_model(c.db, a.rq.model, &err)) { cli_error("%s", err.msg); llmcap_db_free(c.db); return EXIT_BAD_INPUT; }
        hints.model = a.rq.model;
    }
    if (a.rq.quant[0]) {
        int ft, tt;
        if (llmcap_parse_quant(a.rq.quant, &ft, &tt, &err)) { cli_error("%s", err.msg); llmcap_db_free(c.db); return EXIT_BAD_INPUT; }
        hints.quant = a.rq.quant;
    }
    hints.backend = o.backend;
    const llmcap_profile *profile = NULL;
    const char *profile_path = a.rq.profile[0] ? a.rq.profile : NULL;
    if (profile_path && llmcap_profile_load_cached(profile_path, &profile, &err)) {
        cli_error("%s", err.msg);
        llmcap_db_free(c.db);
        return err.status == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
    }
    const char *profile_name = (profile ? profile : llmcap_profile_default())->name;

    /* read */
    llmcap_runs runs = {0};
    const int n_files = argc - a.positional;
    cJSON *files = cJSON_CreateArray();
    char files_desc[256] = "";
    size_t fmt_rows[LLMCAP_RUNS_FORMAT_COUNT + 1] = {0}; /* rows per format ([COUNT]: files with none) */
    for (int i = a.positional; i < argc; i++) {
        const size_t before = runs.n, ib = runs.n_issues;
        llmcap_status st = llmcap_runs_read_file(argv[i], o.format, o.strict, &runs, &err);
        if (st) {
            cli_error("%s", err.msg);
            llmcap_runs_free(&runs);
            cJSON_Delete(files);
            llmcap_db_free(c.db);
            return st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
        }
        const char *fmt = runs.n > before ? llmcap_run_format_name(runs.runs[before].format) : "no good rows";
        cJSON *fo = cJSON_CreateObject();
        if (fo) {
            cJSON_AddStringToObject(fo, "path", argv[i]);
            cJSON_AddStringToObject(fo, "format", fmt);
            cJSON_AddNumberToObject(fo, "runs", (double)(runs.n - before));
            cJSON_AddNumberToObject(fo, "bad_rows", (double)(runs.n_issues - ib));
            cJSON_AddItemToArray(files, fo);
        }
        fmt_rows[fmt_index(fmt)] += runs.n - before + runs.n_issues - ib;
    }
    for (int k = 0; k <= LLMCAP_RUNS_FORMAT_COUNT; k++) {
        if (!fmt_rows[k]) continue;
        size_t L = strlen(files_desc);
        snprintf(files_desc + L, sizeof files_desc - L, "%s%s %zu", L ? ", " : "",
                 k < LLMCAP_RUNS_FORMAT_COUNT ? llmcap_run_format_name((llmcap_run_format)k) : "no good rows", fmt_rows[k]);
    }

    /* match and predict */
    const size_t nrows = runs.n + runs.n_issues;
    row *rows = calloc(nrows ? nrows : 1, sizeof *rows);
    if (!rows) { cli_error("out of memory"); rc = 1; goto done_early; }
    /* rows in reading order: by file (as given), then line; runs and malformed rows together */
    for (size_t i = 0; i < runs.n; i++) rows[i].run = &runs.runs[i];
    for (size_t i = 0; i < runs.n_issues; i++) {
        row *r = &rows[runs.n + i];
        r->issue = &runs.issues[i];
        snprintf(r->reason, sizeof r->reason, "bad row: %.240s", r->issue->reason);
    }
    for (size_t i = 0; i < nrows; i++) {
        rows[i].file_rank = file_rank(argv + a.positional, n_files, row_file(&rows[i]));
        rows[i].order = i;
    }
    qsort(rows, nrows, sizeof *rows, row_cmp);
    size_t n_used = 0;
    llmcap_model *cache_m = NULL;
    const llmcap_model_spec *cache_spec = NULL;
    for (size_t i = 0; i < nrows; i++) {
        row *r = &rows[i];
        if (!r->run) continue;
        err.msg[0] = 0;
        if (llmcap_run_match_db(c.db, r->run, &hints, &r->match, &err)) {
            snprintf(r->reason, sizeof r->reason, "%.250s", err.msg);
            continue;
        }
        if (a.rq.params.engine[0]) snprintf(r->match.params.engine, sizeof r->match.params.engine, "%s", a.rq.params.engine);
        if (r->match.model != cache_spec) {
            llmcap_model_free(cache_m);
            cache_m = NULL;
            cache_spec = NULL;
            if (llmcap_model_from_spec(r->match.model, &cache_m, &err)) {
                snprintf(r->reason, sizeof r->reason, "estimate failed: %.230s", err.msg);
                continue;
            }
            cache_spec = r->match.model;
        }
        if (llmcap_run_predict_model(cache_m, &r->match, r->run, profile, &r->pred_tok_s, &err)) {
            snprintf(r->reason, sizeof r->reason, "estimate failed: %.230s", err.msg);
            continue;
        }
        r->used = true;
        r->err_pct = (r->pred_tok_s - r->run->tok_s) / r->run->tok_s * 100.0;
        char eng[48];
        if (r->match.params.engine[0]) snprintf(eng, sizeof eng, "%s", r->match.params.engine);
        else llmcap_run_profile_engine(r->run, &r->match, profile, eng, sizeof eng);
        estimate_args(r, profile_path, eng, r->args, sizeof r->args);
        n_used++;
    }
    llmcap_model_free(cache_m);

    /* groups and overall */
    group *gs = NULL;
    size_t ng = 0;
    size_t *all_idx[K_COUNT] = {0};
    size_t all_n[K_COUNT] = {0};
    size_t *gidx = malloc((nrows ? nrows : 1) * sizeof *gidx), *worst = NULL;
    rcount *rcs = NULL;
    bool oom = gidx == NULL;
    for (int k = 0; k < K_COUNT; k++) {
        all_idx[k] = malloc((nrows ? nrows : 1) * sizeof(size_t));
        if (!all_idx[k]) oom = true;
    }
    size_t nu = 0;
    for (size_t i = 0; i < nrows && !oom; i++) {
        if (!rows[i].used) continue;
        const int k = kind_of(rows[i].run);
        all_idx[k][all_n[k]++] = i;
        gidx[nu++] = i;
    }
    /* the worst rows: the used rows by |error| */
    size_t nworst = 0;
    if (!oom && o.worst && nu) {
        worst = malloc(nu * sizeof *worst);
        if (!worst) oom = true;
        else {
            memcpy(worst, gidx, nu * sizeof *worst);
            sort_rows = rows;
            qsort(worst, nu, sizeof *worst, cmp_worst);
            nworst = nu < (size_t)o.worst ? nu : (size_t)o.worst;
        }
    }
    if (!oom && !make_groups(rows, gidx, nu, &gs, &ng)) oom = true;
    llmcap_err_stats overall[K_COUNT], by_class[K_COUNT][C_COUNT];
    for (int k = 0; k < K_COUNT && !oom; k++) {
        if (!stats_of(rows, all_idx[k], all_n[k], &overall[k])) oom = true;
        for (int cl = 0; cl < C_COUNT && !oom; cl++) {
            size_t *sub = malloc((all_n[k] ? all_n[k] : 1) * sizeof *sub), ns = 0;
            if (!sub) { oom = true; break; }
            for (size_t i = 0; i < all_n[k]; i++)
                if (class_of(rows[all_idx[k][i]].run) == cl) sub[ns++] = all_idx[k][i];
            if (!stats_of(rows, sub, ns, &by_class[k][cl])) oom = true;
            free(sub);
        }
    }
    size_t nrc = 0, rcap = 0;
    for (size_t i = 0; i < nrows && !oom; i++) {
        if (rows[i].used) continue;
        char cls[96];
        reason_class(rows[i].reason, cls, sizeof cls);
        size_t j = 0;
        while (j < nrc && strcmp(rcs[j].cls, cls)) j++;
        if (j == nrc) {
            if (nrc == rcap) {
                rcap = rcap ? 2 * rcap : 16;
                rcount *nr = realloc(rcs, rcap * sizeof *rcs);
                if (!nr) { oom = true; break; }
                rcs = nr;
            }
            snprintf(rcs[nrc].cls, sizeof rcs[nrc].cls, "%s", cls);
            rcs[nrc++].n = 0;
        }
        rcs[j].n++;
    }
    if (oom) { cli_error("out of memory"); rc = 1; goto done; }

    /* thresholds */
    bool failed = false;
    char fail_msg[256] = "";
    for (int k = 0; k < K_COUNT; k++)
        if (o.has_fail && !isnan(o.fail[k]) && overall[k].n && overall[k].mape_pct > o.fail[k]) {
            failed = true;
            size_t L = strlen(fail_msg);
            snprintf(fail_msg + L, sizeof fail_msg - L, "%s%s MAPE %.1f%% is above %g%%", L ? ", " : "", KIND_NAME[k],
                     overall[k].mape_pct, o.fail[k]);
        }

    /* write */
    sink s;
    if ((rc = sink_open(&s, c.out_path))) goto done;
    if (c.format == OUT_JSON) {
        char *txt = write_json(&o, rows, nrows, gidx, gs, ng, overall, by_class, worst, nworst, rcs, nrc, files, profile_name, n_used, failed);
        files = NULL; /* owned by the document now */
        if (!txt) { sink_abort(&s); cli_error("out of memory writing JSON"); rc = 1; goto done; }
        fprintf(s.f, "%s\n", txt);
        cJSON_free(txt);
    } else if (c.format == OUT_CSV) {
        write_csv(s.f, rows, nrows);
    } else {
        write_table(s.f, &o, rows, nrows, gidx, gs, ng, overall, by_class, worst, nworst, rcs, nrc, (size_t)n_files, files_desc,
                    profile_name, n_used);
    }
    if ((rc = sink_commit(&s))) goto done;

    /* status: bad rows, nothing predicted, thresholds */
    if (runs.n_issues) {
        size_t shown = 0;
        for (size_t i = 0; i < runs.n_issues && shown < 20; i++, shown++)
            cli_error("%s:%d: %s", runs.issues[i].file, runs.issues[i].line, runs.issues[i].reason);
        if (runs.n_issues > shown)
            cli_error("... and %zu more malformed rows (--json or -v lists them)", runs.n_issues - shown);
        cli_error("compare: %zu malformed row%s skipped (--strict stops at the first)", runs.n_issues,
                  runs.n_issues == 1 ? "" : "s");
        rc = EXIT_BAD_INPUT;
    } else if (!n_used) {
        cli_error("compare: no run could be predicted (%zu rows not used; -v gives the reasons)", nrows);
        rc = EXIT_BAD_INPUT;
    } else if (failed) {
        cli_error("compare: %s (--fail-above): exit 3", fail_msg);
        rc = EXIT_FAIL_ABOVE;
    }
done:
    free(worst);
    free(rcs);
    free(gidx);
    free(gs);
    for (int k = 0; k < K_COUNT; k++) free(all_idx[k]);
done_early:
    free(rows);
    cJSON_Delete(files);
    llmcap_runs_free(&runs);
    llmcap_db_free(c.db);
    return rc;
}
