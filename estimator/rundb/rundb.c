/* rundb.c - the measured-runs database on SQLite (llmcap_rundb.h).
 *
 * SQLite facts used here (sqlite.org/c3ref, sqlite.org/pragma.html,
 * sqlite.org/fileformat2.html): PRAGMA user_version and application_id are
 * 32-bit integers in the file header (offsets 60 and 68), written inside the
 * current transaction; a file that is not a database reads as SQLITE_NOTADB
 * ("file is not a database") at the first access; a truncated one as
 * SQLITE_CORRUPT (the header's page count is larger than the file);
 * BEGIN IMMEDIATE takes the write lock at once, so a second writer waits on
 * the busy handler there instead of failing later on a lock upgrade.
 */
#include "llmcap_rundb.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* a result set larger than this is refused (add a LIMIT) */
#define RUNDB_MAX_ROWS 2000000

struct llmcap_rundb {
    sqlite3 *h;
    int version;
    bool readonly;
    char path[1024];
};

/* ========================================================================= */
/* Schema and migrations                                                      */
/* ========================================================================= */

/* Version 0 -> 1: the whole first schema. Column comments give units. */
static const char SCHEMA_V1[] =
    "CREATE TABLE profiles (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL UNIQUE,          -- FNV-1a 64 of the profile JSON, hex\n"
    "  json TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE imports (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  imported_at TEXT NOT NULL,          -- UTC, YYYY-MM-DDTHH:MM:SSZ\n"
    "  source TEXT NOT NULL,               -- the file as given, or the program that stored the runs\n"
    "  format TEXT NOT NULL,               -- reader format (llmcap_run_format_name)\n"
    "  llmcap_version TEXT NOT NULL,\n"
    "  profile_id INTEGER REFERENCES profiles(id),\n"
    "  n_rows INTEGER NOT NULL DEFAULT 0,\n"
    "  n_imported INTEGER NOT NULL DEFAULT 0,\n"
    "  n_duplicates INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE hardware (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  described TEXT NOT NULL,            -- as the run wrote it\n"
    "  data_id TEXT NOT NULL DEFAULT '',   -- data/hardware.json id it resolved to, '' = not in data/\n"
    "  n_gpu INTEGER NOT NULL DEFAULT 1,\n"
    "  name TEXT NOT NULL DEFAULT '',\n"
    "  kind TEXT NOT NULL DEFAULT '',      -- gpu, apple, igpu, cpu\n"
    "  memory_bytes REAL,\n"
    "  bandwidth_gbps REAL,                -- GB/s, 10^9 B/s\n"
    "  UNIQUE (described, data_id, n_gpu)\n"
    ");\n"
    "CREATE TABLE models (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  described TEXT NOT NULL,\n"
    "  quant TEXT NOT NULL DEFAULT '',\n"
    "  data_id TEXT NOT NULL DEFAULT '',   -- data/models.json id, '' = not in data/\n"
    "  arch TEXT NOT NULL DEFAULT '',\n"
    "  file_type TEXT NOT NULL DEFAULT '', -- llama.cpp file type it was predicted with\n"
    "  size_bytes REAL,\n"
    "  n_params REAL,\n"
    "  file_hash TEXT NOT NULL DEFAULT '',\n"
    "  UNIQUE (described, quant, data_id, file_hash)\n"
    ");\n"
    "CREATE TABLE builds (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  engine TEXT NOT NULL,\n"
    "  build TEXT NOT NULL,\n"
    "  UNIQUE (engine, build)\n"
    ");\n"
    "CREATE TABLE runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  natural_key TEXT NOT NULL UNIQUE,   -- llmcap_rundb_natural_key: duplicate detection\n"
    "  import_id INTEGER NOT NULL REFERENCES imports(id),\n"
    "  hardware_id INTEGER NOT NULL REFERENCES hardware(id),\n"
    "  model_id INTEGER NOT NULL REFERENCES models(id),\n"
    "  build_id INTEGER NOT NULL REFERENCES builds(id),\n"
    "  source TEXT NOT NULL DEFAULT '',\n"
    "  file TEXT NOT NULL DEFAULT '',\n"
    "  line INTEGER,\n"
    "  format TEXT NOT NULL DEFAULT '',\n"
    "  run_date TEXT,                      -- ISO 8601 as the file gave it; NULL = unknown\n"
    "  backend TEXT NOT NULL DEFAULT '',\n"
    "  test TEXT NOT NULL,                 -- pp512, tg128, pp512+tg128, tg128@d4096\n"
    "  test_kind TEXT NOT NULL CHECK (test_kind IN ('pp', 'tg', 'pg')),\n"
    "  n_prompt INTEGER NOT NULL,\n"
    "  n_gen INTEGER NOT NULL,\n"
    "  n_depth INTEGER NOT NULL,\n"
    "  n_seq INTEGER NOT NULL,\n"
    "  n_batch INTEGER,\n"
    "  n_ubatch INTEGER,\n"
    "  n_threads INTEGER,\n"
    "  n_gpu_layers INTEGER,\n"
    "  flash_attn INTEGER,\n"
    "  type_k TEXT,\n"
    "  type_v TEXT,\n"
    "  tok_s REAL NOT NULL CHECK (tok_s > 0), -- tokens/s\n"
    "  stddev_tok_s REAL,                  -- tokens/s over repetitions\n"
    "  latency_p50_ms REAL,\n"
    "  latency_p90_ms REAL,\n"
    "  latency_p95_ms REAL,\n"
    "  latency_p99_ms REAL,\n"
    "  peak_mem_bytes REAL,\n"
    "  mem_bw_gbps REAL,\n"
    "  notes TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX runs_hardware ON runs (hardware_id);\n"
    "CREATE INDEX runs_model ON runs (model_id);\n"
    "CREATE INDEX runs_build ON runs (build_id);\n"
    "CREATE INDEX runs_date ON runs (run_date);\n"
    "CREATE TABLE predictions (\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  profile_id INTEGER NOT NULL REFERENCES profiles(id),\n"
    "  llmcap_version TEXT NOT NULL,\n"
    "  pred_tok_s REAL,                    -- NULL: not predicted (note says why)\n"
    "  error_pct REAL,                     -- 100 (pred - measured) / measured\n"
    "  note TEXT NOT NULL DEFAULT '',\n"
    "  PRIMARY KEY (run_id, profile_id)\n"
    ");\n"
    "CREATE VIEW run_view AS SELECT\n"
    "  r.id AS id, COALESCE(r.run_date, i.imported_at) AS date, r.run_date AS run_date,\n"
    "  i.imported_at AS imported_at, b.engine AS engine, b.build AS build, r.backend AS backend,\n"
    "  h.described AS hardware, h.data_id AS hardware_data_id, h.n_gpu AS n_gpu,\n"
    "  m.described AS model, m.data_id AS model_data_id, m.quant AS quant, m.arch AS arch,\n"
    "  m.file_type AS file_type, m.size_bytes AS model_size_bytes, m.n_params AS model_n_params,\n"
    "  m.file_hash AS model_file_hash, r.test AS test, r.test_kind AS test_kind,\n"
    "  r.n_prompt AS n_prompt, r.n_gen AS n_gen, r.n_depth AS n_depth, r.n_seq AS n_seq,\n"
    "  r.n_batch AS n_batch, r.n_ubatch AS n_ubatch, r.n_threads AS n_threads,\n"
    "  r.n_gpu_layers AS n_gpu_layers, r.flash_attn AS flash_attn, r.type_k AS type_k, r.type_v AS type_v,\n"
    "  r.tok_s AS tok_s, r.stddev_tok_s AS stddev_tok_s, r.latency_p50_ms AS latency_p50_ms,\n"
    "  r.latency_p90_ms AS latency_p90_ms, r.latency_p95_ms AS latency_p95_ms, r.latency_p99_ms AS latency_p99_ms,\n"
    "  r.peak_mem_bytes AS peak_mem_bytes, r.mem_bw_gbps AS mem_bw_gbps,\n"
    "  p.pred_tok_s AS pred_tok_s, p.error_pct AS error_pct, pr.name AS profile, p.note AS prediction_note,\n"
    "  r.source AS source, r.file AS file, r.line AS line, r.format AS format, r.notes AS notes,\n"
    "  r.import_id AS import_id\n"
    "FROM runs r\n"
    "JOIN imports i ON i.id = r.import_id\n"
    "JOIN hardware h ON h.id = r.hardware_id\n"
    "JOIN models m ON m.id = r.model_id\n"
    "JOIN builds b ON b.id = r.build_id\n"
    "LEFT JOIN predictions p ON p.run_id = r.id AND p.profile_id = i.profile_id\n"
    "LEFT JOIN profiles pr ON pr.id = p.profile_id;\n";

/* migrations[v] takes a file from schema version v to v + 1 (the table a new
 * version extends: add its ALTER/CREATE statements as the next entry and raise
 * LLMCAP_RUNDB_SCHEMA_VERSION) */
static const char *const migrations[LLMCAP_RUNDB_SCHEMA_VERSION] = {
    SCHEMA_V1,
};

/* ========================================================================= */
/* Small helpers                                                              */
/* ========================================================================= */

static llmcap_status db_error(llmcap_rundb *db, llmcap_error *err, const char *what)
{
    int code = sqlite3_errcode(db->h) & 0xff;
    llmcap_status st = LLMCAP_ERR_IO;
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) st = LLMCAP_ERR_PARSE;
    else if (code == SQLITE_NOMEM) st = LLMCAP_ERR_NOMEM;
    else if (code == SQLITE_CONSTRAINT || code == SQLITE_MISMATCH || code == SQLITE_RANGE) st = LLMCAP_ERR_INVALID_ARG;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return llmcap_set_error(err, st, "%s: %s: the database stayed locked by another process for %d s",
                                db->path, what, LLMCAP_RUNDB_BUSY_MS / 1000);
    if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
        return llmcap_set_error(err, st, "%s: not an llmcap runs database (%s)", db->path, sqlite3_errmsg(db->h));
    return llmcap_set_error(err, st, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

static llmcap_status exec(llmcap_rundb *db, const char *sql, const char *what, llmcap_error *err)
{
    if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK) return db_error(db, err, what);
    return LLMCAP_OK;
}

static void rollback(llmcap_rundb *db)
{
    if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* one integer from a statement such as "PRAGMA user_version" */
static llmcap_status query_int(llmcap_rundb *db, const char *sql, long long *out, llmcap_error *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK) return db_error(db, err, sql);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_finalize(s);
        return db_error(db, err, sql);
    }
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return LLMCAP_OK;
}

/* copy s into d[n], cut to fit */
static void scopy(char *d, size_t n, const char *s)
{
    size_t k = strlen(s);
    if (!n) return;
    if (k >= n) k = n - 1;
    memcpy(d, s, k);
    d[k] = 0;
}

static uint64_t fnv1a64(const void *p, size_t n, uint64_t h)
{
    /* FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3; Fowler, Noll, Vo) */
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ULL; }
    return h;
}

static void utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tmv;
    gmtime_r(&t, &tmv);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

/* ========================================================================= */
/* Open / close                                                               */
/* ========================================================================= */

llmcap_status llmcap_rundb_default_path(char *buf, size_t n, bool create_dirs, llmcap_error *err)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char dir[1024];
    int w;
    /* XDG Base Directory spec: a relative XDG_DATA_HOME is invalid and ignored */
    if (xdg && xdg[0] == '/') w = snprintf(dir, sizeof dir, "%s/llmcap", xdg);
    else if (home && home[0]) w = snprintf(dir, sizeof dir, "%s/.local/share/llmcap", home);
    else return llmcap_set_error(err, LLMCAP_ERR_IO, "no default runs database: neither XDG_DATA_HOME nor HOME is set (give --db FILE)");
    if (w < 0 || (size_t)w >= sizeof dir || (size_t)w + 8 >= n)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "the default runs database path is too long");
    if (create_dirs) {
        /* mkdir -p, one component at a time */
        for (char *p = dir + 1;; p++) {
            if (*p == '/' || !*p) {
                char c = *p;
                *p = 0;
                if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                    llmcap_status st = llmcap_set_error(err, LLMCAP_ERR_IO, "cannot create directory '%s': %s", dir, strerror(errno));
                    return st;
                }
                *p = c;
                if (!c) break;
            }
        }
    }
    snprintf(buf, n, "%s/runs.db", dir);
    return LLMCAP_OK;
}

int llmcap_rundb_schema_version(const llmcap_rundb *db) { return db ? db->version : 0; }
const char *llmcap_rundb_path(const llmcap_rundb *db) { return db ? db->path : ""; }

void llmcap_rundb_close(llmcap_rundb *db)
{
    if (!db) return;
    if (db->h) sqlite3_close_v2(db->h);
    free(db);
}

/* Migrate from db->version to the current one inside the open write transaction. */
static llmcap_status migrate(llmcap_rundb *db, llmcap_error *err)
{
    for (int v = db->version; v < LLMCAP_RUNDB_SCHEMA_VERSION; v++) {
        char what[48];
        snprintf(what, sizeof what, "schema migration %d -> %d", v, v + 1);
        llmcap_status st = exec(db, migrations[v], what, err);
        if (st) return st;
    }
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d", LLMCAP_RUNDB_APP_ID,
             LLMCAP_RUNDB_SCHEMA_VERSION);
    llmcap_status st = exec(db, sql, "schema version", err);
    if (st) return st;
    db->version = LLMCAP_RUNDB_SCHEMA_VERSION;
    return LLMCAP_OK;
}

llmcap_status llmcap_rundb_open(const char *path, llmcap_rundb_flags flags, llmcap_rundb **out, llmcap_error *err)
{
    *out = NULL;
    const bool ro = (flags & LLMCAP_RUNDB_READONLY) != 0;
    if (!path || !path[0]) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "runs database: empty path");
    if (strlen(path) >= sizeof((llmcap_rundb *)0)->path)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "runs database: path too long");
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (ro || errno != ENOENT)
            return llmcap_set_error(err, LLMCAP_ERR_IO, "%s: %s%s", path, strerror(errno),
                                    errno == ENOENT ? " (no runs database yet: `llmcap runs import FILE` creates it)" : "");
    } else if (!S_ISREG(sb.st_mode)) {
        return llmcap_set_error(err, LLMCAP_ERR_IO, "%s: not a regular file", path);
    }
    llmcap_rundb *db = calloc(1, sizeof *db);
    if (!db) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    snprintf(db->path, sizeof db->path, "%s", path);
    db->readonly = ro;
    int oflags = ro ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
        llmcap_status st = llmcap_set_error(err, LLMCAP_ERR_IO, "%s: cannot open: %s", path,
                                            db->h ? sqlite3_errmsg(db->h) : "out of memory");
        llmcap_rundb_close(db);
        return st;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, LLMCAP_RUNDB_BUSY_MS);
    /* defensive: no writable_schema, no direct shadow-table writes, even through SQL */
    sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    llmcap_status st = exec(db, "PRAGMA foreign_keys = ON", "foreign keys", err);
    if (!st && ro) st = exec(db, "PRAGMA query_only = ON", "query_only", err);
    /* look at the file inside one transaction: a write lock for read-write
     * opens (a migration must not race another process's), a read lock else */
    if (!st) st = exec(db, ro ? "BEGIN" : "BEGIN IMMEDIATE", "begin", err);
    long long app_id = 0, version = 0, n_objects = 0;
    if (!st) st = query_int(db, "SELECT count(*) FROM sqlite_master", &n_objects, err);
    if (!st) st = query_int(db, "PRAGMA application_id", &app_id, err);
    if (!st) st = query_int(db, "PRAGMA user_version", &version, err);
    if (!st) {
        if (app_id != LLMCAP_RUNDB_APP_ID && (app_id != 0 || n_objects != 0 || version != 0))
            st = llmcap_set_error(err, LLMCAP_ERR_PARSE,
                                  "%s: not an llmcap runs database (an SQLite database of another application)", path);
        else if (app_id == 0 && ro)
            st = llmcap_set_error(err, LLMCAP_ERR_PARSE, "%s: not an llmcap runs database (empty file)", path);
        else if (version > LLMCAP_RUNDB_SCHEMA_VERSION)
            st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED,
                                  "%s: runs database schema version %lld is newer than this llmcap knows (%d): "
                                  "use a newer llmcap; the file was left unchanged", path, version,
                                  LLMCAP_RUNDB_SCHEMA_VERSION);
        else if (version < LLMCAP_RUNDB_SCHEMA_VERSION && ro)
            st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED,
                                  "%s: runs database schema version %lld is older than this llmcap's (%d): "
                                  "import into it once to upgrade it", path, version, LLMCAP_RUNDB_SCHEMA_VERSION);
    }
    db->version = (int)version;
    if (!st && db->version < LLMCAP_RUNDB_SCHEMA_VERSION) st = migrate(db, err);
    if (!st) st = exec(db, "COMMIT", "commit", err);
    if (st) {
        rollback(db);
        llmcap_rundb_close(db);
        return st;
    }
    *out = db;
    return LLMCAP_OK;
}

/* ========================================================================= */
/* Runs: labels, keys, resolution against data/                              */
/* ========================================================================= */

/* a KV cache type as llama-bench writes it: "f16", "q8_0"; NULL when unknown */
static const char *kv_name(int t, char *buf, size_t n)
{
    const char *nm = t >= 0 ? gguf_type_name(t) : NULL;
    if (!nm || !n) return NULL;
    size_t i = 0;
    for (; nm[i] && i + 1 < n; i++) buf[i] = (char)tolower((unsigned char)nm[i]);
    buf[i] = 0;
    return buf;
}

static const char *test_kind(llmcap_run_test t)
{
    return t == LLMCAP_TEST_PP ? "pp" : t == LLMCAP_TEST_TG ? "tg" : "pg";
}

/* append s to the key with '|' and '\' escaped */
static void key_str(char *buf, size_t n, size_t *pos, const char *s)
{
    for (; *s && *pos + 3 < n; s++) {
        if (*s == '|' || *s == '\\') buf[(*pos)++] = '\\';
        buf[(*pos)++] = *s;
    }
    if (*pos + 1 < n) buf[(*pos)++] = '|';
    buf[*pos < n ? *pos : n - 1] = 0;
}

static void key_num(char *buf, size_t n, size_t *pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void key_num(char *buf, size_t n, size_t *pos, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    key_str(buf, n, pos, tmp);
}

void llmcap_rundb_natural_key(const llmcap_run *r, char *buf, size_t n)
{
    size_t pos = 0;
    if (!n) return;
    buf[0] = 0;
    key_str(buf, n, &pos, "k1"); /* the key's own version: a new layout must not equal an old one */
    key_str(buf, n, &pos, r->engine);
    key_str(buf, n, &pos, r->build);
    key_str(buf, n, &pos, r->hardware);
    key_str(buf, n, &pos, r->backend);
    key_str(buf, n, &pos, r->model);
    key_str(buf, n, &pos, r->quant);
    key_str(buf, n, &pos, test_kind(r->test));
    key_num(buf, n, &pos, "%u,%u,%u,%u", r->n_prompt, r->n_gen, r->n_depth, r->n_seq);
    key_num(buf, n, &pos, "%u,%u,%d,%d", r->n_batch, r->n_ubatch, r->n_threads, r->n_gpu_layers);
    key_num(buf, n, &pos, "%d,%d,%d", r->flash_attn, r->type_k, r->type_v);
    key_str(buf, n, &pos, r->date);
    key_num(buf, n, &pos, "%.17g", r->tok_s);
    key_num(buf, n, &pos, "%.17g", r->stddev_tok_s);
}

/* "2024-10-01 12:34:56" -> "2024-10-01T12:34:56" (ISO 8601's separator) */
static void normalize_date(char *d)
{
    size_t n = strlen(d);
    while (n && isspace((unsigned char)d[n - 1])) d[--n] = 0;
    if (n >= 19 && d[10] == ' ' && d[4] == '-' && d[7] == '-' && d[13] == ':') d[10] = 'T';
}

/* Models built from data/ specs, kept over one import (the per-quant tables
 * of a model are built once; llmcap_run_predict_model). */
#define MODEL_CACHE_MAX 64
typedef struct model_cache {
    const llmcap_model_spec *spec[MODEL_CACHE_MAX];
    llmcap_model *m[MODEL_CACHE_MAX];
    size_t n;
} model_cache;

static llmcap_model *cached_model(model_cache *c, const llmcap_model_spec *spec)
{
    if (!c || !spec) return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (c->spec[i] == spec) return c->m[i];
    if (c->n == MODEL_CACHE_MAX) return NULL;
    llmcap_model *m = NULL;
    if (llmcap_model_from_spec(spec, &m, NULL) != LLMCAP_OK) return NULL;
    c->spec[c->n] = spec;
    c->m[c->n++] = m;
    return m;
}

static void model_cache_free(model_cache *c)
{
    for (size_t i = 0; c && i < c->n; i++) llmcap_model_free(c->m[i]);
    if (c) c->n = 0;
}

/* A run as stored: hints applied, date normalised, matched to data/, predicted. */
typedef struct resolved {
    llmcap_run r;
    bool matched;                 /* match_db succeeded */
    llmcap_run_match m;
    const llmcap_hardware *hw;    /* data/ hardware (matched or found by name), NULL = as described */
    const llmcap_hardware *hw_used; /* the figures predicted with: hw, or a platform made from the run */
    uint32_t n_gpu;
    const llmcap_model_spec *model;
    char quant[32];
    char file_type[32];
    bool predicted;
    double pred_tok_s;
    char note[256];               /* why there is no prediction, or how names were matched */
} resolved;

static void resolve_run(const llmcap_db *data, const llmcap_run *in, const llmcap_run_hints *hints,
                        const llmcap_profile *profile, bool predict, model_cache *mc, resolved *o)
{
    memset(o, 0, sizeof *o);
    o->r = *in;
    o->n_gpu = 1;
    if (hints) {
        if (!o->r.hardware[0] && hints->hardware) snprintf(o->r.hardware, sizeof o->r.hardware, "%s", hints->hardware);
        if (!o->r.model[0] && hints->model) snprintf(o->r.model, sizeof o->r.model, "%s", hints->model);
        if (!o->r.quant[0] && hints->quant) snprintf(o->r.quant, sizeof o->r.quant, "%s", hints->quant);
        if (!o->r.backend[0] && hints->backend) snprintf(o->r.backend, sizeof o->r.backend, "%s", hints->backend);
    }
    normalize_date(o->r.date);
    if (!o->r.n_seq) o->r.n_seq = 1;
    snprintf(o->quant, sizeof o->quant, "%s", o->r.quant);
    if (!data) {
        snprintf(o->note, sizeof o->note, "no data/ to match against");
        return;
    }
    llmcap_error e = {0};
    if (llmcap_run_match_db(data, &o->r, hints, &o->m, &e) == LLMCAP_OK) {
        o->matched = true;
        o->hw = o->m.hw; /* NULL for a CPU platform synthesized from the run's bandwidth */
        o->hw_used = o->m.hw ? o->m.hw : &o->m.params.gpu;
        scopy(o->note, sizeof o->note, o->m.note);
        o->n_gpu = o->m.n_gpu ? o->m.n_gpu : 1;
        o->model = o->m.model;
        const char *ft = o->m.ftype >= 0 ? gguf_ftype_name(o->m.ftype) : NULL;
        if (ft) snprintf(o->file_type, sizeof o->file_type, "%s", ft);
        if (!o->quant[0] && ft) snprintf(o->quant, sizeof o->quant, "%s", ft);
    } else {
        scopy(o->note, sizeof o->note, e.msg[0] ? e.msg : "not matched to data/");
        /* keep what resolves by id or alias alone */
        o->hw = o->hw_used = o->r.hardware[0] ? llmcap_db_find_hardware(data, o->r.hardware) : NULL;
        o->model = o->r.model[0] ? llmcap_db_find_model(data, o->r.model) : NULL;
        return;
    }
    if (!predict) return;
    e = (llmcap_error){0};
    double pred = 0;
    llmcap_model *cm = cached_model(mc, o->m.model);
    llmcap_status st = cm ? llmcap_run_predict_model(cm, &o->m, &o->r, profile, &pred, &e)
                          : llmcap_run_predict(&o->m, &o->r, profile, &pred, &e);
    if (st == LLMCAP_OK && isfinite(pred) && pred > 0) {
        o->predicted = true;
        o->pred_tok_s = pred;
    } else {
        scopy(o->note, sizeof o->note, e.msg[0] ? e.msg : "no prediction");
    }
}

/* the run options two runs must share to be compared: "t=8 ngl=99 b=2048 ub=512 fa=0 kv=f16/f16 seq=1" */
static void config_label(const llmcap_run *r, char *buf, size_t n)
{
    char t[16] = "-", ngl[16] = "-", b[16] = "-", ub[16] = "-", fa[16] = "-";
    if (r->n_threads > 0) snprintf(t, sizeof t, "%d", r->n_threads);
    if (r->n_gpu_layers >= 0) snprintf(ngl, sizeof ngl, "%d", r->n_gpu_layers);
    if (r->n_batch) snprintf(b, sizeof b, "%u", r->n_batch);
    if (r->n_ubatch) snprintf(ub, sizeof ub, "%u", r->n_ubatch);
    if (r->flash_attn >= 0) snprintf(fa, sizeof fa, "%d", r->flash_attn);
    char bk[16], bv[16];
    const char *tk = kv_name(r->type_k, bk, sizeof bk), *tv = kv_name(r->type_v, bv, sizeof bv);
    snprintf(buf, n, "t=%s ngl=%s b=%s ub=%s fa=%s kv=%s/%s seq=%u", t, ngl, b, ub, fa, tk ? tk : "-", tv ? tv : "-",
             r->n_seq ? r->n_seq : 1);
}

/* ========================================================================= */
/* Import                                                                     */
/* ========================================================================= */

typedef struct import_ctx {
    llmcap_rundb *db;
    model_cache models;
    sqlite3_stmt *hw_get, *hw_put, *model_get, *model_put, *build_get, *build_put, *run_put, *pred_put;
    int64_t profile_id;
    struct { char source[512]; int64_t id; size_t n_rows, n_imported, n_dup; } *files;
    size_t n_files, cap_files;
} import_ctx;

static void bind_text(sqlite3_stmt *s, int i, const char *v) { sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT); }
static void bind_opt_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v && v[0]) sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(s, i);
}
static void bind_pos_real(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v) && v > 0) sqlite3_bind_double(s, i, v);
    else sqlite3_bind_null(s, i);
}
static void bind_pos_int(sqlite3_stmt *s, int i, long long v)
{
    if (v > 0) sqlite3_bind_int64(s, i, v);
    else sqlite3_bind_null(s, i);
}

static llmcap_status prep(import_ctx *c, sqlite3_stmt **s, const char *sql, llmcap_error *err)
{
    if (sqlite3_prepare_v2(c->db->h, sql, -1, s, NULL) != SQLITE_OK) return db_error(c->db, err, "prepare");
    return LLMCAP_OK;
}

static void import_ctx_free(import_ctx *c)
{
    sqlite3_stmt *all[] = {c->hw_get, c->hw_put, c->model_get, c->model_put, c->build_get, c->build_put, c->run_put, c->pred_put};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) sqlite3_finalize(all[i]);
    free(c->files);
    model_cache_free(&c->models);
}

/* get-or-insert: `get` selects the id by the unique columns bound 1..n, `put` inserts them */
static llmcap_status get_or_put(import_ctx *c, sqlite3_stmt *get, sqlite3_stmt *put, int64_t *id, llmcap_error *err)
{
    int rc = sqlite3_step(get);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(get, 0);
        sqlite3_reset(get);
        return LLMCAP_OK;
    }
    sqlite3_reset(get);
    if (rc != SQLITE_DONE) return db_error(c->db, err, "lookup");
    rc = sqlite3_step(put);
    sqlite3_reset(put);
    if (rc != SQLITE_DONE) return db_error(c->db, err, "insert");
    *id = sqlite3_last_insert_rowid(c->db->h);
    return LLMCAP_OK;
}

static llmcap_status put_profile(import_ctx *c, const llmcap_profile *p, llmcap_error *err)
{
    char *json = llmcap_profile_to_json(p, false);
    if (!json) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    char hash[24];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a64(json, strlen(json), 0xcbf29ce484222325ULL));
    sqlite3_stmt *get = NULL, *put = NULL;
    llmcap_status st = prep(c, &get, "SELECT id FROM profiles WHERE hash = ?1", err);
    if (!st) st = prep(c, &put, "INSERT INTO profiles (hash, name, json) VALUES (?1, ?2, ?3)", err);
    if (!st) {
        bind_text(get, 1, hash);
        bind_text(put, 1, hash);
        bind_text(put, 2, p->name[0] ? p->name : "unnamed");
        bind_text(put, 3, json);
        st = get_or_put(c, get, put, &c->profile_id, err);
    }
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    llmcap_json_free(json);
    return st;
}

static llmcap_status file_import_id(import_ctx *c, const char *source, const char *format, size_t *idx,
                                    llmcap_error *err)
{
    for (size_t i = 0; i < c->n_files; i++)
        if (!strcmp(c->files[i].source, source)) { *idx = i; return LLMCAP_OK; }
    if (c->n_files == c->cap_files) {
        size_t cap = c->cap_files ? 2 * c->cap_files : 8;
        void *p = realloc(c->files, cap * sizeof *c->files);
        if (!p) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
        c->files = p;
        c->cap_files = cap;
    }
    sqlite3_stmt *s = NULL;
    llmcap_status st = prep(c, &s, "INSERT INTO imports (imported_at, source, format, llmcap_version, profile_id) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (st) return st;
    char now[32];
    utc_now(now, sizeof now);
    bind_text(s, 1, now);
    bind_text(s, 2, source);
    bind_text(s, 3, format);
    bind_text(s, 4, llmcap_version());
    sqlite3_bind_int64(s, 5, c->profile_id);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return db_error(c->db, err, "insert import");
    size_t i = c->n_files++;
    memset(&c->files[i], 0, sizeof c->files[i]);
    snprintf(c->files[i].source, sizeof c->files[i].source, "%s", source);
    c->files[i].id = sqlite3_last_insert_rowid(c->db->h);
    *idx = i;
    return LLMCAP_OK;
}

static void add_reason(llmcap_rundb_import_stats *s, const char *msg)
{
    char reason[64];
    size_t k = strcspn(msg, ":");
    if (k >= sizeof reason) k = sizeof reason - 1;
    memcpy(reason, msg, k);
    reason[k] = 0;
    for (size_t i = 0; i < s->n_reasons; i++)
        if (!strcmp(s->reasons[i].reason, reason)) {
            s->reasons[i].count++;
            /* keep most frequent first */
            while (i > 0 && s->reasons[i].count > s->reasons[i - 1].count) {
                __typeof__(s->reasons[0]) t = s->reasons[i];
                s->reasons[i] = s->reasons[i - 1];
                s->reasons[i - 1] = t;
                i--;
            }
            return;
        }
    if (s->n_reasons < LLMCAP_RUNDB_MAX_REASONS) {
        scopy(s->reasons[s->n_reasons].reason, sizeof s->reasons[0].reason, reason);
        scopy(s->reasons[s->n_reasons].example, sizeof s->reasons[0].example, msg);
        s->reasons[s->n_reasons++].count = 1;
    }
}

static llmcap_status import_one(import_ctx *c, const llmcap_run *in, const llmcap_rundb_import_opts *o,
                                const llmcap_profile *profile, llmcap_rundb_import_stats *stats, llmcap_error *err)
{
    resolved *rs = malloc(sizeof *rs);
    if (!rs) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    resolve_run(o->data, in, o->hints, profile, true, &c->models, rs);
    const llmcap_run *r = &rs->r;
    const char *src = r->file[0] && strcmp(r->file, "-") ? r->file : o->source ? o->source : "(standard input)";
    size_t fi = 0;
    llmcap_status st = file_import_id(c, src, llmcap_run_format_name(r->format), &fi, err);
    if (st) goto out;
    c->files[fi].n_rows++;

    int64_t hw_id, model_id, build_id;
    /* hardware: as described, and as resolved */
    sqlite3_stmt *g = c->hw_get, *p = c->hw_put;
    const char *hw_data = rs->hw ? rs->hw->id : "";
    bind_text(g, 1, r->hardware); bind_text(g, 2, hw_data); sqlite3_bind_int64(g, 3, rs->n_gpu);
    bind_text(p, 1, r->hardware); bind_text(p, 2, hw_data); sqlite3_bind_int64(p, 3, rs->n_gpu);
    const llmcap_hardware *hu = rs->hw_used;
    bind_text(p, 4, hu ? hu->name : "");
    bind_text(p, 5, hu ? llmcap_hw_kind_name(hu->kind) : "");
    bind_pos_real(p, 6, hu ? hu->memory_bytes : 0);
    bind_pos_real(p, 7, hu ? hu->bandwidth_gbps : 0);
    if ((st = get_or_put(c, g, p, &hw_id, err))) goto out;
    /* model */
    g = c->model_get; p = c->model_put;
    const char *hash = o->model_file_hash ? o->model_file_hash : "";
    const char *m_data = rs->model ? rs->model->id : "";
    bind_text(g, 1, r->model); bind_text(g, 2, rs->quant); bind_text(g, 3, m_data); bind_text(g, 4, hash);
    bind_text(p, 1, r->model); bind_text(p, 2, rs->quant); bind_text(p, 3, m_data); bind_text(p, 4, hash);
    bind_text(p, 5, rs->model ? rs->model->arch : "");
    bind_text(p, 6, rs->file_type);
    bind_pos_real(p, 7, r->model_size_bytes);
    bind_pos_real(p, 8, r->n_params);
    if ((st = get_or_put(c, g, p, &model_id, err))) goto out;
    /* build */
    g = c->build_get; p = c->build_put;
    bind_text(g, 1, r->engine); bind_text(g, 2, r->build);
    bind_text(p, 1, r->engine); bind_text(p, 2, r->build);
    if ((st = get_or_put(c, g, p, &build_id, err))) goto out;

    char key[2048], test[48];
    llmcap_rundb_natural_key(r, key, sizeof key);
    llmcap_run_test_name(r, test, sizeof test);
    sqlite3_stmt *s = c->run_put;
    int i = 1;
    bind_text(s, i++, key);
    sqlite3_bind_int64(s, i++, c->files[fi].id);
    sqlite3_bind_int64(s, i++, hw_id);
    sqlite3_bind_int64(s, i++, model_id);
    sqlite3_bind_int64(s, i++, build_id);
    bind_text(s, i++, r->source);
    bind_text(s, i++, r->file);
    bind_pos_int(s, i++, r->line);
    bind_text(s, i++, llmcap_run_format_name(r->format));
    bind_opt_text(s, i++, r->date);
    bind_text(s, i++, r->backend);
    bind_text(s, i++, test);
    bind_text(s, i++, test_kind(r->test));
    sqlite3_bind_int64(s, i++, r->n_prompt);
    sqlite3_bind_int64(s, i++, r->n_gen);
    sqlite3_bind_int64(s, i++, r->n_depth);
    sqlite3_bind_int64(s, i++, r->n_seq);
    bind_pos_int(s, i++, r->n_batch);
    bind_pos_int(s, i++, r->n_ubatch);
    bind_pos_int(s, i++, r->n_threads);
    if (r->n_gpu_layers >= 0) sqlite3_bind_int64(s, i++, r->n_gpu_layers); else sqlite3_bind_null(s, i++);
    if (r->flash_attn >= 0) sqlite3_bind_int64(s, i++, r->flash_attn); else sqlite3_bind_null(s, i++);
    char kvb[16];
    bind_opt_text(s, i++, kv_name(r->type_k, kvb, sizeof kvb));
    bind_opt_text(s, i++, kv_name(r->type_v, kvb, sizeof kvb));
    sqlite3_bind_double(s, i++, r->tok_s);
    bind_pos_real(s, i++, r->stddev_tok_s);
    bind_pos_real(s, i++, r->latency_p50_ms);
    bind_pos_real(s, i++, r->latency_p90_ms);
    bind_pos_real(s, i++, r->latency_p95_ms);
    bind_pos_real(s, i++, r->latency_p99_ms);
    bind_pos_real(s, i++, r->peak_mem_bytes);
    bind_pos_real(s, i++, r->mem_bw_gbps);
    bind_text(s, i++, r->notes);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        char what[400];
        snprintf(what, sizeof what, "storing %s:%d", src, r->line);
        st = db_error(c->db, err, what);
        goto out;
    }
    if (sqlite3_changes(c->db->h) == 0) { /* ON CONFLICT (natural_key) DO NOTHING */
        stats->n_duplicates++;
        c->files[fi].n_dup++;
        goto out;
    }
    int64_t run_id = sqlite3_last_insert_rowid(c->db->h);
    stats->n_imported++;
    c->files[fi].n_imported++;
    s = c->pred_put;
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, c->profile_id);
    bind_text(s, 3, llmcap_version());
    if (rs->predicted) {
        sqlite3_bind_double(s, 4, rs->pred_tok_s);
        sqlite3_bind_double(s, 5, 100.0 * (rs->pred_tok_s - r->tok_s) / r->tok_s);
        stats->n_predicted++;
    } else {
        sqlite3_bind_null(s, 4);
        sqlite3_bind_null(s, 5);
        stats->n_unmatched++;
        add_reason(stats, rs->note);
    }
    bind_text(s, 6, rs->note);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) st = db_error(c->db, err, "storing a prediction");
out:
    free(rs);
    return st;
}

llmcap_status llmcap_rundb_import(llmcap_rundb *db, const llmcap_runs *runs, const llmcap_rundb_import_opts *opts,
                                  llmcap_rundb_import_stats *stats, llmcap_error *err)
{
    llmcap_rundb_import_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof *stats);
    static const llmcap_rundb_import_opts none;
    const llmcap_rundb_import_opts *o = opts ? opts : &none;
    if (db->readonly) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: opened read-only", db->path);
    /* every run must be storable before the transaction starts */
    for (size_t i = 0; i < runs->n; i++) {
        const llmcap_run *r = &runs->runs[i];
        if (!(isfinite(r->tok_s) && r->tok_s > 0) || !(isfinite(r->stddev_tok_s) && r->stddev_tok_s >= 0))
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s:%d: tokens/s %g (stddev %g) is not a positive number",
                                    r->file[0] ? r->file : "(input)", r->line, r->tok_s, r->stddev_tok_s);
        if (r->test < 0 || r->test >= LLMCAP_TEST_COUNT)
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s:%d: unknown test kind %d",
                                    r->file[0] ? r->file : "(input)", r->line, (int)r->test);
    }
    stats->n_runs = runs->n;
    const llmcap_profile *profile = o->profile ? o->profile : llmcap_profile_default();
    import_ctx c = {.db = db};
    llmcap_status st = exec(db, "BEGIN IMMEDIATE", "begin import", err);
    if (st) return st;
    if (!st) st = prep(&c, &c.hw_get, "SELECT id FROM hardware WHERE described = ?1 AND data_id = ?2 AND n_gpu = ?3", err);
    if (!st) st = prep(&c, &c.hw_put, "INSERT INTO hardware (described, data_id, n_gpu, name, kind, memory_bytes, "
                                      "bandwidth_gbps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
    if (!st) st = prep(&c, &c.model_get, "SELECT id FROM models WHERE described = ?1 AND quant = ?2 AND data_id = ?3 "
                                         "AND file_hash = ?4", err);
    if (!st) st = prep(&c, &c.model_put, "INSERT INTO models (described, quant, data_id, file_hash, arch, file_type, "
                                         "size_bytes, n_params) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err);
    if (!st) st = prep(&c, &c.build_get, "SELECT id FROM builds WHERE engine = ?1 AND build = ?2", err);
    if (!st) st = prep(&c, &c.build_put, "INSERT INTO builds (engine, build) VALUES (?1, ?2)", err);
    if (!st) st = prep(&c, &c.run_put,
                       "INSERT INTO runs (natural_key, import_id, hardware_id, model_id, build_id, source, file, line, "
                       "format, run_date, backend, test, test_kind, n_prompt, n_gen, n_depth, n_seq, n_batch, n_ubatch, "
                       "n_threads, n_gpu_layers, flash_attn, type_k, type_v, tok_s, stddev_tok_s, latency_p50_ms, "
                       "latency_p90_ms, latency_p95_ms, latency_p99_ms, peak_mem_bytes, mem_bw_gbps, notes) VALUES (?1, "
                       "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
                       "?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33) ON CONFLICT (natural_key) DO NOTHING", err);
    if (!st) st = prep(&c, &c.pred_put, "INSERT INTO predictions (run_id, profile_id, llmcap_version, pred_tok_s, "
                                        "error_pct, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err);
    if (!st) st = put_profile(&c, profile, err);
    for (size_t i = 0; !st && i < runs->n; i++) st = import_one(&c, &runs->runs[i], o, profile, stats, err);
    if (!st) {
        sqlite3_stmt *u = NULL;
        st = prep(&c, &u, "UPDATE imports SET n_rows = ?2, n_imported = ?3, n_duplicates = ?4 WHERE id = ?1", err);
        for (size_t i = 0; !st && i < c.n_files; i++) {
            sqlite3_bind_int64(u, 1, c.files[i].id);
            sqlite3_bind_int64(u, 2, (long long)c.files[i].n_rows);
            sqlite3_bind_int64(u, 3, (long long)c.files[i].n_imported);
            sqlite3_bind_int64(u, 4, (long long)c.files[i].n_dup);
            if (sqlite3_step(u) != SQLITE_DONE) st = db_error(db, err, "import counts");
            sqlite3_reset(u);
        }
        sqlite3_finalize(u);
    }
    stats->n_files = c.n_files;
    import_ctx_free(&c);
    if (!st) st = exec(db, "COMMIT", "commit import", err);
    if (st) {
        rollback(db);
        size_t n = stats->n_runs;
        memset(stats, 0, sizeof *stats);
        stats->n_runs = n;
    }
    return st;
}

llmcap_status llmcap_rundb_import_text(const char *db_path, const char *text, size_t len, const char *name,
                                       llmcap_run_format fmt, const llmcap_rundb_import_opts *opts,
                                       llmcap_rundb_import_stats *stats, llmcap_error *err)
{
    llmcap_runs runs = {0};
    llmcap_status st = llmcap_runs_read_memory(text, len, name, fmt, true, &runs, err);
    llmcap_rundb *db = NULL;
    if (!st) st = llmcap_rundb_open(db_path, LLMCAP_RUNDB_READWRITE, &db, err);
    if (!st) st = llmcap_rundb_import(db, &runs, opts, stats, err);
    llmcap_rundb_close(db);
    llmcap_runs_free(&runs);
    return st;
}

llmcap_status llmcap_rundb_hash_header(const char *path, uint64_t n_bytes, char *out, size_t n, llmcap_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return llmcap_set_error(err, LLMCAP_ERR_IO, "%s: %s", path, strerror(errno));
    uint64_t h = 0xcbf29ce484222325ULL, left = n_bytes;
    unsigned char buf[65536];
    while (left) {
        size_t want = left < sizeof buf ? (size_t)left : sizeof buf;
        size_t got = fread(buf, 1, want, f);
        if (got != want) {
            fclose(f);
            return llmcap_set_error(err, LLMCAP_ERR_IO, "%s: shorter than %llu bytes", path, (unsigned long long)n_bytes);
        }
        h = fnv1a64(buf, got, h);
        left -= got;
    }
    fclose(f);
    snprintf(out, n, "gguf-header-fnv1a64:%016llx", (unsigned long long)h);
    return LLMCAP_OK;
}

/* ========================================================================= */
/* Tables from statements                                                     */
/* ========================================================================= */

void llmcap_rundb_table_free(llmcap_rundb_table *t)
{
    if (!t) return;
    for (size_t i = 0; t->names && i < t->n_cols; i++) free(t->names[i]);
    for (size_t i = 0; t->cells && i < t->n_cols * t->n_rows; i++) free(t->cells[i]);
    free(t->names);
    free(t->cells);
    free(t->types);
    memset(t, 0, sizeof *t);
}

static char *dup_str(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) { memcpy(p, s, n); p[n] = 0; }
    return p;
}

/* The shortest decimal text that reads back as v (%.15g, %.16g or %.17g, as
 * cJSON prints numbers), with ".0" on whole numbers as SQLite writes REALs. */
static void real_text(double v, char *buf, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (isfinite(v) && !strpbrk(buf, ".eE") && strlen(buf) + 3 < n) strcat(buf, ".0");
}

/* Step s to the end, collecting its rows into *t. */
static llmcap_status collect(llmcap_rundb *db, sqlite3_stmt *s, llmcap_rundb_table *t, llmcap_error *err)
{
    memset(t, 0, sizeof *t);
    size_t nc = (size_t)sqlite3_column_count(s);
    t->n_cols = nc;
    t->names = calloc(nc ? nc : 1, sizeof *t->names);
    if (!t->names) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < nc; i++) {
        const char *nm = sqlite3_column_name(s, (int)i);
        if (!(t->names[i] = dup_str(nm ? nm : "", nm ? strlen(nm) : 0))) goto nomem;
    }
    size_t cap = 0;
    for (;;) {
        int rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) {
            llmcap_status st = (rc & 0xff) == SQLITE_INTERRUPT
                ? llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "query stopped: it ran past its time limit")
                : db_error(db, err, "query");
            llmcap_rundb_table_free(t);
            return st;
        }
        if (t->n_rows >= RUNDB_MAX_ROWS) {
            llmcap_rundb_table_free(t);
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "query returns more than %d rows: add a LIMIT",
                                    RUNDB_MAX_ROWS);
        }
        if (t->n_rows == cap) {
            size_t nc2 = cap ? 2 * cap : 64;
            char **cells = realloc(t->cells, nc2 * (nc ? nc : 1) * sizeof *cells);
            if (!cells) goto nomem;
            t->cells = cells;
            llmcap_rundb_type *types = realloc(t->types, nc2 * (nc ? nc : 1) * sizeof *types);
            if (!types) goto nomem;
            t->types = types;
            cap = nc2;
        }
        for (size_t i = 0; i < nc; i++) {
            size_t k = t->n_rows * nc + i;
            int ty = sqlite3_column_type(s, (int)i);
            t->cells[k] = NULL;
            t->types[k] = LLMCAP_RUNDB_NULL;
            if (ty == SQLITE_NULL) continue;
            if (ty == SQLITE_BLOB) { /* as hex text: x'0a1b' */
                const unsigned char *b = sqlite3_column_blob(s, (int)i);
                size_t n = (size_t)sqlite3_column_bytes(s, (int)i);
                char *h = malloc(2 * n + 4);
                if (!h) goto nomem_row;
                size_t pos = 0;
                h[pos++] = 'x'; h[pos++] = '\'';
                for (size_t j = 0; j < n; j++) pos += (size_t)sprintf(h + pos, "%02x", b[j]);
                h[pos++] = '\''; h[pos] = 0;
                t->cells[k] = h;
                t->types[k] = LLMCAP_RUNDB_TEXT;
                continue;
            }
            if (ty == SQLITE_FLOAT) {
                char num[40];
                real_text(sqlite3_column_double(s, (int)i), num, sizeof num);
                if (!(t->cells[k] = dup_str(num, strlen(num)))) goto nomem_row;
                t->types[k] = LLMCAP_RUNDB_REAL;
                continue;
            }
            const unsigned char *txt = sqlite3_column_text(s, (int)i);
            if (!txt) goto nomem_row;
            if (!(t->cells[k] = dup_str((const char *)txt, (size_t)sqlite3_column_bytes(s, (int)i)))) goto nomem_row;
            t->types[k] = ty == SQLITE_INTEGER ? LLMCAP_RUNDB_INT : ty == SQLITE_FLOAT ? LLMCAP_RUNDB_REAL : LLMCAP_RUNDB_TEXT;
            continue;
        nomem_row:
            t->n_rows++; /* free the partial row too */
            for (size_t j = i + 1; j < nc; j++) t->cells[t->n_rows * nc - nc + j] = NULL;
            goto nomem;
        }
        t->n_rows++;
    }
    return LLMCAP_OK;
nomem:
    llmcap_rundb_table_free(t);
    return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
}

/* ========================================================================= */
/* Filters                                                                    */
/* ========================================================================= */

llmcap_status llmcap_rundb_check_date(const char *opt, const char *s, llmcap_error *err)
{
    /* YYYY-MM-DD, then optionally THH:MM, :SS, Z */
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    size_t len = s ? strlen(s) : 0;
    bool ok = len >= 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 && s[4] == '-' && s[7] == '-';
    if (ok && len > 10) {
        const char *t = s + 10;
        int m2 = 0;
        ok = (t[0] == 'T' || t[0] == ' ') && sscanf(t + 1, "%2d:%2d%n", &h, &mi, &m2) == 2 && m2 == 5;
        t += 1 + m2;
        if (ok && t[0] == ':') {
            int m3 = 0;
            ok = sscanf(t + 1, "%2d%n", &sec, &m3) == 1 && m3 == 2;
            t += 1 + m3;
        }
        if (ok && t[0] == 'Z') t++;
        ok = ok && !*t;
    }
    for (size_t i = 0; ok && i < 10; i++) ok = i == 4 || i == 7 || isdigit((unsigned char)s[i]);
    ok = ok && y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 60;
    if (!ok)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "%s: '%s' is not a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z])", opt, s ? s : "");
    return LLMCAP_OK;
}

/* A WHERE clause over run_view with its bound values. */
typedef struct where {
    char sql[2048];
    size_t len;
    char *vals[24];
    int n;
    bool nomem;
} where;

static void where_add(where *w, const char *cond)
{
    size_t n = strlen(cond);
    if (w->len + n + 8 >= sizeof w->sql) { w->nomem = true; return; }
    w->len += (size_t)snprintf(w->sql + w->len, sizeof w->sql - w->len, "%s(%s)", w->len ? " AND " : " WHERE ", cond);
}

/* bind value: the text as is, or (like) '%' + escaped + '%' / escaped + '%' (prefix) */
static int where_val(where *w, const char *v, int like)
{
    if (w->n == (int)(sizeof w->vals / sizeof w->vals[0])) { w->nomem = true; return 0; }
    size_t n = strlen(v);
    char *p = malloc(2 * n + 3);
    if (!p) { w->nomem = true; return 0; }
    size_t k = 0;
    if (like == 1) p[k++] = '%';
    for (size_t i = 0; i < n; i++) {
        if (like && (v[i] == '%' || v[i] == '_' || v[i] == '\\')) p[k++] = '\\';
        p[k++] = v[i];
    }
    if (like) p[k++] = '%';
    p[k] = 0;
    w->vals[w->n++] = p;
    return w->n;
}

static void where_free(where *w)
{
    for (int i = 0; i < w->n; i++) free(w->vals[i]);
    w->n = 0;
}

/* add the condition COND; with a value V, its '?' is V's parameter (bound as where_val(w, V, like)) */
static void where_add_val(where *w, const char *cond, const char *v, int like)
{
    char c[256];
    const char *q = v ? strchr(cond, '?') : NULL;
    if (q) snprintf(c, sizeof c, "%.*s?%d%s", (int)(q - cond), cond, where_val(w, v, like), q + 1);
    else snprintf(c, sizeof c, "%s", cond);
    where_add(w, c);
}

static void where_filter(where *w, const llmcap_rundb_filter *f)
{
    char c[256];
    if (!f) return;
    if (f->model && f->model[0]) {
        int a = where_val(w, f->model, 0), b = where_val(w, f->model, 1);
        snprintf(c, sizeof c, "model_data_id = ?%d COLLATE NOCASE OR model LIKE ?%d ESCAPE '\\'", a, b);
        where_add(w, c);
    }
    if (f->hardware && f->hardware[0]) {
        int a = where_val(w, f->hardware, 0), b = where_val(w, f->hardware, 1);
        snprintf(c, sizeof c, "hardware_data_id = ?%d COLLATE NOCASE OR hardware LIKE ?%d ESCAPE '\\'", a, b);
        where_add(w, c);
    }
    if (f->backend && f->backend[0]) where_add_val(w, "backend = ? COLLATE NOCASE", f->backend, 0);
    if (f->quant && f->quant[0]) where_add_val(w, "quant = ? COLLATE NOCASE", f->quant, 0);
    if (f->build && f->build[0]) where_add_val(w, "build LIKE ? ESCAPE '\\'", f->build, 2);
    if (f->engine && f->engine[0]) where_add_val(w, "engine LIKE ? ESCAPE '\\'", f->engine, 1);
    if (f->test && f->test[0]) where_add_val(w, "test = ? COLLATE NOCASE", f->test, 0);
    if (f->since && f->since[0]) where_add_val(w, "date >= ?", f->since, 0);
    if (f->until && f->until[0]) {
        /* a prefix comparison: until 2025-01-31 keeps the whole day */
        snprintf(c, sizeof c, "substr(date, 1, %zu) <= ?", strlen(f->until));
        where_add_val(w, c, f->until, 0);
    }
}

static llmcap_status check_filter(const llmcap_rundb_filter *f, llmcap_error *err)
{
    if (!f) return LLMCAP_OK;
    if (f->since && f->since[0] && llmcap_rundb_check_date("--since", f->since, err)) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
    if (f->until && f->until[0] && llmcap_rundb_check_date("--until", f->until, err)) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
    if (f->limit < 0) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--limit must be >= 0");
    return LLMCAP_OK;
}

/* SELECT <cols> FROM run_view <filter> [extra AND] <tail> into a table */
static llmcap_status select_where(llmcap_rundb *db, const char *cols, const llmcap_rundb_filter *f, const char *extra,
                                  const char *extra_val, int extra_like, const char *tail, llmcap_rundb_table *out,
                                  llmcap_error *err)
{
    memset(out, 0, sizeof *out);
    llmcap_status st = check_filter(f, err);
    if (st) return st;
    where w = {0};
    where_filter(&w, f);
    if (extra) where_add_val(&w, extra, extra_val, extra_like); /* extra holds one '?' for extra_val */
    if (w.nomem) { where_free(&w); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "filter too long"); }
    size_t need = strlen(cols) + w.len + strlen(tail) + 64;
    char *sql = malloc(need);
    if (!sql) { where_free(&w); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory"); }
    snprintf(sql, need, "SELECT %s FROM run_view%s %s", cols, w.sql, tail);
    if (f && f->limit > 0) snprintf(sql + strlen(sql), need - strlen(sql), " LIMIT %lld", f->limit);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK) st = db_error(db, err, "query");
    for (int i = 0; !st && i < w.n; i++) sqlite3_bind_text(s, i + 1, w.vals[i], -1, SQLITE_TRANSIENT);
    if (!st) st = collect(db, s, out, err);
    sqlite3_finalize(s);
    free(sql);
    where_free(&w);
    return st;
}

llmcap_status llmcap_rundb_list(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_rundb_table *out,
                                llmcap_error *err)
{
    return select_where(db,
                        "id, date, CASE WHEN model_data_id != '' THEN model_data_id ELSE model END AS model, quant, "
                        "CASE WHEN hardware_data_id != '' THEN hardware_data_id || CASE WHEN n_gpu > 1 THEN ' x' || "
                        "n_gpu ELSE '' END ELSE hardware END AS hardware, backend, test, round(tok_s, 2) AS tok_s, "
                        "round(stddev_tok_s, 2) AS stddev, round(pred_tok_s, 2) AS pred_tok_s, "
                        "round(error_pct, 1) AS error_pct, build",
                        f, NULL, NULL, 0, "ORDER BY date, id", out, err);
}

llmcap_status llmcap_rundb_select(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_rundb_table *out,
                                  llmcap_error *err)
{
    return select_where(db, "*", f, NULL, NULL, 0, "ORDER BY date, id", out, err);
}

llmcap_status llmcap_rundb_show(llmcap_rundb *db, int64_t id, llmcap_rundb_table *out, llmcap_error *err)
{
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    llmcap_status st = select_where(db, "*", NULL, "id = CAST(? AS INTEGER)", idtxt, 0, "", out, err);
    if (!st && out->n_rows == 0) {
        llmcap_rundb_table_free(out);
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "%s: no run with id %lld", db->path, (long long)id);
    }
    return st;
}

/* ========================================================================= */
/* Read-only SQL                                                              */
/* ========================================================================= */

typedef struct sql_guard {
    char denied[160];
} sql_guard;

static int authorize(void *ud, int action, const char *a1, const char *a2, const char *dbname, const char *trigger)
{
    (void)dbname;
    (void)trigger;
    sql_guard *g = ud;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_PRAGMA: {
        /* pragmas that only read; those taking an argument name a table */
        static const char *const with_arg[] = {"table_info", "table_xinfo", "index_list", "index_info",
                                               "index_xinfo", "foreign_key_list"};
        static const char *const no_arg[] = {"user_version", "application_id", "table_list", "schema_version",
                                             "page_count", "page_size", "foreign_key_check", "integrity_check",
                                             "quick_check"};
        for (size_t i = 0; a1 && i < sizeof with_arg / sizeof with_arg[0]; i++)
            if (!sqlite3_stricmp(a1, with_arg[i])) return SQLITE_OK;
        for (size_t i = 0; a1 && !a2 && i < sizeof no_arg / sizeof no_arg[0]; i++)
            if (!sqlite3_stricmp(a1, no_arg[i])) return SQLITE_OK;
        snprintf(g->denied, sizeof g->denied, "PRAGMA %s%s%s", a1 ? a1 : "", a2 ? " = " : "", a2 ? a2 : "");
        return SQLITE_DENY;
    }
    default: {
        static const struct { int code; const char *name; } names[] = {
            {SQLITE_INSERT, "INSERT"}, {SQLITE_UPDATE, "UPDATE"}, {SQLITE_DELETE, "DELETE"},
            {SQLITE_CREATE_TABLE, "CREATE TABLE"}, {SQLITE_CREATE_INDEX, "CREATE INDEX"},
            {SQLITE_CREATE_VIEW, "CREATE VIEW"}, {SQLITE_CREATE_TRIGGER, "CREATE TRIGGER"},
            {SQLITE_CREATE_TEMP_TABLE, "CREATE TEMP TABLE"}, {SQLITE_CREATE_TEMP_VIEW, "CREATE TEMP VIEW"},
            {SQLITE_CREATE_TEMP_INDEX, "CREATE TEMP INDEX"}, {SQLITE_CREATE_TEMP_TRIGGER, "CREATE TEMP TRIGGER"},
            {SQLITE_DROP_TABLE, "DROP TABLE"}, {SQLITE_DROP_INDEX, "DROP INDEX"}, {SQLITE_DROP_VIEW, "DROP VIEW"},
            {SQLITE_DROP_TRIGGER, "DROP TRIGGER"}, {SQLITE_DROP_TEMP_TABLE, "DROP TABLE"},
            {SQLITE_ALTER_TABLE, "ALTER TABLE"}, {SQLITE_ATTACH, "ATTACH"}, {SQLITE_DETACH, "DETACH"},
            {SQLITE_TRANSACTION, "a transaction statement"}, {SQLITE_SAVEPOINT, "SAVEPOINT"},
            {SQLITE_REINDEX, "REINDEX"}, {SQLITE_ANALYZE, "ANALYZE"}, {SQLITE_CREATE_VTABLE, "CREATE VIRTUAL TABLE"},
            {SQLITE_DROP_VTABLE, "DROP VIRTUAL TABLE"},
        };
        const char *nm = "this statement";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (names[i].code == action) nm = names[i].name;
        snprintf(g->denied, sizeof g->denied, "%s%s%s", nm, a1 ? " " : "", a1 ? a1 : "");
        return SQLITE_DENY;
    }
    }
}

typedef struct deadline { struct timespec end; } deadline;

static int progress(void *ud)
{
    deadline *d = ud;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > d->end.tv_sec || (now.tv_sec == d->end.tv_sec && now.tv_nsec > d->end.tv_nsec);
}

/* skip white space and SQL comments */
static const char *skip_space(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p)) p++;
        if (p[0] == '-' && p[1] == '-') { while (*p && *p != '\n') p++; continue; }
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            continue;
        }
        return p;
    }
}

llmcap_status llmcap_rundb_sql(llmcap_rundb *db, const char *sql, long timeout_ms, llmcap_rundb_table *out,
                               llmcap_error *err)
{
    memset(out, 0, sizeof *out);
    const char *p = skip_space(sql ? sql : "");
    if (!*p) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: empty statement");
    /* first layer: the statement must start like a query */
    static const char *const starts[] = {"SELECT", "WITH", "VALUES", "PRAGMA", "EXPLAIN"};
    bool query = false;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        size_t n = strlen(starts[i]);
        if (!sqlite3_strnicmp(p, starts[i], (int)n) && !isalnum((unsigned char)p[n]) && p[n] != '_') query = true;
    }
    if (!query) {
        char word[24];
        size_t n = 0;
        while (n + 1 < sizeof word && (isalpha((unsigned char)p[n]))) { word[n] = p[n]; n++; }
        word[n] = 0;
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "--sql: not allowed: %s (read-only: SELECT, WITH, VALUES, EXPLAIN or a read-only PRAGMA)",
                                n ? word : "this statement");
    }
    sqlite3_exec(db->h, "PRAGMA query_only = ON", NULL, NULL, NULL);
    sql_guard g = {{0}};
    sqlite3_set_authorizer(db->h, authorize, &g);
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    llmcap_status st = LLMCAP_OK;
    int rc = sqlite3_prepare_v2(db->h, p, -1, &s, &tail);
    if (rc != SQLITE_OK) {
        if (g.denied[0]) st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: not allowed: %s (read-only)", g.denied);
        else st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: %s", sqlite3_errmsg(db->h));
    } else if (!s) {
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: empty statement");
    } else if (!sqlite3_stmt_readonly(s)) {
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: not allowed: the statement writes (read-only)");
    } else if (*skip_space(tail)) {
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: one statement only (found more after ';')");
    }
    if (!st) {
        deadline d;
        clock_gettime(CLOCK_MONOTONIC, &d.end);
        d.end.tv_sec += timeout_ms / 1000;
        d.end.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (d.end.tv_nsec >= 1000000000L) { d.end.tv_sec++; d.end.tv_nsec -= 1000000000L; }
        if (timeout_ms > 0) sqlite3_progress_handler(db->h, 1000, progress, &d);
        st = collect(db, s, out, err);
        sqlite3_progress_handler(db->h, 0, NULL, NULL);
        if (st && err && strstr(err->msg, "time limit"))
            llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--sql: stopped after %ld ms (the time limit)", timeout_ms);
    }
    sqlite3_finalize(s);
    sqlite3_set_authorizer(db->h, NULL, NULL);
    /* a read-write handle writes again after the query (read-only ones keep query_only from open) */
    if (!db->readonly) sqlite3_exec(db->h, "PRAGMA query_only = OFF", NULL, NULL, NULL);
    return st;
}

/* ========================================================================= */
/* Export: stored runs back as llmcap_run rows                                */
/* ========================================================================= */

static const char *cell(const llmcap_rundb_table *t, size_t row, const char *col)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->names[i], col)) return t->cells[row * t->n_cols + i];
    return NULL;
}
static double cell_num(const llmcap_rundb_table *t, size_t row, const char *col, double dflt)
{
    const char *c = cell(t, row, col);
    return c ? strtod(c, NULL) : dflt;
}
static void cell_str(const llmcap_rundb_table *t, size_t row, const char *col, char *dst, size_t n)
{
    const char *c = cell(t, row, col);
    snprintf(dst, n, "%s", c ? c : "");
}

llmcap_status llmcap_rundb_load_runs(llmcap_rundb *db, const llmcap_rundb_filter *f, llmcap_runs *out,
                                     llmcap_error *err)
{
    llmcap_rundb_table t;
    llmcap_status st = llmcap_rundb_select(db, f, &t, err);
    if (st) return st;
    if (t.n_rows && out->n + t.n_rows > out->cap) {
        size_t cap = out->n + t.n_rows;
        llmcap_run *p = realloc(out->runs, cap * sizeof *p);
        if (!p) { llmcap_rundb_table_free(&t); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory"); }
        out->runs = p;
        out->cap = cap;
    }
    for (size_t i = 0; i < t.n_rows; i++) {
        llmcap_run *r = &out->runs[out->n++];
        memset(r, 0, sizeof *r);
        scopy(r->file, sizeof r->file, db->path);
        r->line = (int)cell_num(&t, i, "id", 0);
        const char *fmt = cell(&t, i, "format");
        llmcap_run_format rf = LLMCAP_RUNS_AUTO;
        if (fmt) llmcap_run_format_parse(fmt, &rf, NULL);
        r->format = rf;
        cell_str(&t, i, "source", r->source, sizeof r->source);
        cell_str(&t, i, "engine", r->engine, sizeof r->engine);
        cell_str(&t, i, "build", r->build, sizeof r->build);
        cell_str(&t, i, "run_date", r->date, sizeof r->date);
        cell_str(&t, i, "hardware", r->hardware, sizeof r->hardware);
        cell_str(&t, i, "backend", r->backend, sizeof r->backend);
        r->mem_bw_gbps = cell_num(&t, i, "mem_bw_gbps", 0);
        cell_str(&t, i, "model", r->model, sizeof r->model);
        cell_str(&t, i, "quant", r->quant, sizeof r->quant);
        r->model_size_bytes = cell_num(&t, i, "model_size_bytes", 0);
        r->n_params = cell_num(&t, i, "model_n_params", 0);
        const char *k = cell(&t, i, "test_kind");
        r->test = k && !strcmp(k, "pp") ? LLMCAP_TEST_PP : k && !strcmp(k, "tg") ? LLMCAP_TEST_TG : LLMCAP_TEST_PG;
        r->n_prompt = (uint32_t)cell_num(&t, i, "n_prompt", 0);
        r->n_gen = (uint32_t)cell_num(&t, i, "n_gen", 0);
        r->n_depth = (uint32_t)cell_num(&t, i, "n_depth", 0);
        r->n_seq = (uint32_t)cell_num(&t, i, "n_seq", 1);
        r->n_batch = (uint32_t)cell_num(&t, i, "n_batch", 0);
        r->n_ubatch = (uint32_t)cell_num(&t, i, "n_ubatch", 0);
        r->n_threads = (int)cell_num(&t, i, "n_threads", 0);
        r->n_gpu_layers = (int)cell_num(&t, i, "n_gpu_layers", -1);
        r->flash_attn = (int)cell_num(&t, i, "flash_attn", -1);
        const char *tk = cell(&t, i, "type_k"), *tv = cell(&t, i, "type_v");
        r->type_k = tk ? gguf_type_from_name(tk) : -1;
        r->type_v = tv ? gguf_type_from_name(tv) : -1;
        r->tok_s = cell_num(&t, i, "tok_s", 0);
        r->stddev_tok_s = cell_num(&t, i, "stddev_tok_s", 0);
        r->latency_p50_ms = cell_num(&t, i, "latency_p50_ms", 0);
        r->latency_p90_ms = cell_num(&t, i, "latency_p90_ms", 0);
        r->latency_p95_ms = cell_num(&t, i, "latency_p95_ms", 0);
        r->latency_p99_ms = cell_num(&t, i, "latency_p99_ms", 0);
        r->peak_mem_bytes = cell_num(&t, i, "peak_mem_bytes", 0);
        cell_str(&t, i, "notes", r->notes, sizeof r->notes);
    }
    llmcap_rundb_table_free(&t);
    return LLMCAP_OK;
}

/* ========================================================================= */
/* Regression check                                                           */
/* ========================================================================= */

const char *llmcap_rundb_verdict_name(llmcap_rundb_verdict v)
{
    return v == LLMCAP_RUNDB_REGRESSION ? "regression" : v == LLMCAP_RUNDB_IMPROVEMENT ? "improvement" : "same";
}

/* One side's run reduced to what the comparison needs. */
typedef struct sample {
    char key[640];                 /* model|quant|hardware|backend|test|config */
    char model[160], quant[32], hardware[160], backend[32], test[48], config[96];
    char build[64], date[40];
    double tok_s, stddev;
    long long order;               /* id or line: ties of date broken by it */
} sample;

typedef struct sample_set {
    sample *v;
    size_t n, cap;
} sample_set;

static llmcap_status set_push(sample_set *s, const sample *x, llmcap_error *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        sample *p = realloc(s->v, cap * sizeof *p);
        if (!p) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = *x;
    return LLMCAP_OK;
}

static void sample_key(sample *x)
{
    snprintf(x->key, sizeof x->key, "%s|%s|%s|%s|%s|%s", x->model, x->quant, x->hardware, x->backend, x->test,
             x->config);
}

/* stored runs of a side */
static llmcap_status side_from_db(llmcap_rundb *db, const llmcap_rundb_filter *f, const char *cond, const char *val,
                                  int like, sample_set *out, llmcap_error *err)
{
    llmcap_rundb_table t;
    llmcap_status st = select_where(db, "*", f, cond, val, like, "ORDER BY date, id", &t, err);
    if (st) return st;
    for (size_t i = 0; !st && i < t.n_rows; i++) {
        sample x;
        memset(&x, 0, sizeof x);
        const char *md = cell(&t, i, "model_data_id"), *hd = cell(&t, i, "hardware_data_id");
        if (md && md[0]) snprintf(x.model, sizeof x.model, "%s", md);
        else cell_str(&t, i, "model", x.model, sizeof x.model);
        int n_gpu = (int)cell_num(&t, i, "n_gpu", 1);
        if (hd && hd[0]) snprintf(x.hardware, sizeof x.hardware, n_gpu > 1 ? "%s x%d" : "%s", hd, n_gpu);
        else cell_str(&t, i, "hardware", x.hardware, sizeof x.hardware);
        cell_str(&t, i, "quant", x.quant, sizeof x.quant);
        cell_str(&t, i, "backend", x.backend, sizeof x.backend);
        cell_str(&t, i, "test", x.test, sizeof x.test);
        llmcap_run r;
        memset(&r, 0, sizeof r);
        r.n_threads = (int)cell_num(&t, i, "n_threads", 0);
        r.n_gpu_layers = (int)cell_num(&t, i, "n_gpu_layers", -1);
        r.n_batch = (uint32_t)cell_num(&t, i, "n_batch", 0);
        r.n_ubatch = (uint32_t)cell_num(&t, i, "n_ubatch", 0);
        r.flash_attn = (int)cell_num(&t, i, "flash_attn", -1);
        const char *tk = cell(&t, i, "type_k"), *tv = cell(&t, i, "type_v");
        r.type_k = tk ? gguf_type_from_name(tk) : -1;
        r.type_v = tv ? gguf_type_from_name(tv) : -1;
        r.n_seq = (uint32_t)cell_num(&t, i, "n_seq", 1);
        config_label(&r, x.config, sizeof x.config);
        cell_str(&t, i, "build", x.build, sizeof x.build);
        cell_str(&t, i, "date", x.date, sizeof x.date);
        x.tok_s = cell_num(&t, i, "tok_s", 0);
        x.stddev = cell_num(&t, i, "stddev_tok_s", 0);
        x.order = (long long)cell_num(&t, i, "id", 0);
        sample_key(&x);
        st = set_push(out, &x, err);
    }
    llmcap_rundb_table_free(&t);
    return st;
}

/* given runs (a file) of a side, resolved against data/ as an import would */
static llmcap_status side_from_runs(const llmcap_runs *runs, const llmcap_db *data, sample_set *out, llmcap_error *err)
{
    resolved *rs = malloc(sizeof *rs);
    if (!rs) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    llmcap_status st = LLMCAP_OK;
    for (size_t i = 0; !st && i < runs->n; i++) {
        resolve_run(data, &runs->runs[i], NULL, NULL, false, NULL, rs);
        const llmcap_run *r = &rs->r;
        if (!(isfinite(r->tok_s) && r->tok_s > 0)) continue;
        sample x;
        memset(&x, 0, sizeof x);
        snprintf(x.model, sizeof x.model, "%s", rs->model ? rs->model->id : r->model);
        if (rs->hw) snprintf(x.hardware, sizeof x.hardware, rs->n_gpu > 1 ? "%s x%u" : "%s", rs->hw->id, rs->n_gpu);
        else snprintf(x.hardware, sizeof x.hardware, "%s", r->hardware);
        snprintf(x.quant, sizeof x.quant, "%s", rs->quant);
        snprintf(x.backend, sizeof x.backend, "%s", r->backend);
        llmcap_run_test_name(r, x.test, sizeof x.test);
        config_label(r, x.config, sizeof x.config);
        snprintf(x.build, sizeof x.build, "%s", r->build);
        snprintf(x.date, sizeof x.date, "%s", r->date);
        x.tok_s = r->tok_s;
        x.stddev = isfinite(r->stddev_tok_s) && r->stddev_tok_s > 0 ? r->stddev_tok_s : 0;
        x.order = (long long)i;
        sample_key(&x);
        st = set_push(out, &x, err);
    }
    free(rs);
    return st;
}

/* key, then newest first (date, then order) */
static int cmp_sample(const void *a, const void *b)
{
    const sample *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    c = strcmp(y->date, x->date);
    if (c) return c;
    return (y->order > x->order) - (y->order < x->order);
}

static int cmp_change(const void *a, const void *b)
{
    const llmcap_rundb_change *x = a, *y = b;
    if (x->change_pct != y->change_pct) return x->change_pct < y->change_pct ? -1 : 1;
    return strcmp(x->model, y->model);
}

static llmcap_status collect_side(llmcap_rundb *db, const llmcap_rundb_check_opts *o, bool base, sample_set *out,
                                  llmcap_error *err)
{
    const llmcap_rundb_set *s = base ? &o->baseline : &o->candidate;
    const llmcap_rundb_set *other = base ? &o->candidate : &o->baseline;
    const char *opt = base ? "--baseline" : "--candidate";
    switch (s->kind) {
    case LLMCAP_RUNDB_SET_BUILD:
        if (!s->value || !s->value[0]) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: empty build", opt);
        return side_from_db(db, o->filter, "build LIKE ? ESCAPE '\\'", s->value, 2, out, err);
    case LLMCAP_RUNDB_SET_DATE:
        if (llmcap_rundb_check_date(opt, s->value, err)) return LLMCAP_ERR_INVALID_ARG;
        return side_from_db(db, o->filter, base ? "date < ?" : "date >= ?", s->value, 0, out, err);
    case LLMCAP_RUNDB_SET_RUNS:
        if (!s->runs) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: no runs given", opt);
        return side_from_runs(s->runs, o->data, out, err);
    case LLMCAP_RUNDB_SET_DEFAULT:
        if (base) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "no baseline given");
        /* everything stored that is not the baseline */
        if (other->kind == LLMCAP_RUNDB_SET_DATE)
            return side_from_db(db, o->filter, "date >= ?", other->value, 0, out, err);
        if (other->kind == LLMCAP_RUNDB_SET_BUILD)
            return side_from_db(db, o->filter, "build NOT LIKE ? ESCAPE '\\'", other->value, 2, out, err);
        return side_from_db(db, o->filter, NULL, NULL, 0, out, err);
    }
    return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: unknown kind of runs", opt);
}

llmcap_status llmcap_rundb_check(llmcap_rundb *db, const llmcap_rundb_check_opts *o, llmcap_rundb_check_result *res,
                                 llmcap_error *err)
{
    memset(res, 0, sizeof *res);
    if (!(isfinite(o->threshold_pct) && o->threshold_pct > 0 && o->threshold_pct < 100))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--threshold %g%% must be in (0, 100)", o->threshold_pct);
    if (!(isfinite(o->noise_k) && o->noise_k >= 0 && o->noise_k <= 100))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--noise-k %g must be in [0, 100]", o->noise_k);
    llmcap_status st = check_filter(o->filter, err);
    if (st) return st;
    sample_set b = {0}, c = {0};
    st = collect_side(db, o, true, &b, err);
    if (!st) st = collect_side(db, o, false, &c, err);
    if (!st && b.n == 0) {
        const llmcap_rundb_set *s = &o->baseline;
        st = llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "--baseline %s%s%s: no runs%s",
                              s->kind == LLMCAP_RUNDB_SET_BUILD ? "build '" : s->kind == LLMCAP_RUNDB_SET_DATE ? "before '" : "",
                              s->kind == LLMCAP_RUNDB_SET_RUNS ? "(the file)" : s->value ? s->value : "",
                              s->kind == LLMCAP_RUNDB_SET_RUNS ? "" : "'",
                              o->filter ? " with the filters given" : "");
    }
    if (!st && c.n == 0)
        st = llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "--candidate: no runs to compare with the baseline%s",
                              o->filter ? " with the filters given" : "");
    res->n_base_runs = b.n;
    res->n_new_runs = c.n;
    if (!st) {
        qsort(b.v, b.n, sizeof *b.v, cmp_sample);
        qsort(c.v, c.n, sizeof *c.v, cmp_sample);
        size_t cap = b.n < c.n ? b.n : c.n;
        res->changes = calloc(cap ? cap : 1, sizeof *res->changes);
        if (!res->changes) st = llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
        size_t i = 0, j = 0;
        while (!st && (i < b.n || j < c.n)) {
            int cmpv = i == b.n ? 1 : j == c.n ? -1 : strcmp(b.v[i].key, c.v[j].key);
            if (cmpv < 0) { res->n_base_only++; const char *k = b.v[i].key; while (i < b.n && !strcmp(b.v[i].key, k)) i++; continue; }
            if (cmpv > 0) { res->n_new_only++; const char *k = c.v[j].key; while (j < c.n && !strcmp(c.v[j].key, k)) j++; continue; }
            const sample *x = &b.v[i], *y = &c.v[j]; /* newest of each side: sorted first */
            llmcap_rundb_change *ch = &res->changes[res->n++];
            snprintf(ch->model, sizeof ch->model, "%s", x->model);
            snprintf(ch->quant, sizeof ch->quant, "%s", x->quant);
            snprintf(ch->hardware, sizeof ch->hardware, "%s", x->hardware);
            snprintf(ch->backend, sizeof ch->backend, "%s", x->backend);
            snprintf(ch->test, sizeof ch->test, "%s", x->test);
            snprintf(ch->config, sizeof ch->config, "%s", x->config);
            snprintf(ch->base_build, sizeof ch->base_build, "%s", x->build);
            snprintf(ch->new_build, sizeof ch->new_build, "%s", y->build);
            snprintf(ch->base_date, sizeof ch->base_date, "%s", x->date);
            snprintf(ch->new_date, sizeof ch->new_date, "%s", y->date);
            ch->base_tok_s = x->tok_s;
            ch->base_stddev = x->stddev;
            ch->new_tok_s = y->tok_s;
            ch->new_stddev = y->stddev;
            ch->change_pct = 100.0 * (y->tok_s - x->tok_s) / x->tok_s;
            ch->noise_tok_s = sqrt(x->stddev * x->stddev + y->stddev * y->stddev);
            ch->noise_pct = 100.0 * ch->noise_tok_s / x->tok_s;
            const double diff = y->tok_s - x->tok_s;
            const bool beyond_noise = fabs(diff) > o->noise_k * ch->noise_tok_s;
            if (ch->change_pct < -o->threshold_pct && beyond_noise) {
                ch->verdict = LLMCAP_RUNDB_REGRESSION;
                res->n_regressions++;
            } else if (ch->change_pct > o->threshold_pct && beyond_noise) {
                ch->verdict = LLMCAP_RUNDB_IMPROVEMENT;
                res->n_improvements++;
            }
            const char *kb = x->key;
            while (i < b.n && !strcmp(b.v[i].key, kb)) i++;
            const char *kc = y->key;
            while (j < c.n && !strcmp(c.v[j].key, kc)) j++;
        }
        if (!st) qsort(res->changes, res->n, sizeof *res->changes, cmp_change);
    }
    free(b.v);
    free(c.v);
    if (st) llmcap_rundb_check_result_free(res);
    return st;
}

void llmcap_rundb_check_result_free(llmcap_rundb_check_result *res)
{
    if (!res) return;
    free(res->changes);
    memset(res, 0, sizeof *res);
}
