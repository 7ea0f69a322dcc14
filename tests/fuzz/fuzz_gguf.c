/* fuzz_gguf.c - libFuzzer target for the GGUF reader and the writer's KV copy
 * (engine/format/gguf.h).
 *
 * For every input: open it whole with gguf_open_memory, and again as a prefix
 * of half its length (the browser's header-only path); walk everything an
 * open context offers: every key through every getter (the right one and the
 * wrong ones, arrays element by element, one index past the end), every
 * tensor info, and the first and last byte of every tensor's data. Then copy
 * every key/value into a writer (gguf_writer_copy_kv), serialise it, and
 * check the copy opens with the same keys, types and values. A broken
 * invariant aborts (a finding); memory errors are the sanitizers'.
 *
 * Build and run: `make fuzz` / `make fuzz-smoke` (tests/fuzz/fuzz.mk), or
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iengine/format -Iengine \
 *     tests/fuzz/fuzz_gguf.c engine/format/gguf.c engine/format/types.c engine/format/quants.c \
 *     -lm -o build/fuzz/fuzz_gguf
 *   build/fuzz/fuzz_gguf -max_total_time=60 build/fuzz/work/gguf tests/fuzz/corpus/gguf
 * (libFuzzer adds new inputs to the first directory: keep the seeds second.)
 */
#include "gguf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with a message: libFuzzer saves the input as a crash. */
#define REQUIRE(cond)                                                              \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz_gguf: %s:%d: invariant failed: %s\n", __FILE__, \
                    __LINE__, #cond);                                              \
            abort();                                                               \
        }                                                                          \
    } while (0)

/* Reads that the compiler must not drop. */
static volatile uint8_t sink_u8;
static volatile uint64_t sink_u64;

static void touch(const void *p, uint64_t n) {
    const uint8_t *b = p;
    uint8_t x = 0;
    for (uint64_t i = 0; i < n; i++) x ^= b[i];
    sink_u8 = x;
}

static bool is_int(gguf_value_type t) {
    return t == GGUF_VAL_UINT8 || t == GGUF_VAL_INT8 || t == GGUF_VAL_UINT16 || t == GGUF_VAL_INT16 ||
           t == GGUF_VAL_UINT32 || t == GGUF_VAL_INT32 || t == GGUF_VAL_UINT64 || t == GGUF_VAL_INT64 ||
           t == GGUF_VAL_BOOL;
}

static bool is_float(gguf_value_type t) { return t == GGUF_VAL_FLOAT32 || t == GGUF_VAL_FLOAT64; }

/* Every getter on key i; the one matching its type must succeed. */
static void walk_kv(const gguf_ctx *g, int64_t i) {
    const char *key = gguf_kv_key(g, i);
    gguf_value_type t = gguf_kv_type(g, i);
    REQUIRE(key != NULL && t < GGUF_VAL_COUNT);
    touch(key, strlen(key) + 1);
    REQUIRE(gguf_find_key(g, key) == i);

    int64_t iv;
    double fv;
    bool bv;
    const char *s;
    uint64_t len;
    gguf_status st = gguf_get_int(g, key, &iv);
    REQUIRE(is_int(t) ? (st == GGUF_OK || (t == GGUF_VAL_UINT64 && st == GGUF_ERR_INVALID)) : st == GGUF_ERR_TYPE);
    st = gguf_get_float(g, key, &fv);
    REQUIRE(is_float(t) ? st == GGUF_OK : st == GGUF_ERR_TYPE);
    st = gguf_get_bool(g, key, &bv);
    REQUIRE(t == GGUF_VAL_BOOL ? st == GGUF_OK : st == GGUF_ERR_TYPE);
    st = gguf_get_str(g, key, &s, &len);
    REQUIRE(t == GGUF_VAL_STRING ? st == GGUF_OK : st == GGUF_ERR_TYPE);
    if (st == GGUF_OK) {
        touch(s, len + 1); /* the copy is NUL-terminated */
        REQUIRE(s[len] == '\0');
    }

    gguf_value_type et;
    uint64_t n;
    st = gguf_get_arr_info(g, key, &et, &n);
    REQUIRE(t == GGUF_VAL_ARRAY ? st == GGUF_OK : st == GGUF_ERR_TYPE);
    if (st != GGUF_OK) {
        REQUIRE(gguf_get_arr_int(g, key, 0, &iv) == GGUF_ERR_TYPE);
        REQUIRE(gguf_get_arr_float(g, key, 0, &fv) == GGUF_ERR_TYPE);
        REQUIRE(gguf_get_arr_str(g, key, 0, &s, &len) == GGUF_ERR_TYPE);
        return;
    }
    REQUIRE(et < GGUF_VAL_COUNT && et != GGUF_VAL_ARRAY);
    uint64_t acc = 0;
    for (uint64_t k = 0; k < n; k++) {
        if (et == GGUF_VAL_STRING) {
            REQUIRE(gguf_get_arr_str(g, key, k, &s, &len) == GGUF_OK);
            touch(s, len);
            acc += len;
        } else if (is_float(et)) {
            REQUIRE(gguf_get_arr_float(g, key, k, &fv) == GGUF_OK);
            acc += (uint64_t)(fv == fv);
        } else {
            st = gguf_get_arr_int(g, key, k, &iv);
            REQUIRE(st == GGUF_OK || (et == GGUF_VAL_UINT64 && st == GGUF_ERR_INVALID));
            acc += (uint64_t)iv;
        }
    }
    sink_u64 = acc;
    /* one past the end, and the wrong element getters */
    REQUIRE(gguf_get_arr_int(g, key, n, &iv) == (is_int(et) ? GGUF_ERR_INVALID : GGUF_ERR_TYPE));
    REQUIRE(gguf_get_arr_float(g, key, n, &fv) == (is_float(et) ? GGUF_ERR_INVALID : GGUF_ERR_TYPE));
    REQUIRE(gguf_get_arr_str(g, key, n, &s, &len) == (et == GGUF_VAL_STRING ? GGUF_ERR_INVALID : GGUF_ERR_TYPE));
}

static void walk_tensors(const gguf_ctx *g, size_t len_in_memory) {
    uint64_t total = 0;
    for (int64_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        REQUIRE(ti != NULL && ti->name != NULL);
        REQUIRE(gguf_find_tensor(g, ti->name) == i);
        REQUIRE(ti->n_dims >= 1 && ti->n_dims <= 4);
        uint64_t n = 1;
        for (int d = 0; d < 4; d++) {
            REQUIRE(ti->ne[d] >= 1);
            n *= (uint64_t)ti->ne[d];
        }
        REQUIRE(n == ti->n_elements);
        REQUIRE(gguf_type_get((int)ti->type) != NULL);
        REQUIRE(ti->size_bytes == gguf_type_tensor_bytes((int)ti->type, (uint64_t)ti->ne[0], n, NULL));
        REQUIRE(ti->offset >= gguf_data_offset(g) && ti->offset % gguf_alignment(g) == 0);
        REQUIRE(ti->offset + ti->size_bytes <= gguf_file_size(g));
        total += ti->size_bytes;
        const uint8_t *p = gguf_tensor_data(g, i);
        if (ti->offset + ti->size_bytes <= len_in_memory) REQUIRE(p != NULL);
        if (p && ti->size_bytes > 0) {
            sink_u8 = p[0];
            sink_u8 = p[ti->size_bytes - 1];
        }
    }
    REQUIRE(total == gguf_total_tensor_bytes(g));
    REQUIRE(gguf_tensor(g, -1) == NULL && gguf_tensor(g, gguf_n_tensors(g)) == NULL);
    REQUIRE(gguf_find_tensor(g, "") == -1); /* names are never empty */
}

static void walk(const gguf_ctx *g, size_t len_in_memory) {
    REQUIRE(gguf_version(g) == 2 || gguf_version(g) == 3);
    uint32_t al = gguf_alignment(g);
    REQUIRE(al != 0 && (al & (al - 1)) == 0);
    REQUIRE(gguf_data_offset(g) % al == 0);
    for (int64_t i = 0; i < gguf_n_kv(g); i++) walk_kv(g, i);
    REQUIRE(gguf_kv_key(g, gguf_n_kv(g)) == NULL && gguf_kv_type(g, -1) == GGUF_VAL_COUNT);
    walk_tensors(g, len_in_memory);
}

/* Copy every KV into a writer; the serialised copy must read back equal. */
static void check_copy(const gguf_ctx *g) {
    gguf_writer *w = gguf_writer_create();
    if (!w) return;
    for (int64_t i = 0; i < gguf_n_kv(g); i++) REQUIRE(gguf_writer_copy_kv(w, g, i));
    uint8_t *img = NULL;
    size_t len = 0;
    REQUIRE(gguf_writer_to_memory(w, &img, &len));
    gguf_writer_free(w);
    gguf_ctx *c = NULL;
    char err[256];
    gguf_status st = gguf_open_memory(img, len, len, &c, NULL, err, sizeof err);
    if (st != GGUF_OK) fprintf(stderr, "fuzz_gguf: the copy does not read back: %s\n", err);
    REQUIRE(st == GGUF_OK);
    REQUIRE(gguf_n_kv(c) == gguf_n_kv(g) && gguf_n_tensors(c) == 0);
    for (int64_t i = 0; i < gguf_n_kv(g); i++) {
        const char *key = gguf_kv_key(g, i);
        REQUIRE(strcmp(gguf_kv_key(c, i), key) == 0);
        gguf_value_type t = gguf_kv_type(g, i);
        REQUIRE(gguf_kv_type(c, i) == t);
        int64_t a, b;
        double fa, fb;
        const char *sa, *sb;
        uint64_t la, lb;
        if (is_int(t) && gguf_get_int(g, key, &a) == GGUF_OK) {
            REQUIRE(gguf_get_int(c, key, &b) == GGUF_OK && a == b);
        } else if (is_float(t)) {
            REQUIRE(gguf_get_float(g, key, &fa) == GGUF_OK && gguf_get_float(c, key, &fb) == GGUF_OK);
            REQUIRE(memcmp(&fa, &fb, sizeof fa) == 0 || (fa != fa && fb != fb));
        } else if (t == GGUF_VAL_STRING) {
            REQUIRE(gguf_get_str(g, key, &sa, &la) == GGUF_OK && gguf_get_str(c, key, &sb, &lb) == GGUF_OK);
            REQUIRE(la == lb && memcmp(sa, sb, (size_t)la) == 0);
        } else if (t == GGUF_VAL_ARRAY) {
            gguf_value_type ea, eb;
            REQUIRE(gguf_get_arr_info(g, key, &ea, &la) == GGUF_OK && gguf_get_arr_info(c, key, &eb, &lb) == GGUF_OK);
            REQUIRE(ea == eb && la == lb);
            if (ea == GGUF_VAL_STRING && la > 0) {
                REQUIRE(gguf_get_arr_str(g, key, la - 1, &sa, &la) == GGUF_OK);
                REQUIRE(gguf_get_arr_str(c, key, lb - 1, &sb, &lb) == GGUF_OK);
                REQUIRE(la == lb && memcmp(sa, sb, (size_t)la) == 0);
            }
        }
    }
    gguf_close(c);
    free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[512];
    size_t need = 0;
    gguf_ctx *g = NULL;

    /* the whole file in memory */
    gguf_status st = gguf_open_memory(data, size, size, &g, &need, err, sizeof err);
    REQUIRE((st == GGUF_OK) == (g != NULL));
    REQUIRE(st != GGUF_ERR_NEED_MORE); /* impossible when len == file_size */
    if (st != GGUF_OK) {
        REQUIRE(strncmp(err, "gguf: ", 6) == 0);
    } else {
        walk(g, size);
        if (size < (1u << 20)) check_copy(g);
        gguf_close(g);
    }

    /* a prefix of half the file: NEED_MORE with a usable length, or a context
     * whose tensor data past the prefix is not readable */
    size_t half = size / 2;
    gguf_ctx *h = NULL;
    gguf_status sh = gguf_open_memory(data, half, size, &h, &need, err, sizeof err);
    REQUIRE((sh == GGUF_OK) == (h != NULL));
    if (sh == GGUF_ERR_NEED_MORE) {
        REQUIRE(need > half && need <= size);
    } else if (sh == GGUF_OK) {
        REQUIRE(st == GGUF_OK); /* the prefix parsed, so the whole file does */
        walk(h, half);
        gguf_close(h);
    }
    return 0;
}
