/* gguf.c - a bounds-checked GGUF v2/v3 reader and a small v3 writer.
 *
 * Format facts from the GGUF specification (ggml `docs/gguf.md`); layout in
 * gguf.h. The reader walks the image with a cursor that checks every read
 * against the bytes in memory and against the file size before it happens,
 * so a count or length from the file is never trusted: a read that would
 * pass the end of the file is TRUNCATED, one that would pass the end of a
 * prefix (but not of the file) is NEED_MORE. Arrays grow as entries are
 * actually parsed, so a huge count cannot make us allocate more than a small
 * multiple of the bytes we were given.
 */
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* GGUF spec: tensor data aligned to general.alignment, default 32. */
#define GGUF_DEFAULT_ALIGNMENT 32u
/* GGUF spec: keys are at most 65535 bytes. */
#define GGUF_MAX_KEY_BYTES 65535u
/* Smallest encodings, used to reject counts that cannot fit in the file:
 * a KV is a key length (8) + value type (4) + at least a 1-byte value; a
 * tensor info is a name length (8) + n_dims (4) + one ne (8) + type (4) +
 * offset (8). */
#define MIN_KV_BYTES 13u
#define MIN_TENSOR_INFO_BYTES 32u
/* First guess for NEED_MORE when the exact need is small. */
#define MIN_NEED_GUESS_BYTES 65536u

const char *gguf_status_str(gguf_status s) {
    switch (s) {
    case GGUF_OK:            return "ok";
    case GGUF_ERR_IO:        return "I/O error";
    case GGUF_ERR_MAGIC:     return "not a GGUF file";
    case GGUF_ERR_VERSION:   return "unsupported GGUF version";
    case GGUF_ERR_TRUNCATED: return "file is truncated";
    case GGUF_ERR_NEED_MORE: return "more bytes needed";
    case GGUF_ERR_INVALID:   return "invalid value";
    case GGUF_ERR_NOMEM:     return "out of memory";
    case GGUF_ERR_NOT_FOUND: return "not found";
    case GGUF_ERR_TYPE:      return "wrong value type";
    }
    return "unknown status";
}

/* ------------------------------------------------------------------------ */
/* Context                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct gguf_kv {
    size_t key_off;             /* into ctx->strings while parsing */
    const char *key;            /* NUL-terminated, owned by the context */
    gguf_value_type type;
    int64_t i;                  /* integer and bool values, sign-extended */
    uint64_t u;                 /* integer values as unsigned (u64 above INT64_MAX) */
    double f;                   /* float32 / float64 values */
    size_t str_off;             /* string value: offset into ctx->strings */
    const char *str;
    uint64_t str_len;
    gguf_value_type arr_type;   /* array: element type, count, elements in the image */
    uint64_t arr_n;
    const uint8_t *arr_data;
    uint64_t *arr_str_pos;      /* string array: image offset of each element's length */
} gguf_kv;

typedef struct tensor_rec {
    gguf_tensor_info info;
    size_t name_off;            /* into ctx->strings while parsing */
} tensor_rec;

/* Open-addressing table of indices (-1 = empty), keyed by the strings the
 * indices name. */
typedef struct name_index {
    int64_t *slots;
    size_t cap;                 /* power of two */
} name_index;

struct gguf_ctx {
    const uint8_t *buf;         /* the image: caller's buffer or our mapping */
    size_t len;                 /* bytes of it in memory */
    uint64_t file_size;
    void *map;                  /* gguf_open_file's mapping, or NULL */
    size_t map_len;

    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset;

    gguf_kv *kvs;
    int64_t n_kv;
    size_t kv_cap;
    tensor_rec *tensors;
    int64_t n_tensors;
    size_t tensor_cap;
    uint64_t total_tensor_bytes;

    char *strings;              /* every owned key, name and string value, NUL-terminated */
    size_t strings_len, strings_cap;

    name_index key_index, tensor_index;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a 64-bit offset basis */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);            /* FNV-1a 64-bit prime */
    }
    return h;
}

static const char *kv_key_at(const gguf_ctx *ctx, int64_t i) {
    return ctx->strings + ctx->kvs[i].key_off;
}

static const char *tensor_name_at(const gguf_ctx *ctx, int64_t i) {
    return ctx->strings + ctx->tensors[i].name_off;
}

typedef const char *(*name_of_fn)(const gguf_ctx *ctx, int64_t i);

/* Build an index over n names. Returns GGUF_OK, GGUF_ERR_NOMEM, or
 * GGUF_ERR_INVALID with *dup_a < *dup_b naming a repeated entry. */
static gguf_status name_index_build(const gguf_ctx *ctx, name_index *ix, int64_t n,
                                    name_of_fn name_of, int64_t *dup_a, int64_t *dup_b) {
    size_t cap = 8;
    while (cap < (size_t)n * 2) cap *= 2;
    ix->slots = malloc(cap * sizeof *ix->slots);
    if (!ix->slots) return GGUF_ERR_NOMEM;
    ix->cap = cap;
    for (size_t k = 0; k < cap; k++) ix->slots[k] = -1;
    for (int64_t i = 0; i < n; i++) {
        const char *name = name_of(ctx, i);
        size_t k = (size_t)(hash_str(name) & (cap - 1));
        while (ix->slots[k] >= 0) {
            if (strcmp(name_of(ctx, ix->slots[k]), name) == 0) {
                *dup_a = ix->slots[k];
                *dup_b = i;
                return GGUF_ERR_INVALID;
            }
            k = (k + 1) & (cap - 1);
        }
        ix->slots[k] = i;
    }
    return GGUF_OK;
}

static int64_t name_index_find(const gguf_ctx *ctx, const name_index *ix, const char *name,
                               name_of_fn name_of) {
    if (!ix->slots || !name) return -1;
    size_t k = (size_t)(hash_str(name) & (ix->cap - 1));
    while (ix->slots[k] >= 0) {
        if (strcmp(name_of(ctx, ix->slots[k]), name) == 0) return ix->slots[k];
        k = (k + 1) & (ix->cap - 1);
    }
    return -1;
}

void gguf_close(gguf_ctx *ctx) {
    if (!ctx) return;
    for (int64_t i = 0; i < ctx->n_kv; i++) free(ctx->kvs[i].arr_str_pos);
    free(ctx->kvs);
    free(ctx->tensors);
    free(ctx->strings);
    free(ctx->key_index.slots);
    free(ctx->tensor_index.slots);
    if (ctx->map) munmap(ctx->map, ctx->map_len);
    free(ctx);
}

/* ------------------------------------------------------------------------ */
/* Checked cursor over the image                                             */
/* ------------------------------------------------------------------------ */

typedef struct reader {
    const uint8_t *buf;
    uint64_t len;               /* bytes in memory */
    uint64_t file_size;
    uint64_t pos;
    gguf_status status;
    char *err;
    size_t err_len;
    size_t *need_bytes;
    char what[160];             /* the item being read, for messages */
} reader;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool fail(reader *r, gguf_status st, const char *fmt, ...) {
    r->status = st;
    if (r->err && r->err_len > 0) {
        int n = snprintf(r->err, r->err_len, "gguf: ");
        if (n > 0 && (size_t)n < r->err_len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(r->err + n, r->err_len - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return false;
}

/* Printable copy of at most 96 bytes of a name for messages. */
static void quote_name(char *dst, size_t dst_len, const uint8_t *s, uint64_t len) {
    size_t n = 0;
    for (uint64_t k = 0; k < len && n + 4 < dst_len && k < 96; k++) {
        unsigned char c = s[k];
        dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > 96 && n + 4 < dst_len) { dst[n++] = '.'; dst[n++] = '.'; dst[n++] = '.'; }
    dst[n] = '\0';
}

/* Make sure n bytes at the cursor are readable. */
static bool need(reader *r, uint64_t n, const char *part) {
    if (n <= r->len - r->pos) return true;
    unsigned long long pos = r->pos, nn = n, size = r->file_size;
    if (r->pos > r->file_size || n > r->file_size - r->pos) {
        return fail(r, GGUF_ERR_TRUNCATED, "%s: file ends inside %s (offset %llu + %llu > size %llu)",
                    r->what, part, pos, nn, size);
    }
    /* inside the file, past the prefix we were given */
    uint64_t want = r->pos + n;
    uint64_t guess = r->len * 2 > want ? r->len * 2 : want;
    if (guess < MIN_NEED_GUESS_BYTES) guess = MIN_NEED_GUESS_BYTES;
    if (guess > r->file_size) guess = r->file_size;
    if (r->need_bytes) *r->need_bytes = guess > SIZE_MAX ? SIZE_MAX : (size_t)guess;
    return fail(r, GGUF_ERR_NEED_MORE, "%s: header continues past the %llu bytes given (%s needs %llu)",
                r->what, (unsigned long long)r->len, part, (unsigned long long)want);
}

static bool take(reader *r, uint64_t n, const char *part, const uint8_t **p) {
    if (!need(r, n, part)) return false;
    *p = r->buf + r->pos;
    r->pos += n;
    return true;
}

/* Little-endian decoders (the image may be unaligned). */
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }

static bool read_u32(reader *r, const char *part, uint32_t *v) {
    const uint8_t *p;
    if (!take(r, 4, part, &p)) return false;
    *v = le32(p);
    return true;
}

static bool read_u64(reader *r, const char *part, uint64_t *v) {
    const uint8_t *p;
    if (!take(r, 8, part, &p)) return false;
    *v = le64(p);
    return true;
}

/* GGUF string: u64 length + bytes, no NUL. */
static bool read_str(reader *r, const char *part, const uint8_t **s, uint64_t *len) {
    char lpart[64];
    snprintf(lpart, sizeof lpart, "the length of %s", part);
    if (!read_u64(r, lpart, len)) return false;
    return take(r, *len, part, s);
}

/* A count of items of at least min_each bytes must fit in the rest of the file. */
static bool check_count(reader *r, uint64_t count, uint64_t min_each, const char *what) {
    uint64_t remaining = r->file_size - r->pos;
    if (count > remaining / min_each) {
        return fail(r, GGUF_ERR_TRUNCATED,
                    "%s: %s %llu cannot fit in the %llu bytes left in the file (at least %llu bytes each)",
                    r->what, what, (unsigned long long)count, (unsigned long long)remaining,
                    (unsigned long long)min_each);
    }
    return true;
}

/* Bytes of one scalar of a value type; 0 for string, array and invalid. */
static uint64_t scalar_bytes(uint32_t t) {
    switch (t) {
    case GGUF_VAL_UINT8: case GGUF_VAL_INT8: case GGUF_VAL_BOOL: return 1;
    case GGUF_VAL_UINT16: case GGUF_VAL_INT16: return 2;
    case GGUF_VAL_UINT32: case GGUF_VAL_INT32: case GGUF_VAL_FLOAT32: return 4;
    case GGUF_VAL_UINT64: case GGUF_VAL_INT64: case GGUF_VAL_FLOAT64: return 8;
    default: return 0;
    }
}

static const char *val_type_name(uint32_t t) {
    static const char *const names[GGUF_VAL_COUNT] = {
        "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
        "bool", "string", "array", "uint64", "int64", "float64",
    };
    return t < GGUF_VAL_COUNT ? names[t] : "invalid";
}

/* Decode one scalar of type t at p into the kv's number fields. */
static void decode_scalar(uint32_t t, const uint8_t *p, int64_t *i, uint64_t *u, double *f) {
    *i = 0; *u = 0; *f = 0.0;
    switch (t) {
    case GGUF_VAL_UINT8:  *u = p[0]; *i = (int64_t)*u; break;
    case GGUF_VAL_BOOL:   *u = p[0]; *i = (int64_t)*u; break;
    case GGUF_VAL_INT8:   *i = (int8_t)p[0]; *u = (uint64_t)*i; break;
    case GGUF_VAL_UINT16: *u = le16(p); *i = (int64_t)*u; break;
    case GGUF_VAL_INT16:  *i = (int16_t)le16(p); *u = (uint64_t)*i; break;
    case GGUF_VAL_UINT32: *u = le32(p); *i = (int64_t)*u; break;
    case GGUF_VAL_INT32:  *i = (int32_t)le32(p); *u = (uint64_t)*i; break;
    case GGUF_VAL_UINT64: *u = le64(p); *i = (int64_t)*u; break; /* range checked by getters */
    case GGUF_VAL_INT64:  *i = (int64_t)le64(p); *u = (uint64_t)*i; break;
    case GGUF_VAL_FLOAT32: { uint32_t b = le32(p); float x; memcpy(&x, &b, 4); *f = (double)x; break; }
    case GGUF_VAL_FLOAT64: { uint64_t b = le64(p); double x; memcpy(&x, &b, 8); *f = x; break; }
    default: break;
    }
}

/* Append len bytes + NUL to the string arena; *off gets their offset. */
static bool arena_add(gguf_ctx *ctx, reader *r, const uint8_t *s, uint64_t len, size_t *off) {
    if (len >= SIZE_MAX - ctx->strings_len - 1) return fail(r, GGUF_ERR_NOMEM, "%s: string too large", r->what);
    size_t n = (size_t)len;
    if (ctx->strings_len + n + 1 > ctx->strings_cap) {
        size_t cap = ctx->strings_cap ? ctx->strings_cap : 1024;
        while (cap < ctx->strings_len + n + 1) cap = cap > SIZE_MAX / 2 ? ctx->strings_len + n + 1 : cap * 2;
        char *p = realloc(ctx->strings, cap);
        if (!p) return fail(r, GGUF_ERR_NOMEM, "%s: out of memory for strings", r->what);
        ctx->strings = p;
        ctx->strings_cap = cap;
    }
    if (n) memcpy(ctx->strings + ctx->strings_len, s, n);
    ctx->strings[ctx->strings_len + n] = '\0';
    *off = ctx->strings_len;
    ctx->strings_len += n + 1;
    return true;
}

/* Grow an array of elem-byte entries so that one more fits. */
static bool grow(reader *r, void **arr, size_t *cap, size_t count, size_t elem) {
    if (count < *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > SIZE_MAX / elem) return fail(r, GGUF_ERR_NOMEM, "%s: too many entries", r->what);
    void *p = realloc(*arr, ncap * elem);
    if (!p) return fail(r, GGUF_ERR_NOMEM, "%s: out of memory", r->what);
    *arr = p;
    *cap = ncap;
    return true;
}

/* Keys and tensor names: non-empty, no NUL inside (they become C strings). */
static bool check_name(reader *r, const uint8_t *s, uint64_t len, const char *kind) {
    if (len == 0) return fail(r, GGUF_ERR_INVALID, "%s: empty %s", r->what, kind);
    if (memchr(s, 0, (size_t)len)) return fail(r, GGUF_ERR_INVALID, "%s: %s contains a NUL byte", r->what, kind);
    return true;
}

static bool parse_value(gguf_ctx *ctx, reader *r, gguf_kv *kv) {
    const uint8_t *p;
    if (kv->type == GGUF_VAL_STRING) {
        if (!read_str(r, "the string value", &p, &kv->str_len)) return false;
        return arena_add(ctx, r, p, kv->str_len, &kv->str_off);
    }
    if (kv->type != GGUF_VAL_ARRAY) {
        if (!take(r, scalar_bytes(kv->type), "the value", &p)) return false;
        decode_scalar(kv->type, p, &kv->i, &kv->u, &kv->f);
        if (kv->type == GGUF_VAL_BOOL && kv->u > 1) {
            return fail(r, GGUF_ERR_INVALID, "%s: bool value %llu is not 0 or 1", r->what,
                        (unsigned long long)kv->u);
        }
        return true;
    }
    uint32_t et;
    if (!read_u32(r, "the array element type", &et)) return false;
    if (et == GGUF_VAL_ARRAY) return fail(r, GGUF_ERR_INVALID, "%s: arrays of arrays are not supported", r->what);
    if (et >= GGUF_VAL_COUNT) return fail(r, GGUF_ERR_INVALID, "%s: invalid array element type %u", r->what, et);
    kv->arr_type = (gguf_value_type)et;
    if (!read_u64(r, "the array length", &kv->arr_n)) return false;
    kv->arr_data = r->buf + r->pos;
    if (et != GGUF_VAL_STRING) {
        uint64_t esz = scalar_bytes(et);
        if (!check_count(r, kv->arr_n, esz, "array length")) return false;
        return take(r, kv->arr_n * esz, "the array elements", &p);
    }
    /* strings: each at least its 8-byte length; the index of element
     * positions is only allocated once those 8*n bytes are in memory */
    if (!check_count(r, kv->arr_n, 8, "string array length")) return false;
    if (!need(r, kv->arr_n * 8, "the string array")) return false;
    kv->arr_str_pos = malloc(kv->arr_n ? (size_t)kv->arr_n * sizeof *kv->arr_str_pos : 1);
    if (!kv->arr_str_pos) return fail(r, GGUF_ERR_NOMEM, "%s: out of memory for %llu strings", r->what,
                                      (unsigned long long)kv->arr_n);
    for (uint64_t k = 0; k < kv->arr_n; k++) {
        uint64_t len;
        kv->arr_str_pos[k] = r->pos;
        if (!read_str(r, "an array string", &p, &len)) return false;
    }
    return true;
}

static bool parse_kvs(gguf_ctx *ctx, reader *r, uint64_t n_kv) {
    for (uint64_t i = 0; i < n_kv; i++) {
        snprintf(r->what, sizeof r->what, "key #%llu", (unsigned long long)i);
        if (!grow(r, (void **)&ctx->kvs, &ctx->kv_cap, (size_t)ctx->n_kv, sizeof *ctx->kvs)) return false;
        gguf_kv *kv = &ctx->kvs[ctx->n_kv];
        memset(kv, 0, sizeof *kv);
        ctx->n_kv++; /* counted now so gguf_close frees its string index */

        const uint8_t *key;
        uint64_t key_len;
        if (!read_str(r, "the key", &key, &key_len)) return false;
        if (!check_name(r, key, key_len, "key")) return false;
        if (key_len > GGUF_MAX_KEY_BYTES) {
            return fail(r, GGUF_ERR_INVALID, "%s: key length %llu exceeds %u", r->what,
                        (unsigned long long)key_len, GGUF_MAX_KEY_BYTES);
        }
        char q[112];
        quote_name(q, sizeof q, key, key_len);
        snprintf(r->what, sizeof r->what, "key '%s'", q);
        if (!arena_add(ctx, r, key, key_len, &kv->key_off)) return false;

        uint32_t type;
        if (!read_u32(r, "the value type", &type)) return false;
        if (type >= GGUF_VAL_COUNT) return fail(r, GGUF_ERR_INVALID, "%s: invalid value type %u", r->what, type);
        kv->type = (gguf_value_type)type;
        if (!parse_value(ctx, r, kv)) return false;
    }
    return true;
}

static bool parse_tensor_infos(gguf_ctx *ctx, reader *r, uint64_t n_tensors) {
    for (uint64_t i = 0; i < n_tensors; i++) {
        snprintf(r->what, sizeof r->what, "tensor #%llu", (unsigned long long)i);
        if (!grow(r, (void **)&ctx->tensors, &ctx->tensor_cap, (size_t)ctx->n_tensors, sizeof *ctx->tensors)) {
            return false;
        }
        tensor_rec *tr = &ctx->tensors[ctx->n_tensors];
        memset(tr, 0, sizeof *tr);
        gguf_tensor_info *ti = &tr->info;

        const uint8_t *name;
        uint64_t name_len;
        if (!read_str(r, "the tensor name", &name, &name_len)) return false;
        if (!check_name(r, name, name_len, "tensor name")) return false;
        char q[112];
        quote_name(q, sizeof q, name, name_len);
        snprintf(r->what, sizeof r->what, "tensor '%s'", q);
        if (!arena_add(ctx, r, name, name_len, &tr->name_off)) return false;

        if (!read_u32(r, "n_dims", &ti->n_dims)) return false;
        if (ti->n_dims < 1 || ti->n_dims > 4) {
            return fail(r, GGUF_ERR_INVALID, "%s: n_dims %u out of range 1..4", r->what, ti->n_dims);
        }
        uint64_t n_elements = 1;
        for (uint32_t d = 0; d < 4; d++) {
            uint64_t ne = 1;
            if (d < ti->n_dims && !read_u64(r, "the dimensions", &ne)) return false;
            if (ne == 0 || ne > (uint64_t)INT64_MAX) {
                return fail(r, GGUF_ERR_INVALID, "%s: ne[%u] = %llu out of range 1..2^63-1", r->what, d,
                            (unsigned long long)ne);
            }
            if (n_elements > (uint64_t)INT64_MAX / ne) {
                return fail(r, GGUF_ERR_INVALID, "%s: element count overflows (ne[%u] = %llu)", r->what, d,
                            (unsigned long long)ne);
            }
            n_elements *= ne;
            ti->ne[d] = (int64_t)ne;
        }
        ti->n_elements = n_elements;

        uint32_t type;
        if (!read_u32(r, "the type", &type)) return false;
        const gguf_type_info *tinfo = gguf_type_get((int)(type & 0x7fffffffu));
        if (type > 0x7fffffffu || !tinfo) return fail(r, GGUF_ERR_INVALID, "%s: invalid tensor type %u", r->what, type);
        ti->type = (gguf_type)type;

        bool ok;
        ti->size_bytes = gguf_type_tensor_bytes((int)type, (uint64_t)ti->ne[0], n_elements, &ok);
        if (!ok) {
            return fail(r, GGUF_ERR_INVALID, "%s: row length %lld is not a multiple of the %s block (%u) "
                        "or the size overflows", r->what, (long long)ti->ne[0], gguf_type_name((int)type),
                        tinfo->block_elems);
        }

        if (!read_u64(r, "the data offset", &ti->offset)) return false; /* relative until data_offset is known */
        if (ti->offset % ctx->alignment != 0) {
            return fail(r, GGUF_ERR_INVALID, "%s: offset %llu is not a multiple of the alignment %u", r->what,
                        (unsigned long long)ti->offset, ctx->alignment);
        }
        ctx->n_tensors++;
    }
    return true;
}

/* general.alignment: uint32, a power of two (ggml reads it as u32). */
static bool read_alignment(gguf_ctx *ctx, reader *r) {
    ctx->alignment = GGUF_DEFAULT_ALIGNMENT;
    int64_t i = name_index_find(ctx, &ctx->key_index, "general.alignment", kv_key_at);
    if (i < 0) return true;
    const gguf_kv *kv = &ctx->kvs[i];
    snprintf(r->what, sizeof r->what, "key 'general.alignment'");
    if (kv->type != GGUF_VAL_UINT32) {
        return fail(r, GGUF_ERR_INVALID, "%s: type %s, expected uint32", r->what, val_type_name(kv->type));
    }
    if (kv->u == 0 || (kv->u & (kv->u - 1)) != 0) {
        return fail(r, GGUF_ERR_INVALID, "%s: %llu is not a power of two", r->what, (unsigned long long)kv->u);
    }
    ctx->alignment = (uint32_t)kv->u;
    return true;
}

typedef struct span { uint64_t start, end; int64_t idx; } span;

static int span_cmp(const void *a, const void *b) {
    const span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* Place every tensor's data after the header and check it lies in the file
 * and does not overlap another. */
static bool place_tensors(gguf_ctx *ctx, reader *r) {
    const uint64_t header_end = r->pos, al = ctx->alignment;
    snprintf(r->what, sizeof r->what, "tensor data");
    if (header_end > UINT64_MAX - (al - 1)) return fail(r, GGUF_ERR_INVALID, "header size overflows");
    ctx->data_offset = (header_end + al - 1) / al * al;
    if (ctx->n_tensors == 0) return true;
    if (ctx->data_offset > ctx->file_size) {
        return fail(r, GGUF_ERR_TRUNCATED, "file ends before the tensor data section (data offset %llu > size %llu)",
                    (unsigned long long)ctx->data_offset, (unsigned long long)ctx->file_size);
    }
    span *spans = malloc((size_t)ctx->n_tensors * sizeof *spans);
    if (!spans) return fail(r, GGUF_ERR_NOMEM, "out of memory for %lld tensors", (long long)ctx->n_tensors);
    bool good = true;
    ctx->total_tensor_bytes = 0;
    for (int64_t i = 0; i < ctx->n_tensors && good; i++) {
        gguf_tensor_info *ti = &ctx->tensors[i].info;
        const char *name = tensor_name_at(ctx, i);
        if (ti->offset > UINT64_MAX - ctx->data_offset ||
            ti->offset + ctx->data_offset > UINT64_MAX - ti->size_bytes) {
            good = fail(r, GGUF_ERR_INVALID, "tensor '%.96s' offset %llu + size %llu overflows", name,
                        (unsigned long long)ti->offset, (unsigned long long)ti->size_bytes);
            break;
        }
        ti->offset += ctx->data_offset;
        if (ti->offset + ti->size_bytes > ctx->file_size) {
            good = fail(r, GGUF_ERR_TRUNCATED, "tensor '%.96s' data ends past end of file (offset %llu + %llu > size %llu)",
                        name, (unsigned long long)ti->offset, (unsigned long long)ti->size_bytes,
                        (unsigned long long)ctx->file_size);
            break;
        }
        spans[i] = (span){ti->offset, ti->offset + ti->size_bytes, i};
        ctx->total_tensor_bytes += ti->size_bytes; /* cannot overflow: every span is inside the file */
    }
    if (good) {
        qsort(spans, (size_t)ctx->n_tensors, sizeof *spans, span_cmp);
        for (int64_t k = 1; k < ctx->n_tensors; k++) {
            if (spans[k].start < spans[k - 1].end) {
                good = fail(r, GGUF_ERR_INVALID, "tensor '%.96s' data (offset %llu) overlaps tensor '%.96s' "
                            "(offset %llu + %llu)", tensor_name_at(ctx, spans[k].idx),
                            (unsigned long long)spans[k].start, tensor_name_at(ctx, spans[k - 1].idx),
                            (unsigned long long)spans[k - 1].start,
                            (unsigned long long)(spans[k - 1].end - spans[k - 1].start));
                break;
            }
        }
    }
    free(spans);
    return good;
}

static bool parse_header(gguf_ctx *ctx, reader *r) {
    snprintf(r->what, sizeof r->what, "header");
    if (r->file_size == 0) return fail(r, GGUF_ERR_TRUNCATED, "file is empty (0 bytes)");
    /* magic: compare what we have first, so a short non-GGUF file says so */
    static const uint8_t magic[4] = {'G', 'G', 'U', 'F'};
    uint64_t have = r->len < 4 ? r->len : 4;
    if (memcmp(r->buf, magic, (size_t)have) != 0) {
        char q[16];
        quote_name(q, sizeof q, r->buf, have);
        return fail(r, GGUF_ERR_MAGIC, "bad magic '%s' (expected 'GGUF')", q);
    }
    const uint8_t *p;
    if (!take(r, 4, "the magic", &p)) return false;

    uint32_t version;
    if (!read_u32(r, "the version", &version)) return false;
    if (version == 1) {
        return fail(r, GGUF_ERR_VERSION, "version 1 is not supported (v1 used 32-bit counts; convert the model again)");
    }
    if (version != 2 && version != 3) {
        uint32_t swapped = (version >> 24) | ((version >> 8) & 0xff00u) | ((version << 8) & 0xff0000u) | (version << 24);
        if (swapped >= 1 && swapped <= 3) {
            return fail(r, GGUF_ERR_VERSION, "version field reads %u; this looks like a big-endian GGUF v%u, "
                        "which is not supported", version, swapped);
        }
        return fail(r, GGUF_ERR_VERSION, "unsupported version %u (expected 2 or 3)", version);
    }
    ctx->version = version;

    uint64_t n_tensors, n_kv;
    if (!read_u64(r, "the tensor count", &n_tensors)) return false;
    if (!read_u64(r, "the key count", &n_kv)) return false;
    if (!check_count(r, n_kv, MIN_KV_BYTES, "n_kv")) return false;
    if (!check_count(r, n_tensors, MIN_TENSOR_INFO_BYTES, "n_tensors")) return false;

    if (!parse_kvs(ctx, r, n_kv)) return false;
    int64_t a, b;
    gguf_status st = name_index_build(ctx, &ctx->key_index, ctx->n_kv, kv_key_at, &a, &b);
    if (st == GGUF_ERR_NOMEM) return fail(r, st, "out of memory for the key index");
    if (st != GGUF_OK) {
        return fail(r, st, "duplicate key '%.96s' (entries %lld and %lld)", kv_key_at(ctx, a), (long long)a, (long long)b);
    }
    if (!read_alignment(ctx, r)) return false;

    if (!parse_tensor_infos(ctx, r, n_tensors)) return false;
    st = name_index_build(ctx, &ctx->tensor_index, ctx->n_tensors, tensor_name_at, &a, &b);
    if (st == GGUF_ERR_NOMEM) return fail(r, st, "out of memory for the tensor index");
    if (st != GGUF_OK) {
        return fail(r, st, "duplicate tensor name '%.96s' (tensors %lld and %lld)", tensor_name_at(ctx, a),
                    (long long)a, (long long)b);
    }
    return place_tensors(ctx, r);
}

/* The arena no longer moves: turn offsets into pointers. */
static void resolve_pointers(gguf_ctx *ctx) {
    for (int64_t i = 0; i < ctx->n_kv; i++) {
        gguf_kv *kv = &ctx->kvs[i];
        kv->key = ctx->strings + kv->key_off;
        if (kv->type == GGUF_VAL_STRING) kv->str = ctx->strings + kv->str_off;
    }
    for (int64_t i = 0; i < ctx->n_tensors; i++) {
        ctx->tensors[i].info.name = ctx->strings + ctx->tensors[i].name_off;
    }
}

gguf_status gguf_open_memory(const void *buf, size_t len, uint64_t file_size,
                             gguf_ctx **out, size_t *need_bytes,
                             char *err, size_t err_len) {
    reader r = {0};
    r.err = err;
    r.err_len = err_len;
    r.need_bytes = need_bytes;
    if (err && err_len) err[0] = '\0';
    if (need_bytes) *need_bytes = 0;
    if (out) *out = NULL;
    if (!out || (!buf && len > 0) || file_size < len) {
        fail(&r, GGUF_ERR_INVALID, "bad arguments to gguf_open_memory (buf %s, len %zu, file_size %llu)",
             buf ? "set" : "NULL", len, (unsigned long long)file_size);
        return r.status;
    }
    static const uint8_t empty[1] = {0};
    r.buf = buf ? buf : empty;
    r.len = len;
    r.file_size = file_size;

    gguf_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        fail(&r, GGUF_ERR_NOMEM, "out of memory");
        return r.status;
    }
    ctx->buf = r.buf;
    ctx->len = len;
    ctx->file_size = file_size;
    ctx->alignment = GGUF_DEFAULT_ALIGNMENT;
    r.status = GGUF_OK;
    if (!parse_header(ctx, &r)) {
        gguf_close(ctx);
        return r.status;
    }
    resolve_pointers(ctx);
    *out = ctx;
    return GGUF_OK;
}

gguf_status gguf_open_file(const char *path, gguf_ctx **out, char *err, size_t err_len) {
    reader r = {0};
    r.err = err;
    r.err_len = err_len;
    if (err && err_len) err[0] = '\0';
    if (out) *out = NULL;
    if (!path || !out) {
        fail(&r, GGUF_ERR_INVALID, "bad arguments to gguf_open_file");
        return r.status;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fail(&r, GGUF_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        return r.status;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        fail(&r, GGUF_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
        close(fd);
        return r.status;
    }
    if (!S_ISREG(sb.st_mode)) {
        fail(&r, GGUF_ERR_IO, "'%s' is not a regular file", path);
        close(fd);
        return r.status;
    }
    if (sb.st_size == 0) {
        fail(&r, GGUF_ERR_TRUNCATED, "'%s' is empty (0 bytes)", path);
        close(fd);
        return r.status;
    }
    if (sb.st_size < 0 || (uint64_t)sb.st_size > SIZE_MAX) {
        fail(&r, GGUF_ERR_IO, "'%s' is too large to map (%lld bytes)", path, (long long)sb.st_size);
        close(fd);
        return r.status;
    }
    size_t size = (size_t)sb.st_size;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int map_errno = errno;
    close(fd); /* the mapping keeps the file */
    if (map == MAP_FAILED) {
        fail(&r, GGUF_ERR_IO, "cannot map '%s': %s", path, strerror(map_errno));
        return r.status;
    }
    gguf_ctx *ctx = NULL;
    gguf_status st = gguf_open_memory(map, size, size, &ctx, NULL, err, err_len);
    if (st != GGUF_OK) {
        munmap(map, size);
        return st;
    }
    ctx->map = map;
    ctx->map_len = size;
    *out = ctx;
    return GGUF_OK;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------ */

uint32_t gguf_version(const gguf_ctx *ctx) { return ctx ? ctx->version : 0; }
uint32_t gguf_alignment(const gguf_ctx *ctx) { return ctx ? ctx->alignment : 0; }
uint64_t gguf_data_offset(const gguf_ctx *ctx) { return ctx ? ctx->data_offset : 0; }
uint64_t gguf_file_size(const gguf_ctx *ctx) { return ctx ? ctx->file_size : 0; }
int64_t gguf_n_kv(const gguf_ctx *ctx) { return ctx ? ctx->n_kv : 0; }

const char *gguf_kv_key(const gguf_ctx *ctx, int64_t i) {
    return ctx && i >= 0 && i < ctx->n_kv ? ctx->kvs[i].key : NULL;
}

gguf_value_type gguf_kv_type(const gguf_ctx *ctx, int64_t i) {
    return ctx && i >= 0 && i < ctx->n_kv ? ctx->kvs[i].type : GGUF_VAL_COUNT;
}

int64_t gguf_find_key(const gguf_ctx *ctx, const char *key) {
    return ctx ? name_index_find(ctx, &ctx->key_index, key, kv_key_at) : -1;
}

static gguf_status lookup(const gguf_ctx *ctx, const char *key, const gguf_kv **kv) {
    int64_t i = gguf_find_key(ctx, key);
    if (i < 0) return GGUF_ERR_NOT_FOUND;
    *kv = &ctx->kvs[i];
    return GGUF_OK;
}

static bool is_int_type(gguf_value_type t) {
    return t == GGUF_VAL_UINT8 || t == GGUF_VAL_INT8 || t == GGUF_VAL_UINT16 || t == GGUF_VAL_INT16 ||
           t == GGUF_VAL_UINT32 || t == GGUF_VAL_INT32 || t == GGUF_VAL_UINT64 || t == GGUF_VAL_INT64 ||
           t == GGUF_VAL_BOOL;
}

gguf_status gguf_get_int(const gguf_ctx *ctx, const char *key, int64_t *out) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (!is_int_type(kv->type)) return GGUF_ERR_TYPE;
    if (kv->type == GGUF_VAL_UINT64 && kv->u > (uint64_t)INT64_MAX) return GGUF_ERR_INVALID;
    if (out) *out = kv->i;
    return GGUF_OK;
}

gguf_status gguf_get_float(const gguf_ctx *ctx, const char *key, double *out) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_FLOAT32 && kv->type != GGUF_VAL_FLOAT64) return GGUF_ERR_TYPE;
    if (out) *out = kv->f;
    return GGUF_OK;
}

gguf_status gguf_get_bool(const gguf_ctx *ctx, const char *key, bool *out) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_BOOL) return GGUF_ERR_TYPE;
    if (out) *out = kv->u != 0;
    return GGUF_OK;
}

gguf_status gguf_get_str(const gguf_ctx *ctx, const char *key, const char **s, uint64_t *len) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_STRING) return GGUF_ERR_TYPE;
    if (s) *s = kv->str;
    if (len) *len = kv->str_len;
    return GGUF_OK;
}

gguf_status gguf_get_arr_info(const gguf_ctx *ctx, const char *key,
                              gguf_value_type *elem_type, uint64_t *n) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_ARRAY) return GGUF_ERR_TYPE;
    if (elem_type) *elem_type = kv->arr_type;
    if (n) *n = kv->arr_n;
    return GGUF_OK;
}

gguf_status gguf_get_arr_int(const gguf_ctx *ctx, const char *key, uint64_t i, int64_t *out) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_ARRAY || !is_int_type(kv->arr_type)) return GGUF_ERR_TYPE;
    if (i >= kv->arr_n) return GGUF_ERR_INVALID;
    uint64_t esz = scalar_bytes(kv->arr_type);
    int64_t v;
    uint64_t u;
    double f;
    decode_scalar(kv->arr_type, kv->arr_data + i * esz, &v, &u, &f);
    if (kv->arr_type == GGUF_VAL_UINT64 && u > (uint64_t)INT64_MAX) return GGUF_ERR_INVALID;
    if (out) *out = v;
    return GGUF_OK;
}

gguf_status gguf_get_arr_float(const gguf_ctx *ctx, const char *key, uint64_t i, double *out) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_ARRAY || (kv->arr_type != GGUF_VAL_FLOAT32 && kv->arr_type != GGUF_VAL_FLOAT64))
        return GGUF_ERR_TYPE;
    if (i >= kv->arr_n) return GGUF_ERR_INVALID;
    int64_t v;
    uint64_t u;
    double f;
    decode_scalar(kv->arr_type, kv->arr_data + i * scalar_bytes(kv->arr_type), &v, &u, &f); /* checked at parse time */
    if (out) *out = f;
    return GGUF_OK;
}

gguf_status gguf_get_arr_str(const gguf_ctx *ctx, const char *key, uint64_t i,
                             const char **s, uint64_t *len) {
    const gguf_kv *kv;
    gguf_status st = lookup(ctx, key, &kv);
    if (st != GGUF_OK) return st;
    if (kv->type != GGUF_VAL_ARRAY || kv->arr_type != GGUF_VAL_STRING) return GGUF_ERR_TYPE;
    if (i >= kv->arr_n) return GGUF_ERR_INVALID;
    const uint8_t *p = ctx->buf + kv->arr_str_pos[i]; /* checked in memory at parse time */
    if (len) *len = le64(p);
    if (s) *s = (const char *)(p + 8);
    return GGUF_OK;
}

int64_t gguf_n_tensors(const gguf_ctx *ctx) { return ctx ? ctx->n_tensors : 0; }

const gguf_tensor_info *gguf_tensor(const gguf_ctx *ctx, int64_t i) {
    return ctx && i >= 0 && i < ctx->n_tensors ? &ctx->tensors[i].info : NULL;
}

int64_t gguf_find_tensor(const gguf_ctx *ctx, const char *name) {
    return ctx ? name_index_find(ctx, &ctx->tensor_index, name, tensor_name_at) : -1;
}

const void *gguf_tensor_data(const gguf_ctx *ctx, int64_t i) {
    const gguf_tensor_info *ti = gguf_tensor(ctx, i);
    if (!ti || ti->offset + ti->size_bytes > ctx->len) return NULL; /* no overflow: checked at parse */
    return ctx->buf + ti->offset;
}

uint64_t gguf_total_tensor_bytes(const gguf_ctx *ctx) { return ctx ? ctx->total_tensor_bytes : 0; }

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

/* Growable byte buffer; `failed` latches the first allocation failure. */
typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} bytes;

static void put(bytes *b, const void *src, size_t n) {
    if (b->failed) return;
    if (n > SIZE_MAX - b->len) { b->failed = true; return; }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) {
            if (cap > SIZE_MAX / 2) { cap = b->len + n; break; }
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (!p) { b->failed = true; return; }
        b->p = p;
        b->cap = cap;
    }
    if (n) {
        if (src) memcpy(b->p + b->len, src, n);
        else memset(b->p + b->len, 0, n);
    }
    b->len += n;
}

static void put_u32(bytes *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void put_u64(bytes *b, uint64_t v) {
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_str(bytes *b, const char *s) {
    size_t n = strlen(s);
    put_u64(b, n);
    put(b, s, n);
}

static void put_f32(bytes *b, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    put_u32(b, u);
}

typedef struct wkv {
    char *key;
    gguf_value_type type;
    bytes value;               /* the encoded value, as it follows the type field */
} wkv;

typedef struct wtensor {
    char *name;
    gguf_type type;
    uint32_t n_dims;
    int64_t ne[4];
    uint64_t size_bytes;
    uint8_t *data;
} wtensor;

struct gguf_writer {
    wkv *kvs;
    size_t n_kv, kv_cap;
    wtensor *tensors;
    size_t n_tensors, tensor_cap;
};

gguf_writer *gguf_writer_create(void) { return calloc(1, sizeof(gguf_writer)); }

void gguf_writer_free(gguf_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kvs[i].key);
        free(w->kvs[i].value.p);
    }
    for (size_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->kvs);
    free(w->tensors);
    free(w);
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Store an encoded value under key, replacing an earlier value of that key. */
static bool writer_set(gguf_writer *w, const char *key, gguf_value_type type, bytes *value) {
    if (!w || !key || !key[0] || strlen(key) > GGUF_MAX_KEY_BYTES || value->failed) {
        free(value->p);
        return false;
    }
    for (size_t i = 0; i < w->n_kv; i++) {
        if (strcmp(w->kvs[i].key, key) == 0) {
            free(w->kvs[i].value.p);
            w->kvs[i].type = type;
            w->kvs[i].value = *value;
            return true;
        }
    }
    if (w->n_kv == w->kv_cap) {
        size_t cap = w->kv_cap ? w->kv_cap * 2 : 16;
        wkv *p = realloc(w->kvs, cap * sizeof *p);
        if (!p) { free(value->p); return false; }
        w->kvs = p;
        w->kv_cap = cap;
    }
    char *k = dup_str(key);
    if (!k) { free(value->p); return false; }
    w->kvs[w->n_kv++] = (wkv){k, type, *value};
    return true;
}

bool gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v) {
    bytes b = {0};
    put_u32(&b, v);
    return writer_set(w, key, GGUF_VAL_UINT32, &b);
}

bool gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v) {
    bytes b = {0};
    put_u32(&b, (uint32_t)v);
    return writer_set(w, key, GGUF_VAL_INT32, &b);
}

bool gguf_writer_set_u64(gguf_writer *w, const char *key, uint64_t v) {
    bytes b = {0};
    put_u64(&b, v);
    return writer_set(w, key, GGUF_VAL_UINT64, &b);
}

bool gguf_writer_set_f32(gguf_writer *w, const char *key, float v) {
    bytes b = {0};
    put_f32(&b, v);
    return writer_set(w, key, GGUF_VAL_FLOAT32, &b);
}

bool gguf_writer_set_bool(gguf_writer *w, const char *key, bool v) {
    bytes b = {0};
    uint8_t x = v ? 1 : 0;
    put(&b, &x, 1);
    return writer_set(w, key, GGUF_VAL_BOOL, &b);
}

bool gguf_writer_set_str(gguf_writer *w, const char *key, const char *v) {
    if (!v) return false;
    bytes b = {0};
    put_str(&b, v);
    return writer_set(w, key, GGUF_VAL_STRING, &b);
}

bool gguf_writer_set_arr_str(gguf_writer *w, const char *key, const char *const *v, size_t n) {
    if (n && !v) return false;
    bytes b = {0};
    put_u32(&b, GGUF_VAL_STRING);
    put_u64(&b, n);
    for (size_t i = 0; i < n; i++) {
        if (!v[i]) { free(b.p); return false; }
        put_str(&b, v[i]);
    }
    return writer_set(w, key, GGUF_VAL_ARRAY, &b);
}

bool gguf_writer_set_arr_i32(gguf_writer *w, const char *key, const int32_t *v, size_t n) {
    if (n && !v) return false;
    bytes b = {0};
    put_u32(&b, GGUF_VAL_INT32);
    put_u64(&b, n);
    for (size_t i = 0; i < n; i++) put_u32(&b, (uint32_t)v[i]);
    return writer_set(w, key, GGUF_VAL_ARRAY, &b);
}

bool gguf_writer_set_arr_f32(gguf_writer *w, const char *key, const float *v, size_t n) {
    if (n && !v) return false;
    bytes b = {0};
    put_u32(&b, GGUF_VAL_FLOAT32);
    put_u64(&b, n);
    for (size_t i = 0; i < n; i++) put_f32(&b, v[i]);
    return writer_set(w, key, GGUF_VAL_ARRAY, &b);
}

/* Add a tensor record; with hold_data its data (data, or zeros when NULL) is
 * copied into the writer, without it none is held (streaming). */
static bool writer_add_tensor(gguf_writer *w, const char *name, gguf_type type,
                              uint32_t n_dims, const int64_t *ne, const void *data, bool hold_data) {
    if (!w || !name || !name[0] || !ne || n_dims < 1 || n_dims > 4 || !gguf_type_get((int)type)) return false;
    for (size_t i = 0; i < w->n_tensors; i++) {
        if (strcmp(w->tensors[i].name, name) == 0) return false; /* names are unique */
    }
    wtensor t = {0};
    t.type = type;
    t.n_dims = n_dims;
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < 4; d++) {
        int64_t v = d < n_dims ? ne[d] : 1;
        if (v <= 0 || n_elements > (uint64_t)INT64_MAX / (uint64_t)v) return false;
        n_elements *= (uint64_t)v;
        t.ne[d] = v;
    }
    bool ok;
    t.size_bytes = gguf_type_tensor_bytes((int)type, (uint64_t)t.ne[0], n_elements, &ok);
    if (!ok || t.size_bytes > SIZE_MAX) return false;
    if (w->n_tensors == w->tensor_cap) {
        size_t cap = w->tensor_cap ? w->tensor_cap * 2 : 16;
        wtensor *p = realloc(w->tensors, cap * sizeof *p);
        if (!p) return false;
        w->tensors = p;
        w->tensor_cap = cap;
    }
    t.name = dup_str(name);
    t.data = hold_data && t.size_bytes ? malloc((size_t)t.size_bytes) : NULL;
    if (!t.name || (hold_data && t.size_bytes && !t.data)) {
        free(t.name);
        free(t.data);
        return false;
    }
    if (t.data) {
        if (data) memcpy(t.data, data, (size_t)t.size_bytes);
        else memset(t.data, 0, (size_t)t.size_bytes);
    }
    w->tensors[w->n_tensors++] = t;
    return true;
}

bool gguf_writer_add_tensor(gguf_writer *w, const char *name, gguf_type type,
                            uint32_t n_dims, const int64_t *ne, const void *data) {
    return writer_add_tensor(w, name, type, n_dims, ne, data, true);
}

bool gguf_writer_add_tensor_info(gguf_writer *w, const char *name, gguf_type type,
                                 uint32_t n_dims, const int64_t *ne) {
    return writer_add_tensor(w, name, type, n_dims, ne, NULL, false);
}

bool gguf_writer_copy_kv(gguf_writer *w, const gguf_ctx *src, int64_t i) {
    if (!w || !src || i < 0 || i >= src->n_kv) return false;
    const gguf_kv *kv = &src->kvs[i];
    bytes b = {0};
    uint64_t esz = scalar_bytes(kv->type);
    if (kv->type == GGUF_VAL_STRING) {
        put_u64(&b, kv->str_len);
        put(&b, kv->str, (size_t)kv->str_len);
    } else if (kv->type == GGUF_VAL_ARRAY) {
        /* the elements are still in the image, as parsed: copy them verbatim */
        uint64_t n_bytes = 0;
        if (kv->arr_type != GGUF_VAL_STRING) {
            n_bytes = kv->arr_n * scalar_bytes(kv->arr_type);
        } else if (kv->arr_n > 0) {
            uint64_t last = kv->arr_str_pos[kv->arr_n - 1];
            n_bytes = last + 8 + le64(src->buf + last) - (uint64_t)(kv->arr_data - src->buf);
        }
        if (n_bytes > SIZE_MAX) return false;
        put_u32(&b, (uint32_t)kv->arr_type);
        put_u64(&b, kv->arr_n);
        put(&b, kv->arr_data, (size_t)n_bytes);
    } else if (kv->type == GGUF_VAL_FLOAT32) {
        put_f32(&b, (float)kv->f);
    } else if (kv->type == GGUF_VAL_FLOAT64) {
        uint64_t u;
        memcpy(&u, &kv->f, 8);
        put_u64(&b, u);
    } else {
        /* integers and bool: the low esz bytes of the value, little-endian */
        for (uint64_t k = 0; k < esz; k++) {
            uint8_t x = (uint8_t)(kv->u >> (8 * k));
            put(&b, &x, 1);
        }
    }
    return writer_set(w, kv->key, kv->type, &b);
}

static uint64_t pad_to(uint64_t n, uint64_t al) { return (al - n % al) % al; }

/* 32, or general.alignment when it was set to a power-of-two uint32, so that
 * what we write is what a reader expects. */
static uint64_t writer_alignment(const gguf_writer *w) {
    for (size_t i = 0; i < w->n_kv; i++) {
        if (strcmp(w->kvs[i].key, "general.alignment") != 0 || w->kvs[i].type != GGUF_VAL_UINT32) continue;
        uint32_t v = le32(w->kvs[i].value.p);
        if (v != 0 && (v & (v - 1)) == 0) return v;
    }
    return GGUF_DEFAULT_ALIGNMENT;
}

uint32_t gguf_writer_alignment(const gguf_writer *w) {
    return w ? (uint32_t)writer_alignment(w) : GGUF_DEFAULT_ALIGNMENT;
}

/* Header: magic, counts, KVs, tensor infos, padding to the alignment. */
static void put_header(const gguf_writer *w, bytes *b) {
    const uint64_t al = writer_alignment(w);
    put(b, "GGUF", 4);
    put_u32(b, 3);
    put_u64(b, w->n_tensors);
    put_u64(b, w->n_kv);
    for (size_t i = 0; i < w->n_kv; i++) {
        put_str(b, w->kvs[i].key);
        put_u32(b, (uint32_t)w->kvs[i].type);
        put(b, w->kvs[i].value.p, w->kvs[i].value.len);
    }
    /* each tensor's data starts aligned and is padded to the alignment */
    uint64_t offset = 0;
    for (size_t i = 0; i < w->n_tensors; i++) {
        const wtensor *t = &w->tensors[i];
        put_str(b, t->name);
        put_u32(b, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++) put_u64(b, (uint64_t)t->ne[d]);
        put_u32(b, (uint32_t)t->type);
        put_u64(b, offset);
        offset += t->size_bytes + pad_to(t->size_bytes, al);
    }
    put(b, NULL, (size_t)pad_to(b->len, al));
}

bool gguf_writer_header_to_memory(gguf_writer *w, uint8_t **out, size_t *len) {
    if (!w || !out || !len) return false;
    bytes b = {0};
    put_header(w, &b);
    if (b.failed) {
        free(b.p);
        return false;
    }
    *out = b.p;
    *len = b.len;
    return true;
}

bool gguf_writer_to_memory(gguf_writer *w, uint8_t **out, size_t *len) {
    if (!w || !out || !len) return false;
    const uint64_t al = writer_alignment(w);
    bytes b = {0};
    put_header(w, &b);
    for (size_t i = 0; i < w->n_tensors; i++) {
        const wtensor *t = &w->tensors[i];
        put(&b, t->data, (size_t)t->size_bytes);
        put(&b, NULL, (size_t)pad_to(t->size_bytes, al));
    }
    if (b.failed) {
        free(b.p);
        return false;
    }
    *out = b.p;
    *len = b.len;
    return true;
}

bool gguf_writer_to_file(gguf_writer *w, const char *path) {
    if (!path) return false;
    uint8_t *img;
    size_t n;
    if (!gguf_writer_to_memory(w, &img, &n)) return false;

    /* temp file beside the target, so rename() stays on one filesystem */
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof suffix);
    if (!tmp) { free(img); return false; }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);

    bool ok = false;
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        size_t done = 0;
        ok = true;
        while (done < n) {
            ssize_t k = write(fd, img + done, n - done);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) { ok = false; break; }
            done += (size_t)k;
        }
        ok = ok && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        ok = ok && rename(tmp, path) == 0;
        if (!ok) unlink(tmp);
    }
    free(tmp);
    free(img);
    return ok;
}
