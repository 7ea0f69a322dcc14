/* runs_report.c - `llmcap runs report --format html|md --out DIR`: the
 * accuracy of the import-time predictions per backend, hardware and test
 * kind (n, MAPE, median, bias, worst: llmcap_err_stats_compute, as `llmcap
 * compare` computes them), the validation plot (plots/validation.gp, the
 * template of `llmcap curves validation`, fed from the database) and tokens/s
 * history per series (plots/history.gp).
 *
 * HTML: DIR/report.html, self-contained (the SVG plots inline, CSS inline, no
 * script, nothing fetched). Markdown: DIR/report.md with the SVG files beside
 * it. Each plot's .dat/.gp (to redraw it) and .svg are left in DIR too. The
 * plots are rendered into a staging folder first (curves.h) and the report is
 * written to a temporary file renamed into place, so a failure leaves no
 * partial report. Without gnuplot the report has the tables and says that
 * the plots need the Debian package gnuplot-nox. */
#include "runs_report.h"

#include "curves.h"
#include "llmcap_runs.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_HISTORY_PLOTS 12
#define SERIES_PER_PLOT 6

/* one stored run, reduced to what the report shows */
typedef struct rrun {
    long long id;
    char date[40], build[64], backend[32], hardware[160], model[160], quant[32], test[48], kind[4], series[400];
    int n_threads;
    double tok_s, stddev, pred, err_pct;   /* pred/err NaN when not predicted */
    time_t t;                              /* date as seconds (UTC); -1 unknown */
} rrun;

static const char *col(const llmcap_rundb_table *t, size_t r, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (!strcmp(t->names[c], name)) return t->cells[r * t->n_cols + c];
    return NULL;
}
static void col_str(const llmcap_rundb_table *t, size_t r, const char *name, char *dst, size_t n)
{
    const char *v = col(t, r, name);
    snprintf(dst, n, "%s", v ? v : "");
}
static double col_num(const llmcap_rundb_table *t, size_t r, const char *name, double dflt)
{
    const char *v = col(t, r, name);
    return v ? strtod(v, NULL) : dflt;
}

/* "2025-01-10T12:00:00Z" / "2025-01-10 12:00" / "2025-01-10" -> seconds, UTC */
static time_t parse_time(const char *s)
{
    struct tm tmv;
    memset(&tmv, 0, sizeof tmv);
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (sscanf(s, "%d-%d-%d", &y, &mo, &d) != 3) return (time_t)-1;
    if (strlen(s) > 11) sscanf(s + 11, "%d:%d:%d", &h, &mi, &sec);
    tmv.tm_year = y - 1900;
    tmv.tm_mon = mo - 1;
    tmv.tm_mday = d;
    tmv.tm_hour = h;
    tmv.tm_min = mi;
    tmv.tm_sec = sec;
    return timegm(&tmv);
}

static int cmp_series(const void *a, const void *b)
{
    const rrun *x = a, *y = b;
    int c = strcmp(x->series, y->series);
    if (c) return c;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* ---- text out ---- */

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void md_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`' || *s == '<') fputc('\\', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
}

typedef struct doc {
    FILE *f;
    bool html;
} doc;

static void d_heading(doc *d, int level, const char *s)
{
    if (d->html) { fprintf(d->f, "<h%d>", level); html_esc(d->f, s); fprintf(d->f, "</h%d>\n", level); }
    else { fprintf(d->f, "\n%.*s ", level, "####"); md_esc(d->f, s); fputs("\n\n", d->f); }
}

static void d_para(doc *d, const char *s)
{
    if (d->html) { fputs("<p>", d->f); html_esc(d->f, s); fputs("</p>\n", d->f); }
    else { md_esc(d->f, s); fputs("\n\n", d->f); }
}

/* one row of n cells, without the line end: HTML <tr> of TAG (th, td) cells, Markdown "| a | b |" */
static void d_cells(doc *d, const char *const *cells, int n, const char *align, const char *tag)
{
    if (d->html) {
        fputs("<tr>", d->f);
        for (int i = 0; i < n; i++) {
            fprintf(d->f, "<%s%s>", tag, align[i] == 'r' ? " class=n" : "");
            html_esc(d->f, cells[i]);
            fprintf(d->f, "</%s>", tag);
        }
        fputs("</tr>", d->f);
    } else {
        fputs("|", d->f);
        for (int i = 0; i < n; i++) { fputc(' ', d->f); md_esc(d->f, cells[i]); fputs(" |", d->f); }
    }
}

/* a table: head[n] then rows of n cells; align[i] 'r' right-aligns column i (numbers), else left */
static void d_table_begin(doc *d, const char *const *head, int n, const char *align)
{
    if (d->html) fputs("<table><thead>", d->f);
    d_cells(d, head, n, align, "th");
    if (d->html) {
        fputs("</thead><tbody>\n", d->f);
    } else {
        fputs("\n|", d->f);
        for (int i = 0; i < n; i++) fputs(align[i] == 'r' ? " ---: |" : " --- |", d->f);
        fputc('\n', d->f);
    }
}

static void d_row(doc *d, const char *const *cells, int n, const char *align)
{
    d_cells(d, cells, n, align, "td");
    fputc('\n', d->f);
}

static void d_table_end(doc *d) { fputs(d->html ? "</tbody></table>\n" : "\n", d->f); }

/* Inline one SVG file: from "<svg" on, ids prefixed with pfx so that several
 * plots in one page do not share ids (gnuplot names its point shapes gpPt0, ...). */
static int d_svg_inline(doc *d, const char *path, const char *pfx)
{
    FILE *f = fopen(path, "rb");
    if (!f) { cli_error("runs report: cannot read '%s': %s", path, strerror(errno)); return 1; }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, 2 * cap + 1);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) { cli_error("out of memory"); return 1; }
    buf[n] = 0;
    const char *s = strstr(buf, "<svg");
    if (!s) { free(buf); cli_error("runs report: '%s' is not an SVG image", path); return 1; }
    fputs("<div class=plot>", d->f);
    /* id='x' / id="x" -> id='pfx-x'; href='#x', url(#x) -> ...#pfx-x */
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    while (*s) {
        size_t k = 0;
        for (size_t i = 0; i < sizeof refs / sizeof refs[0] && !k; i++)
            if (!strncmp(s, refs[i], strlen(refs[i]))) k = strlen(refs[i]);
        if (k) {
            fwrite(s, 1, k, d->f);
            fprintf(d->f, "%s-", pfx);
            s += k;
        } else {
            fputc(*s++, d->f);
        }
    }
    fputs("</div>\n", d->f);
    free(buf);
    return 0;
}

/* ---- the report ---- */

typedef struct plotref {
    char name[64];
    char caption[256];
} plotref;

static FILE *mem_open(char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = open_memstream(buf, len);
    if (!f) cli_error("out of memory");
    return f;
}

/* a plot being written in memory: its data file (df) and its gnuplot settings (pf) */
typedef struct plotbuf {
    char *data, *pre;
    size_t dl, pl;
    FILE *df, *pf;
} plotbuf;

static int plot_begin(plotbuf *b)
{
    b->df = mem_open(&b->data, &b->dl);
    b->pf = b->df ? mem_open(&b->pre, &b->pl) : NULL;
    if (!b->df || !b->pf) { if (b->df) { fclose(b->df); free(b->data); } return 1; }
    return 0;
}

/* the plot written: to curves_add as NAME, drawn by the template TMPL */
static int plot_end(curves_out *o, plotbuf *b, const char *name, const char *tmpl)
{
    fclose(b->df);
    fclose(b->pf);
    int rc = curves_add(o, name, tmpl, b->pre, b->data, b->dl);
    free(b->data);
    free(b->pre);
    return rc;
}

static void dat_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) fputc(*s == '"' ? '\'' : (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s, f);
    fputc('"', f);
}

static int mkdir_p(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", dir);
    for (char *q = p + 1;; q++) {
        if (*q == '/' || !*q) {
            char c = *q;
            *q = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) { cli_error("runs report: cannot create '%s': %s", p, strerror(errno)); return 1; }
            *q = c;
            if (!c) break;
        }
    }
    return 0;
}

/* the validation plot: predicted against measured, one block per backend */
static int add_validation(curves_out *o, const rrun *rs, size_t n, plotref *ref)
{
    char *backs[12];
    int nb = 0;
    size_t npts = 0, ncls[3] = {0};
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(rs[i].pred)) continue;
        int b = 0;
        while (b < nb && strcmp(backs[b], rs[i].backend)) b++;
        if (b == nb) {
            if (nb == 12) continue; /* more backends than colours: left out of the plot */
            backs[nb++] = (char *)rs[i].backend;
        }
        npts++;
        ncls[!strcmp(rs[i].kind, "pp") ? 0 : !strcmp(rs[i].kind, "tg") ? 1 : 2]++;
        lo = fmin(lo, fmin(rs[i].tok_s, rs[i].pred));
        hi = fmax(hi, fmax(rs[i].tok_s, rs[i].pred));
    }
    if (!npts) return 0;
    plotbuf pb;
    if (plot_begin(&pb)) return 1;
    FILE *df = pb.df, *pf = pb.pf;
    fprintf(df, "# llmcap %s runs report: predicted (at import) against measured tokens/s\n"
                "# one block per backend (gnuplot: index 0, 1, ...), separated by two blank lines\n"
                "# columns: measured_tok_s  predicted_tok_s  error_pct  class (0 prefill, 1 decode, 2 pp+tg)  test"
                "  hardware  model  quant  backend  source (run id)\n", llmcap_version());
    for (int b = 0; b < nb; b++) {
        fprintf(df, "%s# backend %s\n", b ? "\n\n" : "", backs[b]);
        for (size_t i = 0; i < n; i++) {
            if (isnan(rs[i].pred) || strcmp(rs[i].backend, backs[b])) continue;
            char src[40];
            snprintf(src, sizeof src, "run %lld", rs[i].id);
            fprintf(df, "%.15g %.15g %.6f %d ", rs[i].tok_s, rs[i].pred, rs[i].err_pct,
                    !strcmp(rs[i].kind, "pp") ? 0 : !strcmp(rs[i].kind, "tg") ? 1 : 2);
            const char *cols[] = {rs[i].test, rs[i].hardware, rs[i].model, rs[i].quant, rs[i].backend, src};
            for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) { dat_str(df, cols[k]); fputc(k + 1 < 6 ? ' ' : '\n', df); }
        }
    }
    char t[160];
    snprintf(t, sizeof t, "Predicted (at import) against measured tokens/s: %zu runs", npts);
    curves_gp_set_str(pf, "plot_title", t);
    curves_gp_set_str(pf, "plot_subtitle", "each run predicted with the profile in use when it was imported");
    curves_gp_set_num(pf, "n_series", nb);
    fprintf(pf, "array series[%d] = [", nb);
    for (int b = 0; b < nb; b++) { if (b) fputs(", ", pf); curves_gp_str(pf, backs[b]); }
    fputs("]\n", pf);
    curves_gp_set_num(pf, "axis_lo", lo / 1.4);
    curves_gp_set_num(pf, "axis_hi", hi * 1.4);
    curves_gp_set_num(pf, "n_prefill", (double)ncls[0]);
    curves_gp_set_num(pf, "n_decode", (double)ncls[1]);
    curves_gp_set_num(pf, "n_pptg", (double)ncls[2]);
    int rc = plot_end(o, &pb, "validation", "validation");
    if (!rc) {
        snprintf(ref->name, sizeof ref->name, "validation");
        snprintf(ref->caption, sizeof ref->caption, "Predicted against measured tokens/s (log-log; y = x, ±10%% and ±25%% bands)");
    }
    return rc;
}

/* one history plot of series [first, last) (indices into the sorted runs by series start) */
static int add_history(curves_out *o, int k, const rrun *rs, const size_t *starts, const size_t *counts, size_t n_ser,
                       plotref *ref)
{
    plotbuf pb;
    if (plot_begin(&pb)) return 1;
    FILE *df = pb.df, *pf = pb.pf;
    fprintf(df, "# llmcap %s runs report: measured tokens/s over time\n"
                "# one block per series (gnuplot: index 0, 1, ...), separated by two blank lines\n"
                "# columns: date (s since 1970 UTC)  tok_s  stddev_tok_s  build  date  run_id\n", llmcap_version());
    time_t tlo = 0, thi = 0;
    bool first = true;
    for (size_t s = 0; s < n_ser; s++) {
        fprintf(df, "%s# ", s ? "\n\n" : "");
        fputs(rs[starts[s]].series, df);
        fputc('\n', df);
        for (size_t i = starts[s]; i < starts[s] + counts[s]; i++) {
            if (rs[i].t == (time_t)-1) continue;
            fprintf(df, "%lld %.15g %.15g ", (long long)rs[i].t, rs[i].tok_s, rs[i].stddev);
            dat_str(df, rs[i].build);
            fputc(' ', df);
            dat_str(df, rs[i].date);
            fprintf(df, " %lld\n", rs[i].id);
            if (first || rs[i].t < tlo) tlo = rs[i].t;
            if (first || rs[i].t > thi) thi = rs[i].t;
            first = false;
        }
    }
    const time_t span = thi - tlo;
    if (span < 3600) { tlo -= 3600; thi += 3600; }
    else { time_t pad = span / 20; tlo -= pad; thi += pad; }
    char t[256], name[32];
    snprintf(name, sizeof name, "history-%d", k + 1);
    const char *kind = !strcmp(rs[starts[0]].kind, "pp") ? "prefill" : !strcmp(rs[starts[0]].kind, "tg") ? "decode" : "pp+tg";
    snprintf(t, sizeof t, "Measured %s tokens/s over time: %.160s %.31s", kind, rs[starts[0]].hardware,
             rs[starts[0]].backend);
    curves_gp_set_str(pf, "plot_title", t);
    curves_gp_set_str(pf, "plot_subtitle", "error bars: the stddev over each run's repetitions");
    curves_gp_set_num(pf, "n_series", (double)n_ser);
    fprintf(pf, "array series[%zu] = [", n_ser);
    for (size_t s = 0; s < n_ser; s++) {
        const rrun *r = &rs[starts[s]];
        char lab[300];
        snprintf(lab, sizeof lab, "%.60s%s %s %s", r->model, strlen(r->model) > 60 ? "..." : "", r->quant, r->test);
        if (r->n_threads > 0) snprintf(lab + strlen(lab), sizeof lab - strlen(lab), " t=%d", r->n_threads);
        if (s) fputs(", ", pf);
        curves_gp_str(pf, lab);
    }
    fputs("]\n", pf);
    curves_gp_set_num(pf, "x_lo", (double)tlo);
    curves_gp_set_num(pf, "x_hi", (double)thi);
    curves_gp_set_str(pf, "x_fmt", span < 3 * 86400 ? "%m-%d %H:%M" : "%Y-%m-%d");
    int rc = plot_end(o, &pb, name, "history");
    if (!rc) {
        snprintf(ref->name, sizeof ref->name, "%s", name);
        snprintf(ref->caption, sizeof ref->caption, "%s tokens/s over time on %s (%s)", kind, rs[starts[0]].hardware,
                 rs[starts[0]].backend);
    }
    return rc;
}

/* a row of the error table: the group (backend, hardware, test kind), then the count, MAPE, median, bias and
 * worst of the errors E[0..NE) (percent) */
static int d_err_row(doc *d, const char *backend, const char *hardware, const char *kind, const double *e, size_t ne)
{
    llmcap_err_stats es;
    llmcap_error err = {0};
    if (llmcap_err_stats_compute(e, ne, &es, &err)) { cli_error("%s", err.msg); return 1; }
    char c_n[24], c_m[24], c_med[24], c_b[24], c_w[24];
    snprintf(c_n, sizeof c_n, "%zu", es.n);
    snprintf(c_m, sizeof c_m, "%.1f%%", es.mape_pct);
    snprintf(c_med, sizeof c_med, "%.1f%%", es.median_ape_pct);
    snprintf(c_b, sizeof c_b, "%+.1f%%", es.bias_pct);
    snprintf(c_w, sizeof c_w, "%.1f%%", es.max_ape_pct);
    const char *cells[] = {backend, hardware, kind, c_n, c_m, c_med, c_b, c_w};
    d_row(d, cells, 8, "lllrrrrr");
    return 0;
}

static void d_plot(doc *d, const char *dir, const plotref *p, int *rc)
{
    if (d->html) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.svg", dir, p->name);
        fputs("<figure>", d->f);
        if (!*rc) *rc = d_svg_inline(d, path, p->name);
        fputs("<figcaption>", d->f);
        html_esc(d->f, p->caption);
        fputs("</figcaption></figure>\n", d->f);
    } else {
        fprintf(d->f, "![%s](%s.svg)\n\n", p->caption, p->name);
    }
}

int runs_report(llmcap_rundb *db, const llmcap_rundb_filter *f, const char *format, const char *dir)
{
    if (!format || (strcmp(format, "html") && strcmp(format, "md"))) {
        cli_error("runs report: --format html or --format md, not '%s'", format ? format : "");
        return EXIT_BAD_INPUT;
    }
    if (!dir || !*dir) { cli_error("runs report: --out DIR is required (the report's folder)"); return EXIT_BAD_INPUT; }
    const bool html = !strcmp(format, "html");
    llmcap_rundb_table t;
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_select(db, f, &t, &err);
    if (st) { cli_error("%s", err.msg); return st == LLMCAP_ERR_IO || st == LLMCAP_ERR_NOMEM ? 1 : EXIT_BAD_INPUT; }
    if (!t.n_rows) {
        llmcap_rundb_table_free(&t);
        cli_error("runs report: no runs in %s%s", llmcap_rundb_path(db), f ? " with the filters given" : "");
        return EXIT_BAD_INPUT;
    }
    size_t n = t.n_rows;
    rrun *rs = calloc(n, sizeof *rs);
    if (!rs) { llmcap_rundb_table_free(&t); cli_error("out of memory"); return 1; }
    size_t n_pred = 0;
    char date_lo[40] = "", date_hi[40] = "";
    for (size_t i = 0; i < n; i++) {
        rrun *r = &rs[i];
        r->id = (long long)col_num(&t, i, "id", 0);
        col_str(&t, i, "date", r->date, sizeof r->date);
        col_str(&t, i, "build", r->build, sizeof r->build);
        col_str(&t, i, "backend", r->backend, sizeof r->backend);
        const char *hd = col(&t, i, "hardware_data_id"), *md = col(&t, i, "model_data_id");
        int n_gpu = (int)col_num(&t, i, "n_gpu", 1);
        if (hd && *hd) snprintf(r->hardware, sizeof r->hardware, n_gpu > 1 ? "%s x%d" : "%s", hd, n_gpu);
        else col_str(&t, i, "hardware", r->hardware, sizeof r->hardware);
        if (md && *md) snprintf(r->model, sizeof r->model, "%s", md);
        else col_str(&t, i, "model", r->model, sizeof r->model);
        col_str(&t, i, "quant", r->quant, sizeof r->quant);
        col_str(&t, i, "test", r->test, sizeof r->test);
        col_str(&t, i, "test_kind", r->kind, sizeof r->kind);
        r->n_threads = (int)col_num(&t, i, "n_threads", 0);
        r->tok_s = col_num(&t, i, "tok_s", 0);
        r->stddev = col_num(&t, i, "stddev_tok_s", 0);
        r->pred = col_num(&t, i, "pred_tok_s", NAN);
        r->err_pct = col_num(&t, i, "error_pct", NAN);
        r->t = parse_time(r->date);
        if (!isnan(r->pred)) n_pred++;
        snprintf(r->series, sizeof r->series, "%s|%s|%s|%s|%s|%d", r->hardware, r->backend, r->model, r->quant, r->test,
                 r->n_threads);
        if (!date_lo[0] || strcmp(r->date, date_lo) < 0) snprintf(date_lo, sizeof date_lo, "%s", r->date);
        if (strcmp(r->date, date_hi) > 0) snprintf(date_hi, sizeof date_hi, "%s", r->date);
    }
    llmcap_rundb_table_free(&t);
    qsort(rs, n, sizeof *rs, cmp_series);

    /* series: runs of one (hardware, backend, model, quant, test, threads) */
    size_t *starts = malloc(n * sizeof *starts), *counts = malloc(n * sizeof *counts), n_ser = 0;
    if (!starts || !counts) { free(starts); free(counts); free(rs); cli_error("out of memory"); return 1; }
    bool *dated = malloc(n * sizeof *dated); /* series with runs at two dates or more: plotted */
    if (!dated) { free(starts); free(counts); free(rs); cli_error("out of memory"); return 1; }
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(rs[i].series, rs[i - 1].series)) { starts[n_ser] = i; counts[n_ser] = 0; dated[n_ser++] = false; }
        counts[n_ser - 1]++;
        if (rs[i].t != (time_t)-1 && rs[i].t != rs[starts[n_ser - 1]].t) dated[n_ser - 1] = true;
    }

    /* plots, when gnuplot is there */
    int rc = 0;
    char gp[1024];
    const bool have_gnuplot = curves_find_gnuplot(gp, sizeof gp) == 0;
    plotref plots[1 + MAX_HISTORY_PLOTS];
    memset(plots, 0, sizeof plots);
    int n_plots = 0;
    size_t hist_series_left = 0;
    curves_out o;
    memset(&o, 0, sizeof o);
    if (have_gnuplot) {
        rc = curves_begin(&o, dir, CURVES_SVG);
        if (!rc) {
            rc = add_validation(&o, rs, n, &plots[n_plots]);
            if (!rc && plots[n_plots].name[0]) n_plots++;
        }
        /* history: series with runs at two dates or more, SERIES_PER_PLOT to a plot, one (hardware,
         * backend, test kind) per plot (prefill and decode apart: their scales differ); a series
         * plotted is taken off `dated` */
        int k = 0;
        for (size_t s = 0; !rc && s < n_ser; s++) {
            if (!dated[s]) continue;
            size_t group[SERIES_PER_PLOT], c_group[SERIES_PER_PLOT], ng = 0;
            const rrun *r0 = &rs[starts[s]];
            for (size_t e = s; e < n_ser && ng < SERIES_PER_PLOT; e++) {
                const rrun *r = &rs[starts[e]];
                if (strcmp(r->hardware, r0->hardware) || strcmp(r->backend, r0->backend)) break;
                if (!dated[e] || strcmp(r->kind, r0->kind)) continue;
                dated[e] = false;
                group[ng] = starts[e];
                c_group[ng++] = counts[e];
            }
            if (k < MAX_HISTORY_PLOTS) {
                rc = add_history(&o, k, rs, group, c_group, ng, &plots[n_plots]);
                if (!rc) n_plots++;
                k++;
            } else {
                hist_series_left += ng;
            }
        }
        if (!rc) rc = curves_commit(&o, NULL);
        else curves_abort(&o);
        if (rc) { free(dated); free(starts); free(counts); free(rs); return rc; }
    } else {
        cli_error("runs report: writing the tables only: the plots need gnuplot (Debian package gnuplot-nox)");
        if ((rc = mkdir_p(dir))) { free(dated); free(starts); free(counts); free(rs); return rc; }
    }

    /* the document */
    char path[1100];
    snprintf(path, sizeof path, "%s/report.%s", dir, html ? "html" : "md");
    sink sk;
    if ((rc = sink_open(&sk, path))) { free(dated); free(starts); free(counts); free(rs); return rc; }
    doc d = {sk.f, html};
    char buf[512], now[32];
    time_t tnow = time(NULL);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M UTC", gmtime(&tnow));
    if (html)
        fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n<title>llmcap: measured runs</title>\n"
              "<style>body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
              "color:#222}table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;"
              "padding:.25em .6em;text-align:left}th{background:#f3f3f3}td.n,th.n{text-align:right}"
              "figure{margin:1.5em 0}figcaption{color:#555;font-size:.9em}.plot svg{max-width:100%;height:auto}"
              ".note{color:#555}</style></head><body>\n", d.f);
    d_heading(&d, 1, "llmcap: measured runs");
    snprintf(buf, sizeof buf, "%zu runs from %s, dated %s to %s (the import time where a file gave no date); "
                              "%zu with a prediction. Written %s by llmcap %s.",
             n, llmcap_rundb_path(db), date_lo, date_hi, n_pred, now, llmcap_version());
    d_para(&d, buf);
    if (!have_gnuplot) d_para(&d, "The plots need gnuplot: install the Debian package gnuplot-nox (make deps) and run the report again.");

    d_heading(&d, 2, "Accuracy of the predictions");
    d_para(&d, "Each run was predicted when it was imported, with the profile in use then. Error = (predicted - "
               "measured) / measured; MAPE = mean absolute error, bias = mean error (positive: llmcap predicts "
               "too fast).");
    if (!n_pred) d_para(&d, "No run has a prediction (none matched data/).");
    else {
        /* groups: backend, hardware, kind (sorted by building an index) */
        static const char *const head[] = {"backend", "hardware", "test", "n", "MAPE", "median", "bias", "worst"};
        d_table_begin(&d, head, 8, "lllrrrrr");
        double *e = malloc(n * sizeof *e);
        bool *done = calloc(n, sizeof *done);
        if (!e || !done) { cli_error("out of memory"); rc = 1; }
        for (size_t i = 0; !rc && i < n; i++) {
            if (done[i] || isnan(rs[i].pred)) continue;
            /* the group of run i, then the next group starts at the first run not done */
            size_t ne = 0;
            for (size_t j = i; j < n; j++) {
                if (done[j] || isnan(rs[j].pred)) continue;
                if (strcmp(rs[j].backend, rs[i].backend) || strcmp(rs[j].hardware, rs[i].hardware) ||
                    strcmp(rs[j].kind, rs[i].kind))
                    continue;
                done[j] = true;
                e[ne++] = rs[j].err_pct;
            }
            const char *kind = !strcmp(rs[i].kind, "pp") ? "prefill (pp)" : !strcmp(rs[i].kind, "tg") ? "decode (tg)" : "pp+tg";
            if ((rc = d_err_row(&d, rs[i].backend, rs[i].hardware, kind, e, ne))) break;
        }
        /* and all of them */
        if (!rc) {
            size_t ne = 0;
            for (size_t i = 0; i < n; i++) if (!isnan(rs[i].pred)) e[ne++] = rs[i].err_pct;
            rc = d_err_row(&d, "all", "all", "all", e, ne);
        }
        free(e);
        free(done);
        d_table_end(&d);
        for (int p = 0; p < n_plots; p++)
            if (!strcmp(plots[p].name, "validation")) d_plot(&d, dir, &plots[p], &rc);
    }

    d_heading(&d, 2, "Tokens/s history");
    d_para(&d, "One series per hardware, backend, model, quant, test and thread count; first and last are its "
               "oldest and newest run. The plots show the series with runs on two dates or more.");
    for (int p = 0; p < n_plots; p++)
        if (strncmp(plots[p].name, "history-", 8) == 0) d_plot(&d, dir, &plots[p], &rc);
    if (have_gnuplot && hist_series_left) {
        snprintf(buf, sizeof buf, "%zu more series with runs at two dates or more are in the table only (at most %d plots).",
                 hist_series_left, MAX_HISTORY_PLOTS);
        d_para(&d, buf);
    }
    {
        static const char *const head[] = {"hardware", "backend", "model", "quant", "test", "runs", "first tok/s",
                                           "last tok/s", "change", "first build", "last build", "last date"};
        d_table_begin(&d, head, 12, "lllllrrrrlll");
        for (size_t s = 0; s < n_ser; s++) {
            const rrun *a = &rs[starts[s]], *b = &rs[starts[s] + counts[s] - 1];
            char c_n[24], c_f[40], c_l[40], c_c[24], test[64];
            snprintf(test, sizeof test, "%s%s", a->test, "");
            if (a->n_threads > 0) snprintf(test + strlen(test), sizeof test - strlen(test), " t=%d", a->n_threads);
            snprintf(c_n, sizeof c_n, "%zu", counts[s]);
            snprintf(c_f, sizeof c_f, "%.2f", a->tok_s);
            snprintf(c_l, sizeof c_l, "%.2f", b->tok_s);
            if (counts[s] > 1) snprintf(c_c, sizeof c_c, "%+.1f%%", 100.0 * (b->tok_s - a->tok_s) / a->tok_s);
            else snprintf(c_c, sizeof c_c, "-");
            const char *cells[] = {a->hardware, a->backend, a->model, a->quant, test, c_n, c_f, c_l, c_c, a->build, b->build, b->date};
            d_row(&d, cells, 12, "lllllrrrrlll");
        }
        d_table_end(&d);
    }
    if (html) fputs("</body></html>\n", d.f);
    if (rc) sink_abort(&sk);
    else rc = sink_commit(&sk);
    if (!rc) {
        printf("runs report: wrote %s (%zu runs, %zu series, %d plot%s%s)\n", path, n, n_ser, n_plots,
               n_plots == 1 ? "" : "s", have_gnuplot ? "" : "; no gnuplot: tables only");
    }
    free(dated);
    free(starts);
    free(counts);
    free(rs);
    return rc;
}
