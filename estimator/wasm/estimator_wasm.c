/* estimator_wasm.c - the estimator's exports for WebAssembly (one glue file,
 * exports listed explicitly in estimator/wasm/estimator_wasm.mk). JS passes
 * JSON strings in and gets JSON strings back, never struct layouts; the JS
 * API over these calls is estimator/wasm/estimator.js.
 *
 * Conventions of every call:
 *   - a returned `const char *` is owned here and stays valid until the next
 *     call that returns a string (JS copies it at once with UTF8ToString);
 *   - NULL (or NaN for numbers) means failure: llmcap_wasm_last_error() then
 *     gives the library's one-line message, the same text the CLI prints after
 *     "llmcap: ", and llmcap_wasm_last_need_bytes() how many bytes of a GGUF
 *     file a cut-short header needs (0 otherwise).
 * The data (data/hardware.json, data/models.json) is embedded
 * (build/gen/data_embed.c, tools/embed.c), so the module needs no fetch.
 *
 * The file is plain C: estimator/wasm/native_driver.c links it natively too,
 * to compare the WASM module with native code in tests and benchmarks. */
#include "estimator_wasm.h"
#include "llmcap_runs.h"

#include "types.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char llmcap_hardware_json[];
extern const unsigned long llmcap_hardware_json_len;
extern const char llmcap_models_json[];
extern const unsigned long llmcap_models_json_len;

#define GGUF_TOKEN "@gguf"   /* opts {gguf: '@gguf'}: the header given to llmcap_wasm_set_gguf */
#define HF_TOKEN   "@hf"     /* opts {hf_config: '@hf'}: the text given to llmcap_wasm_set_hf_config */
#define PROFILE_TOKEN "@profile" /* opts {profile: '@profile'}: the profile given to llmcap_wasm_set_profile */
#define MAX_CACHED_MODELS 16 /* models from data ids kept resolved between calls */

typedef struct cached_model {
    char id[128];
    llmcap_model *m;
} cached_model;

static struct {
    llmcap_db *db;
    char *out;                  /* the last returned string (ours) */
    llmcap_error err;           /* the last failure */
    size_t need_bytes;          /* GGUF: bytes a cut-short header needs; 0 = none */
    cached_model cache[MAX_CACHED_MODELS];
    size_t n_cache, next_evict;
    llmcap_model *gguf;         /* from llmcap_wasm_set_gguf */
    char gguf_name[256];
    llmcap_model *hf;           /* from llmcap_wasm_set_hf_config */
    char hf_name[256];
    llmcap_profile *profile;    /* from llmcap_wasm_set_profile; NULL = none given */
} G;

static void clear_error(void)
{
    G.err.status = LLMCAP_OK;
    G.err.msg[0] = 0;
    G.need_bytes = 0;
}

static const char *fail(llmcap_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fail(llmcap_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    G.err.status = st;
    vsnprintf(G.err.msg, sizeof G.err.msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* take ownership of a malloc'd/cJSON string and return it */
static const char *give(char *s)
{
    cJSON_free(G.out);
    G.out = s;
    if (!s) return fail(LLMCAP_ERR_NOMEM, "%s", "out of memory");
    return s;
}

const char *llmcap_wasm_last_error(void) { return G.err.msg; }
int llmcap_wasm_last_status(void) { return (int)G.err.status; }
double llmcap_wasm_last_need_bytes(void) { return (double)G.need_bytes; }
const char *llmcap_wasm_version(void) { return llmcap_version(); }

int llmcap_wasm_init(void)
{
    clear_error();
    if (G.db) return 0;
    llmcap_status st = llmcap_db_load_json(llmcap_hardware_json, llmcap_hardware_json_len, "data/hardware.json",
                                           llmcap_models_json, llmcap_models_json_len, "data/models.json", &G.db,
                                           &G.err);
    return (int)st;
}

const char *llmcap_wasm_options(void)
{
    clear_error();
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < llmcap_option_count(); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", llmcap_option_name(i));
        cJSON_AddStringToObject(o, "cli", llmcap_option_cli(i));
        cJSON_AddStringToObject(o, "help", llmcap_option_help(i));
        cJSON_AddItemToArray(arr, o);
    }
    char *txt = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return give(txt);
}

const char *llmcap_wasm_list(const char *kind, int pretty)
{
    clear_error();
    if (llmcap_wasm_init()) return NULL;
    char *txt = NULL;
    if (llmcap_list_json(G.db, kind, pretty != 0, &txt, &G.err)) return NULL;
    return give(txt);
}

/* ------------------------------------------------------------ requests */

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* Apply a JSON object of options ({"model": "llama-3.1-8b", "ctx": "8192", ...};
 * keys are option names or CLI spellings) in the object's order, as the CLI
 * applies argv. Strings are used as given; numbers and booleans as `sweep
 * --in` reads them (true/false -> on/off). */
static llmcap_status parse_opts(const char *opts_json, llmcap_request *rq)
{
    llmcap_request_init(rq);
    cJSON *o = cJSON_Parse(opts_json ? opts_json : "{}");
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        fail(LLMCAP_ERR_PARSE, "%s", "options must be a JSON object of option names and values");
        return LLMCAP_ERR_PARSE;
    }
    llmcap_status st = LLMCAP_OK;
    for (cJSON *it = o->child; it && !st; it = it->next) {
        char val[1100];
        const char *v = val;
        if (cJSON_IsString(it)) v = it->valuestring;
        else if (cJSON_IsBool(it)) snprintf(val, sizeof val, "%s", cJSON_IsTrue(it) ? "on" : "off");
        else if (cJSON_IsNumber(it)) {
            double d = it->valuedouble;
            if (d == floor(d) && fabs(d) < 1e15) snprintf(val, sizeof val, "%.0f", d);
            else snprintf(val, sizeof val, "%.17g", d);
        } else v = NULL; /* null, arrays, objects: "missing value" */
        st = llmcap_request_set(rq, it->string, v, &G.err);
    }
    cJSON_Delete(o);
    return st;
}

static llmcap_model *model_by_id(const char *id)
{
    for (size_t i = 0; i < G.n_cache; i++)
        if (!strcmp(G.cache[i].id, id)) return G.cache[i].m;
    return NULL;
}

/* Resolve a request as `llmcap estimate` does (llmcap_request_resolve, same
 * checks in the same order), with the model from the cache, or the GGUF /
 * config.json given earlier for '@gguf' / '@hf'. *label: the model's label. */
static llmcap_status resolve(llmcap_request *rq, llmcap_model **m, const char **label)
{
    *m = NULL;
    if (llmcap_wasm_init()) return G.err.status;
    const int given = (rq->model[0] != 0) + (rq->gguf[0] != 0) + (rq->hf_config[0] != 0);
    if (given == 0) {
        fail(LLMCAP_ERR_INVALID_ARG, "%s", "no model given: use --model ID, --gguf FILE or --hf-config FILE");
        return G.err.status;
    }
    if (given > 1) {
        fail(LLMCAP_ERR_INVALID_ARG, "%s", "give only one of --model, --gguf and --hf-config");
        return G.err.status;
    }
    /* a profile: the one given to llmcap_wasm_set_profile (there are no files here) */
    const bool want_profile = rq->profile[0] != 0;
    if (want_profile) {
        if (strcmp(rq->profile, PROFILE_TOKEN)) {
            fail(LLMCAP_ERR_INVALID_ARG, "profile: '%.200s': there are no files here; give the text with setProfile() and use '" PROFILE_TOKEN "'", rq->profile);
            return G.err.status;
        }
        if (!G.profile) {
            fail(LLMCAP_ERR_INVALID_ARG, "%s", "profile: no profile given yet (setProfile)");
            return G.err.status;
        }
        rq->profile[0] = 0;
        rq->params.profile = G.profile;
    }
    llmcap_status st = llmcap_request_resolve_params(G.db, rq, &G.err);
    if (st) return st;
    if (rq->gguf[0]) {
        if (strcmp(rq->gguf, GGUF_TOKEN)) {
            fail(LLMCAP_ERR_INVALID_ARG, "gguf: '%.200s': there are no files here; give the header with setGguf() and use '" GGUF_TOKEN "'", rq->gguf);
            return G.err.status;
        }
        if (!G.gguf) {
            fail(LLMCAP_ERR_INVALID_ARG, "%s", "gguf: no GGUF header given yet (setGguf)");
            return G.err.status;
        }
        *m = G.gguf;
        *label = base_name(G.gguf_name);
        return LLMCAP_OK;
    }
    if (rq->hf_config[0]) {
        if (strcmp(rq->hf_config, HF_TOKEN)) {
            fail(LLMCAP_ERR_INVALID_ARG, "hf_config: '%.200s': there are no files here; give the text with setHfConfig() and use '" HF_TOKEN "'", rq->hf_config);
            return G.err.status;
        }
        if (!G.hf) {
            fail(LLMCAP_ERR_INVALID_ARG, "%s", "hf_config: no config.json given yet (setHfConfig)");
            return G.err.status;
        }
        *m = G.hf;
        *label = base_name(G.hf_name);
        return LLMCAP_OK;
    }
    *label = rq->model;
    if ((*m = model_by_id(rq->model))) return LLMCAP_OK;
    st = llmcap_request_load_model(G.db, rq, m, &G.err);
    if (st) return st;
    /* keep it: a small cache, oldest replaced first */
    size_t slot = G.n_cache < MAX_CACHED_MODELS ? G.n_cache++ : (G.next_evict++ % MAX_CACHED_MODELS);
    llmcap_model_free(G.cache[slot].m);
    snprintf(G.cache[slot].id, sizeof G.cache[slot].id, "%s", rq->model);
    G.cache[slot].m = *m;
    return LLMCAP_OK;
}

const char *llmcap_wasm_estimate(const char *opts_json, int pretty)
{
    clear_error();
    llmcap_request rq;
    llmcap_model *m;
    const char *label = "";
    if (parse_opts(opts_json, &rq) || resolve(&rq, &m, &label)) return NULL;
    llmcap_result r;
    if (llmcap_estimate(m, &rq.params, &r, &G.err)) return NULL;
    return give(llmcap_estimate_json(m, label, &rq.params, &r, pretty != 0));
}

const char *llmcap_wasm_fit(const char *opts_json, int pretty)
{
    clear_error();
    llmcap_request rq;
    llmcap_model *m;
    const char *label = "";
    if (parse_opts(opts_json, &rq) || resolve(&rq, &m, &label)) return NULL;
    llmcap_fit_result fr;
    if (llmcap_fit(m, &rq.params, &fr, &G.err)) return NULL;
    return give(llmcap_fit_json(label, &rq.params, &fr, pretty != 0));
}

/* {"name", "arch", "n_layer", "n_ctx_train", "params", "params_active", "n_tensors", "exact", "file_type"} */
static const char *model_summary(const llmcap_model *m, const char *label)
{
    const llmcap_model_spec *s = llmcap_model_spec_get(m);
    cJSON *o = cJSON_CreateObject();
    if (!o) return give(NULL);
    cJSON_AddStringToObject(o, "label", label);
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "arch", s->arch);
    cJSON_AddNumberToObject(o, "n_layer", s->n_layer);
    cJSON_AddNumberToObject(o, "n_ctx_train", s->n_ctx_train);
    cJSON_AddNumberToObject(o, "n_expert", s->n_expert);
    cJSON_AddNumberToObject(o, "params", llmcap_model_n_params(m));
    cJSON_AddNumberToObject(o, "n_tensors", (double)llmcap_model_n_tensors(m));
    cJSON_AddBoolToObject(o, "exact", llmcap_model_is_exact(m));
    const int ft = llmcap_model_file_ftype(m);
    if (ft >= 0 && gguf_ftype_name(ft)) cJSON_AddStringToObject(o, "file_type", gguf_ftype_name(ft));
    else cJSON_AddNullToObject(o, "file_type");
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return give(txt);
}

const char *llmcap_wasm_set_gguf(const void *buf, size_t len, double file_size, const char *name)
{
    clear_error();
    if (!(file_size >= (double)len) || !(file_size < 1.8e19) || file_size != floor(file_size))
        return fail(LLMCAP_ERR_INVALID_ARG, "%s", "gguf: the file size must be an integer >= the bytes given");
    llmcap_model *m = NULL;
    size_t need = 0;
    llmcap_status st = llmcap_model_from_gguf_memory(buf, len, (uint64_t)file_size, &need, &m, &G.err);
    if (st) {
        if (need > len) {
            /* only a prefix was given: say how much more to read (the page reads a larger slice) */
            char msg[sizeof G.err.msg];
            snprintf(msg, sizeof msg, "%.200s: the first %zu bytes do not hold the whole header; more bytes are needed: give at least %zu (%.300s)",
                     name && name[0] ? name : "gguf", len, need, G.err.msg);
            memcpy(G.err.msg, msg, sizeof msg);
            G.need_bytes = need;
        }
        return NULL;
    }
    /* as llmcap_model_from_gguf_file: a file without general.name is named after the file */
    snprintf(G.gguf_name, sizeof G.gguf_name, "%s", name && name[0] ? name : "model.gguf");
    llmcap_model_spec *s = (llmcap_model_spec *)llmcap_model_spec_get(m);
    if (!s->name[0]) snprintf(s->name, sizeof s->name, "%.95s", base_name(G.gguf_name));
    llmcap_model_free(G.gguf);
    G.gguf = m;
    return model_summary(m, base_name(G.gguf_name));
}

const char *llmcap_wasm_set_hf_config(const char *text, size_t len, const char *name)
{
    clear_error();
    const char *nm = name && name[0] ? name : "config.json";
    llmcap_model_spec spec;
    llmcap_status st = llmcap_spec_from_hf_config(text, len, &spec, &G.err);
    if (st) {
        /* the CLI's message: "PATH: problem" (llmcap_request_load_model) */
        char tmp[sizeof G.err.msg];
        snprintf(tmp, sizeof tmp, "%.200s: %.300s", nm, G.err.msg);
        memcpy(G.err.msg, tmp, sizeof tmp);
        return NULL;
    }
    llmcap_model *m = NULL;
    if (llmcap_model_from_spec(&spec, &m, &G.err)) return NULL;
    snprintf(G.hf_name, sizeof G.hf_name, "%s", nm);
    llmcap_model_free(G.hf);
    G.hf = m;
    return model_summary(m, base_name(G.hf_name));
}

/* {"name", "created", "engines": [...], "classes": {"gpu": {"decode_pi_log", "prefill_pi_log"}, ...}} of a profile */
static const char *profile_summary(const llmcap_profile *p)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return give(NULL);
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "created", p->created);
    cJSON *e = cJSON_AddArrayToObject(o, "engines");
    cJSON_AddItemToArray(e, cJSON_CreateString("llama.cpp"));
    for (uint32_t i = 0; i < p->n_engines && i < LLMCAP_PROFILE_MAX_ENGINES; i++)
        cJSON_AddItemToArray(e, cJSON_CreateString(p->engines[i].engine));
    cJSON *c = cJSON_AddObjectToObject(o, "classes");
    for (int k = 0; k < LLMCAP_HW_KIND_COUNT; k++) {
        cJSON *ck = cJSON_AddObjectToObject(c, llmcap_hw_kind_name((llmcap_hw_kind)k));
        cJSON_AddNumberToObject(ck, "decode_pi_log", p->kind[k].decode_pi_log);
        cJSON_AddNumberToObject(ck, "prefill_pi_log", p->kind[k].prefill_pi_log);
    }
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return give(txt);
}

const char *llmcap_wasm_set_profile(const char *text, size_t len, const char *name)
{
    clear_error();
    if (!text || len == 0) { /* clear: the default again */
        free(G.profile);
        G.profile = NULL;
        return profile_summary(llmcap_profile_default());
    }
    llmcap_profile *p = malloc(sizeof *p);
    if (!p) return fail(LLMCAP_ERR_NOMEM, "%s", "profile: out of memory");
    if (llmcap_profile_from_json(text, len, name && name[0] ? name : "profile.json", p, &G.err)) {
        free(p);
        return NULL;
    }
    free(G.profile);
    G.profile = p;
    return profile_summary(p);
}

const char *llmcap_wasm_default_profile(void)
{
    clear_error();
    return give(llmcap_profile_to_json(llmcap_profile_default(), false));
}

/* ------------------------------------------------------ classic calls */

/* JS numbers for uint32_t parameters: an integer in 0..2^32-1, else -1 */
static int64_t as_u32(double x) { return (x >= 0 && x <= 4294967295.0 && x == floor(x)) ? (int64_t)x : -1; }

double llmcap_wasm_classic_vram_bytes(double params_b, double bits_per_weight, double n_ctx, double batch)
{
    const int64_t c = as_u32(n_ctx), b = as_u32(batch);
    if (c < 0 || b < 0) return NAN;
    return llmcap_classic_vram_bytes(params_b, bits_per_weight, (uint32_t)c, (uint32_t)b);
}

double llmcap_wasm_classic_tok_s(double bandwidth_gbps, double model_bytes, double cpu_factor)
{
    return llmcap_classic_tok_s(bandwidth_gbps, model_bytes, cpu_factor);
}

int llmcap_wasm_classic_tok_s_curve(double bandwidth_gbps, double params_b, const double *bits, double n, double *out)
{
    const int64_t k = as_u32(n);
    if (k < 0 || k > 1000000) return 0;
    return llmcap_classic_tok_s_curve(bandwidth_gbps, params_b, bits, (size_t)k, out) ? 1 : 0;
}

double llmcap_wasm_classic_offload_bandwidth_gbps(double gpu_bw_gbps, double ram_bw_gbps, double gpu_layers,
                                                  double total_layers)
{
    const int64_t g = as_u32(gpu_layers), t = as_u32(total_layers);
    if (g < 0 || t < 0) return NAN;
    return llmcap_classic_offload_bandwidth_gbps(gpu_bw_gbps, ram_bw_gbps, (uint32_t)g, (uint32_t)t);
}

const char *llmcap_wasm_classic_oom_check(double model_bytes, double vram_bytes, double ram_bytes, int allow_offload)
{
    return llmcap_oom_name(llmcap_classic_oom_check(model_bytes, vram_bytes, ram_bytes, allow_offload != 0));
}

double llmcap_wasm_classic_cpu_factor(double n_threads, double n_cores)
{
    const int64_t t = as_u32(n_threads), c = as_u32(n_cores);
    if (t < 0 || c < 0) return NAN;
    return llmcap_classic_cpu_factor((uint32_t)t, (uint32_t)c);
}

/* ----------------------------------------------------------- benchmark */

/* The estimator's inner loop, as bench/speed.c measures it natively: full
 * estimates (llmcap_estimate) of five model/hardware cases, n_ctx, depth and
 * n_gpu_layers varying per call. Runs reps x 1000 calls per case (5000 x reps
 * in all) and returns a checksum (the sum of decode tokens/s), or NaN on
 * failure; the caller times it (performance.now() in JS, clock_gettime natively). */
double llmcap_wasm_bench_estimates(double reps)
{
    clear_error();
    if (llmcap_wasm_init()) return NAN;
    static const char *const cases[][2] = {
        {"llama-3.1-8b", "rtx-4090"}, {"llama-3.1-70b", "rtx-3090"}, {"qwen3-30b-a3b", "apple-m2-ultra"},
        {"deepseek-v3", "h200-sxm"}, {"gemma-3-27b", "cpu-ddr5-6400-2ch"},
    };
    const size_t nc = sizeof cases / sizeof cases[0];
    llmcap_model *models[sizeof cases / sizeof cases[0]];
    llmcap_params params[sizeof cases / sizeof cases[0]];
    for (size_t c = 0; c < nc; c++) {
        const llmcap_model_spec *spec = llmcap_db_lookup_model(G.db, cases[c][0], &G.err);
        const llmcap_hardware *hw = llmcap_db_lookup_hardware(G.db, cases[c][1], &G.err);
        if (!spec || !hw || llmcap_model_from_spec(spec, &models[c], &G.err)) {
            for (size_t k = 0; k < c; k++) llmcap_model_free(models[k]);
            return NAN;
        }
        params[c] = llmcap_params_default();
        params[c].gpu = *hw;
        params[c].ftype = GGUF_FTYPE_Q4_K_M;
        params[c].n_gpu = c == 3 ? 8 : c == 1 ? 2 : 1;
    }
    double sum = 0;
    llmcap_result r;
    const long per_case = reps >= 1 && reps < 1e9 ? (long)reps : 1;
    for (size_t c = 0; c < nc && !isnan(sum); c++) {
        llmcap_params *p = &params[c];
        for (long rep = 0; rep < per_case && !isnan(sum); rep++) {
            for (int k = 0; k < 1000; k++) {
                p->n_ctx = 2048u + (uint32_t)(k & 63) * 512u;
                p->depth = (uint32_t)(k & 7) * 256u;
                p->n_gpu_layers = (k & 15) == 15 ? 20 : -1;
                if (llmcap_estimate(models[c], p, &r, &G.err)) { sum = NAN; break; }
                sum += r.speed.decode_tok_s;
            }
        }
    }
    for (size_t c = 0; c < nc; c++) llmcap_model_free(models[c]);
    return sum;
}
