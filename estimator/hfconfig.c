/* hfconfig.c - a Hugging Face config.json to a model spec.
 *
 * Field names are those of transformers' configuration classes
 * (LlamaConfig, Qwen2Config, MixtralConfig, Gemma2Config, Gemma3TextConfig,
 * Phi3Config, DeepseekV3Config, GptOssConfig); the architecture name is mapped
 * to the GGUF general.architecture llama.cpp's converter writes.
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct { const char *model_type; const char *arch; } ARCH_MAP[] = {
    {"llama", "llama"}, {"mistral", "llama"}, {"mixtral", "llama"}, {"qwen2", "qwen2"}, {"qwen3", "qwen3"},
    {"qwen3_moe", "qwen3moe"}, {"qwen2_moe", "qwen2moe"}, {"gemma", "gemma"}, {"gemma2", "gemma2"},
    {"gemma3", "gemma3"}, {"gemma3_text", "gemma3"}, {"phi3", "phi3"}, {"deepseek_v2", "deepseek2"},
    {"deepseek_v3", "deepseek2"}, {"gpt_oss", "gpt-oss"}, {"smollm3", "smollm3"}, {"granite", "granite"},
    {"olmo2", "olmo2"}, {"cohere", "command-r"}, {"starcoder2", "starcoder2"},
};

/* integer field: *out unchanged when absent; error when present but not a
 * non-negative integer below 2^32 */
static llmcap_status get_u32(const cJSON *o, const char *key, uint32_t *out, bool required, llmcap_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) return llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: missing field '%s'", key);
        return LLMCAP_OK;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
        v->valuedouble != floor(v->valuedouble))
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: field '%s' must be a non-negative integer", key);
    *out = (uint32_t)v->valuedouble;
    return LLMCAP_OK;
}

static bool get_bool(const cJSON *o, const char *key, bool def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v);
    return def;
}

llmcap_status llmcap_spec_from_hf_config(const char *json, size_t len, llmcap_model_spec *s, llmcap_error *err)
{
    memset(s, 0, sizeof *s);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json && at <= json + len ? (long)(at - json) : -1;
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: malformed JSON (near byte %ld)", off);
    }
    llmcap_status st = LLMCAP_OK;
    if (!cJSON_IsObject(root)) {
        st = llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: top level must be an object");
        goto done;
    }
    const cJSON *o = root;
    const cJSON *tc = cJSON_GetObjectItemCaseSensitive(root, "text_config");
    if (cJSON_IsObject(tc) && cJSON_GetObjectItemCaseSensitive(tc, "hidden_size")) o = tc; /* Gemma 3 multimodal */
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(o, "model_type");
    if (!cJSON_IsString(mt)) mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (!cJSON_IsString(mt)) {
        st = llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: missing field 'model_type'");
        goto done;
    }
    const char *arch = NULL;
    for (size_t i = 0; i < sizeof ARCH_MAP / sizeof ARCH_MAP[0]; i++)
        if (!strcmp(ARCH_MAP[i].model_type, mt->valuestring)) arch = ARCH_MAP[i].arch;
    if (!arch) {
        st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED,
                              "config.json: model_type '%.60s' is not supported (llama, mistral, mixtral, qwen2, qwen3, "
                              "qwen3_moe, gemma2, gemma3, phi3, deepseek_v3, gpt_oss, ...)", mt->valuestring);
        goto done;
    }
    snprintf(s->arch, sizeof s->arch, "%s", arch);
    snprintf(s->id, sizeof s->id, "hf-config");
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const cJSON *a0 = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    snprintf(s->name, sizeof s->name, "%s", cJSON_IsString(a0) ? a0->valuestring : mt->valuestring);

    if ((st = get_u32(o, "num_hidden_layers", &s->n_layer, true, err))) goto done;
    if ((st = get_u32(o, "hidden_size", &s->n_embd, true, err))) goto done;
    if ((st = get_u32(o, "num_attention_heads", &s->n_head, true, err))) goto done;
    if ((st = get_u32(o, "vocab_size", &s->n_vocab, true, err))) goto done;
    if ((st = get_u32(o, "intermediate_size", &s->n_ff, false, err))) goto done;
    s->n_head_kv = s->n_head;
    if ((st = get_u32(o, "num_key_value_heads", &s->n_head_kv, false, err))) goto done;
    if (s->n_head == 0) { st = llmcap_set_error(err, LLMCAP_ERR_PARSE, "config.json: num_attention_heads is 0"); goto done; }
    s->head_dim = s->n_embd / s->n_head;
    if ((st = get_u32(o, "head_dim", &s->head_dim, false, err))) goto done;
    if ((st = get_u32(o, "max_position_embeddings", &s->n_ctx_train, false, err))) goto done;
    s->tied_embeddings = get_bool(o, "tie_word_embeddings", get_bool(root, "tie_word_embeddings",
                                                                       strncmp(arch, "gemma", 5) == 0));
    s->qkv_bias = get_bool(o, "attention_bias", !strcmp(arch, "qwen2") || !strcmp(arch, "qwen2moe"));
    /* MoE: Mixtral num_local_experts, Qwen num_experts, DeepSeek n_routed_experts */
    if ((st = get_u32(o, "num_local_experts", &s->n_expert, false, err))) goto done;
    if ((st = get_u32(o, "num_experts", &s->n_expert, false, err))) goto done;
    if ((st = get_u32(o, "n_routed_experts", &s->n_expert, false, err))) goto done;
    if ((st = get_u32(o, "num_experts_per_tok", &s->n_expert_used, false, err))) goto done;
    if ((st = get_u32(o, "moe_intermediate_size", &s->n_ff_exp, false, err))) goto done;
    if ((st = get_u32(o, "n_shared_experts", &s->n_expert_shared, false, err))) goto done;
    if ((st = get_u32(o, "first_k_dense_replace", &s->n_layer_dense_lead, false, err))) goto done;
    if (s->n_expert <= 1) { s->n_expert = 0; s->n_expert_used = 0; }
    /* sliding window */
    const cJSON *usw = cJSON_GetObjectItemCaseSensitive(o, "use_sliding_window");
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(o, "sliding_window");
    if (cJSON_IsNumber(sw) && !(cJSON_IsBool(usw) && !cJSON_IsTrue(usw))) {
        if ((st = get_u32(o, "sliding_window", &s->swa_window, false, err))) goto done;
        const cJSON *lt = cJSON_GetObjectItemCaseSensitive(o, "layer_types");
        uint32_t pat = 0;
        if ((st = get_u32(o, "sliding_window_pattern", &pat, false, err))) goto done;
        if (pat) s->swa_pattern = pat;
        else if (!strcmp(arch, "gemma2") || !strcmp(arch, "gpt-oss")) s->swa_pattern = 2;
        else if (!strcmp(arch, "gemma3")) s->swa_pattern = 6;
        else if (cJSON_IsArray(lt)) {
            /* pattern from layer_types: distance between full-attention layers */
            int n = cJSON_GetArraySize(lt), first_full = -1;
            for (int i = 0; i < n; i++) {
                const cJSON *e = cJSON_GetArrayItem(lt, i);
                if (cJSON_IsString(e) && !strcmp(e->valuestring, "full_attention")) { first_full = i; break; }
            }
            s->swa_pattern = first_full < 0 ? 1 : (uint32_t)first_full + 1;
        } else {
            s->swa_pattern = 1;
        }
        if (s->swa_window == 0) s->swa_pattern = 0;
    }
    /* MLA */
    if ((st = get_u32(o, "kv_lora_rank", &s->kv_lora_rank, false, err))) goto done;
    if ((st = get_u32(o, "q_lora_rank", &s->q_lora_rank, false, err))) goto done;
    if (s->kv_lora_rank) {
        uint32_t nope = 0, rope = 0, v = 0;
        if ((st = get_u32(o, "qk_nope_head_dim", &nope, true, err))) goto done;
        if ((st = get_u32(o, "qk_rope_head_dim", &rope, true, err))) goto done;
        if ((st = get_u32(o, "v_head_dim", &v, true, err))) goto done;
        s->qk_rope_head_dim = rope;
        s->head_dim = nope + rope;
        s->head_dim_v = v;
        if (s->n_expert_shared) s->n_ff_shexp = s->n_ff_exp * s->n_expert_shared;
    }
    if (s->n_expert && !s->n_ff_exp) s->n_ff_exp = s->n_ff;
    snprintf(s->family, sizeof s->family, "%s", mt->valuestring);
done:
    cJSON_Delete(root);
    return st;
}
