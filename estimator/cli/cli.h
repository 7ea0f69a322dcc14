/* cli.h - shared pieces of the `llmcap` command-line tool. */
#ifndef LLMCAP_CLI_H
#define LLMCAP_CLI_H

#include "llmcap.h"

#include <stdio.h>

/* exit codes: 0 ok, 1 runtime failure (I/O), 2 bad input / usage */
#define EXIT_BAD_INPUT 2

typedef enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_JSONL } out_format;

/* Options common to every command, parsed from argv. */
typedef struct cli_ctx {
    llmcap_db *db;
    const char *data_dir;   /* --data DIR, NULL = embedded data */
    out_format format;
    const char *out_path;   /* -o FILE: written atomically; NULL = stdout */
} cli_ctx;

/* Print "llmcap: <msg>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load the data (embedded or --data DIR). Returns 0 or an exit code. */
int cli_load_db(cli_ctx *c);

/* An output sink: stdout, or a temp file renamed over the target on success
 * (so a failed command never leaves a partial file). */
typedef struct sink {
    FILE *f;
    char path[1024];
    char tmp[1100];
} sink;
int sink_open(sink *s, const char *path);        /* 0 or exit code */
int sink_commit(sink *s);                        /* 0 or exit code */
void sink_abort(sink *s);

/* Fast number formatting for CSV rows: append to buf at *pos (buf large enough). */
void fmt_u64(char *buf, size_t *pos, unsigned long long v);
void fmt_fixed(char *buf, size_t *pos, double v, int decimals); /* NaN/inf -> empty */
void fmt_str_csv(char *buf, size_t *pos, const char *s);         /* quoted when needed */

/* Parse the estimate options of argv (getopt_long_only over the shared option
 * table, plus --json/--csv/-o/--data and command flags given in extra).
 * Options whose value contains ',' or ':' are collected for sweeps when
 * allow_lists; otherwise they are an error. Returns 0 or an exit code. */
typedef struct cli_listopt {
    const char *key;     /* canonical option name */
    char *value;         /* the raw list text */
} cli_listopt;

typedef struct cli_args {
    llmcap_request rq;
    cli_listopt lists[32];
    int n_lists;
    const char *in_path;   /* sweep --in */
    int positional;        /* index of first positional arg in argv, or argc */
    int help;
} cli_args;

int cli_parse(int argc, char **argv, cli_ctx *c, cli_args *a, int allow_lists, const char *cmd);

int cmd_estimate(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_curves(int argc, char **argv);   /* cmd_curves.c: plots with gnuplot */
int cmd_compare(int argc, char **argv);  /* cmd_compare.c: measured runs against predictions */
int cmd_calibrate(int argc, char **argv); /* cmd_calibrate.c: fit a calibration profile */
int cmd_runs(int argc, char **argv);     /* cmd_runs.c: the measured-runs database (SQLite) */

/* help text of the shared options */
void cli_print_option_help(FILE *f);

/* Human-friendly units */
const char *cli_gib(char *buf, size_t n, double bytes);

#endif
