/* fit.c - "what fits": the largest n_ctx, the best file type and the most
 * n_gpu_layers that fit, each by searching over llmcap_estimate's memory plan
 * (memory grows monotonically with n_ctx, bits per weight and n_gpu_layers on
 * the GPUs, so binary search is exact). */
#include "internal.h"

#include <string.h>

#define CTX_STEP 256u /* llama.cpp pads the KV cache to 256 cells */

/* Does p fit (memory only)? Returns -1 on error (err filled). */
static int fits(llmcap_model *m, const llmcap_params *p, llmcap_error *err)
{
    llmcap_result r;
    if (llmcap_estimate(m, p, &r, err) != LLMCAP_OK) return -1;
    return r.fits ? 1 : 0;
}

/* fits on the accelerators only (host RAM is not the question for -ngl) */
static int gpu_fits(llmcap_model *m, const llmcap_params *p, llmcap_error *err)
{
    llmcap_result r;
    if (llmcap_estimate(m, p, &r, err) != LLMCAP_OK) return -1;
    for (uint32_t i = 0; i < r.memory.n_devices; i++)
        if (!r.memory.devices[i].is_host && !r.memory.devices[i].fits) return 0;
    return r.memory.devices[0].fits ? 1 : 0;
}

llmcap_status llmcap_fit(llmcap_model *m, const llmcap_params *p, llmcap_fit_result *out, llmcap_error *err)
{
    memset(out, 0, sizeof *out);
    out->best_quant = -1;
    out->max_ngl = -1;
    llmcap_params q = *p;
    llmcap_result r0;
    llmcap_status st = llmcap_estimate(m, p, &r0, err); /* validates everything once */
    if (st) return st;

    /* max n_ctx: binary search in steps of 256 up to the model's training context */
    const llmcap_model_spec *s = llmcap_model_spec_get(m);
    uint32_t hi_ctx = s->n_ctx_train ? s->n_ctx_train : LLMCAP_NCTX_MAX;
    uint32_t lo = 0, hi = hi_ctx / CTX_STEP; /* in steps */
    q.n_ctx = hi * CTX_STEP;
    int f = hi ? fits(m, &q, err) : 0;
    if (f < 0) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
    if (f) {
        out->max_ctx = hi * CTX_STEP;
        out->max_ctx_capped = true;
    } else {
        while (lo + 1 < hi) {           /* invariant: lo fits (or 0), hi does not */
            uint32_t mid = lo + (hi - lo) / 2;
            q.n_ctx = mid * CTX_STEP;
            if (q.n_ctx < q.n_ubatch) q.n_ubatch = q.n_ctx; /* keep n_ubatch valid for tiny contexts */
            f = fits(m, &q, err);
            q.n_ubatch = p->n_ubatch;
            if (f < 0) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
            if (f) lo = mid; else hi = mid;
        }
        out->max_ctx = lo * CTX_STEP;
    }

    /* best quant: the first file type, from largest to smallest, that fits */
    q = *p;
    const int *order;
    size_t n = gguf_ftype_by_quality(&order);
    for (size_t i = 0; i < n; i++) {
        q.ftype = order[i];
        q.tensor_type = -1;
        q.override_types = true;
        llmcap_error e2;
        llmcap_result r;
        if (llmcap_estimate(m, &q, &r, &e2) != LLMCAP_OK) continue; /* e.g. rows not divisible */
        if (r.fits) { out->best_quant = order[i]; break; }
    }

    /* max n_gpu_layers: binary search over 0..n_layer+1 on the accelerators */
    q = *p;
    const uint32_t top = s->n_layer + 1;
    if (p->gpu.kind == LLMCAP_HW_CPU) {
        out->max_ngl = 0;
    } else {
        q.n_gpu_layers = (int)top;
        f = gpu_fits(m, &q, err);
        if (f < 0) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
        if (f) {
            out->max_ngl = (int)top;
        } else {
            int l = -1, h = (int)top; /* l fits (or -1), h does not */
            while (l + 1 < h) {
                int mid = l + (h - l) / 2;
                q.n_gpu_layers = mid;
                f = gpu_fits(m, &q, err);
                if (f < 0) return err ? err->status : LLMCAP_ERR_INVALID_ARG;
                if (f) l = mid; else h = mid;
            }
            out->max_ngl = l;
        }
    }
    return LLMCAP_OK;
}
