/* report.c - estimate results as a table or CSV (JSON: llmcap_estimate_json, estimator/json.c). */
#include "report.h"
#include "types.h"

#include <math.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

static const char *kv_name(int t) { return gguf_type_get(t) ? gguf_type_get(t)->name : "?"; }

void report_table(FILE *f, const report_in *in, const llmcap_result *r)
{
    const llmcap_params *p = in->p;
    const llmcap_model_spec *s = llmcap_model_spec_get(in->m);
    char q[32], flags[160], b[7][24];
    fprintf(f, "%s (%s), %s, on %s%s", s->name[0] ? s->name : in->model, in->model, llmcap_result_quant_name(r, q, sizeof q),
            p->gpu.name[0] ? p->gpu.name : p->gpu.id, p->n_gpu > 1 ? "" : "\n");
    if (p->n_gpu > 1) fprintf(f, " x %u\n", p->n_gpu);
    fprintf(f, "%.2f B parameters (%.2f B active per token), %.2f bits per weight; n_ctx %u, n_ubatch %u, KV %s/%s, "
               "flash attention %s, n_gpu_layers %u of %u\n\n",
            r->params_total / 1e9, r->params_active / 1e9, r->bits_per_weight, r->n_ctx, p->n_ubatch,
            kv_name(p->type_k), kv_name(p->type_v), p->flash_attn ? "on" : "off", r->n_gpu_layers, r->n_layer + 1);
    fprintf(f, "%-34s %10s %10s %10s %10s %10s %10s %10s  %s\n", "memory (GiB = 2^30 bytes)", "weights", "KV cache",
            "compute", "output", "overhead", "total", "capacity", "fits");
    for (uint32_t i = 0; i < r->memory.n_devices; i++) {
        const llmcap_device_mem *d = &r->memory.devices[i];
        snprintf(b[0], sizeof b[0], "%.2f", d->weights_bytes / GIB);
        snprintf(b[1], sizeof b[1], "%.2f", d->kv_bytes / GIB);
        snprintf(b[2], sizeof b[2], "%.2f", d->compute_bytes / GIB);
        snprintf(b[3], sizeof b[3], "%.2f", d->output_bytes / GIB);
        snprintf(b[4], sizeof b[4], "%.2f", d->overhead_bytes / GIB);
        snprintf(b[5], sizeof b[5], "%.2f", d->total_bytes / GIB);
        if (d->capacity_bytes > 0) snprintf(b[6], sizeof b[6], "%.2f", d->capacity_bytes / GIB);
        else snprintf(b[6], sizeof b[6], "-");
        fprintf(f, "%-34.34s %10s %10s %10s %10s %10s %10s %10s  %s\n", d->name, b[0], b[1], b[2], b[3], b[4], b[5],
                b[6], d->capacity_bytes > 0 ? (d->fits ? "yes" : "NO") : "?");
    }
    fprintf(f, "%-34s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n\n", "all devices", r->memory.weights_bytes / GIB,
            r->memory.kv_bytes / GIB, r->memory.compute_bytes / GIB, r->memory.output_bytes / GIB,
            r->memory.overhead_bytes / GIB, r->memory.total_bytes / GIB);
    if (r->fits) fprintf(f, "fits: yes\n");
    else fprintf(f, "fits: NO - %s\n", r->limit_reason);
    char iv[64] = "";
    if (r->speed.decode_tok_s_high > 0)
        snprintf(iv, sizeof iv, "90%% interval %.1f-%.1f; ", r->speed.decode_tok_s_low, r->speed.decode_tok_s_high);
    fprintf(f, "decode:  %10.1f tokens/s  (%s%.2f ms/token, %s-bound; tg%u at depth %u)\n", r->speed.decode_tok_s, iv,
            r->speed.decode_ms_per_tok, llmcap_bound_name(r->speed.bound), p->n_gen, p->depth);
    if (p->n_seq > 1)
        fprintf(f, "decode:  %10.1f tokens/s  aggregate over %u parallel sequences\n", r->speed.decode_agg_tok_s, p->n_seq);
    iv[0] = 0;
    if (r->speed.prefill_tok_s_high > 0)
        snprintf(iv, sizeof iv, "90%% interval %.1f-%.1f; ", r->speed.prefill_tok_s_low, r->speed.prefill_tok_s_high);
    if (p->n_prompt)
        fprintf(f, "prefill: %10.1f tokens/s  (%s%s-bound; pp%u at depth %u)\n", r->speed.prefill_tok_s, iv,
                llmcap_bound_name(r->speed.prefill_bound), p->n_prompt, p->depth);
    fprintf(f, "time to first token: %.1f ms; total for %u prompt + %u generated tokens: %.2f s\n", r->speed.ttft_ms,
            p->n_prompt, p->n_gen, r->speed.total_ms / 1000.0);
    llmcap_llama_cpp_flags(flags, sizeof flags, p, r);
    fprintf(f, "llama.cpp flags: %s\n", flags);
    fprintf(f, "speed model: profile %s, engine %s\n", (p->profile ? p->profile : llmcap_profile_default())->name,
            p->engine[0] ? p->engine : "llama.cpp");
}

static const char *CSV_COLS =
    "model,hardware,n_gpu,quant,n_ctx,n_batch,n_ubatch,n_seq,type_k,type_v,flash_attn,n_gpu_layers,n_prompt,n_gen,"
    "depth,weights_bytes,kv_bytes,compute_bytes,total_bytes,fits,decode_tok_s,decode_agg_tok_s,prefill_tok_s,"
    "ttft_ms,total_ms,bound,error";

void report_csv_header(FILE *f) { fprintf(f, "%s\n", CSV_COLS); }

size_t report_csv_row(char *buf, const report_in *in, const llmcap_result *r, const char *error)
{
    const llmcap_params *p = in->p;
    size_t pos = 0;
    char q[32];
#define SEP buf[pos++] = ','
    fmt_str_csv(buf, &pos, in->model); SEP;
    fmt_str_csv(buf, &pos, in->hardware); SEP;
    fmt_u64(buf, &pos, p->n_gpu); SEP;
    if (error) {
        if (p->tensor_type >= 0) fmt_str_csv(buf, &pos, gguf_type_name(p->tensor_type));
        else if (p->ftype >= 0) fmt_str_csv(buf, &pos, gguf_ftype_name(p->ftype));
        SEP;
        fmt_u64(buf, &pos, p->n_ctx); SEP;
    } else {
        fmt_str_csv(buf, &pos, llmcap_result_quant_name(r, q, sizeof q)); SEP;
        fmt_u64(buf, &pos, r->n_ctx); SEP;
    }
    fmt_u64(buf, &pos, p->n_batch); SEP;
    fmt_u64(buf, &pos, p->n_ubatch); SEP;
    fmt_u64(buf, &pos, p->n_seq); SEP;
    fmt_str_csv(buf, &pos, kv_name(p->type_k)); SEP;
    fmt_str_csv(buf, &pos, kv_name(p->type_v)); SEP;
    fmt_str_csv(buf, &pos, p->flash_attn ? "on" : "off"); SEP;
    if (error) { if (p->n_gpu_layers < 0) fmt_str_csv(buf, &pos, "all"); else fmt_u64(buf, &pos, (unsigned)p->n_gpu_layers); }
    else fmt_u64(buf, &pos, r->n_gpu_layers);
    SEP;
    fmt_u64(buf, &pos, p->n_prompt); SEP;
    fmt_u64(buf, &pos, p->n_gen); SEP;
    fmt_u64(buf, &pos, p->depth); SEP;
    if (error) {
        memcpy(buf + pos, ",,,,,,,,,,,", 11); /* the 11 output columns stay empty */
        pos += 11;
        fmt_str_csv(buf, &pos, error);
    } else {
        fmt_fixed(buf, &pos, r->memory.weights_bytes, 0); SEP;
        fmt_fixed(buf, &pos, r->memory.kv_bytes, 0); SEP;
        fmt_fixed(buf, &pos, r->memory.compute_bytes, 0); SEP;
        fmt_fixed(buf, &pos, r->memory.total_bytes, 0); SEP;
        fmt_str_csv(buf, &pos, r->fits ? "true" : "false"); SEP;
        fmt_fixed(buf, &pos, r->speed.decode_tok_s, 2); SEP;
        fmt_fixed(buf, &pos, r->speed.decode_agg_tok_s, 2); SEP;
        fmt_fixed(buf, &pos, r->speed.prefill_tok_s, 2); SEP;
        fmt_fixed(buf, &pos, r->speed.ttft_ms, 3); SEP;
        fmt_fixed(buf, &pos, r->speed.total_ms, 3); SEP;
        fmt_str_csv(buf, &pos, llmcap_bound_name(r->speed.bound)); SEP;
    }
#undef SEP
    buf[pos++] = '\n';
    return pos;
}
