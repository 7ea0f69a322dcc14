/* fuzz_tokenizer.c - libFuzzer target for the tokenizer (engine/tokenizer.h).
 *
 * Loads ../shared/testdata/vocab/ggml-vocab-{llama-spm,gpt-2}.gguf once (the
 * shared folder from $LLMCAP_SHARED, else ../shared, else /work/shared), then
 * for every input: encodes it with both vocabularies, checks every id is in
 * range, decodes every id and checks that the pieces give the input back
 * (gpt2: exactly; llama: after the added leading space, with U+2581 read as
 * ' '), checks that a short output buffer gets a prefix of the same ids, and
 * checks that the three pre-tokenizer splits cover the input with increasing
 * offsets. Any mismatch aborts (a finding).
 *
 * Build and run (from the repository root; FORMAT_SRC = every .c file in
 * engine/format/, today gguf.c quants.c types.c):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iestimator -Iengine/format -Iengine \
 *     tests/fuzz/fuzz_tokenizer.c engine/tokenizer.c engine/unicode_tables.c $FORMAT_SRC \
 *     -lcjson -lgsl -lgslcblas -lm -o build/fuzz_tokenizer
 *   build/fuzz_tokenizer -max_total_time=60 -max_len=4096 [corpus_dir]
 */
#include "tokenizer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tok_vocab *load(const char *name) {
    const char *env = getenv("LLMCAP_SHARED");
    const char *dirs[] = {env, "../shared", "/work/shared"};
    for (size_t i = 0; i < 3; i++) {
        if (!dirs[i]) continue;
        char path[1200], err[256];
        snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-%s.gguf", dirs[i], name);
        if (access(path, R_OK) != 0) continue;
        gguf_ctx *g = NULL;
        if (gguf_open_file(path, &g, err, sizeof err) != GGUF_OK) {
            fprintf(stderr, "fuzz_tokenizer: %s: %s\n", path, err);
            abort();
        }
        tok_vocab *v = NULL;
        if (tok_vocab_load(g, &v, err, sizeof err) != TOK_OK) {
            fprintf(stderr, "fuzz_tokenizer: %s: %s\n", path, err);
            abort();
        }
        gguf_close(g);
        return v;
    }
    fprintf(stderr, "fuzz_tokenizer: ggml-vocab-%s.gguf not found (set LLMCAP_SHARED)\n", name);
    abort();
}

#define REQUIRE(cond)                                                          \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_tokenizer: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Encode, check, decode, compare with want[0..want_len). */
static void check_vocab(const tok_vocab *v, const uint8_t *data, size_t size, bool add_special,
                        const uint8_t *want, size_t want_len) {
    int64_t n = tok_encode(v, (const char *)data, size, add_special, NULL, 0);
    REQUIRE(n >= 0);
    int32_t *ids = malloc((size_t)(n + 1) * sizeof *ids);
    REQUIRE(ids != NULL);
    REQUIRE(tok_encode(v, (const char *)data, size, add_special, ids, n) == n);
    /* a short buffer gets the same prefix */
    int64_t half = n / 2;
    int32_t *part = malloc((size_t)(half + 1) * sizeof *part);
    REQUIRE(part != NULL);
    part[half] = -12345;
    REQUIRE(tok_encode(v, (const char *)data, size, add_special, part, half) == n);
    REQUIRE(part[half] == -12345 && memcmp(part, ids, (size_t)half * sizeof *ids) == 0);
    free(part);

    int64_t first = 0;
    if (add_special && tok_add_bos(v)) {
        REQUIRE(n >= 1 && ids[0] == tok_bos(v));
        first = 1;
    }
    uint8_t *dec = malloc(4 * size + 16);
    REQUIRE(dec != NULL);
    size_t k = 0;
    for (int64_t i = first; i < n; i++) {
        REQUIRE(ids[i] >= 0 && ids[i] < tok_n_vocab(v));
        int m = tok_piece(v, ids[i], NULL, 0);
        REQUIRE(m >= 0 && k + (size_t)m <= 4 * size + 16);
        REQUIRE(tok_piece(v, ids[i], (char *)dec + k, m) == m);
        k += (size_t)m;
    }
    REQUIRE(k == want_len && memcmp(dec, want, k) == 0);
    free(dec);
    free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tok_vocab *spm, *bpe;
    if (!spm) {
        spm = load("llama-spm");
        bpe = load("gpt-2");
    }
    bool add_special = size > 0 && (data[0] & 1);

    /* llama: " " + text, with U+2581 (E2 96 81) decoding as ' ' */
    uint8_t *want = malloc(size + 1);
    REQUIRE(want != NULL);
    size_t w = 0;
    if (size > 0) want[w++] = ' ';
    for (size_t i = 0; i < size;) {
        if (i + 3 <= size && memcmp(data + i, "\xe2\x96\x81", 3) == 0) {
            want[w++] = ' ';
            i += 3;
        } else {
            want[w++] = data[i++];
        }
    }
    check_vocab(spm, data, size, add_special, want, w);
    free(want);
    check_vocab(bpe, data, size, add_special, data, size);

    /* the splits cover the text with increasing ends */
    size_t *ends = malloc((size + 1) * sizeof *ends);
    REQUIRE(ends != NULL);
    for (int pre = TOK_PRE_GPT2; pre <= TOK_PRE_QWEN2; pre++) {
        int64_t n = tok_pre_split((tok_pre_kind)pre, (const char *)data, size, ends, (int64_t)size + 1);
        REQUIRE(n >= 0 && (size_t)n <= size);
        size_t prev = 0;
        for (int64_t i = 0; i < n; i++) {
            REQUIRE(ends[i] > prev);
            prev = ends[i];
        }
        REQUIRE(prev == size);
    }
    free(ends);
    return 0;
}
