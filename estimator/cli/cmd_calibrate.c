/* cmd_calibrate.c - `llmcap calibrate`: fit a calibration profile to measured
 * runs (estimator/llmcap_calibrate.h) and write it (-o FILE, atomically), with
 * a report: the parameters with their standard errors, errors before and after
 * per class, and leave-one-hardware-out cross-validation. */
#include "cli.h"
#include "llmcap_calibrate.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void calibrate_help(FILE *f)
{
    fprintf(f,
            "usage: llmcap calibrate [options] RUNS... [-o profile.json]\n"
            "Fits the speed model's free parameters (per device class, and per engine for our own engine's\n"
            "runs) to measured runs by nonlinear least squares on log(predicted/measured) tokens/s (GSL),\n"
            "with bounds and standard errors; reports the error before and after, and leave-one-hardware-out\n"
            "cross-validation (each hardware predicted by a fit that never saw it).\n"
            "RUNS: llama-bench -o json|jsonl|csv|md, llmcap-engine bench -o json, or the measured-runs CSV\n"
            "layout of ../shared/reference/measured_runs.csv (detected from the content).\n\n"
            "options:\n"
            "  -o, --out FILE        write the profile there (atomically; nothing is written on error)\n"
            "  --json                print the profile with the report as JSON instead of tables\n"
            "  --name NAME           the profile's name (default: calibrated)\n"
            "  --start hand-set|default|FILE  where the fit starts (default: hand-set, estimator/profile.c)\n"
            "  --created YYYY-MM-DD  the profile's date (default: $SOURCE_DATE_EPOCH, else today, UTC)\n"
            "  --no-loho             skip leave-one-hardware-out (faster; intervals from the fit alone)\n"
            "  --max-iter N          iterations per fit (default 200)\n"
            "  --format FMT          input format (auto, engine-json, llama-bench-json, llama-bench-jsonl,\n"
            "                        llama-bench-csv, llama-bench-md, measured-csv)\n"
            "  --hardware ID, --model ID, --quant Q, --backend B   for runs whose files do not say\n"
            "  --with-batched        also fit llama-batched-bench aggregates\n"
            "  --with-mixed          also fit ppN+tgM rates\n"
            "  -v, --verbose         one line per run: measured, start, fitted and out-of-fold predictions\n"
            "  --data DIR            read hardware.json and models.json from DIR\n\n"
            "exit status: 0 ok, 1 I/O failure, 2 bad input (no usable runs, too few points for the\n"
            "parameters, a fit that does not converge): then no profile is written.\n");
}

enum { O_JSON = 300, O_NAME, O_START, O_CREATED, O_NOLOHO, O_MAXITER, O_FORMAT, O_HW, O_MODEL, O_QUANT, O_BACKEND,
       O_BATCHED, O_MIXED, O_DATA, O_HELP };

static const char *kind_label(const char *section, llmcap_hw_kind k, char *buf, size_t n)
{
    snprintf(buf, n, "%s %s", section[0] ? section : "llama.cpp", llmcap_hw_kind_name(k));
    return buf;
}

static void pct(char *buf, size_t n, double x)
{
    if (isfinite(x)) snprintf(buf, n, "%.1f%%", x);
    else snprintf(buf, n, "-");
}

static void print_errors_row(FILE *f, const char *label, const llmcap_calib_errors *a, const llmcap_calib_errors *b)
{
    char s[4][16];
    pct(s[0], sizeof s[0], a->tg.mape_pct);
    pct(s[1], sizeof s[1], b->tg.mape_pct);
    pct(s[2], sizeof s[2], a->pp.mape_pct);
    pct(s[3], sizeof s[3], b->pp.mape_pct);
    fprintf(f, "%-30s %5zu %10s %10s %5zu %10s %10s\n", label, a->tg.n, s[0], s[1], a->pp.n, s[2], s[3]);
}

static void print_report(FILE *f, const llmcap_calib_result *r, const llmcap_calib_set *set, size_t n_runs,
                         size_t n_issues, int verbose)
{
    char lab[96], v[48];
    fprintf(f, "%zu runs read (%zu rows unreadable), %zu points used, %zu runs skipped", n_runs, n_issues, set->n,
            set->n_skipped);
    /* skipped, by reason class */
    if (set->n_skipped) {
        fprintf(f, ":\n");
        char seen[32][64];
        size_t cnt[32], ns = 0;
        for (size_t i = 0; i < set->n_skipped; i++) {
            char key[64];
            snprintf(key, sizeof key, "%.63s", set->skipped[i].reason);
            char *c = strchr(key, ':');
            if (c) *c = 0;
            size_t k = 0;
            while (k < ns && strcmp(seen[k], key)) k++;
            if (k == ns && ns < 32) { snprintf(seen[ns], sizeof seen[ns], "%s", key); cnt[ns++] = 0; }
            if (k < ns) cnt[k]++;
        }
        for (size_t k = 0; k < ns; k++) fprintf(f, "  %6zu  %s\n", cnt[k], seen[k]);
    } else {
        fprintf(f, "\n");
    }

    fprintf(f, "\n%-30s %5s %5s %4s %8s  %s\n", "class", "n tg", "n pp", "hw", "params", "fit");
    for (size_t c = 0; c < r->n_classes; c++) {
        const llmcap_calib_class *cl = &r->classes[c];
        char st[240];
        if (cl->fitted) snprintf(st, sizeof st, "%s, %zu iterations", cl->gsl_status == 0 ? "converged" : "converged (no further progress)", cl->n_iter);
        else snprintf(st, sizeof st, "not fitted: %s", cl->note);
        fprintf(f, "%-30s %5zu %5zu %4zu %4zu+%-3zu  %s\n", kind_label(cl->section, cl->kind, lab, sizeof lab), cl->n_tg,
                cl->n_pp, cl->n_hardware, cl->n_fitted_tg, cl->n_fitted_pp, st);
    }

    fprintf(f, "\n%-30s %-22s %12s %26s  %s\n", "parameter", "", "start", "fitted +- stderr", "state");
    for (size_t c = 0; c < r->n_classes; c++) {
        const llmcap_calib_class *cl = &r->classes[c];
        for (size_t k = 0; k < r->n_params; k++) {
            const llmcap_calib_param *p = &r->params[k];
            if (strcmp(p->section, cl->section)) continue;
            if (p->kind >= 0 && p->kind != (int)cl->kind) continue;
            if (p->kind < 0 && (cl->section[0] || cl->kind != LLMCAP_HW_GPU)) continue;
            const bool fitted = p->state == LLMCAP_PARAM_FITTED || p->state == LLMCAP_PARAM_AT_BOUND;
            if (fitted) snprintf(v, sizeof v, "%.5g +- %.2g", p->value, p->stderr_value);
            else snprintf(v, sizeof v, "%.5g", p->value);
            fprintf(f, "%-30s %-22s %12.5g %26s  %s\n", kind_label(cl->section, cl->kind, lab, sizeof lab),
                    p->kind < 0 ? p->field : p->field, p->start, v, llmcap_param_state_name(p->state));
        }
    }

    fprintf(f, "\n%-30s %5s %10s %10s %5s %10s %10s\n", "errors (MAPE)", "n tg", "tg start", "tg fitted", "n pp",
            "pp start", "pp fitted");
    for (size_t c = 0; c < r->n_classes; c++) {
        const llmcap_calib_class *cl = &r->classes[c];
        print_errors_row(f, kind_label(cl->section, cl->kind, lab, sizeof lab), &cl->before, &cl->after);
    }
    print_errors_row(f, "all llama.cpp runs", &r->all_before, &r->all_after);
    fprintf(f, "\n%-30s %18s %18s\n", "spread (90% interval, log)", "decode sd / pi", "prefill sd / pi");
    for (size_t c = 0; c < r->n_classes; c++) {
        const llmcap_calib_class *cl = &r->classes[c];
        char a[32], b[32];
        snprintf(a, sizeof a, "%.3f / %.3f", cl->sd_log_tg, cl->pi_log_tg);
        snprintf(b, sizeof b, "%.3f / %.3f", cl->sd_log_pp, cl->pi_log_pp);
        fprintf(f, "%-30s %18s %18s\n", kind_label(cl->section, cl->kind, lab, sizeof lab), a, b);
    }

    if (r->loho.n_rows) {
        fprintf(f, "\nleave-one-hardware-out: each hardware predicted by a fit of its class without it\n");
        fprintf(f, "%-26s %-26s %5s %10s %5s %10s\n", "hardware", "class", "n tg", "tg MAPE", "n pp", "pp MAPE");
        for (size_t i = 0; i < r->loho.n_rows; i++) {
            const llmcap_loho_row *row = &r->loho.rows[i];
            char a[16], b[16];
            pct(a, sizeof a, row->err.tg.mape_pct);
            pct(b, sizeof b, row->err.pp.mape_pct);
            fprintf(f, "%-26s %-26s %5zu %10s %5zu %10s%s\n", row->hardware, kind_label(row->section, row->kind, lab, sizeof lab),
                    row->err.tg.n, a, row->err.pp.n, b, row->start_only ? "  (start values: no other hardware)" : "");
        }
        char a[16], b[16];
        pct(a, sizeof a, r->loho.classes.tg.mape_pct);
        pct(b, sizeof b, r->loho.classes.pp.mape_pct);
        fprintf(f, "%-26s %-26s %5zu %10s %5zu %10s\n", "all llama.cpp runs", "", r->loho.classes.tg.n, a,
                r->loho.classes.pp.n, b);
    }
    if (verbose) {
        fprintf(f, "\n%-40s %-22s %-10s %-14s %10s %10s %10s %10s\n", "hardware (as written)", "model", "quant", "test",
                "measured", "start", "fitted", "loho");
        for (size_t i = 0; i < set->n; i++) {
            const llmcap_calib_point *pt = &set->points[i];
            char t[48];
            llmcap_run_test_name(&pt->run, t, sizeof t);
            fprintf(f, "%-40.40s %-22.22s %-10.10s %-14.14s %10.2f %10.2f %10.2f %10.2f\n", pt->run.hardware,
                    pt->match.model ? pt->match.model->id : "?", pt->run.quant, t, pt->run.tok_s, r->pred_start[i],
                    r->pred[i], r->loho.pred_tok_s ? r->loho.pred_tok_s[i] : NAN);
        }
    }
}

static int load_start(const char *spec, llmcap_profile *out)
{
    if (!spec || !strcmp(spec, "hand-set")) { *out = *llmcap_profile_handset(); return 0; }
    if (!strcmp(spec, "default")) { *out = *llmcap_profile_default(); return 0; }
    llmcap_error err = {0};
    llmcap_status st = llmcap_profile_load_file(spec, out, &err);
    if (st) { cli_error("calibrate: --start %s", err.msg); return st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT; }
    return 0;
}

/* YYYY-MM-DD from SOURCE_DATE_EPOCH (reproducible builds), else now (UTC) */
static void today(char *buf, size_t n)
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (!errno && !*end && v >= 0) t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d", &tm);
}

int cmd_calibrate(int argc, char **argv)
{
    cli_ctx c;
    memset(&c, 0, sizeof c);
    const char *out_path = NULL, *name = "calibrated", *start_spec = NULL, *created = NULL;
    int no_loho = 0, max_iter = 0, verbose = 0;
    llmcap_run_format fmt = LLMCAP_RUNS_AUTO;
    llmcap_run_hints hints = {0};
    llmcap_calib_select sel = {0};
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'}, {"json", no_argument, NULL, O_JSON},
        {"name", required_argument, NULL, O_NAME}, {"start", required_argument, NULL, O_START},
        {"created", required_argument, NULL, O_CREATED}, {"no-loho", no_argument, NULL, O_NOLOHO},
        {"max-iter", required_argument, NULL, O_MAXITER}, {"format", required_argument, NULL, O_FORMAT},
        {"hardware", required_argument, NULL, O_HW}, {"model", required_argument, NULL, O_MODEL},
        {"quant", required_argument, NULL, O_QUANT}, {"backend", required_argument, NULL, O_BACKEND},
        {"with-batched", no_argument, NULL, O_BATCHED}, {"with-mixed", no_argument, NULL, O_MIXED},
        {"verbose", no_argument, NULL, 'v'}, {"data", required_argument, NULL, O_DATA},
        {"help", no_argument, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, ":o:vh", longs, NULL)) != -1) {
        llmcap_error err = {0};
        switch (o) {
        case 'o': out_path = optarg; break;
        case O_JSON: c.format = OUT_JSON; break;
        case O_NAME:
            if (!optarg[0] || strlen(optarg) >= sizeof(((llmcap_profile *)0)->name)) {
                cli_error("calibrate: --name must be 1 to 63 characters");
                return EXIT_BAD_INPUT;
            }
            name = optarg;
            break;
        case O_START: start_spec = optarg; break;
        case O_CREATED: {
            int y, m, d;
            char tail;
            if (strlen(optarg) != 10 || sscanf(optarg, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
                cli_error("calibrate: --created '%s' is not a date YYYY-MM-DD", optarg);
                return EXIT_BAD_INPUT;
            }
            created = optarg;
            break;
        }
        case O_NOLOHO: no_loho = 1; break;
        case O_MAXITER: {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || v < 1 || v > 100000) {
                cli_error("calibrate: --max-iter '%s' must be an integer in 1..100000", optarg);
                return EXIT_BAD_INPUT;
            }
            max_iter = (int)v;
            break;
        }
        case O_FORMAT:
            if (llmcap_run_format_parse(optarg, &fmt, &err)) { cli_error("calibrate: %s", err.msg); return EXIT_BAD_INPUT; }
            break;
        case O_HW: hints.hardware = optarg; break;
        case O_MODEL: hints.model = optarg; break;
        case O_QUANT: hints.quant = optarg; break;
        case O_BACKEND: hints.backend = optarg; break;
        case O_BATCHED: sel.with_batched = true; break;
        case O_MIXED: sel.with_mixed = true; break;
        case 'v': verbose = 1; break;
        case O_DATA: c.data_dir = optarg; break;
        case O_HELP: case 'h': calibrate_help(stdout); return 0;
        case ':': cli_error("calibrate: option '%s' needs a value", argv[optind - 1]); return EXIT_BAD_INPUT;
        default: cli_error("calibrate: unknown option '%s' (see llmcap calibrate --help)", argv[optind - 1]); return EXIT_BAD_INPUT;
        }
    }
    if (optind >= argc) {
        cli_error("calibrate: no run files given (llmcap calibrate RUNS... -o profile.json)");
        return EXIT_BAD_INPUT;
    }
    llmcap_profile *start = malloc(sizeof *start);
    if (!start) { cli_error("calibrate: out of memory"); return 1; }
    int rc = load_start(start_spec, start);
    if (rc) { free(start); return rc; }
    if ((rc = cli_load_db(&c))) { free(start); return rc; }

    const size_t n_files = (size_t)(argc - optind);
    const char **files = calloc(n_files, sizeof *files);
    size_t *file_runs = calloc(n_files, sizeof *file_runs);
    llmcap_runs runs;
    memset(&runs, 0, sizeof runs);
    llmcap_calib_set set;
    memset(&set, 0, sizeof set);
    llmcap_calib_result res;
    memset(&res, 0, sizeof res);
    llmcap_error err = {0};
    char *json = NULL;
    if (!files || !file_runs) { cli_error("calibrate: out of memory"); rc = 1; goto out; }
    for (size_t i = 0; i < n_files; i++) {
        files[i] = argv[optind + (int)i];
        const size_t before = runs.n;
        llmcap_status st = llmcap_runs_read_file(files[i], fmt, false, &runs, &err);
        if (st) {
            cli_error("calibrate: %s", err.msg);
            rc = st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
            goto out;
        }
        file_runs[i] = runs.n - before;
    }
    if (llmcap_calib_set_add_runs(&set, c.db, &runs, &hints, &sel, &err)) { cli_error("calibrate: %s", err.msg); rc = 1; goto out; }
    if (set.n == 0) {
        cli_error("calibrate: no usable runs in %zu runs read (%zu skipped%s%s%s)", runs.n, set.n_skipped,
                  set.n_skipped ? "; first: " : "", set.n_skipped ? set.skipped[0].file : "",
                  set.n_skipped ? "" : "");
        if (set.n_skipped) cli_error("calibrate: %s:%d: %s", set.skipped[0].file, set.skipped[0].line, set.skipped[0].reason);
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    char date[16] = "";
    if (created) snprintf(date, sizeof date, "%s", created);
    else today(date, sizeof date);
    llmcap_calib_options opt = {.name = name, .created = date, .max_iter = max_iter, .no_loho = no_loho != 0};
    llmcap_status st = llmcap_calibrate(&set, start, &opt, &res, &err);
    if (st) {
        cli_error("%s", err.msg);
        rc = st == LLMCAP_ERR_NOMEM ? 1 : EXIT_BAD_INPUT;
        goto out;
    }
    json = llmcap_calib_profile_json(&res, &set, files, file_runs, n_files);
    if (!json) { cli_error("calibrate: out of memory"); rc = 1; goto out; }
    if (out_path) {
        sink s;
        if ((rc = sink_open(&s, out_path))) goto out;
        fprintf(s.f, "%s\n", json);
        if ((rc = sink_commit(&s))) goto out;
    }
    if (c.format == OUT_JSON) printf("%s\n", json);
    else {
        print_report(stdout, &res, &set, runs.n, runs.n_issues, verbose);
        if (out_path) printf("\nprofile '%s' written to %s (llmcap estimate --profile %s ...)\n", res.profile.name, out_path, out_path);
        else printf("\nno profile written (give -o FILE)\n");
    }
    if (fflush(stdout) != 0) { cli_error("error writing standard output"); rc = 1; }
out:
    llmcap_json_free(json);
    llmcap_calib_result_free(&res);
    llmcap_calib_set_free(&set);
    llmcap_runs_free(&runs);
    free(files);
    free(file_runs);
    free(start);
    llmcap_db_free(c.db);
    return rc;
}
