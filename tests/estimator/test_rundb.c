/* test_rundb.c - the measured-runs database (estimator/rundb): schema and
 * migration, import with duplicate detection and rollback, corrupt and
 * foreign files left unchanged, the read-only SQL guard, filters, export
 * round trip, the regression check on a crafted history, two importers at
 * once. Runs are built by hand here; tests/cli/test_runs.sh covers the file
 * formats through `llmcap runs`. */
#include "test.h"

#include "rundb/llmcap_rundb.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static void setup(void);

static const char *tpath(const char *name)
{
    static char buf[8][512];
    if (!tmpdir[0]) setup();
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

/* whole file into a malloc'd buffer */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { *n = 0; return NULL; }
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

static int same_file(const unsigned char *a, size_t na, const char *path)
{
    size_t nb;
    unsigned char *b = slurp(path, &nb);
    int same = b && na == nb && !memcmp(a, b, na);
    free(b);
    return same;
}

/* a llama-bench-like run: tg128 on an RTX 4090 by default */
static llmcap_run mkrun(const char *build, const char *date, double tok_s, double sd)
{
    llmcap_run r;
    memset(&r, 0, sizeof r);
    snprintf(r.file, sizeof r.file, "hand.jsonl");
    r.line = 1;
    r.format = LLMCAP_RUNS_LB_JSONL;
    snprintf(r.source, sizeof r.source, "hand.jsonl");
    snprintf(r.engine, sizeof r.engine, "llama.cpp llama-bench");
    snprintf(r.build, sizeof r.build, "%s", build);
    snprintf(r.date, sizeof r.date, "%s", date);
    snprintf(r.hardware, sizeof r.hardware, "NVIDIA GeForce RTX 4090");
    snprintf(r.backend, sizeof r.backend, "CUDA");
    snprintf(r.model, sizeof r.model, "llama 8B Q4_K - Medium");
    snprintf(r.quant, sizeof r.quant, "Q4_K_M");
    r.test = LLMCAP_TEST_TG;
    r.n_gen = 128;
    r.n_seq = 1;
    r.n_batch = 2048;
    r.n_ubatch = 512;
    r.n_threads = 16;
    r.n_gpu_layers = 99;
    r.flash_attn = 0;
    r.type_k = r.type_v = 1; /* f16 */
    r.tok_s = tok_s;
    r.stddev_tok_s = sd;
    return r;
}

static void push(llmcap_runs *rs, llmcap_run r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 16;
        rs->runs = realloc(rs->runs, rs->cap * sizeof *rs->runs);
    }
    r.line = (int)rs->n + 1;
    rs->runs[rs->n++] = r;
}

static void free_runs(llmcap_runs *rs)
{
    free(rs->runs);
    free(rs->issues);
    memset(rs, 0, sizeof *rs);
}

static long long count(const char *path, const char *table)
{
    sqlite3 *h;
    long long n = -1;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(h);
    return n;
}

static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *h;
    CHECK(sqlite3_open(path, &h) == SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc) fprintf(stderr, "  raw_exec: %s\n", msg ? msg : "?");
    CHECK(rc == SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(h);
}

static llmcap_rundb *open_rw(const char *path)
{
    llmcap_rundb *db = NULL;
    llmcap_error err = {0};
    llmcap_status st = llmcap_rundb_open(path, LLMCAP_RUNDB_READWRITE, &db, &err);
    if (st) fprintf(stderr, "  open %s: %s\n", path, err.msg);
    CHECK(st == LLMCAP_OK);
    return db;
}

static void test_open_creates_schema(void)
{
    const char *p = tpath("new.db");
    llmcap_rundb *db = open_rw(p);
    CHECK_EQ_INT(llmcap_rundb_schema_version(db), LLMCAP_RUNDB_SCHEMA_VERSION);
    llmcap_rundb_close(db);
    /* the header: user_version at offset 60, application_id at 68 (big-endian) */
    size_t n;
    unsigned char *b = slurp(p, &n);
    CHECK(n >= 100);
    if (n >= 100) {
        CHECK_EQ_INT(((uint32_t)b[60] << 24) | ((uint32_t)b[61] << 16) | ((uint32_t)b[62] << 8) | b[63],
                     LLMCAP_RUNDB_SCHEMA_VERSION);
        CHECK_EQ_INT(((uint32_t)b[68] << 24) | ((uint32_t)b[69] << 16) | ((uint32_t)b[70] << 8) | b[71],
                     LLMCAP_RUNDB_APP_ID);
    }
    free(b);
    CHECK_EQ_INT(count(p, "runs"), 0);
    CHECK_EQ_INT(count(p, "run_view"), 0);
    /* a second open keeps the file as it is */
    b = slurp(p, &n);
    db = open_rw(p);
    llmcap_rundb_close(db);
    CHECK(same_file(b, n, p));
    free(b);
    /* read-only on a missing file: a clear error, nothing created */
    llmcap_error err = {0};
    CHECK(llmcap_rundb_open(tpath("missing.db"), LLMCAP_RUNDB_READONLY, &db, &err) == LLMCAP_ERR_IO);
    CHECK_CONTAINS(err.msg, "no runs database yet");
    CHECK(access(tpath("missing.db"), F_OK) != 0);
    /* a 0-byte file is an empty database for a writer, not a database for a reader */
    write_file(tpath("empty.db"), "", 0);
    CHECK(llmcap_rundb_open(tpath("empty.db"), LLMCAP_RUNDB_READONLY, &db, &err) == LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "not an llmcap runs database (empty file)");
    db = open_rw(tpath("empty.db"));
    CHECK_EQ_INT(llmcap_rundb_schema_version(db), 1);
    llmcap_rundb_close(db);
}

static void test_default_path(void)
{
    char buf[1024], save_home[512] = "", save_xdg[512] = "";
    const char *h = getenv("HOME"), *x = getenv("XDG_DATA_HOME");
    if (h) snprintf(save_home, sizeof save_home, "%s", h);
    if (x) snprintf(save_xdg, sizeof save_xdg, "%s", x);
    llmcap_error err = {0};
    setenv("XDG_DATA_HOME", tpath("xdg"), 1);
    CHECK(llmcap_rundb_default_path(buf, sizeof buf, true, &err) == LLMCAP_OK);
    char want[600];
    snprintf(want, sizeof want, "%s/xdg/llmcap/runs.db", tmpdir);
    CHECK_STR(buf, want);
    struct stat sb;
    CHECK(stat(tpath("xdg/llmcap"), &sb) == 0 && S_ISDIR(sb.st_mode));
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", tpath("home"), 1);
    CHECK(llmcap_rundb_default_path(buf, sizeof buf, false, &err) == LLMCAP_OK);
    snprintf(want, sizeof want, "%s/home/.local/share/llmcap/runs.db", tmpdir);
    CHECK_STR(buf, want);
    CHECK(stat(tpath("home"), &sb) != 0); /* not created without create_dirs */
    unsetenv("HOME");
    CHECK(llmcap_rundb_default_path(buf, sizeof buf, false, &err) == LLMCAP_ERR_IO);
    if (save_home[0]) setenv("HOME", save_home, 1);
    if (save_xdg[0]) setenv("XDG_DATA_HOME", save_xdg, 1);
}

static void test_natural_key(void)
{
    llmcap_run a = mkrun("b1", "2025-01-01T00:00:00Z", 100.0, 1.0), b = a;
    char ka[2048], kb[2048];
    llmcap_rundb_natural_key(&a, ka, sizeof ka);
    llmcap_rundb_natural_key(&b, kb, sizeof kb);
    CHECK_STR(ka, kb);
    /* where it came from is not part of the key */
    snprintf(b.file, sizeof b.file, "other.json");
    b.line = 99;
    b.format = LLMCAP_RUNS_LB_JSON;
    llmcap_rundb_natural_key(&b, kb, sizeof kb);
    CHECK_STR(ka, kb);
    /* every measured field is */
    llmcap_run v[12];
    for (int i = 0; i < 12; i++) v[i] = a;
    v[0].tok_s = 100.0000001;
    v[1].n_threads = 8;
    v[2].n_gpu_layers = 98;
    v[3].n_depth = 512;
    v[4].n_ubatch = 256;
    snprintf(v[5].build, sizeof v[5].build, "b2");
    snprintf(v[6].date, sizeof v[6].date, "2025-01-02T00:00:00Z");
    snprintf(v[7].hardware, sizeof v[7].hardware, "NVIDIA GeForce RTX 3090");
    snprintf(v[8].quant, sizeof v[8].quant, "Q8_0");
    v[9].test = LLMCAP_TEST_PP;
    v[10].stddev_tok_s = 2.0;
    v[11].flash_attn = 1;
    for (int i = 0; i < 12; i++) {
        llmcap_rundb_natural_key(&v[i], kb, sizeof kb);
        if (!strcmp(ka, kb)) fprintf(stderr, "  key case %d equal\n", i);
        CHECK(strcmp(ka, kb) != 0);
    }
    /* '|' inside a field cannot fake a field boundary */
    llmcap_run x = a, y = a;
    snprintf(x.engine, sizeof x.engine, "a|b");
    snprintf(x.build, sizeof x.build, "c");
    snprintf(y.engine, sizeof y.engine, "a");
    snprintf(y.build, sizeof y.build, "b|c");
    llmcap_rundb_natural_key(&x, ka, sizeof ka);
    llmcap_rundb_natural_key(&y, kb, sizeof kb);
    CHECK(strcmp(ka, kb) != 0);
}

static void test_import_duplicates(void)
{
    const char *p = tpath("dup.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    push(&rs, mkrun("b1", "2025-01-01T10:00:00Z", 100, 1));
    push(&rs, mkrun("b1", "2025-01-01T10:01:00Z", 101, 1));
    push(&rs, mkrun("b1", "2025-01-01T10:00:00Z", 100, 1)); /* the first one again */
    llmcap_run sp = mkrun("b1", "2025-01-01 10:02:00", 5000, 20); /* a space before the time */
    sp.test = LLMCAP_TEST_PP; sp.n_prompt = 512; sp.n_gen = 0;
    sp.latency_p50_ms = 12.5; sp.peak_mem_bytes = 6.5e9;
    push(&rs, sp);
    llmcap_rundb_import_stats s;
    llmcap_error err = {0};
    CHECK(llmcap_rundb_import(db, &rs, NULL, &s, &err) == LLMCAP_OK);
    CHECK_EQ_INT(s.n_runs, 4);
    CHECK_EQ_INT(s.n_imported, 3);
    CHECK_EQ_INT(s.n_duplicates, 1);
    CHECK_EQ_INT(s.n_predicted, 0);
    CHECK_EQ_INT(s.n_unmatched, 3);  /* no data/ given */
    CHECK_EQ_INT(s.n_files, 1);
    CHECK_EQ_INT(count(p, "runs"), 3);
    CHECK_EQ_INT(count(p, "hardware"), 1);
    CHECK_EQ_INT(count(p, "builds"), 1);
    CHECK_EQ_INT(count(p, "predictions"), 3);
    /* the same runs again: all duplicates, nothing stored but the import record */
    CHECK(llmcap_rundb_import(db, &rs, NULL, &s, &err) == LLMCAP_OK);
    CHECK_EQ_INT(s.n_imported, 0);
    CHECK_EQ_INT(s.n_duplicates, 4);
    CHECK_EQ_INT(count(p, "runs"), 3);
    CHECK_EQ_INT(count(p, "imports"), 2);
    /* what was stored */
    llmcap_rundb_table t;
    llmcap_rundb_filter f = {.test = "pp512"};
    CHECK(llmcap_rundb_select(db, &f, &t, &err) == LLMCAP_OK);
    CHECK_EQ_INT(t.n_rows, 1);
    for (size_t i = 0; t.n_rows && i < t.n_cols; i++) {
        const char *c = t.cells[i];
        if (!strcmp(t.names[i], "date")) CHECK_STR(c, "2025-01-01T10:02:00");
        if (!strcmp(t.names[i], "tok_s")) CHECK_STR(c, "5000.0");
        if (!strcmp(t.names[i], "stddev_tok_s")) CHECK_STR(c, "20.0");
        if (!strcmp(t.names[i], "latency_p50_ms")) CHECK_STR(c, "12.5");
        if (!strcmp(t.names[i], "peak_mem_bytes")) CHECK_STR(c, "6500000000.0");
        if (!strcmp(t.names[i], "latency_p90_ms")) CHECK(c == NULL);
        if (!strcmp(t.names[i], "type_k")) CHECK_STR(c, "f16");
        if (!strcmp(t.names[i], "test_kind")) CHECK_STR(c, "pp");
        if (!strcmp(t.names[i], "n_threads")) CHECK_STR(c, "16");
        if (!strcmp(t.names[i], "prediction_note")) CHECK_STR(c, "no data/ to match against");
        if (!strcmp(t.names[i], "hardware_data_id")) CHECK_STR(c, "");
    }
    llmcap_rundb_table_free(&t);
    llmcap_rundb_close(db);
    free_runs(&rs);
}

static void test_import_rollback(void)
{
    const char *p = tpath("rollback.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    llmcap_error err = {0};
    push(&rs, mkrun("b1", "2025-01-01T00:00:00Z", 100, 1));
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    /* a failure inside the transaction (a trigger refusing the third run) */
    raw_exec(p, "CREATE TRIGGER refuse BEFORE INSERT ON runs WHEN NEW.tok_s = 666 BEGIN SELECT RAISE(ABORT, 'refused'); END");
    size_t n;
    unsigned char *before = slurp(p, &n);
    free_runs(&rs);
    push(&rs, mkrun("b2", "2025-01-02T00:00:00Z", 110, 1));
    push(&rs, mkrun("b2", "2025-01-02T00:01:00Z", 111, 1));
    push(&rs, mkrun("b2", "2025-01-02T00:02:00Z", 666, 1));
    llmcap_rundb_import_stats s;
    CHECK(llmcap_rundb_import(db, &rs, NULL, &s, &err) != LLMCAP_OK);
    CHECK_CONTAINS(err.msg, "refused");
    CHECK_CONTAINS(err.msg, "hand.jsonl:3");
    CHECK_EQ_INT(s.n_imported, 0);
    CHECK(same_file(before, n, p));
    CHECK_EQ_INT(count(p, "runs"), 1);
    CHECK_EQ_INT(count(p, "imports"), 1);
    /* a bad number is refused before anything is written */
    free_runs(&rs);
    push(&rs, mkrun("b3", "2025-01-03T00:00:00Z", 120, 1));
    push(&rs, mkrun("b3", "2025-01-03T00:00:00Z", NAN, 1));
    CHECK(llmcap_rundb_import(db, &rs, NULL, &s, &err) == LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "hand.jsonl:2");
    CHECK(same_file(before, n, p));
    free(before);
    llmcap_rundb_close(db);
    free_runs(&rs);
}

/* a copy of a database with two runs */
static void make_db(const char *p)
{
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    push(&rs, mkrun("b1", "2025-01-01T00:00:00Z", 100, 1));
    push(&rs, mkrun("b1", "2025-01-01T00:01:00Z", 101, 1));
    llmcap_error err = {0};
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    llmcap_rundb_close(db);
    free_runs(&rs);
}

static void test_bad_files_unchanged(void)
{
    llmcap_rundb *db = NULL;
    llmcap_error err = {0};
    /* random bytes */
    unsigned char junk[8192];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < sizeof junk; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; junk[i] = (unsigned char)x; }
    const char *p = tpath("junk.db");
    write_file(p, junk, sizeof junk);
    for (int ro = 0; ro < 2; ro++) {
        err = (llmcap_error){0};
        CHECK(llmcap_rundb_open(p, ro ? LLMCAP_RUNDB_READONLY : LLMCAP_RUNDB_READWRITE, &db, &err) == LLMCAP_ERR_PARSE);
        CHECK(db == NULL);
        CHECK_CONTAINS(err.msg, "not an llmcap runs database (file is not a database)");
        CHECK(same_file(junk, sizeof junk, p));
    }
    /* a truncated copy of a real database */
    make_db(tpath("real.db"));
    size_t n;
    unsigned char *full = slurp(tpath("real.db"), &n);
    CHECK(n > 8192);
    const char *tp = tpath("truncated.db");
    write_file(tp, full, n / 2);
    for (int ro = 0; ro < 2; ro++) {
        err = (llmcap_error){0};
        llmcap_status st = llmcap_rundb_open(tp, ro ? LLMCAP_RUNDB_READONLY : LLMCAP_RUNDB_READWRITE, &db, &err);
        CHECK(st == LLMCAP_ERR_PARSE);
        CHECK_CONTAINS(err.msg, "not an llmcap runs database");
        if (!st) llmcap_rundb_close(db);
        CHECK(same_file(full, n / 2, tp));
    }
    free(full);
    /* another application's SQLite database */
    const char *op = tpath("other.db");
    raw_exec(op, "CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    unsigned char *ob = slurp(op, &n);
    CHECK(llmcap_rundb_open(op, LLMCAP_RUNDB_READWRITE, &db, &err) == LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, "another application");
    CHECK(same_file(ob, n, op));
    free(ob);
    /* a newer schema */
    const char *np = tpath("newer.db");
    make_db(np);
    raw_exec(np, "PRAGMA user_version = 7");
    unsigned char *nb = slurp(np, &n);
    for (int ro = 0; ro < 2; ro++) {
        CHECK(llmcap_rundb_open(np, ro ? LLMCAP_RUNDB_READONLY : LLMCAP_RUNDB_READWRITE, &db, &err) == LLMCAP_ERR_UNSUPPORTED);
        CHECK_CONTAINS(err.msg, "schema version 7 is newer than this llmcap knows (1)");
        CHECK(same_file(nb, n, np));
    }
    free(nb);
    /* a directory */
    CHECK(llmcap_rundb_open(tmpdir, LLMCAP_RUNDB_READWRITE, &db, &err) == LLMCAP_ERR_IO);
}

static void test_sql_guard(void)
{
    const char *p = tpath("guard.db");
    make_db(p);
    size_t n;
    unsigned char *before = slurp(p, &n);
    llmcap_rundb *db = NULL;
    llmcap_error err = {0};
    CHECK(llmcap_rundb_open(p, LLMCAP_RUNDB_READONLY, &db, &err) == LLMCAP_OK);
    static const char *const refused[] = {
        "INSERT INTO builds (engine, build) VALUES ('x', 'y')",
        "UPDATE runs SET tok_s = 1",
        "DELETE FROM runs",
        "DROP TABLE runs",
        "CREATE TABLE t (x)",
        "CREATE TEMP TABLE t (x)",
        "ALTER TABLE runs ADD COLUMN x",
        "ATTACH DATABASE 'x.db' AS x",
        "PRAGMA user_version = 9",
        "PRAGMA query_only = 0",
        "PRAGMA journal_mode = WAL",
        "PRAGMA writable_schema = 1",
        "VACUUM",
        "VACUUM INTO 'copy.db'",
        "BEGIN",
        "REINDEX",
        "ANALYZE",
        "WITH x AS (SELECT 1) DELETE FROM runs",
        "SELECT 1; DELETE FROM runs",
        "  -- a comment\n  DELETE FROM runs",
        "REPLACE INTO builds (engine, build) VALUES ('x', 'y')",
        "",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        llmcap_rundb_table t;
        err = (llmcap_error){0};
        llmcap_status st = llmcap_rundb_sql(db, refused[i], 1000, &t, &err);
        if (st != LLMCAP_ERR_INVALID_ARG) fprintf(stderr, "  not refused: %s\n", refused[i]);
        CHECK(st == LLMCAP_ERR_INVALID_ARG);
        CHECK_CONTAINS(err.msg, "--sql:");
        if (!st) llmcap_rundb_table_free(&t);
    }
    CHECK(access(tpath("copy.db"), F_OK) != 0);
    /* reads work */
    llmcap_rundb_table t;
    CHECK(llmcap_rundb_sql(db, "SELECT count(*) AS n, max(tok_s) AS best FROM runs -- trailing comment", 1000, &t, &err) == LLMCAP_OK);
    CHECK_EQ_INT(t.n_rows, 1);
    CHECK_STR(t.names[0], "n");
    CHECK_STR(t.cells[0], "2");
    CHECK(t.types[0] == LLMCAP_RUNDB_INT);
    CHECK_STR(t.cells[1], "101.0");
    CHECK(t.types[1] == LLMCAP_RUNDB_REAL);
    llmcap_rundb_table_free(&t);
    CHECK(llmcap_rundb_sql(db, "PRAGMA table_info(runs)", 1000, &t, &err) == LLMCAP_OK);
    CHECK(t.n_rows > 30);
    llmcap_rundb_table_free(&t);
    CHECK(llmcap_rundb_sql(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10) "
                               "SELECT sum(x) FROM c", 1000, &t, &err) == LLMCAP_OK);
    CHECK_STR(t.cells[0], "55");
    llmcap_rundb_table_free(&t);
    /* a runaway query stops at its time limit */
    CHECK(llmcap_rundb_sql(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
                           200, &t, &err) == LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "time limit");
    CHECK(llmcap_rundb_sql(db, "SELECT nosuchcolumn FROM runs", 1000, &t, &err) == LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "no such column");
    llmcap_rundb_close(db);
    CHECK(same_file(before, n, p));
    free(before);
    /* on a read-write handle the guard holds for --sql, and imports work again afterwards */
    db = open_rw(p);
    CHECK(llmcap_rundb_sql(db, "DELETE FROM runs", 1000, &t, &err) == LLMCAP_ERR_INVALID_ARG);
    CHECK(llmcap_rundb_sql(db, "SELECT 1", 1000, &t, &err) == LLMCAP_OK);
    llmcap_rundb_table_free(&t);
    llmcap_runs rs = {0};
    push(&rs, mkrun("after-sql", "2025-05-01T00:00:00Z", 77, 1));
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    CHECK_EQ_INT(count(p, "runs"), 3);
    free_runs(&rs);
    llmcap_rundb_close(db);
}

static void test_filters(void)
{
    const char *p = tpath("filters.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    push(&rs, mkrun("4d069d9 (1)", "2025-01-01T12:00:00Z", 100, 1));
    llmcap_run r = mkrun("5e1f2a3 (2)", "2025-02-01T12:00:00Z", 50, 1);
    snprintf(r.backend, sizeof r.backend, "Vulkan");
    snprintf(r.quant, sizeof r.quant, "Q8_0");
    snprintf(r.model, sizeof r.model, "qwen2 7B Q8_0");
    push(&rs, r);
    r = mkrun("5e1f2a3 (2)", "2025-03-01T12:00:00Z", 20, 1);
    snprintf(r.hardware, sizeof r.hardware, "AMD EPYC 100%% fast_cpu");
    snprintf(r.backend, sizeof r.backend, "CPU");
    push(&rs, r);
    llmcap_error err = {0};
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    struct { llmcap_rundb_filter f; size_t n; } cases[] = {
        {{0}, 3},
        {{.backend = "cuda"}, 1},
        {{.quant = "q8_0"}, 1},
        {{.model = "QWEN2"}, 1},
        {{.model = "llama"}, 2},
        {{.hardware = "4090"}, 2},
        {{.hardware = "100%"}, 1},      /* % is a character, not a wildcard */
        {{.hardware = "t_c"}, 1},
        {{.hardware = "0%_f"}, 0},      /* ... and _ too */
        {{.build = "5e1"}, 2},
        {{.build = "e1f"}, 0},          /* a prefix, not a substring */
        {{.since = "2025-02-01"}, 2},
        {{.until = "2025-02-01"}, 2},   /* the whole day */
        {{.until = "2025-01-31T23:59"}, 1},
        {{.since = "2025-01-15", .until = "2025-02-15"}, 1},
        {{.test = "tg128"}, 3},
        {{.limit = 2}, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmcap_rundb_table t;
        CHECK(llmcap_rundb_list(db, &cases[i].f, &t, &err) == LLMCAP_OK);
        if (t.n_rows != cases[i].n) fprintf(stderr, "  filter case %zu: %zu rows\n", i, t.n_rows);
        CHECK_EQ_INT(t.n_rows, cases[i].n);
        llmcap_rundb_table_free(&t);
    }
    llmcap_rundb_table t;
    llmcap_rundb_filter bad = {.since = "2025-13-01"};
    CHECK(llmcap_rundb_list(db, &bad, &t, &err) == LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "--since: '2025-13-01' is not a date");
    CHECK(llmcap_rundb_show(db, 2, &t, &err) == LLMCAP_OK);
    CHECK_EQ_INT(t.n_rows, 1);
    CHECK_STR(t.cells[0], "2");
    llmcap_rundb_table_free(&t);
    CHECK(llmcap_rundb_show(db, 99, &t, &err) == LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "no run with id 99");
    llmcap_rundb_close(db);
    free_runs(&rs);
}

/* the first n runs of GOT (as many as it has) have the natural keys of those of WANT */
static void check_same_keys(const llmcap_runs *want, const llmcap_runs *got, size_t n)
{
    for (size_t i = 0; i < got->n && i < n; i++) {
        char k1[2048], k2[2048];
        llmcap_rundb_natural_key(&want->runs[i], k1, sizeof k1);
        llmcap_rundb_natural_key(&got->runs[i], k2, sizeof k2);
        CHECK_STR(k2, k1);
    }
}

static void test_export_round_trip(void)
{
    const char *p = tpath("rt1.db"), *q = tpath("rt2.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    llmcap_run r = mkrun("b1", "2025-01-01T00:00:00Z", 123.456789012345, 0.5);
    r.latency_p50_ms = 8.1; r.latency_p90_ms = 8.9; r.latency_p99_ms = 9.7; r.peak_mem_bytes = 1234567890;
    r.mem_bw_gbps = 1008; r.model_size_bytes = 4.9e9; r.n_params = 8.03e9;
    snprintf(r.notes, sizeof r.notes, "a note, with \"quotes\" | and a bar");
    push(&rs, r);
    r = mkrun("b1", "", 5432.1, 0);
    r.test = LLMCAP_TEST_PG; r.n_prompt = 512; r.n_depth = 1024; r.n_gpu_layers = -1; r.flash_attn = -1;
    r.type_k = -1; r.type_v = -1; r.n_threads = 0; r.n_batch = 0; r.n_ubatch = 0;
    r.format = LLMCAP_RUNS_MEASURED_CSV;
    snprintf(r.source, sizeof r.source, "someone's table");
    push(&rs, r);
    llmcap_error err = {0};
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    llmcap_runs back = {0};
    CHECK(llmcap_rundb_load_runs(db, NULL, &back, &err) == LLMCAP_OK);
    CHECK_EQ_INT(back.n, 2);
    check_same_keys(&rs, &back, 2);
    if (back.n == 2) {
        CHECK(back.runs[0].tok_s == 123.456789012345);
        CHECK_NEAR(back.runs[0].latency_p90_ms, 8.9, 1e-12);
        CHECK_STR(back.runs[0].notes, rs.runs[0].notes);
        CHECK_EQ_INT(back.runs[1].n_gpu_layers, -1);
        CHECK_EQ_INT(back.runs[1].type_k, -1);
    }
    /* the exported runs are all duplicates of the stored ones; into a fresh database they are all new */
    llmcap_rundb_import_stats s;
    CHECK(llmcap_rundb_import(db, &back, NULL, &s, &err) == LLMCAP_OK);
    CHECK_EQ_INT(s.n_duplicates, 2);
    llmcap_rundb *db2 = open_rw(q);
    CHECK(llmcap_rundb_import(db2, &back, NULL, &s, &err) == LLMCAP_OK);
    CHECK_EQ_INT(s.n_imported, 2);
    llmcap_runs back2 = {0};
    CHECK(llmcap_rundb_load_runs(db2, NULL, &back2, &err) == LLMCAP_OK);
    CHECK_EQ_INT(back2.n, 2);
    check_same_keys(&back, &back2, 2);
    llmcap_rundb_close(db);
    llmcap_rundb_close(db2);
    free_runs(&rs);
    free_runs(&back);
    free_runs(&back2);
}

/* A crafted history: build b1 (January), b2 (February) with known changes. */
static void test_check(void)
{
    const char *p = tpath("check.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_runs rs = {0};
    /* per test: b1 tokens/s, sd; b2 tokens/s, sd; the verdict expected at 5%, k = 2 */
    struct { int n_gen; double b1, s1, b2, s2; llmcap_rundb_verdict v; } h[] = {
        {16, 100, 1, 90, 1, LLMCAP_RUNDB_REGRESSION},   /* -10%, noise 1.41: regression */
        {32, 100, 1, 97, 1, LLMCAP_RUNDB_SAME},         /* -3%: under the threshold */
        {64, 100, 6, 90, 6, LLMCAP_RUNDB_SAME},         /* -10% but 2 x 8.49 = 17 of noise */
        {96, 100, 0, 94, 0, LLMCAP_RUNDB_REGRESSION},   /* -6%, no stddev known: threshold alone */
        {128, 100, 1, 120, 1, LLMCAP_RUNDB_IMPROVEMENT},/* +20% */
    };
    const size_t nh = sizeof h / sizeof h[0];
    for (size_t i = 0; i < nh; i++) {
        llmcap_run a = mkrun("b1 (100)", "2025-01-10T00:00:00Z", h[i].b1 * 0.5, h[i].s1); /* an older b1 run */
        a.n_gen = (uint32_t)h[i].n_gen;
        snprintf(a.date, sizeof a.date, "2025-01-05T00:00:00Z");
        push(&rs, a);
        a = mkrun("b1 (100)", "2025-01-10T00:00:00Z", h[i].b1, h[i].s1);
        a.n_gen = (uint32_t)h[i].n_gen;
        push(&rs, a);
        a = mkrun("b2 (101)", "2025-02-10T00:00:00Z", h[i].b2, h[i].s2);
        a.n_gen = (uint32_t)h[i].n_gen;
        push(&rs, a);
    }
    /* on one side only */
    llmcap_run only = mkrun("b2 (101)", "2025-02-10T00:00:00Z", 70, 1);
    only.n_gen = 256;
    push(&rs, only);
    /* another thread count: not compared with the 16-thread runs */
    only = mkrun("b1 (100)", "2025-01-10T00:00:00Z", 70, 1);
    only.n_threads = 4;
    push(&rs, only);
    llmcap_error err = {0};
    CHECK(llmcap_rundb_import(db, &rs, NULL, NULL, &err) == LLMCAP_OK);
    llmcap_rundb_check_opts o = {.baseline = {LLMCAP_RUNDB_SET_BUILD, "b1", NULL}, .threshold_pct = 5, .noise_k = 2};
    llmcap_rundb_check_result res;
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1) o.baseline = (llmcap_rundb_set){LLMCAP_RUNDB_SET_DATE, "2025-02-01", NULL};
        if (pass == 2) { o.baseline = (llmcap_rundb_set){LLMCAP_RUNDB_SET_BUILD, "b1", NULL};
                         o.candidate = (llmcap_rundb_set){LLMCAP_RUNDB_SET_BUILD, "b2", NULL}; }
        CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_OK);
        CHECK_EQ_INT(res.n, nh);
        CHECK_EQ_INT(res.n_regressions, 2);
        CHECK_EQ_INT(res.n_improvements, 1);
        CHECK_EQ_INT(res.n_base_only, 1);
        CHECK_EQ_INT(res.n_new_only, 1);
        for (size_t i = 0; i < res.n; i++) {
            const llmcap_rundb_change *c = &res.changes[i];
            for (size_t j = 0; j < nh; j++) {
                char t[16];
                snprintf(t, sizeof t, "tg%d", h[j].n_gen);
                if (strcmp(c->test, t)) continue;
                CHECK_NEAR(c->base_tok_s, h[j].b1, 1e-9); /* the newest b1 run, not the older one */
                CHECK_NEAR(c->change_pct, 100 * (h[j].b2 - h[j].b1) / h[j].b1, 1e-9);
                CHECK_NEAR(c->noise_tok_s, sqrt(h[j].s1 * h[j].s1 + h[j].s2 * h[j].s2), 1e-9);
                CHECK_EQ_INT(c->verdict, h[j].v);
            }
        }
        if (res.n) {
            CHECK_STR(res.changes[0].test, "tg16"); /* worst first */
            CHECK_STR(res.changes[0].base_build, "b1 (100)");
            CHECK_STR(res.changes[0].new_build, "b2 (101)");
            CHECK_STR(res.changes[0].config, "t=16 ngl=99 b=2048 ub=512 fa=0 kv=f16/f16 seq=1");
        }
        llmcap_rundb_check_result_free(&res);
    }
    /* a looser threshold: only the -10% one stays */
    o.threshold_pct = 8;
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_OK);
    CHECK_EQ_INT(res.n_regressions, 1);
    llmcap_rundb_check_result_free(&res);
    /* noise ignored (k = 0): the -10% with wide noise counts too */
    o.threshold_pct = 5;
    o.noise_k = 0;
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_OK);
    CHECK_EQ_INT(res.n_regressions, 3);
    llmcap_rundb_check_result_free(&res);
    /* a file of runs as the baseline */
    llmcap_runs base = {0};
    llmcap_run b = mkrun("old", "2024-12-01T00:00:00Z", 200, 1);
    b.n_gen = 16;
    push(&base, b);
    o = (llmcap_rundb_check_opts){.baseline = {LLMCAP_RUNDB_SET_RUNS, NULL, &base}, .threshold_pct = 5, .noise_k = 2};
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_OK);
    CHECK_EQ_INT(res.n, 1);
    CHECK_EQ_INT(res.n_regressions, 1);
    if (res.n) CHECK_NEAR(res.changes[0].change_pct, -55.0, 1e-9); /* the newest stored tg16: 90 */
    llmcap_rundb_check_result_free(&res);
    /* bad options */
    o.threshold_pct = 0;
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_ERR_INVALID_ARG);
    o = (llmcap_rundb_check_opts){.baseline = {LLMCAP_RUNDB_SET_BUILD, "nosuch", NULL}, .threshold_pct = 5, .noise_k = 2};
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "build 'nosuch': no runs");
    o.baseline = (llmcap_rundb_set){LLMCAP_RUNDB_SET_DATE, "2025-02-30x", NULL};
    CHECK(llmcap_rundb_check(db, &o, &res, &err) == LLMCAP_ERR_INVALID_ARG);
    llmcap_rundb_close(db);
    free_runs(&rs);
    free_runs(&base);
}

/* Two processes importing at once into one file: nothing is lost. */
static void test_concurrent_import(void)
{
    const char *p = tpath("concurrent.db");
    llmcap_rundb *db = open_rw(p);
    llmcap_rundb_close(db);
    enum { N_PROC = 3, N_BATCH = 20, N_RUNS = 25 };
    pid_t kids[N_PROC];
    for (int k = 0; k < N_PROC; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            int bad = 0;
            for (int b = 0; b < N_BATCH; b++) {
                llmcap_rundb *d = NULL;
                llmcap_error e = {0};
                if (llmcap_rundb_open(p, LLMCAP_RUNDB_READWRITE, &d, &e)) { fprintf(stderr, "  child: %s\n", e.msg); bad = 1; break; }
                llmcap_runs rs = {0};
                for (int i = 0; i < N_RUNS; i++) {
                    char build[32];
                    snprintf(build, sizeof build, "proc%d", k);
                    push(&rs, mkrun(build, "2025-01-01T00:00:00Z", 1000 + b * N_RUNS + i, 1));
                }
                if (llmcap_rundb_import(d, &rs, NULL, NULL, &e)) { fprintf(stderr, "  child: %s\n", e.msg); bad = 1; }
                free_runs(&rs);
                llmcap_rundb_close(d);
            }
            _exit(bad);
        }
    }
    int ok_kids = 0;
    for (int k = 0; k < N_PROC; k++) {
        int status = 0;
        waitpid(kids[k], &status, 0);
        ok_kids += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    CHECK_EQ_INT(ok_kids, N_PROC);
    CHECK_EQ_INT(count(p, "runs"), N_PROC * N_BATCH * N_RUNS);
    CHECK_EQ_INT(count(p, "imports"), N_PROC * N_BATCH);
    CHECK_EQ_INT(count(p, "builds"), N_PROC);
}

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/llmcap-rundb.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(1); }
}

static void test_setup(void)
{
    if (!tmpdir[0]) setup();
    CHECK(tmpdir[0] != 0);
}

static void test_cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
}

TEST_MAIN(TEST(test_setup), TEST(test_open_creates_schema), TEST(test_default_path), TEST(test_natural_key),
          TEST(test_import_duplicates), TEST(test_import_rollback), TEST(test_bad_files_unchanged),
          TEST(test_sql_guard), TEST(test_filters), TEST(test_export_round_trip), TEST(test_check),
          TEST(test_concurrent_import), TEST(test_cleanup))
