/* db.c - the built-in data: data/hardware.json and data/models.json.
 *
 * Both files are parsed with cJSON (length-taking parse, so the text needs no
 * terminating NUL and the browser can hand us a buffer), every entry and every
 * field is validated against the tables below, units are converted (GiB ->
 * bytes, billions of parameters -> counts) and the entries are kept as
 * llmcap_hardware / llmcap_model_spec arrays in file order. The db owns the
 * source / notes / alias strings; the cJSON trees are freed before load returns.
 *
 * The schema is data/README.md. In short, each file is
 *   {"schema_version": 1, "hardware": [ {entry}, ... ]}   (or "models")
 * and each entry must hold every field of its table below, exactly once, with
 * the right JSON type; null only where a row says so; no other keys (a typo'd
 * key is an error, not a silently missing figure).
 *
 * Messages name the file label, the entry (its 0-based index in the array and
 * its id once known) and the field:
 *   "data/hardware.json: entry 12 (rtx-4090): field 'bandwidth_gbps' must be a number > 0 and <= 100000 (got -5)"
 * Statuses: LLMCAP_ERR_PARSE for text that is not JSON (with line, column and
 * byte offset), LLMCAP_ERR_INVALID_ARG for JSON that breaks the schema,
 * LLMCAP_ERR_UNSUPPORTED for a schema_version other than 1, LLMCAP_ERR_IO /
 * LLMCAP_ERR_NOMEM for files and memory. The first error stops the load.
 */
#include "internal.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define DB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DB_PRINTF(f, a)
#endif

#define DB_SCHEMA_VERSION 1
#define DB_MAX_ENTRIES 65536        /* per file; far above any real list, bounds the allocation */
#define DB_MAX_ALIASES 64           /* per entry */
#define DB_ALIAS_MAX_LEN 127        /* an alias must fit llmcap_request.hardware / .model (char[128]) */
#define DB_MAX_FILE_BYTES (64u << 20) /* 64 MiB: the real files are ~100 KB */
#define MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* ========================================================================= */
/* Errors                                                                     */
/* ========================================================================= */

/* Where we are while validating: names the file, the entry and its id. */
typedef struct entry_ctx {
    const char *label;
    size_t index;
    char id[64];            /* "" until the entry's id has been read */
    llmcap_error *err;
} entry_ctx;

static llmcap_status entry_err(const entry_ctx *c, llmcap_status s, const char *fmt, ...) DB_PRINTF(3, 4);
static llmcap_status entry_err(const entry_ctx *c, llmcap_status s, const char *fmt, ...) {
    if (c->err) {
        char detail[384];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        if (c->id[0])
            llmcap_set_error(c->err, s, "%s: entry %zu (%s): %s", c->label, c->index, c->id, detail);
        else
            llmcap_set_error(c->err, s, "%s: entry %zu: %s", c->label, c->index, detail);
    }
    return s;
}

/* A short description of a JSON value for "(got ...)". */
static void describe(const cJSON *v, char *buf, size_t n) {
    if (!v)
        snprintf(buf, n, "nothing");
    else if (cJSON_IsNumber(v))
        snprintf(buf, n, "%.10g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, n, "string \"%.40s%s\"", v->valuestring, strlen(v->valuestring) > 40 ? "..." : "");
    else if (cJSON_IsNull(v))
        snprintf(buf, n, "null");
    else if (cJSON_IsTrue(v))
        snprintf(buf, n, "true");
    else if (cJSON_IsFalse(v))
        snprintf(buf, n, "false");
    else if (cJSON_IsArray(v))
        snprintf(buf, n, "an array");
    else if (cJSON_IsObject(v))
        snprintf(buf, n, "an object");
    else
        snprintf(buf, n, "an unknown value");
}

/* ========================================================================= */
/* Schema tables                                                              */
/* ========================================================================= */

typedef enum field_type {
    FT_TEXT,        /* string -> char[size] at offset */
    FT_OWNED,       /* string -> const char * at offset, copied and owned by the db */
    FT_CHECK_TEXT,  /* string, checked (at most size-1 bytes) but not stored */
    FT_REAL,        /* number -> double at offset, multiplied by scale */
    FT_U32,         /* integral number -> uint32_t at offset */
    FT_INT,         /* integral number -> int at offset */
    FT_CHECK_INT,   /* integral number, checked but not stored */
    FT_BOOL,        /* true / false -> bool at offset */
    FT_KIND,        /* "gpu" | "apple" | "igpu" | "cpu" -> llmcap_hw_kind at offset */
    FT_ALIASES      /* array of strings -> the entry's alias list */
} field_type;

enum {
    F_NULL = 1u << 0,   /* null allowed; stored as 0 / NULL ("unknown" / "not applicable") */
    F_GT = 1u << 1,     /* number must be > min (default: >= min) */
    F_EMPTY = 1u << 2,  /* empty string allowed */
    F_IDENT = 1u << 3   /* string of a-z 0-9 . - _ starting with a letter or digit */
};

typedef struct field_def {
    const char *name;
    field_type type;
    size_t offset;      /* into llmcap_hardware / llmcap_model_spec */
    size_t size;        /* FT_TEXT / FT_CHECK_TEXT: bytes including the NUL */
    unsigned flags;
    double min, max;    /* numbers: allowed range in JSON units */
    double scale;       /* FT_REAL: JSON unit -> struct unit */
} field_def;

#define HW_OFF(f) offsetof(llmcap_hardware, f)
#define HW_SZ(f) MEMBER_SIZE(llmcap_hardware, f)
#define MS_OFF(f) offsetof(llmcap_model_spec, f)
#define MS_SZ(f) MEMBER_SIZE(llmcap_model_spec, f)
#define GIB 1073741824.0 /* 2^30 bytes */
#define BILLION 1e9

/* data/hardware.json entries. Ranges are sanity bounds: wide enough for any
 * device for years to come, narrow enough to catch a wrong unit (MB for GiB,
 * TB/s for GB/s, a sparse or FP4 figure a thousand times too large). */
static const field_def hw_fields[] = {
    {"id", FT_TEXT, HW_OFF(id), HW_SZ(id), F_IDENT, 0, 0, 0},
    {"vendor", FT_TEXT, HW_OFF(vendor), HW_SZ(vendor), 0, 0, 0, 0},
    {"name", FT_TEXT, HW_OFF(name), HW_SZ(name), 0, 0, 0, 0},
    {"kind", FT_KIND, HW_OFF(kind), 0, 0, 0, 0, 0},
    /* GiB of device memory, (0, 4096]: the largest single device today holds
     * 512 GiB (M3 Ultra). null only for kind "cpu", where RAM is given per run. */
    {"memory_gib", FT_REAL, HW_OFF(memory_bytes), 0, F_NULL | F_GT, 0, 4096, GIB},
    {"memory_type", FT_TEXT, HW_OFF(memory_type), HW_SZ(memory_type), F_EMPTY, 0, 0, 0},
    /* bits, 1..65536 (HBM stacks reach 8192); informational, not stored */
    {"bus_width_bits", FT_CHECK_INT, 0, 0, F_NULL, 1, 65536, 0},
    /* GB/s (10^9 B/s), (0, 100000]: dual-channel DDR4 is 51.2, B200 HBM3e 8000 */
    {"bandwidth_gbps", FT_REAL, HW_OFF(bandwidth_gbps), 0, F_GT, 0, 100000, 1},
    /* TFLOPS / TOPS, [0, 1e5]: B200 dense FP16 is 2250; null = unknown */
    {"fp16_tflops", FT_REAL, HW_OFF(fp16_tflops), 0, F_NULL, 0, 1e5, 1},
    {"fp32_tflops", FT_REAL, HW_OFF(fp32_tflops), 0, F_NULL, 0, 1e5, 1},
    {"int8_tops", FT_REAL, HW_OFF(int8_tops), 0, F_NULL, 0, 1e5, 1},
    /* W, (0, 10000]: one board or module (B200 is 1000 W); null = unknown */
    {"tdp_w", FT_REAL, HW_OFF(tdp_w), 0, F_NULL | F_GT, 0, 10000, 1},
    {"interconnect", FT_TEXT, HW_OFF(interconnect), HW_SZ(interconnect), F_EMPTY, 0, 0, 0},
    /* GB/s per direction, (0, 10000]: PCIe 6.0 x16 is 126, NVLink-C2C 450;
     * null = unified memory / no host link */
    {"pcie_gbps", FT_REAL, HW_OFF(pcie_gbps), 0, F_NULL | F_GT, 0, 10000, 1},
    {"launch_year", FT_INT, HW_OFF(launch_year), 0, F_NULL, 1970, 2100, 0},
    {"aliases", FT_ALIASES, 0, 0, 0, 0, 0, 0},
    {"source", FT_OWNED, HW_OFF(source), 0, F_NULL, 0, 0, 0},
    {"notes", FT_OWNED, HW_OFF(notes), 0, F_NULL, 0, 0, 0},
};

/* data/models.json entries (names as llama.cpp's hparams). Counts are
 * integers; 0 means "not applicable" as in llmcap_model_spec. */
static const field_def model_fields[] = {
    {"id", FT_TEXT, MS_OFF(id), MS_SZ(id), F_IDENT, 0, 0, 0},
    {"family", FT_TEXT, MS_OFF(family), MS_SZ(family), 0, 0, 0, 0},
    {"name", FT_TEXT, MS_OFF(name), MS_SZ(name), 0, 0, 0, 0},
    {"arch", FT_TEXT, MS_OFF(arch), MS_SZ(arch), F_IDENT, 0, 0, 0},
    {"hf_architecture", FT_CHECK_TEXT, 0, 128, F_EMPTY, 0, 0, 0},
    /* billions, (0, 1e5]: the largest open model is ~1e3 B */
    {"params_b_total", FT_REAL, MS_OFF(params_total), 0, F_GT, 0, 1e5, BILLION},
    {"params_b_active", FT_REAL, MS_OFF(params_active), 0, F_NULL | F_GT, 0, 1e5, BILLION},
    /* 1..1024 layers (Llama 3.1 405B has 126), hidden size up to 1e6 */
    {"n_layer", FT_U32, MS_OFF(n_layer), 0, 0, 1, 1024, 0},
    {"n_embd", FT_U32, MS_OFF(n_embd), 0, 0, 1, 1e6, 0},
    {"n_ff", FT_U32, MS_OFF(n_ff), 0, 0, 0, 1e7, 0},
    /* heads: 1..16384 (DeepSeek-V3 has 128); n_head % n_head_kv is checked below */
    {"n_head", FT_U32, MS_OFF(n_head), 0, 0, 1, 16384, 0},
    {"n_head_kv", FT_U32, MS_OFF(n_head_kv), 0, 0, 1, 16384, 0},
    {"head_dim", FT_U32, MS_OFF(head_dim), 0, 0, 1, 4096, 0},
    {"head_dim_v", FT_U32, MS_OFF(head_dim_v), 0, F_NULL, 1, 4096, 0},
    {"n_vocab", FT_U32, MS_OFF(n_vocab), 0, 0, 1, 1e7, 0},
    /* tokens; the estimator accepts n_ctx up to LLMCAP_NCTX_MAX, so no model trains longer */
    {"n_ctx_train", FT_U32, MS_OFF(n_ctx_train), 0, 0, 1, LLMCAP_NCTX_MAX, 0},
    {"tied_embeddings", FT_BOOL, MS_OFF(tied_embeddings), 0, 0, 0, 0, 0},
    {"qkv_bias", FT_BOOL, MS_OFF(qkv_bias), 0, 0, 0, 0, 0},
    /* MoE: up to 4096 experts (DeepSeek-V3 has 256); consistency checked below */
    {"n_expert", FT_U32, MS_OFF(n_expert), 0, 0, 0, 4096, 0},
    {"n_expert_used", FT_U32, MS_OFF(n_expert_used), 0, 0, 0, 4096, 0},
    {"n_ff_exp", FT_U32, MS_OFF(n_ff_exp), 0, 0, 0, 1e7, 0},
    {"n_expert_shared", FT_U32, MS_OFF(n_expert_shared), 0, 0, 0, 4096, 0},
    {"n_ff_shexp", FT_U32, MS_OFF(n_ff_shexp), 0, 0, 0, 1e7, 0},
    {"n_layer_dense_lead", FT_U32, MS_OFF(n_layer_dense_lead), 0, 0, 0, 1024, 0},
    /* sliding window, tokens; pattern 0 (none), 1 (all layers) or N (N-1 local + 1 global) */
    {"swa_window", FT_U32, MS_OFF(swa_window), 0, 0, 0, LLMCAP_NCTX_MAX, 0},
    {"swa_pattern", FT_U32, MS_OFF(swa_pattern), 0, 0, 0, 1024, 0},
    /* MLA ranks (DeepSeek-V3: 512 / 1536 / 64) */
    {"kv_lora_rank", FT_U32, MS_OFF(kv_lora_rank), 0, 0, 0, 65536, 0},
    {"q_lora_rank", FT_U32, MS_OFF(q_lora_rank), 0, 0, 0, 65536, 0},
    {"qk_rope_head_dim", FT_U32, MS_OFF(qk_rope_head_dim), 0, 0, 0, 4096, 0},
    {"aliases", FT_ALIASES, 0, 0, 0, 0, 0, 0},
    {"source", FT_OWNED, MS_OFF(source), 0, F_NULL, 0, 0, 0},
    {"notes", FT_OWNED, MS_OFF(notes), 0, F_NULL, 0, 0, 0},
};

/* null_mask below has one bit per field; the id is the first member of both
 * structs (entries are addressed as bytes + stride when comparing names) and
 * the first row of both tables (parse_entry reads it first). */
_Static_assert(offsetof(llmcap_hardware, id) == 0, "llmcap_hardware.id must come first");
_Static_assert(offsetof(llmcap_model_spec, id) == 0, "llmcap_model_spec.id must come first");
_Static_assert(sizeof hw_fields / sizeof hw_fields[0] <= 64, "hw_fields: too many fields for null_mask");
_Static_assert(sizeof model_fields / sizeof model_fields[0] <= 64, "model_fields: too many fields for null_mask");

/* llmcap_hw_kind by enum value (the JSON "kind" strings) */

/* ========================================================================= */
/* The db                                                                     */
/* ========================================================================= */

typedef struct db_aliases {
    char **name;
    size_t n;
} db_aliases;

struct llmcap_db {
    llmcap_hardware *hw;
    db_aliases *hw_aliases;       /* [n_hw] */
    size_t n_hw;
    llmcap_model_spec *model;
    db_aliases *model_aliases;    /* [n_model] */
    size_t n_model;
};

/* One data file: its array key, field table and cross-field check. */
typedef struct file_schema {
    const char *array_key;        /* "hardware" | "models" */
    const field_def *fields;
    size_t n_fields;
    size_t entry_size;
    llmcap_status (*check)(const void *entry, uint64_t null_mask, const entry_ctx *c);
} file_schema;

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void free_entries(const file_schema *fs, void *entries, db_aliases *aliases, size_t n) {
    for (size_t i = 0; entries && i < n; i++) {
        char *e = (char *)entries + i * fs->entry_size;
        for (size_t f = 0; f < fs->n_fields; f++) {
            if (fs->fields[f].type == FT_OWNED) {
                const char **p = (const char **)(void *)(e + fs->fields[f].offset);
                free((void *)(uintptr_t)*p);
                *p = NULL;
            }
        }
    }
    for (size_t i = 0; aliases && i < n; i++) {
        for (size_t k = 0; k < aliases[i].n; k++)
            free(aliases[i].name[k]);
        free(aliases[i].name);
    }
    free(aliases);
    free(entries);
}

/* ========================================================================= */
/* Field parsing                                                              */
/* ========================================================================= */

static int is_ident(const char *s) {
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
            return 0;
    }
    return 1;
}

/* "must be a number > 0 and <= 100000 or null" */
static void range_text(const field_def *fd, char *buf, size_t n) {
    int integral = fd->type == FT_U32 || fd->type == FT_INT || fd->type == FT_CHECK_INT;
    snprintf(buf, n, "must be %s %s %.10g and <= %.10g%s", integral ? "an integer" : "a number",
             (fd->flags & F_GT) ? ">" : ">=", fd->min, fd->max, (fd->flags & F_NULL) ? " or null" : "");
}

static llmcap_status parse_string_field(const field_def *fd, const cJSON *v, char *dst, const entry_ctx *c) {
    char got[96];
    if (!cJSON_IsString(v) || !v->valuestring) {
        describe(v, got, sizeof got);
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' must be a string (got %s)", fd->name, got);
    }
    const char *s = v->valuestring;
    size_t len = strlen(s);
    if (len == 0 && !(fd->flags & F_EMPTY))
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' must be a non-empty string", fd->name);
    if (len >= fd->size)
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' is too long (%zu bytes; at most %zu)", fd->name,
                         len, fd->size - 1);
    if ((fd->flags & F_IDENT) && !is_ident(s)) {
        describe(v, got, sizeof got);
        return entry_err(c, LLMCAP_ERR_INVALID_ARG,
                         "field '%s' must be lower-case letters, digits, '.', '-' or '_' (got %s)", fd->name, got);
    }
    if (dst)
        memcpy(dst, s, len + 1);
    return LLMCAP_OK;
}

static llmcap_status parse_aliases(const field_def *fd, const cJSON *v, db_aliases *out, const entry_ctx *c) {
    char got[96];
    if (!cJSON_IsArray(v)) {
        describe(v, got, sizeof got);
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' must be an array of strings (got %s)", fd->name, got);
    }
    int n = cJSON_GetArraySize(v);
    if (n > DB_MAX_ALIASES)
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' has %d names (at most %d)", fd->name, n,
                         DB_MAX_ALIASES);
    if (n == 0)
        return LLMCAP_OK;
    out->name = calloc((size_t)n, sizeof *out->name);
    if (!out->name)
        return llmcap_set_error(c->err, LLMCAP_ERR_NOMEM, "%s: out of memory", c->label);
    int k = 0;
    for (const cJSON *a = v->child; a; a = a->next, k++) {
        if (!cJSON_IsString(a) || !a->valuestring) {
            describe(a, got, sizeof got);
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' item %d must be a string (got %s)", fd->name,
                             k, got);
        }
        size_t len = strlen(a->valuestring);
        if (len == 0 || len > DB_ALIAS_MAX_LEN)
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' item %d must be 1..%d bytes (got %zu)",
                             fd->name, k, DB_ALIAS_MAX_LEN, len);
        out->name[out->n] = dup_str(a->valuestring);
        if (!out->name[out->n])
            return llmcap_set_error(c->err, LLMCAP_ERR_NOMEM, "%s: out of memory", c->label);
        out->n++;
    }
    return LLMCAP_OK;
}

/* One field into its slot of the entry at `e`. Sets *is_null for nulls. */
static llmcap_status parse_field(const field_def *fd, const cJSON *v, char *e, db_aliases *al, int *is_null,
                                 const entry_ctx *c) {
    char got[96], want[96];
    *is_null = cJSON_IsNull(v);
    if (*is_null) {
        if (fd->flags & F_NULL)
            return LLMCAP_OK; /* the slot stays 0 / NULL (calloc) */
        if (fd->type == FT_REAL || fd->type == FT_U32 || fd->type == FT_INT || fd->type == FT_CHECK_INT) {
            range_text(fd, want, sizeof want);
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' %s (got null)", fd->name, want);
        }
    }
    switch (fd->type) {
    case FT_TEXT:
        return parse_string_field(fd, v, e + fd->offset, c);
    case FT_CHECK_TEXT:
        return parse_string_field(fd, v, NULL, c);
    case FT_OWNED: {
        if (!cJSON_IsString(v) || !v->valuestring) {
            describe(v, got, sizeof got);
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' must be a string or null (got %s)", fd->name,
                             got);
        }
        char *s = dup_str(v->valuestring);
        if (!s)
            return llmcap_set_error(c->err, LLMCAP_ERR_NOMEM, "%s: out of memory", c->label);
        *(const char **)(void *)(e + fd->offset) = s;
        return LLMCAP_OK;
    }
    case FT_REAL:
    case FT_U32:
    case FT_INT:
    case FT_CHECK_INT: {
        range_text(fd, want, sizeof want);
        if (!cJSON_IsNumber(v)) {
            describe(v, got, sizeof got);
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' %s (got %s)", fd->name, want, got);
        }
        double x = v->valuedouble;
        int integral = fd->type != FT_REAL;
        /* cJSON turns 1e400 into inf; NaN cannot be written in JSON but is refused all the same */
        if (!isfinite(x) || ((fd->flags & F_GT) ? !(x > fd->min) : !(x >= fd->min)) || !(x <= fd->max) ||
            (integral && x != floor(x)))
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' %s (got %.10g)", fd->name, want, x);
        if (fd->type == FT_REAL)
            *(double *)(void *)(e + fd->offset) = x * fd->scale;
        else if (fd->type == FT_U32)
            *(uint32_t *)(void *)(e + fd->offset) = (uint32_t)x;
        else if (fd->type == FT_INT)
            *(int *)(void *)(e + fd->offset) = (int)x;
        return LLMCAP_OK;
    }
    case FT_BOOL:
        if (!cJSON_IsBool(v)) {
            describe(v, got, sizeof got);
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' must be true or false (got %s)", fd->name, got);
        }
        *(bool *)(void *)(e + fd->offset) = cJSON_IsTrue(v) ? true : false;
        return LLMCAP_OK;
    case FT_KIND:
        if (cJSON_IsString(v) && v->valuestring) {
            for (int k = 0; k < LLMCAP_HW_KIND_COUNT; k++) {
                if (strcmp(v->valuestring, llmcap_hw_kind_name((llmcap_hw_kind)k)) == 0) {
                    *(llmcap_hw_kind *)(void *)(e + fd->offset) = (llmcap_hw_kind)k;
                    return LLMCAP_OK;
                }
            }
        }
        describe(v, got, sizeof got);
        return entry_err(c, LLMCAP_ERR_INVALID_ARG,
                         "field '%s' must be one of \"gpu\", \"apple\", \"igpu\", \"cpu\" (got %s)", fd->name, got);
    case FT_ALIASES:
        return parse_aliases(fd, v, al, c);
    }
    return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' has an unknown type in the schema", fd->name);
}

static size_t field_index(const file_schema *fs, const char *name) {
    for (size_t f = 0; f < fs->n_fields; f++)
        if (strcmp(fs->fields[f].name, name) == 0)
            return f;
    return (size_t)-1;
}

/* One entry: the id first (so later messages can name it), then every key
 * checked against the table (unknown or repeated keys are errors), then every
 * field, then the cross-field check. */
static llmcap_status parse_entry(const file_schema *fs, const cJSON *obj, char *e, db_aliases *al, entry_ctx *c) {
    char got[96];
    if (!cJSON_IsObject(obj)) {
        describe(obj, got, sizeof got);
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "must be a JSON object (got %s)", got);
    }
    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(obj, "id");
    if (!idv)
        return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field 'id' is missing");
    llmcap_status st = parse_string_field(&fs->fields[0], idv, c->id, c);
    if (st != LLMCAP_OK) {
        c->id[0] = '\0';
        return st;
    }

    uint64_t seen = 0;
    for (const cJSON *k = obj->child; k; k = k->next) {
        size_t f = field_index(fs, k->string ? k->string : "");
        if (f == (size_t)-1)
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "unknown field '%.60s'", k->string ? k->string : "");
        if (seen & (UINT64_C(1) << f))
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' appears twice", fs->fields[f].name);
        seen |= UINT64_C(1) << f;
    }

    uint64_t null_mask = 0;
    for (size_t f = 0; f < fs->n_fields; f++) {
        const field_def *fd = &fs->fields[f];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, fd->name);
        if (!v)
            return entry_err(c, LLMCAP_ERR_INVALID_ARG, "field '%s' is missing", fd->name);
        int is_null = 0;
        st = parse_field(fd, v, e, al, &is_null, c);
        if (st != LLMCAP_OK)
            return st;
        if (is_null)
            null_mask |= UINT64_C(1) << f;
    }
    return fs->check ? fs->check(e, null_mask, c) : LLMCAP_OK;
}

/* ========================================================================= */
/* Cross-field checks                                                         */
/* ========================================================================= */

static int field_is_null(const file_schema *fs, uint64_t null_mask, const char *name) {
    size_t f = field_index(fs, name);
    return f != (size_t)-1 && (null_mask & (UINT64_C(1) << f)) != 0;
}

static const file_schema hw_schema;
static const file_schema model_schema;

/* CPU platforms have no fixed capacity (RAM is given per run); every other
 * kind must state its memory. */
static llmcap_status check_hardware(const void *entry, uint64_t null_mask, const entry_ctx *c) {
    const llmcap_hardware *h = entry;
    int mem_null = field_is_null(&hw_schema, null_mask, "memory_gib");
    if (h->kind == LLMCAP_HW_CPU && !mem_null)
        return entry_err(c, LLMCAP_ERR_INVALID_ARG,
                         "field 'memory_gib' must be null for kind \"cpu\" (RAM is given per run; got %.10g)",
                         h->memory_bytes / GIB);
    if (h->kind != LLMCAP_HW_CPU && mem_null)
        return entry_err(c, LLMCAP_ERR_INVALID_ARG,
                         "field 'memory_gib' must be a number > 0 for kind \"%s\" (got null)", llmcap_hw_kind_name(h->kind));
    return LLMCAP_OK;
}

/* The shape rules llama.cpp relies on: GQA groups divide evenly; MoE fields
 * are all zero for dense models and consistent for MoE ones; a sliding window
 * comes with a pattern; MLA ranks come together. */
static llmcap_status check_model(const void *entry, uint64_t null_mask, const entry_ctx *c) {
    const llmcap_model_spec *m = entry;
    llmcap_status bad = LLMCAP_ERR_INVALID_ARG;
    int active_null = field_is_null(&model_schema, null_mask, "params_b_active");

    if (m->n_head_kv > m->n_head || m->n_head % m->n_head_kv != 0)
        return entry_err(c, bad, "field 'n_head_kv' must divide n_head %u (got %u)", m->n_head, m->n_head_kv);

    if (m->n_expert == 0) {
        if (m->n_expert_used || m->n_ff_exp || m->n_expert_shared || m->n_ff_shexp || m->n_layer_dense_lead)
            return entry_err(c, bad, "field 'n_expert' is 0 (dense) but n_expert_used, n_ff_exp, n_expert_shared, "
                                     "n_ff_shexp or n_layer_dense_lead is set");
        if (!active_null)
            return entry_err(c, bad, "field 'params_b_active' must be null for a dense model (n_expert 0)");
        if (m->n_ff == 0)
            return entry_err(c, bad, "field 'n_ff' must be >= 1 for a dense model (got 0)");
    } else {
        if (m->n_expert_used < 1 || m->n_expert_used > m->n_expert)
            return entry_err(c, bad, "field 'n_expert_used' must be 1..n_expert %u (got %u)", m->n_expert,
                             m->n_expert_used);
        if (m->n_layer_dense_lead >= m->n_layer)
            return entry_err(c, bad, "field 'n_layer_dense_lead' must be < n_layer %u (got %u)", m->n_layer,
                             m->n_layer_dense_lead);
        if (m->n_layer_dense_lead > 0 && m->n_ff == 0)
            return entry_err(c, bad, "field 'n_ff' must be >= 1 when n_layer_dense_lead is %u", m->n_layer_dense_lead);
        if (m->n_expert_shared == 0 && m->n_ff_shexp != 0)
            return entry_err(c, bad, "field 'n_ff_shexp' must be 0 without shared experts (got %u)", m->n_ff_shexp);
        if (active_null)
            return entry_err(c, bad, "field 'params_b_active' must be a number for a MoE model (got null)");
        if (m->params_active > m->params_total)
            return entry_err(c, bad, "field 'params_b_active' must be <= params_b_total %.10g (got %.10g)",
                             m->params_total / BILLION, m->params_active / BILLION);
    }

    if ((m->swa_window == 0) != (m->swa_pattern == 0))
        return entry_err(c, bad, "field 'swa_pattern' must be 0 exactly when swa_window is 0 (window %u, pattern %u)",
                         m->swa_window, m->swa_pattern);
    if (m->swa_pattern > m->n_layer)
        return entry_err(c, bad, "field 'swa_pattern' must be <= n_layer %u (got %u)", m->n_layer, m->swa_pattern);
    if (m->swa_window > m->n_ctx_train)
        return entry_err(c, bad, "field 'swa_window' must be <= n_ctx_train %u (got %u)", m->n_ctx_train,
                         m->swa_window);

    if (m->kv_lora_rank == 0) {
        if (m->q_lora_rank || m->qk_rope_head_dim)
            return entry_err(c, bad, "field 'kv_lora_rank' is 0 (no MLA) but q_lora_rank or qk_rope_head_dim is set");
    } else if (m->qk_rope_head_dim < 1 || m->qk_rope_head_dim >= m->head_dim) {
        return entry_err(c, bad, "field 'qk_rope_head_dim' must be 1..head_dim-1 with MLA (got %u)",
                         m->qk_rope_head_dim);
    }
    return LLMCAP_OK;
}

static const file_schema hw_schema = {"hardware", hw_fields, sizeof hw_fields / sizeof hw_fields[0],
                                      sizeof(llmcap_hardware), check_hardware};
static const file_schema model_schema = {"models", model_fields, sizeof model_fields / sizeof model_fields[0],
                                         sizeof(llmcap_model_spec), check_model};

/* ========================================================================= */
/* Names: case-insensitive, unique across ids and aliases                     */
/* ========================================================================= */

static int fold(int ch) { return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch; }

/* ASCII case-insensitive compare (locale-independent; other bytes as they are) */
static int ci_cmp(const char *a, const char *b) {
    for (;; a++, b++) {
        int x = fold((unsigned char)*a), y = fold((unsigned char)*b);
        if (x != y || x == 0)
            return x - y;
    }
}

typedef struct name_ref {
    const char *name;
    size_t entry;
    int is_alias;
} name_ref;

static int name_ref_cmp(const void *pa, const void *pb) {
    const name_ref *a = pa, *b = pb;
    int c = ci_cmp(a->name, b->name);
    if (c)
        return c;
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return a->is_alias - b->is_alias;
}

/* Every id and alias must name one entry only (ignoring case), or a lookup
 * would be ambiguous. Reports the later of two clashing entries. */
static llmcap_status check_unique_names(const file_schema *fs, const void *entries, const db_aliases *al, size_t n,
                                        const char *label, llmcap_error *err) {
    size_t total = n;
    for (size_t i = 0; i < n; i++)
        total += al[i].n;
    name_ref *refs = malloc(total * sizeof *refs);
    if (!refs)
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "%s: out of memory", label);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        refs[k++] = (name_ref){(const char *)entries + i * fs->entry_size, i, 0}; /* id is the first member */
        for (size_t j = 0; j < al[i].n; j++)
            refs[k++] = (name_ref){al[i].name[j], i, 1};
    }
    qsort(refs, total, sizeof *refs, name_ref_cmp);
    llmcap_status st = LLMCAP_OK;
    for (size_t i = 1; i < total && st == LLMCAP_OK; i++) {
        const name_ref *a = &refs[i - 1], *b = &refs[i];
        if (ci_cmp(a->name, b->name) != 0)
            continue;
        entry_ctx c = {label, b->entry, "", err};
        snprintf(c.id, sizeof c.id, "%s", (const char *)entries + b->entry * fs->entry_size);
        const char *first_id = (const char *)entries + a->entry * fs->entry_size;
        st = entry_err(&c, LLMCAP_ERR_INVALID_ARG, "field '%s' name '%.100s' is already %s of entry %zu (%s)",
                       b->is_alias ? "aliases" : "id", b->name, a->is_alias ? "an alias" : "the id", a->entry,
                       first_id);
    }
    free(refs);
    return st;
}

/* ========================================================================= */
/* Files                                                                      */
/* ========================================================================= */

static void line_col(const char *text, size_t pos, size_t *line, size_t *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Parse one data file into a fresh array of entries (+ aliases). */
static llmcap_status parse_file(const file_schema *fs, const char *text, size_t len, const char *label,
                                void **entries_out, db_aliases **aliases_out, size_t *n_out, llmcap_error *err) {
    *entries_out = NULL;
    *aliases_out = NULL;
    *n_out = 0;
    if (!text)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: no text given", label);
    if (len == 0)
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "%s: empty file (no JSON)", label);

    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        size_t pos = (end && end >= text && (size_t)(end - text) <= len) ? (size_t)(end - text) : 0;
        size_t line, col;
        line_col(text, pos, &line, &col);
        if (pos + 1 >= len)
            return llmcap_set_error(err, LLMCAP_ERR_PARSE,
                           "%s: JSON ends unexpectedly at line %zu, column %zu (byte %zu of %zu; truncated?)", label,
                           line, col, pos, len);
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "%s: malformed JSON at line %zu, column %zu (byte %zu)", label, line,
                       col, pos);
    }
    llmcap_status st = LLMCAP_OK;
    /* only whitespace (or a terminating NUL) may follow the value */
    for (size_t pos = end ? (size_t)(end - text) : len; pos < len; pos++) {
        char ch = text[pos];
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\0')
            continue;
        size_t line, col;
        line_col(text, pos, &line, &col);
        st = llmcap_set_error(err, LLMCAP_ERR_PARSE,
                     "%s: unexpected text after the JSON value at line %zu, column %zu (byte %zu)", label, line, col,
                     pos);
        break;
    }

    char got[96];
    const cJSON *arr = NULL;
    if (st == LLMCAP_OK && !cJSON_IsObject(doc)) {
        describe(doc, got, sizeof got);
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                     "%s: the top level must be an object {\"schema_version\": 1, \"%s\": [...]} (got %s)", label,
                     fs->array_key, got);
    }
    if (st == LLMCAP_OK) {
        int seen_version = 0, seen_array = 0;
        for (const cJSON *k = doc->child; k && st == LLMCAP_OK; k = k->next) {
            const char *key = k->string ? k->string : "";
            int *seen = strcmp(key, "schema_version") == 0 ? &seen_version
                        : strcmp(key, fs->array_key) == 0   ? &seen_array
                                                            : NULL;
            if (!seen)
                st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: unknown top-level field '%.60s'", label, key);
            else if (*seen)
                st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: top-level field '%s' appears twice", label, key);
            else
                *seen = 1;
        }
    }
    if (st == LLMCAP_OK) {
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(doc, "schema_version");
        if (!ver) {
            st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: field 'schema_version' is missing", label);
        } else if (!cJSON_IsNumber(ver) || !isfinite(ver->valuedouble) || ver->valuedouble != floor(ver->valuedouble) ||
                   ver->valuedouble < 1) {
            describe(ver, got, sizeof got);
            st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: field 'schema_version' must be a positive integer (got %s)",
                         label, got);
        } else if (ver->valuedouble != DB_SCHEMA_VERSION) {
            st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "%s: schema_version %.0f is not supported (this build reads %d)",
                         label, ver->valuedouble, DB_SCHEMA_VERSION);
        }
    }
    if (st == LLMCAP_OK) {
        arr = cJSON_GetObjectItemCaseSensitive(doc, fs->array_key);
        int n = arr && cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
        if (!arr) {
            st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: field '%s' is missing", label, fs->array_key);
        } else if (n < 0) {
            describe(arr, got, sizeof got);
            st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: field '%s' must be an array of entries (got %s)", label,
                         fs->array_key, got);
        } else if (n == 0 || n > DB_MAX_ENTRIES) {
            st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: field '%s' must hold 1..%d entries (got %d)", label,
                         fs->array_key, DB_MAX_ENTRIES, n);
        } else {
            *n_out = (size_t)n;
        }
    }
    void *entries = NULL;
    db_aliases *aliases = NULL;
    if (st == LLMCAP_OK) {
        entries = calloc(*n_out, fs->entry_size);
        aliases = calloc(*n_out, sizeof *aliases);
        if (!entries || !aliases)
            st = llmcap_set_error(err, LLMCAP_ERR_NOMEM, "%s: out of memory", label);
    }
    if (st == LLMCAP_OK) {
        size_t i = 0;
        for (const cJSON *item = arr->child; item && st == LLMCAP_OK; item = item->next, i++) {
            entry_ctx c = {label, i, "", err};
            st = parse_entry(fs, item, (char *)entries + i * fs->entry_size, &aliases[i], &c);
        }
    }
    if (st == LLMCAP_OK)
        st = check_unique_names(fs, entries, aliases, *n_out, label, err);
    cJSON_Delete(doc);
    if (st != LLMCAP_OK) {
        free_entries(fs, entries, aliases, *n_out);
        *n_out = 0;
        return st;
    }
    *entries_out = entries;
    *aliases_out = aliases;
    return LLMCAP_OK;
}

/* ========================================================================= */
/* Public: load / free / access                                               */
/* ========================================================================= */

llmcap_status llmcap_db_load_json(const char *hardware_json, size_t hardware_len, const char *hw_label,
                                  const char *models_json, size_t models_len, const char *models_label,
                                  llmcap_db **out, llmcap_error *err) {
    if (!out)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_db_load_json: out is NULL");
    *out = NULL;
    if (!hw_label)
        hw_label = "hardware.json";
    if (!models_label)
        models_label = "models.json";
    llmcap_db *db = calloc(1, sizeof *db);
    if (!db)
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    void *hw = NULL, *models = NULL;
    llmcap_status st =
        parse_file(&hw_schema, hardware_json, hardware_len, hw_label, &hw, &db->hw_aliases, &db->n_hw, err);
    db->hw = hw;
    if (st == LLMCAP_OK) {
        st = parse_file(&model_schema, models_json, models_len, models_label, &models, &db->model_aliases,
                        &db->n_model, err);
        db->model = models;
    }
    if (st != LLMCAP_OK) {
        llmcap_db_free(db);
        return st;
    }
    *out = db;
    return LLMCAP_OK;
}

/* Read a whole file (at most DB_MAX_FILE_BYTES) into a malloc'd buffer (declared in internal.h). */
llmcap_status llmcap_read_file(const char *path, char **buf_out, size_t *len_out, llmcap_error *err) {
    *buf_out = NULL;
    *len_out = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return llmcap_set_error(err, LLMCAP_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    llmcap_status st = buf ? LLMCAP_OK : llmcap_set_error(err, LLMCAP_ERR_NOMEM, "%s: out of memory", path);
    while (st == LLMCAP_OK) {
        if (len == cap) {
            if (cap >= DB_MAX_FILE_BYTES) {
                st = llmcap_set_error(err, LLMCAP_ERR_IO, "'%s' is larger than %u MiB", path, DB_MAX_FILE_BYTES >> 20);
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                st = llmcap_set_error(err, LLMCAP_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = llmcap_set_error(err, LLMCAP_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st != LLMCAP_OK) {
        free(buf);
        return st;
    }
    *buf_out = buf;
    *len_out = len;
    return LLMCAP_OK;
}

llmcap_status llmcap_db_load_dir(const char *dir, llmcap_db **out, llmcap_error *err) {
    if (!out)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_db_load_dir: out is NULL");
    *out = NULL;
    if (!dir)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_db_load_dir: dir is NULL");
    char hw_path[4096], model_path[4096];
    size_t dl = strlen(dir);
    const char *sep = (dl == 0 || dir[dl - 1] == '/') ? "" : "/";
    int a = snprintf(hw_path, sizeof hw_path, "%s%shardware.json", dir, sep);
    int b = snprintf(model_path, sizeof model_path, "%s%smodels.json", dir, sep);
    if (a < 0 || b < 0 || (size_t)a >= sizeof hw_path || (size_t)b >= sizeof model_path)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "data directory path is too long (%zu bytes)", dl);
    char *hw = NULL, *models = NULL;
    size_t hw_len = 0, models_len = 0;
    llmcap_status st = llmcap_read_file(hw_path, &hw, &hw_len, err);
    if (st == LLMCAP_OK)
        st = llmcap_read_file(model_path, &models, &models_len, err);
    if (st == LLMCAP_OK)
        st = llmcap_db_load_json(hw, hw_len, hw_path, models, models_len, model_path, out, err);
    free(hw);
    free(models);
    return st;
}

void llmcap_db_free(llmcap_db *db) {
    if (!db)
        return;
    free_entries(&hw_schema, db->hw, db->hw_aliases, db->n_hw);
    free_entries(&model_schema, db->model, db->model_aliases, db->n_model);
    free(db);
}

size_t llmcap_db_n_hardware(const llmcap_db *db) { return db ? db->n_hw : 0; }

const llmcap_hardware *llmcap_db_hardware_at(const llmcap_db *db, size_t i) {
    return db && i < db->n_hw ? &db->hw[i] : NULL;
}

size_t llmcap_db_n_models(const llmcap_db *db) { return db ? db->n_model : 0; }

const llmcap_model_spec *llmcap_db_model_at(const llmcap_db *db, size_t i) {
    return db && i < db->n_model ? &db->model[i] : NULL;
}

/* Index of the entry whose id or alias equals name (ignoring ASCII case), or
 * -1. `entries` are n structs of `stride` bytes whose first member is the id. */
static long find_index(const char *entries, size_t stride, const db_aliases *al, size_t n, const char *name) {
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ci_cmp(entries + i * stride, name) == 0)
            return (long)i;
        for (size_t k = 0; k < al[i].n; k++)
            if (ci_cmp(al[i].name[k], name) == 0)
                return (long)i;
    }
    return -1;
}

const llmcap_hardware *llmcap_db_find_hardware(const llmcap_db *db, const char *name) {
    if (!db)
        return NULL;
    long i = find_index((const char *)db->hw, sizeof db->hw[0], db->hw_aliases, db->n_hw, name);
    return i < 0 ? NULL : &db->hw[i];
}

const llmcap_model_spec *llmcap_db_find_model(const llmcap_db *db, const char *name) {
    if (!db)
        return NULL;
    long i = find_index((const char *)db->model, sizeof db->model[0], db->model_aliases, db->n_model, name);
    return i < 0 ? NULL : &db->model[i];
}

/* ========================================================================= */
/* Nearest names                                                              */
/* ========================================================================= */

#define NAME_CMP_MAX 256 /* bytes of a name that edit distance looks at */

static size_t lower_copy(const char *s, char *dst) {
    size_t n = 0;
    for (; s[n] && n < NAME_CMP_MAX - 1; n++)
        dst[n] = (char)fold((unsigned char)s[n]);
    dst[n] = '\0';
    return n;
}

/* Optimal-string-alignment distance: insertions, deletions, substitutions
 * and adjacent transpositions cost 1 ("rtx-4900" is 1 from "rtx-4090"). */
static unsigned edit_distance(const char *a, size_t na, const char *b, size_t nb) {
    unsigned rows[3][NAME_CMP_MAX];
    unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = (unsigned)j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = (unsigned)i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned cost = a[i - 1] == b[j - 1] ? 0u : 1u;
            unsigned best = prev[j] + 1;                  /* deletion */
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;                    /* insertion */
            if (prev[j - 1] + cost < best)
                best = prev[j - 1] + cost;                /* substitution */
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;                  /* transposition */
            cur[j] = best;
        }
        unsigned *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

typedef struct near_cand {
    const char *name;
    size_t index;
    unsigned substring; /* 1 when one contains the other (lower-case) */
    unsigned dist;
} near_cand;

static void score_name(const char *lq, size_t nq, const char *name, near_cand *c) {
    char ln[NAME_CMP_MAX];
    size_t nn = lower_copy(name, ln);
    /* the query inside the name ("4090" in "rtx-4090"), or a name of 3+
     * bytes inside the query ("rtx-4090" in "nvidia rtx-4090 24gb") */
    c->substring = (nq > 0 && strstr(ln, lq) != NULL) || (nn >= 3 && strstr(lq, ln) != NULL);
    c->dist = edit_distance(lq, nq, ln, nn);
}

static int near_cmp(const void *pa, const void *pb) {
    const near_cand *a = pa, *b = pb;
    if (a->substring != b->substring)
        return a->substring ? -1 : 1;
    if (a->dist != b->dist)
        return a->dist < b->dist ? -1 : 1;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return a->index < b->index ? -1 : a->index > b->index;
}

size_t llmcap_nearest_names(const char *query, const char *const *names, size_t n_names, const char **out,
                            size_t max) {
    if (!query || !names || !out || max == 0 || n_names == 0)
        return 0;
    near_cand *c = malloc(n_names * sizeof *c);
    if (!c)
        return 0;
    char lq[NAME_CMP_MAX];
    size_t nq = lower_copy(query, lq), n = 0;
    for (size_t i = 0; i < n_names; i++) {
        if (!names[i])
            continue;
        c[n].name = names[i];
        c[n].index = i;
        score_name(lq, nq, names[i], &c[n]);
        n++;
    }
    qsort(c, n, sizeof *c, near_cmp);
    size_t k = n < max ? n : max;
    for (size_t i = 0; i < k; i++)
        out[i] = c[i].name;
    free(c);
    return k;
}

/* Suggestions for a failed lookup: ids (reached through an id or an alias)
 * that share a substring with the query or lie within max(2, len/3) edits;
 * anything farther is noise, so the message then suggests nothing. */
static llmcap_status not_found(const char *what, const char *name, const char *ids, size_t stride,
                               const db_aliases *al, size_t n, llmcap_error *err) {
    if (!name)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "no %s name given", what);
    if (!name[0])
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown %s '' (empty name)", what);
    size_t total = n;
    for (size_t i = 0; i < n; i++)
        total += al[i].n;
    const char **names = malloc(total * sizeof *names);
    size_t *owner = malloc(total * sizeof *owner);
    const char *best[8];
    char list[256] = "";
    if (names && owner) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            owner[k] = i;
            names[k++] = ids + i * stride;
            for (size_t j = 0; j < al[i].n; j++) {
                owner[k] = i;
                names[k++] = al[i].name[j];
            }
        }
        size_t nb = llmcap_nearest_names(name, names, total, best, sizeof best / sizeof best[0]);
        char lq[NAME_CMP_MAX];
        size_t nq = lower_copy(name, lq), shown = 0, used = 0;
        unsigned limit = nq / 3 > 2 ? (unsigned)(nq / 3) : 2u;
        long picked[3] = {-1, -1, -1};
        for (size_t b = 0; b < nb && shown < 3; b++) {
            near_cand c;
            score_name(lq, nq, best[b], &c);
            if (!c.substring && c.dist > limit)
                continue;
            size_t at = 0; /* best[b] points into names[]: find its entry */
            while (at < total && names[at] != best[b])
                at++;
            if (at == total)
                continue;
            long e = (long)owner[at];
            if (e == picked[0] || e == picked[1] || e == picked[2])
                continue;
            picked[shown++] = e;
            int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", ids + (size_t)e * stride);
            if (w > 0 && (size_t)w < sizeof list - used)
                used += (size_t)w;
        }
    }
    free(names);
    free(owner);
    if (list[0])
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown %s '%.200s'; did you mean %s?", what, name, list);
    return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown %s '%.200s'", what, name);
}

const llmcap_hardware *llmcap_db_lookup_hardware(const llmcap_db *db, const char *name, llmcap_error *err) {
    if (!db) {
        llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_db_lookup_hardware: db is NULL");
        return NULL;
    }
    const llmcap_hardware *h = llmcap_db_find_hardware(db, name);
    if (!h)
        not_found("hardware", name, (const char *)db->hw, sizeof db->hw[0], db->hw_aliases, db->n_hw, err);
    return h;
}

const llmcap_model_spec *llmcap_db_lookup_model(const llmcap_db *db, const char *name, llmcap_error *err) {
    if (!db) {
        llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_db_lookup_model: db is NULL");
        return NULL;
    }
    const llmcap_model_spec *m = llmcap_db_find_model(db, name);
    if (!m)
        not_found("model", name, (const char *)db->model, sizeof db->model[0], db->model_aliases, db->n_model, err);
    return m;
}
