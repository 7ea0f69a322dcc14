/* cmd_curves.c - `llmcap curves KIND`: the estimator (and measured runs) as
 * gnuplot plots. Each point is one llmcap_estimate call made exactly as
 * `llmcap estimate` makes it (the request with the swept option set, resolved,
 * estimated), so a data column equals the field of `llmcap estimate --json`
 * for the same options (speeds rounded to 1/1000 and bits per weight to 1e-4
 * as the JSON rounds them; memory in GiB = 2^30 bytes). Rendering, staging and
 * the templates are in curves.c; the templates themselves in plots/. */
#include "curves.h"

#include "llmcap_runs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)
#define MAX_POINTS 1000
#define MAX_SERIES 32
#define MAX_RUNS_FILES 16

/* the quants of `curves bits` by default: llama-quantize's common K-quants, Q8_0 and F16 */
static const char *const DEFAULT_QUANTS[] = {"Q2_K",   "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M",
                                             "Q5_K_S", "Q5_K_M", "Q6_K",   "Q8_0",   "F16"};
/* `curves hardware` without --hardware: consumer, workstation, Apple and data-centre devices */
static const char *const DEFAULT_HARDWARE[] = {"rtx-3060-12gb", "rtx-4060-ti-16gb", "rtx-3090", "rtx-4090",
                                               "rtx-5090",      "rx-7900-xtx",      "apple-m4-max-40c",
                                               "apple-m2-ultra", "a100-80gb-sxm",   "h100-sxm", "h200-sxm"};

typedef enum ckind { K_BITS, K_CONTEXT, K_OFFLOAD, K_BATCH, K_HARDWARE, K_VALIDATION, K_COUNT } ckind;
static const char *const KIND_NAMES[K_COUNT] = {"bits", "context", "offload", "batch", "hardware", "validation"};

/* a plot computed and waiting to be rendered */
typedef struct pending {
    char name[64], tmpl[64];
    char *pre, *data;          /* the preamble and data texts (malloc'd) */
    size_t data_len;
} pending;
#define MAX_PENDING 4

typedef struct curves_cmd {
    cli_ctx c;
    cli_args a;
    ckind kind;
    const char *out_dir;
    int formats;
    const char *range;          /* --range LO:HI[:STEP|:xF] */
    long points;                /* --points N; 0 = from the range's step */
    const char *runs[MAX_RUNS_FILES];
    int n_runs;
    bool strict;
    char *hw[MAX_SERIES];       /* --hardware list */
    size_t n_hw;
    char *quants[64];           /* --quant list */
    size_t n_quants;
    llmcap_request rq;          /* the single-valued options, unresolved */
    llmcap_model *model;
    const llmcap_model_spec *spec;
    char model_label[160];      /* the id or the file's base name */
    char model_name[160];       /* the model's name for titles */
    char echo[2048];            /* the options as typed, for the data file's header */
    pending pend[MAX_PENDING];  /* plots rendered together once every point was computed */
    int n_pending;
} curves_cmd;

static void curves_help(FILE *f)
{
    fprintf(f,
            "usage: llmcap curves KIND [estimate options] --out DIR [--format png|svg|both]\n"
            "                          [--range LO:HI[:STEP|:xF]] [--points N]\n"
            "Plots with gnuplot (Debian package gnuplot-nox): for each plot DIR gets NAME.dat (the data),\n"
            "NAME.gp (the gnuplot script; `cd DIR && gnuplot NAME.gp` redraws it) and NAME.png / NAME.svg.\n"
            "The data columns equal `llmcap estimate --json` for the same options.\n\n"
            "kinds (-> the plots written):\n"
            "  bits        -> bits: decode tokens/s against bits per weight, one line per --hardware\n"
            "              (a list a,b,c); the quants: --quant Q2_K,Q4_K_M,... (default Q2_K..F16)\n"
            "  context     -> context-speed, context-memory: decode and prefill tokens/s against context\n"
            "              depth (-d), memory by part against n_ctx with the device capacity; default\n"
            "              512..n_ctx in powers of 2 (n_ctx: -c, or the model's training context)\n"
            "  offload     -> offload: decode tokens/s against n_gpu_layers (-ngl) 0..n_layer+1, the\n"
            "              VRAM limit marked\n"
            "  batch       -> batch: aggregate and per-sequence decode tokens/s against parallel\n"
            "              sequences (-np), default 1..64 in powers of 2\n"
            "  hardware    -> hardware: decode/prefill tokens/s and fits or not across --hardware a,b,c\n"
            "              (default: 11 common GPUs and Apple chips)\n"
            "  validation  -> validation, validation-error: predicted against measured tokens/s (log-log,\n"
            "              y = x, +-10%% and +-25%% bands, by backend) and the error histogram, from\n"
            "              --runs FILE (measured_runs.csv layout, llama-bench or llmcap-engine bench\n"
            "              output; repeatable). Bad rows are reported with their line and skipped;\n"
            "              --strict makes them an error. --hardware/--model/--quant name what a file\n"
            "              does not say; --profile FILE predicts with another calibration\n\n"
            "options of curves:\n"
            "  %-40s %s\n  %-40s %s\n  %-40s %s\n  %-40s %s\n  %-40s %s\n  %-40s %s\n\n"
            "estimate options:\n",
            "-o, --out DIR", "the folder for the files (created; required)",
            "--format png|svg|both", "image format(s) (png)",
            "--range LO:HI[:STEP|:xF]", "context/offload/batch: the swept values (ends included)",
            "--points N", "N values spread over the range (log-spaced for context and batch)",
            "--runs FILE", "validation: a measured-runs file (repeatable)",
            "--strict", "validation: a bad row in a runs file is an error");
    cli_print_option_help(f);
    fprintf(f, "\nexamples:\n"
               "  llmcap curves bits --model llama-3.1-8b -c 8192 --hardware rtx-4090,rtx-3090,apple-m2-ultra --out plots\n"
               "  llmcap curves offload --model llama-3.1-70b -c 8192 --hardware rtx-4090 --out plots --format both\n"
               "  llmcap curves validation --runs ../shared/reference/measured_runs.csv --out plots\n");
}

static double r3(double x) { return round(x * 1000) / 1000; } /* as llmcap_estimate_json rounds speeds */
static double r4(double x) { return round(x * 1e4) / 1e4; }   /* ... and bits per weight */

/* ---- argument handling ---- */

/* Take the options of `curves` itself out of argv (the rest goes to cli_parse).
 * Accepts --name VALUE, --name=VALUE and one dash. */
static int take_own_options(curves_cmd *C, int argc, char **argv, int *out_argc, char **out_argv)
{
    int n = 0;
    out_argv[n++] = argv[0];
    size_t epos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--")) { while (i < argc) out_argv[n++] = argv[i++]; break; }
        if (s[0] != '-' || !s[1]) { out_argv[n++] = argv[i]; continue; }
        const char *name = s + (s[1] == '-' ? 2 : 1);
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        static const char *const own[] = {"format", "range", "points", "runs", "strict", "out", "o"};
        int which = -1;
        for (int k = 0; k < 7; k++)
            if (strlen(own[k]) == len && !strncmp(name, own[k], len)) which = k;
        if (which < 0) {
            out_argv[n++] = argv[i];
            /* keep the estimate options for the data file's header */
            epos += (size_t)snprintf(C->echo + epos, epos < sizeof C->echo ? sizeof C->echo - epos : 0, " %s", s);
            if (epos >= sizeof C->echo) epos = sizeof C->echo - 1;
            if (!eq && i + 1 < argc && strcmp(name, "help") && strcmp(name, "h") && strcmp(name, "json") &&
                strcmp(name, "csv") && strcmp(name, "jsonl")) {
                out_argv[n++] = argv[++i];
                epos += (size_t)snprintf(C->echo + epos, epos < sizeof C->echo ? sizeof C->echo - epos : 0, " %s",
                                         argv[i]);
                if (epos >= sizeof C->echo) epos = sizeof C->echo - 1;
            }
            continue;
        }
        const char *val = NULL;
        if (which != 4) {
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else { cli_error("curves: option '%s' needs a value", s); return EXIT_BAD_INPUT; }
        } else if (eq) {
            cli_error("curves: --strict takes no value");
            return EXIT_BAD_INPUT;
        }
        switch (which) {
        case 0: { int rc = curves_parse_formats(val, &C->formats); if (rc) return rc; break; }
        case 1: C->range = val; break;
        case 2: {
            char *end;
            errno = 0;
            long v = strtol(val, &end, 10);
            if (errno || *end || end == val || v < 1 || v > MAX_POINTS) {
                cli_error("curves: --points '%s' must be an integer from 1 to %d", val, MAX_POINTS);
                return EXIT_BAD_INPUT;
            }
            C->points = v;
            break;
        }
        case 3:
            if (C->n_runs == MAX_RUNS_FILES) { cli_error("curves: more than %d --runs files", MAX_RUNS_FILES); return EXIT_BAD_INPUT; }
            C->runs[C->n_runs++] = val;
            break;
        case 4: C->strict = true; break;
        default: C->out_dir = val; break;
        }
    }
    out_argv[n] = NULL;
    *out_argc = n;
    return 0;
}

/* split a comma list into strdup'd items */
static int split_list(const char *key, const char *text, char **items, size_t max, size_t *n)
{
    *n = 0;
    const char *s = text;
    for (;;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 0) { cli_error("curves: %s: empty item in list '%s'", key, text); return EXIT_BAD_INPUT; }
        if (*n == max) { cli_error("curves: %s: more than %zu items", key, max); return EXIT_BAD_INPUT; }
        items[*n] = strndup(s, len);
        if (!items[*n]) { cli_error("out of memory"); return 1; }
        (*n)++;
        if (!e) break;
        s = e + 1;
    }
    return 0;
}

static const char *model_label_of(const llmcap_request *rq)
{
    if (rq->model[0]) return rq->model;
    const char *p = rq->gguf[0] ? rq->gguf : rq->hf_config;
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* One point: the request with up to two options set (k1 = v1, k2 = v2; NULL
 * keys for none), resolved and estimated as `llmcap estimate` does. A failing
 * point is named in the message ("curves context at depth 8192: ..."). */
static int estimate_at(curves_cmd *C, const char *k1, const char *v1, const char *k2, const char *v2, llmcap_params *p,
                       llmcap_result *r)
{
    llmcap_request rq = C->rq;
    llmcap_error err = {0};
    /* (an empty value leaves the option as given: "hardware" "" = custom figures or none) */
    if ((k1 && *v1 && llmcap_request_set(&rq, k1, v1, &err)) || (k2 && *v2 && llmcap_request_set(&rq, k2, v2, &err)) ||
        llmcap_request_resolve_params(C->c.db, &rq, &err) || llmcap_estimate(C->model, &rq.params, r, &err)) {
        char at[160] = "";
        if (k1) snprintf(at, sizeof at, " at %s %s%s%s%s%s", k1, v1, k2 ? ", " : "", k2 ? k2 : "", k2 ? " " : "", k2 ? v2 : "");
        cli_error("curves %s%s: %s", KIND_NAMES[C->kind], at, err.msg);
        return EXIT_BAD_INPUT;
    }
    if (p) *p = rq.params;
    return 0;
}

/* estimate_at with the one option K set to the number V */
static int estimate_at_u(curves_cmd *C, const char *k, uint32_t v, llmcap_params *p, llmcap_result *r)
{
    char s[24];
    snprintf(s, sizeof s, "%u", v);
    return estimate_at(C, k, s, NULL, NULL, p, r);
}

/* memory of the accelerator devices (the host's RAM when there is none) */
typedef struct devmem {
    double weights, kv, compute, other, total, capacity; /* bytes; other = output + overhead */
    bool fits;
} devmem;

static devmem device_memory(const llmcap_result *r)
{
    devmem d = {0};
    bool any = false;
    for (uint32_t i = 0; i < r->memory.n_devices; i++) any |= !r->memory.devices[i].is_host;
    d.fits = true;
    for (uint32_t i = 0; i < r->memory.n_devices; i++) {
        const llmcap_device_mem *m = &r->memory.devices[i];
        if (any && m->is_host) continue;
        d.weights += m->weights_bytes;
        d.kv += m->kv_bytes;
        d.compute += m->compute_bytes;
        d.other += m->output_bytes + m->overhead_bytes;
        d.total += m->total_bytes;
        d.capacity += m->capacity_bytes;
        d.fits &= m->fits;
    }
    return d;
}

static double host_total(const llmcap_result *r)
{
    double t = 0;
    for (uint32_t i = 0; i < r->memory.n_devices; i++)
        if (r->memory.devices[i].is_host) t += r->memory.devices[i].total_bytes;
    return t;
}

/* "GeForce RTX 4090", "2 x GeForce RTX 3090" */
static void hw_title(char *buf, size_t n, const llmcap_params *p)
{
    if (p->n_gpu > 1) snprintf(buf, n, "%u x %s", p->n_gpu, p->gpu.name);
    else snprintf(buf, n, "%s", p->gpu.name);
}

/* a plot's title: "MODEL QUANT on HARDWARE: WHAT" */
static void set_title(const curves_cmd *C, FILE *pre, const llmcap_params *p, const llmcap_result *r, const char *what)
{
    char t[512], hw[200], qn[32];
    hw_title(hw, sizeof hw, p);
    llmcap_result_quant_name(r, qn, sizeof qn);
    snprintf(t, sizeof t, "%s %s on %s: %s", C->model_name, qn, hw, what);
    curves_gp_set_str(pre, "plot_title", t);
}

/* ---- ranges ---- */

typedef struct range {
    double lo, hi, step;
    bool mult;
} range;

/* Values of the swept option: --range (or the default) and --points. log: the
 * axis is logarithmic (--points spreads geometrically; LO must be >= 1).
 * Both ends are always included. */
static int make_values(curves_cmd *C, const char *what, range def, bool log_axis, double max_hi, uint32_t *vals,
                       size_t *n_out)
{
    range rg = def;
    if (C->range) {
        const char *t = C->range;
        char *end;
        errno = 0;
        rg.lo = strtod(t, &end);
        bool ok = end != t && *end == ':';
        const char *h = end + 1;
        rg.hi = ok ? strtod(h, &end) : 0;
        ok = ok && end != h && (*end == 0 || *end == ':');
        if (ok && *end == ':') {
            const char *s = end + 1;
            rg.mult = *s == 'x' || *s == '*';
            if (rg.mult) s++;
            rg.step = strtod(s, &end);
            ok = end != s && *end == 0 && (rg.mult ? rg.step > 1 : rg.step > 0);
            if (ok && C->points) {
                cli_error("curves %s: give either a step in --range or --points, not both", KIND_NAMES[C->kind]);
                return EXIT_BAD_INPUT;
            }
        }
        ok = ok && !errno && isfinite(rg.lo) && isfinite(rg.hi) && rg.lo == floor(rg.lo) && rg.hi == floor(rg.hi) &&
             rg.lo >= 0;
        if (!ok) {
            cli_error("curves %s: bad --range '%s' (LO:HI, LO:HI:STEP or LO:HI:xF with whole numbers, step > 0, F > 1)",
                      KIND_NAMES[C->kind], t);
            return EXIT_BAD_INPUT;
        }
        if (rg.lo > rg.hi) {
            cli_error("curves %s: empty range '%s': LO is larger than HI", KIND_NAMES[C->kind], t);
            return EXIT_BAD_INPUT;
        }
    }
    if (rg.lo > rg.hi) {
        cli_error("curves %s: empty range %.0f:%.0f of %s", KIND_NAMES[C->kind], rg.lo, rg.hi, what);
        return EXIT_BAD_INPUT;
    }
    if (rg.hi > max_hi) {
        cli_error("curves %s: range end %.0f is past the largest %s, %.0f", KIND_NAMES[C->kind], rg.hi, what, max_hi);
        return EXIT_BAD_INPUT;
    }
    if (log_axis && rg.lo < 1) {
        cli_error("curves %s: the range of %s must start at 1 or more (the axis is logarithmic)", KIND_NAMES[C->kind], what);
        return EXIT_BAD_INPUT;
    }
    size_t n = 0;
    if (C->points) {
        for (long i = 0; i < C->points; i++) {
            double f = C->points == 1 ? 0 : (double)i / (double)(C->points - 1);
            double v = log_axis ? rg.lo * pow(rg.hi / rg.lo, f) : rg.lo + (rg.hi - rg.lo) * f;
            uint32_t u = (uint32_t)llround(v);
            if (n == 0 || u > vals[n - 1]) vals[n++] = u;
        }
    } else {
        for (double v = rg.lo; v <= rg.hi * (1 + 1e-12); v = rg.mult ? v * rg.step : v + rg.step) {
            if (n == MAX_POINTS) {
                cli_error("curves %s: the range gives more than %d points (use a larger step or --points)",
                          KIND_NAMES[C->kind], MAX_POINTS);
                return EXIT_BAD_INPUT;
            }
            uint32_t u = (uint32_t)llround(v);
            if (n == 0 || u > vals[n - 1]) vals[n++] = u;
            if (rg.mult && rg.lo == 0) break; /* 0 * F stays 0 */
        }
        if (n && vals[n - 1] < (uint32_t)rg.hi) {
            if (n == MAX_POINTS) { cli_error("curves %s: more than %d points", KIND_NAMES[C->kind], MAX_POINTS); return EXIT_BAD_INPUT; }
            vals[n++] = (uint32_t)rg.hi;
        }
    }
    if (n == 0) {
        cli_error("curves %s: empty range of %s", KIND_NAMES[C->kind], what);
        return EXIT_BAD_INPUT;
    }
    *n_out = n;
    return 0;
}

/* ---- text buffers ---- */

typedef struct membuf {
    FILE *f;
    char *text;
    size_t len;
} membuf;

static int mb_open(membuf *b)
{
    b->text = NULL;
    b->len = 0;
    b->f = open_memstream(&b->text, &b->len);
    if (!b->f) { cli_error("out of memory"); return 1; }
    return 0;
}

static int mb_close(membuf *b)
{
    if (b->f && fclose(b->f) != 0) { b->f = NULL; cli_error("out of memory"); return 1; }
    b->f = NULL;
    return 0;
}

static void mb_free(membuf *b)
{
    if (b->f) fclose(b->f);
    free(b->text);
    b->f = NULL;
    b->text = NULL;
}

/* the header every data file starts with */
static void data_header(curves_cmd *C, FILE *f, const char *what, const char *swept)
{
    fprintf(f, "# llmcap %s curves %s: %s\n", llmcap_version(), KIND_NAMES[C->kind], what);
    fprintf(f, "# model: %s (%s)\n", C->model_name, C->model_label);
    fprintf(f, "# each row is `llmcap estimate%s --json` with%s of the row (units: tokens/s; GiB = 2^30 bytes)\n",
            C->echo, swept);
}

/* gnuplot: array NAME[n] = ['a', 'b'] */
static void gp_array(FILE *f, const char *name, char *const *items, size_t n)
{
    fprintf(f, "array %s[%zu] = [", name, n);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        curves_gp_str(f, items[i]);
    }
    fputs("]\n", f);
}

/* ---- the kinds ---- */

typedef struct plot_out {
    membuf data, pre;
} plot_out;

static int plot_open(plot_out *po)
{
    memset(po, 0, sizeof *po);
    if (mb_open(&po->data) || mb_open(&po->pre)) return 1;
    return 0;
}

static void plot_free(plot_out *po)
{
    mb_free(&po->data);
    mb_free(&po->pre);
}

/* queue a finished plot; they are rendered together once every point was computed */
static int plot_add(curves_cmd *C, plot_out *po, const char *name, const char *tmpl)
{
    if (mb_close(&po->data) || mb_close(&po->pre)) return 1;
    if (C->n_pending == MAX_PENDING) { cli_error("curves: too many plots"); return 1; }
    pending *q = &C->pend[C->n_pending++];
    snprintf(q->name, sizeof q->name, "%s", name);
    snprintf(q->tmpl, sizeof q->tmpl, "%s", tmpl);
    q->pre = po->pre.text;
    q->data = po->data.text;
    q->data_len = po->data.len;
    po->pre.text = po->data.text = NULL;
    return 0;
}

static void pending_free(curves_cmd *C)
{
    for (int i = 0; i < C->n_pending; i++) { free(C->pend[i].pre); free(C->pend[i].data); }
    C->n_pending = 0;
}

/* bits: decode tokens/s against bits per weight, one line per hardware */
static int kind_bits(curves_cmd *C)
{
    size_t nq = C->n_quants ? C->n_quants : sizeof DEFAULT_QUANTS / sizeof DEFAULT_QUANTS[0];
    const char *const *q = C->n_quants ? (const char *const *)C->quants : DEFAULT_QUANTS;
    /* order the quants by bits per weight (the same on every device) */
    size_t order[64];
    double bpw[64];
    for (size_t j = 0; j < nq; j++) {
        llmcap_result r;
        int rc = estimate_at(C, "hardware", C->hw[0], "quant", q[j], NULL, &r);
        if (rc) return rc;
        order[j] = j;
        bpw[j] = r.bits_per_weight;
    }
    for (size_t i = 1; i < nq; i++)
        for (size_t j = i; j > 0 && bpw[order[j]] < bpw[order[j - 1]]; j--) {
            size_t t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
        }
    plot_out po;
    int rc = plot_open(&po);
    char *names[MAX_SERIES];
    char titles[MAX_SERIES][200];
    llmcap_params p0 = {0};
    llmcap_result r0 = {0};
    if (!rc) {
        data_header(C, po.data.f, "decode tokens/s against bits per weight", " --hardware and --quant");
        fprintf(po.data.f, "# one block per hardware (gnuplot: index 0, 1, ...), separated by two blank lines\n"
                           "# columns: quant  bits_per_weight (bits)  decode_tok_s (tokens/s)  prefill_tok_s (tokens/s)"
                           "  total_gib (GiB, all devices)  fits (1/0)  hardware\n");
    }
    for (size_t h = 0; h < C->n_hw && !rc; h++) {
        for (size_t jj = 0; jj < nq && !rc; jj++) {
            size_t j = order[jj];
            llmcap_params p;
            llmcap_result r;
            rc = estimate_at(C, "hardware", C->hw[h], "quant", q[j], &p, &r);
            if (rc) break;
            if (jj == 0) {
                hw_title(titles[h], sizeof titles[h], &p);
                names[h] = titles[h];
                fprintf(po.data.f, "%s# hardware %s: %s\n", h ? "\n\n" : "", p.gpu.id, titles[h]);
                if (h == 0) { p0 = p; r0 = r; }
            }
            char qn[32];
            fprintf(po.data.f, "%s %.4f %.15g %.15g %.9f %d %s\n", llmcap_result_quant_name(&r, qn, sizeof qn),
                    r4(r.bits_per_weight), r3(r.speed.decode_tok_s), r3(r.speed.prefill_tok_s),
                    r.memory.total_bytes / GIB, r.fits ? 1 : 0, p.gpu.id);
        }
    }
    if (!rc) {
        char t[512], on[256] = "";
        if (C->n_hw <= 3)
            for (size_t h = 0; h < C->n_hw; h++)
                snprintf(on + strlen(on), sizeof on - strlen(on), "%s%.80s", h ? (h + 1 == C->n_hw ? " and " : ", ") : "", titles[h]);
        else snprintf(on, sizeof on, "%zu devices", C->n_hw);
        snprintf(t, sizeof t, "%s: decode speed by quant on %s", C->model_name, on);
        curves_gp_set_str(po.pre.f, "plot_title", t);
        llmcap_llama_cpp_flags(t, sizeof t, &p0, &r0);
        char sub[600];
        snprintf(sub, sizeof sub, "tg%u at depth %u, n_ctx %u; hollow points do not fit (%s)", p0.n_gen, p0.depth,
                 r0.n_ctx, t);
        curves_gp_set_str(po.pre.f, "plot_subtitle", sub);
        curves_gp_set_num(po.pre.f, "n_series", (double)C->n_hw);
        gp_array(po.pre.f, "series", names, C->n_hw);
        rc = plot_add(C, &po, "bits", "bits");
    }
    plot_free(&po);
    return rc;
}

static int context_hi(curves_cmd *C, uint32_t *n_ctx)
{
    llmcap_result r;
    int rc = estimate_at(C, NULL, NULL, NULL, NULL, NULL, &r);
    if (rc) return rc;
    *n_ctx = r.n_ctx;
    return 0;
}

/* context: speed against depth, memory by part against n_ctx */
static int kind_context(curves_cmd *C)
{
    if (C->rq.params.depth != 0) {
        cli_error("curves context: the depth is what the plot sweeps; give --range LO:HI instead of -d");
        return EXIT_BAD_INPUT;
    }
    uint32_t n_ctx;
    int rc = context_hi(C, &n_ctx);
    if (rc) return rc;
    uint32_t vals[MAX_POINTS];
    size_t n;
    range def = {n_ctx < 512 ? n_ctx : 512, n_ctx, 2, true};
    if ((rc = make_values(C, "context (tokens)", def, true, LLMCAP_NCTX_MAX, vals, &n))) return rc;

    plot_out sp, mp;
    rc = plot_open(&sp);
    if (!rc) rc = plot_open(&mp);
    llmcap_params p0 = {0};
    llmcap_result r0 = {0};
    char t[512], flags[256];
    if (!rc) {
        data_header(C, sp.data.f, "decode and prefill tokens/s against context depth", " -d DEPTH");
        fprintf(sp.data.f, "# columns: depth (tokens)  n_ctx (tokens)  decode_tok_s (tokens/s)  prefill_tok_s (tokens/s)"
                           "  fits (1/0)\n");
        data_header(C, mp.data.f, "memory by part against n_ctx", " -c N_CTX");
        fprintf(mp.data.f, "# memory of the accelerator devices (all GPUs; the host's RAM for a CPU platform)\n"
                           "# columns: n_ctx (tokens)  weights_gib  kv_gib  compute_gib  other_gib (output + overhead)"
                           "  total_gib  capacity_gib (0 = not known)  fits (1/0)   (GiB)\n");
    }
    double cap = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        llmcap_params p;
        llmcap_result r;
        if ((rc = estimate_at_u(C, "depth", vals[i], &p, &r))) break;
        if (i == 0) { p0 = p; r0 = r; }
        fprintf(sp.data.f, "%u %u %.15g %.15g %d\n", vals[i], r.n_ctx, r3(r.speed.decode_tok_s),
                r3(r.speed.prefill_tok_s), r.fits ? 1 : 0);
        if ((rc = estimate_at_u(C, "n_ctx", vals[i], &p, &r))) break;
        devmem d = device_memory(&r);
        cap = d.capacity;
        fprintf(mp.data.f, "%u %.9f %.9f %.9f %.9f %.9f %.9f %d\n", vals[i], d.weights / GIB, d.kv / GIB,
                d.compute / GIB, d.other / GIB, d.total / GIB, d.capacity / GIB, d.fits ? 1 : 0);
    }
    if (!rc) {
        llmcap_llama_cpp_flags(flags, sizeof flags, &p0, &r0);
        set_title(C, sp.pre.f, &p0, &r0, "speed against context depth");
        snprintf(t, sizeof t, "pp%u and tg%u after DEPTH tokens in the KV cache (%s)", p0.n_prompt, p0.n_gen, flags);
        curves_gp_set_str(sp.pre.f, "plot_subtitle", t);
        /* the x range with a margin (a single point is not an empty range) */
        curves_gp_set_num(sp.pre.f, "x_lo", vals[0] / 1.3);
        curves_gp_set_num(sp.pre.f, "x_hi", vals[n - 1] * 1.3);
        set_title(C, mp.pre.f, &p0, &r0, "memory against n_ctx");
        /* the KV cache types by name, from the flags ("-ctk f16 -ctv q8_0") */
        const char *ctk = strstr(flags, "-ctk "), *ctv = strstr(flags, "-ctv ");
        snprintf(t, sizeof t, "KV cache %.*s/%.*s, flash attention %s, n_ubatch %u, n_seq %u",
                 ctk ? (int)strcspn(ctk + 5, " ") : 1, ctk ? ctk + 5 : "?", ctv ? (int)strcspn(ctv + 5, " ") : 1,
                 ctv ? ctv + 5 : "?", p0.flash_attn ? "on" : "off", p0.n_ubatch, p0.n_seq);
        curves_gp_set_str(mp.pre.f, "plot_subtitle", t);
        curves_gp_set_num(mp.pre.f, "capacity_gib", cap / GIB);
        rc = plot_add(C, &sp, "context-speed", "context-speed");
        if (!rc) rc = plot_add(C, &mp, "context-memory", "context-memory");
    }
    plot_free(&sp);
    plot_free(&mp);
    return rc;
}

/* offload: decode tokens/s against n_gpu_layers, with the VRAM limit */
static int kind_offload(curves_cmd *C)
{
    if (C->rq.params.n_gpu_layers != -1) {
        cli_error("curves offload: n_gpu_layers is what the plot sweeps; give --range LO:HI instead of -ngl");
        return EXIT_BAD_INPUT;
    }
    llmcap_params pb;
    llmcap_result rb;
    int rc = estimate_at(C, NULL, NULL, NULL, NULL, &pb, &rb);
    if (rc) return rc;
    if (pb.gpu.kind == LLMCAP_HW_CPU) {
        cli_error("curves offload: %s is a CPU platform; offloading layers needs a GPU (--hardware)", pb.gpu.id);
        return EXIT_BAD_INPUT;
    }
    const uint32_t n_max = rb.n_layer + 1;
    llmcap_fit_result fr;
    llmcap_error err = {0};
    if (llmcap_fit(C->model, &pb, &fr, &err)) { cli_error("curves offload: %s", err.msg); return EXIT_BAD_INPUT; }
    uint32_t vals[MAX_POINTS];
    size_t n;
    range def = {0, n_max, 1, false};
    if ((rc = make_values(C, "n_gpu_layers (n_layer + 1)", def, false, n_max, vals, &n))) return rc;
    plot_out po;
    rc = plot_open(&po);
    if (!rc) {
        data_header(C, po.data.f, "decode tokens/s against n_gpu_layers", " -ngl N");
        fprintf(po.data.f, "# VRAM limit: at most %d layers fit (llmcap fit: max_ngl %d of %u)\n", fr.max_ngl, fr.max_ngl,
                n_max);
        fprintf(po.data.f, "# columns: n_gpu_layers  decode_tok_s (tokens/s)  prefill_tok_s (tokens/s)  gpu_gib (GiB, all"
                           " GPUs)  capacity_gib (GiB)  host_gib (GiB)  fits (1/0)\n");
    }
    double cap = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        llmcap_result r;
        if ((rc = estimate_at_u(C, "n_gpu_layers", vals[i], NULL, &r))) break;
        devmem d = device_memory(&r);
        cap = d.capacity;
        fprintf(po.data.f, "%u %.15g %.15g %.9f %.9f %.9f %d\n", vals[i], r3(r.speed.decode_tok_s),
                r3(r.speed.prefill_tok_s), d.total / GIB, d.capacity / GIB, host_total(&r) / GIB, r.fits ? 1 : 0);
    }
    if (!rc) {
        char t[512];
        set_title(C, po.pre.f, &pb, &rb, "decode against offloaded layers");
        snprintf(t, sizeof t, "n_ctx %u, tg%u; layers not on the GPU run from host RAM (%s)", rb.n_ctx, pb.n_gen,
                 pb.host.name[0] ? pb.host.name : "default host");
        curves_gp_set_str(po.pre.f, "plot_subtitle", t);
        curves_gp_set_num(po.pre.f, "max_ngl", fr.max_ngl);
        curves_gp_set_num(po.pre.f, "ngl_all", n_max);
        curves_gp_set_num(po.pre.f, "capacity_gib", cap / GIB);
        rc = plot_add(C, &po, "offload", "offload");
    }
    plot_free(&po);
    return rc;
}

/* batch: aggregate and per-sequence decode against parallel sequences */
static int kind_batch(curves_cmd *C)
{
    if (C->rq.params.n_seq != 1) {
        cli_error("curves batch: the parallel sequences are what the plot sweeps; give --range LO:HI instead of -np");
        return EXIT_BAD_INPUT;
    }
    uint32_t vals[MAX_POINTS];
    size_t n;
    range def = {1, 64, 2, true};
    int rc = make_values(C, "parallel sequences", def, true, 65536, vals, &n);
    if (rc) return rc;
    plot_out po;
    rc = plot_open(&po);
    if (!rc) {
        data_header(C, po.data.f, "decode tokens/s against parallel sequences", " -np N");
        fprintf(po.data.f, "# columns: n_seq  decode_agg_tok_s (tokens/s, all sequences)  per_seq_tok_s (tokens/s,"
                           " = decode_agg_tok_s / n_seq)  decode_tok_s (tokens/s, one sequence alone)  total_gib (GiB,"
                           " accelerator devices)  capacity_gib (GiB)  fits (1/0)\n");
    }
    llmcap_params p0 = {0};
    llmcap_result r0 = {0};
    for (size_t i = 0; i < n && !rc; i++) {
        llmcap_params p;
        llmcap_result r;
        if ((rc = estimate_at_u(C, "n_seq", vals[i], &p, &r))) break;
        if (i == 0) { p0 = p; r0 = r; }
        devmem d = device_memory(&r);
        double agg = r3(r.speed.decode_agg_tok_s);
        fprintf(po.data.f, "%u %.15g %.15g %.15g %.9f %.9f %d\n", vals[i], agg, agg / vals[i], r3(r.speed.decode_tok_s),
                d.total / GIB, d.capacity / GIB, r.fits ? 1 : 0);
    }
    if (!rc) {
        char t[512];
        set_title(C, po.pre.f, &p0, &r0, "decode with parallel sequences");
        snprintf(t, sizeof t, "n_ctx %u shared by the sequences, tg%u at depth %u; hollow points do not fit", r0.n_ctx,
                 p0.n_gen, p0.depth);
        curves_gp_set_str(po.pre.f, "plot_subtitle", t);
        curves_gp_set_num(po.pre.f, "x_lo", vals[0] / 1.3);
        curves_gp_set_num(po.pre.f, "x_hi", vals[n - 1] * 1.3);
        rc = plot_add(C, &po, "batch", "batch");
    }
    plot_free(&po);
    return rc;
}

/* hardware: tokens/s and fits across devices */
static int kind_hardware(curves_cmd *C)
{
    plot_out po;
    int rc = plot_open(&po);
    if (!rc) {
        data_header(C, po.data.f, "decode and prefill tokens/s and fits across hardware", " --hardware");
        fprintf(po.data.f, "# columns: hardware  name  decode_tok_s (tokens/s)  prefill_tok_s (tokens/s)  memory_gib (GiB,"
                           " accelerator devices)  capacity_gib (GiB)  fits (1/0)  bandwidth_gbps (GB/s)  bound (decode)\n");
    }
    llmcap_params p0 = {0};
    llmcap_result r0 = {0};
    for (size_t h = 0; h < C->n_hw && !rc; h++) {
        llmcap_params p;
        llmcap_result r;
        if ((rc = estimate_at(C, "hardware", C->hw[h], NULL, NULL, &p, &r))) break;
        if (h == 0) { p0 = p; r0 = r; }
        char name[200];
        hw_title(name, sizeof name, &p);
        devmem d = device_memory(&r);
        fprintf(po.data.f, "%s ", p.gpu.id);
        fputc('"', po.data.f);
        for (const char *s = name; *s; s++) fputc(*s == '"' ? '\'' : *s, po.data.f);
        fputc('"', po.data.f);
        fprintf(po.data.f, " %.15g %.15g %.9f %.9f %d %.15g %s\n", r3(r.speed.decode_tok_s), r3(r.speed.prefill_tok_s),
                d.total / GIB, d.capacity / GIB, r.fits ? 1 : 0, p.gpu.bandwidth_gbps * p.n_gpu,
                llmcap_bound_name(r.speed.bound));
    }
    if (!rc) {
        char t[512], qn[32];
        llmcap_result_quant_name(&r0, qn, sizeof qn);
        snprintf(t, sizeof t, "%s %s on %zu device%s: speed and fit", C->model_name, qn, C->n_hw, C->n_hw == 1 ? "" : "s");
        curves_gp_set_str(po.pre.f, "plot_title", t);
        snprintf(t, sizeof t, "n_ctx %u, pp%u and tg%u at depth %u, n_gpu_layers %s; red bars do not fit", r0.n_ctx,
                 p0.n_prompt, p0.n_gen, p0.depth, p0.n_gpu_layers < 0 ? "all" : "as given");
        curves_gp_set_str(po.pre.f, "plot_subtitle", t);
        curves_gp_set_num(po.pre.f, "n_devices", (double)C->n_hw);
        rc = plot_add(C, &po, "hardware", "hardware");
    }
    plot_free(&po);
    return rc;
}

/* ---- validation: predicted against measured runs ---- */

static int kind_validation(curves_cmd *C);

/* ---- the command ---- */

static void curves_free(curves_cmd *C)
{
    for (size_t i = 0; i < C->n_hw; i++) free(C->hw[i]);
    for (size_t i = 0; i < C->n_quants; i++) free(C->quants[i]);
    llmcap_model_free(C->model);
    llmcap_db_free(C->c.db);
}

/* the list options: --hardware (bits, hardware) and --quant (bits) may have
 * several values; any option with one value is set as usual */
static int take_lists(curves_cmd *C)
{
    for (int i = 0; i < C->a.n_lists; i++) {
        const char *key = C->a.lists[i].key, *val = C->a.lists[i].value;
        char *items[64];
        size_t n = 0;
        int rc = split_list(key, val, items, 64, &n);
        if (rc) return rc;
        const bool hw_list = !strcmp(key, "hardware") && (C->kind == K_BITS || C->kind == K_HARDWARE);
        const bool q_list = !strcmp(key, "quant") && C->kind == K_BITS;
        if (hw_list || q_list) {
            if (hw_list && n > MAX_SERIES) {
                for (size_t j = 0; j < n; j++) free(items[j]);
                cli_error("curves %s: more than %d hardware entries", KIND_NAMES[C->kind], MAX_SERIES);
                return EXIT_BAD_INPUT;
            }
            for (size_t j = 0; j < n; j++) {
                if (hw_list) C->hw[C->n_hw++] = items[j];
                else C->quants[C->n_quants++] = items[j];
            }
            continue;
        }
        if (n > 1 || strchr(val, ',')) {
            for (size_t j = 0; j < n; j++) free(items[j]);
            cli_error("curves %s: --%s takes one value here ('%s'); lists are for --hardware (bits, hardware) and"
                      " --quant (bits)", KIND_NAMES[C->kind], key, val);
            return EXIT_BAD_INPUT;
        }
        llmcap_error err = {0};
        rc = llmcap_request_set(&C->rq, key, items[0], &err) ? EXIT_BAD_INPUT : 0;
        if (rc) cli_error("%s", err.msg);
        free(items[0]);
        if (rc) return rc;
    }
    return 0;
}

int cmd_curves(int argc, char **argv)
{
    curves_cmd *C = calloc(1, sizeof *C);
    char **av = calloc((size_t)argc + 1, sizeof *av);
    int rc = 0;
    curves_out o;
    memset(&o, 0, sizeof o);
    if (!C || !av) { free(C); free(av); cli_error("out of memory"); return 1; }
    C->formats = CURVES_PNG;
    int ac = 0;
    if ((rc = take_own_options(C, argc, argv, &ac, av))) goto done;
    if ((rc = cli_parse(ac, av, &C->c, &C->a, 1, "curves"))) goto done;
    if (C->a.help) { curves_help(stdout); goto done; }
    if (C->a.positional >= ac) {
        cli_error("curves: which kind? bits, context, offload, batch, hardware or validation (llmcap curves --help)");
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    if (C->a.positional + 1 < ac) {
        cli_error("curves: unexpected argument '%s'", av[C->a.positional + 1]);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    {
        const char *k = av[C->a.positional];
        C->kind = K_COUNT;
        for (int i = 0; i < K_COUNT; i++)
            if (!strcmp(k, KIND_NAMES[i])) C->kind = (ckind)i;
        if (C->kind == K_COUNT) {
            cli_error("curves: unknown kind '%s' (bits, context, offload, batch, hardware, validation)", k);
            rc = EXIT_BAD_INPUT;
            goto done;
        }
    }
    if (C->c.out_path && !C->out_dir) C->out_dir = C->c.out_path;
    if (!C->out_dir) {
        cli_error("curves %s: no output folder: give --out DIR", KIND_NAMES[C->kind]);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    if (C->kind != K_VALIDATION && (C->n_runs || C->strict)) {
        cli_error("curves %s: --runs and --strict are for curves validation", KIND_NAMES[C->kind]);
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    if ((C->kind == K_BITS || C->kind == K_HARDWARE || C->kind == K_VALIDATION) && (C->range || C->points)) {
        cli_error("curves %s: --range and --points are for context, offload and batch%s", KIND_NAMES[C->kind],
                  C->kind == K_BITS ? " (give the quants with --quant Q2_K,Q4_K_M,...)" : "");
        rc = EXIT_BAD_INPUT;
        goto done;
    }
    C->rq = C->a.rq;
    if ((rc = take_lists(C))) goto done;
    if ((rc = cli_load_db(&C->c))) goto done;

    if (C->kind == K_VALIDATION) {
        rc = kind_validation(C);
        goto render;
    }

    /* the hardware series: the list, the single --hardware, or the defaults of `curves hardware` */
    if (C->n_hw == 0) {
        if (C->kind == K_HARDWARE && !C->rq.hardware[0]) {
            for (size_t i = 0; i < sizeof DEFAULT_HARDWARE / sizeof DEFAULT_HARDWARE[0]; i++)
                if (!(C->hw[C->n_hw++] = strdup(DEFAULT_HARDWARE[i]))) { rc = 1; cli_error("out of memory"); goto done; }
        } else if (!(C->hw[C->n_hw++] = strdup(C->rq.hardware))) { /* "" = custom figures, or none given */
            rc = 1;
            cli_error("out of memory");
            goto done;
        }
    }
    {
        llmcap_error err = {0};
        llmcap_request rq = C->rq;
        snprintf(rq.hardware, sizeof rq.hardware, "%s", C->hw[0]);
        if (C->n_quants) snprintf(rq.quant, sizeof rq.quant, "%s", C->quants[0]);
        llmcap_status st = llmcap_request_resolve(C->c.db, &rq, &C->model, &err);
        if (st) {
            cli_error("%s", err.msg);
            rc = st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
            goto done;
        }
        C->spec = llmcap_model_spec_get(C->model);
        snprintf(C->model_label, sizeof C->model_label, "%.150s", model_label_of(&C->rq));
        snprintf(C->model_name, sizeof C->model_name, "%s", C->spec->name[0] ? C->spec->name : C->model_label);
    }
    /* every hardware of the list must resolve before anything is written */
    for (size_t h = 1; h < C->n_hw; h++) {
        llmcap_request rq = C->rq;
        llmcap_error err = {0};
        if (llmcap_request_set(&rq, "hardware", C->hw[h], &err) || llmcap_request_resolve_params(C->c.db, &rq, &err)) {
            cli_error("%s", err.msg);
            rc = EXIT_BAD_INPUT;
            goto done;
        }
    }
    switch (C->kind) {
    case K_BITS: rc = kind_bits(C); break;
    case K_CONTEXT: rc = kind_context(C); break;
    case K_OFFLOAD: rc = kind_offload(C); break;
    case K_BATCH: rc = kind_batch(C); break;
    case K_HARDWARE: rc = kind_hardware(C); break;
    default: break;
    }
render:
    /* every point is computed and checked before gnuplot is looked for and
     * anything is written */
    if (rc == 0 && C->n_pending) {
        if ((rc = curves_begin(&o, C->out_dir, C->formats)) == 0) {
            for (int i = 0; i < C->n_pending && !rc; i++)
                rc = curves_add(&o, C->pend[i].name, C->pend[i].tmpl, C->pend[i].pre, C->pend[i].data,
                                C->pend[i].data_len);
            if (rc) curves_abort(&o);
            else rc = curves_commit(&o, stdout);
        }
    }
done:
    curves_abort(&o);
    pending_free(C);
    curves_free(C);
    free(C);
    free(av);
    return rc;
}

/* a data-file string field: double-quoted (gnuplot and shlex read it as one
 * column), a double quote inside replaced by a single one */
static void dat_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) fputc(*s == '"' ? '\'' : (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s, f);
    fputc('"', f);
}

/* one predicted run */
typedef struct vpoint {
    size_t run;          /* index into the runs */
    double pred_tok_s;
    double err_pct;      /* (predicted - measured) / measured * 100 */
    int backend;         /* index into the backend names */
    char hw[64];         /* the data/ ids it was matched to */
    char model[64];
} vpoint;

#define MAX_BACKENDS 12
#define HIST_LO (-100.0) /* error histogram: 5% bins over [-100, 100]; the last bin takes what lies beyond */
#define HIST_HI 100.0
#define HIST_W 5.0

/* the kind of test as a histogram / point-shape class: 0 prefill, 1 decode, 2 pp+tg */
static int test_class(const llmcap_run *r) { return r->test == LLMCAP_TEST_PP ? 0 : r->test == LLMCAP_TEST_TG ? 1 : 2; }

/* validation: predicted against measured tokens/s, and the error histogram */
static int kind_validation(curves_cmd *C)
{
    if (C->n_runs == 0) {
        cli_error("curves validation: give the measured runs with --runs FILE (measured_runs.csv layout, llama-bench"
                  " or llmcap-engine bench output)");
        return EXIT_BAD_INPUT;
    }
    /* the profile to predict with: --profile FILE, else the default */
    const llmcap_profile *prof = NULL;
    if (C->rq.profile[0]) {
        llmcap_error err = {0};
        llmcap_status st = llmcap_profile_load_cached(C->rq.profile, &prof, &err);
        if (st) { cli_error("%s", err.msg); return st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT; }
    }
    llmcap_runs runs = {0};
    for (int i = 0; i < C->n_runs; i++) {
        llmcap_error err = {0};
        llmcap_status st = llmcap_runs_read_file(C->runs[i], LLMCAP_RUNS_AUTO, C->strict, &runs, &err);
        if (st) {
            cli_error("%s%s", err.msg, C->strict ? " (--strict: bad rows are errors)" : "");
            llmcap_runs_free(&runs);
            return st == LLMCAP_ERR_IO ? 1 : st == LLMCAP_ERR_NOMEM ? 1 : EXIT_BAD_INPUT;
        }
    }
    /* bad rows: reported with their line and skipped (--strict stopped at the first above) */
    for (size_t i = 0; i < runs.n_issues; i++) {
        const llmcap_run_issue *is = &runs.issues[i];
        if (is->line > 0) fprintf(stderr, "llmcap: %s:%d: %s (row skipped)\n", is->file, is->line, is->reason);
        else fprintf(stderr, "llmcap: %s: %s (skipped)\n", is->file, is->reason);
    }
    const llmcap_run_hints hints = {
        .hardware = C->rq.hardware[0] ? C->rq.hardware : NULL,
        .model = C->rq.model[0] ? C->rq.model : NULL,
        .quant = C->rq.quant[0] ? C->rq.quant : NULL,
        .backend = NULL,
    };
    vpoint *pts = calloc(runs.n ? runs.n : 1, sizeof *pts);
    char backends[MAX_BACKENDS][32];
    char *bnames[MAX_BACKENDS];
    int n_back = 0;
    /* why runs were not predicted: the class before the first ':' of the reason, counted */
    struct { char why[64]; size_t n; char first[320]; } skip[16];
    int n_skip = 0;
    size_t n_skipped = 0, n_pts = 0;
    /* models built once per matched spec (their per-quant tables are cached inside) */
    struct { const llmcap_model_spec *spec; llmcap_model *m; } models[64];
    int n_models = 0;
    int rc = pts ? 0 : 1;
    if (rc) cli_error("out of memory");
    for (size_t i = 0; i < runs.n && !rc; i++) {
        const llmcap_run *run = &runs.runs[i];
        llmcap_run_match mt;
        llmcap_error err = {0};
        double pred = 0;
        llmcap_model *m = NULL;
        llmcap_status st = llmcap_run_match_db(C->c.db, run, &hints, &mt, &err);
        if (!st) {
            for (int k = 0; k < n_models; k++)
                if (models[k].spec == mt.model) m = models[k].m;
            if (!m && n_models < 64) {
                st = llmcap_model_from_spec(mt.model, &m, &err);
                if (!st) { models[n_models].spec = mt.model; models[n_models++].m = m; }
            }
            if (!st && m) st = llmcap_run_predict_model(m, &mt, run, prof, &pred, &err);
            else if (!st) st = llmcap_run_predict(&mt, run, prof, &pred, &err);
            if (st == LLMCAP_ERR_NOMEM) { cli_error("out of memory"); rc = 1; break; }
        }
        if (st || !(pred > 0) || !(run->tok_s > 0)) {
            n_skipped++;
            size_t wl = strcspn(err.msg, ":");
            int k = 0;
            while (k < n_skip && (strlen(skip[k].why) != wl || strncmp(skip[k].why, err.msg, wl))) k++;
            if (k == n_skip && n_skip < 16) {
                snprintf(skip[k].why, sizeof skip[k].why, "%.*s", (int)(wl < 63 ? wl : 63), err.msg);
                snprintf(skip[k].first, sizeof skip[k].first, "%.100s:%d: %.200s", run->file, run->line, err.msg);
                skip[k].n = 0;
                n_skip++;
            }
            if (k < n_skip) skip[k].n++;
            continue;
        }
        const char *b = run->backend[0] ? run->backend : "unknown";
        int bi = 0;
        while (bi < n_back && strcmp(backends[bi], b)) bi++;
        if (bi == n_back) {
            if (n_back < MAX_BACKENDS - 1 || (n_back == MAX_BACKENDS - 1 && !strcmp(b, "other"))) {
                snprintf(backends[n_back], sizeof backends[0], "%s", b);
                n_back++;
            } else { /* the last colour takes every further backend */
                bi = MAX_BACKENDS - 1;
                if (n_back < MAX_BACKENDS) { snprintf(backends[bi], sizeof backends[0], "other"); n_back = MAX_BACKENDS; }
            }
        }
        pts[n_pts].run = i;
        pts[n_pts].pred_tok_s = pred;
        pts[n_pts].err_pct = (pred - run->tok_s) / run->tok_s * 100.0;
        pts[n_pts].backend = bi;
        snprintf(pts[n_pts].hw, sizeof pts[n_pts].hw, "%s", mt.params.gpu.id);
        snprintf(pts[n_pts].model, sizeof pts[n_pts].model, "%s", mt.model ? mt.model->id : "");
        n_pts++;
    }
    for (int k = 0; k < n_models; k++) llmcap_model_free(models[k].m);
    if (!rc && n_pts == 0) {
        cli_error("curves validation: none of the %zu runs read could be predicted%s%s", runs.n,
                  n_skip ? "; first: " : "", n_skip ? skip[0].first : "");
        rc = EXIT_BAD_INPUT;
    }
    /* error statistics per test class (GSL, through the runs module) */
    llmcap_err_stats stats[3] = {{0}};
    size_t n_class[3] = {0};
    if (!rc) {
        double *e = malloc(n_pts * sizeof *e);
        if (!e) { cli_error("out of memory"); rc = 1; }
        for (int c = 0; c < 3 && !rc; c++) {
            size_t ne = 0;
            for (size_t i = 0; i < n_pts; i++)
                if (test_class(&runs.runs[pts[i].run]) == c) e[ne++] = pts[i].err_pct;
            n_class[c] = ne;
            llmcap_error err = {0};
            if (llmcap_err_stats_compute(e, ne, &stats[c], &err)) { cli_error("%s", err.msg); rc = 1; }
        }
        free(e);
    }
    plot_out sc, hi;
    memset(&sc, 0, sizeof sc);
    memset(&hi, 0, sizeof hi);
    if (!rc) rc = plot_open(&sc);
    if (!rc) rc = plot_open(&hi);
    if (!rc) {
        char files[1200] = "";
        for (int i = 0; i < C->n_runs; i++)
            snprintf(files + strlen(files), sizeof files - strlen(files), "%s%s", i ? ", " : "", C->runs[i]);
        fprintf(sc.data.f, "# llmcap %s curves validation: predicted against measured tokens/s\n", llmcap_version());
        fprintf(sc.data.f, "# runs: %s; %zu read, %zu bad rows skipped, %zu predicted, %zu not predicted\n", files,
                runs.n, runs.n_issues, n_pts, n_skipped);
        fprintf(sc.data.f, "# profile: %s\n", prof ? prof->name : llmcap_profile_default()->name);
        fprintf(sc.data.f, "# one block per backend (gnuplot: index 0, 1, ...), separated by two blank lines\n"
                           "# columns: measured_tok_s (tokens/s)  predicted_tok_s (tokens/s, to 1/1000)  error_pct ((predicted -"
                           " measured) / measured, %%)  class (0 prefill, 1 decode, 2 pp+tg)  test  hardware  model"
                           "  quant  backend  source (file:line)\n");
        for (int b = 0; b < n_back; b++) {
            fprintf(sc.data.f, "%s# backend %s\n", b ? "\n\n" : "", backends[b]);
            bnames[b] = backends[b];
            for (size_t i = 0; i < n_pts; i++) {
                if (pts[i].backend != b) continue;
                const llmcap_run *r = &runs.runs[pts[i].run];
                char test[64], src[300];
                llmcap_run_test_name(r, test, sizeof test);
                snprintf(src, sizeof src, "%s:%d", r->file, r->line);
                fprintf(sc.data.f, "%.15g %.15g %.6f %d ", r->tok_s, r3(pts[i].pred_tok_s), pts[i].err_pct, test_class(r));
                dat_str(sc.data.f, test);
                fputc(' ', sc.data.f);
                dat_str(sc.data.f, pts[i].hw);
                fputc(' ', sc.data.f);
                dat_str(sc.data.f, pts[i].model);
                fputc(' ', sc.data.f);
                dat_str(sc.data.f, r->quant);
                fputc(' ', sc.data.f);
                dat_str(sc.data.f, backends[b]);
                fputc(' ', sc.data.f);
                dat_str(sc.data.f, src);
                fputc('\n', sc.data.f);
            }
        }
        /* the histogram: counts per 5% bin and class */
        enum { NB = (int)((HIST_HI - HIST_LO) / HIST_W) };
        size_t cnt[NB][3];
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n_pts; i++) {
            int k = (int)floor((pts[i].err_pct - HIST_LO) / HIST_W);
            if (k < 0) k = 0;
            if (k >= NB) k = NB - 1;
            cnt[k][test_class(&runs.runs[pts[i].run])]++;
        }
        fprintf(hi.data.f, "# llmcap %s curves validation: the error of %zu predictions, (predicted - measured) /"
                           " measured in %%\n", llmcap_version(), n_pts);
        fprintf(hi.data.f, "# runs: %s\n# bins of %.0f%% from %.0f%% to %.0f%%; the first and last bins also count"
                           " the errors beyond them\n", files, HIST_W, HIST_LO, HIST_HI);
        fprintf(hi.data.f, "# columns: bin_lo_pct  bin_hi_pct  bin_mid_pct  n_prefill  n_decode  n_pp_tg\n");
        for (int k = 0; k < NB; k++)
            fprintf(hi.data.f, "%.1f %.1f %.1f %zu %zu %zu\n", HIST_LO + k * HIST_W, HIST_LO + (k + 1) * HIST_W,
                    HIST_LO + (k + 0.5) * HIST_W, cnt[k][0], cnt[k][1], cnt[k][2]);

        double lo = INFINITY, hi_v = 0;
        for (size_t i = 0; i < n_pts; i++) {
            double a = runs.runs[pts[i].run].tok_s, p = pts[i].pred_tok_s;
            lo = fmin(lo, fmin(a, p));
            hi_v = fmax(hi_v, fmax(a, p));
        }
        char t[512];
        snprintf(t, sizeof t, "Predicted against measured tokens/s: %zu runs from %s", n_pts,
                 C->n_runs == 1 ? (strrchr(C->runs[0], '/') ? strrchr(C->runs[0], '/') + 1 : C->runs[0]) : "several files");
        curves_gp_set_str(sc.pre.f, "plot_title", t);
        curves_gp_set_str(hi.pre.f, "plot_title", "Error of the predictions: (predicted - measured) / measured");
        char sub[512] = "";
        static const char *const cname[3] = {"prefill", "decode", "pp+tg"};
        for (int c = 0; c < 3; c++)
            if (n_class[c])
                snprintf(sub + strlen(sub), sizeof sub - strlen(sub), "%s%s: n %zu, MAPE %.1f%%, bias %+.1f%%",
                         sub[0] ? "; " : "", cname[c], n_class[c], stats[c].mape_pct, stats[c].bias_pct);
        snprintf(sub + strlen(sub), sizeof sub - strlen(sub), " (profile %s)",
                 prof ? prof->name : llmcap_profile_default()->name);
        curves_gp_set_str(sc.pre.f, "plot_subtitle", sub);
        curves_gp_set_str(hi.pre.f, "plot_subtitle", sub);
        curves_gp_set_num(sc.pre.f, "n_series", n_back);
        gp_array(sc.pre.f, "series", bnames, (size_t)n_back);
        curves_gp_set_num(sc.pre.f, "axis_lo", lo / 1.4);
        curves_gp_set_num(sc.pre.f, "axis_hi", hi_v * 1.4);
        for (int k = 0; k < 2; k++) {
            FILE *f = k ? hi.pre.f : sc.pre.f;
            curves_gp_set_num(f, "n_prefill", (double)n_class[0]);
            curves_gp_set_num(f, "n_decode", (double)n_class[1]);
            curves_gp_set_num(f, "n_pptg", (double)n_class[2]);
        }
        curves_gp_set_num(hi.pre.f, "bin_width", HIST_W);
        curves_gp_set_num(hi.pre.f, "hist_lo", HIST_LO);
        curves_gp_set_num(hi.pre.f, "hist_hi", HIST_HI);
        rc = plot_add(C, &sc, "validation", "validation");
        if (!rc) rc = plot_add(C, &hi, "validation-error", "validation-error");
    }
    if (!rc) {
        printf("curves validation: %zu runs read, %zu bad row%s skipped, %zu predicted", runs.n, runs.n_issues,
               runs.n_issues == 1 ? "" : "s", n_pts);
        if (n_skipped) {
            printf(", %zu not predicted:", n_skipped);
            for (int k = 0; k < n_skip; k++) printf("%s %zu %s", k ? "," : "", skip[k].n, skip[k].why);
        }
        printf("\n");
        for (int k = 0; k < n_skip; k++) printf("  e.g. %.160s%s\n", skip[k].first, strlen(skip[k].first) > 160 ? "..." : "");
    }
    plot_free(&sc);
    plot_free(&hi);
    free(pts);
    llmcap_runs_free(&runs);
    return rc;
}
