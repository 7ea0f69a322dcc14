/* llmcap_rundb.h - the measured-runs database: measured runs kept in one
 * SQLite file, with the data/ entries they were matched to and the prediction
 * the estimator made for each one when it was imported (the module behind
 * `llmcap runs` and `llmcap-engine bench --db`).
 *
 * Store: SQLite 3 (Debian libsqlite3-dev), one file. The schema is versioned
 * with PRAGMA user_version and upgraded by a table of migrations, one per
 * version step, all steps of one upgrade in one write transaction (all or
 * nothing); PRAGMA application_id marks the file as ours (LLMCAP_RUNDB_APP_ID). Journal: SQLite's default rollback
 * journal (not WAL), so the database stays one file that can be copied, mailed
 * or kept on a network home directory (WAL needs shared memory between the
 * processes); imports are short and writers serialise in either mode. Every
 * connection sets busy_timeout (LLMCAP_RUNDB_BUSY_MS) and foreign_keys=ON, and
 * writers take the write lock at BEGIN IMMEDIATE, so two importers at once
 * wait for each other instead of failing.
 *
 * Tables (schema version 1; README "Keeping measured runs" shows them):
 *   imports     one row per file (or bench invocation) imported: time, source,
 *               format, llmcap version, profile, counts
 *   profiles    the estimator profiles predictions were made with (name,
 *               hash, JSON)
 *   hardware    as described by the run, and as resolved against data/
 *               (data_id, n_gpu, name, kind, memory, bandwidth) when it was
 *   models      as described, quant, data/ id, architecture, file type,
 *               size, parameters, file hash when known
 *   builds      engine and build (commit / build number) pairs
 *   runs        one measured run: test, tokens/s, stddev, latency
 *               percentiles (p50/p90/p95/p99), peak memory, run options, test as
 *               llmcap_run_test_name writes it ("tg128", "pp512 @ d4096");
 *               natural_key UNIQUE
 *   predictions the prediction of each run with the import's profile
 *   run_view    (view) everything about a run in one row, for queries
 *
 * Duplicates: a run's natural key is its own fields (engine, build,
 * hardware, backend, model, quant, test, n_prompt, n_gen, n_depth, n_seq,
 * n_batch, n_ubatch, n_threads, n_gpu_layers, flash attention, KV types,
 * date, tokens/s and stddev written exactly), not the file it came in, so a
 * run re-read from another file or format (or exported and imported back) is
 * still the same run; a run whose key is already stored is skipped and
 * counted as a duplicate. (The 2460 runs of the shared measured_runs.csv have
 * 2460 distinct keys.)
 *
 * The library never prints; errors come back as an llmcap_status with the
 * message in llmcap_error.
 */
#ifndef LLMCAP_RUNDB_H
#define LLMCAP_RUNDB_H

#include "llmcap.h"
#include "llmcap_runs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema version this code writes and reads (PRAGMA user_version). */
#define LLMCAP_RUNDB_SCHEMA_VERSION 1
/* PRAGMA application_id of our files: "lcrd" in ASCII. */
#define LLMCAP_RUNDB_APP_ID 0x6c637264
/* How long a connection waits for another process's lock, ms. */
#define LLMCAP_RUNDB_BUSY_MS 10000

typedef struct llmcap_rundb llmcap_rundb;

/* ========================================================================= */
/* Open / close                                                               */
/* ========================================================================= */

typedef enum llmcap_rundb_flags {
    LLMCAP_RUNDB_READWRITE = 0,   /* create the file when missing, migrate an older schema */
    LLMCAP_RUNDB_READONLY = 1,    /* SQLITE_OPEN_READONLY, query_only; the file must exist with the current
                                     schema (an older one is LLMCAP_ERR_UNSUPPORTED: open it read-write once) */
} llmcap_rundb_flags;

/* Open (or, read-write, create) the runs database at path.
 * Errors, the file never being changed by any of them:
 *   LLMCAP_ERR_IO          missing (read-only), unreadable, locked longer than the busy timeout
 *   LLMCAP_ERR_PARSE       "PATH: not an llmcap runs database (file is not a database)",
 *                          "... (database disk image is malformed)" (e.g. a truncated copy),
 *                          "... (an SQLite database of another application)", "... (empty file)"
 *                          (read-only)
 *   LLMCAP_ERR_UNSUPPORTED schema version newer than LLMCAP_RUNDB_SCHEMA_VERSION, or an older
 *                          one opened read-only (open it read-write once to migrate)
 * A 0-byte file counts as a new, empty database. */
llmcap_status llmcap_rundb_open(const char *path, llmcap_rundb_flags flags, llmcap_rundb **out, llmcap_error *err);
void llmcap_rundb_close(llmcap_rundb *db);

/* The default database path: $XDG_DATA_HOME/llmcap/runs.db, else
 * $HOME/.local/share/llmcap/runs.db. With create_dirs the directories are
 * made (mode 0700 for new ones). LLMCAP_ERR_IO when neither variable is set
 * or a directory cannot be made; LLMCAP_ERR_INVALID_ARG when buf is too small. */
llmcap_status llmcap_rundb_default_path(char *buf, size_t n, bool create_dirs, llmcap_error *err);

/* The file's schema version (after migration for read-write opens). */
int llmcap_rundb_schema_version(const llmcap_rundb *db);
/* The path the database was opened with. */
const char *llmcap_rundb_path(const llmcap_rundb *db);

/* ========================================================================= */
/* Import                                                                     */
/* ========================================================================= */

/* What an import matches and predicts with. Every field may be NULL/0. */
typedef struct llmcap_rundb_import_opts {
    const llmcap_db *data;              /* data/ to match runs to; NULL = store as described, no prediction */
    const llmcap_profile *profile;      /* NULL = llmcap_profile_default() */
    const llmcap_run_hints *hints;      /* hardware/model/quant/backend for runs whose file lacks them */
    const char *model_file_hash;        /* stored with every run's model ("" or NULL = unknown) */
    const char *source;                 /* imports.source for runs whose file is "" or "-"
                                           (e.g. "llmcap-engine bench"); NULL = the run's file */
} llmcap_rundb_import_opts;

#define LLMCAP_RUNDB_MAX_REASONS 16

/* Counts of one import. */
typedef struct llmcap_rundb_import_stats {
    size_t n_runs;          /* runs offered */
    size_t n_imported;      /* stored */
    size_t n_duplicates;    /* skipped: natural key already stored (or twice in the input) */
    size_t n_predicted;     /* stored with a prediction */
    size_t n_unmatched;     /* stored without one (hardware/model/test not in data/); reasons below */
    size_t n_files;         /* imports rows written */
    /* why runs were not predicted, by class (the matcher's message up to its
     * first ':', "hardware not in data/"), with the first message of each as
     * an example; most frequent first; classes past the last slot count in
     * n_unmatched only */
    struct { char reason[64]; char example[256]; size_t count; } reasons[LLMCAP_RUNDB_MAX_REASONS];
    size_t n_reasons;
} llmcap_rundb_import_stats;

/* Store runs in one transaction (BEGIN IMMEDIATE ... COMMIT): one imports row
 * per distinct run->file, each run matched (llmcap_run_match_db) and, when it
 * matched, predicted (llmcap_run_predict) and stored with its prediction and
 * error; duplicates skipped. A run with tok_s not finite and > 0 is
 * LLMCAP_ERR_INVALID_ARG naming its file and line. On any error the
 * transaction is rolled back: the database is unchanged. */
llmcap_status llmcap_rundb_import(llmcap_rundb *db, const llmcap_runs *runs, const llmcap_rundb_import_opts *opts,
                                  llmcap_rundb_import_stats *stats, llmcap_error *err);

/* Read runs from text (any format llmcap_runs_read_memory reads, strict: a
 * bad row is an error), open the database at db_path read-write and import
 * them in one transaction: what `llmcap-engine bench --db FILE` does with
 * the rows it measured. name labels messages and is the runs' file. */
llmcap_status llmcap_rundb_import_text(const char *db_path, const char *text, size_t len, const char *name,
                                       llmcap_run_format fmt, const llmcap_rundb_import_opts *opts,
                                       llmcap_rundb_import_stats *stats, llmcap_error *err);

/* "gguf-header-fnv1a64:<16 hex digits>": FNV-1a 64 of the first n_bytes of
 * the file at path (for a GGUF, its header up to the tensor data: the
 * metadata and every tensor's name, type and shape), a cheap identity of a
 * model file that does not read the weights. LLMCAP_ERR_IO when the file is
 * shorter or unreadable. */
llmcap_status llmcap_rundb_hash_header(const char *path, uint64_t n_bytes, char *out, size_t n, llmcap_error *err);

/* The natural key of a run (what duplicate detection compares): fields
 * joined by '|'; writes at most n bytes. */
void llmcap_rundb_natural_key(const llmcap_run *run, char *buf, size_t n);

/* Read every run in the database back as llmcap_run rows (appended to
 * *out; filter as llmcap_rundb_select), file/line set to the database path
 * and run id. For export. */
typedef struct llmcap_rundb_filter llmcap_rundb_filter;
llmcap_status llmcap_rundb_load_runs(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_runs *out,
                                     llmcap_error *err);

/* ========================================================================= */
/* Queries: results as a table of text cells                                  */
/* ========================================================================= */

typedef enum llmcap_rundb_type {
    LLMCAP_RUNDB_NULL = 0, LLMCAP_RUNDB_INT, LLMCAP_RUNDB_REAL, LLMCAP_RUNDB_TEXT
} llmcap_rundb_type;

/* A result set: n_rows x n_cols cells, row-major. Numbers are in text:
 * INTEGER as SQLite prints it, REAL as the shortest text that reads back as
 * the same double (15 to 17 significant digits; ".0" on whole numbers);
 * NULL cells are NULL pointers with type LLMCAP_RUNDB_NULL. */
typedef struct llmcap_rundb_table {
    size_t n_cols, n_rows;
    char **names;               /* [n_cols] */
    char **cells;               /* [n_rows * n_cols] */
    llmcap_rundb_type *types;   /* [n_rows * n_cols] */
} llmcap_rundb_table;
void llmcap_rundb_table_free(llmcap_rundb_table *t);

/* Filters of list/query/check/report: NULL or 0 = no filter.
 *   model      data/ id, or a substring of the model as described (case-insensitive)
 *   hardware   data/ id, or a substring of the hardware as described
 *   backend    equal, case-insensitive ("CUDA", "CPU", "WebGPU")
 *   quant      equal, case-insensitive ("Q4_K_M")
 *   build      a prefix of the build ("4d069d9")
 *   engine     a substring of the engine
 *   test       equal ("tg128", "pp512")
 *   since/until  YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]: the run's date (its
 *              import time when the file gave none); until a plain date
 *              includes that whole day
 *   limit      at most this many rows (0 = all) */
struct llmcap_rundb_filter {
    const char *model, *hardware, *backend, *quant, *build, *engine, *test, *since, *until;
    long long limit;
};

/* Check a date option: LLMCAP_OK or LLMCAP_ERR_INVALID_ARG naming the option. */
llmcap_status llmcap_rundb_check_date(const char *opt, const char *s, llmcap_error *err);

/* A summary of the matching runs, oldest first: id, date, model, quant,
 * hardware, backend, test, tok_s, stddev, pred_tok_s, error_pct, build. */
llmcap_status llmcap_rundb_list(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_rundb_table *out,
                                llmcap_error *err);
/* Every column of run_view for the matching runs, oldest first. */
llmcap_status llmcap_rundb_select(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_rundb_table *out,
                                  llmcap_error *err);
/* One run (every run_view column), LLMCAP_ERR_NOT_FOUND when no run has that id. */
llmcap_status llmcap_rundb_show(llmcap_rundb *db, int64_t id, llmcap_rundb_table *out, llmcap_error *err);

/* Run one read-only SQL statement. The guard: the statement must be a single
 * one (no second statement after ';'), sqlite3_stmt_readonly must hold, and
 * an authorizer refuses every action but reading tables, SELECT, functions,
 * recursive CTEs and the read-only PRAGMAs (table_info, table_xinfo,
 * index_list, index_info, foreign_key_list, table_list, and user_version /
 * application_id without a value); query_only is also set. A refused
 * statement is LLMCAP_ERR_INVALID_ARG ("--sql: not allowed: ... (read-only)").
 * Stops after timeout_ms (0 = none) with LLMCAP_ERR_INVALID_ARG. Open the
 * database LLMCAP_RUNDB_READONLY for this: the guard then has two layers. */
llmcap_status llmcap_rundb_sql(llmcap_rundb *db, const char *sql, long timeout_ms, llmcap_rundb_table *out,
                               llmcap_error *err);

/* ========================================================================= */
/* Regression check                                                           */
/* ========================================================================= */

/* Which runs form a side of the comparison. */
typedef enum llmcap_rundb_set_kind {
    LLMCAP_RUNDB_SET_DEFAULT = 0, /* candidate only: every stored run not in the baseline set
                                     (a date baseline: the runs on or after the date) */
    LLMCAP_RUNDB_SET_BUILD,       /* the runs of one build (prefix of the build string) */
    LLMCAP_RUNDB_SET_DATE,        /* baseline: runs before the date; candidate: on or after it */
    LLMCAP_RUNDB_SET_RUNS,        /* the runs given (read from a file, not stored) */
} llmcap_rundb_set_kind;

typedef struct llmcap_rundb_set {
    llmcap_rundb_set_kind kind;
    const char *value;            /* build prefix or date */
    const llmcap_runs *runs;      /* LLMCAP_RUNDB_SET_RUNS */
} llmcap_rundb_set;

typedef struct llmcap_rundb_check_opts {
    llmcap_rundb_set baseline, candidate;
    const llmcap_rundb_filter *filter;  /* applies to the stored runs; NULL = none */
    const llmcap_db *data;              /* to resolve the given runs' model/hardware like stored ones */
    double threshold_pct;               /* a drop must exceed this, percent (> 0) */
    double noise_k;                     /* ... and k times the combined stddev (>= 0; 2 by default) */
} llmcap_rundb_check_opts;

/* Verdicts of one comparison. */
typedef enum llmcap_rundb_verdict {
    LLMCAP_RUNDB_SAME = 0,        /* within the threshold or the noise */
    LLMCAP_RUNDB_REGRESSION,      /* slower beyond threshold and noise */
    LLMCAP_RUNDB_IMPROVEMENT,     /* faster beyond threshold and noise */
} llmcap_rundb_verdict;
const char *llmcap_rundb_verdict_name(llmcap_rundb_verdict v); /* "same", "regression", "improvement" */

/* One (model, quant, hardware, backend, test, run options) present on both
 * sides: the newest run of each side is compared. */
typedef struct llmcap_rundb_change {
    char model[160], quant[32], hardware[160], backend[32], test[48];
    char config[96];               /* the run options that must agree: "t=8 ngl=99 b=2048 ub=512 fa=0" */
    char base_build[64], new_build[64], base_date[40], new_date[40];
    double base_tok_s, base_stddev, new_tok_s, new_stddev;   /* tokens/s */
    double change_pct;             /* 100 (new - base) / base */
    double noise_tok_s;            /* sqrt(base_stddev^2 + new_stddev^2), tokens/s; 0 = unknown */
    double noise_pct;              /* 100 noise_tok_s / base */
    llmcap_rundb_verdict verdict;
} llmcap_rundb_change;

typedef struct llmcap_rundb_check_result {
    llmcap_rundb_change *changes;  /* sorted by change_pct, worst first */
    size_t n, n_regressions, n_improvements;
    size_t n_base_only, n_new_only;  /* keys on one side only */
    size_t n_base_runs, n_new_runs;  /* runs on each side */
} llmcap_rundb_check_result;

/* Compare baseline and candidate. Bad options (no threshold, bad date,
 * empty build) are LLMCAP_ERR_INVALID_ARG; a side with no runs is
 * LLMCAP_ERR_NOT_FOUND ("baseline build 'abc': no runs"). */
llmcap_status llmcap_rundb_check(llmcap_rundb *db, const llmcap_rundb_check_opts *o, llmcap_rundb_check_result *res,
                                 llmcap_error *err);
void llmcap_rundb_check_result_free(llmcap_rundb_check_result *res);

#endif
