/* internal.h - structures shared by the estimator's .c files (not public). */
#ifndef LLMCAP_INTERNAL_H
#define LLMCAP_INTERNAL_H

#include "llmcap.h"
#include "types.h"

#include <stdarg.h>

/* Fill err (may be NULL) with status and a printf-style message; returns status. */
llmcap_status llmcap_set_error(llmcap_error *err, llmcap_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Read a whole file (at most 64 MiB) into a malloc'd buffer, not NUL-terminated;
 * LLMCAP_ERR_IO naming the path when it cannot be opened, read or is too large. */
llmcap_status llmcap_read_file(const char *path, char **buf_out, size_t *len_out, llmcap_error *err);

/* What a tensor does; decides its placement and whether it is read per token. */
typedef enum tensor_role {
    ROLE_TOKEN_EMBD = 0, /* token_embd: stays in host RAM, one row read per token */
    ROLE_OUTPUT,         /* output (lm_head) and output_norm: the "output layer" */
    ROLE_LAYER,          /* dense per-layer weights (attention, dense FFN, norms) */
    ROLE_EXPERT,         /* routed expert weights (merged 3-D *_exps tensors) */
    ROLE_OTHER           /* anything else outside blocks (kept on the host) */
} tensor_role;

typedef struct mtensor {
    char name[64];
    uint32_t n_dims;
    int64_t ne[4];
    int32_t layer;        /* block index, -1 outside blocks */
    uint8_t role;         /* tensor_role */
    gguf_type type;       /* exact type (GGUF models) */
    uint64_t bytes;       /* exact bytes (GGUF models) */
} mtensor;

/* Per-quant weight table: bytes per layer and prefix sums for fast splits.
 * All arrays have n_layer + 1 entries; cum_*[i] = sum over layers < i. */
typedef struct qtable {
    int ftype;            /* key: ftype or -1 */
    int tensor_type;      /* key: pure type or -1 */
    bool exact;           /* key: GGUF exact types */
    double embd_bytes;    /* token_embd (host) */
    double embd_row_bytes;/* one row of token_embd (read per token) */
    double other_bytes;   /* ROLE_OTHER tensors (host) */
    double output_bytes;  /* output layer: output.weight (or tied copy of token_embd) + output_norm */
    double output_unique_bytes; /* output layer bytes not shared with token_embd */
    double total_bytes;   /* unique weights (sum over tensors, counting a tied matrix once) */
    double *cum_bytes;    /* weights of layers */
    double *cum_active;   /* bytes read per token (dense + routed * used/n_expert) */
    double *cum_expert;   /* routed expert bytes */
    double *cum_active_params; /* parameters used per token (dense + routed * used/n_expert) */
    double output_params; /* parameters of the output matrix (n_embd * n_vocab) */
    double params;        /* sum of tensor elements (unique) */
    double params_active; /* parameters used per token, excluding token_embd rows */
} qtable;

#define QCACHE_MAX 48

struct llmcap_model {
    llmcap_model_spec spec;
    bool exact;           /* from GGUF */
    int file_ftype;       /* general.file_type or -1 */
    char *source_owned;   /* strings referenced by spec (freed with the model) */
    mtensor *tensors;
    size_t n_tensors;
    /* per-layer attention shape (KV), n_layer entries */
    uint32_t *kv_k_elems; /* K elements per cell (n_embd_k_gqa; MLA: kv_lora_rank + rope) */
    uint32_t *kv_v_elems; /* V elements per cell (0 for MLA: V is a view of K) */
    uint8_t *is_swa;      /* layer uses the sliding window */
    /* prefix sums over layers of the above, split global / sliding (n_layer + 1 entries) */
    double *cum_k_glob, *cum_v_glob, *cum_k_swa, *cum_v_swa;
    double *cum_attn_flops; /* per cell of context: 2 * (n_head*head_dim + n_head*head_dim_v) per layer */
    uint32_t max_ff_active; /* largest FFN width used per token in a layer (for compute buffers) */
    qtable qcache[QCACHE_MAX];
    size_t n_qcache;
};

/* Find or build the weight table for a quant choice (ftype / pure type / exact). */
llmcap_status llmcap_model_qtable(llmcap_model *m, int ftype, int tensor_type, bool exact,
                                  const qtable **out, llmcap_error *err);

/* A profile as a cJSON object (profile_json.c; llmcap_profile_to_json prints
 * it): calibrate.c adds its report ("source", "fit", "loho") before printing.
 * NULL on out of memory; free with cJSON_Delete. */
struct cJSON;
struct cJSON *llmcap_profile_to_cjson(const llmcap_profile *p);
/* The named parameter of p (profile_json.c's table): field of class kind in
 * section ("" = the classes; an engine section must exist) or, kind < 0, a
 * global field; *stderr_out (if not NULL) gets its stderr slot. NULL when unknown. */
double *llmcap_profile_field(llmcap_profile *p, const char *section, int kind, const char *field, double **stderr_out);
/* LLMCAP_ERR_NOT_FOUND: "profile 'P' has no engine section 'E' (engines: llama.cpp, ...)" */
llmcap_status llmcap_profile_engine_error(const llmcap_profile *p, const char *engine, llmcap_error *err);

/* Check a hardware record's figures (finite, > 0, not absurd); what names it in messages. */
llmcap_status llmcap_check_hardware(const llmcap_hardware *hw, const char *what, llmcap_error *err);

#endif
