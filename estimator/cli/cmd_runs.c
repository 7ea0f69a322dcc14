/* cmd_runs.c - `llmcap runs`: the measured-runs database (estimator/rundb).
 *
 *   runs import FILE...   store runs (every format llmcap_runs_read_file reads;
 *                         "-" = standard input), each matched to data/ and
 *                         predicted with the profile in use; one transaction
 *   runs list             one line per run (filters below)
 *   runs show ID          every field of one run
 *   runs query            every column of the matching runs, or --sql "SELECT ..."
 *                         (read-only: the database is opened read-only and the
 *                         statement guarded, see llmcap_rundb_sql)
 *   runs export           the runs as JSONL with llama-bench's field names,
 *                         which `runs import` reads back as the same runs
 *   runs check --baseline BUILD|DATE|FILE   regressions in tokens/s
 *   runs report --format html|md --out DIR  accuracy and history, with plots
 *
 * Exit status: 0 ok, 1 I/O (the database locked or unwritable, gnuplot
 * failed), 2 bad input (files, options, a corrupt or newer database),
 * 3 `runs check` found a regression.
 */
#include "cli.h"
#include "curves.h"
#include "llmcap_runs.h"
#include "rundb/llmcap_rundb.h"
#include "runs_report.h"
#include "types.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_REGRESSION 3

typedef struct runs_opts {
    const char *db_path;        /* --db */
    const char *data_dir;       /* --data */
    const char *profile_path;   /* --profile */
    const char *format;         /* --format: import: input format; report: html|md */
    const char *out;            /* -o / --out */
    const char *sql;            /* --sql */
    const char *baseline, *candidate;
    double threshold_pct, noise_k, timeout_s;
    int skip_bad, help;
    out_format fmt;             /* --json / --csv / table */
    llmcap_rundb_filter f;      /* --model --hardware --backend --quant --build --engine --test --since --until --limit */
    int positional;
} runs_opts;

static int exit_for(llmcap_status st)
{
    return st == LLMCAP_ERR_IO || st == LLMCAP_ERR_NOMEM ? 1 : EXIT_BAD_INPUT;
}

static void runs_help(FILE *f)
{
    fprintf(f,
            "usage: llmcap runs COMMAND [options]\n\n"
            "The measured-runs database: one SQLite file (--db FILE; default\n"
            "$XDG_DATA_HOME/llmcap/runs.db or ~/.local/share/llmcap/runs.db).\n\n"
            "commands:\n"
            "  import FILE...        store runs: llmcap-engine bench JSON, llama-bench JSON/JSONL/CSV/markdown,\n"
            "                        the measured-runs CSV layout (\"-\" = standard input); duplicates skipped;\n"
            "                        a bad row stops the import and changes nothing (--skip-bad: skip it)\n"
            "  list                  one line per run\n"
            "  show ID               every field of one run\n"
            "  query [--sql \"SELECT ...\"]  every column of the matching runs, or one read-only SQL statement\n"
            "                        over the tables and the view run_view\n"
            "  export [-o FILE]      the runs as JSONL (llama-bench's field names), importable again\n"
            "  check --baseline B    regressions: tokens/s of the newest runs against a baseline; B is\n"
            "                        build:ID (a prefix), date:YYYY-MM-DD (runs before it), file:FILE, or\n"
            "                        one of these written bare; exit status 3 when a regression is found\n"
            "  report --format html|md --out DIR   accuracy per backend/hardware and tokens/s history,\n"
            "                        with plots (gnuplot) embedded as SVG\n\n"
            "options:\n"
            "  --db FILE             the database file\n"
            "  --json, --csv         output format (default: a table)\n"
            "  -o, --out FILE|DIR    write to FILE atomically (report: the folder)\n"
            "  filters (list, query, export, check, report):\n"
            "  --model M             data/ id, or a part of the model name as the run wrote it\n"
            "  --hardware H          data/ id, or a part of the hardware name\n"
            "  --backend B, --quant Q, --test T   equal (case-insensitive): CUDA, Q4_K_M, tg128\n"
            "  --build B, --engine E  build prefix, part of the engine name\n"
            "  --since D, --until D   the run's date (YYYY-MM-DD[THH:MM[:SS]]; the import time when the file\n"
            "                        gave none); --until a day includes that day\n"
            "  --limit N             at most N rows\n"
            "  import:\n"
            "  --format FMT          the input format instead of detecting it: engine-json, llama-bench-json,\n"
            "                        llama-bench-jsonl, llama-bench-csv, llama-bench-md, measured-csv\n"
            "  --profile FILE        predict with this calibration profile (default: the built-in one)\n"
            "  --hardware, --model, --quant, --backend  names for runs whose file gives none or one not in data/\n"
            "  --skip-bad            skip rows that cannot be used, and list them\n"
            "  --data DIR            hardware.json and models.json from DIR\n"
            "  query:\n"
            "  --sql \"SELECT ...\"    one read-only statement; --timeout S stops it after S seconds (default 30)\n"
            "  check:\n"
            "  --candidate C         what to compare (default: the newest stored run of each test not in the\n"
            "                        baseline; for a date baseline, runs on or after the date)\n"
            "  --threshold P         a regression is a drop of more than P percent (default 5%%) ...\n"
            "  --noise-k K           ... and more than K times the combined stddev sqrt(s1^2+s2^2) (default 2)\n\n"
            "exit status: 0 ok, 1 I/O failure, 2 bad input, 3 regressions found (check).\n");
}

enum {
    O_DB = 3000, O_JSON, O_CSV, O_OUT, O_DATA, O_PROFILE, O_FORMAT, O_SQL, O_BASELINE, O_CANDIDATE, O_THRESHOLD,
    O_NOISE_K, O_TIMEOUT, O_SKIP_BAD, O_MODEL, O_HARDWARE, O_BACKEND, O_QUANT, O_BUILD, O_ENGINE, O_TEST, O_SINCE,
    O_UNTIL, O_LIMIT, O_HELP
};

static bool parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || errno || !end || *end || !isfinite(v) || v < lo || v > hi) {
        cli_error("runs: %s '%s' is not a number in [%g, %g]", opt, s, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, const char *sub, runs_opts *o)
{
    static const struct option longs[] = {
        {"db", required_argument, NULL, O_DB}, {"json", no_argument, NULL, O_JSON},
        {"csv", no_argument, NULL, O_CSV}, {"out", required_argument, NULL, O_OUT},
        {"o", required_argument, NULL, O_OUT}, {"data", required_argument, NULL, O_DATA},
        {"profile", required_argument, NULL, O_PROFILE}, {"format", required_argument, NULL, O_FORMAT},
        {"sql", required_argument, NULL, O_SQL}, {"baseline", required_argument, NULL, O_BASELINE},
        {"candidate", required_argument, NULL, O_CANDIDATE}, {"threshold", required_argument, NULL, O_THRESHOLD},
        {"noise-k", required_argument, NULL, O_NOISE_K}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"skip-bad", no_argument, NULL, O_SKIP_BAD}, {"model", required_argument, NULL, O_MODEL},
        {"hardware", required_argument, NULL, O_HARDWARE}, {"backend", required_argument, NULL, O_BACKEND},
        {"quant", required_argument, NULL, O_QUANT}, {"build", required_argument, NULL, O_BUILD},
        {"engine", required_argument, NULL, O_ENGINE}, {"test", required_argument, NULL, O_TEST},
        {"since", required_argument, NULL, O_SINCE}, {"until", required_argument, NULL, O_UNTIL},
        {"limit", required_argument, NULL, O_LIMIT}, {"help", no_argument, NULL, O_HELP},
        {"h", no_argument, NULL, O_HELP}, {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->threshold_pct = 5;
    o->noise_k = 2;
    o->timeout_s = 30;
    optind = 1;
    opterr = 0;
    int c;
    double v = 0;
    while ((c = getopt_long_only(argc, argv, ":", longs, NULL)) != -1) {
        switch (c) {
        case '?': cli_error("runs %s: unknown option '%s' (see llmcap runs --help)", sub, argv[optind - 1]); return EXIT_BAD_INPUT;
        case ':': cli_error("runs %s: option '%s' needs a value", sub, argv[optind - 1]); return EXIT_BAD_INPUT;
        case O_DB: o->db_path = optarg; break;
        case O_JSON: o->fmt = OUT_JSON; break;
        case O_CSV: o->fmt = OUT_CSV; break;
        case O_OUT: o->out = optarg; break;
        case O_DATA: o->data_dir = optarg; break;
        case O_PROFILE: o->profile_path = optarg; break;
        case O_FORMAT: o->format = optarg; break;
        case O_SQL: o->sql = optarg; break;
        case O_BASELINE: o->baseline = optarg; break;
        case O_CANDIDATE: o->candidate = optarg; break;
        case O_THRESHOLD: {
            /* "5%", "5" (both percent) */
            char buf[64];
            snprintf(buf, sizeof buf, "%s", optarg);
            size_t n = strlen(buf);
            if (n && buf[n - 1] == '%') buf[n - 1] = 0;
            if (!parse_double("--threshold", buf, 1e-9, 99.999, &o->threshold_pct)) return EXIT_BAD_INPUT;
            break;
        }
        case O_NOISE_K: if (!parse_double("--noise-k", optarg, 0, 100, &o->noise_k)) return EXIT_BAD_INPUT; break;
        case O_TIMEOUT: if (!parse_double("--timeout", optarg, 0.001, 86400, &o->timeout_s)) return EXIT_BAD_INPUT; break;
        case O_SKIP_BAD: o->skip_bad = 1; break;
        case O_MODEL: o->f.model = optarg; break;
        case O_HARDWARE: o->f.hardware = optarg; break;
        case O_BACKEND: o->f.backend = optarg; break;
        case O_QUANT: o->f.quant = optarg; break;
        case O_BUILD: o->f.build = optarg; break;
        case O_ENGINE: o->f.engine = optarg; break;
        case O_TEST: o->f.test = optarg; break;
        case O_SINCE: o->f.since = optarg; break;
        case O_UNTIL: o->f.until = optarg; break;
        case O_LIMIT:
            if (!parse_double("--limit", optarg, 1, 1e12, &v)) return EXIT_BAD_INPUT;
            if (v != floor(v)) { cli_error("runs %s: --limit '%s' is not a whole number", sub, optarg); return EXIT_BAD_INPUT; }
            o->f.limit = (long long)v;
            break;
        case O_HELP: o->help = 1; break;
        default: return EXIT_BAD_INPUT;
        }
    }
    o->positional = optind;
    llmcap_error err = {0};
    if (o->f.since && llmcap_rundb_check_date("--since", o->f.since, &err)) { cli_error("runs %s: %s", sub, err.msg); return EXIT_BAD_INPUT; }
    if (o->f.until && llmcap_rundb_check_date("--until", o->f.until, &err)) { cli_error("runs %s: %s", sub, err.msg); return EXIT_BAD_INPUT; }
    return 0;
}

/* The database path: --db, else the default (its folders made for writers). */
static int db_path(const runs_opts *o, bool create_dirs, char *buf, size_t n)
{
    if (o->db_path) {
        if (strlen(o->db_path) >= n) { cli_error("runs: --db path too long"); return EXIT_BAD_INPUT; }
        snprintf(buf, n, "%s", o->db_path);
        return 0;
    }
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_default_path(buf, n, create_dirs, &err);
    if (st) { cli_error("%s", err.msg); return exit_for(st); }
    return 0;
}

static int open_db(const runs_opts *o, bool readonly, llmcap_rundb **db)
{
    char path[1024];
    int rc = db_path(o, !readonly, path, sizeof path);
    if (rc) return rc;
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_open(path, readonly ? LLMCAP_RUNDB_READONLY : LLMCAP_RUNDB_READWRITE, db, &err);
    if (st) { cli_error("%s", err.msg); return exit_for(st); }
    return 0;
}

/* for the subcommands that take no arguments (only options): an error naming the first one given */
static int no_arguments(int argc, char **argv, const runs_opts *o, const char *cmd, const char *hint)
{
    if (o->positional >= argc) return 0;
    cli_error("runs %s: unexpected argument '%s'%s", cmd, argv[o->positional], hint);
    return EXIT_BAD_INPUT;
}

/* the filter options given (--hardware, --since, ...), or NULL when there are none */
static const llmcap_rundb_filter *given_filter(const runs_opts *o)
{
    static const llmcap_rundb_filter none = {0};
    return memcmp(&o->f, &none, sizeof none) ? &o->f : NULL;
}

/* ========================================================================= */
/* Tables out: aligned text, CSV, JSON                                        */
/* ========================================================================= */

static void csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static cJSON *table_json(const llmcap_rundb_table *t)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t r = 0; arr && r < t->n_rows; r++) {
        cJSON *o = cJSON_CreateObject();
        if (!o) { cJSON_Delete(arr); return NULL; }
        cJSON_AddItemToArray(arr, o);
        for (size_t c = 0; c < t->n_cols; c++) {
            size_t k = r * t->n_cols + c;
            const char *v = t->cells[k];
            cJSON *item;
            if (!v) item = cJSON_CreateNull();
            else if (t->types[k] == LLMCAP_RUNDB_INT || t->types[k] == LLMCAP_RUNDB_REAL) item = cJSON_CreateNumber(strtod(v, NULL));
            else item = cJSON_CreateString(v);
            if (!item) { cJSON_Delete(arr); return NULL; }
            cJSON_AddItemToObject(o, t->names[c], item);
        }
    }
    return arr;
}

/* A number cell for a table: "130.6" stays, "130.600000001" is cut to 2 decimals. */
static const char *table_text(const llmcap_rundb_table *t, size_t k, char *buf, size_t n)
{
    const char *v = t->cells[k];
    if (!v) return "-";
    if (t->types[k] == LLMCAP_RUNDB_REAL) {
        const char *dot = strchr(v, '.');
        if (dot && strlen(dot) > 3 && !strpbrk(v, "eE")) { snprintf(buf, n, "%.2f", strtod(v, NULL)); return buf; }
    }
    return v;
}

static int print_table(FILE *f, const llmcap_rundb_table *t, out_format fmt)
{
    if (fmt == OUT_JSON || fmt == OUT_JSONL) {
        cJSON *arr = table_json(t);
        char *s = arr ? cJSON_Print(arr) : NULL;
        cJSON_Delete(arr);
        if (!s) { cli_error("out of memory"); return 1; }
        fprintf(f, "%s\n", s);
        cJSON_free(s);
        return 0;
    }
    if (fmt == OUT_CSV) {
        for (size_t c = 0; c < t->n_cols; c++) { if (c) fputc(',', f); csv_cell(f, t->names[c]); }
        fputc('\n', f);
        for (size_t r = 0; r < t->n_rows; r++) {
            for (size_t c = 0; c < t->n_cols; c++) {
                if (c) fputc(',', f);
                const char *v = t->cells[r * t->n_cols + c];
                csv_cell(f, v ? v : "");
            }
            fputc('\n', f);
        }
        return 0;
    }
    size_t *w = calloc(t->n_cols ? t->n_cols : 1, sizeof *w);
    if (!w) { cli_error("out of memory"); return 1; }
    char buf[64];
    for (size_t c = 0; c < t->n_cols; c++) {
        w[c] = strlen(t->names[c]);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t l = strlen(table_text(t, r * t->n_cols + c, buf, sizeof buf));
            if (l > w[c]) w[c] = l;
        }
        if (w[c] > 60) w[c] = 60;
    }
    for (size_t c = 0; c < t->n_cols; c++) fprintf(f, "%s%-*s", c ? "  " : "", c + 1 == t->n_cols ? 0 : (int)w[c], t->names[c]);
    fputc('\n', f);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            size_t k = r * t->n_cols + c;
            const char *v = table_text(t, k, buf, sizeof buf);
            const bool num = t->types[k] == LLMCAP_RUNDB_INT || t->types[k] == LLMCAP_RUNDB_REAL;
            if (num) fprintf(f, "%s%*.*s", c ? "  " : "", (int)w[c], (int)w[c], v);
            else fprintf(f, "%s%-*.*s", c ? "  " : "", c + 1 == t->n_cols ? 0 : (int)w[c], (int)w[c], v);
        }
        fputc('\n', f);
    }
    free(w);
    return 0;
}

/* write a table through -o (atomic) or stdout */
static int emit_table(const runs_opts *o, const llmcap_rundb_table *t)
{
    sink s;
    int rc = sink_open(&s, o->out);
    if (rc) return rc;
    rc = print_table(s.f, t, o->fmt);
    if (rc) { sink_abort(&s); return rc; }
    return sink_commit(&s);
}

/* ========================================================================= */
/* import                                                                     */
/* ========================================================================= */

static int load_profile(const runs_opts *o, const llmcap_profile **out)
{
    *out = llmcap_profile_default();
    if (!o->profile_path) return 0;
    llmcap_error err = {0};
    llmcap_status st = llmcap_profile_load_cached(o->profile_path, out, &err);
    if (st) { cli_error("%s", err.msg); return exit_for(st); }
    return 0;
}

static int cmd_import(int argc, char **argv, runs_opts *o)
{
    if (o->positional >= argc) { cli_error("runs import: no file given (llmcap runs import FILE... ; \"-\" = standard input)"); return EXIT_BAD_INPUT; }
    llmcap_run_format fmt = LLMCAP_RUNS_AUTO;
    llmcap_error err = {0};
    if (o->format && llmcap_run_format_parse(o->format, &fmt, &err)) { cli_error("runs import: --format: %s", err.msg); return EXIT_BAD_INPUT; }
    const llmcap_profile *profile;
    int rc = load_profile(o, &profile);
    if (rc) return rc;
    /* every file is read before the database is opened: a bad file changes nothing */
    llmcap_runs runs = {0};
    for (int i = o->positional; i < argc; i++) {
        size_t before = runs.n;
        llmcap_status st = llmcap_runs_read_file(argv[i], fmt, !o->skip_bad, &runs, &err);
        if (st) {
            cli_error("%s%s", err.msg, o->skip_bad ? "" : " (nothing imported; --skip-bad imports the other rows)");
            llmcap_runs_free(&runs);
            return exit_for(st);
        }
        if (runs.n == before && !o->skip_bad) {
            cli_error("%s: no runs in the file (nothing imported)", argv[i]);
            llmcap_runs_free(&runs);
            return EXIT_BAD_INPUT;
        }
    }
    for (size_t i = 0; i < runs.n_issues; i++)
        cli_error("%s:%d: %s (skipped)", runs.issues[i].file, runs.issues[i].line, runs.issues[i].reason);
    cli_ctx c;
    memset(&c, 0, sizeof c);
    c.data_dir = o->data_dir;
    if ((rc = cli_load_db(&c))) { llmcap_runs_free(&runs); return rc; }
    llmcap_rundb *db = NULL;
    if ((rc = open_db(o, false, &db))) { llmcap_db_free(c.db); llmcap_runs_free(&runs); return rc; }
    llmcap_run_hints hints = {.hardware = o->f.hardware, .model = o->f.model, .quant = o->f.quant, .backend = o->f.backend};
    llmcap_rundb_import_opts io = {.data = c.db, .profile = profile, .hints = &hints};
    llmcap_rundb_import_stats s;
    llmcap_status st = llmcap_rundb_import(db, &runs, &io, &s, &err);
    if (st) {
        cli_error("%s (nothing imported)", err.msg);
        rc = exit_for(st);
    } else if (o->fmt == OUT_JSON) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "db", llmcap_rundb_path(db));
        cJSON_AddNumberToObject(j, "imported", (double)s.n_imported);
        cJSON_AddNumberToObject(j, "duplicates", (double)s.n_duplicates);
        cJSON_AddNumberToObject(j, "not_usable", (double)runs.n_issues);
        cJSON_AddNumberToObject(j, "predicted", (double)s.n_predicted);
        cJSON_AddNumberToObject(j, "not_predicted", (double)s.n_unmatched);
        cJSON_AddStringToObject(j, "profile", profile->name);
        cJSON *bad = cJSON_AddArrayToObject(j, "not_usable_rows");
        for (size_t i = 0; bad && i < runs.n_issues; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "file", runs.issues[i].file);
            cJSON_AddNumberToObject(e, "line", runs.issues[i].line);
            cJSON_AddStringToObject(e, "reason", runs.issues[i].reason);
            cJSON_AddItemToArray(bad, e);
        }
        cJSON *why = cJSON_AddArrayToObject(j, "not_predicted_reasons");
        for (size_t i = 0; why && i < s.n_reasons; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "reason", s.reasons[i].reason);
            cJSON_AddNumberToObject(e, "count", (double)s.reasons[i].count);
            cJSON_AddStringToObject(e, "example", s.reasons[i].example);
            cJSON_AddItemToArray(why, e);
        }
        char *txt = cJSON_Print(j);
        if (txt) printf("%s\n", txt);
        cJSON_free(txt);
        cJSON_Delete(j);
    } else {
        printf("%s: %zu imported, %zu duplicates skipped, %zu rows not usable", llmcap_rundb_path(db), s.n_imported,
               s.n_duplicates, runs.n_issues);
        if (runs.n_issues) printf(" (listed above)");
        printf("\n");
        if (s.n_imported)
            printf("predicted with profile '%s': %zu of %zu new runs\n", profile->name, s.n_predicted, s.n_imported);
        size_t shown = 0;
        for (size_t i = 0; i < s.n_reasons; i++) {
            printf("  not predicted, %zu: %s (e.g. %.120s%s)\n", s.reasons[i].count, s.reasons[i].reason,
                   s.reasons[i].example, strlen(s.reasons[i].example) > 120 ? "..." : "");
            shown += s.reasons[i].count;
        }
        if (shown < s.n_unmatched) printf("  not predicted, %zu: other reasons\n", s.n_unmatched - shown);
    }
    if (!rc && (fflush(stdout) != 0 || ferror(stdout))) { cli_error("error writing standard output"); rc = 1; }
    llmcap_rundb_close(db);
    llmcap_db_free(c.db);
    llmcap_runs_free(&runs);
    return rc;
}

/* ========================================================================= */
/* list, show, query                                                          */
/* ========================================================================= */

/* the end of list and query: the error, or the table printed (and freed) */
static int emit_result(const runs_opts *o, llmcap_status st, llmcap_rundb_table *t, const llmcap_error *err)
{
    if (st) { cli_error("%s", err->msg); return exit_for(st); }
    int rc = emit_table(o, t);
    llmcap_rundb_table_free(t);
    return rc;
}

static int cmd_list_runs(int argc, char **argv, runs_opts *o)
{
    if (no_arguments(argc, argv, o, "list", "")) return EXIT_BAD_INPUT;
    llmcap_rundb *db = NULL;
    int rc = open_db(o, true, &db);
    if (rc) return rc;
    llmcap_rundb_table t;
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_list(db, &o->f, &t, &err);
    rc = emit_result(o, st, &t, &err);
    llmcap_rundb_close(db);
    return rc;
}

static int cmd_show(int argc, char **argv, runs_opts *o)
{
    if (o->positional + 1 != argc) { cli_error("runs show: give one run id (llmcap runs show ID)"); return EXIT_BAD_INPUT; }
    const char *s = argv[o->positional];
    char *end = NULL;
    errno = 0;
    long long id = strtoll(s, &end, 10);
    if (!*s || *end || errno || id < 1) { cli_error("runs show: '%s' is not a run id (a whole number >= 1)", s); return EXIT_BAD_INPUT; }
    llmcap_rundb *db = NULL;
    int rc = open_db(o, true, &db);
    if (rc) return rc;
    llmcap_rundb_table t;
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_show(db, id, &t, &err);
    if (st) { cli_error("%s", err.msg); rc = exit_for(st); }
    else if (o->fmt == OUT_TABLE) {
        sink sk;
        if (!(rc = sink_open(&sk, o->out))) {
            size_t w = 0;
            for (size_t c = 0; c < t.n_cols; c++) if (strlen(t.names[c]) > w) w = strlen(t.names[c]);
            char buf[64];
            for (size_t c = 0; c < t.n_cols; c++) fprintf(sk.f, "%-*s  %s\n", (int)w, t.names[c], table_text(&t, c, buf, sizeof buf));
            rc = sink_commit(&sk);
        }
    } else if (o->fmt == OUT_JSON) {
        /* one object rather than an array of one */
        sink sk;
        if (!(rc = sink_open(&sk, o->out))) {
            cJSON *arr = table_json(&t);
            char *txt = arr ? cJSON_Print(cJSON_GetArrayItem(arr, 0)) : NULL;
            cJSON_Delete(arr);
            if (!txt) { cli_error("out of memory"); sink_abort(&sk); rc = 1; }
            else { fprintf(sk.f, "%s\n", txt); cJSON_free(txt); rc = sink_commit(&sk); }
        }
    } else {
        rc = emit_table(o, &t);
    }
    if (!st) llmcap_rundb_table_free(&t);
    llmcap_rundb_close(db);
    return rc;
}

static int cmd_query(int argc, char **argv, runs_opts *o)
{
    if (no_arguments(argc, argv, o, "query", " (SQL goes in --sql \"...\")")) return EXIT_BAD_INPUT;
    if (o->sql && given_filter(o)) {
        cli_error("runs query: --sql takes no filter options (write them in the WHERE clause)");
        return EXIT_BAD_INPUT;
    }
    llmcap_rundb *db = NULL;
    int rc = open_db(o, true, &db);   /* read-only: the first layer of the --sql guard */
    if (rc) return rc;
    llmcap_rundb_table t;
    llmcap_error err = {0};
    llmcap_status st = o->sql ? llmcap_rundb_sql(db, o->sql, (long)(o->timeout_s * 1000), &t, &err)
                              : llmcap_rundb_select(db, &o->f, &t, &err);
    rc = emit_result(o, st, &t, &err);
    llmcap_rundb_close(db);
    return rc;
}

/* ========================================================================= */
/* export                                                                     */
/* ========================================================================= */

/* One run as a llama-bench JSON object that llmcap_runs_read gives back as
 * the same run (the fields of its natural key; batched runs through
 * llama-batched-bench's test names). */
static cJSON *run_json(const llmcap_run *r)
{
    char buf[160];
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "engine", r->engine);
    cJSON_AddStringToObject(o, "build_commit", r->build);
    cJSON_AddStringToObject(o, "test_time", r->date);
    cJSON_AddStringToObject(o, "backends", r->backend);
    if (!strcmp(r->engine, "llmcap-engine")) cJSON_AddStringToObject(o, "backend", r->backend);
    cJSON_AddStringToObject(o, "gpu_info", r->hardware);
    cJSON_AddStringToObject(o, "cpu_info", r->hardware);
    cJSON_AddStringToObject(o, "model_type", r->model);
    cJSON_AddStringToObject(o, "model_ftype", r->quant);
    if (r->model_size_bytes > 0) cJSON_AddNumberToObject(o, "model_size", r->model_size_bytes);
    if (r->n_params > 0) cJSON_AddNumberToObject(o, "model_n_params", r->n_params);
    if (r->mem_bw_gbps > 0) cJSON_AddNumberToObject(o, "mem_bw_gbps", r->mem_bw_gbps);
    cJSON_AddNumberToObject(o, "n_batch", r->n_batch);
    cJSON_AddNumberToObject(o, "n_ubatch", r->n_ubatch);
    cJSON_AddNumberToObject(o, "n_threads", r->n_threads);
    if (r->n_gpu_layers >= 0) cJSON_AddNumberToObject(o, "n_gpu_layers", r->n_gpu_layers);
    if (r->flash_attn >= 0) cJSON_AddBoolToObject(o, "flash_attn", r->flash_attn);
    for (int k = 0; k < 2; k++) {
        int t = k ? r->type_v : r->type_k;
        const char *nm = t >= 0 ? gguf_type_name(t) : NULL;
        if (!nm) continue;
        size_t i = 0;
        for (; nm[i] && i + 1 < sizeof buf; i++) buf[i] = (char)tolower((unsigned char)nm[i]);
        buf[i] = 0;
        cJSON_AddStringToObject(o, k ? "type_v" : "type_k", buf);
    }
    if (r->n_seq > 1 && r->test == LLMCAP_TEST_PP && !r->n_depth) {
        snprintf(buf, sizeof buf, "S_PP (PP=%u,TG=1,B=%u)", r->n_prompt, r->n_seq);
        cJSON_AddStringToObject(o, "test", buf);
    } else if (r->n_seq > 1 && r->test == LLMCAP_TEST_TG) {
        snprintf(buf, sizeof buf, "S_TG (PP=%u,TG=%u,B=%u)", r->n_depth, r->n_gen, r->n_seq);
        cJSON_AddStringToObject(o, "test", buf);
    } else {
        cJSON_AddNumberToObject(o, "n_prompt", r->n_prompt);
        cJSON_AddNumberToObject(o, "n_gen", r->n_gen);
        cJSON_AddNumberToObject(o, "n_depth", r->n_depth);
    }
    cJSON_AddNumberToObject(o, "avg_ts", r->tok_s);
    cJSON_AddNumberToObject(o, "stddev_ts", r->stddev_tok_s);
    if (r->latency_p50_ms > 0) cJSON_AddNumberToObject(o, "latency_p50_ms", r->latency_p50_ms);
    if (r->latency_p90_ms > 0) cJSON_AddNumberToObject(o, "latency_p90_ms", r->latency_p90_ms);
    if (r->latency_p95_ms > 0) cJSON_AddNumberToObject(o, "latency_p95_ms", r->latency_p95_ms);
    if (r->latency_p99_ms > 0) cJSON_AddNumberToObject(o, "latency_p99_ms", r->latency_p99_ms);
    if (r->peak_mem_bytes > 0) cJSON_AddNumberToObject(o, "peak_rss_bytes", r->peak_mem_bytes);
    /* ours, for people reading the file: the reader ignores them */
    cJSON_AddStringToObject(o, "source", r->source);
    if (r->notes[0]) cJSON_AddStringToObject(o, "notes", r->notes);
    return o;
}

static int cmd_export(int argc, char **argv, runs_opts *o)
{
    if (no_arguments(argc, argv, o, "export", "")) return EXIT_BAD_INPUT;
    llmcap_rundb *db = NULL;
    int rc = open_db(o, true, &db);
    if (rc) return rc;
    llmcap_runs runs = {0};
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_load_runs(db, &o->f, &runs, &err);
    llmcap_rundb_close(db);
    if (st) { cli_error("%s", err.msg); return exit_for(st); }
    sink s;
    if ((rc = sink_open(&s, o->out))) { llmcap_runs_free(&runs); return rc; }
    for (size_t i = 0; i < runs.n && !rc; i++) {
        cJSON *j = run_json(&runs.runs[i]);
        char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        if (!txt) { cli_error("out of memory"); rc = 1; break; }
        fprintf(s.f, "%s\n", txt);
        cJSON_free(txt);
    }
    if (rc) sink_abort(&s);
    else rc = sink_commit(&s);
    llmcap_runs_free(&runs);
    return rc;
}

/* ========================================================================= */
/* check                                                                      */
/* ========================================================================= */

/* build:ID, date:D, file:F, or bare (an existing file, a date, else a build) */
static int parse_set(const char *opt, const char *spec, llmcap_rundb_set *s, llmcap_runs *runs)
{
    memset(s, 0, sizeof *s);
    llmcap_error err = {0};
    if (!spec || !*spec) { cli_error("runs check: %s is empty", opt); return EXIT_BAD_INPUT; }
    const char *v = spec;
    enum { K_AUTO, K_BUILD, K_DATE, K_FILE } k = K_AUTO;
    if (!strncmp(spec, "build:", 6)) { k = K_BUILD; v = spec + 6; }
    else if (!strncmp(spec, "date:", 5)) { k = K_DATE; v = spec + 5; }
    else if (!strncmp(spec, "file:", 5)) { k = K_FILE; v = spec + 5; }
    if (k == K_AUTO) {
        struct stat sb;
        if (!strcmp(v, "-") || (stat(v, &sb) == 0 && S_ISREG(sb.st_mode))) k = K_FILE;
        else if (llmcap_rundb_check_date(opt, v, NULL) == LLMCAP_OK) k = K_DATE;
        else k = K_BUILD;
    }
    if (!*v) { cli_error("runs check: %s '%s' names nothing", opt, spec); return EXIT_BAD_INPUT; }
    if (k == K_DATE) {
        if (llmcap_rundb_check_date(opt, v, &err)) { cli_error("runs check: %s", err.msg); return EXIT_BAD_INPUT; }
        s->kind = LLMCAP_RUNDB_SET_DATE;
        s->value = v;
    } else if (k == K_BUILD) {
        s->kind = LLMCAP_RUNDB_SET_BUILD;
        s->value = v;
    } else {
        llmcap_status st = llmcap_runs_read_file(v, LLMCAP_RUNS_AUTO, false, runs, &err);
        if (st) { cli_error("runs check: %s: %s", opt, err.msg); return exit_for(st); }
        for (size_t i = 0; i < runs->n_issues; i++)
            cli_error("%s:%d: %s (skipped)", runs->issues[i].file, runs->issues[i].line, runs->issues[i].reason);
        s->kind = LLMCAP_RUNDB_SET_RUNS;
        s->runs = runs;
    }
    return 0;
}

static int cmd_check(int argc, char **argv, runs_opts *o)
{
    if (no_arguments(argc, argv, o, "check", "")) return EXIT_BAD_INPUT;
    if (!o->baseline) { cli_error("runs check: --baseline BUILD|DATE|FILE is required"); return EXIT_BAD_INPUT; }
    llmcap_runs base_runs = {0}, cand_runs = {0};
    llmcap_rundb_check_opts co = {.threshold_pct = o->threshold_pct, .noise_k = o->noise_k};
    co.filter = given_filter(o);
    int rc = parse_set("--baseline", o->baseline, &co.baseline, &base_runs);
    if (!rc && o->candidate) rc = parse_set("--candidate", o->candidate, &co.candidate, &cand_runs);
    if (!rc && co.baseline.kind == LLMCAP_RUNDB_SET_RUNS && co.candidate.kind == LLMCAP_RUNDB_SET_RUNS) {
        cli_error("runs check: the baseline and the candidate are both files: one side comes from the database");
        rc = EXIT_BAD_INPUT;
    }
    cli_ctx c;
    memset(&c, 0, sizeof c);
    c.data_dir = o->data_dir;
    if (!rc && (co.baseline.kind == LLMCAP_RUNDB_SET_RUNS || co.candidate.kind == LLMCAP_RUNDB_SET_RUNS)) {
        rc = cli_load_db(&c);
        co.data = c.db;
    }
    llmcap_rundb *db = NULL;
    if (!rc) rc = open_db(o, true, &db);
    llmcap_rundb_check_result res = {0};
    llmcap_error err = {0};
    if (!rc) {
        llmcap_status st = llmcap_rundb_check(db, &co, &res, &err);
        if (st) { cli_error("runs check: %s", err.msg); rc = exit_for(st); }
    }
    if (!rc) {
        sink s;
        rc = sink_open(&s, o->out);
        if (!rc && o->fmt == OUT_JSON) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "threshold_pct", o->threshold_pct);
            cJSON_AddNumberToObject(j, "noise_k", o->noise_k);
            cJSON_AddNumberToObject(j, "compared", (double)res.n);
            cJSON_AddNumberToObject(j, "regressions", (double)res.n_regressions);
            cJSON_AddNumberToObject(j, "improvements", (double)res.n_improvements);
            cJSON_AddNumberToObject(j, "baseline_only", (double)res.n_base_only);
            cJSON_AddNumberToObject(j, "candidate_only", (double)res.n_new_only);
            cJSON *arr = cJSON_AddArrayToObject(j, "changes");
            for (size_t i = 0; arr && i < res.n; i++) {
                const llmcap_rundb_change *ch = &res.changes[i];
                cJSON *e = cJSON_CreateObject();
                cJSON_AddStringToObject(e, "model", ch->model);
                cJSON_AddStringToObject(e, "quant", ch->quant);
                cJSON_AddStringToObject(e, "hardware", ch->hardware);
                cJSON_AddStringToObject(e, "backend", ch->backend);
                cJSON_AddStringToObject(e, "test", ch->test);
                cJSON_AddStringToObject(e, "config", ch->config);
                cJSON_AddStringToObject(e, "base_build", ch->base_build);
                cJSON_AddStringToObject(e, "new_build", ch->new_build);
                cJSON_AddStringToObject(e, "base_date", ch->base_date);
                cJSON_AddStringToObject(e, "new_date", ch->new_date);
                cJSON_AddNumberToObject(e, "base_tok_s", ch->base_tok_s);
                cJSON_AddNumberToObject(e, "base_stddev", ch->base_stddev);
                cJSON_AddNumberToObject(e, "new_tok_s", ch->new_tok_s);
                cJSON_AddNumberToObject(e, "new_stddev", ch->new_stddev);
                cJSON_AddNumberToObject(e, "change_pct", ch->change_pct);
                cJSON_AddNumberToObject(e, "noise_tok_s", ch->noise_tok_s);
                cJSON_AddNumberToObject(e, "noise_pct", ch->noise_pct);
                cJSON_AddStringToObject(e, "verdict", llmcap_rundb_verdict_name(ch->verdict));
                cJSON_AddItemToArray(arr, e);
            }
            char *txt = cJSON_Print(j);
            cJSON_Delete(j);
            if (txt) { fprintf(s.f, "%s\n", txt); cJSON_free(txt); }
            else rc = 1;
        } else if (!rc && o->fmt == OUT_CSV) {
            fprintf(s.f, "model,quant,hardware,backend,test,config,base_build,new_build,base_tok_s,base_stddev,new_tok_s,"
                         "new_stddev,change_pct,noise_pct,verdict\n");
            for (size_t i = 0; i < res.n; i++) {
                const llmcap_rundb_change *ch = &res.changes[i];
                const char *cols[] = {ch->model, ch->quant, ch->hardware, ch->backend, ch->test, ch->config,
                                      ch->base_build, ch->new_build};
                for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) { csv_cell(s.f, cols[k]); fputc(',', s.f); }
                fprintf(s.f, "%.6g,%.6g,%.6g,%.6g,%.4f,%.4f,%s\n", ch->base_tok_s, ch->base_stddev, ch->new_tok_s,
                        ch->new_stddev, ch->change_pct, ch->noise_pct, llmcap_rundb_verdict_name(ch->verdict));
            }
        } else if (!rc) {
            fprintf(s.f, "%-22s %-8s %-18s %-8s %-14s %18s %18s %8s %7s  %s\n", "model", "quant", "hardware", "backend",
                    "test", "baseline tok/s", "new tok/s", "change", "noise", "verdict");
            for (size_t i = 0; i < res.n; i++) {
                const llmcap_rundb_change *ch = &res.changes[i];
                char b[40], n[40];
                snprintf(b, sizeof b, "%.2f ± %.2f", ch->base_tok_s, ch->base_stddev);
                snprintf(n, sizeof n, "%.2f ± %.2f", ch->new_tok_s, ch->new_stddev);
                fprintf(s.f, "%-22.40s %-8s %-18.40s %-8s %-14s %19s %19s %+7.1f%% %6.1f%%  %s\n", ch->model, ch->quant,
                        ch->hardware, ch->backend, ch->test, b, n, ch->change_pct, ch->noise_pct,
                        ch->verdict == LLMCAP_RUNDB_REGRESSION ? "REGRESSION" : llmcap_rundb_verdict_name(ch->verdict));
            }
            fprintf(s.f, "%zu compared: %zu regression%s, %zu improvement%s (a change beyond %g%% and %g x the noise); "
                         "%zu only in the baseline, %zu only in the candidate\n",
                    res.n, res.n_regressions, res.n_regressions == 1 ? "" : "s", res.n_improvements,
                    res.n_improvements == 1 ? "" : "s", o->threshold_pct, o->noise_k, res.n_base_only, res.n_new_only);
        }
        if (!rc) rc = sink_commit(&s);
        else sink_abort(&s);
        if (!rc && res.n == 0)
            cli_error("runs check: note: no (model, hardware, backend, test, run options) is in both the baseline "
                      "(%zu runs) and the candidate (%zu runs)", res.n_base_runs, res.n_new_runs);
        if (!rc && res.n_regressions) rc = EXIT_REGRESSION;
    }
    llmcap_rundb_check_result_free(&res);
    llmcap_rundb_close(db);
    llmcap_db_free(c.db);
    llmcap_runs_free(&base_runs);
    llmcap_runs_free(&cand_runs);
    return rc;
}

/* ========================================================================= */
/* dispatch                                                                   */
/* ========================================================================= */

static int cmd_report(int argc, char **argv, runs_opts *o)
{
    if (no_arguments(argc, argv, o, "report", "")) return EXIT_BAD_INPUT;
    if (!o->format || !o->out) { cli_error("runs report: give --format html|md and --out DIR"); return EXIT_BAD_INPUT; }
    llmcap_rundb *db = NULL;
    int rc = open_db(o, true, &db);
    if (rc) return rc;
    rc = runs_report(db, given_filter(o), o->format, o->out);
    llmcap_rundb_close(db);
    return rc;
}

int cmd_runs(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        runs_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    const char *sub = argv[1];
    static const struct { const char *name; int (*fn)(int, char **, runs_opts *); } subs[] = {
        {"import", cmd_import}, {"list", cmd_list_runs}, {"show", cmd_show}, {"query", cmd_query},
        {"export", cmd_export}, {"check", cmd_check}, {"report", cmd_report},
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(sub, subs[i].name)) continue;
        runs_opts o;
        int rc = parse_opts(argc - 1, argv + 1, sub, &o);
        if (rc) return rc;
        if (o.help) { runs_help(stdout); return 0; }
        return subs[i].fn(argc - 1, argv + 1, &o);
    }
    cli_error("runs: unknown command '%s' (import, list, show, query, export, check, report)", sub);
    return EXIT_BAD_INPUT;
}
