/* estimate.c - memory plan per device and decode / prefill speed.
 *
 * Memory follows how llama.cpp places a model (src/llama-model.cpp,
 * src/llama-kv-cache.cpp, src/llama-context.cpp):
 *   - token_embd stays in host memory (the input layer is never offloaded);
 *   - with -ngl N the output layer is offloaded first, then the last N-1
 *     repeating layers; layers are split evenly over identical GPUs in order
 *     (--split-mode layer), the output layer on the last GPU;
 *   - tied embeddings: the output matrix is a duplicate of token_embd on the
 *     output layer's device (TENSOR_DUPLICATED);
 *   - the KV cache of a layer lives with the layer; its size is
 *     n_ctx (padded to 256) cells x (n_embd_k_gqa * size(type_k) +
 *     n_embd_v_gqa * size(type_v)); sliding-window layers keep
 *     min(n_ctx, pad256(n_swa * n_seq + n_ubatch)) cells;
 *   - the output (logits) buffer is n_vocab * n_seq * 4 bytes in host memory.
 *
 * Speed is a roofline per device: a decode step reads the active weights and
 * the KV cache once (bandwidth-bound), prefill does 2 FLOPs per active
 * parameter per token plus attention (compute-bound, but at least one weight
 * read per n_ubatch tokens); fixed per-token and per-layer overheads are added.
 * The constants are in profile.c.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

/* llama.cpp pads the KV cache size to a multiple of 256 cells (llama_context / kv cache padding). */
#define KV_PAD 256u
/* llama.cpp uploads host-resident weights to the GPU for matrix products on
 * batches of at least 32 tokens (ggml backend scheduler op offload). */
#define OP_OFFLOAD_MIN_BATCH 32u

static uint32_t pad_up(uint32_t x, uint32_t p) { return (uint32_t)(((uint64_t)x + p - 1) / p * p); }

llmcap_params llmcap_params_default(void)
{
    llmcap_params p;
    memset(&p, 0, sizeof p);
    p.ftype = -1;
    p.tensor_type = -1;
    p.n_ctx = 0;
    p.n_batch = 2048;  /* llama.cpp common defaults: -b 2048 -ub 512 */
    p.n_ubatch = 512;
    p.n_seq = 1;
    p.type_k = GGUF_TYPE_F16;
    p.type_v = GGUF_TYPE_F16;
    p.flash_attn = false;
    p.n_gpu_layers = -1;
    p.n_prompt = 512;  /* llama-bench defaults: pp512 / tg128 */
    p.n_gen = 128;
    p.depth = 0;
    p.n_gpu = 1;
    return p;
}

static bool finite_nonneg(double x) { return isfinite(x) && x >= 0; }

llmcap_status llmcap_check_hardware(const llmcap_hardware *hw, const char *what, llmcap_error *err)
{
    const char *name = hw->id[0] ? hw->id : what;
    if ((unsigned)hw->kind >= LLMCAP_HW_KIND_COUNT)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s '%s': invalid kind", what, name);
    if (!isfinite(hw->bandwidth_gbps) || hw->bandwidth_gbps <= 0 || hw->bandwidth_gbps > 1e5)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "%s '%s': memory bandwidth %g GB/s is out of range (0 < x <= 100000)", what, name,
                                hw->bandwidth_gbps);
    if (!finite_nonneg(hw->memory_bytes) || hw->memory_bytes > 1e15)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "%s '%s': memory %g GiB is out of range (0..1000000)", what, name,
                                hw->memory_bytes / GIB);
    if (hw->kind != LLMCAP_HW_CPU && hw->memory_bytes <= 0)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s '%s': device memory must be > 0 GiB", what, name);
    const double *tf[] = {&hw->fp16_tflops, &hw->fp32_tflops, &hw->int8_tops, &hw->pcie_gbps};
    const char *tn[] = {"FP16 TFLOPS", "FP32 TFLOPS", "INT8 TOPS", "host link GB/s"};
    for (size_t i = 0; i < 4; i++)
        if (!finite_nonneg(*tf[i]) || *tf[i] > 1e6)
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s '%s': %s %g is out of range (0..1000000)",
                                    what, name, tn[i], *tf[i]);
    return LLMCAP_OK;
}

static bool kv_type_ok(int t)
{
    switch (t) {
    case GGUF_TYPE_F32: case GGUF_TYPE_F16: case GGUF_TYPE_BF16: case GGUF_TYPE_Q8_0: case GGUF_TYPE_Q4_0:
    case GGUF_TYPE_Q4_1: case GGUF_TYPE_Q5_0: case GGUF_TYPE_Q5_1: case GGUF_TYPE_IQ4_NL:
        return true;
    default:
        return false;
    }
}

static llmcap_status check_params(const llmcap_model *m, const llmcap_params *p, llmcap_error *err)
{
    if (p->ftype >= 0 && !gguf_ftype_get(p->ftype))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "unknown file type %d", p->ftype);
    if (p->tensor_type >= 0 && (!gguf_type_get(p->tensor_type) || p->tensor_type >= GGUF_TYPE_I8) &&
        p->tensor_type != GGUF_TYPE_BF16 && p->tensor_type != GGUF_TYPE_IQ1_M && p->tensor_type != GGUF_TYPE_TQ1_0 &&
        p->tensor_type != GGUF_TYPE_TQ2_0 && p->tensor_type != GGUF_TYPE_MXFP4)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "tensor type %d cannot hold weights", p->tensor_type);
    if (p->n_ctx > LLMCAP_NCTX_MAX)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_ctx %u is out of range (1..%u)", p->n_ctx,
                                LLMCAP_NCTX_MAX);
    if (p->n_batch < 1 || p->n_batch > LLMCAP_NCTX_MAX)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_batch %u is out of range (1..%u)", p->n_batch,
                                LLMCAP_NCTX_MAX);
    if (p->n_ubatch < 1 || p->n_ubatch > p->n_batch)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_ubatch %u is out of range (1..n_batch = %u)",
                                p->n_ubatch, p->n_batch);
    if (p->n_seq < 1 || p->n_seq > 65536)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_seq (parallel sequences) %u is out of range (1..65536)",
                                p->n_seq);
    if (!kv_type_ok(p->type_k))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "KV cache type_k %s is not supported (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)",
                                gguf_type_name(p->type_k) ? gguf_type_name(p->type_k) : "?");
    if (!kv_type_ok(p->type_v))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "KV cache type_v %s is not supported (f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl)",
                                gguf_type_name(p->type_v) ? gguf_type_name(p->type_v) : "?");
    if (gguf_type_get(p->type_v)->quantized && !p->flash_attn)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "a quantized V cache (%s) needs flash attention (llama.cpp refuses it without -fa)",
                                gguf_type_name(p->type_v));
    const llmcap_model_spec *s = &m->spec;
    const uint32_t blk_k = gguf_type_get(p->type_k)->block_elems, blk_v = gguf_type_get(p->type_v)->block_elems;
    if (s->head_dim % blk_k || (m->kv_k_elems[0] % blk_k))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "KV type_k %s needs head_dim (%u) to be a multiple of %u",
                                gguf_type_name(p->type_k), s->head_dim, blk_k);
    if (m->kv_v_elems[0] % blk_v)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "KV type_v %s needs the V head dim to be a multiple of %u",
                                gguf_type_name(p->type_v), blk_v);
    if (p->n_gpu_layers < -1 || p->n_gpu_layers > 100000)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_gpu_layers %d is out of range (-1 = all, 0..100000)",
                                p->n_gpu_layers);
    if (p->n_prompt > LLMCAP_NCTX_MAX || p->n_gen > LLMCAP_NCTX_MAX || p->depth > LLMCAP_NCTX_MAX)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_prompt / n_gen / depth must be at most %u tokens",
                                LLMCAP_NCTX_MAX);
    if (p->n_gpu < 1 || p->n_gpu > LLMCAP_MAX_GPUS)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_gpu %u is out of range (1..%d)", p->n_gpu,
                                LLMCAP_MAX_GPUS);
    if (!finite_nonneg(p->host_ram_bytes) || p->host_ram_bytes > 1e15)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "host RAM %g GiB is out of range", p->host_ram_bytes / GIB);
    if (p->n_threads > 4096)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "n_threads %u is out of range (0..4096)", p->n_threads);
    llmcap_status st = llmcap_check_hardware(&p->gpu, "hardware", err);
    if (st) return st;
    if (p->has_host) {
        st = llmcap_check_hardware(&p->host, "host", err);
        if (st) return st;
    }
    return LLMCAP_OK;
}

/* The default host when none is given: a dual-channel DDR5-5600 desktop
 * (data/hardware.json cpu-ddr5-5600-2ch: 89.6 GB/s theoretical). */
static const llmcap_hardware default_host = {
    .id = "cpu-ddr5-5600-2ch", .vendor = "generic", .name = "Desktop CPU, DDR5-5600 dual channel",
    .kind = LLMCAP_HW_CPU, .bandwidth_gbps = 89.6,
};

/* ------------------------------------------------------------------ layout */

typedef struct dev {
    const llmcap_hardware *hw;
    llmcap_hw_kind kind;     /* parameter class */
    bool is_host;
    uint32_t l0, l1;         /* repeating layers [l0, l1) */
    bool out;                /* output layer here */
    bool cpu_exec;           /* layers here run on the CPU (host device of a GPU system) */
} dev;

/* sum over [l0, l1) of a prefix array */
static inline double rng(const double *cum, uint32_t l0, uint32_t l1) { return cum[l1] - cum[l0]; }

typedef struct ctxinfo {
    const llmcap_model *m;
    const qtable *q;
    const llmcap_params *p;
    const llmcap_profile *pr;
    const llmcap_backend_params *kp; /* per llmcap_hw_kind: the profile's classes or its engine section */
    uint32_t n_ctx, cells_glob, cells_swa;
    double bk, bv;           /* bytes per K / V element */
    bool quantized_weights;  /* average bits per weight < 12 (the bandwidth cap applies) */
} ctxinfo;

static double kv_bytes(const ctxinfo *c, uint32_t l0, uint32_t l1)
{
    const llmcap_model *m = c->m;
    return (double)c->cells_glob * (rng(m->cum_k_glob, l0, l1) * c->bk + rng(m->cum_v_glob, l0, l1) * c->bv) +
           (double)c->cells_swa * (rng(m->cum_k_swa, l0, l1) * c->bk + rng(m->cum_v_swa, l0, l1) * c->bv);
}

/* KV bytes read by one query token at context depth d (cells attended). */
static double kv_read_bytes(const ctxinfo *c, uint32_t l0, uint32_t l1, double d)
{
    const llmcap_model *m = c->m;
    const double dg = fmin(d, (double)c->n_ctx);
    const double ds = fmin(d, (double)(c->m->spec.swa_window ? c->m->spec.swa_window : c->n_ctx));
    return dg * (rng(m->cum_k_glob, l0, l1) * c->bk + rng(m->cum_v_glob, l0, l1) * c->bv) +
           ds * (rng(m->cum_k_swa, l0, l1) * c->bk + rng(m->cum_v_swa, l0, l1) * c->bv);
}

/* attention FLOPs for one query token at depth d over layers [l0, l1) */
static double attn_flops(const ctxinfo *c, uint32_t l0, uint32_t l1, double d)
{
    const llmcap_model *m = c->m;
    double n_swa = 0;
    if (m->spec.swa_window) {
        /* share of sliding layers in the range, by KV elements */
        double ks = rng(m->cum_k_swa, l0, l1), kg = rng(m->cum_k_glob, l0, l1);
        n_swa = ks + kg > 0 ? ks / (ks + kg) : 0;
    }
    const double dg = fmin(d, (double)c->n_ctx);
    const double ds = fmin(d, (double)(m->spec.swa_window ? m->spec.swa_window : c->n_ctx));
    return rng(m->cum_attn_flops, l0, l1) * ((1.0 - n_swa) * dg + n_swa * ds);
}

/* compute (activation) buffer of a device, bytes (anchors in the comment below) */
static double compute_bytes(const ctxinfo *c, const dev *d)
{
    const llmcap_model_spec *s = &c->m->spec;
    const double u = fmin((double)c->p->n_ubatch, (double)c->n_ctx);
    const double E = s->n_embd;
    const bool has_layers = d->l1 > d->l0;
    /* Anchors: llama.cpp logs for Llama-3-8B with n_ubatch 512 report a GPU compute
     * buffer of 258.5 MiB at n_ctx 512 (the logits, 512 x 128256 x 4 bytes, plus one
     * activation) and 560 MiB at n_ctx 8192 without flash attention (the KQ matrix,
     * 512 x 8192 x 32 heads x 4 bytes, plus ~6 activations). ggml-alloc reuses
     * buffers, so the peak is the largest phase, not the sum. */
    double peak = 0;
    if (has_layers) {
        double attn;
        if (c->p->flash_attn) {
            const double hdv = s->head_dim_v ? s->head_dim_v : s->head_dim;
            attn = u * s->n_head * (s->head_dim + hdv) * 4.0 + 6.0 * u * E * 4.0;
        } else {
            attn = u * (double)c->cells_glob * s->n_head * 4.0 + 6.0 * u * E * 4.0;
        }
        const double ffn = u * (double)c->m->max_ff_active * 4.0 * 3.0 + 2.0 * u * E * 4.0;
        peak = fmax(attn, ffn);
    }
    if (d->out) peak = fmax(peak, u * s->n_vocab * 4.0 + u * E * 4.0);
    if (d->is_host && !has_layers && !d->out) {
        /* host side of a fully offloaded model: input embeddings and a staging copy */
        peak = 2.0 * u * E * 4.0;
    }
    return peak;
}

/* peak compute of hw for work of class bp (the CPU class on a non-CPU device
 * means the CPU cores of a unified-memory SoC, whose FLOPS data/ does not list) */
static double peak_tflops(const llmcap_hardware *hw, const llmcap_backend_params *bp)
{
    if (hw->kind == LLMCAP_HW_CPU) return hw->fp32_tflops > 0 ? hw->fp32_tflops : bp->default_tflops;
    if (bp->default_tflops > 0) return bp->default_tflops;
    if (hw->fp16_tflops > 0) return hw->fp16_tflops;
    if (hw->fp32_tflops > 0) return hw->fp32_tflops;
    return bp->default_tflops > 0 ? bp->default_tflops : 1.0;
}

/* effective prefill matmul rate, FLOP/s: the INT8 path for quantized weights
 * where the device lists INT8 (llama.cpp MMQ), else the FP16/FP32 peak; a
 * harmonic ceiling (profile prefill_cap_tflops) */
static double prefill_rate(const llmcap_hardware *hw, const llmcap_backend_params *bp, bool quantized)
{
    double peak = peak_tflops(hw, bp);
    if (quantized && hw->kind != LLMCAP_HW_CPU && bp->default_tflops <= 0 && hw->int8_tops > 0) peak = hw->int8_tops;
    double rate = bp->compute_eff * peak;
    if (bp->prefill_cap_tflops > 0) rate = 1.0 / (1.0 / rate + 1.0 / bp->prefill_cap_tflops);
    return rate * 1e12;
}

/* per-device decode step time for S sequences at depth d; returns seconds and
 * fills the parts */
typedef struct dtime {
    double mem_s, compute_s, overhead_s, total_s;
} dtime;

static dtime decode_dev_time(const ctxinfo *c, const dev *d, const llmcap_hardware *cpu_hw, double S, double depth)
{
    const llmcap_model_spec *s = &c->m->spec;
    const qtable *q = c->q;
    const llmcap_hardware *hw = d->cpu_exec ? cpu_hw : d->hw;
    const llmcap_backend_params *bp = &c->kp[d->cpu_exec ? LLMCAP_HW_CPU : d->kind];
    dtime t = {0, 0, 0, 0};
    const uint32_t nl = d->l1 - d->l0;
    /* weights read per step: dense + the distinct experts S tokens route to.
     * With k of n experts chosen per token, uniformly, S tokens touch a fraction
     * 1 - (1 - k/n)^S of them. */
    double w = rng(q->cum_active, d->l0, d->l1);
    double params = rng(q->cum_active_params, d->l0, d->l1);
    if (s->n_expert > 1 && S > 1) {
        const double kn = (double)s->n_expert_used / s->n_expert;
        const double ex = rng(q->cum_expert, d->l0, d->l1);
        w += ex * ((1.0 - pow(1.0 - kn, S)) - kn);
    }
    if (d->out) { w += q->output_bytes; params += q->output_params; }
    if (d->is_host) w += q->embd_row_bytes * S;
    double bw = bp->bw_eff * hw->bandwidth_gbps * 1e9;
    if (d->cpu_exec) bw = c->pr->host_bw_eff * hw->bandwidth_gbps * 1e9;
    double bw_w = bw;
    if (bp->bw_cap_gbps > 0 && c->quantized_weights) bw_w = fmin(bw, bp->bw_cap_gbps * 1e9);
    const double peak = peak_tflops(hw, bp) * 1e12;
    const double kv = S * kv_read_bytes(c, d->l0, d->l1, depth);
    const double af = S * attn_flops(c, d->l0, d->l1, depth);
    const double t_attn = fmax(kv / bw, af / (bp->attn_eff * peak));
    const double t_w = w / bw_w;
    double t_mm = 2.0 * params * S / (bp->compute_eff * peak);
    /* kernels bound by dequantizing each weight (decode_compute_eff, fitted per engine and class):
     * that cost is paid once per step, the multiply-adds once per sequence */
    if (bp->decode_compute_eff > 0) t_mm = fmax(t_mm, 2.0 * params / (bp->decode_compute_eff * peak));
    t.mem_s = t_w + t_attn;
    t.compute_s = t_mm + af / (bp->attn_eff * peak);
    t.overhead_s = (nl + (d->out ? 1 : 0)) * bp->layer_overhead_us * 1e-6;
    t.total_s = fmax(t.mem_s, t.compute_s) + t.overhead_s;
    if (nl == 0 && !d->out) t = (dtime){0, 0, 0, 0};
    return t;
}

typedef struct ptime {
    double total_s;      /* whole prompt */
    double chunk_s;      /* one ubatch (for pipelining across GPUs) */
    llmcap_bound bound;
} ptime;

/* prefill of n tokens starting at depth d0, per device */
static ptime prefill_dev_time(const ctxinfo *c, const dev *d, const dev *gpu_dev, const llmcap_hardware *cpu_hw,
                              double n, double d0)
{
    const llmcap_model_spec *s = &c->m->spec;
    const qtable *q = c->q;
    ptime r = {.total_s = 0, .chunk_s = 0, .bound = LLMCAP_BOUND_COMPUTE};
    const uint32_t nl = d->l1 - d->l0;
    if (nl == 0 && !d->out) return r;
    const double u = fmin((double)c->p->n_ubatch, n);
    const double chunks = ceil(n / u);
    /* weights read per ubatch: dense + the experts u tokens touch */
    double w = rng(q->cum_bytes, d->l0, d->l1) - rng(q->cum_expert, d->l0, d->l1);
    if (s->n_expert > 1) {
        const double kn = (double)s->n_expert_used / s->n_expert;
        w += rng(q->cum_expert, d->l0, d->l1) * (1.0 - pow(1.0 - kn, u));
    }
    double params = rng(q->cum_active_params, d->l0, d->l1);
    double flops = 2.0 * params * n;
    /* causal attention over the prompt: token i attends d0 + i cells */
    const double aflops = attn_flops(c, d->l0, d->l1, 1.0) * (n * d0 + n * n / 2.0);
    if (d->out) { w += q->output_bytes; flops += 2.0 * q->output_params; } /* logits of the last token only */
    const double bytes = chunks * w;

    const llmcap_hardware *hw = d->hw;
    llmcap_hw_kind kind = d->kind;
    if (d->cpu_exec) {
        if (gpu_dev && u >= OP_OFFLOAD_MIN_BATCH && gpu_dev->hw->pcie_gbps > 0) {
            /* op offload: host weights are uploaded over the host link each ubatch
             * and multiplied on the GPU */
            const llmcap_backend_params *gp = &c->kp[gpu_dev->kind];
            const double rate = prefill_rate(gpu_dev->hw, gp, c->quantized_weights);
            double t_up = bytes / (c->pr->pcie_eff * gpu_dev->hw->pcie_gbps * 1e9);
            double t_c = flops / rate + aflops / (rate * gp->prefill_attn_eff);
            r.total_s = fmax(t_up, t_c) + chunks * nl * gp->layer_overhead_us * 1e-6;
            r.chunk_s = r.total_s / chunks;
            r.bound = t_up > t_c ? LLMCAP_BOUND_PCIE : LLMCAP_BOUND_COMPUTE;
            return r;
        }
        hw = cpu_hw;
        kind = LLMCAP_HW_CPU;
    }
    const llmcap_backend_params *bp = &c->kp[kind];
    double bw = (d->cpu_exec ? c->pr->host_bw_eff : bp->bw_eff) * hw->bandwidth_gbps * 1e9;
    const double rate = prefill_rate(hw, bp, c->quantized_weights);
    const double t_c = flops / rate + aflops / (rate * bp->prefill_attn_eff);
    const double t_m = bytes / bw;
    r.total_s = fmax(t_c, t_m) + chunks * (nl + (d->out ? 1 : 0)) * bp->layer_overhead_us * 1e-6;
    r.chunk_s = r.total_s / chunks;
    r.bound = d->cpu_exec ? LLMCAP_BOUND_HOST_RAM : (t_c >= t_m ? LLMCAP_BOUND_COMPUTE : LLMCAP_BOUND_BANDWIDTH);
    return r;
}

static void fmt_gib(char *buf, size_t n, double bytes) { snprintf(buf, n, "%.2f GiB", bytes / GIB); }

llmcap_status llmcap_estimate(llmcap_model *m, const llmcap_params *p, llmcap_result *r, llmcap_error *err)
{
    memset(r, 0, sizeof *r);
    llmcap_status st = check_params(m, p, err);
    if (st) return st;
    const llmcap_model_spec *s = &m->spec;
    const llmcap_profile *pr = p->profile ? p->profile : llmcap_profile_default();
    const bool exact = m->exact && !p->override_types;
    int ftype = p->ftype, ttype = p->tensor_type;
    if (!exact && ftype < 0 && ttype < 0) ftype = GGUF_FTYPE_Q4_K_M;
    if (ttype >= 0) ftype = -1;
    const qtable *q;
    st = llmcap_model_qtable(m, ftype, ttype, exact, &q, err);
    if (st) return st;

    ctxinfo c = {.m = m, .q = q, .p = p, .pr = pr, .kp = pr->kind};
    if (p->engine[0] && strcmp(p->engine, "llama.cpp")) {
        if (!memchr(p->engine, 0, sizeof p->engine))
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "engine name is not terminated");
        c.kp = llmcap_profile_class(pr, p->engine, (llmcap_hw_kind)0);
        if (!c.kp) return llmcap_profile_engine_error(pr, p->engine, err);
    }
    c.n_ctx = p->n_ctx ? p->n_ctx : (s->n_ctx_train ? s->n_ctx_train : 4096);
    if (c.n_ctx > LLMCAP_NCTX_MAX) c.n_ctx = LLMCAP_NCTX_MAX;
    if (p->depth > c.n_ctx)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "depth %u exceeds n_ctx %u: the KV cache cannot hold the context", p->depth, c.n_ctx);
    c.cells_glob = pad_up(c.n_ctx, KV_PAD);
    c.cells_swa = c.cells_glob;
    if (s->swa_window) {
        /* llama.cpp iSWA cache: min(n_ctx, pad(n_swa * n_seq + n_ubatch, 256)) */
        uint64_t sw = (uint64_t)s->swa_window * p->n_seq + p->n_ubatch;
        if (sw < c.cells_glob) c.cells_swa = pad_up((uint32_t)sw, KV_PAD);
        if (c.cells_swa > c.cells_glob) c.cells_swa = c.cells_glob;
    }
    c.bk = gguf_type_bpw(p->type_k) / 8.0;
    c.bv = gguf_type_bpw(p->type_v) / 8.0;
    c.quantized_weights = q->params > 0 && q->total_bytes * 8.0 / q->params < 12.0;

    /* ---- layout ---- */
    const uint32_t L = s->n_layer;
    const llmcap_hw_kind kind = p->gpu.kind;
    const llmcap_hardware *host_hw = p->has_host ? &p->host : &default_host;
    /* CPU-executed layers of a unified-memory SoC read the SoC's own memory */
    const llmcap_hardware *cpu_hw = (kind == LLMCAP_HW_APPLE || kind == LLMCAP_HW_IGPU) ? &p->gpu : host_hw;
    dev devs[LLMCAP_MAX_DEVICES];
    uint32_t nd = 0;
    uint32_t ngl = p->n_gpu_layers < 0 ? L + 1 : (uint32_t)p->n_gpu_layers;
    if (ngl > L + 1) ngl = L + 1;
    const dev *gpu0 = NULL;
    if (kind == LLMCAP_HW_CPU) {
        ngl = 0;
        devs[nd++] = (dev){.hw = &p->gpu, .kind = LLMCAP_HW_CPU, .is_host = true, .l0 = 0, .l1 = L, .out = true};
    } else if (kind == LLMCAP_HW_APPLE || kind == LLMCAP_HW_IGPU) {
        /* unified memory: one device; layers beyond -ngl run on the CPU cores from
         * the same memory */
        const uint32_t rep = ngl > 0 ? ngl - 1 : 0;
        devs[nd++] = (dev){.hw = &p->gpu, .kind = kind, .is_host = true, .l0 = L - rep, .l1 = L, .out = ngl > 0};
        if (rep < L) devs[nd++] = (dev){.hw = &p->gpu, .kind = kind, .is_host = false, .l0 = 0, .l1 = L - rep,
                                       .out = ngl == 0, .cpu_exec = true};
        gpu0 = &devs[0];
    } else {
        const uint32_t rep = ngl > 0 ? ngl - 1 : 0; /* repeating layers on GPUs */
        const uint32_t start = L - rep;
        const uint32_t slots = ngl;                 /* rep layers + the output layer */
        for (uint32_t g = 0; g < p->n_gpu; g++) {
            /* even split: GPU g holds slots [ceil(g*slots/n), ceil((g+1)*slots/n)) */
            uint32_t a = (uint32_t)(((uint64_t)g * slots + p->n_gpu - 1) / p->n_gpu);
            uint32_t b = (uint32_t)(((uint64_t)(g + 1) * slots + p->n_gpu - 1) / p->n_gpu);
            dev d = {.hw = &p->gpu, .kind = LLMCAP_HW_GPU};
            d.l0 = start + (a < rep ? a : rep);
            d.l1 = start + (b < rep ? b : rep);
            d.out = slots > 0 && b == slots && a < b;
            devs[nd++] = d;
        }
        gpu0 = &devs[0];
        devs[nd++] = (dev){.hw = host_hw, .kind = LLMCAP_HW_CPU, .is_host = true, .l0 = 0, .l1 = start,
                           .out = ngl == 0, .cpu_exec = true};
    }

    /* ---- memory ---- */
    double host_cap = p->host_ram_bytes;
    uint32_t nmem = 0;
    for (uint32_t i = 0; i < nd; i++) {
        const dev *d = &devs[i];
        /* unified kinds: the CPU-executed part shares the SoC's memory entry */
        llmcap_device_mem *dm;
        if ((kind == LLMCAP_HW_APPLE || kind == LLMCAP_HW_IGPU) && d->cpu_exec) dm = &r->memory.devices[0];
        else {
            dm = &r->memory.devices[nmem++];
            dm->kind = d->kind;
            dm->is_host = d->is_host;
            if (kind == LLMCAP_HW_GPU && !d->is_host)
                snprintf(dm->name, sizeof dm->name, "%.100s #%u", d->hw->name[0] ? d->hw->name : d->hw->id, i);
            else if (kind == LLMCAP_HW_GPU)
                snprintf(dm->name, sizeof dm->name, "host RAM (%.100s)", d->hw->id);
            else
                snprintf(dm->name, sizeof dm->name, "%s", d->hw->name[0] ? d->hw->name : d->hw->id);
            if (d->kind == LLMCAP_HW_CPU) dm->capacity_bytes = host_cap;
            else dm->capacity_bytes = d->hw->memory_bytes * c.kp[d->kind].usable_mem_frac;
            dm->overhead_bytes = c.kp[d->kind].runtime_bytes;
        }
        dm->weights_bytes += rng(q->cum_bytes, d->l0, d->l1) + (d->out ? q->output_bytes : 0);
        if (d->is_host) dm->weights_bytes += q->embd_bytes + q->other_bytes;
        dm->kv_bytes += kv_bytes(&c, d->l0, d->l1);
        dm->compute_bytes = fmax(dm->compute_bytes, compute_bytes(&c, d));
        if (d->is_host) dm->output_bytes = (double)s->n_vocab * p->n_seq * 4.0;
        dm->n_layers += d->l1 - d->l0;
        dm->has_output_layer |= d->out;
    }
    r->memory.n_devices = nmem;
    r->fits = true;
    for (uint32_t i = 0; i < nmem; i++) {
        llmcap_device_mem *dm = &r->memory.devices[i];
        dm->total_bytes = dm->weights_bytes + dm->kv_bytes + dm->compute_bytes + dm->output_bytes + dm->overhead_bytes;
        dm->fits = dm->capacity_bytes <= 0 || dm->total_bytes <= dm->capacity_bytes;
        r->memory.kv_bytes += dm->kv_bytes;
        r->memory.compute_bytes += dm->compute_bytes;
        r->memory.output_bytes += dm->output_bytes;
        r->memory.overhead_bytes += dm->overhead_bytes;
        r->memory.total_bytes += dm->total_bytes;
        if (!dm->fits && r->fits) {
            char need[32], have[32];
            fmt_gib(need, sizeof need, dm->total_bytes);
            fmt_gib(have, sizeof have, dm->capacity_bytes);
            snprintf(r->limit_reason, sizeof r->limit_reason, "%s needs %s of %s (%s)", dm->name, need, have,
                     dm->kv_bytes > dm->weights_bytes ? "KV cache is the largest part" : "weights are the largest part");
            r->fits = false;
        }
    }
    r->memory.weights_bytes = q->total_bytes;

    /* ---- speed ---- */
    const llmcap_backend_params *mainp = &c.kp[kind];
    const double n_gen = p->n_gen;
    const double d_dec = (double)p->depth + n_gen / 2.0; /* a tgN run averages depth + N/2 (llama-bench) */
    double t_dev_sum = 0, t_host = 0, t_mem = 0, t_comp = 0, t_over = 0;
    uint32_t gpus_used = 0;
    for (uint32_t i = 0; i < nd; i++) {
        dtime t = decode_dev_time(&c, &devs[i], cpu_hw, 1.0, d_dec);
        t_dev_sum += t.total_s;
        if (devs[i].cpu_exec && kind != LLMCAP_HW_CPU) t_host += t.total_s;
        t_mem += t.mem_s; t_comp += t.compute_s; t_over += t.overhead_s;
        if (!devs[i].is_host && (devs[i].l1 > devs[i].l0 || devs[i].out)) gpus_used++;
    }
    double fixed = mainp->tok_overhead_ms * 1e-3;
    if (gpus_used > 1) fixed += (gpus_used - 1) * pr->multi_gpu_overhead_ms * 1e-3;
    if (kind == LLMCAP_HW_GPU && gpus_used > 0 && devs[nd - 1].l1 > devs[nd - 1].l0)
        fixed += pr->multi_gpu_overhead_ms * 1e-3; /* GPU <-> CPU hand-off */
    const double step = t_dev_sum + fixed;
    r->speed.decode_ms_per_tok = step * 1e3;
    r->speed.decode_tok_s = 1.0 / step;
    if (mainp->decode_pi_log > 0) {
        r->speed.decode_tok_s_low = r->speed.decode_tok_s * exp(-mainp->decode_pi_log);
        r->speed.decode_tok_s_high = r->speed.decode_tok_s * exp(mainp->decode_pi_log);
    }
    if (t_host > 0.5 * step) r->speed.bound = LLMCAP_BOUND_HOST_RAM;
    else if (t_over + fixed > 0.5 * step) r->speed.bound = LLMCAP_BOUND_OVERHEAD;
    else if (t_comp > t_mem) r->speed.bound = LLMCAP_BOUND_COMPUTE;
    else r->speed.bound = LLMCAP_BOUND_BANDWIDTH;
    {
        double bytes = 0;
        for (uint32_t i = 0; i < nd; i++) {
            const dev *d = &devs[i];
            bytes += rng(q->cum_active, d->l0, d->l1) + (d->out ? q->output_bytes : 0) + kv_read_bytes(&c, d->l0, d->l1, d_dec);
        }
        r->speed.decode_bytes_per_tok = bytes + q->embd_row_bytes;
    }
    /* aggregate decode with n_seq sequences */
    if (p->n_seq > 1) {
        double ts = fixed;
        for (uint32_t i = 0; i < nd; i++) ts += decode_dev_time(&c, &devs[i], cpu_hw, (double)p->n_seq, d_dec).total_s;
        r->speed.decode_agg_tok_s = p->n_seq / ts;
    } else {
        r->speed.decode_agg_tok_s = r->speed.decode_tok_s;
    }
    /* prefill */
    const double np = p->n_prompt;
    double t_pre = 0;
    if (np > 0) {
        double worst = -1, sum_chunk = 0, max_chunk = 0;
        uint32_t busy = 0;
        llmcap_bound pb = LLMCAP_BOUND_COMPUTE;
        const dev *g0 = (kind == LLMCAP_HW_GPU || kind == LLMCAP_HW_APPLE || kind == LLMCAP_HW_IGPU) ? gpu0 : NULL;
        for (uint32_t i = 0; i < nd; i++) {
            ptime t = prefill_dev_time(&c, &devs[i], g0, cpu_hw, np, (double)p->depth);
            t_pre += t.total_s;
            sum_chunk += t.chunk_s;
            if (t.chunk_s > max_chunk) max_chunk = t.chunk_s;
            if (t.total_s > 0) busy++;
            if (t.total_s > worst) { worst = t.total_s; pb = t.bound; }
        }
        const double chunks = ceil(np / fmin((double)p->n_ubatch, np));
        if (kind == LLMCAP_HW_GPU && gpus_used > 1 && busy == gpus_used && chunks > 1) {
            /* llama.cpp pipeline parallelism (all layers on GPUs, several GPUs): the
             * ubatches of one n_batch flow through the GPUs like a pipeline, so a
             * batch of k ubatches takes (k - 1) * slowest stage + one full pass. */
            const double k = fmax(1.0, floor((double)p->n_batch / p->n_ubatch));
            const double batches = ceil(chunks / k);
            const double kk = fmin(k, chunks);
            t_pre = batches * ((kk - 1) * max_chunk + sum_chunk);
        }
        t_pre += chunks * mainp->tok_overhead_ms * 1e-3;
        r->speed.prefill_tok_s = np / t_pre;
        if (mainp->prefill_pi_log > 0) {
            r->speed.prefill_tok_s_low = r->speed.prefill_tok_s * exp(-mainp->prefill_pi_log);
            r->speed.prefill_tok_s_high = r->speed.prefill_tok_s * exp(mainp->prefill_pi_log);
        }
        r->speed.prefill_bound = pb;
        r->speed.prefill_flops_per_tok = 2.0 * q->cum_active_params[L] + attn_flops(&c, 0, L, (double)p->depth + np / 2.0);
    } else {
        r->speed.prefill_bound = LLMCAP_BOUND_COMPUTE;
    }
    r->speed.ttft_ms = (np > 0 ? t_pre : step) * 1e3;
    if (n_gen > 1) {
        /* generation after the prompt: average depth depth + n_prompt + n_gen/2 */
        double tg = 0;
        const double dd = (double)p->depth + np + n_gen / 2.0;
        for (uint32_t i = 0; i < nd; i++) tg += decode_dev_time(&c, &devs[i], cpu_hw, 1.0, dd).total_s;
        tg += fixed;
        r->speed.total_ms = r->speed.ttft_ms + (n_gen - 1) * tg * 1e3;
    } else {
        r->speed.total_ms = r->speed.ttft_ms;
    }

    r->params_total = q->params;
    r->params_active = q->params_active;
    r->bits_per_weight = q->params > 0 ? q->total_bytes * 8.0 / q->params : 0;
    r->n_layer = L;
    r->n_gpu_layers = ngl;
    r->n_ctx = c.n_ctx;
    r->ftype = exact ? -1 : ftype;
    r->tensor_type = exact ? -1 : ttype;
    return LLMCAP_OK;
}
