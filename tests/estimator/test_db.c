/* test_db.c - the data loader (estimator/db.c): the committed data/ files load
 * with the values the CSVs give, lookups by id / alias / case, nearest-name
 * suggestions, and a battery of broken inputs (each must fail with the right
 * status and a message naming the file, the entry and the field).
 * Run from the repository root (the tests read data/ relative to it). */
#include "llmcap.h"
#include "test.h"

#define DATA_DIR "data"
#define HW_LABEL "test/hardware.json"
#define MODELS_LABEL "test/models.json"

/* ------------------------------------------------------------------------- */
/* The committed data                                                         */
/* ------------------------------------------------------------------------- */

static llmcap_db *load_data(void) {
    llmcap_db *db = NULL;
    llmcap_error err = {LLMCAP_OK, ""};
    llmcap_status st = llmcap_db_load_dir(DATA_DIR, &db, &err);
    if (st != LLMCAP_OK)
        fprintf(stderr, "  loading %s: %s\n", DATA_DIR, err.msg);
    CHECK_EQ_INT(st, LLMCAP_OK);
    return db;
}

static void test_data_counts(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    /* every row of hardware.csv (73) + 5 devices measured_runs.csv needs; every row of models.csv */
    size_t n_hw = llmcap_db_n_hardware(db), n_models = llmcap_db_n_models(db);
    CHECK(n_hw >= 78);
    CHECK(n_models >= 48);
    CHECK_STR(llmcap_db_hardware_at(db, 0)->id, "rtx-2060");   /* CSV order */
    CHECK_STR(llmcap_db_hardware_at(db, n_hw - 1)->id, "dgx-spark-gb10");
    CHECK_STR(llmcap_db_model_at(db, 0)->id, "llama-2-7b");
    CHECK(llmcap_db_hardware_at(db, n_hw) == NULL);
    CHECK(llmcap_db_model_at(db, n_models) == NULL);
    CHECK_EQ_INT(llmcap_db_n_hardware(NULL), 0);
    CHECK(llmcap_db_model_at(NULL, 0) == NULL);
    llmcap_db_free(db);
    llmcap_db_free(NULL);
}

static void test_data_hardware_values(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    const llmcap_hardware *h = llmcap_db_find_hardware(db, "rtx-4090");
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->name, "GeForce RTX 4090");
        CHECK_STR(h->vendor, "NVIDIA");
        CHECK_EQ_INT(h->kind, LLMCAP_HW_GPU);
        CHECK_NEAR(h->bandwidth_gbps, 1008.0, 0);
        CHECK_NEAR(h->memory_bytes, 25769803776.0, 0); /* 24 GiB */
        CHECK_NEAR(h->fp16_tflops, 165.0, 0);
        CHECK_NEAR(h->fp32_tflops, 82.58, 1e-12);
        CHECK_NEAR(h->int8_tops, 661.0, 0);
        CHECK_NEAR(h->pcie_gbps, 31.5, 0);          /* PCIe 4.0 x16 */
        CHECK_NEAR(h->tdp_w, 450.0, 0);
        CHECK_EQ_INT(h->launch_year, 2022);
        CHECK_STR(h->memory_type, "GDDR6X");
        CHECK_STR(h->interconnect, "PCIe 4.0 x16");
        CHECK(h->source != NULL && strstr(h->source, "RightNow-GPU-Database") != NULL);
        CHECK_CONTAINS(h->notes, "lamonoai/gpumap");
    }
    /* a CPU platform: no capacity, no compute, no host link */
    h = llmcap_db_find_hardware(db, "cpu-ddr5-6400-2ch");
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_INT(h->kind, LLMCAP_HW_CPU);
        CHECK_NEAR(h->memory_bytes, 0, 0);
        CHECK_NEAR(h->bandwidth_gbps, 102.4, 1e-12);
        CHECK_NEAR(h->fp16_tflops, 0, 0);
        CHECK_NEAR(h->pcie_gbps, 0, 0);
        CHECK_EQ_INT(h->launch_year, 0);
    }
    h = llmcap_db_find_hardware(db, "apple-m2-ultra");
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_INT(h->kind, LLMCAP_HW_APPLE);
        CHECK_NEAR(h->memory_bytes, 192.0 * 1073741824.0, 0);
        CHECK_NEAR(h->bandwidth_gbps, 819.2, 1e-12);
        CHECK_NEAR(h->pcie_gbps, 0, 0);             /* unified memory */
    }
    h = llmcap_db_find_hardware(db, "dgx-spark-gb10");
    CHECK(h != NULL && h->kind == LLMCAP_HW_IGPU && h->fp16_tflops == 0); /* fp16 not published */
    h = llmcap_db_find_hardware(db, "gh200-96gb");
    CHECK(h != NULL && h->pcie_gbps == 450.0);     /* NVLink-C2C 900 GB/s bidirectional */
    h = llmcap_db_find_hardware(db, "rtx-4060");
    CHECK(h != NULL && h->pcie_gbps == 15.75);     /* PCIe 4.0 x8 */
    h = llmcap_db_find_hardware(db, "b200");
    CHECK(h != NULL && h->pcie_gbps == 126.0);     /* PCIe 6.0 x16 */
    /* an added device: TPU record figures, tensor FP16 derived */
    h = llmcap_db_find_hardware(db, "a40");
    CHECK(h != NULL);
    if (h) {
        CHECK_NEAR(h->memory_bytes, 48.0 * 1073741824.0, 0);
        CHECK_NEAR(h->bandwidth_gbps, 695.8, 1e-12);
        CHECK_NEAR(h->fp16_tflops, 149.7, 1e-12);  /* 336 TCs x 1740 MHz x 256 */
        CHECK_CONTAINS(h->notes, "DERIVED");
        CHECK_CONTAINS(h->source, "a40-pcie");
    }
    llmcap_db_free(db);
}

static void test_data_model_values(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    const llmcap_model_spec *m = llmcap_db_find_model(db, "llama-3.1-8b");
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->arch, "llama");
        CHECK_STR(m->family, "llama-3");
        CHECK_EQ_INT(m->n_layer, 32);
        CHECK_EQ_INT(m->n_embd, 4096);
        CHECK_EQ_INT(m->n_ff, 14336);
        CHECK_EQ_INT(m->n_head, 32);
        CHECK_EQ_INT(m->n_head_kv, 8);
        CHECK_EQ_INT(m->head_dim, 128);
        CHECK_EQ_INT(m->head_dim_v, 0);
        CHECK_EQ_INT(m->n_vocab, 128256);
        CHECK_EQ_INT(m->n_ctx_train, 131072);
        CHECK_NEAR(m->params_total, 8.03e9, 1);
        CHECK_NEAR(m->params_active, 0, 0);
        CHECK(!m->tied_embeddings && !m->qkv_bias);
        CHECK_EQ_INT(m->n_expert, 0);
        CHECK_EQ_INT(m->swa_window, 0);
    }
    m = llmcap_db_find_model(db, "deepseek-v3");
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->arch, "deepseek2");
        CHECK_EQ_INT(m->kv_lora_rank, 512);
        CHECK_EQ_INT(m->q_lora_rank, 1536);
        CHECK_EQ_INT(m->qk_rope_head_dim, 64);
        CHECK_EQ_INT(m->head_dim, 192);
        CHECK_EQ_INT(m->head_dim_v, 128);
        CHECK_EQ_INT(m->n_expert, 256);
        CHECK_EQ_INT(m->n_expert_used, 8);
        CHECK_EQ_INT(m->n_ff_exp, 2048);
        CHECK_EQ_INT(m->n_expert_shared, 1);
        CHECK_EQ_INT(m->n_ff_shexp, 2048);
        CHECK_EQ_INT(m->n_layer_dense_lead, 3);
        CHECK_EQ_INT(m->n_ff, 18432);
        CHECK_NEAR(m->params_total, 671e9, 1);
        CHECK_NEAR(m->params_active, 37e9, 1);
    }
    m = llmcap_db_find_model(db, "gemma-3-1b");
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->arch, "gemma3");
        CHECK_EQ_INT(m->swa_pattern, 6);
        CHECK_EQ_INT(m->swa_window, 512);
        CHECK(m->tied_embeddings);                  /* "true (implicit)" */
        CHECK_EQ_INT(m->n_head_kv, 1);
        CHECK_EQ_INT(m->head_dim, 256);
    }
    m = llmcap_db_find_model(db, "gemma-2-9b");
    CHECK(m != NULL && m->swa_pattern == 2 && m->swa_window == 4096);
    m = llmcap_db_find_model(db, "phi-3-mini-4k");
    CHECK(m != NULL && m->swa_pattern == 1 && m->swa_window == 2047);
    m = llmcap_db_find_model(db, "gpt-oss-20b");
    CHECK(m != NULL);
    if (m) {
        CHECK_STR(m->arch, "gpt-oss");
        CHECK(m->qkv_bias);
        CHECK_EQ_INT(m->swa_window, 128);
        CHECK_EQ_INT(m->swa_pattern, 2);
        CHECK_EQ_INT(m->n_expert, 32);
        CHECK_EQ_INT(m->n_expert_used, 4);
        CHECK_EQ_INT(m->n_ff_exp, 2880);
        CHECK_NEAR(m->params_active, 3.6e9, 1);
    }
    m = llmcap_db_find_model(db, "qwen3-30b-a3b");
    CHECK(m != NULL && strcmp(m->arch, "qwen3moe") == 0 && m->n_ff_exp == 768 && m->n_expert == 128);
    m = llmcap_db_find_model(db, "qwen2.5-7b");
    CHECK(m != NULL && m->qkv_bias && strcmp(m->arch, "qwen2") == 0);
    m = llmcap_db_find_model(db, "mixtral-8x7b");
    CHECK(m != NULL && strcmp(m->arch, "llama") == 0 && m->n_ff_exp == 14336 && m->n_expert_used == 2);
    llmcap_db_free(db);
}

/* Invariants over every entry (the loader enforces them; a data edit that
 * slips past it would show here). */
static void test_data_every_entry(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    for (size_t i = 0; i < llmcap_db_n_hardware(db); i++) {
        const llmcap_hardware *h = llmcap_db_hardware_at(db, i);
        CHECK(h->bandwidth_gbps > 0);
        CHECK(h->kind == LLMCAP_HW_CPU ? h->memory_bytes == 0 : h->memory_bytes > 0);
        CHECK(h->fp16_tflops >= 0 && h->fp32_tflops >= 0 && h->int8_tops >= 0);
        CHECK(llmcap_db_find_hardware(db, h->id) == h);
        CHECK(h->source != NULL && h->notes != NULL);
    }
    for (size_t i = 0; i < llmcap_db_n_models(db); i++) {
        const llmcap_model_spec *m = llmcap_db_model_at(db, i);
        CHECK(m->n_head % m->n_head_kv == 0);
        CHECK(m->params_total > 0);
        CHECK(m->n_expert == 0 ? m->params_active == 0 : m->params_active > 0);
        CHECK(llmcap_db_find_model(db, m->id) == m);
    }
    llmcap_db_free(db);
}

/* ------------------------------------------------------------------------- */
/* Lookups                                                                    */
/* ------------------------------------------------------------------------- */

static void test_find_by_alias_and_case(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    const llmcap_hardware *h4090 = llmcap_db_find_hardware(db, "rtx-4090");
    CHECK(h4090 != NULL);
    CHECK(llmcap_db_find_hardware(db, "4090 24GB") == h4090);
    CHECK(llmcap_db_find_hardware(db, "4090 24gb") == h4090);
    CHECK(llmcap_db_find_hardware(db, "RTX-4090") == h4090);
    CHECK(llmcap_db_find_hardware(db, "NVIDIA GeForce RTX 4090") == h4090);
    CHECK(llmcap_db_find_hardware(db, "nvidia geforce rtx 4090") == h4090);
    const llmcap_hardware *h = llmcap_db_find_hardware(db, "A100 SXM 80GB");
    CHECK(h != NULL && strcmp(h->id, "a100-80gb-sxm") == 0);
    /* the source spells "32-Core" with U+2011 NON-BREAKING HYPHEN */
    h = llmcap_db_find_hardware(db, "M1 Max 32\xe2\x80\x91" "Core GPU 64GB");
    CHECK(h != NULL && strcmp(h->id, "apple-m1-max") == 0);
    h = llmcap_db_find_hardware(db, "Apple M2 Ultra (Mac Studio, host gg-studio)");
    CHECK(h != NULL && strcmp(h->id, "apple-m2-ultra") == 0);
    CHECK(llmcap_db_find_hardware(db, "M3 Max 40\xe2\x80\x91" "Core GPU 64GB") == NULL); /* memory differs */
    CHECK(llmcap_db_find_hardware(db, "rtx-4900") == NULL);
    CHECK(llmcap_db_find_hardware(db, "") == NULL);
    CHECK(llmcap_db_find_hardware(db, NULL) == NULL);
    CHECK(llmcap_db_find_hardware(NULL, "rtx-4090") == NULL);

    const llmcap_model_spec *m = llmcap_db_find_model(db, "Meta Llama 3 8B");
    CHECK(m != NULL && strcmp(m->id, "llama-3.1-8b") == 0);
    m = llmcap_db_find_model(db, "LLAMA-3.1-8B");
    CHECK(m != NULL && strcmp(m->id, "llama-3.1-8b") == 0);
    m = llmcap_db_find_model(db, "ggml-org/Qwen3-Coder-30B-A3B-Instruct-Q8_0-GGUF");
    CHECK(m != NULL && strcmp(m->id, "qwen3-30b-a3b") == 0);
    m = llmcap_db_find_model(db, "llama 7B");
    CHECK(m != NULL && strcmp(m->id, "llama-2-7b") == 0);
    CHECK(llmcap_db_find_model(db, "rtx-4090") == NULL); /* hardware ids are not models */
    llmcap_db_free(db);
}

static void test_lookup_suggests(void) {
    llmcap_db *db = load_data();
    if (!db)
        return;
    llmcap_error err = {LLMCAP_OK, ""};
    CHECK(llmcap_db_lookup_hardware(db, "rtx-4900", &err) == NULL);
    CHECK_EQ_INT(err.status, LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "unknown hardware 'rtx-4900'; did you mean rtx-4090"); /* one transposition */

    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK(llmcap_db_lookup_model(db, "lama-3.1-8b", &err) == NULL);
    CHECK_EQ_INT(err.status, LLMCAP_ERR_NOT_FOUND);
    CHECK_CONTAINS(err.msg, "unknown model 'lama-3.1-8b'; did you mean llama-3.1-8b");

    /* reached through an alias: suggests the entry's id */
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK(llmcap_db_lookup_hardware(db, "4090 24G", &err) == NULL);
    CHECK_CONTAINS(err.msg, "did you mean rtx-4090");

    /* nothing close: no suggestion */
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK(llmcap_db_lookup_hardware(db, "zzzzzzzzzzzz", &err) == NULL);
    CHECK_EQ_INT(err.status, LLMCAP_ERR_NOT_FOUND);
    CHECK_STR(err.msg, "unknown hardware 'zzzzzzzzzzzz'");

    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK(llmcap_db_lookup_model(db, "", &err) == NULL);
    CHECK_EQ_INT(err.status, LLMCAP_ERR_NOT_FOUND);

    /* found: err untouched; err may be NULL */
    err = (llmcap_error){LLMCAP_OK, ""};
    const llmcap_hardware *h = llmcap_db_lookup_hardware(db, "4090 24GB", &err);
    CHECK(h != NULL && strcmp(h->id, "rtx-4090") == 0);
    CHECK_EQ_INT(err.status, LLMCAP_OK);
    CHECK_STR(err.msg, "");
    CHECK(llmcap_db_lookup_model(db, "nope", NULL) == NULL);
    CHECK(llmcap_db_lookup_model(NULL, "llama-3.1-8b", &err) == NULL);
    CHECK_EQ_INT(err.status, LLMCAP_ERR_INVALID_ARG);
    llmcap_db_free(db);
}

static void test_nearest_names(void) {
    static const char *const names[] = {"rtx-4060", "rtx-4070", "rtx-4080", "rtx-4090", "rtx-5090", "t4", "a100-80gb-sxm"};
    const size_t n = sizeof names / sizeof names[0];
    const char *out[8] = {0};

    size_t k = llmcap_nearest_names("rtx-4900", names, n, out, 3);
    CHECK_EQ_INT(k, 3);
    CHECK_STR(out[0], "rtx-4090");  /* distance 1 (transposition) */
    CHECK_STR(out[1], "rtx-4060");  /* distance 2, ties by name */
    CHECK_STR(out[2], "rtx-4070");

    /* substring matches come first, even when another name is closer */
    k = llmcap_nearest_names("a100", names, n, out, 2);
    CHECK_EQ_INT(k, 2);
    CHECK_STR(out[0], "a100-80gb-sxm");
    CHECK_STR(out[1], "t4");        /* distance 3 beats rtx-* (8) */

    /* lower-case comparison: exact match (ignoring case) first */
    k = llmcap_nearest_names("RTX-4080", names, n, out, 1);
    CHECK_EQ_INT(k, 1);
    CHECK_STR(out[0], "rtx-4080");

    /* a longer query containing a name */
    k = llmcap_nearest_names("nvidia rtx-5090 32gb", names, n, out, 1);
    CHECK_EQ_INT(k, 1);
    CHECK_STR(out[0], "rtx-5090");

    CHECK_EQ_INT(llmcap_nearest_names("rtx", names, n, out, 20), (long long)n); /* at most n */
    CHECK_EQ_INT(llmcap_nearest_names(NULL, names, n, out, 3), 0);
    CHECK_EQ_INT(llmcap_nearest_names("x", NULL, n, out, 3), 0);
    CHECK_EQ_INT(llmcap_nearest_names("x", names, n, NULL, 3), 0);
    CHECK_EQ_INT(llmcap_nearest_names("x", names, n, out, 0), 0);
}

/* ------------------------------------------------------------------------- */
/* Loading from memory, and broken inputs                                     */
/* ------------------------------------------------------------------------- */

static const char HW_OK[] =
    "{\"schema_version\": 1, \"hardware\": [\n"
    " {\"id\": \"rtx-4090\", \"vendor\": \"NVIDIA\", \"name\": \"GeForce RTX 4090\", \"kind\": \"gpu\",\n"
    "  \"memory_gib\": 24, \"memory_type\": \"GDDR6X\", \"bus_width_bits\": 384, \"bandwidth_gbps\": 1008,\n"
    "  \"fp16_tflops\": 165, \"fp32_tflops\": 82.58, \"int8_tops\": 661, \"tdp_w\": 450,\n"
    "  \"interconnect\": \"PCIe 4.0 x16\", \"pcie_gbps\": 31.5, \"launch_year\": 2022,\n"
    "  \"aliases\": [\"4090 24GB\"], \"source\": \"test\", \"notes\": null},\n"
    " {\"id\": \"cpu-ddr5\", \"vendor\": \"generic\", \"name\": \"DDR5 desktop\", \"kind\": \"cpu\",\n"
    "  \"memory_gib\": null, \"memory_type\": \"DDR5-6400\", \"bus_width_bits\": null, \"bandwidth_gbps\": 102.4,\n"
    "  \"fp16_tflops\": null, \"fp32_tflops\": null, \"int8_tops\": null, \"tdp_w\": null,\n"
    "  \"interconnect\": \"n/a\", \"pcie_gbps\": null, \"launch_year\": null,\n"
    "  \"aliases\": [], \"source\": null, \"notes\": \"generic\"}\n"
    "]}\n";

static const char MODELS_OK[] =
    "{\"schema_version\": 1, \"models\": [\n"
    " {\"id\": \"llama-3.1-8b\", \"family\": \"llama-3\", \"name\": \"Llama 3.1 8B\", \"arch\": \"llama\",\n"
    "  \"hf_architecture\": \"LlamaForCausalLM\", \"params_b_total\": 8.03, \"params_b_active\": null,\n"
    "  \"n_layer\": 32, \"n_embd\": 4096, \"n_ff\": 14336, \"n_head\": 32, \"n_head_kv\": 8, \"head_dim\": 128,\n"
    "  \"head_dim_v\": null, \"n_vocab\": 128256, \"n_ctx_train\": 131072, \"tied_embeddings\": false,\n"
    "  \"qkv_bias\": false, \"n_expert\": 0, \"n_expert_used\": 0, \"n_ff_exp\": 0, \"n_expert_shared\": 0,\n"
    "  \"n_ff_shexp\": 0, \"n_layer_dense_lead\": 0, \"swa_window\": 0, \"swa_pattern\": 0,\n"
    "  \"kv_lora_rank\": 0, \"q_lora_rank\": 0, \"qk_rope_head_dim\": 0,\n"
    "  \"aliases\": [\"Meta Llama 3 8B\"], \"source\": \"test\", \"notes\": null},\n"
    " {\"id\": \"moe-mla\", \"family\": \"test\", \"name\": \"MoE + MLA + SWA\", \"arch\": \"deepseek2\",\n"
    "  \"hf_architecture\": \"\", \"params_b_total\": 20.5, \"params_b_active\": 3.5,\n"
    "  \"n_layer\": 24, \"n_embd\": 2048, \"n_ff\": 6144, \"n_head\": 16, \"n_head_kv\": 16, \"head_dim\": 192,\n"
    "  \"head_dim_v\": 128, \"n_vocab\": 32000, \"n_ctx_train\": 32768, \"tied_embeddings\": true,\n"
    "  \"qkv_bias\": true, \"n_expert\": 64, \"n_expert_used\": 6, \"n_ff_exp\": 1408, \"n_expert_shared\": 2,\n"
    "  \"n_ff_shexp\": 2816, \"n_layer_dense_lead\": 1, \"swa_window\": 4096, \"swa_pattern\": 6,\n"
    "  \"kv_lora_rank\": 512, \"q_lora_rank\": 1536, \"qk_rope_head_dim\": 64,\n"
    "  \"aliases\": [], \"source\": null, \"notes\": null}\n"
    "]}\n";

/* base with the single occurrence of `from` replaced by `to` (malloc'd) */
static char *subst(const char *base, const char *from, const char *to) {
    const char *at = strstr(base, from);
    if (!at || strstr(at + 1, from)) {
        fprintf(stderr, "  test bug: '%s' must occur exactly once\n", from);
        test_failures_++;
        return NULL;
    }
    size_t nb = strlen(base), nf = strlen(from), nt = strlen(to);
    char *s = malloc(nb - nf + nt + 1);
    if (!s)
        return NULL;
    size_t pre = (size_t)(at - base);
    memcpy(s, base, pre);
    memcpy(s + pre, to, nt);
    memcpy(s + pre + nt, at + nf, nb - pre - nf + 1);
    return s;
}

static llmcap_status load_mem(const char *hw, size_t hw_len, const char *models, size_t models_len, llmcap_error *err) {
    static char sentinel;
    llmcap_db *db = (llmcap_db *)(void *)&sentinel; /* load must set it to NULL on failure */
    llmcap_status st = llmcap_db_load_json(hw, hw_len, HW_LABEL, models, models_len, MODELS_LABEL, &db, err);
    if (st == LLMCAP_OK) {
        CHECK(db != NULL);
        llmcap_db_free(db);
    } else {
        CHECK(db == NULL);
        CHECK_EQ_INT(err->status, st);
    }
    return st;
}

static void test_load_json_from_memory(void) {
    llmcap_db *db = NULL;
    llmcap_error err = {LLMCAP_OK, ""};
    /* no terminating NUL is needed: pass the length without it */
    llmcap_status st = llmcap_db_load_json(HW_OK, sizeof HW_OK - 1, HW_LABEL, MODELS_OK, sizeof MODELS_OK - 1,
                                           MODELS_LABEL, &db, &err);
    if (st != LLMCAP_OK)
        fprintf(stderr, "  %s\n", err.msg);
    CHECK_EQ_INT(st, LLMCAP_OK);
    if (!db)
        return;
    CHECK_EQ_INT(llmcap_db_n_hardware(db), 2);
    CHECK_EQ_INT(llmcap_db_n_models(db), 2);
    const llmcap_hardware *h = llmcap_db_hardware_at(db, 0);
    CHECK_NEAR(h->memory_bytes, 25769803776.0, 0);
    CHECK_STR(h->source, "test");
    CHECK(h->notes == NULL);
    h = llmcap_db_hardware_at(db, 1);
    CHECK_EQ_INT(h->kind, LLMCAP_HW_CPU);
    CHECK(h->source == NULL);
    CHECK_STR(h->notes, "generic");
    CHECK(llmcap_db_find_hardware(db, "4090 24gb") == llmcap_db_hardware_at(db, 0));
    const llmcap_model_spec *m = llmcap_db_model_at(db, 1);
    CHECK_NEAR(m->params_total, 20.5e9, 1e-3);
    CHECK_NEAR(m->params_active, 3.5e9, 1e-3);
    CHECK_EQ_INT(m->head_dim_v, 128);
    CHECK_EQ_INT(m->swa_pattern, 6);
    CHECK(m->tied_embeddings && m->qkv_bias);
    llmcap_db_free(db);

    /* a terminating NUL inside the length is fine too */
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(HW_OK, sizeof HW_OK, MODELS_OK, sizeof MODELS_OK, &err), LLMCAP_OK);
}

/* One broken input: which file, the edit, the status, and what the message must name. */
typedef struct bad_case {
    int models;             /* 0: edit the hardware file, 1: the models file */
    const char *from, *to;
    llmcap_status want;
    const char *msg[3];
} bad_case;

#define INV LLMCAP_ERR_INVALID_ARG
#define HWE0 HW_LABEL ": entry 0 (rtx-4090): "
#define HWE1 HW_LABEL ": entry 1 (cpu-ddr5): "
#define ME0 MODELS_LABEL ": entry 0 (llama-3.1-8b): "
#define ME1 MODELS_LABEL ": entry 1 (moe-mla): "

static const bad_case bad_cases[] = {
    /* not JSON */
    {0, "\"kind\": \"gpu\"", "\"kind\": gpu", LLMCAP_ERR_PARSE, {HW_LABEL ": malformed JSON at line 2", "column", NULL}},
    {1, "\"n_layer\": 32,", "\"n_layer\": 32,,", LLMCAP_ERR_PARSE, {MODELS_LABEL ": malformed JSON", "line 4", NULL}},
    {0, "]}\n", "]}\n}", LLMCAP_ERR_PARSE, {HW_LABEL ": unexpected text after the JSON value", "line 13", NULL}},
    /* schema: top level */
    {0, "\"schema_version\": 1", "\"schema_version\": 2", LLMCAP_ERR_UNSUPPORTED, {HW_LABEL ": schema_version 2", NULL, NULL}},
    {0, "\"schema_version\": 1, ", "", INV, {HW_LABEL ": field 'schema_version' is missing", NULL, NULL}},
    {0, "\"schema_version\": 1", "\"schema_version\": \"1\"", INV, {"'schema_version' must be a positive integer", NULL, NULL}},
    {0, "\"schema_version\": 1", "\"schema_version\": 1, \"extra\": 0", INV, {HW_LABEL ": unknown top-level field 'extra'", NULL, NULL}},
    {1, "\"models\": [", "\"hardware\": [", INV, {MODELS_LABEL ": unknown top-level field 'hardware'", NULL, NULL}},
    {0, "\"hardware\": [\n {\"id\": \"rtx-4090\"", "\"hardware\": [1, {\"id\": \"rtx-4090\"", INV, {HW_LABEL ": entry 0: must be a JSON object (got 1)", NULL, NULL}},
    /* fields: missing, wrong type, out of range */
    {0, "\"bandwidth_gbps\": 1008,", "", INV, {HWE0 "field 'bandwidth_gbps' is missing", NULL, NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": \"1008\"", INV, {HWE0 "field 'bandwidth_gbps' must be a number > 0", "(got string \"1008\")", NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": -5", INV, {HWE0 "field 'bandwidth_gbps' must be a number > 0 and <= 100000 (got -5)", NULL, NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": 0", INV, {HWE0 "field 'bandwidth_gbps'", "(got 0)", NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": \"NaN\"", INV, {HWE0 "field 'bandwidth_gbps'", "(got string \"NaN\")", NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": 1e300", INV, {HWE0 "field 'bandwidth_gbps'", "(got 1e+300)", NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": 1e400", INV, {HWE0 "field 'bandwidth_gbps'", "(got inf)", NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwidth_gbps\": null", INV, {HWE0 "field 'bandwidth_gbps'", "(got null)", NULL}},
    {0, "\"memory_gib\": 24", "\"memory_gib\": 0", INV, {HWE0 "field 'memory_gib' must be a number > 0 and <= 4096", NULL, NULL}},
    {0, "\"memory_gib\": 24", "\"memory_gib\": 24576", INV, {HWE0 "field 'memory_gib'", "(got 24576)", NULL}},
    {0, "\"memory_gib\": 24", "\"memory_gib\": null", INV, {HWE0 "field 'memory_gib' must be a number > 0 for kind \"gpu\"", NULL, NULL}},
    {0, "\"memory_gib\": null", "\"memory_gib\": 64", INV, {HWE1 "field 'memory_gib' must be null for kind \"cpu\"", NULL, NULL}},
    {0, "\"fp16_tflops\": 165", "\"fp16_tflops\": -1", INV, {HWE0 "field 'fp16_tflops' must be a number >= 0", NULL, NULL}},
    {0, "\"fp32_tflops\": 82.58", "\"fp32_tflops\": 2e5", INV, {HWE0 "field 'fp32_tflops'", "(got 200000)", NULL}},
    {0, "\"launch_year\": 2022", "\"launch_year\": 2022.5", INV, {HWE0 "field 'launch_year' must be an integer", NULL, NULL}},
    {0, "\"bus_width_bits\": 384", "\"bus_width_bits\": true", INV, {HWE0 "field 'bus_width_bits'", "(got true)", NULL}},
    {0, "\"kind\": \"gpu\"", "\"kind\": \"tpu\"", INV, {HWE0 "field 'kind' must be one of", "(got string \"tpu\")", NULL}},
    {0, "\"kind\": \"cpu\"", "\"kind\": 3", INV, {HWE1 "field 'kind'", NULL, NULL}},
    {0, "\"vendor\": \"NVIDIA\"", "\"vendor\": \"\"", INV, {HWE0 "field 'vendor' must be a non-empty string", NULL, NULL}},
    {0, "\"vendor\": \"NVIDIA\"", "\"vendor\": \"NVIDIA Corporation of Santa Clara, California\"", INV, {HWE0 "field 'vendor' is too long (45 bytes; at most 31)", NULL, NULL}},
    {0, "\"source\": \"test\"", "\"source\": 7", INV, {HWE0 "field 'source' must be a string or null", NULL, NULL}},
    {0, "\"aliases\": [\"4090 24GB\"]", "\"aliases\": \"4090 24GB\"", INV, {HWE0 "field 'aliases' must be an array of strings", NULL, NULL}},
    {0, "\"aliases\": [\"4090 24GB\"]", "\"aliases\": [\"4090 24GB\", \"\"]", INV, {HWE0 "field 'aliases' item 1", NULL, NULL}},
    {0, "\"bandwidth_gbps\": 1008", "\"bandwith_gbps\": 1008", INV, {HWE0 "unknown field 'bandwith_gbps'", NULL, NULL}},
    {0, "\"tdp_w\": 450", "\"tdp_w\": 450, \"tdp_w\": 451", INV, {HWE0 "field 'tdp_w' appears twice", NULL, NULL}},
    /* ids */
    {0, "\"id\": \"cpu-ddr5\"", "\"id\": \"rtx-4090\"", INV, {HW_LABEL ": entry 1 (rtx-4090): field 'id'", "already the id of entry 0 (rtx-4090)", NULL}},
    {0, "\"aliases\": [], ", "\"aliases\": [\"RTX-4090\"], ", INV, {HWE1 "field 'aliases' name 'RTX-4090'", "already the id of entry 0", NULL}},
    {0, "\"aliases\": [], ", "\"aliases\": [\"4090 24gb\"], ", INV, {HWE1 "field 'aliases'", "already an alias of entry 0 (rtx-4090)", NULL}},
    {0, "\"id\": \"cpu-ddr5\"", "\"id\": \"CPU DDR5\"", INV, {HW_LABEL ": entry 1: field 'id' must be lower-case", NULL, NULL}},
    {0, "\"id\": \"cpu-ddr5\"", "\"id\": \"cpu-ddr5-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789\"", INV, {HW_LABEL ": entry 1: field 'id' is too long (74 bytes; at most 63)", NULL, NULL}},
    {0, "\"id\": \"rtx-4090\", ", "", INV, {HW_LABEL ": entry 0: field 'id' is missing", NULL, NULL}},
    {0, "\"id\": \"cpu-ddr5\"", "\"id\": null", INV, {HW_LABEL ": entry 1: field 'id' must be a string (got null)", NULL, NULL}},
    /* models: ranges and consistency */
    {1, "\"n_layer\": 32", "\"n_layer\": 0", INV, {ME0 "field 'n_layer' must be an integer >= 1 and <= 1024 (got 0)", NULL, NULL}},
    {1, "\"n_layer\": 32", "\"n_layer\": 2000", INV, {ME0 "field 'n_layer'", "(got 2000)", NULL}},
    {1, "\"n_embd\": 4096", "\"n_embd\": 4096.5", INV, {ME0 "field 'n_embd' must be an integer", NULL, NULL}},
    {1, "\"n_vocab\": 128256", "\"n_vocab\": \"128256\"", INV, {ME0 "field 'n_vocab'", "(got string", NULL}},
    {1, "\"n_head_kv\": 8", "\"n_head_kv\": 5", INV, {ME0 "field 'n_head_kv' must divide n_head 32 (got 5)", NULL, NULL}},
    {1, "\"n_head_kv\": 8", "\"n_head_kv\": 64", INV, {ME0 "field 'n_head_kv'", NULL, NULL}},
    {1, "\"params_b_total\": 8.03", "\"params_b_total\": 0", INV, {ME0 "field 'params_b_total' must be a number > 0", NULL, NULL}},
    {1, "\"params_b_active\": null", "\"params_b_active\": 8.03", INV, {ME0 "field 'params_b_active' must be null for a dense model", NULL, NULL}},
    {1, "\"params_b_active\": 3.5", "\"params_b_active\": null", INV, {ME1 "field 'params_b_active' must be a number for a MoE model", NULL, NULL}},
    {1, "\"params_b_active\": 3.5", "\"params_b_active\": 30", INV, {ME1 "field 'params_b_active' must be <= params_b_total", NULL, NULL}},
    {1, "\"n_expert_used\": 0", "\"n_expert_used\": 2", INV, {ME0 "field 'n_expert' is 0 (dense)", NULL, NULL}},
    {1, "\"n_expert_used\": 6", "\"n_expert_used\": 65", INV, {ME1 "field 'n_expert_used' must be 1..n_expert 64 (got 65)", NULL, NULL}},
    {1, "\"n_layer_dense_lead\": 1", "\"n_layer_dense_lead\": 24", INV, {ME1 "field 'n_layer_dense_lead' must be < n_layer 24", NULL, NULL}},
    {1, "\"n_expert_shared\": 2", "\"n_expert_shared\": 0", INV, {ME1 "field 'n_ff_shexp' must be 0 without shared experts", NULL, NULL}},
    {1, "\"swa_window\": 4096", "\"swa_window\": 0", INV, {ME1 "field 'swa_pattern' must be 0 exactly when swa_window is 0", NULL, NULL}},
    {1, "\"swa_pattern\": 0", "\"swa_pattern\": 2", INV, {ME0 "field 'swa_pattern'", NULL, NULL}},
    {1, "\"swa_pattern\": 6", "\"swa_pattern\": 25", INV, {ME1 "field 'swa_pattern' must be <= n_layer 24", NULL, NULL}},
    {1, "\"swa_window\": 4096", "\"swa_window\": 65536", INV, {ME1 "field 'swa_window' must be <= n_ctx_train 32768", NULL, NULL}},
    {1, "\"q_lora_rank\": 0", "\"q_lora_rank\": 1536", INV, {ME0 "field 'kv_lora_rank' is 0 (no MLA)", NULL, NULL}},
    {1, "\"qk_rope_head_dim\": 64", "\"qk_rope_head_dim\": 192", INV, {ME1 "field 'qk_rope_head_dim'", NULL, NULL}},
    {1, "\"tied_embeddings\": false", "\"tied_embeddings\": \"false\"", INV, {ME0 "field 'tied_embeddings' must be true or false", NULL, NULL}},
    {1, "\"arch\": \"llama\"", "\"arch\": \"Llama\"", INV, {ME0 "field 'arch' must be lower-case", NULL, NULL}},
    {1, "\"name\": \"Llama 3.1 8B\"", "\"name\": \"Llama 3.1 8B Instruct, with a name far too long to fit in the ninety-six bytes that llmcap_model_spec.name holds\"", INV, {ME0 "field 'name' is too long", NULL, NULL}},
    {1, "\"head_dim_v\": null", "\"head_dim_v\": 0", INV, {ME0 "field 'head_dim_v' must be an integer >= 1 and <= 4096 or null (got 0)", NULL, NULL}},
    {1, "\"n_ctx_train\": 131072", "\"n_ctx_train\": 1e12", INV, {ME0 "field 'n_ctx_train'", NULL, NULL}},
    {1, "\"aliases\": [\"Meta Llama 3 8B\"]", "\"aliases\": [\"Meta Llama 3 8B\", \"meta llama 3 8b\"]", INV, {ME0 "field 'aliases' name 'meta llama 3 8b' is already an alias of entry 0 (llama-3.1-8b)", NULL, NULL}},
};

static void test_bad_inputs(void) {
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *bc = &bad_cases[i];
        char *text = subst(bc->models ? MODELS_OK : HW_OK, bc->from, bc->to);
        if (!text)
            continue;
        llmcap_error err = {LLMCAP_OK, ""};
        llmcap_status st = bc->models ? load_mem(HW_OK, strlen(HW_OK), text, strlen(text), &err)
                                      : load_mem(text, strlen(text), MODELS_OK, strlen(MODELS_OK), &err);
        if (st != bc->want)
            fprintf(stderr, "  case %zu ('%s' -> '%s'): status %d, want %d: %s\n", i, bc->from, bc->to, (int)st,
                    (int)bc->want, err.msg);
        CHECK_EQ_INT(st, bc->want);
        for (int k = 0; k < 3 && bc->msg[k]; k++)
            CHECK_CONTAINS(err.msg, bc->msg[k]);
        free(text);
    }
}

static void test_truncated_and_empty(void) {
    llmcap_error err = {LLMCAP_OK, ""};
    /* cut in the middle of an entry */
    CHECK_EQ_INT(load_mem(HW_OK, strlen(HW_OK) / 2, MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, HW_LABEL ": JSON ends unexpectedly");
    CHECK_CONTAINS(err.msg, "truncated");
    /* every prefix of both files fails cleanly (no crash, no leak, right status) */
    for (size_t len = 0; len + 2 < sizeof HW_OK; len++) {
        err = (llmcap_error){LLMCAP_OK, ""};
        llmcap_status st = load_mem(HW_OK, len, MODELS_OK, strlen(MODELS_OK), &err);
        CHECK(st == LLMCAP_ERR_PARSE);
        CHECK_CONTAINS(err.msg, HW_LABEL ": ");
    }
    for (size_t len = 0; len + 2 < sizeof MODELS_OK; len++) {
        err = (llmcap_error){LLMCAP_OK, ""};
        CHECK(load_mem(HW_OK, strlen(HW_OK), MODELS_OK, len, &err) == LLMCAP_ERR_PARSE);
    }
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(HW_OK, 0, MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_PARSE);
    CHECK_CONTAINS(err.msg, HW_LABEL ": empty file");
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(NULL, 10, MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_INVALID_ARG);
}

static void test_structure_errors(void) {
    llmcap_error err = {LLMCAP_OK, ""};
    static const char empty_hw[] = "{\"schema_version\": 1, \"hardware\": []}";
    CHECK_EQ_INT(load_mem(empty_hw, strlen(empty_hw), MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, HW_LABEL ": field 'hardware' must hold 1..");
    CHECK_CONTAINS(err.msg, "(got 0)");

    static const char no_models[] = "{\"schema_version\": 1}";
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(HW_OK, strlen(HW_OK), no_models, strlen(no_models), &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, MODELS_LABEL ": field 'models' is missing");

    static const char not_array[] = "{\"schema_version\": 1, \"hardware\": {}}";
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(not_array, strlen(not_array), MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, "field 'hardware' must be an array of entries (got an object)");

    static const char top_array[] = "[1, 2]";
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(load_mem(top_array, strlen(top_array), MODELS_OK, strlen(MODELS_OK), &err), LLMCAP_ERR_INVALID_ARG);
    CHECK_CONTAINS(err.msg, HW_LABEL ": the top level must be an object");

    /* labels default to the file names */
    llmcap_db *db = NULL;
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(llmcap_db_load_json(top_array, strlen(top_array), NULL, MODELS_OK, strlen(MODELS_OK), NULL, &db, &err),
                 LLMCAP_ERR_INVALID_ARG);
    CHECK(strncmp(err.msg, "hardware.json: ", 15) == 0);
    CHECK_EQ_INT(llmcap_db_load_json(HW_OK, strlen(HW_OK), NULL, MODELS_OK, strlen(MODELS_OK), NULL, NULL, &err),
                 LLMCAP_ERR_INVALID_ARG);
    /* err may be NULL */
    CHECK_EQ_INT(llmcap_db_load_json(top_array, strlen(top_array), NULL, MODELS_OK, strlen(MODELS_OK), NULL, &db, NULL),
                 LLMCAP_ERR_INVALID_ARG);
    CHECK(db == NULL);
}

static void test_load_dir_errors(void) {
    llmcap_db *db = NULL;
    llmcap_error err = {LLMCAP_OK, ""};
    CHECK_EQ_INT(llmcap_db_load_dir("no/such/dir", &db, &err), LLMCAP_ERR_IO);
    CHECK(db == NULL);
    CHECK_CONTAINS(err.msg, "cannot open 'no/such/dir/hardware.json'");
    /* a file where the directory should be */
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(llmcap_db_load_dir("data/hardware.json", &db, &err), LLMCAP_ERR_IO);
    CHECK_EQ_INT(llmcap_db_load_dir(NULL, &db, &err), LLMCAP_ERR_INVALID_ARG);
    /* a trailing slash is fine */
    err = (llmcap_error){LLMCAP_OK, ""};
    CHECK_EQ_INT(llmcap_db_load_dir(DATA_DIR "/", &db, &err), LLMCAP_OK);
    CHECK(db != NULL && llmcap_db_n_models(db) >= 48);
    llmcap_db_free(db);
}

TEST_MAIN(TEST(test_data_counts), TEST(test_data_hardware_values), TEST(test_data_model_values),
          TEST(test_data_every_entry), TEST(test_find_by_alias_and_case), TEST(test_lookup_suggests),
          TEST(test_nearest_names), TEST(test_load_json_from_memory), TEST(test_bad_inputs),
          TEST(test_truncated_and_empty), TEST(test_structure_errors), TEST(test_load_dir_errors))
