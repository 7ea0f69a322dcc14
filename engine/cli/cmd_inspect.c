/* cmd_inspect.c - `llmcap-engine inspect FILE`: a GGUF file's header, every
 * metadata key with its type and value, and its tensors, as text or JSON. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "gguf.h"

/* Array elements shown per key (text and JSON). */
#define SHOW_ELEMS 8
/* Bytes of one string value shown before "..." in text output. */
#define SHOW_STR_BYTES 200

static void usage(FILE *f) {
    fputs("usage: llmcap-engine inspect FILE [--json] [--tensors|--no-tensors]\n"
          "\n"
          "Print a GGUF file's version, alignment, data offset and size, every metadata\n"
          "key with its type and value (arrays: element type, length, first elements),\n"
          "its tensors (name, type, shape, bytes, offset) and totals (parameters, bytes,\n"
          "bits per weight).\n"
          "\n"
          "  --json          one JSON object on stdout (arrays give their first elements)\n"
          "  --tensors       list the tensors (default)\n"
          "  --no-tensors    totals only\n"
          "  -h, --help      this help\n", f);
}

/* GGUF value type names, as the GGUF spec spells them. */
static const char *val_type_name(gguf_value_type t) {
    static const char *const names[GGUF_VAL_COUNT] = {
        "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
        "bool", "string", "array", "uint64", "int64", "float64",
    };
    return (unsigned)t < GGUF_VAL_COUNT ? names[t] : "invalid";
}

/* Shortest decimal that reads back as the same float32 (or double). */
static void fmt_real(char *buf, size_t n, double v, bool is_f32) {
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (is_f32 ? (float)back == (float)v : back == v) return;
    }
}

/* A string quoted for text output: printable ASCII and UTF-8 as is, quotes,
 * backslashes and control bytes escaped, cut after max bytes. */
static void print_quoted(FILE *f, const char *s, uint64_t len, size_t max) {
    fputc('"', f);
    for (uint64_t i = 0; i < len; i++) {
        if (i == max) { fputs("...", f); break; }
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* Text value of key i (one line, no newline). */
static void print_value(FILE *f, const gguf_ctx *g, int64_t i) {
    const char *key = gguf_kv_key(g, i);
    gguf_value_type t = gguf_kv_type(g, i);
    char num[64];
    switch (t) {
    case GGUF_VAL_STRING: {
        const char *s;
        uint64_t len;
        gguf_get_str(g, key, &s, &len);
        print_quoted(f, s, len, SHOW_STR_BYTES);
        return;
    }
    case GGUF_VAL_BOOL: {
        bool b = false;
        gguf_get_bool(g, key, &b);
        fputs(b ? "true" : "false", f);
        return;
    }
    case GGUF_VAL_FLOAT32: case GGUF_VAL_FLOAT64: {
        double d = 0;
        gguf_get_float(g, key, &d);
        fmt_real(num, sizeof num, d, t == GGUF_VAL_FLOAT32);
        fputs(num, f);
        return;
    }
    case GGUF_VAL_ARRAY: {
        gguf_value_type et;
        uint64_t n;
        gguf_get_arr_info(g, key, &et, &n);
        fprintf(f, "[%s x %" PRIu64 "]", val_type_name(et), n);
        for (uint64_t k = 0; k < n && k < SHOW_ELEMS; k++) {
            fputs(k ? ", " : " ", f);
            if (et == GGUF_VAL_STRING) {
                const char *s;
                uint64_t len;
                gguf_get_arr_str(g, key, k, &s, &len);
                print_quoted(f, s, len, 64);
            } else if (et == GGUF_VAL_FLOAT32 || et == GGUF_VAL_FLOAT64) {
                double d = 0;
                gguf_get_arr_float(g, key, k, &d);
                fmt_real(num, sizeof num, d, et == GGUF_VAL_FLOAT32);
                fputs(num, f);
            } else {
                int64_t v = 0;
                if (gguf_get_arr_int(g, key, k, &v) == GGUF_OK) fprintf(f, "%" PRId64, v);
                else fputs("(> int64)", f);
            }
        }
        if (n > SHOW_ELEMS) fputs(", ...", f);
        return;
    }
    default: {
        int64_t v = 0;
        if (gguf_get_int(g, key, &v) == GGUF_OK) fprintf(f, "%" PRId64, v);
        else fputs("(> int64)", f); /* a uint64 above INT64_MAX */
        return;
    }
    }
}

/* JSON number for a float: the shortest decimal of its precision. */
static cJSON *json_real(double d, bool is_f32) {
    char num[64];
    fmt_real(num, sizeof num, d, is_f32);
    return cJSON_CreateNumber(strtod(num, NULL));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is
 * not one (bad lead or continuation byte, overlong form, surrogate, above
 * U+10FFFF, or cut short). RFC 3629, section 4. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* A string value as JSON: cJSON takes NUL-terminated UTF-8, so NUL bytes and
 * invalid UTF-8 become U+FFFD (the output stays valid JSON for any file). */
static cJSON *json_str(const char *s, uint64_t len) {
    if (len > SIZE_MAX / 3 - 1) return NULL;
    char *tmp = malloc((size_t)len * 3 + 1);
    if (!tmp) return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = u[i] ? utf8_seq_len(u + i, (size_t)len - i) : 0;
        if (k == 0) {
            memcpy(tmp + o, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
            o += 3;
            i++;
        } else {
            memcpy(tmp + o, u + i, k);
            o += k;
            i += k;
        }
    }
    tmp[o] = '\0';
    cJSON *j = cJSON_CreateString(tmp);
    free(tmp);
    return j;
}

static cJSON *json_value(const gguf_ctx *g, int64_t i) {
    const char *key = gguf_kv_key(g, i);
    gguf_value_type t = gguf_kv_type(g, i);
    switch (t) {
    case GGUF_VAL_STRING: {
        const char *s;
        uint64_t len;
        gguf_get_str(g, key, &s, &len);
        return json_str(s, len);
    }
    case GGUF_VAL_BOOL: {
        bool b = false;
        gguf_get_bool(g, key, &b);
        return cJSON_CreateBool(b);
    }
    case GGUF_VAL_FLOAT32: case GGUF_VAL_FLOAT64: {
        double d = 0;
        gguf_get_float(g, key, &d);
        return json_real(d, t == GGUF_VAL_FLOAT32);
    }
    case GGUF_VAL_ARRAY: {
        gguf_value_type et;
        uint64_t n;
        gguf_get_arr_info(g, key, &et, &n);
        cJSON *arr = cJSON_CreateArray();
        for (uint64_t k = 0; arr && k < n && k < SHOW_ELEMS; k++) {
            cJSON *e;
            if (et == GGUF_VAL_STRING) {
                const char *s;
                uint64_t len;
                gguf_get_arr_str(g, key, k, &s, &len);
                e = json_str(s, len);
            } else if (et == GGUF_VAL_FLOAT32 || et == GGUF_VAL_FLOAT64) {
                double d = 0;
                gguf_get_arr_float(g, key, k, &d);
                e = json_real(d, et == GGUF_VAL_FLOAT32);
            } else {
                int64_t v = 0;
                e = gguf_get_arr_int(g, key, k, &v) == GGUF_OK ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
            }
            cJSON_AddItemToArray(arr, e);
        }
        return arr;
    }
    default: {
        int64_t v = 0;
        return gguf_get_int(g, key, &v) == GGUF_OK ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
    }
    }
}

static void shape_str(char *buf, size_t n, const gguf_tensor_info *ti) {
    size_t pos = 0;
    pos += (size_t)snprintf(buf + pos, n - pos, "[");
    for (uint32_t d = 0; d < ti->n_dims && pos < n; d++)
        pos += (size_t)snprintf(buf + pos, n - pos, "%s%" PRId64, d ? ", " : "", ti->ne[d]);
    if (pos < n) snprintf(buf + pos, n - pos, "]");
}

static int print_text(const char *path, const gguf_ctx *g, bool tensors) {
    printf("file: %s\n", path);
    printf("GGUF version %u, alignment %u, data offset %" PRIu64 ", file size %" PRIu64 " bytes\n",
           gguf_version(g), gguf_alignment(g), gguf_data_offset(g), gguf_file_size(g));
    int64_t n_kv = gguf_n_kv(g);
    size_t w = 0;
    for (int64_t i = 0; i < n_kv; i++) {
        size_t l = strlen(gguf_kv_key(g, i));
        if (l > w) w = l;
    }
    if (w > 60) w = 60;
    printf("\nmetadata: %" PRId64 " keys\n", n_kv);
    for (int64_t i = 0; i < n_kv; i++) {
        printf("  %-*s  %-7s  ", (int)w, gguf_kv_key(g, i), val_type_name(gguf_kv_type(g, i)));
        print_value(stdout, g, i);
        putchar('\n');
    }
    int64_t n_t = gguf_n_tensors(g);
    uint64_t n_params = 0;
    size_t nw = 4;
    for (int64_t i = 0; i < n_t; i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        n_params += ti->n_elements;
        size_t l = strlen(ti->name);
        if (l > nw) nw = l;
    }
    if (nw > 60) nw = 60;
    printf("\ntensors: %" PRId64 "\n", n_t);
    if (tensors && n_t > 0) {
        printf("  %-*s  %-7s  %-24s  %14s  %14s\n", (int)nw, "name", "type", "shape", "bytes", "offset");
        for (int64_t i = 0; i < n_t; i++) {
            const gguf_tensor_info *ti = gguf_tensor(g, i);
            char shape[128];
            shape_str(shape, sizeof shape, ti);
            printf("  %-*s  %-7s  %-24s  %14" PRIu64 "  %14" PRIu64 "\n", (int)nw, ti->name,
                   gguf_type_name((int)ti->type), shape, ti->size_bytes, ti->offset);
        }
    }
    uint64_t bytes = gguf_total_tensor_bytes(g);
    printf("\ntotal: %" PRId64 " tensors, %" PRIu64 " params (%.2f M), %" PRIu64 " bytes (%.2f MiB), "
           "%.3f bits per weight\n", n_t, n_params, (double)n_params / 1e6, bytes,
           (double)bytes / (1024.0 * 1024.0), n_params ? 8.0 * (double)bytes / (double)n_params : 0.0);
    return 0;
}

static int print_json(const char *path, const gguf_ctx *g, bool tensors) {
    cJSON *root = cJSON_CreateObject();
    if (!root) return 1;
    cJSON *jf = json_str(path, strlen(path));
    if (jf) cJSON_AddItemToObject(root, "file", jf);
    cJSON_AddNumberToObject(root, "version", gguf_version(g));
    cJSON_AddNumberToObject(root, "alignment", gguf_alignment(g));
    cJSON_AddNumberToObject(root, "data_offset", (double)gguf_data_offset(g));
    cJSON_AddNumberToObject(root, "file_size", (double)gguf_file_size(g));
    cJSON *md = cJSON_AddArrayToObject(root, "metadata");
    for (int64_t i = 0; md && i < gguf_n_kv(g); i++) {
        cJSON *kv = cJSON_CreateObject();
        if (!kv) break;
        const char *key = gguf_kv_key(g, i);
        gguf_value_type t = gguf_kv_type(g, i);
        cJSON *jk = json_str(key, strlen(key));
        if (jk) cJSON_AddItemToObject(kv, "key", jk);
        cJSON_AddStringToObject(kv, "type", val_type_name(t));
        if (t == GGUF_VAL_ARRAY) {
            gguf_value_type et;
            uint64_t n;
            gguf_get_arr_info(g, key, &et, &n);
            cJSON_AddStringToObject(kv, "elem_type", val_type_name(et));
            cJSON_AddNumberToObject(kv, "length", (double)n);
        }
        cJSON *v = json_value(g, i);
        if (v) cJSON_AddItemToObject(kv, t == GGUF_VAL_ARRAY ? "head" : "value", v);
        cJSON_AddItemToArray(md, kv);
    }
    uint64_t n_params = 0;
    cJSON *ts = tensors ? cJSON_AddArrayToObject(root, "tensors") : NULL;
    for (int64_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        n_params += ti->n_elements;
        if (!ts) continue;
        cJSON *t = cJSON_CreateObject();
        if (!t) break;
        cJSON *jn = json_str(ti->name, strlen(ti->name));
        if (jn) cJSON_AddItemToObject(t, "name", jn);
        cJSON_AddStringToObject(t, "type", gguf_type_name((int)ti->type));
        cJSON *shape = cJSON_AddArrayToObject(t, "shape");
        for (uint32_t d = 0; shape && d < ti->n_dims; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)ti->ne[d]));
        cJSON_AddNumberToObject(t, "n_elements", (double)ti->n_elements);
        cJSON_AddNumberToObject(t, "bytes", (double)ti->size_bytes);
        cJSON_AddNumberToObject(t, "offset", (double)ti->offset);
        cJSON_AddItemToArray(ts, t);
    }
    uint64_t bytes = gguf_total_tensor_bytes(g);
    cJSON *tot = cJSON_AddObjectToObject(root, "totals");
    if (tot) {
        cJSON_AddNumberToObject(tot, "n_tensors", (double)gguf_n_tensors(g));
        cJSON_AddNumberToObject(tot, "n_params", (double)n_params);
        cJSON_AddNumberToObject(tot, "tensor_bytes", (double)bytes);
        cJSON_AddNumberToObject(tot, "bits_per_weight", n_params ? 8.0 * (double)bytes / (double)n_params : 0.0);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) {
        eng_cli_error("out of memory formatting JSON");
        return 1;
    }
    puts(text);
    cJSON_free(text);
    return 0;
}

enum { OPT_JSON = 1000, OPT_TENSORS, OPT_NO_TENSORS };

int cmd_inspect(int argc, char **argv) {
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"tensors", no_argument, NULL, OPT_TENSORS},
        {"no-tensors", no_argument, NULL, OPT_NO_TENSORS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, tensors = true;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = true; break;
        case OPT_TENSORS: tensors = true; break;
        case OPT_NO_TENSORS: tensors = false; break;
        case 'h': usage(stdout); return 0;
        default: eng_cli_error("unknown option '%s' (try inspect --help)", argv[optind - 1]); return 2;
        }
    }
    if (optind >= argc) { eng_cli_error("no file: inspect FILE"); return 2; }
    if (argc - optind > 1) { eng_cli_error("unexpected argument '%s': inspect takes one FILE", argv[optind + 1]); return 2; }
    const char *path = argv[optind];

    char err[512];
    gguf_ctx *g = NULL;
    gguf_status st = gguf_open_file(path, &g, err, sizeof err);
    if (st != GGUF_OK) {
        if (st == GGUF_ERR_IO) eng_cli_error("%s", err); /* the message names the path */
        else eng_cli_error("%s: %s", path, err);
        return st == GGUF_ERR_IO || st == GGUF_ERR_NOMEM ? 1 : 2;
    }
    int rc = json ? print_json(path, g, tensors) : print_text(path, g, tensors);
    gguf_close(g);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        eng_cli_error("error writing standard output");
        rc = 1;
    }
    return rc;
}
