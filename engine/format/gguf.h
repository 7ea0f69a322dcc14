/* gguf.h - a bounds-checked GGUF v2/v3 reader (and a small writer for tests
 * and synthetic models).
 *
 * Format facts (not code) from the GGUF specification, ggml `docs/gguf.md`:
 *   header: magic "GGUF" (4 bytes), version u32 (2 or 3), n_tensors u64, n_kv u64
 *   (v1 used u32 counts and is rejected), then n_kv key/value pairs
 *   (string key, u32 value type, value), then n_tensors tensor infos
 *   (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset), then
 *   padding to general.alignment (default 32), then the tensor data. Strings are
 *   u64 length + bytes (no NUL). Offsets are relative to the start of the data
 *   section and must be multiples of the alignment. Little-endian.
 *
 * Every length, count, offset and size read from the file is checked against
 * the bytes available before use; nothing is trusted. The reader never prints
 * and never aborts: it returns a status and writes a message naming the
 * problem into the caller's buffer.
 */
#ifndef LLMCAP_FORMAT_GGUF_H
#define LLMCAP_FORMAT_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types.h"

typedef enum gguf_status {
    GGUF_OK = 0,
    GGUF_ERR_IO,         /* file could not be opened / mapped / read */
    GGUF_ERR_MAGIC,      /* not a GGUF file */
    GGUF_ERR_VERSION,    /* version other than 2 or 3 */
    GGUF_ERR_TRUNCATED,  /* the file ends inside the header, a KV, a tensor info or tensor data */
    GGUF_ERR_NEED_MORE,  /* open_memory got a prefix of a longer file and the header
                            runs past it: call again with a longer prefix */
    GGUF_ERR_INVALID,    /* a value is out of range: bad type, n_dims, alignment, offset, duplicate name... */
    GGUF_ERR_NOMEM,
    GGUF_ERR_NOT_FOUND,  /* key or tensor not present */
    GGUF_ERR_TYPE        /* key present with a different value type */
} gguf_status;

const char *gguf_status_str(gguf_status s);

/* Metadata value types (GGUF numbers). */
typedef enum gguf_value_type {
    GGUF_VAL_UINT8 = 0, GGUF_VAL_INT8 = 1, GGUF_VAL_UINT16 = 2, GGUF_VAL_INT16 = 3,
    GGUF_VAL_UINT32 = 4, GGUF_VAL_INT32 = 5, GGUF_VAL_FLOAT32 = 6, GGUF_VAL_BOOL = 7,
    GGUF_VAL_STRING = 8, GGUF_VAL_ARRAY = 9, GGUF_VAL_UINT64 = 10, GGUF_VAL_INT64 = 11,
    GGUF_VAL_FLOAT64 = 12, GGUF_VAL_COUNT = 13
} gguf_value_type;

typedef struct gguf_tensor_info {
    const char *name;       /* NUL-terminated copy owned by the context */
    uint32_t n_dims;        /* 1..4 */
    int64_t ne[4];          /* ggml dims, ne[0] = row length; unused dims are 1 */
    gguf_type type;
    uint64_t n_elements;    /* product of ne */
    uint64_t offset;        /* absolute byte offset of the data in the file */
    uint64_t size_bytes;    /* data bytes (gguf_type_tensor_bytes), excluding alignment padding */
} gguf_tensor_info;

typedef struct gguf_ctx gguf_ctx;

/* Parse a GGUF image from memory. buf holds the first len bytes of a file whose
 * total size is file_size (file_size >= len; pass len when the whole file is in
 * memory). When only a prefix is given (the browser reads a header with
 * File.slice) the header must fit in it (else GGUF_ERR_NEED_MORE, and
 * *need_bytes, if not NULL, gets a length that suffices or a larger guess);
 * tensor data is then checked against file_size but not readable.
 * buf must stay valid until gguf_close. err (may be NULL) receives a message.
 * On success *out is a new context. */
gguf_status gguf_open_memory(const void *buf, size_t len, uint64_t file_size,
                             gguf_ctx **out, size_t *need_bytes,
                             char *err, size_t err_len);

/* Open a file by path (memory-mapped read-only; only touched pages are read). */
gguf_status gguf_open_file(const char *path, gguf_ctx **out, char *err, size_t err_len);

void gguf_close(gguf_ctx *ctx);

uint32_t gguf_version(const gguf_ctx *ctx);
uint32_t gguf_alignment(const gguf_ctx *ctx);     /* general.alignment or 32 */
uint64_t gguf_data_offset(const gguf_ctx *ctx);   /* start of the tensor data section */
uint64_t gguf_file_size(const gguf_ctx *ctx);

/* ---- metadata ---- */
int64_t gguf_n_kv(const gguf_ctx *ctx);
const char *gguf_kv_key(const gguf_ctx *ctx, int64_t i);        /* NULL if out of range */
gguf_value_type gguf_kv_type(const gguf_ctx *ctx, int64_t i);   /* GGUF_VAL_COUNT if out of range */
int64_t gguf_find_key(const gguf_ctx *ctx, const char *key);    /* index or -1 */

/* Typed getters by key. Integers of any width/sign (and bool) convert to int64;
 * floats of either width to double. NOT_FOUND when missing, TYPE when the value
 * has another type (e.g. a string), INVALID when a u64 does not fit int64. */
gguf_status gguf_get_int(const gguf_ctx *ctx, const char *key, int64_t *out);
gguf_status gguf_get_float(const gguf_ctx *ctx, const char *key, double *out);
gguf_status gguf_get_bool(const gguf_ctx *ctx, const char *key, bool *out);
/* String value: *s points into the context (NUL-terminated copy), *len its length. */
gguf_status gguf_get_str(const gguf_ctx *ctx, const char *key, const char **s, uint64_t *len);
/* Array value: element type and count. */
gguf_status gguf_get_arr_info(const gguf_ctx *ctx, const char *key,
                              gguf_value_type *elem_type, uint64_t *n);
/* Element i of an integer array (any integer width) as int64. */
gguf_status gguf_get_arr_int(const gguf_ctx *ctx, const char *key, uint64_t i, int64_t *out);
/* Element i of a float array (float32 or float64) as double. TYPE when the
 * value is not an array of floats (integer arrays included: use
 * gguf_get_arr_int), INVALID when i >= the array length. O(1). */
gguf_status gguf_get_arr_float(const gguf_ctx *ctx, const char *key, uint64_t i, double *out);
/* Element i of a string array: pointer into the mapped data (NOT NUL-terminated). */
gguf_status gguf_get_arr_str(const gguf_ctx *ctx, const char *key, uint64_t i,
                             const char **s, uint64_t *len);

/* ---- tensors ---- */
int64_t gguf_n_tensors(const gguf_ctx *ctx);
const gguf_tensor_info *gguf_tensor(const gguf_ctx *ctx, int64_t i);  /* NULL if out of range */
int64_t gguf_find_tensor(const gguf_ctx *ctx, const char *name);     /* index or -1 */
/* Pointer to tensor i's data, or NULL when that data is not in memory. */
const void *gguf_tensor_data(const gguf_ctx *ctx, int64_t i);
/* Sum of size_bytes over all tensors. */
uint64_t gguf_total_tensor_bytes(const gguf_ctx *ctx);

/* ------------------------------------------------------------------------ */
/* Writer: builds a GGUF v3 file in memory (tests, synthetic models).         */
/* ------------------------------------------------------------------------ */
typedef struct gguf_writer gguf_writer;

gguf_writer *gguf_writer_create(void);   /* NULL on out of memory */
void gguf_writer_free(gguf_writer *w);
/* Metadata setters; keys are copied. Return false on out of memory. */
bool gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v);
bool gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v);
bool gguf_writer_set_u64(gguf_writer *w, const char *key, uint64_t v);
bool gguf_writer_set_f32(gguf_writer *w, const char *key, float v);
bool gguf_writer_set_bool(gguf_writer *w, const char *key, bool v);
bool gguf_writer_set_str(gguf_writer *w, const char *key, const char *v);
bool gguf_writer_set_arr_str(gguf_writer *w, const char *key, const char *const *v, size_t n);
bool gguf_writer_set_arr_i32(gguf_writer *w, const char *key, const int32_t *v, size_t n);
bool gguf_writer_set_arr_f32(gguf_writer *w, const char *key, const float *v, size_t n);
/* Add a tensor; data (may be NULL = zeros) must hold gguf_type_tensor_bytes bytes
 * and is copied. Returns false on invalid shape/type or out of memory. */
bool gguf_writer_add_tensor(gguf_writer *w, const char *name, gguf_type type,
                            uint32_t n_dims, const int64_t *ne, const void *data);
/* Copy key/value pair i of an open reader context (any value type, arrays of
 * any element type included) into the writer byte for byte, replacing an
 * earlier value of that key. False when i is out of range or out of memory. */
bool gguf_writer_copy_kv(gguf_writer *w, const gguf_ctx *src, int64_t i);

/* Streaming writes (models too large to hold in memory):
 * gguf_writer_add_tensor_info declares a tensor like gguf_writer_add_tensor
 * (same checks) but holds no data; gguf_writer_header_to_memory serialises
 * the header only (magic .. the zero padding before the data section). The
 * file is that header followed by each tensor's data in the order added,
 * each zero-padded to a multiple of gguf_writer_alignment() bytes; the caller
 * writes those. gguf_writer_to_memory / _to_file write zeros for the data of
 * tensors declared with add_tensor_info. */
bool gguf_writer_add_tensor_info(gguf_writer *w, const char *name, gguf_type type,
                                 uint32_t n_dims, const int64_t *ne);
/* general.alignment when set as a power-of-two uint32, else 32 (bytes). */
uint32_t gguf_writer_alignment(const gguf_writer *w);
/* Header bytes: *out is malloc'ed (caller frees), *len its size (a multiple of
 * the alignment). False on out of memory. */
bool gguf_writer_header_to_memory(gguf_writer *w, uint8_t **out, size_t *len);

/* Serialise: *out is malloc'ed (caller frees), *len its size. */
bool gguf_writer_to_memory(gguf_writer *w, uint8_t **out, size_t *len);
/* Write to a path atomically (temp file + rename). Returns false on I/O error. */
bool gguf_writer_to_file(gguf_writer *w, const char *path);

#endif
