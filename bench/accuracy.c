/* accuracy.c - how far are the estimator's default predictions from published
 * llama.cpp measurements?
 *
 * Reads ../shared/reference/measured_runs.csv (columns: source, source_kind,
 * hardware, backend, mem_bw_gbps, model, model_size, model_size_unit, params_b,
 * quant, test, tokens_per_s, stddev, engine, build, notes), keeps the
 * llama-bench rows at depth 0 and batch 1 (tests "ppN" and "tgN") whose
 * hardware and model match data/ by id or alias ("4090 24GB * 4" = 4 GPUs),
 * predicts each with llmcap_estimate (pp N: prefill of N tokens; tg N: N
 * generated tokens from an empty context, as llama-bench runs them) and prints
 * the mean absolute percentage error per source and overall, for decode (tg)
 * and prefill (pp). Rows that cannot be matched are counted with the reason.
 *
 * usage: accuracy [-v] [--data DIR] measured_runs.csv
 * Targets (issue: default parameters): decode MAPE <= 15%, prefill <= 30%.
 */
#include "llmcap.h"
#include "types.h"

#include <ctype.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 24
#define MAX_ROWS 10000

/* Split one CSV record (RFC 4180 quoting; a quoted field may hold newlines,
 * which this data does not use) into fields, in place. Returns the count. */
static int csv_split(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            char *w = ++p;
            f[n++] = w;
            for (;;) {
                if (*p == '"' && p[1] == '"') { *w++ = '"'; p += 2; }
                else if (*p == '"') { p++; break; }
                else if (!*p) break;
                else *w++ = *p++;
            }
            *w = 0;
            while (*p && *p != ',') p++;
        } else {
            f[n++] = p;
            while (*p && *p != ',' && *p != '\n' && *p != '\r') p++;
        }
        if (*p == ',') { *p++ = 0; continue; }
        *p = 0;
        break;
    }
    return n;
}

typedef struct group {
    char name[96];
    double *err_tg, *err_pp;  /* signed relative errors */
    size_t n_tg, n_pp;
} group;

static group groups[64];
static size_t n_groups;

static group *group_get(const char *name)
{
    for (size_t i = 0; i < n_groups; i++)
        if (!strcmp(groups[i].name, name)) return &groups[i];
    if (n_groups == 64) return &groups[63];
    group *g = &groups[n_groups++];
    snprintf(g->name, sizeof g->name, "%s", name);
    g->err_tg = calloc(MAX_ROWS, sizeof(double));
    g->err_pp = calloc(MAX_ROWS, sizeof(double));
    return g;
}

static void add(group *g, bool tg, double e)
{
    if (!g->err_tg || !g->err_pp) return;
    if (tg && g->n_tg < MAX_ROWS) g->err_tg[g->n_tg++] = e;
    if (!tg && g->n_pp < MAX_ROWS) g->err_pp[g->n_pp++] = e;
}

static double mape(const double *e, size_t n)
{
    if (!n) return NAN;
    double s = 0;
    for (size_t i = 0; i < n; i++) s += fabs(e[i]);
    return 100.0 * s / (double)n;
}

/* Model name as written in the CSV -> data id, trying the whole text, the
 * text before " (", without an "org/" prefix, and without "-GGUF", "-qat",
 * quant and "-it"/"-Instruct" suffixes. */
static const llmcap_model_spec *match_model(const llmcap_db *db, const char *raw)
{
    char s[256];
    snprintf(s, sizeof s, "%s", raw);
    const llmcap_model_spec *m = llmcap_db_find_model(db, s);
    if (m) return m;
    char *paren = strstr(s, " (");
    if (paren) *paren = 0;
    if ((m = llmcap_db_find_model(db, s))) return m;
    char *slash = strchr(s, '/');
    char *t = slash ? slash + 1 : s;
    if ((m = llmcap_db_find_model(db, t))) return m;
    static const char *const suffixes[] = {"-GGUF", "-Q8_0", "-Q4_0", "-qat", "-it", "-Instruct"};
    for (int round = 0; round < 4; round++) {
        for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
            size_t lt = strlen(t), ls = strlen(suffixes[k]);
            if (lt > ls && !strcasecmp(t + lt - ls, suffixes[k])) {
                t[lt - ls] = 0;
                if ((m = llmcap_db_find_model(db, t))) return m;
            }
        }
    }
    return NULL;
}

/* Quant as written -> file type; "MXFP4 (MoE)" -> MXFP4_MOE */
static int match_quant(const char *q, const char *model)
{
    if (!strncmp(q, "MXFP4", 5)) return GGUF_FTYPE_MXFP4_MOE;
    int f = gguf_ftype_from_name(q);
    if (f >= 0) return f;
    /* llama-bench model_type strings carry the quant: "(qwen2 7B Q8_0)" */
    const char *p = strrchr(model, ' ');
    if (p) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s", p + 1);
        char *e = strchr(buf, ')');
        if (e) *e = 0;
        f = gguf_ftype_from_name(buf);
    }
    return f;
}

typedef struct reason { char text[96]; int n; } reason;
static reason reasons[64];
static int n_reasons;

static void skip(const char *why)
{
    for (int i = 0; i < n_reasons; i++)
        if (!strcmp(reasons[i].text, why)) { reasons[i].n++; return; }
    if (n_reasons < 64) {
        snprintf(reasons[n_reasons].text, sizeof reasons[0].text, "%s", why);
        reasons[n_reasons++].n = 1;
    }
}

int main(int argc, char **argv)
{
    const char *path = NULL, *data = "data";
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) verbose = 1;
        else if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
        else path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: accuracy [-v] [--data DIR] measured_runs.csv\n");
        return 2;
    }
    llmcap_db *db;
    llmcap_error err = {0};
    if (llmcap_db_load_dir(data, &db, &err)) {
        fprintf(stderr, "accuracy: %s\n", err.msg);
        return 2;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "accuracy: cannot open %s\n", path);
        llmcap_db_free(db);
        return 2;
    }
    char line[8192];
    int lineno = 0, used = 0;
    group *all = group_get("all sources");
    if (verbose) printf("%-44s %-26s %-9s %-8s %10s %10s %8s\n", "hardware", "model", "quant", "test", "measured", "predicted", "error");
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1) continue;
        char *fl[MAX_FIELDS];
        int nf = csv_split(line, fl, MAX_FIELDS);
        if (nf < 16) { skip("malformed row"); continue; }
        const char *source = fl[0], *hw = fl[2], *model = fl[5], *quant = fl[9], *test = fl[10], *engine = fl[13];
        if (!strstr(engine, "llama-bench")) { skip("not llama-bench (batched-bench / WASM runs)"); continue; }
        int is_tg = !strncmp(test, "tg", 2), is_pp = !strncmp(test, "pp", 2);
        char *end;
        long n_tok = (is_tg || is_pp) ? strtol(test + 2, &end, 10) : 0;
        if ((!is_tg && !is_pp) || n_tok <= 0 || *end) { skip("test is not ppN/tgN at depth 0"); continue; }
        double measured = strtod(fl[11], &end);
        if (end == fl[11] || !(measured > 0)) { skip("no tokens/s"); continue; }
        /* hardware: "NAME * N" = N GPUs */
        char hwname[256];
        snprintf(hwname, sizeof hwname, "%s", hw);
        unsigned n_gpu = 1;
        char *star = strstr(hwname, " * ");
        if (star) { n_gpu = (unsigned)atoi(star + 3); *star = 0; }
        const llmcap_hardware *h = llmcap_db_find_hardware(db, hwname);
        if (!h) { skip("hardware not in data/"); continue; }
        const llmcap_model_spec *spec = match_model(db, model);
        if (!spec) { skip("model not in data/"); continue; }
        int ft = match_quant(quant, model);
        if (ft < 0) { skip("quant not stated"); continue; }
        llmcap_model *m;
        if (llmcap_model_from_spec(spec, &m, &err)) { skip("model spec rejected"); continue; }
        llmcap_params p = llmcap_params_default();
        p.gpu = *h;
        p.n_gpu = n_gpu;
        p.ftype = ft;
        p.override_types = true;
        p.n_prompt = is_pp ? (uint32_t)n_tok : 0;
        p.n_gen = is_tg ? (uint32_t)n_tok : 1;
        p.n_ctx = (uint32_t)n_tok + 256;
        if (strstr(fl[15], "flash_attn=1")) p.flash_attn = true;
        llmcap_result r;
        if (llmcap_estimate(m, &p, &r, &err)) {
            skip("estimate rejected the row");
            llmcap_model_free(m);
            continue;
        }
        llmcap_model_free(m);
        double pred = is_tg ? r.speed.decode_tok_s : r.speed.prefill_tok_s;
        double e = (pred - measured) / measured;
        char src[96];
        snprintf(src, sizeof src, "%.40s", source);
        char *sp = strchr(src, ' ');
        if (sp && strncmp(src, "ggml-org/llama.cpp", 18)) *sp = 0; /* "XiongjieDai/GPU-Benchmarks..." */
        add(group_get(src), is_tg, e);
        add(all, is_tg, e);
        char kind[40];
        snprintf(kind, sizeof kind, "%s", llmcap_hw_kind_name(h->kind));
        add(group_get(kind), is_tg, e);
        used++;
        if (verbose)
            printf("%-44.44s %-26.26s %-9s %-8s %10.2f %10.2f %+7.1f%%\n", hw, spec->id, gguf_ftype_name(ft), test, measured,
                   pred, 100 * e);
    }
    fclose(f);
    printf("\naccuracy of default predictions against %s (%d rows used)\n", path, used);
    printf("%-44s %6s %10s %10s %6s %10s %10s\n", "group", "n tg", "tg MAPE", "tg bias", "n pp", "pp MAPE", "pp bias");
    for (size_t i = 0; i < n_groups; i++) {
        group *g = &groups[i];
        double btg = g->n_tg ? 100 * gsl_stats_mean(g->err_tg, 1, g->n_tg) : NAN;
        double bpp = g->n_pp ? 100 * gsl_stats_mean(g->err_pp, 1, g->n_pp) : NAN;
        printf("%-44.44s %6zu %9.1f%% %+9.1f%% %6zu %9.1f%% %+9.1f%%\n", g->name, g->n_tg, mape(g->err_tg, g->n_tg), btg,
               g->n_pp, mape(g->err_pp, g->n_pp), bpp);
    }
    printf("\nrows not used:\n");
    for (int i = 0; i < n_reasons; i++) printf("  %5d  %s\n", reasons[i].n, reasons[i].text);
    double tg = mape(all->err_tg, all->n_tg), pp = mape(all->err_pp, all->n_pp);
    printf("\noverall: decode (tg) MAPE %.1f%% (target <= 15%%), prefill (pp) MAPE %.1f%% (target <= 30%%): %s\n", tg, pp,
           tg <= 15 && pp <= 30 ? "targets met" : "TARGETS MISSED");
    for (size_t i = 0; i < n_groups; i++) { free(groups[i].err_tg); free(groups[i].err_pp); }
    llmcap_db_free(db);
    return tg <= 15 && pp <= 30 ? 0 : 1;
}
