/* profile_json.c - calibration profiles as JSON (the files `llmcap calibrate`
 * writes and `--profile FILE` reads), the default profile (data/profile.json,
 * embedded into the library by tools/embed.c as llmcap_profile_json), and the
 * per-process cache of profile files.
 *
 * The format (one object; "format" names its version):
 *
 *   {"format": "llmcap-profile 1", "name": "...", "created": "YYYY-MM-DD",
 *    "description": "...",
 *    "classes": {"gpu": {"bw_eff": {"value": 0.83, "stderr": 0.01}, ...,
 *                        "decode_sd_log": 0.07, "decode_pi_log": 0.12, ...},
 *                "apple": {...}, "igpu": {...}, "cpu": {...}},
 *    "global":  {"multi_gpu_overhead_ms": {"value": ..., "stderr": ...}, "pcie_eff": ..., "host_bw_eff": ...},
 *    "engines": {"llmcap-engine/webgpu": {"gpu": {...fields as in classes...}}},
 *    "source": {...}, "fit": {...}, "loho": {...}}
 *
 * A parameter is a number or {"value": x} with an optional "stderr" (>= 0,
 * the fit's standard error in the parameter's own unit). The spreads
 * (*_sd_log, *_pi_log) are plain numbers. "source", "fit" and "loho" are the
 * calibration's report (inputs, per-parameter fit state, leave-one-hardware-out
 * errors): read back as JSON objects and otherwise not interpreted. Every
 * other key is an error naming it; so is a value outside its parameter's
 * bounds (FIELDS below), NaN or infinite.
 */
#include "internal.h"
#include "llmcap_runs.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_FORMAT "llmcap-profile 1"

/* data/profile.json, embedded (build/gen/profile_embed.c, tools/embed.c) */
extern const char llmcap_profile_json[];
extern const unsigned long llmcap_profile_json_len;

/* One field of llmcap_backend_params or of the profile's global part, with its
 * bounds: lo < x (lo_open) or lo <= x, and x <= hi. */
typedef struct pfield {
    const char *key;
    size_t off;          /* offset in llmcap_backend_params (class fields) or llmcap_profile (global) */
    size_t stderr_off;   /* global fields: offset of the stderr double; class fields: unused */
    double lo, hi;
    bool lo_open;
    bool has_stderr;     /* a fitted parameter ({"value", "stderr"}); false: a plain number */
} pfield;

#define BP(f) offsetof(llmcap_backend_params, f)
static const pfield CLASS_FIELDS[] = {
    {"bw_eff", BP(bw_eff), 0, 0, 1, true, true},
    {"compute_eff", BP(compute_eff), 0, 0, 1, true, true},
    {"decode_compute_eff", BP(decode_compute_eff), 0, 0, 1, false, true},
    {"tok_overhead_ms", BP(tok_overhead_ms), 0, 0, 1000, false, true},
    {"layer_overhead_us", BP(layer_overhead_us), 0, 0, 1e5, false, true},
    {"runtime_bytes", BP(runtime_bytes), 0, 0, 1e12, false, true},
    {"default_tflops", BP(default_tflops), 0, 0, 1e6, false, true},
    {"attn_eff", BP(attn_eff), 0, 0, 1, true, true},
    {"bw_cap_gbps", BP(bw_cap_gbps), 0, 0, 1e5, false, true},
    {"usable_mem_frac", BP(usable_mem_frac), 0, 0, 1, true, true},
    {"prefill_cap_tflops", BP(prefill_cap_tflops), 0, 0, 1e6, false, true},
    {"prefill_attn_eff", BP(prefill_attn_eff), 0, 0, 1, true, true},
    {"decode_sd_log", BP(decode_sd_log), 0, 0, 5, false, false},
    {"prefill_sd_log", BP(prefill_sd_log), 0, 0, 5, false, false},
    {"decode_pi_log", BP(decode_pi_log), 0, 0, 5, false, false},
    {"prefill_pi_log", BP(prefill_pi_log), 0, 0, 5, false, false},
};
#undef BP
#define N_CLASS_FIELDS (sizeof CLASS_FIELDS / sizeof CLASS_FIELDS[0])

#define PR(f) offsetof(llmcap_profile, f)
static const pfield GLOBAL_FIELDS[] = {
    {"multi_gpu_overhead_ms", PR(multi_gpu_overhead_ms), PR(multi_gpu_overhead_ms_stderr), 0, 1000, false, true},
    {"pcie_eff", PR(pcie_eff), PR(pcie_eff_stderr), 0, 1, true, true},
    {"host_bw_eff", PR(host_bw_eff), PR(host_bw_eff_stderr), 0, 1, true, true},
};
#undef PR
#define N_GLOBAL_FIELDS (sizeof GLOBAL_FIELDS / sizeof GLOBAL_FIELDS[0])

static double *dfield(void *base, size_t off) { return (double *)((char *)base + off); }
static double dget(const void *base, size_t off) { return *(const double *)((const char *)base + off); }

/* ------------------------------------------------------------------ read */

typedef struct rd {
    const char *label;   /* file name for messages */
    llmcap_error *err;
} rd;

static llmcap_status bad(const rd *r, llmcap_status st, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static llmcap_status bad(const rd *r, llmcap_status st, const char *path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return llmcap_set_error(r->err, st, "%.200s: %s%s%.300s", r->label, path, path[0] ? ": " : "", msg);
}

/* "unknown key 'x' (did you mean y?)" over a list of names */
static llmcap_status unknown_key(const rd *r, const char *path, const char *key, const char *const *names, size_t n)
{
    const char *near[1];
    size_t k = n ? llmcap_nearest_names(key, names, n, near, 1) : 0;
    char full[160];
    snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "." : "", key);
    return llmcap_set_error(r->err, LLMCAP_ERR_INVALID_ARG, "%.200s: unknown key '%.150s'%s%s%s", r->label, full,
                            k ? " (did you mean " : "", k ? near[0] : "", k ? "?)" : "");
}

static llmcap_status read_number(const rd *r, const char *path, const cJSON *v, const pfield *f, double *out)
{
    if (!cJSON_IsNumber(v)) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "must be a number");
    const double x = v->valuedouble;
    if (!isfinite(x)) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "must be a finite number");
    if ((f->lo_open ? x <= f->lo : x < f->lo) || x > f->hi)
        return bad(r, LLMCAP_ERR_INVALID_ARG, path, "%g is out of range (%g %s x <= %g)", x, f->lo,
                   f->lo_open ? "<" : "<=", f->hi);
    *out = x;
    return LLMCAP_OK;
}

/* a parameter: a number, or {"value": x, "stderr": s} */
static llmcap_status read_param(const rd *r, const char *path, const cJSON *v, const pfield *f, double *value,
                                double *stderr_out)
{
    if (!f->has_stderr || cJSON_IsNumber(v)) {
        if (stderr_out) *stderr_out = 0;
        return read_number(r, path, v, f, value);
    }
    if (!cJSON_IsObject(v)) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "must be a number or {\"value\": x, \"stderr\": s}");
    const cJSON *val = NULL, *se = NULL;
    static const char *const keys[] = {"value", "stderr"};
    for (const cJSON *it = v->child; it; it = it->next) {
        if (!strcmp(it->string, "value")) val = it;
        else if (!strcmp(it->string, "stderr")) se = it;
        else return unknown_key(r, path, it->string, keys, 2);
    }
    if (!val) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "has no \"value\"");
    char p2[160];
    snprintf(p2, sizeof p2, "%.140s.value", path);
    llmcap_status st = read_number(r, p2, val, f, value);
    if (st) return st;
    double s = 0;
    if (se) {
        static const pfield sef = {"stderr", 0, 0, 0, 1e12, false, false};
        snprintf(p2, sizeof p2, "%.140s.stderr", path);
        if ((st = read_number(r, p2, se, &sef, &s))) return st;
    }
    if (stderr_out) *stderr_out = s;
    return LLMCAP_OK;
}

static const char *const KIND_NAMES[LLMCAP_HW_KIND_COUNT] = {"gpu", "apple", "igpu", "cpu"};

static int kind_index(const char *name)
{
    for (int k = 0; k < LLMCAP_HW_KIND_COUNT; k++)
        if (!strcmp(name, KIND_NAMES[k])) return k;
    return -1;
}

/* {"bw_eff": ..., ...} into bp / se */
static llmcap_status read_class(const rd *r, const char *path, const cJSON *o, llmcap_backend_params *bp,
                                llmcap_backend_params *se)
{
    if (!cJSON_IsObject(o)) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "must be an object of parameters");
    const char *names[N_CLASS_FIELDS];
    for (size_t i = 0; i < N_CLASS_FIELDS; i++) names[i] = CLASS_FIELDS[i].key;
    for (const cJSON *it = o->child; it; it = it->next) {
        const pfield *f = NULL;
        for (size_t i = 0; i < N_CLASS_FIELDS && !f; i++)
            if (!strcmp(it->string, CLASS_FIELDS[i].key)) f = &CLASS_FIELDS[i];
        if (!f) return unknown_key(r, path, it->string, names, N_CLASS_FIELDS);
        char p2[160];
        snprintf(p2, sizeof p2, "%.120s.%.30s", path, f->key);
        double v, s;
        llmcap_status st = read_param(r, p2, it, f, &v, &s);
        if (st) return st;
        *dfield(bp, f->off) = v;
        *dfield(se, f->off) = f->has_stderr ? s : 0;
    }
    return LLMCAP_OK;
}

/* {"gpu": {...}, "apple": {...}} */
static llmcap_status read_kinds(const rd *r, const char *path, const cJSON *o, llmcap_backend_params *kind,
                                llmcap_backend_params *kind_se)
{
    if (!cJSON_IsObject(o)) return bad(r, LLMCAP_ERR_INVALID_ARG, path, "must be an object of device classes (gpu, apple, igpu, cpu)");
    for (const cJSON *it = o->child; it; it = it->next) {
        const int k = kind_index(it->string);
        if (k < 0) return unknown_key(r, path, it->string, KIND_NAMES, LLMCAP_HW_KIND_COUNT);
        char p2[160];
        snprintf(p2, sizeof p2, "%.90s.%.60s", path, it->string);
        llmcap_status st = read_class(r, p2, it, &kind[k], &kind_se[k]);
        if (st) return st;
    }
    return LLMCAP_OK;
}

static bool engine_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(((llmcap_engine_profile *)0)->engine)) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._/-+", s[i])) return false;
    return strcmp(s, "llama.cpp") != 0;
}

/* brackets and braces left open at the end of the text (strings skipped): > 0 = truncated */
static int open_brackets(const char *t, size_t len)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        const char c = t[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
        } else if (c == '"') in_str = true;
        else if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') depth--;
    }
    return depth;
}

/* line of a position in the text (1-based) */
static int line_of(const char *text, size_t len, const char *pos)
{
    int line = 1;
    for (const char *p = text; p < text + len && p < pos; p++)
        if (*p == '\n') line++;
    return line;
}

llmcap_status llmcap_profile_from_json(const char *json, size_t len, const char *name, llmcap_profile *out,
                                       llmcap_error *err)
{
    const rd r = {.label = name && name[0] ? name : "profile", .err = err};
    if (!json) return bad(&r, LLMCAP_ERR_INVALID_ARG, "", "no text");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (!root) {
        const char *pos = end ? end : cJSON_GetErrorPtr();
        if (!pos || pos < json || pos > json + len) pos = json + len;
        if (pos >= json + len || open_brackets(json, len) > 0)
            return llmcap_set_error(err, LLMCAP_ERR_PARSE, "%.200s: not valid JSON (the text ends early: truncated?)",
                                    r.label);
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "%.200s: line %d: not valid JSON near '%.20s'", r.label,
                                line_of(json, len, pos), pos);
    }
    llmcap_status st = LLMCAP_OK;
    llmcap_profile p = *llmcap_profile_handset();
    memset(p.name, 0, sizeof p.name);
    if (!cJSON_IsObject(root)) { st = bad(&r, LLMCAP_ERR_INVALID_ARG, "", "a profile must be a JSON object"); goto done; }
    static const char *const TOP[] = {"format", "name", "created", "description", "classes", "global", "engines",
                                      "source", "fit", "loho"};
    for (const cJSON *it = root->child; it && !st; it = it->next) {
        const char *k = it->string;
        if (!strcmp(k, "format")) {
            if (!cJSON_IsString(it) || strcmp(it->valuestring, PROFILE_FORMAT))
                st = bad(&r, LLMCAP_ERR_INVALID_ARG, "format", "must be \"" PROFILE_FORMAT "\"");
        } else if (!strcmp(k, "name") || !strcmp(k, "created") || !strcmp(k, "description")) {
            const size_t cap = !strcmp(k, "name") ? sizeof p.name : !strcmp(k, "created") ? sizeof p.created : 4096;
            if (!cJSON_IsString(it)) st = bad(&r, LLMCAP_ERR_INVALID_ARG, k, "must be a string");
            else if (strlen(it->valuestring) >= cap)
                st = bad(&r, LLMCAP_ERR_INVALID_ARG, k, "is too long (at most %zu characters)", cap - 1);
            else if (!strcmp(k, "name")) memcpy(p.name, it->valuestring, strlen(it->valuestring) + 1);
            else if (!strcmp(k, "created")) memcpy(p.created, it->valuestring, strlen(it->valuestring) + 1);
        } else if (!strcmp(k, "classes")) {
            st = read_kinds(&r, "classes", it, p.kind, p.kind_stderr);
        } else if (!strcmp(k, "global")) {
            if (!cJSON_IsObject(it)) { st = bad(&r, LLMCAP_ERR_INVALID_ARG, "global", "must be an object"); break; }
            const char *names[N_GLOBAL_FIELDS];
            for (size_t i = 0; i < N_GLOBAL_FIELDS; i++) names[i] = GLOBAL_FIELDS[i].key;
            for (const cJSON *g = it->child; g && !st; g = g->next) {
                const pfield *f = NULL;
                for (size_t i = 0; i < N_GLOBAL_FIELDS && !f; i++)
                    if (!strcmp(g->string, GLOBAL_FIELDS[i].key)) f = &GLOBAL_FIELDS[i];
                if (!f) { st = unknown_key(&r, "global", g->string, names, N_GLOBAL_FIELDS); break; }
                char p2[160];
                snprintf(p2, sizeof p2, "global.%s", f->key);
                st = read_param(&r, p2, g, f, dfield(&p, f->off), dfield(&p, f->stderr_off));
            }
        } else if (!strcmp(k, "engines")) {
            if (!cJSON_IsObject(it)) { st = bad(&r, LLMCAP_ERR_INVALID_ARG, "engines", "must be an object of engine sections"); break; }
            for (const cJSON *e = it->child; e && !st; e = e->next) {
                if (!engine_name_ok(e->string)) {
                    st = bad(&r, LLMCAP_ERR_INVALID_ARG, "engines", "'%.60s' is not an engine name (1-47 of A-Z a-z 0-9 . _ / - +; not llama.cpp)",
                             e->string);
                    break;
                }
                for (uint32_t i = 0; i < p.n_engines; i++)
                    if (!strcmp(p.engines[i].engine, e->string)) st = bad(&r, LLMCAP_ERR_INVALID_ARG, "engines", "'%s' is given twice", e->string);
                if (st) break;
                if (p.n_engines == LLMCAP_PROFILE_MAX_ENGINES) {
                    st = bad(&r, LLMCAP_ERR_INVALID_ARG, "engines", "more than %d engine sections", LLMCAP_PROFILE_MAX_ENGINES);
                    break;
                }
                llmcap_engine_profile *ep = &p.engines[p.n_engines++];
                memset(ep, 0, sizeof *ep);
                snprintf(ep->engine, sizeof ep->engine, "%s", e->string);
                /* an engine's classes start from the hand-set constants too */
                memcpy(ep->kind, llmcap_profile_handset()->kind, sizeof ep->kind);
                char p2[96];
                snprintf(p2, sizeof p2, "engines.%s", e->string);
                st = read_kinds(&r, p2, e, ep->kind, ep->kind_stderr);
            }
        } else if (!strcmp(k, "source") || !strcmp(k, "fit") || !strcmp(k, "loho")) {
            if (!cJSON_IsObject(it)) st = bad(&r, LLMCAP_ERR_INVALID_ARG, k, "must be an object (the calibration's report)");
        } else {
            st = unknown_key(&r, "", k, TOP, sizeof TOP / sizeof TOP[0]);
        }
    }
    if (!st && !p.name[0]) {
        /* no "name": the file's base name */
        const char *b = strrchr(r.label, '/');
        snprintf(p.name, sizeof p.name, "%.63s", b ? b + 1 : r.label);
    }
    if (!st) *out = p;
done:
    cJSON_Delete(root);
    return st;
}

llmcap_status llmcap_profile_load_file(const char *path, llmcap_profile *out, llmcap_error *err)
{
    char *text = NULL;
    size_t len = 0;
    llmcap_status st = llmcap_read_file(path, &text, &len, err);
    if (st) return st;
    st = llmcap_profile_from_json(text, len, path, out, err);
    free(text);
    return st;
}

/* ----------------------------------------------------------------- write */

/* A number that reads back as the same double: the shortest of %.15g, %.16g,
 * %.17g that does (cJSON's own printer accepts a difference of one epsilon,
 * which would make a profile drift by a bit per round trip). */
static void add_exact(cJSON *o, const char *key, double v)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (!isfinite(v)) snprintf(buf, sizeof buf, "0"); /* cannot happen: values are bounds-checked */
    cJSON_AddRawToObject(o, key, buf);
}

static void add_param(cJSON *o, const pfield *f, double v, double se)
{
    if (!f->has_stderr) { add_exact(o, f->key, v); return; }
    cJSON *po = cJSON_AddObjectToObject(o, f->key);
    add_exact(po, "value", v);
    if (se > 0) add_exact(po, "stderr", se);
}

static cJSON *kinds_to_json(const llmcap_backend_params *kind, const llmcap_backend_params *kind_se)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; o && k < LLMCAP_HW_KIND_COUNT; k++) {
        cJSON *c = cJSON_AddObjectToObject(o, KIND_NAMES[k]);
        for (size_t i = 0; c && i < N_CLASS_FIELDS; i++)
            add_param(c, &CLASS_FIELDS[i], dget(&kind[k], CLASS_FIELDS[i].off), dget(&kind_se[k], CLASS_FIELDS[i].off));
    }
    return o;
}

cJSON *llmcap_profile_to_cjson(const llmcap_profile *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "format", PROFILE_FORMAT);
    cJSON_AddStringToObject(o, "name", p->name);
    if (p->created[0]) cJSON_AddStringToObject(o, "created", p->created);
    cJSON_AddItemToObject(o, "classes", kinds_to_json(p->kind, p->kind_stderr));
    cJSON *g = cJSON_AddObjectToObject(o, "global");
    for (size_t i = 0; g && i < N_GLOBAL_FIELDS; i++)
        add_param(g, &GLOBAL_FIELDS[i], dget(p, GLOBAL_FIELDS[i].off), dget(p, GLOBAL_FIELDS[i].stderr_off));
    if (p->n_engines) {
        cJSON *e = cJSON_AddObjectToObject(o, "engines");
        for (uint32_t i = 0; e && i < p->n_engines && i < LLMCAP_PROFILE_MAX_ENGINES; i++)
            cJSON_AddItemToObject(e, p->engines[i].engine, kinds_to_json(p->engines[i].kind, p->engines[i].kind_stderr));
    }
    return o;
}

char *llmcap_profile_to_json(const llmcap_profile *p, bool pretty)
{
    cJSON *o = llmcap_profile_to_cjson(p);
    if (!o) return NULL;
    char *txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

/* ------------------------------------------------------- default, lookup */

static llmcap_profile g_default;
static pthread_once_t g_default_once = PTHREAD_ONCE_INIT;

static void load_default(void)
{
    llmcap_error err = {0};
    if (llmcap_profile_from_json(llmcap_profile_json, llmcap_profile_json_len, "data/profile.json", &g_default, &err))
        g_default = *llmcap_profile_handset(); /* cannot happen with a tested build (test_calibrate) */
}

const llmcap_profile *llmcap_profile_default(void)
{
    pthread_once(&g_default_once, load_default);
    return &g_default;
}

const llmcap_backend_params *llmcap_profile_class(const llmcap_profile *p, const char *engine, llmcap_hw_kind k)
{
    if ((unsigned)k >= LLMCAP_HW_KIND_COUNT) return NULL;
    if (!engine || !engine[0] || !strcmp(engine, "llama.cpp")) return &p->kind[k];
    for (uint32_t i = 0; i < p->n_engines && i < LLMCAP_PROFILE_MAX_ENGINES; i++)
        if (!strcmp(p->engines[i].engine, engine)) return &p->engines[i].kind[k];
    return NULL;
}

#define PROFILE_CACHE_MAX 16
static struct { char path[1024]; llmcap_profile *p; } g_cache[PROFILE_CACHE_MAX];
static size_t g_n_cache;

llmcap_status llmcap_profile_load_cached(const char *path, const llmcap_profile **out, llmcap_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < g_n_cache; i++)
        if (!strcmp(g_cache[i].path, path)) { *out = g_cache[i].p; return LLMCAP_OK; }
    if (strlen(path) >= sizeof g_cache[0].path)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "profile: path is too long");
    if (g_n_cache == PROFILE_CACHE_MAX)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "profile: more than %d profile files in one run",
                                PROFILE_CACHE_MAX);
    llmcap_profile *p = malloc(sizeof *p);
    if (!p) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "profile: out of memory");
    llmcap_status st = llmcap_profile_load_file(path, p, err);
    if (st) { free(p); return st; }
    snprintf(g_cache[g_n_cache].path, sizeof g_cache[0].path, "%s", path);
    g_cache[g_n_cache++].p = p;
    *out = p;
    return LLMCAP_OK;
}

llmcap_status llmcap_profile_engine_error(const llmcap_profile *p, const char *engine, llmcap_error *err)
{
    char list[256] = "llama.cpp";
    size_t n = strlen(list);
    for (uint32_t i = 0; i < p->n_engines && i < LLMCAP_PROFILE_MAX_ENGINES && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, ", %s", p->engines[i].engine);
    return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "profile '%s' has no engine section '%.60s' (engines: %s)",
                            p->name, engine, list);
}

double *llmcap_profile_field(llmcap_profile *p, const char *section, int kind, const char *field, double **stderr_out)
{
    if (stderr_out) *stderr_out = NULL;
    if (kind < 0) {
        for (size_t i = 0; i < N_GLOBAL_FIELDS; i++)
            if (!strcmp(field, GLOBAL_FIELDS[i].key)) {
                if (stderr_out) *stderr_out = dfield(p, GLOBAL_FIELDS[i].stderr_off);
                return dfield(p, GLOBAL_FIELDS[i].off);
            }
        return NULL;
    }
    if (kind >= LLMCAP_HW_KIND_COUNT) return NULL;
    llmcap_backend_params *bp = p->kind, *se = p->kind_stderr;
    if (section && section[0] && strcmp(section, "llama.cpp")) {
        bp = NULL;
        for (uint32_t i = 0; i < p->n_engines && i < LLMCAP_PROFILE_MAX_ENGINES; i++)
            if (!strcmp(p->engines[i].engine, section)) { bp = p->engines[i].kind; se = p->engines[i].kind_stderr; }
        if (!bp) return NULL;
    }
    for (size_t i = 0; i < N_CLASS_FIELDS; i++)
        if (!strcmp(field, CLASS_FIELDS[i].key)) {
            if (stderr_out) *stderr_out = dfield(&se[kind], CLASS_FIELDS[i].off);
            return dfield(&bp[kind], CLASS_FIELDS[i].off);
        }
    return NULL;
}
