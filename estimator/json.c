/* json.c - the JSON texts of `llmcap estimate --json`, `fit --json` and
 * `list KIND --json`, written here once (with cJSON) so that the CLI and the
 * WASM module print byte-identical output. Keys and rounding are part of the
 * documented output (README: "estimate prints ... --json"). */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

void llmcap_json_free(char *text) { cJSON_free(text); }

static const char *kv_name(int t) { return gguf_type_get(t) ? gguf_type_get(t)->name : "?"; }

/* print and free the object; NULL on out of memory */
static char *print_and_free(cJSON *o, bool pretty)
{
    if (!o) return NULL;
    char *txt = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

const char *llmcap_result_quant_name(const llmcap_result *r, char *buf, size_t n)
{
    if (r->tensor_type >= 0) snprintf(buf, n, "%s", gguf_type_name(r->tensor_type));
    else if (r->ftype >= 0) snprintf(buf, n, "%s", gguf_ftype_name(r->ftype));
    else snprintf(buf, n, "exact");
    return buf;
}

void llmcap_llama_cpp_flags(char *buf, size_t n, const llmcap_params *p, const llmcap_result *r)
{
    snprintf(buf, n, "-c %u -b %u -ub %u -ngl %u -ctk %s -ctv %s -fa %s%s", r->n_ctx, p->n_batch, p->n_ubatch,
             r->n_gpu_layers, kv_name(p->type_k), kv_name(p->type_v), p->flash_attn ? "on" : "off",
             p->n_seq > 1 ? " -np" : "");
    if (p->n_seq > 1) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, " %u", p->n_seq);
    }
}

/* speeds are rounded to 1/1000 (ms, tokens/s) so that the text is stable */
static double r3(double x) { return round(x * 1000) / 1000; }

/* an interval bound: null when the profile gives no spread (0) */
static void add_or_null(cJSON *o, const char *key, double x)
{
    if (x > 0) cJSON_AddNumberToObject(o, key, r3(x));
    else cJSON_AddNullToObject(o, key);
}

char *llmcap_estimate_json(const llmcap_model *m, const char *model_label, const llmcap_params *p,
                           const llmcap_result *r, bool pretty)
{
    char q[32], flags[160];
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON *inp = cJSON_AddObjectToObject(o, "input");
    cJSON_AddStringToObject(inp, "model", model_label);
    cJSON_AddStringToObject(inp, "hardware", p->gpu.id);
    cJSON_AddNumberToObject(inp, "n_gpu", p->n_gpu);
    cJSON_AddStringToObject(inp, "quant", llmcap_result_quant_name(r, q, sizeof q));
    cJSON_AddNumberToObject(inp, "n_ctx", r->n_ctx);
    cJSON_AddNumberToObject(inp, "n_batch", p->n_batch);
    cJSON_AddNumberToObject(inp, "n_ubatch", p->n_ubatch);
    cJSON_AddNumberToObject(inp, "n_seq", p->n_seq);
    cJSON_AddStringToObject(inp, "type_k", kv_name(p->type_k));
    cJSON_AddStringToObject(inp, "type_v", kv_name(p->type_v));
    cJSON_AddBoolToObject(inp, "flash_attn", p->flash_attn);
    cJSON_AddNumberToObject(inp, "n_gpu_layers", r->n_gpu_layers);
    cJSON_AddNumberToObject(inp, "n_prompt", p->n_prompt);
    cJSON_AddNumberToObject(inp, "n_gen", p->n_gen);
    cJSON_AddNumberToObject(inp, "depth", p->depth);
    llmcap_llama_cpp_flags(flags, sizeof flags, p, r);
    cJSON_AddStringToObject(inp, "llama_cpp_flags", flags);
    cJSON_AddStringToObject(inp, "profile", (p->profile ? p->profile : llmcap_profile_default())->name);
    cJSON_AddStringToObject(inp, "engine", p->engine[0] ? p->engine : "llama.cpp");

    cJSON *mo = cJSON_AddObjectToObject(o, "model");
    const llmcap_model_spec *s = llmcap_model_spec_get(m);
    cJSON_AddStringToObject(mo, "name", s->name);
    cJSON_AddStringToObject(mo, "arch", s->arch);
    cJSON_AddNumberToObject(mo, "n_layer", s->n_layer);
    cJSON_AddNumberToObject(mo, "params", r->params_total);
    cJSON_AddNumberToObject(mo, "params_active", r->params_active);
    cJSON_AddNumberToObject(mo, "bits_per_weight", round(r->bits_per_weight * 1e4) / 1e4);
    cJSON_AddBoolToObject(mo, "exact_from_gguf", r->ftype < 0 && r->tensor_type < 0);

    cJSON *mem = cJSON_AddObjectToObject(o, "memory");
    cJSON_AddNumberToObject(mem, "weights_bytes", r->memory.weights_bytes);
    cJSON_AddNumberToObject(mem, "kv_bytes", r->memory.kv_bytes);
    cJSON_AddNumberToObject(mem, "compute_bytes", r->memory.compute_bytes);
    cJSON_AddNumberToObject(mem, "output_bytes", r->memory.output_bytes);
    cJSON_AddNumberToObject(mem, "overhead_bytes", r->memory.overhead_bytes);
    cJSON_AddNumberToObject(mem, "total_bytes", r->memory.total_bytes);
    cJSON *devs = cJSON_AddArrayToObject(mem, "devices");
    for (uint32_t i = 0; i < r->memory.n_devices; i++) {
        const llmcap_device_mem *d = &r->memory.devices[i];
        cJSON *dj = cJSON_CreateObject();
        cJSON_AddStringToObject(dj, "name", d->name);
        cJSON_AddStringToObject(dj, "kind", llmcap_hw_kind_name(d->kind));
        cJSON_AddBoolToObject(dj, "is_host", d->is_host);
        if (d->capacity_bytes > 0) cJSON_AddNumberToObject(dj, "capacity_bytes", d->capacity_bytes);
        else cJSON_AddNullToObject(dj, "capacity_bytes");
        cJSON_AddNumberToObject(dj, "weights_bytes", d->weights_bytes);
        cJSON_AddNumberToObject(dj, "kv_bytes", d->kv_bytes);
        cJSON_AddNumberToObject(dj, "compute_bytes", d->compute_bytes);
        cJSON_AddNumberToObject(dj, "output_bytes", d->output_bytes);
        cJSON_AddNumberToObject(dj, "overhead_bytes", d->overhead_bytes);
        cJSON_AddNumberToObject(dj, "total_bytes", d->total_bytes);
        cJSON_AddNumberToObject(dj, "n_layers", d->n_layers);
        cJSON_AddBoolToObject(dj, "has_output_layer", d->has_output_layer);
        cJSON_AddBoolToObject(dj, "fits", d->fits);
        cJSON_AddItemToArray(devs, dj);
    }
    cJSON_AddBoolToObject(o, "fits", r->fits);
    if (r->fits) cJSON_AddNullToObject(o, "limit_reason");
    else cJSON_AddStringToObject(o, "limit_reason", r->limit_reason);

    cJSON *sp = cJSON_AddObjectToObject(o, "speed");
    cJSON_AddNumberToObject(sp, "decode_tok_s", r3(r->speed.decode_tok_s));
    add_or_null(sp, "decode_tok_s_low", r->speed.decode_tok_s_low);
    add_or_null(sp, "decode_tok_s_high", r->speed.decode_tok_s_high);
    cJSON_AddNumberToObject(sp, "decode_ms_per_tok", r3(r->speed.decode_ms_per_tok));
    cJSON_AddNumberToObject(sp, "decode_agg_tok_s", r3(r->speed.decode_agg_tok_s));
    cJSON_AddNumberToObject(sp, "prefill_tok_s", r3(r->speed.prefill_tok_s));
    add_or_null(sp, "prefill_tok_s_low", r->speed.prefill_tok_s_low);
    add_or_null(sp, "prefill_tok_s_high", r->speed.prefill_tok_s_high);
    cJSON_AddNumberToObject(sp, "ttft_ms", r3(r->speed.ttft_ms));
    cJSON_AddNumberToObject(sp, "total_ms", r3(r->speed.total_ms));
    cJSON_AddNumberToObject(sp, "decode_bytes_per_tok", round(r->speed.decode_bytes_per_tok));
    cJSON_AddStringToObject(sp, "bound", llmcap_bound_name(r->speed.bound));
    cJSON_AddStringToObject(sp, "prefill_bound", llmcap_bound_name(r->speed.prefill_bound));
    return print_and_free(o, pretty);
}

char *llmcap_fit_json(const char *model_label, const llmcap_params *p, const llmcap_fit_result *fr, bool pretty)
{
    const char *bq = fr->best_quant >= 0 ? gguf_ftype_name(fr->best_quant) : NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "model", model_label);
    cJSON_AddStringToObject(o, "hardware", p->gpu.id);
    cJSON_AddNumberToObject(o, "n_gpu", p->n_gpu);
    cJSON_AddNumberToObject(o, "max_ctx", fr->max_ctx);
    cJSON_AddBoolToObject(o, "max_ctx_capped", fr->max_ctx_capped);
    if (bq) cJSON_AddStringToObject(o, "best_quant", bq);
    else cJSON_AddNullToObject(o, "best_quant");
    cJSON_AddNumberToObject(o, "max_ngl", fr->max_ngl);
    return print_and_free(o, pretty);
}

static cJSON *list_models(const llmcap_db *db)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < llmcap_db_n_models(db); i++) {
        const llmcap_model_spec *s = llmcap_db_model_at(db, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", s->id);
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddStringToObject(o, "arch", s->arch);
        cJSON_AddNumberToObject(o, "params_b_total", s->params_total / 1e9);
        cJSON_AddNumberToObject(o, "params_b_active", (s->params_active ? s->params_active : s->params_total) / 1e9);
        cJSON_AddNumberToObject(o, "n_layer", s->n_layer);
        cJSON_AddNumberToObject(o, "n_ctx_train", s->n_ctx_train);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *list_hardware(const llmcap_db *db)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < llmcap_db_n_hardware(db); i++) {
        const llmcap_hardware *h = llmcap_db_hardware_at(db, i);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", h->id);
        cJSON_AddStringToObject(o, "name", h->name);
        cJSON_AddStringToObject(o, "vendor", h->vendor);
        cJSON_AddStringToObject(o, "kind", llmcap_hw_kind_name(h->kind));
        cJSON_AddNumberToObject(o, "memory_gib", h->memory_bytes / GIB);
        cJSON_AddNumberToObject(o, "bandwidth_gbps", h->bandwidth_gbps);
        cJSON_AddNumberToObject(o, "fp16_tflops", h->fp16_tflops);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *list_quants(void)
{
    cJSON *arr = cJSON_CreateArray();
    const int *order;
    size_t n = gguf_ftype_by_quality(&order);
    for (size_t i = 0; arr && i < n; i++) {
        const gguf_ftype_info *fi = gguf_ftype_get(order[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", fi->name);
        cJSON_AddNumberToObject(o, "ftype", order[i]);
        cJSON_AddStringToObject(o, "base_type", gguf_type_name(fi->base_type));
        cJSON_AddNumberToObject(o, "base_bpw", gguf_type_bpw(fi->base_type));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

llmcap_status llmcap_list_json(const llmcap_db *db, const char *kind, bool pretty, char **out, llmcap_error *err)
{
    *out = NULL;
    const bool models = kind && !strcmp(kind, "models"), hw = kind && !strcmp(kind, "hardware"),
               quants = kind && !strcmp(kind, "quants");
    if (!models && !hw && !quants)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "list: unknown list '%s' (models, hardware, quants)",
                                kind ? kind : "");
    if (!quants && !db) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "list: no data loaded");
    *out = print_and_free(models ? list_models(db) : hw ? list_hardware(db) : list_quants(), pretty);
    if (!*out) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "list: out of memory");
    return LLMCAP_OK;
}
