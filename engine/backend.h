/* backend.h - the interface a compute backend implements for forward.c.
 *
 * forward.c only sequences operations; a backend owns the activation buffers
 * (eng_act), the KV cache and the weights' device copies (none on the CPU: it
 * reads the mapped file). Operations are issued in order; a backend may run
 * them at once (CPU) or record them and run them at `read` (a GPU queue).
 * Shapes: activations are row-major [n_tok][dim] float32.
 */
#ifndef LLMCAP_ENGINE_BACKEND_H
#define LLMCAP_ENGINE_BACKEND_H

#include "engine.h"

typedef struct eng_act eng_act;

typedef struct eng_backend_ops {
    const char *name;
    /* allocate KV cache and scratch for p->n_ctx positions, p->n_batch tokens */
    eng_status (*init)(eng_backend *be, char *err, size_t err_len);
    void (*destroy)(eng_backend *be);
    /* an activation buffer of n floats (NULL on out of memory) */
    eng_act *(*act_new)(eng_backend *be, size_t n);
    /* x[t] = row tok[t] of emb, as float */
    void (*embed)(eng_backend *be, const eng_weight *emb, const int32_t *tok, int n_tok, eng_act *x);
    /* y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w   (dim = w->ne0) */
    void (*rmsnorm)(eng_backend *be, const eng_act *x, const eng_weight *w, float eps, int n_tok, eng_act *y);
    /* y[t][r] = sum_i W[r][i] x[t][i] (+ bias[r]); W is ne1 x ne0; bias may have data NULL */
    void (*matmul)(eng_backend *be, const eng_weight *w, const eng_weight *bias, const eng_act *x,
                   int n_tok, eng_act *y);
    /* rotate every head of x ([n_tok][n_head * head_dim]) for positions pos0.. */
    void (*rope)(eng_backend *be, eng_act *x, int n_tok, int n_head, int pos0);
    /* store k, v ([n_tok][n_head_kv*head_dim]) at pos0.. in layer il's cache, then
     * out[t] = causal attention of q[t] over positions 0..pos0+t */
    void (*attention)(eng_backend *be, int il, const eng_act *q, const eng_act *k, const eng_act *v,
                      int n_tok, int pos0, eng_act *out);
    /* gate[i] = silu(gate[i]) * up[i], i < n */
    void (*swiglu)(eng_backend *be, eng_act *gate, const eng_act *up, size_t n);
    /* x[i] += y[i], i < n */
    void (*add)(eng_backend *be, eng_act *x, const eng_act *y, size_t n);
    /* dst[0..dim) = src row `row` */
    void (*get_row)(eng_backend *be, const eng_act *src, int row, int dim, eng_act *dst);
    /* copy n floats to host memory, waiting for queued work */
    eng_status (*read)(eng_backend *be, const eng_act *x, size_t n, float *host, char *err, size_t err_len);
    uint64_t (*kv_bytes)(const eng_backend *be);
    const char *(*simd_name)(const eng_backend *be);
    /* optional (NULL on the CPU): *out = argmax of x[0..n) computed on the device,
     * waiting for queued work (4 bytes come back instead of n floats) */
    eng_status (*argmax)(eng_backend *be, const eng_act *x, size_t n, int32_t *out, char *err, size_t err_len);
    /* optional: the device a GPU backend runs on */
    void (*device_info)(const eng_backend *be, eng_device_info *out);
    /* optional: on = start per-kernel timing; !on = stop and aggregate by kernel name */
    eng_status (*profile)(eng_backend *be, bool on, eng_kernel_time *out, int cap, int *n, char *err, size_t err_len);
    /* optional: report an error latched by an operation (ops return void) or the device */
    eng_status (*check)(eng_backend *be, char *err, size_t err_len);
    /* Optional fused operations (NULL: forward.c issues the plain sequence); a
     * GPU backend runs each as one dispatch when it can (decode), which is what
     * bounds a decode step there. `scratch` is a free buffer of the input's size.
     * y[i] = W[i] (RMSNorm(x) * norm) + b[i] for i < n (n <= 3; W[i] share ne0) */
    void (*norm_matmuls)(eng_backend *be, const eng_weight *norm, float eps, const eng_act *x, int n_tok, int n,
                         const eng_weight *const *w, const eng_weight *const *b, eng_act *const *y, eng_act *scratch);
    /* gate = silu(Wg m) * (Wu m), m = RMSNorm(x) * norm (up may be overwritten) */
    void (*norm_glu)(eng_backend *be, const eng_weight *norm, float eps, const eng_act *x, int n_tok,
                     const eng_weight *wg, const eng_weight *wu, eng_act *gate, eng_act *up, eng_act *scratch);
    /* y += W x (scratch: [n_tok][W rows]) */
    void (*matmul_add)(eng_backend *be, const eng_weight *w, const eng_act *x, int n_tok, eng_act *y,
                       eng_act *scratch);
    /* true: attention rotates q and k itself (RoPE), forward.c skips rope */
    bool rope_in_attention;
} eng_backend_ops;

struct eng_backend {
    const eng_backend_ops *ops;
    const eng_model *m;
    eng_ctx_params p;
    void *impl;
};

/* The CPU backend (engine/cpu/backend_cpu.c). */
extern const eng_backend_ops eng_backend_cpu;
/* The WebGPU backend (engine/webgpu/backend_webgpu.c). */
extern const eng_backend_ops eng_backend_webgpu;

#endif
