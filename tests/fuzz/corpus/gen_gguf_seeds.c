/* gen_gguf_seeds.c - writes the seed corpus of fuzz_gguf (tests/fuzz/corpus/gguf/)
 * with our own writer and mkmodel; run it again after a format change.
 *
 *   cc -std=c11 -D_DEFAULT_SOURCE -O1 -Iestimator -Iengine/format -Iengine \
 *     tests/fuzz/corpus/gen_gguf_seeds.c engine/mkmodel.c engine/format/gguf.c \
 *     engine/format/types.c engine/format/quants.c -lm -lpthread -o build/gen_gguf_seeds
 *   build/gen_gguf_seeds tests/fuzz/corpus/gguf
 *
 * Seeds (about 180 KB in all):
 *   llama-q8_0.gguf          a whole llama model: 1 layer, n_embd 32, tied, built-in vocab of 259
 *   llama-q8_0-v2.gguf       the same with version 2 in the header
 *   llama-q8_0-head100.gguf, -cut-kv, -cut-infos, -cut-data
 *                            cut in the counts, in the token array, in the tensor infos, in the data
 *   llama-q8_0-flip0..2.gguf three header bits flipped each (fixed LCG, so the files are stable)
 *   qwen2-f16.gguf           qwen2 with Q/K/V biases and head_dim 8 != n_embd / n_head
 *   alltypes-align64.gguf    general.alignment 64, keys of several value types, tensors of
 *                            F32, Q4_K, Q6_K, I8 and a 4-D Q4_0
 *   empty-v3.gguf            a header with no keys and no tensors
 */
#include "gguf.h"
#include "mkmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *g_dir = ".";

static int save(const char *name, const uint8_t *b, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen_gguf_seeds: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static uint8_t *model(const mkmodel_params *p, size_t *len) {
    uint8_t *b = NULL;
    char err[256];
    if (mkmodel_write_memory(p, &b, len, NULL, err, sizeof err) != MKMODEL_OK) {
        fprintf(stderr, "gen_gguf_seeds: %s\n", err);
        exit(1);
    }
    return b;
}

int main(int argc, char **argv) {
    if (argc > 1) g_dir = argv[1];
    int bad = 0;

    mkmodel_params p = mkmodel_default_params();
    p.n_embd = 32; p.n_layer = 1; p.n_head = 2; p.n_head_kv = 1; p.n_ff = 32; p.n_vocab = 259;
    p.n_ctx = 64; p.tied = true; p.weight_type = GGUF_TYPE_Q8_0; p.seed = 1;
    size_t n;
    uint8_t *b = model(&p, &n);
    bad |= save("llama-q8_0.gguf", b, n);
    gguf_ctx *g = NULL;
    if (gguf_open_memory(b, n, n, &g, NULL, NULL, 0) != GGUF_OK) return 1;
    size_t data_offset = (size_t)gguf_data_offset(g);
    gguf_close(g);
    bad |= save("llama-q8_0-head100.gguf", b, 100);
    bad |= save("llama-q8_0-cut-kv.gguf", b, 3000);
    bad |= save("llama-q8_0-cut-infos.gguf", b, data_offset - 40);
    bad |= save("llama-q8_0-cut-data.gguf", b, data_offset + 500);
    uint32_t lcg = 12345;
    for (int k = 0; k < 3; k++) {
        uint8_t *c = malloc(n);
        if (!c) return 1;
        memcpy(c, b, n);
        for (int j = 0; j < 3; j++) {
            lcg = lcg * 1103515245u + 12345u; /* the C standard's example rand() */
            c[(lcg >> 8) % data_offset] ^= (uint8_t)(1u << (lcg & 7));
        }
        char name[64];
        snprintf(name, sizeof name, "llama-q8_0-flip%d.gguf", k);
        bad |= save(name, c, n);
        free(c);
    }
    b[4] = 2; /* version */
    bad |= save("llama-q8_0-v2.gguf", b, n);
    free(b);

    p = mkmodel_default_params();
    snprintf(p.arch, sizeof p.arch, "qwen2");
    p.n_embd = 32; p.n_layer = 1; p.n_head = 2; p.n_head_kv = 1; p.head_dim = 8; p.n_ff = 32;
    p.n_vocab = 259; p.tied = true; p.weight_type = GGUF_TYPE_F16; p.seed = 2;
    b = model(&p, &n);
    bad |= save("qwen2-f16.gguf", b, n);
    free(b);

    gguf_writer *w = gguf_writer_create();
    if (!w) return 1;
    gguf_writer_set_u32(w, "general.alignment", 64);
    gguf_writer_set_str(w, "general.architecture", "llama");
    gguf_writer_set_i32(w, "a.i32", -5);
    gguf_writer_set_u64(w, "a.u64", UINT64_C(0xffffffffffffffff));
    gguf_writer_set_f32(w, "a.f32", 1.5f);
    gguf_writer_set_bool(w, "a.bool", true);
    const char *strs[] = {"x", "", "\xe2\x96\x81y"};
    gguf_writer_set_arr_str(w, "a.arr_str", strs, 3);
    const int32_t ints[] = {1, -2, 3};
    gguf_writer_set_arr_i32(w, "a.arr_i32", ints, 3);
    const float fl[] = {0.5f, -1e30f};
    gguf_writer_set_arr_f32(w, "a.arr_f32", fl, 2);
    const int64_t ne1[1] = {256}, ne2[2] = {256, 2}, ne4[4] = {32, 1, 2, 1};
    gguf_writer_add_tensor(w, "t.f32", GGUF_TYPE_F32, 1, ne1, NULL);
    gguf_writer_add_tensor(w, "t.q4_k", GGUF_TYPE_Q4_K, 2, ne2, NULL);
    gguf_writer_add_tensor(w, "t.q6_k", GGUF_TYPE_Q6_K, 1, ne1, NULL);
    gguf_writer_add_tensor(w, "t.q4_0.4d", GGUF_TYPE_Q4_0, 4, ne4, NULL);
    gguf_writer_add_tensor(w, "t.i8", GGUF_TYPE_I8, 1, ne1, NULL);
    uint8_t *img = NULL;
    size_t len = 0;
    if (!gguf_writer_to_memory(w, &img, &len)) return 1;
    gguf_writer_free(w);
    bad |= save("alltypes-align64.gguf", img, len);
    free(img);

    static const uint8_t empty[24] = {'G', 'G', 'U', 'F', 3}; /* v3, 0 tensors, 0 keys */
    bad |= save("empty-v3.gguf", empty, sizeof empty);
    return bad;
}
