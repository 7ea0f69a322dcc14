/* test_types.c - the tensor-type table, the file-type table and the
 * quantization plan (llama-quantize's per-tensor type choice).
 *
 * Expected numbers come from outside our code: block sizes from ggml's block
 * structs, sizes from llama-quantize's option table ("4.58G" for Llama-3-8B
 * Q4_K_M), and per-tensor types worked out by hand from llama.cpp's
 * src/llama-quant.cpp rules, with the arithmetic written beside each check.
 */
#include "test.h"
#include "types.h"

#include <stdint.h>

/* ---- tensor types ---- */

static void test_type_table(void) {
    /* {type, block elements, block bytes, quantized}: ggml-common.h block structs */
    static const struct { int t; uint32_t elems, bytes; bool q; } want[] = {
        {GGUF_TYPE_F32, 1, 4, false},      {GGUF_TYPE_F16, 1, 2, false},
        {GGUF_TYPE_Q4_0, 32, 18, true},    {GGUF_TYPE_Q4_1, 32, 20, true},
        {GGUF_TYPE_Q5_0, 32, 22, true},    {GGUF_TYPE_Q5_1, 32, 24, true},
        {GGUF_TYPE_Q8_0, 32, 34, true},    {GGUF_TYPE_Q8_1, 32, 36, true},
        {GGUF_TYPE_Q2_K, 256, 84, true},   {GGUF_TYPE_Q3_K, 256, 110, true},
        {GGUF_TYPE_Q4_K, 256, 144, true},  {GGUF_TYPE_Q5_K, 256, 176, true},
        {GGUF_TYPE_Q6_K, 256, 210, true},  {GGUF_TYPE_Q8_K, 256, 292, true},
        {GGUF_TYPE_IQ2_XXS, 256, 66, true}, {GGUF_TYPE_IQ2_XS, 256, 74, true},
        {GGUF_TYPE_IQ3_XXS, 256, 98, true}, {GGUF_TYPE_IQ1_S, 256, 50, true},
        {GGUF_TYPE_IQ4_NL, 32, 18, true},  {GGUF_TYPE_IQ3_S, 256, 110, true},
        {GGUF_TYPE_IQ2_S, 256, 82, true},  {GGUF_TYPE_IQ4_XS, 256, 136, true},
        {GGUF_TYPE_I8, 1, 1, false},       {GGUF_TYPE_I16, 1, 2, false},
        {GGUF_TYPE_I32, 1, 4, false},      {GGUF_TYPE_I64, 1, 8, false},
        {GGUF_TYPE_F64, 1, 8, false},      {GGUF_TYPE_IQ1_M, 256, 56, true},
        {GGUF_TYPE_BF16, 1, 2, false},     {GGUF_TYPE_TQ1_0, 256, 54, true},
        {GGUF_TYPE_TQ2_0, 256, 66, true},  {GGUF_TYPE_MXFP4, 32, 17, true},
    };
    int n_valid = 0;
    for (int t = -2; t < GGUF_TYPE_COUNT + 3; t++) n_valid += gguf_type_get(t) != NULL;
    CHECK_EQ_INT(n_valid, (int)(sizeof want / sizeof want[0]));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const gguf_type_info *ti = gguf_type_get(want[i].t);
        CHECK(ti != NULL);
        if (!ti) continue;
        CHECK_EQ_INT(ti->block_elems, want[i].elems);
        CHECK_EQ_INT(ti->block_bytes, want[i].bytes);
        CHECK_EQ_INT(ti->quantized, want[i].q);
    }
    /* removed numbers (Q4_2, Q4_3, Q4_0_4_4, ...) and out-of-range ones */
    static const int invalid[] = {-1, 4, 5, 31, 32, 33, 36, 37, 38, 40, 1000};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CHECK(gguf_type_get(invalid[i]) == NULL);
        CHECK(gguf_type_name(invalid[i]) == NULL);
        CHECK_NEAR(gguf_type_bpw(invalid[i]), 0.0, 0.0);
    }
}

static void test_type_names(void) {
    CHECK_STR(gguf_type_name(GGUF_TYPE_Q4_K), "Q4_K");
    CHECK_STR(gguf_type_name(GGUF_TYPE_F16), "F16");
    CHECK_STR(gguf_type_name(GGUF_TYPE_IQ4_XS), "IQ4_XS");
    CHECK_STR(gguf_type_name(GGUF_TYPE_MXFP4), "MXFP4");
    CHECK_STR(gguf_type_get(GGUF_TYPE_Q6_K)->name, "q6_K");
    CHECK_EQ_INT(gguf_type_from_name("q4_k"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(gguf_type_from_name("Q4_K"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(gguf_type_from_name("f16"), GGUF_TYPE_F16);
    CHECK_EQ_INT(gguf_type_from_name("BF16"), GGUF_TYPE_BF16);
    CHECK_EQ_INT(gguf_type_from_name("mxfp4"), GGUF_TYPE_MXFP4);
    CHECK_EQ_INT(gguf_type_from_name("iq2_xxs"), GGUF_TYPE_IQ2_XXS);
    CHECK_EQ_INT(gguf_type_from_name("q4_2"), -1);
    CHECK_EQ_INT(gguf_type_from_name("q4_k_m"), -1); /* a file type, not a tensor type */
    CHECK_EQ_INT(gguf_type_from_name(""), -1);
    CHECK_EQ_INT(gguf_type_from_name(NULL), -1);
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
        if (!gguf_type_get(t)) continue;
        CHECK_EQ_INT(gguf_type_from_name(gguf_type_name(t)), t);
        CHECK_EQ_INT(gguf_type_from_name(gguf_type_get(t)->name), t);
    }
}

static void test_type_sizes(void) {
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_Q4_K), 4.5, 1e-12);    /* 144*8/256 */
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_Q8_0), 8.5, 1e-12);    /* 34*8/32 */
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_Q6_K), 6.5625, 1e-12); /* 210*8/256 */
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_IQ1_S), 1.5625, 1e-12);
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_MXFP4), 4.25, 1e-12);
    CHECK_NEAR(gguf_type_bpw(GGUF_TYPE_F32), 32.0, 1e-12);

    bool ok = false;
    CHECK_EQ_INT(gguf_type_row_bytes(GGUF_TYPE_Q4_K, 4096, &ok), 16 * 144);
    CHECK(ok);
    CHECK_EQ_INT(gguf_type_row_bytes(GGUF_TYPE_Q4_K, 4000, &ok), 0); /* not whole blocks */
    CHECK(!ok);
    CHECK_EQ_INT(gguf_type_row_bytes(GGUF_TYPE_F16, 3, &ok), 6);
    CHECK(ok);
    CHECK_EQ_INT(gguf_type_row_bytes(4, 32, &ok), 0);
    CHECK(!ok);
    CHECK_EQ_INT(gguf_type_row_bytes(GGUF_TYPE_Q8_0, 64, NULL), 68);

    /* Llama-3-8B ffn_down [14336, 4096] as Q6_K: 14336*4096/256 blocks * 210 */
    CHECK_EQ_INT(gguf_type_tensor_bytes(GGUF_TYPE_Q6_K, 14336, 14336ull * 4096, &ok), 48168960);
    CHECK(ok);
    CHECK_EQ_INT(gguf_type_tensor_bytes(GGUF_TYPE_Q4_0, 256, 256ull * 32000, &ok), 4608000);
    CHECK(ok);
    CHECK_EQ_INT(gguf_type_tensor_bytes(GGUF_TYPE_F32, 256, 1000, &ok), 0); /* not whole rows */
    CHECK(!ok);
    CHECK_EQ_INT(gguf_type_tensor_bytes(GGUF_TYPE_F64, 1, UINT64_C(1) << 62, &ok), 0); /* 2^65 bytes */
    CHECK(!ok);
    CHECK_EQ_INT(gguf_type_tensor_bytes(GGUF_TYPE_Q8_0, 48, 96, &ok), 0);
    CHECK(!ok);
}

/* ---- file types ---- */

static void test_ftype_table(void) {
    static const struct { int ft; const char *name; int base; } want[] = {
        {GGUF_FTYPE_ALL_F32, "F32", GGUF_TYPE_F32},     {GGUF_FTYPE_F16, "F16", GGUF_TYPE_F16},
        {GGUF_FTYPE_Q4_0, "Q4_0", GGUF_TYPE_Q4_0},      {GGUF_FTYPE_Q4_1, "Q4_1", GGUF_TYPE_Q4_1},
        {GGUF_FTYPE_Q8_0, "Q8_0", GGUF_TYPE_Q8_0},      {GGUF_FTYPE_Q5_0, "Q5_0", GGUF_TYPE_Q5_0},
        {GGUF_FTYPE_Q5_1, "Q5_1", GGUF_TYPE_Q5_1},      {GGUF_FTYPE_Q2_K, "Q2_K", GGUF_TYPE_Q2_K},
        {GGUF_FTYPE_Q3_K_S, "Q3_K_S", GGUF_TYPE_Q3_K},  {GGUF_FTYPE_Q3_K_M, "Q3_K_M", GGUF_TYPE_Q3_K},
        {GGUF_FTYPE_Q3_K_L, "Q3_K_L", GGUF_TYPE_Q3_K},  {GGUF_FTYPE_Q4_K_S, "Q4_K_S", GGUF_TYPE_Q4_K},
        {GGUF_FTYPE_Q4_K_M, "Q4_K_M", GGUF_TYPE_Q4_K},  {GGUF_FTYPE_Q5_K_S, "Q5_K_S", GGUF_TYPE_Q5_K},
        {GGUF_FTYPE_Q5_K_M, "Q5_K_M", GGUF_TYPE_Q5_K},  {GGUF_FTYPE_Q6_K, "Q6_K", GGUF_TYPE_Q6_K},
        {GGUF_FTYPE_IQ2_XXS, "IQ2_XXS", GGUF_TYPE_IQ2_XXS}, {GGUF_FTYPE_IQ2_XS, "IQ2_XS", GGUF_TYPE_IQ2_XS},
        {GGUF_FTYPE_Q2_K_S, "Q2_K_S", GGUF_TYPE_Q2_K},  {GGUF_FTYPE_IQ3_XS, "IQ3_XS", GGUF_TYPE_IQ3_S},
        {GGUF_FTYPE_IQ3_XXS, "IQ3_XXS", GGUF_TYPE_IQ3_XXS}, {GGUF_FTYPE_IQ1_S, "IQ1_S", GGUF_TYPE_IQ1_S},
        {GGUF_FTYPE_IQ4_NL, "IQ4_NL", GGUF_TYPE_IQ4_NL}, {GGUF_FTYPE_IQ3_S, "IQ3_S", GGUF_TYPE_IQ3_S},
        {GGUF_FTYPE_IQ3_M, "IQ3_M", GGUF_TYPE_IQ3_S},   {GGUF_FTYPE_IQ2_S, "IQ2_S", GGUF_TYPE_IQ2_XS},
        {GGUF_FTYPE_IQ2_M, "IQ2_M", GGUF_TYPE_IQ2_S},   {GGUF_FTYPE_IQ4_XS, "IQ4_XS", GGUF_TYPE_IQ4_XS},
        {GGUF_FTYPE_IQ1_M, "IQ1_M", GGUF_TYPE_IQ1_M},   {GGUF_FTYPE_BF16, "BF16", GGUF_TYPE_BF16},
        {GGUF_FTYPE_TQ1_0, "TQ1_0", GGUF_TYPE_TQ1_0},   {GGUF_FTYPE_TQ2_0, "TQ2_0", GGUF_TYPE_TQ2_0},
        {GGUF_FTYPE_MXFP4_MOE, "MXFP4_MOE", GGUF_TYPE_MXFP4},
    };
    int n_valid = 0;
    for (int ft = -2; ft < GGUF_FTYPE_COUNT + 3; ft++) n_valid += gguf_ftype_get(ft) != NULL;
    CHECK_EQ_INT(n_valid, (int)(sizeof want / sizeof want[0]));
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const gguf_ftype_info *fi = gguf_ftype_get(want[i].ft);
        CHECK(fi != NULL);
        if (!fi) continue;
        CHECK_STR(fi->name, want[i].name);
        CHECK_STR(gguf_ftype_name(want[i].ft), want[i].name);
        CHECK_EQ_INT(fi->base_type, want[i].base);
        CHECK_EQ_INT(gguf_ftype_from_name(want[i].name), want[i].ft);
    }
    static const int invalid[] = {-1, 4, 5, 6, 33, 34, 35, 39, 99};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CHECK(gguf_ftype_get(invalid[i]) == NULL);
        CHECK(gguf_ftype_name(invalid[i]) == NULL);
    }
    CHECK_EQ_INT(gguf_ftype_from_name("q4_k_m"), GGUF_FTYPE_Q4_K_M);
    CHECK_EQ_INT(gguf_ftype_from_name("mxfp4_moe"), GGUF_FTYPE_MXFP4_MOE);
    /* llama-quantize aliases */
    CHECK_EQ_INT(gguf_ftype_from_name("Q4_K"), GGUF_FTYPE_Q4_K_M);
    CHECK_EQ_INT(gguf_ftype_from_name("q3_k"), GGUF_FTYPE_Q3_K_M);
    CHECK_EQ_INT(gguf_ftype_from_name("Q5_K"), GGUF_FTYPE_Q5_K_M);
    CHECK_EQ_INT(gguf_ftype_from_name("Q4_K_X"), -1);
    CHECK_EQ_INT(gguf_ftype_from_name("MOSTLY_Q4_0"), -1);
    CHECK_EQ_INT(gguf_ftype_from_name(NULL), -1);
}

static int index_of(const int *list, size_t n, int ft) {
    for (size_t i = 0; i < n; i++) {
        if (list[i] == ft) return (int)i;
    }
    return -1;
}

static void test_ftype_by_quality(void) {
    const int *list = NULL;
    size_t n = gguf_ftype_by_quality(&list);
    CHECK_EQ_INT(n, 33); /* every valid ftype once */
    CHECK(list != NULL);
    if (!list) return;
    for (size_t i = 0; i < n; i++) {
        CHECK(gguf_ftype_get(list[i]) != NULL);
        CHECK_EQ_INT(index_of(list, n, list[i]), (int)i); /* no repeats */
    }
    CHECK_EQ_INT(list[0], GGUF_FTYPE_ALL_F32);
    CHECK_EQ_INT(list[1], GGUF_FTYPE_F16);
    CHECK_EQ_INT(list[2], GGUF_FTYPE_BF16);
    CHECK_EQ_INT(list[3], GGUF_FTYPE_Q8_0);
    CHECK_EQ_INT(list[4], GGUF_FTYPE_Q6_K);
    CHECK_EQ_INT(list[5], GGUF_FTYPE_Q5_K_M);
    CHECK_EQ_INT(list[n - 1], GGUF_FTYPE_IQ1_S);
    /* llama-quantize's Llama-3-8B perplexity order for the k-quants */
    static const int chain[] = {GGUF_FTYPE_Q5_K_M, GGUF_FTYPE_Q5_K_S, GGUF_FTYPE_Q4_K_M, GGUF_FTYPE_Q4_K_S,
                                GGUF_FTYPE_Q3_K_L, GGUF_FTYPE_Q3_K_M, GGUF_FTYPE_Q3_K_S, GGUF_FTYPE_Q2_K};
    for (size_t i = 1; i < sizeof chain / sizeof chain[0]; i++) {
        CHECK(index_of(list, n, chain[i - 1]) < index_of(list, n, chain[i]));
    }
    CHECK(index_of(list, n, GGUF_FTYPE_IQ2_M) < index_of(list, n, GGUF_FTYPE_IQ2_XXS));
    const int *again = NULL;
    CHECK_EQ_INT(gguf_ftype_by_quality(&again), n);
    CHECK(again == list);
    CHECK_EQ_INT(gguf_ftype_by_quality(NULL), n);
}

/* ---- quantization plans ---- */

#define MAX_T 2600

typedef struct model_list {
    gguf_plan_tensor t[MAX_T];
    char names[MAX_T][64];
    size_t n;
} model_list;

static model_list g_list; /* large: kept out of the stack */
static gguf_type g_out[MAX_T];

static void add(model_list *m, const char *name, int64_t ne0, int64_t ne1, int64_t ne2) {
    if (m->n >= MAX_T) return;
    snprintf(m->names[m->n], sizeof m->names[0], "%s", name);
    gguf_plan_tensor *t = &m->t[m->n];
    t->name = m->names[m->n];
    t->n_dims = ne2 > 1 ? 3 : ne1 > 1 ? 2 : 1;
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = ne2; t->ne[3] = 1;
    m->n++;
}

static void add_blk(model_list *m, int layer, const char *what, int64_t ne0, int64_t ne1, int64_t ne2) {
    char name[64];
    snprintf(name, sizeof name, "blk.%d.%s", layer, what);
    add(m, name, ne0, ne1, ne2);
}

/* A llama-architecture model in llama.cpp's tensor order. */
static void build_llama(model_list *m, int n_layer, int64_t n_embd, int64_t n_embd_kv, int64_t n_ff,
                        int64_t n_vocab, bool tied) {
    m->n = 0;
    add(m, "token_embd.weight", n_embd, n_vocab, 1);
    for (int i = 0; i < n_layer; i++) {
        add_blk(m, i, "attn_norm.weight", n_embd, 1, 1);
        add_blk(m, i, "attn_q.weight", n_embd, n_embd, 1);
        add_blk(m, i, "attn_k.weight", n_embd, n_embd_kv, 1);
        add_blk(m, i, "attn_v.weight", n_embd, n_embd_kv, 1);
        add_blk(m, i, "attn_output.weight", n_embd, n_embd, 1);
        add_blk(m, i, "ffn_norm.weight", n_embd, 1, 1);
        add_blk(m, i, "ffn_gate.weight", n_embd, n_ff, 1);
        add_blk(m, i, "ffn_up.weight", n_embd, n_ff, 1);
        add_blk(m, i, "ffn_down.weight", n_ff, n_embd, 1);
    }
    add(m, "output_norm.weight", n_embd, 1, 1);
    if (!tied) add(m, "output.weight", n_embd, n_vocab, 1);
}

static uint64_t plan_bytes(const model_list *m, const gguf_type *types) {
    uint64_t total = 0;
    for (size_t i = 0; i < m->n; i++) {
        const gguf_plan_tensor *t = &m->t[i];
        bool ok = false;
        total += gguf_type_tensor_bytes((int)types[i], (uint64_t)t->ne[0],
                                        (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]), &ok);
        CHECK(ok);
    }
    return total;
}

static int find(const model_list *m, const char *name) {
    for (size_t i = 0; i < m->n; i++) {
        if (strcmp(m->names[i], name) == 0) return (int)i;
    }
    return -1;
}

static gguf_type type_of(const model_list *m, const gguf_type *types, const char *name) {
    int i = find(m, name);
    CHECK(i >= 0);
    return i >= 0 ? types[i] : GGUF_TYPE_COUNT;
}

static gguf_type blk_type(const model_list *m, const gguf_type *types, int layer, const char *what) {
    char name[64];
    snprintf(name, sizeof name, "blk.%d.%s", layer, what);
    return type_of(m, types, name);
}

static int count_type(const model_list *m, const gguf_type *types, const char *substr, gguf_type t) {
    int n = 0;
    for (size_t i = 0; i < m->n; i++) n += strstr(m->names[i], substr) && types[i] == t;
    return n;
}

static const gguf_plan_model LLAMA3_8B = {"llama", 32, 32, 8, 0, true, false};

/* Meta-Llama-3-8B: n_embd 4096, 32 layers, 32/8 heads (KV dim 1024), n_ff 14336, vocab 128256. */
static void test_plan_llama3_8b_q4_k_m(void) {
    model_list *m = &g_list;
    build_llama(m, 32, 4096, 1024, 14336, 128256, false);
    CHECK_EQ_INT(m->n, 291);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &LLAMA3_8B, m->t, m->n, g_out));

    /* use_more_bits(i, 32): i < 4, i >= 28, or (i - 4) % 3 == 2 -> 4 + 4 + 8 layers */
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q6_K), 16);
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q4_K), 16);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_down.weight", GGUF_TYPE_Q6_K), 16);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_down.weight", GGUF_TYPE_Q4_K), 16);
    static const int more_bits[] = {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
    for (size_t k = 0; k < sizeof more_bits / sizeof more_bits[0]; k++) {
        CHECK_EQ_INT(blk_type(m, g_out, more_bits[k], "attn_v.weight"), GGUF_TYPE_Q6_K);
        CHECK_EQ_INT(blk_type(m, g_out, more_bits[k], "ffn_down.weight"), GGUF_TYPE_Q6_K);
    }
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_v.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(type_of(m, g_out, "output_norm.weight"), GGUF_TYPE_F32);
    CHECK_EQ_INT(count_type(m, g_out, "_norm.weight", GGUF_TYPE_F32), 65);
    CHECK_EQ_INT(count_type(m, g_out, "attn_q.weight", GGUF_TYPE_Q4_K), 32);
    CHECK_EQ_INT(count_type(m, g_out, "attn_k.weight", GGUF_TYPE_Q4_K), 32);
    CHECK_EQ_INT(count_type(m, g_out, "attn_output.weight", GGUF_TYPE_Q4_K), 32);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_gate.weight", GGUF_TYPE_Q4_K), 32);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_up.weight", GGUF_TYPE_Q4_K), 32);

    /* By hand: per layer at Q4_K: q 9437184 + k 2359296 + v 2359296 + o 9437184
     * + gate/up/down 3 x 33030144 + norms 2 x 16384 = 122716160; x 32 =
     * 3926917120; 16 attn_v to Q6_K +1081344 each, 16 ffn_down to Q6_K
     * +15138816 each; token_embd Q4_K 295501824; output Q6_K 430940160;
     * output_norm 16384. Total 4912898048 bytes = 4.575 GiB. */
    uint64_t total = plan_bytes(m, g_out);
    CHECK_EQ_INT(total, 4912898048ull);
    /* llama-quantize lists Q4_K_M as "4.58G" for Llama-3-8B */
    CHECK_REL((double)total / 1073741824.0, 4.58, 0.01);
}

/* Every llama-quantize option with a Llama-3-8B size in its table
 * (tools/quantize/quantize.cpp), in GiB, rounded to 0.01 there. */
static void test_plan_llama3_8b_all_sizes(void) {
    static const struct { int ft; double gib; } table[] = {
        {GGUF_FTYPE_Q4_0, 4.34},   {GGUF_FTYPE_Q4_1, 4.78},   {GGUF_FTYPE_Q5_0, 5.21},
        {GGUF_FTYPE_Q5_1, 5.65},   {GGUF_FTYPE_Q2_K, 2.96},   {GGUF_FTYPE_Q3_K_S, 3.41},
        {GGUF_FTYPE_Q3_K_M, 3.74}, {GGUF_FTYPE_Q3_K_L, 4.03}, {GGUF_FTYPE_Q4_K_S, 4.37},
        {GGUF_FTYPE_Q4_K_M, 4.58}, {GGUF_FTYPE_Q5_K_S, 5.21}, {GGUF_FTYPE_Q5_K_M, 5.33},
        {GGUF_FTYPE_Q6_K, 6.14},   {GGUF_FTYPE_Q8_0, 7.96},
    };
    model_list *m = &g_list;
    build_llama(m, 32, 4096, 1024, 14336, 128256, false);
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        CHECK(gguf_plan_types(table[k].ft, &LLAMA3_8B, m->t, m->n, g_out));
        double gib = (double)plan_bytes(m, g_out) / 1073741824.0;
        if (fabs(gib - table[k].gib) > 0.015) fprintf(stderr, "  %s: %.3f GiB\n", gguf_ftype_name(table[k].ft), gib);
        CHECK_NEAR(gib, table[k].gib, 0.015);
    }
}

static void test_plan_plain_ftypes(void) {
    model_list *m = &g_list;
    build_llama(m, 32, 4096, 1024, 14336, 128256, false);
    /* 2-D parameters: 2 x 525336576 embeddings + 32 x 218103808 per layer */
    const uint64_t n2d = 2ull * 525336576 + 32ull * 218103808;
    const uint64_t norm_bytes = (65ull * 4096) * 4;

    CHECK(gguf_plan_types(GGUF_FTYPE_Q8_0, &LLAMA3_8B, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q8_0);     /* base Q8_0 is kept */
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(count_type(m, g_out, "blk.", GGUF_TYPE_Q8_0), 32 * 7);
    CHECK_EQ_INT(plan_bytes(m, g_out), n2d / 32 * 34 + norm_bytes);

    CHECK(gguf_plan_types(GGUF_FTYPE_F16, &LLAMA3_8B, m->t, m->n, g_out));
    CHECK_EQ_INT(count_type(m, g_out, ".weight", GGUF_TYPE_F16), 2 + 32 * 7);
    CHECK_EQ_INT(count_type(m, g_out, ".weight", GGUF_TYPE_F32), 65);
    CHECK_EQ_INT(plan_bytes(m, g_out), n2d * 2 + norm_bytes);

    CHECK(gguf_plan_types(GGUF_FTYPE_BF16, &LLAMA3_8B, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_BF16);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_v.weight"), GGUF_TYPE_BF16);

    CHECK(gguf_plan_types(GGUF_FTYPE_ALL_F32, &LLAMA3_8B, m->t, m->n, g_out));
    CHECK_EQ_INT(count_type(m, g_out, ".weight", GGUF_TYPE_F32), (int)m->n);
    CHECK_EQ_INT(plan_bytes(m, g_out), n2d * 4 + norm_bytes);
}

/* Llama-3.2-1B: tied embeddings; n_embd 2048, 16 layers, 32/8 heads, n_ff 8192. */
static void test_plan_tied_embeddings(void) {
    model_list *m = &g_list;
    const gguf_plan_model tied = {"llama", 16, 32, 8, 0, false, false};
    build_llama(m, 16, 2048, 512, 8192, 128256, true);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &tied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q6_K); /* the output rule */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_0, &tied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q4_0);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q8_0, &tied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q8_0);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ2_M, &tied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q5_K); /* low i-quant output */

    /* the same model untied: token_embd gets its own rule, output the output rule */
    const gguf_plan_model untied = {"llama", 16, 32, 8, 0, true, false};
    build_llama(m, 16, 2048, 512, 8192, 128256, false);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &untied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q4_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ2_M, &untied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q5_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ1_S, &untied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q2_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_TQ1_0, &untied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q4_K);
    /* an output.weight in the list wins over has_output = false */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &tied, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q4_K);
}

/* Qwen2.5-0.5B: n_embd 896 (896 % 256 = 128), 24 layers, 14/2 heads (KV dim
 * 128), n_ff 4864 (= 19 x 256), vocab 151936, tied. */
static void test_plan_row_fallback(void) {
    model_list *m = &g_list;
    const gguf_plan_model qwen = {"qwen2", 24, 14, 2, 0, false, false};
    build_llama(m, 24, 896, 128, 4864, 151936, true);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &qwen, m->t, m->n, g_out));
    /* the output rule sees 896 % 256 != 0 and picks Q8_0 */
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q8_0);
    /* Q4_K -> Q5_0 for every ne0 = 896 weight */
    CHECK_EQ_INT(count_type(m, g_out, "attn_q.weight", GGUF_TYPE_Q5_0), 24);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_gate.weight", GGUF_TYPE_Q5_0), 24);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_up.weight", GGUF_TYPE_Q5_0), 24);
    /* use_more_bits(i, 24): i < 3, i >= 21, i = 5, 8, ..., 20 -> 12 Q6_K, which fall back to Q8_0 */
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q8_0), 12);
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q5_0), 12);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "attn_v.weight"), GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_v.weight"), GGUF_TYPE_Q5_0);
    /* ffn_down rows are 4864 wide: no fallback */
    CHECK_EQ_INT(count_type(m, g_out, "ffn_down.weight", GGUF_TYPE_Q6_K), 12);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_down.weight", GGUF_TYPE_Q4_K), 12);

    /* Q5_K -> Q5_1, Q6_K -> Q8_0 */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q5_K_S, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q5_1);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q6_K, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q8_0);
    /* Q3_K, Q2_K, IQ4_XS -> IQ4_NL */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q3_K_S, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_IQ4_NL);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ4_XS, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_up.weight"), GGUF_TYPE_IQ4_NL);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q5_K); /* first n/8 layers */
    CHECK_EQ_INT(blk_type(m, g_out, 3, "ffn_down.weight"), GGUF_TYPE_IQ4_XS);
    /* TQ1_0 -> Q4_0 */
    CHECK(gguf_plan_types(GGUF_FTYPE_TQ1_0, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q4_0);
    /* Q4_0: the tied embedding's Q6_K falls back to Q8_0 */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_0, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q4_0);

    /* rows of 100: no 32-wide type fits either -> F16 */
    m->n = 0;
    add(m, "blk.0.attn_q.weight", 100, 64, 1);
    add(m, "blk.0.attn_k.weight", 96, 64, 1);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(g_out[0], GGUF_TYPE_F16);
    CHECK_EQ_INT(g_out[1], GGUF_TYPE_Q5_0);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q8_0, &qwen, m->t, m->n, g_out));
    CHECK_EQ_INT(g_out[0], GGUF_TYPE_F16);
    CHECK_EQ_INT(g_out[1], GGUF_TYPE_Q8_0);
}

/* Mixtral-8x7B: 8 experts in merged tensors, 32 layers, 32/8 heads. */
static void test_plan_moe(void) {
    model_list *m = &g_list;
    const gguf_plan_model mixtral = {"llama", 32, 32, 8, 8, true, false};
    m->n = 0;
    add(m, "token_embd.weight", 4096, 32000, 1);
    /* layers in reverse order: the ffn rules must read the layer from the name */
    for (int i = 31; i >= 0; i--) {
        add_blk(m, i, "attn_norm.weight", 4096, 1, 1);
        add_blk(m, i, "attn_q.weight", 4096, 4096, 1);
        add_blk(m, i, "attn_k.weight", 4096, 1024, 1);
        add_blk(m, i, "attn_v.weight", 4096, 1024, 1);
        add_blk(m, i, "attn_output.weight", 4096, 4096, 1);
        add_blk(m, i, "ffn_norm.weight", 4096, 1, 1);
        add_blk(m, i, "ffn_gate_inp.weight", 4096, 8, 1);
        add_blk(m, i, "ffn_gate_exps.weight", 4096, 14336, 8);
        add_blk(m, i, "ffn_down_exps.weight", 14336, 4096, 8);
        add_blk(m, i, "ffn_up_exps.weight", 4096, 14336, 8);
    }
    add(m, "output_norm.weight", 4096, 1, 1);
    add(m, "output.weight", 4096, 32000, 1);

    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &mixtral, m->t, m->n, g_out));
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q8_0), 32);      /* n_expert == 8 */
    CHECK_EQ_INT(count_type(m, g_out, "attn_k.weight", GGUF_TYPE_Q8_0), 32);
    CHECK_EQ_INT(count_type(m, g_out, "attn_output.weight", GGUF_TYPE_Q5_K), 32);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_gate_inp.weight", GGUF_TYPE_F32), 32); /* routers stay F32 */
    CHECK_EQ_INT(count_type(m, g_out, "ffn_down_exps.weight", GGUF_TYPE_Q6_K), 16);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down_exps.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(blk_type(m, g_out, 6, "ffn_down_exps.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "ffn_down_exps.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 31, "ffn_down_exps.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_gate_exps.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q6_K);

    /* the same list as a dense model would use the counter (layer 31 first) */
    const gguf_plan_model dense = {"llama", 32, 32, 8, 0, true, false};
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &dense, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 31, "ffn_down_exps.weight"), GGUF_TYPE_Q6_K); /* counter 0 */
    CHECK_EQ_INT(blk_type(m, g_out, 26, "ffn_down_exps.weight"), GGUF_TYPE_Q4_K); /* counter 5 */
    CHECK_EQ_INT(blk_type(m, g_out, 25, "ffn_down_exps.weight"), GGUF_TYPE_Q6_K); /* counter 6 */
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_v.weight"), GGUF_TYPE_Q6_K);

    /* MXFP4_MOE, gpt-oss-20b shapes: 24 layers, 32 experts, n_embd 2880, 64/8 heads */
    const gguf_plan_model oss = {"gpt-oss", 24, 64, 8, 32, true, false};
    m->n = 0;
    add(m, "token_embd.weight", 2880, 201088, 1);
    for (int i = 0; i < 24; i++) {
        add_blk(m, i, "attn_norm.weight", 2880, 1, 1);
        add_blk(m, i, "attn_q.weight", 2880, 4096, 1);
        add_blk(m, i, "attn_k.weight", 2880, 512, 1);
        add_blk(m, i, "attn_v.weight", 2880, 512, 1);
        add_blk(m, i, "attn_output.weight", 4096, 2880, 1);
        add_blk(m, i, "attn_sinks", 64, 1, 1);
        add_blk(m, i, "ffn_gate_inp.weight", 2880, 32, 1);
        add_blk(m, i, "ffn_gate_exps.weight", 2880, 2880, 32);
        add_blk(m, i, "ffn_up_exps.weight", 2880, 2880, 32);
        add_blk(m, i, "ffn_down_exps.weight", 2880, 2880, 32);
    }
    add(m, "output_norm.weight", 2880, 1, 1);
    add(m, "output.weight", 2880, 201088, 1);
    CHECK(gguf_plan_types(GGUF_FTYPE_MXFP4_MOE, &oss, m->t, m->n, g_out));
    CHECK_EQ_INT(count_type(m, g_out, "_exps.weight", GGUF_TYPE_MXFP4), 72);
    CHECK_EQ_INT(count_type(m, g_out, "attn_", GGUF_TYPE_Q8_0), 24 * 4);
    CHECK_EQ_INT(count_type(m, g_out, "attn_sinks", GGUF_TYPE_F32), 24);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_gate_inp.weight", GGUF_TYPE_F32), 24);
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q8_0);
}

/* One rule at a time, on a small llama-shaped model with n_layer 8. */
static void test_plan_rules(void) {
    model_list *m = &g_list;
    gguf_plan_model mdl = {"llama", 8, 32, 8, 0, true, false}; /* n_gqa 4 */
    build_llama(m, 8, 4096, 1024, 14336, 32000, false);

    CHECK(gguf_plan_types(GGUF_FTYPE_Q2_K, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_v.weight"), GGUF_TYPE_Q4_K);      /* n_gqa >= 4 */
    CHECK_EQ_INT(blk_type(m, g_out, 3, "ffn_down.weight"), GGUF_TYPE_Q3_K);
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_output.weight"), GGUF_TYPE_Q3_K);
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_q.weight"), GGUF_TYPE_Q2_K);
    mdl.n_head_kv = 32; /* n_gqa 1 */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q2_K, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_v.weight"), GGUF_TYPE_Q3_K);
    mdl.n_head_kv = 8;

    CHECK(gguf_plan_types(GGUF_FTYPE_Q3_K_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_v.weight"), GGUF_TYPE_Q5_K);     /* first two */
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_v.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_v.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q4_K);   /* 8/16 = 0 layers of Q5_K */
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_output.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q3_K);

    CHECK(gguf_plan_types(GGUF_FTYPE_Q3_K_L, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 5, "attn_v.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "ffn_down.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "attn_output.weight"), GGUF_TYPE_Q5_K);

    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_S, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_v.weight"), GGUF_TYPE_Q5_K);     /* first four */
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_v.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q5_K);   /* first n/8 = 1 */
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    mdl.is_70b = true; /* attn_v Q3_K/Q4_K -> Q5_K */
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_S, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_v.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_q.weight"), GGUF_TYPE_Q4_K);
    mdl.is_70b = false;

    CHECK(gguf_plan_types(GGUF_FTYPE_Q5_K_M, &mdl, m->t, m->n, g_out));
    /* use_more_bits(i, 8): i < 1, i >= 7, (i - 1) % 3 == 2 -> 0, 3, 6, 7 */
    CHECK_EQ_INT(count_type(m, g_out, "attn_v.weight", GGUF_TYPE_Q6_K), 4);
    CHECK_EQ_INT(blk_type(m, g_out, 3, "ffn_down.weight"), GGUF_TYPE_Q6_K);
    CHECK_EQ_INT(blk_type(m, g_out, 4, "ffn_down.weight"), GGUF_TYPE_Q5_K);

    CHECK(gguf_plan_types(GGUF_FTYPE_IQ4_NL, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 4, "attn_v.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q5_K);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_IQ4_NL);

    CHECK(gguf_plan_types(GGUF_FTYPE_IQ3_XS, &mdl, m->t, m->n, g_out));
    /* middle layers n/8 <= i < 7n/8 = 1..6 get IQ3_XXS gate/up */
    CHECK_EQ_INT(count_type(m, g_out, "ffn_gate.weight", GGUF_TYPE_IQ3_XXS), 6);
    CHECK_EQ_INT(count_type(m, g_out, "ffn_up.weight", GGUF_TYPE_IQ3_XXS), 6);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_gate.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(blk_type(m, g_out, 7, "ffn_up.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_q.weight"), GGUF_TYPE_IQ3_XXS);
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_k.weight"), GGUF_TYPE_IQ3_XXS);
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_v.weight"), GGUF_TYPE_Q4_K);

    CHECK(gguf_plan_types(GGUF_FTYPE_IQ3_XXS, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_q.weight"), GGUF_TYPE_IQ2_S);
    CHECK_EQ_INT(blk_type(m, g_out, 2, "attn_output.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_Q3_K);
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q5_K);

    CHECK(gguf_plan_types(GGUF_FTYPE_IQ3_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 5, "attn_v.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 5, "attn_output.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_IQ3_S);

    CHECK(gguf_plan_types(GGUF_FTYPE_IQ2_XXS, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 3, "attn_v.weight"), GGUF_TYPE_Q4_K);     /* n_gqa >= 4 */
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q2_K);   /* counter < n/8 */
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_IQ2_XXS);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_output.weight"), GGUF_TYPE_IQ2_XXS);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ1_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_output.weight"), GGUF_TYPE_IQ2_XXS);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_q.weight"), GGUF_TYPE_IQ1_M);
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ2_S, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_output.weight"), GGUF_TYPE_IQ3_S);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_q.weight"), GGUF_TYPE_IQ2_XS);   /* IQ2_S's base */
    mdl.n_head_kv = 32;
    CHECK(gguf_plan_types(GGUF_FTYPE_IQ2_S, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_v.weight"), GGUF_TYPE_IQ3_S);
    mdl.n_head_kv = 8;

    /* falcon: output Q8_0; Q4_K_M ffn_down first n/16 -> Q6_K else more bits -> Q5_K */
    mdl.arch = "falcon";
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "output.weight"), GGUF_TYPE_Q8_0);
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q5_K);   /* 8/16 = 0 */
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q3_K_L, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 1, "attn_output.weight"), GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(blk_type(m, g_out, 1, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    mdl.arch = "llama";

    /* fused QKV (phi-3 style) */
    m->n = 0;
    add(m, "blk.0.attn_qkv.weight", 3072, 9216, 1);
    add(m, "blk.0.attn_output.weight", 3072, 3072, 1);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(g_out[0], GGUF_TYPE_Q5_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q5_K_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(g_out[0], GGUF_TYPE_Q6_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q3_K_M, &mdl, m->t, m->n, g_out));
    CHECK_EQ_INT(g_out[0], GGUF_TYPE_Q4_K);
    CHECK_EQ_INT(g_out[1], GGUF_TYPE_Q4_K);
}

static void test_plan_not_quantized(void) {
    model_list *m = &g_list;
    const gguf_plan_model mdl = {"bert", 1, 12, 12, 0, true, false};
    m->n = 0;
    add(m, "blk.0.attn_norm.weight", 768, 1, 1);       /* 1-D */
    add(m, "blk.0.attn_q.bias", 768, 1, 1);            /* not a weight */
    add(m, "position_embd.weight", 768, 512, 1);       /* BERT position embeddings */
    add(m, "token_types.weight", 768, 2, 1);
    add(m, "blk.0.ffn_gate_inp.weight", 768, 8, 1);    /* MoE router */
    add(m, "blk.0.attn_rel_b.weight", 12, 32, 1);      /* T5 relative bias */
    add(m, "blk.0.ssm_conv1d.weight", 4, 1536, 1);     /* Mamba */
    add(m, "blk.0.attn_q.weight", 768, 1, 1);          /* [768, 1] is 1-D for ggml */
    m->t[m->n - 1].n_dims = 2;
    add(m, "v.position_embd.weight", 768, 577, 1);     /* multimodal position embeddings */
    add(m, "blk.0.time_mix_w1.weight", 768, 160, 1);   /* RWKV */
    add(m, "blk.0.attn_k.weight", 768, 768, 1);        /* the one real weight */
    for (size_t k = 0; k < m->n; k++) g_out[k] = GGUF_TYPE_COUNT;
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &mdl, m->t, m->n, g_out));
    for (size_t k = 0; k + 1 < m->n; k++) CHECK_EQ_INT(g_out[k], GGUF_TYPE_F32);
    CHECK_EQ_INT(g_out[m->n - 1], GGUF_TYPE_Q4_K);
    CHECK(gguf_plan_types(GGUF_FTYPE_F16, &mdl, m->t, m->n, g_out));
    for (size_t k = 0; k + 1 < m->n; k++) CHECK_EQ_INT(g_out[k], GGUF_TYPE_F32);
    CHECK_EQ_INT(g_out[m->n - 1], GGUF_TYPE_F16);
}

static void test_plan_pure_and_invalid(void) {
    model_list *m = &g_list;
    build_llama(m, 24, 896, 128, 4864, 151936, true);
    add(m, "blk.0.ffn_gate_inp.weight", 896, 8, 1);
    add(m, "blk.0.odd.weight", 100, 8, 1);
    CHECK(gguf_plan_types_pure(GGUF_TYPE_Q4_0, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "token_embd.weight"), GGUF_TYPE_Q4_0);
    CHECK_EQ_INT(count_type(m, g_out, "blk.", GGUF_TYPE_Q4_0), 24 * 7);
    CHECK_EQ_INT(count_type(m, g_out, "_norm.weight", GGUF_TYPE_F32), 49);
    CHECK_EQ_INT(type_of(m, g_out, "blk.0.ffn_gate_inp.weight"), GGUF_TYPE_F32);
    CHECK_EQ_INT(type_of(m, g_out, "blk.0.odd.weight"), GGUF_TYPE_F16); /* 100 % 32 != 0 */
    CHECK(gguf_plan_types_pure(GGUF_TYPE_Q4_K, m->t, m->n, g_out));
    CHECK_EQ_INT(blk_type(m, g_out, 0, "attn_q.weight"), GGUF_TYPE_Q5_0); /* 896 % 256 != 0 */
    CHECK_EQ_INT(blk_type(m, g_out, 0, "ffn_down.weight"), GGUF_TYPE_Q4_K);
    CHECK(gguf_plan_types_pure(GGUF_TYPE_BF16, m->t, m->n, g_out));
    CHECK_EQ_INT(type_of(m, g_out, "blk.0.odd.weight"), GGUF_TYPE_BF16);

    /* invalid ftype / type: false, nothing written */
    const gguf_plan_model mdl = {"llama", 24, 14, 2, 0, false, false};
    for (size_t k = 0; k < m->n; k++) g_out[k] = GGUF_TYPE_COUNT;
    CHECK(!gguf_plan_types(4, &mdl, m->t, m->n, g_out));
    CHECK(!gguf_plan_types(GGUF_FTYPE_COUNT, &mdl, m->t, m->n, g_out));
    CHECK(!gguf_plan_types(-1, &mdl, m->t, m->n, g_out));
    CHECK(!gguf_plan_types(GGUF_FTYPE_Q4_K_M, NULL, m->t, m->n, g_out));
    CHECK(!gguf_plan_types_pure(4, m->t, m->n, g_out));
    CHECK(!gguf_plan_types_pure(GGUF_TYPE_COUNT, m->t, m->n, g_out));
    int untouched = 0;
    for (size_t k = 0; k < m->n; k++) untouched += g_out[k] == GGUF_TYPE_COUNT;
    CHECK_EQ_INT(untouched, (int)m->n);
    CHECK(gguf_plan_types(GGUF_FTYPE_Q4_K_M, &mdl, m->t, 0, NULL)); /* empty list is fine */
}

TEST_MAIN(TEST(test_type_table), TEST(test_type_names), TEST(test_type_sizes),
          TEST(test_ftype_table), TEST(test_ftype_by_quality),
          TEST(test_plan_llama3_8b_q4_k_m), TEST(test_plan_llama3_8b_all_sizes),
          TEST(test_plan_plain_ftypes), TEST(test_plan_tied_embeddings),
          TEST(test_plan_row_fallback), TEST(test_plan_moe), TEST(test_plan_rules),
          TEST(test_plan_not_quantized), TEST(test_plan_pure_and_invalid))
