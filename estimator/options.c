/* options.c - one table of option names shared by the CLI, `sweep --in`
 * JSON objects and (later) the WASM API: canonical JSON keys, the command-line
 * spellings (llama.cpp's where it has one: -c, -b, -ub, -np, -ctk, -ctv, -fa,
 * -ngl, -p, -n, -t), strict value parsing, and resolution against the data. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

typedef enum opt_kind { OPT_STR, OPT_U32, OPT_NGL, OPT_F64, OPT_BOOL, OPT_KVTYPE } opt_kind;

typedef struct opt_def {
    const char *key;    /* canonical JSON key */
    const char *cli;    /* command-line spellings, comma separated (first = long form) */
    opt_kind kind;
    double lo, hi;      /* numeric range */
    const char *help;
} opt_def;

static const opt_def OPTS[] = {
    {"model", "model,m", OPT_STR, 0, 0, "model id or alias from data/models.json (llmcap list models)"},
    {"gguf", "gguf", OPT_STR, 0, 0, "GGUF file: exact tensor types and bytes from its header"},
    {"hf_config", "hf-config", OPT_STR, 0, 0, "Hugging Face config.json of the model"},
    {"hardware", "hardware,hw,H", OPT_STR, 0, 0, "hardware id or alias (llmcap list hardware), or 'custom'"},
    {"n_gpu", "gpus,n-gpu", OPT_U32, 1, LLMCAP_MAX_GPUS, "number of identical GPUs (layer split)"},
    {"host", "host", OPT_STR, 0, 0, "CPU platform id for offloaded layers (default cpu-ddr5-5600-2ch)"},
    {"host_ram_gib", "host-ram-gib,ram-gib", OPT_F64, 0, 1e6, "host RAM, GiB (0 = not checked)"},
    {"quant", "quant,q", OPT_STR, 0, 0, "file type (Q4_K_M, Q8_0, IQ4_XS, F16, ...) or pure:TYPE (every weight TYPE)"},
    {"n_ctx", "ctx,c,n-ctx", OPT_U32, 0, LLMCAP_NCTX_MAX, "context size n_ctx, tokens (0 = model's training context)"},
    {"n_batch", "batch,b,n-batch", OPT_U32, 1, LLMCAP_NCTX_MAX, "logical batch n_batch, tokens (2048)"},
    {"n_ubatch", "ubatch,ub,n-ubatch", OPT_U32, 1, LLMCAP_NCTX_MAX, "physical batch n_ubatch, tokens (512)"},
    {"n_seq", "parallel,np,n-seq", OPT_U32, 1, 65536, "parallel sequences decoding together (1)"},
    {"type_k", "cache-type-k,ctk,type-k", OPT_KVTYPE, 0, 0, "KV cache K type: f32, f16, bf16, q8_0, q4_0, ... (f16)"},
    {"type_v", "cache-type-v,ctv,type-v", OPT_KVTYPE, 0, 0, "KV cache V type (f16); quantized V needs flash attention"},
    {"flash_attn", "flash-attn,fa", OPT_BOOL, 0, 0, "flash attention: on|off (off)"},
    {"n_gpu_layers", "n-gpu-layers,ngl,gpu-layers", OPT_NGL, -1, 100000,
     "layers on the GPU incl. the output layer, or 'all' (all)"},
    {"n_prompt", "prompt,p,n-prompt", OPT_U32, 0, LLMCAP_NCTX_MAX, "prompt tokens for prefill / TTFT (512)"},
    {"n_gen", "gen,n,n-gen", OPT_U32, 0, LLMCAP_NCTX_MAX, "generated tokens (128)"},
    {"depth", "depth,d", OPT_U32, 0, LLMCAP_NCTX_MAX, "tokens already in the KV cache (0)"},
    {"n_threads", "threads,t", OPT_U32, 0, 4096, "CPU threads (0 = enough to saturate RAM bandwidth)"},
    {"gpu_mem_gib", "gpu-mem-gib,mem-gib", OPT_F64, 0, 1e6, "custom hardware: memory, GiB"},
    {"gpu_bw_gbps", "gpu-bw-gbps,bw-gbps", OPT_F64, 0, 1e5, "custom hardware: memory bandwidth, GB/s"},
    {"gpu_tflops", "gpu-tflops,tflops", OPT_F64, 0, 1e6, "custom hardware: dense FP16 TFLOPS"},
    {"profile", "profile", OPT_STR, 0, 0, "calibration profile JSON (llmcap calibrate -o FILE; default: data/profile.json)"},
    {"engine", "engine", OPT_STR, 0, 0,
     "whose speed: llama.cpp (default) or an engine section of the profile (llmcap-engine/webgpu, llmcap-engine/cpu)"},
};
#define N_OPTS (sizeof OPTS / sizeof OPTS[0])

size_t llmcap_option_count(void) { return N_OPTS; }
const char *llmcap_option_name(size_t i) { return i < N_OPTS ? OPTS[i].key : NULL; }
const char *llmcap_option_help(size_t i) { return i < N_OPTS ? OPTS[i].help : NULL; }
const char *llmcap_option_cli(size_t i) { return i < N_OPTS ? OPTS[i].cli : NULL; }

void llmcap_request_init(llmcap_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->params = llmcap_params_default();
}

/* key equality ignoring '-' vs '_' */
static bool key_eq(const char *a, const char *b, size_t blen)
{
    size_t i = 0;
    for (; i < blen && a[i]; i++) {
        char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
        if (x != y) return false;
    }
    return i == blen && a[i] == 0;
}

static const opt_def *find_opt(const char *key)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (key_eq(key, OPTS[i].key, strlen(OPTS[i].key))) return &OPTS[i];
        const char *c = OPTS[i].cli;
        while (*c) {
            const char *e = strchr(c, ',');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            if (key_eq(key, c, len)) return &OPTS[i];
            c += len + (e ? 1 : 0);
        }
    }
    return NULL;
}

static llmcap_status parse_u64(const char *key, const char *v, double lo, double hi, uint64_t *out, llmcap_error *err)
{
    const char *q = v;
    while (isspace((unsigned char)*q)) q++;
    if (*q == '-' || *q == '+' || !isdigit((unsigned char)*q))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: '%s' is not a non-negative integer", key, v);
    errno = 0;
    char *end;
    unsigned long long x = strtoull(q, &end, 10);
    if (errno || *end)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: '%s' is not a valid integer", key, v);
    if ((double)x < lo || (double)x > hi)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s = %s is out of range (%.0f..%.0f)", key, v, lo, hi);
    *out = x;
    return LLMCAP_OK;
}

static llmcap_status parse_f64(const char *key, const char *v, double lo, double hi, double *out, llmcap_error *err)
{
    errno = 0;
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || errno)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: '%s' is not a number", key, v);
    if (!isfinite(x))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: '%s' is not a finite number", key, v);
    if (x < lo || x > hi)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s = %s is out of range (%g..%g)", key, v, lo, hi);
    *out = x;
    return LLMCAP_OK;
}

static llmcap_status set_str(char *dst, size_t cap, const char *key, const char *v, llmcap_error *err)
{
    size_t n = strlen(v);
    if (n == 0) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: empty value", key);
    if (n >= cap) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: value is too long (%zu > %zu)", key, n, cap - 1);
    memcpy(dst, v, n + 1);
    return LLMCAP_OK;
}

llmcap_status llmcap_request_set(llmcap_request *rq, const char *key, const char *value, llmcap_error *err)
{
    const opt_def *o = find_opt(key);
    if (!o) {
        const char *names[N_OPTS];
        for (size_t i = 0; i < N_OPTS; i++) names[i] = OPTS[i].key;
        const char *near[3];
        size_t k = llmcap_nearest_names(key, names, N_OPTS, near, 3);
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown option '%s'%s%s%s%s%s%s", key,
                                k ? "; did you mean " : "", k > 0 ? near[0] : "", k > 1 ? ", " : "",
                                k > 1 ? near[1] : "", k > 2 ? ", " : "", k > 2 ? near[2] : "");
    }
    if (!value) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: missing value", o->key);
    llmcap_params *p = &rq->params;
    uint64_t u = 0;
    double d = 0;
    llmcap_status st = LLMCAP_OK;
    const char *k = o->key;
    switch (o->kind) {
    case OPT_STR:
        if (!strcmp(k, "model")) return set_str(rq->model, sizeof rq->model, k, value, err);
        if (!strcmp(k, "gguf")) return set_str(rq->gguf, sizeof rq->gguf, k, value, err);
        if (!strcmp(k, "hf_config")) return set_str(rq->hf_config, sizeof rq->hf_config, k, value, err);
        if (!strcmp(k, "hardware")) return set_str(rq->hardware, sizeof rq->hardware, k, value, err);
        if (!strcmp(k, "host")) return set_str(rq->host, sizeof rq->host, k, value, err);
        if (!strcmp(k, "quant")) return set_str(rq->quant, sizeof rq->quant, k, value, err);
        if (!strcmp(k, "profile")) return set_str(rq->profile, sizeof rq->profile, k, value, err);
        if (!strcmp(k, "engine")) return set_str(p->engine, sizeof p->engine, k, value, err);
        break;
    case OPT_U32:
        st = parse_u64(k, value, o->lo, o->hi, &u, err);
        if (st) return st;
        if (!strcmp(k, "n_gpu")) p->n_gpu = (uint32_t)u;
        else if (!strcmp(k, "n_ctx")) p->n_ctx = (uint32_t)u;
        else if (!strcmp(k, "n_batch")) p->n_batch = (uint32_t)u;
        else if (!strcmp(k, "n_ubatch")) p->n_ubatch = (uint32_t)u;
        else if (!strcmp(k, "n_seq")) p->n_seq = (uint32_t)u;
        else if (!strcmp(k, "n_prompt")) p->n_prompt = (uint32_t)u;
        else if (!strcmp(k, "n_gen")) p->n_gen = (uint32_t)u;
        else if (!strcmp(k, "depth")) p->depth = (uint32_t)u;
        else if (!strcmp(k, "n_threads")) p->n_threads = (uint32_t)u;
        return LLMCAP_OK;
    case OPT_NGL:
        if (!strcmp(value, "all") || !strcmp(value, "-1")) { p->n_gpu_layers = -1; return LLMCAP_OK; }
        st = parse_u64(k, value, 0, o->hi, &u, err);
        if (st) return st;
        p->n_gpu_layers = (int)u;
        return LLMCAP_OK;
    case OPT_F64:
        st = parse_f64(k, value, o->lo, o->hi, &d, err);
        if (st) return st;
        if (!strcmp(k, "host_ram_gib")) rq->host_ram_gib = d;
        else if (!strcmp(k, "gpu_mem_gib")) rq->gpu_mem_gib = d;
        else if (!strcmp(k, "gpu_bw_gbps")) rq->gpu_bw_gbps = d;
        else if (!strcmp(k, "gpu_tflops")) rq->gpu_tflops = d;
        return LLMCAP_OK;
    case OPT_BOOL:
        if (!strcmp(value, "on") || !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "auto")) p->flash_attn = true;
        else if (!strcmp(value, "off") || !strcmp(value, "0") || !strcmp(value, "false")) p->flash_attn = false;
        else return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: '%s' must be on or off", k, value);
        return LLMCAP_OK;
    case OPT_KVTYPE: {
        int t = gguf_type_from_name(value);
        if (t < 0)
            return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND,
                                    "%s: unknown type '%s' (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)", k, value);
        if (!strcmp(k, "type_k")) p->type_k = t; else p->type_v = t;
        return LLMCAP_OK;
    }
    }
    return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: unhandled option", k);
}

llmcap_status llmcap_parse_quant(const char *name, int *ftype, int *tensor_type, llmcap_error *err)
{
    *ftype = -1;
    *tensor_type = -1;
    const bool pure = !strncasecmp(name, "pure:", 5);
    if (pure) {
        int t = gguf_type_from_name(name + 5);
        if (t >= 0 && t != GGUF_TYPE_Q8_1 && t != GGUF_TYPE_Q8_K && (t < GGUF_TYPE_I8 || t == GGUF_TYPE_BF16 ||
                                                                     t == GGUF_TYPE_IQ1_M || t >= GGUF_TYPE_TQ1_0)) {
            *tensor_type = t;
            return LLMCAP_OK;
        }
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown tensor type '%s' in '%s' (e.g. pure:Q4_K, pure:Q8_0)",
                                name + 5, name);
    }
    int f = gguf_ftype_from_name(name);
    if (f >= 0) { *ftype = f; return LLMCAP_OK; }
    int t = gguf_type_from_name(name);
    if (t >= 0 && gguf_type_get(t) && (gguf_type_get(t)->quantized || t == GGUF_TYPE_F16 || t == GGUF_TYPE_F32 ||
                                       t == GGUF_TYPE_BF16) && t != GGUF_TYPE_Q8_1 && t != GGUF_TYPE_Q8_K) {
        *tensor_type = t;
        return LLMCAP_OK;
    }
    const char *names[GGUF_FTYPE_COUNT];
    size_t n = 0;
    for (int i = 0; i < GGUF_FTYPE_COUNT; i++)
        if (gguf_ftype_name(i)) names[n++] = gguf_ftype_name(i);
    const char *near[3];
    size_t k = llmcap_nearest_names(name, names, n, near, 3);
    return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "unknown quant '%s'%s%s%s%s%s%s", name,
                            k ? "; did you mean " : "", k > 0 ? near[0] : "", k > 1 ? ", " : "", k > 1 ? near[1] : "",
                            k > 2 ? ", " : "", k > 2 ? near[2] : "");
}

llmcap_status llmcap_request_resolve(const llmcap_db *db, llmcap_request *rq, llmcap_model **model, llmcap_error *err)
{
    *model = NULL;
    const int given = (rq->model[0] != 0) + (rq->gguf[0] != 0) + (rq->hf_config[0] != 0);
    if (given == 0)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "no model given: use --model ID, --gguf FILE or --hf-config FILE");
    if (given > 1)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "give only one of --model, --gguf and --hf-config");
    llmcap_status st = llmcap_request_resolve_params(db, rq, err);
    if (st) return st;
    return llmcap_request_load_model(db, rq, model, err);
}

llmcap_status llmcap_request_resolve_params(const llmcap_db *db, llmcap_request *rq, llmcap_error *err)
{
    llmcap_params *p = &rq->params;

    /* hardware */
    const bool custom = rq->gpu_bw_gbps > 0 || rq->gpu_mem_gib > 0 || rq->gpu_tflops > 0;
    if (!rq->hardware[0] || !strcmp(rq->hardware, "custom")) {
        if (!custom)
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                    "no hardware given: use --hardware ID (llmcap list hardware) or custom figures "
                                    "(--gpu-mem-gib and --gpu-bw-gbps)");
        if (!(rq->gpu_mem_gib > 0))
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "custom hardware needs --gpu-mem-gib > 0");
        if (!(rq->gpu_bw_gbps > 0))
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "custom hardware needs --gpu-bw-gbps > 0");
        memset(&p->gpu, 0, sizeof p->gpu);
        snprintf(p->gpu.id, sizeof p->gpu.id, "custom");
        snprintf(p->gpu.name, sizeof p->gpu.name, "custom GPU (%.0f GiB, %.0f GB/s)", rq->gpu_mem_gib, rq->gpu_bw_gbps);
        p->gpu.kind = LLMCAP_HW_GPU;
        p->gpu.pcie_gbps = 31.5; /* PCIe 4.0 x16 assumed */
    } else {
        const llmcap_hardware *hw = llmcap_db_lookup_hardware(db, rq->hardware, err);
        if (!hw) return err ? err->status : LLMCAP_ERR_NOT_FOUND;
        p->gpu = *hw;
    }
    if (rq->gpu_mem_gib > 0) p->gpu.memory_bytes = rq->gpu_mem_gib * GIB;
    if (rq->gpu_bw_gbps > 0) p->gpu.bandwidth_gbps = rq->gpu_bw_gbps;
    if (rq->gpu_tflops > 0) p->gpu.fp16_tflops = rq->gpu_tflops;
    if (p->gpu.kind == LLMCAP_HW_CPU && p->n_gpu > 1)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "--gpus %u needs a GPU, but '%s' is a CPU platform", p->n_gpu,
                                p->gpu.id);
    p->has_host = false;
    if (rq->host[0]) {
        const llmcap_hardware *h = llmcap_db_lookup_hardware(db, rq->host, err);
        if (!h) return err ? err->status : LLMCAP_ERR_NOT_FOUND;
        if (h->kind != LLMCAP_HW_CPU)
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "host '%s' must be a CPU platform (kind cpu), not %s",
                                    h->id, llmcap_hw_kind_name(h->kind));
        p->host = *h;
        p->has_host = true;
    }
    p->host_ram_bytes = rq->host_ram_gib * GIB;
    if (p->gpu.kind == LLMCAP_HW_CPU && rq->host_ram_gib <= 0 && rq->gpu_mem_gib > 0) p->host_ram_bytes = rq->gpu_mem_gib * GIB;

    /* quant */
    if (rq->quant[0]) {
        llmcap_status st = llmcap_parse_quant(rq->quant, &p->ftype, &p->tensor_type, err);
        if (st) return st;
        p->override_types = true;
    } else {
        p->ftype = -1;
        p->tensor_type = -1;
        p->override_types = false;
    }

    /* calibration profile (loaded once per path) and the engine section it is read for */
    if (rq->profile[0]) {
        const llmcap_profile *pr = NULL;
        llmcap_status st = llmcap_profile_load_cached(rq->profile, &pr, err);
        if (st) return st;
        p->profile = pr;
    }
    if (p->engine[0] && strcmp(p->engine, "llama.cpp")) {
        const llmcap_profile *pr = p->profile ? p->profile : llmcap_profile_default();
        if (!llmcap_profile_class(pr, p->engine, LLMCAP_HW_GPU)) return llmcap_profile_engine_error(pr, p->engine, err);
    }
    return LLMCAP_OK;
}

llmcap_status llmcap_request_load_model(const llmcap_db *db, llmcap_request *rq, llmcap_model **model, llmcap_error *err)
{
    *model = NULL;
    llmcap_status st;
    if (rq->model[0]) {
        const llmcap_model_spec *spec = llmcap_db_lookup_model(db, rq->model, err);
        if (!spec) return err ? err->status : LLMCAP_ERR_NOT_FOUND;
        st = llmcap_model_from_spec(spec, model, err);
    } else if (rq->gguf[0]) {
        st = llmcap_model_from_gguf_file(rq->gguf, model, err);
    } else if (rq->hf_config[0]) {
        char *text = NULL;
        size_t len = 0;
        st = llmcap_read_file(rq->hf_config, &text, &len, err);
        if (st) return st;
        llmcap_model_spec spec;
        st = llmcap_spec_from_hf_config(text, len, &spec, err);
        free(text);
        if (st) {
            if (err) {
                char tmp[sizeof err->msg];
                snprintf(tmp, sizeof tmp, "%.200s: %.300s", rq->hf_config, err->msg);
                memcpy(err->msg, tmp, sizeof tmp);
            }
            return st;
        }
        st = llmcap_model_from_spec(&spec, model, err);
    } else {
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "no model given: use --model ID, --gguf FILE or --hf-config FILE");
    }
    return st;
}
