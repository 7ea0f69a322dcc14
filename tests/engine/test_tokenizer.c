/* test_tokenizer.c - the tokenizer (engine/tokenizer.h).
 *
 * Real vocabularies: ../shared/testdata/vocab/ggml-vocab-{llama-spm,gpt-2,
 * phi-3}.gguf from llama.cpp, each with <vocab>.inp (46 strings, each followed
 * by "\n__ggml_vocab_test__\n") and <vocab>.out (one line of expected ids per
 * string, space-separated, leading space), made by the Hugging Face
 * tokenizers with add_special = false, parse_special = false. Every string
 * must give exactly those ids, and decoding them must give the string back.
 *
 * The pre-tokenizer splits (gpt2, llama3, qwen2) are checked against pieces
 * written out by hand and confirmed with Python's `regex` module on the
 * original patterns. Malformed metadata comes from our GGUF writer.
 *
 * The shared folder is found through $LLMCAP_SHARED, else ../shared (from the
 * repository root), else /work/shared. Load times are printed, not asserted.
 */
#include "tokenizer.h"
#include "test.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static const char *shared_dir(void) {
    static char dir[1024];
    if (dir[0]) return dir;
    const char *env = getenv("LLMCAP_SHARED");
    const char *candidates[] = {env, "../shared", "/work/shared"};
    for (size_t i = 0; i < 3; i++) {
        if (!candidates[i]) continue;
        char probe[1200];
        snprintf(probe, sizeof probe, "%s/testdata/vocab/ggml-vocab-llama-spm.gguf", candidates[i]);
        if (access(probe, R_OK) == 0) {
            snprintf(dir, sizeof dir, "%s", candidates[i]);
            return dir;
        }
    }
    snprintf(dir, sizeof dir, "../shared");
    return dir;
}

static char *read_text(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) p[n] = 0;
    *len = p ? (size_t)n : 0;
    return p;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Load ../shared/testdata/vocab/ggml-vocab-<name>.gguf; *ms gets the time
 * tok_vocab_load took. NULL (and a failed check) when it cannot. */
static tok_vocab *load_vocab(const char *name, double *ms) {
    char path[1200], err[256] = "";
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-%s.gguf", shared_dir(), name);
    gguf_ctx *g = NULL;
    gguf_status gs = gguf_open_file(path, &g, err, sizeof err);
    CHECK_EQ_INT(gs, GGUF_OK);
    if (gs != GGUF_OK) {
        fprintf(stderr, "  %s: %s\n", path, err);
        return NULL;
    }
    tok_vocab *v = NULL;
    double t0 = now_ms();
    tok_status st = tok_vocab_load(g, &v, err, sizeof err);
    if (ms) *ms = now_ms() - t0;
    gguf_close(g); /* the vocabulary is a copy */
    CHECK_EQ_INT(st, TOK_OK);
    if (st != TOK_OK) fprintf(stderr, "  %s: %s\n", name, err);
    return v;
}

/* Encode into a malloc'ed array; *n its length (-1 on failure). */
static int32_t *encode(const tok_vocab *v, const char *s, size_t len, bool add_special, int64_t *n) {
    *n = tok_encode(v, s, len, add_special, NULL, 0);
    if (*n < 0) return NULL;
    int32_t *ids = malloc((size_t)(*n + 1) * sizeof *ids);
    if (!ids) return NULL;
    int64_t again = tok_encode(v, s, len, add_special, ids, *n);
    CHECK_EQ_INT(again, *n);
    return ids;
}

/* Concatenated pieces of ids, malloc'ed; *len its length. */
static char *decode(const tok_vocab *v, const int32_t *ids, int64_t n, size_t *len) {
    size_t cap = 64, k = 0;
    char *out = malloc(cap);
    for (int64_t i = 0; out && i < n; i++) {
        int m = tok_piece(v, ids[i], NULL, 0);
        CHECK(m >= 0);
        if (m < 0) break;
        while (k + (size_t)m + 1 > cap) {
            char *p = realloc(out, cap *= 2);
            if (!p) {
                free(out);
                return NULL;
            }
            out = p;
        }
        CHECK_EQ_INT(tok_piece(v, ids[i], out + k, m), m);
        k += (size_t)m;
    }
    if (out) out[k] = 0;
    *len = k;
    return out;
}

/* Check that encoding s gives exactly want[0..n_want). */
static bool encodes_to(const tok_vocab *v, const char *s, bool add_special, const int32_t *want, int64_t n_want) {
    int64_t n;
    int32_t *ids = encode(v, s, strlen(s), add_special, &n);
    bool ok = ids && n == n_want && (n == 0 || memcmp(ids, want, (size_t)n * sizeof *ids) == 0);
    if (!ok) {
        fprintf(stderr, "  encode(\"%s\") =", s);
        for (int64_t i = 0; ids && i < n; i++) fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, ", expected");
        for (int64_t i = 0; i < n_want; i++) fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
    return ok;
}

#define ENCODES_TO(v, s, add_special, ...)                                          \
    do {                                                                            \
        const int32_t want_[] = {__VA_ARGS__};                                      \
        CHECK(encodes_to(v, s, add_special, want_, (int64_t)(sizeof want_ / sizeof want_[0]))); \
    } while (0)

/* ---- the llama.cpp vocabulary tests ---- */

#define SEP "\n__ggml_vocab_test__\n"

/* Run <name>.inp / .out; returns how many strings matched (of *n_strings). */
static int run_vocab_file(const char *name, int *n_strings, double *load_ms) {
    *n_strings = 0;
    tok_vocab *v = load_vocab(name, load_ms);
    if (!v) return 0;
    char path[1200];
    size_t in_len, out_len;
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-%s.gguf.inp", shared_dir(), name);
    char *inp = read_text(path, &in_len);
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-%s.gguf.out", shared_dir(), name);
    char *outp = read_text(path, &out_len);
    CHECK(inp != NULL && outp != NULL);
    int passed = 0;
    char *s = inp, *line = outp;
    while (inp && outp && *s) {
        char *end = strstr(s, SEP);
        CHECK(end != NULL); /* the file ends with a separator */
        if (!end) break;
        size_t len = (size_t)(end - s);
        char *eol = strchr(line, '\n');
        CHECK(eol != NULL);
        if (!eol) break;
        *eol = 0;
        int32_t want[512];
        int64_t n_want = 0;
        for (char *p = line; *p && n_want < 512;) {
            char *q;
            long x = strtol(p, &q, 10);
            if (q == p) break;
            want[n_want++] = (int32_t)x;
            p = q;
        }
        (*n_strings)++;
        int64_t n;
        int32_t *ids = encode(v, s, len, false, &n);
        bool ok = ids && n == n_want && (n == 0 || memcmp(ids, want, (size_t)n * sizeof *ids) == 0);
        if (!ok) {
            fprintf(stderr, "  %s string %d \"%.*s\": got", name, *n_strings, (int)len, s);
            for (int64_t i = 0; ids && i < n; i++) fprintf(stderr, " %d", ids[i]);
            fprintf(stderr, "\n    expected %s\n", line);
        }
        CHECK(ok);
        /* round trip: the pieces give the text back (SPM: after the added space) */
        size_t dlen = 0;
        char *dec = ids ? decode(v, ids, n, &dlen) : NULL;
        bool spm = strcmp(tok_model_name(v), "llama") == 0;
        const char *back = dec && spm && dlen > 0 ? dec + 1 : dec;
        size_t back_len = dec && spm && dlen > 0 ? dlen - 1 : dlen;
        bool rt = dec && back_len == len && memcmp(back, s, len) == 0 && (!spm || len == 0 || dec[0] == ' ');
        if (!rt) fprintf(stderr, "  %s string %d does not decode back: \"%s\"\n", name, *n_strings, dec ? dec : "");
        CHECK(rt);
        passed += ok && rt;
        free(dec);
        free(ids);
        s = end + strlen(SEP);
        line = eol + 1;
    }
    free(inp);
    free(outp);
    tok_vocab_free(v);
    return passed;
}

static void test_vocab_files(void) {
    const char *names[] = {"llama-spm", "gpt-2", "phi-3"};
    for (size_t i = 0; i < 3; i++) {
        int n_strings = 0;
        double ms = 0;
        int passed = run_vocab_file(names[i], &n_strings, &ms);
        printf("  %-9s %d/%d strings match (ids and round trip); load %.1f ms\n", names[i], passed, n_strings, ms);
        CHECK_EQ_INT(n_strings, 46);
        CHECK_EQ_INT(passed, 46);
    }
}

/* ---- facts about the real vocabularies ---- */

static void test_llama_spm(void) {
    tok_vocab *v = load_vocab("llama-spm", NULL);
    if (!v) return;
    CHECK_STR(tok_model_name(v), "llama");
    CHECK_EQ_INT(tok_n_vocab(v), 32000);
    CHECK_EQ_INT(tok_bos(v), 1);
    CHECK_EQ_INT(tok_eos(v), 2);
    CHECK(tok_add_bos(v));
    CHECK(tok_is_eog(v, 2));
    CHECK(!tok_is_eog(v, 1));
    CHECK(!tok_is_eog(v, -1));
    CHECK(!tok_is_eog(v, 32000));

    /* add_special adds BOS (ids from llama.cpp / HF with add_special_tokens) */
    ENCODES_TO(v, "Hello world", true, 1, 15043, 3186);
    ENCODES_TO(v, "The quick brown fox jumps over the lazy dog", true,
               1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203);
    ENCODES_TO(v, "", true, 1);
    CHECK_EQ_INT(tok_encode(v, "", 0, false, NULL, 0), 0);
    CHECK_EQ_INT(tok_encode(v, NULL, 0, false, NULL, 0), 0);
    /* control tokens in the text are plain text (parse_special = false) */
    int64_t n;
    int32_t *ids = encode(v, "<s>", 3, false, &n);
    CHECK(n > 1);
    for (int64_t i = 0; ids && i < n; i++) CHECK(ids[i] != 1);
    free(ids);

    /* pieces */
    char buf[64];
    CHECK_EQ_INT(tok_piece(v, 29871, buf, sizeof buf), 1); /* "▁" */
    CHECK(buf[0] == ' ');
    CHECK_EQ_INT(tok_piece(v, 15043, buf, sizeof buf), 6); /* "▁Hello" */
    CHECK(memcmp(buf, " Hello", 6) == 0);
    CHECK_EQ_INT(tok_piece(v, 3, buf, sizeof buf), 1);     /* <0x00> */
    CHECK(buf[0] == 0);
    CHECK_EQ_INT(tok_piece(v, 3 + 0xE4, buf, sizeof buf), 1); /* <0xE4> */
    CHECK((unsigned char)buf[0] == 0xE4);
    CHECK_EQ_INT(tok_piece(v, 1, buf, sizeof buf), 3);     /* control: its text */
    CHECK(memcmp(buf, "<s>", 3) == 0);
    CHECK_EQ_INT(tok_piece(v, 0, buf, sizeof buf), 5);     /* <unk> */
    memset(buf, 'x', sizeof buf);
    CHECK_EQ_INT(tok_piece(v, 15043, buf, 2), 6);          /* truncated: full length back */
    CHECK(buf[0] == ' ' && buf[1] == 'H' && buf[2] == 'x');
    CHECK_EQ_INT(tok_piece(v, 15043, NULL, 0), 6);
    CHECK_EQ_INT(tok_piece(v, -1, buf, sizeof buf), -1);
    CHECK_EQ_INT(tok_piece(v, 32000, buf, sizeof buf), -1);
    CHECK_EQ_INT(tok_piece(v, 1, NULL, 5), -1);
    CHECK_EQ_INT(tok_piece(v, 1, buf, -1), -1);
    CHECK_EQ_INT(tok_piece(NULL, 1, buf, sizeof buf), -1);
    tok_vocab_free(v);
}

static void test_gpt2(void) {
    tok_vocab *v = load_vocab("gpt-2", NULL);
    if (!v) return;
    CHECK_STR(tok_model_name(v), "gpt2");
    CHECK_EQ_INT(tok_n_vocab(v), 50257);
    CHECK_EQ_INT(tok_bos(v), 50256);
    CHECK_EQ_INT(tok_eos(v), 50256);
    CHECK(!tok_add_bos(v)); /* no add_bos_token key; llama.cpp's BPE default */
    CHECK(tok_is_eog(v, 50256));
    CHECK(!tok_is_eog(v, 0));
    ENCODES_TO(v, "Hello world", true, 15496, 995); /* add_special adds nothing */
    ENCODES_TO(v, "Hello world", false, 15496, 995);
    ENCODES_TO(v, "<|endoftext|>", false, 27, 91, 437, 1659, 5239, 91, 29); /* not parsed */
    char buf[64];
    CHECK_EQ_INT(tok_piece(v, 995, buf, sizeof buf), 6); /* "Ġworld" */
    CHECK(memcmp(buf, " world", 6) == 0);
    CHECK_EQ_INT(tok_piece(v, 50256, buf, sizeof buf), 13);
    CHECK(memcmp(buf, "<|endoftext|>", 13) == 0);
    CHECK_EQ_INT(tok_piece(v, 198, buf, sizeof buf), 1); /* "Ċ" */
    CHECK(buf[0] == '\n');
    tok_vocab_free(v);
}

static void test_phi3(void) {
    tok_vocab *v = load_vocab("phi-3", NULL);
    if (!v) return;
    CHECK_STR(tok_model_name(v), "llama");
    CHECK_EQ_INT(tok_n_vocab(v), 32064);
    CHECK_EQ_INT(tok_bos(v), 1);
    CHECK_EQ_INT(tok_eos(v), 32000);
    CHECK(tok_add_bos(v));
    CHECK(tok_is_eog(v, 32000)); /* <|endoftext|> */
    CHECK(tok_is_eog(v, 32007)); /* <|end|>: ends a chat turn */
    CHECK(!tok_is_eog(v, 32010)); /* <|user|> */
    ENCODES_TO(v, "Hello world", true, 1, 15043, 3186);
    char buf[64];
    CHECK_EQ_INT(tok_piece(v, 32010, buf, sizeof buf), 8);
    CHECK(memcmp(buf, "<|user|>", 8) == 0);
    tok_vocab_free(v);
}

/* Output buffer and argument rules. */
static void test_encode_buffer(void) {
    tok_vocab *v = load_vocab("llama-spm", NULL);
    if (!v) return;
    const char *s = "The quick brown fox jumps over the lazy dog";
    int32_t ids[16];
    for (int i = 0; i < 16; i++) ids[i] = -7;
    CHECK_EQ_INT(tok_encode(v, s, strlen(s), true, ids, 3), 12);
    CHECK(ids[0] == 1 && ids[1] == 450 && ids[2] == 4996 && ids[3] == -7);
    CHECK_EQ_INT(tok_encode(v, s, strlen(s), true, ids, 16), 12);
    CHECK(ids[11] == 11203 && ids[12] == -7);
    CHECK_EQ_INT(tok_encode(v, s, 3, false, ids, 16), 1); /* only "The" */
    CHECK_EQ_INT(ids[0], 450);
    CHECK(tok_encode(NULL, s, 3, false, ids, 16) < 0);
    CHECK(tok_encode(v, NULL, 3, false, ids, 16) < 0);
    CHECK(tok_encode(v, s, 3, false, ids, -1) < 0);
    CHECK(tok_encode(v, s, 3, false, NULL, 4) < 0);
    CHECK_EQ_INT(tok_encode(v, s, 3, false, NULL, 0), 1);
    tok_vocab_free(v);
}

/* Random bytes (mostly invalid UTF-8) and random text: encoding never fails
 * and decoding gives the input back, on all three vocabularies. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void test_round_trip_random(void) {
    const char *names[] = {"llama-spm", "gpt-2", "phi-3"};
    static const char *const atoms[] = {" ", "  ", "\n", "\t", "a", "Z", "7", "'s", "'LL", "é", "ß", "\xe2\x96\x81",
                                        "нещо", "天", "\xf0\x9f\xa6\x99", "\xe2\x80\x8d", "!!", "...", "\r\n"};
    for (size_t k = 0; k < 3; k++) {
        tok_vocab *v = load_vocab(names[k], NULL);
        if (!v) continue;
        bool spm = strcmp(tok_model_name(v), "llama") == 0;
        int bad = 0;
        for (int iter = 0; iter < 300; iter++) {
            char s[256];
            size_t len = 0;
            if (iter % 2) {
                len = rng() % 64;
                for (size_t i = 0; i < len; i++) s[i] = (char)rng();
            } else {
                while (len < 200) {
                    const char *a = atoms[rng() % (sizeof atoms / sizeof atoms[0])];
                    if (spm && strcmp(a, "\xe2\x96\x81") == 0) continue; /* U+2581 decodes as ' ' */
                    size_t al = strlen(a);
                    memcpy(s + len, a, al);
                    len += al;
                    if (rng() % 8 == 0) break;
                }
            }
            if (spm) /* the piece of U+2581 is ' ': keep it out of random bytes too */
                for (size_t i = 0; i + 2 < len; i++)
                    if (memcmp(s + i, "\xe2\x96\x81", 3) == 0) s[i] = 'x';
            int64_t n;
            int32_t *ids = encode(v, s, len, false, &n);
            CHECK(ids != NULL && n >= 0);
            size_t dlen = 0;
            char *dec = ids ? decode(v, ids, n, &dlen) : NULL;
            size_t skip = spm && len > 0 ? 1 : 0;
            bool ok = dec && dlen == len + skip && memcmp(dec + skip, s, len) == 0;
            for (int64_t i = 0; ids && i < n; i++) ok = ok && ids[i] >= 0 && ids[i] < tok_n_vocab(v);
            if (!ok && bad++ < 3) fprintf(stderr, "  %s: random string %d does not round-trip\n", names[k], iter);
            CHECK(ok);
            free(dec);
            free(ids);
        }
        tok_vocab_free(v);
    }
}

/* ---- pre-tokenizer splits ---- */

/* pieces: the expected pieces, NULL-terminated */
static void check_split(tok_pre_kind pre, const char *s, const char *const *pieces) {
    size_t ends[64];
    size_t len = strlen(s);
    int64_t n = tok_pre_split(pre, s, len, ends, 64);
    int64_t n_want = 0;
    while (pieces[n_want]) n_want++;
    bool ok = n == n_want;
    size_t start = 0;
    for (int64_t i = 0; ok && i < n; i++) {
        size_t pl = strlen(pieces[i]);
        ok = ends[i] - start == pl && memcmp(s + start, pieces[i], pl) == 0;
        start = ends[i];
    }
    if (!ok) {
        fprintf(stderr, "  split %d of \"%s\":", (int)pre, s);
        start = 0;
        for (int64_t i = 0; i < n && i < 64; i++) {
            fprintf(stderr, " [%.*s]", (int)(ends[i] - start), s + start);
            start = ends[i];
        }
        fprintf(stderr, "\n");
    }
    CHECK(ok);
}

#define SPLIT(pre, s, ...)                                   \
    do {                                                     \
        const char *const pieces_[] = {__VA_ARGS__, NULL};   \
        check_split(pre, s, pieces_);                        \
    } while (0)

static void test_split_gpt2(void) {
    const tok_pre_kind P = TOK_PRE_GPT2;
    SPLIT(P, "Hello world", "Hello", " world");
    SPLIT(P, "  Hello", " ", " Hello");
    SPLIT(P, "I'VE got 12345 apples!!\n\n  x", "I", "'", "VE", " got", " 12345", " apples", "!!", "\n\n ", " x");
    SPLIT(P, "(Hello) don't\tstop", "(", "Hello", ")", " don", "'t", "\t", "stop");
    SPLIT(P, "abc\r\n \r\n  def  ", "abc", "\r\n \r\n ", " def", "  ");
    SPLIT(P, "\xc3\x84pfel 3.14 \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe", "\xc3\x84pfel", " 3", ".", "14",
          " \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe");
    SPLIT(P, "a\n\n\tb", "a", "\n\n", "\t", "b");
    SPLIT(P, "x   ", "x", "   ");
    SPLIT(P, "it's 'RE", "it", "'s", " '", "RE");
    SPLIT(P, "\xf0\x9f\xa6\x99.cpp", "\xf0\x9f\xa6\x99.", "cpp");
    SPLIT(P, "\xff\xfe" "ab \xc3", "\xff\xfe", "ab", " \xc3"); /* invalid bytes: class "other" */
    SPLIT(P, "\xe3\x80\x80x", "\xe3\x80\x80", "x"); /* U+3000 is white space, not ' ' */
    CHECK_EQ_INT(tok_pre_split(P, "", 0, NULL, 0), 0);
    CHECK_EQ_INT(tok_pre_split(P, "a b", 3, NULL, 0), 2);
    CHECK(tok_pre_split(P, NULL, 3, NULL, 0) < 0);
    CHECK(tok_pre_split((tok_pre_kind)9, "a", 1, NULL, 0) < 0);
}

static void test_split_llama3(void) {
    const tok_pre_kind P = TOK_PRE_LLAMA3;
    SPLIT(P, "Hello world", "Hello", " world");
    SPLIT(P, "  Hello", " ", " Hello");
    SPLIT(P, "I'VE got 12345 apples!!\n\n  x", "I", "'VE", " got", " ", "123", "45", " apples", "!!\n\n", " ", " x");
    SPLIT(P, "(Hello) don't\tstop", "(Hello", ")", " don", "'t", "\tstop");
    SPLIT(P, "abc\r\n \r\n  def  ", "abc", "\r\n \r\n", " ", " def", "  ");
    SPLIT(P, "\xc3\x84pfel 3.14 \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe", "\xc3\x84pfel", " ", "3", ".", "14",
          " \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe");
    SPLIT(P, "a\n\n\tb", "a", "\n\n", "\tb");
    SPLIT(P, "x   ", "x", "   ");
    SPLIT(P, "it's 'RE", "it", "'s", " '", "RE");
    SPLIT(P, "\xf0\x9f\xa6\x99.cpp", "\xf0\x9f\xa6\x99.", "cpp");
    SPLIT(P, "1234567", "123", "456", "7");
    SPLIT(P, "\n\nHello", "\n\n", "Hello"); /* \r\n are not [^\r\n\p{L}\p{N}] */
}

static void test_split_qwen2(void) {
    const tok_pre_kind P = TOK_PRE_QWEN2;
    SPLIT(P, "I'VE got 12345 apples!!\n\n  x", "I", "'VE", " got", " ", "1", "2", "3", "4", "5", " apples", "!!\n\n",
          " ", " x");
    SPLIT(P, "(Hello) don't\tstop", "(Hello", ")", " don", "'t", "\tstop");
    SPLIT(P, "\xc3\x84pfel 3.14 \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe", "\xc3\x84pfel", " ", "3", ".", "1", "4",
          " \xd0\xbd\xd0\xb5\xd1\x89\xd0\xbe");
    SPLIT(P, "abc\r\n \r\n  def  ", "abc", "\r\n \r\n", " ", " def", "  ");
}

/* ---- synthetic vocabularies and malformed metadata ---- */

/* A small "llama" (SPM) vocabulary: <unk> <s> </s>, the 256 byte tokens, then
 * extra pieces with scores. */
typedef struct spm_spec {
    const char *const *extra;
    const float *extra_scores;
    int n_extra;
    const int32_t *extra_types;  /* NULL: all normal */
} spm_spec;

static gguf_writer *spm_writer(const spm_spec *sp) {
    gguf_writer *w = gguf_writer_create();
    int n = 3 + 256 + sp->n_extra;
    const char **toks = malloc((size_t)n * sizeof *toks);
    char (*bytes)[8] = malloc(256 * sizeof *bytes);
    float *scores = malloc((size_t)n * sizeof *scores);
    int32_t *types = malloc((size_t)n * sizeof *types);
    toks[0] = "<unk>";
    toks[1] = "<s>";
    toks[2] = "</s>";
    types[0] = 2;
    types[1] = types[2] = 3;
    scores[0] = scores[1] = scores[2] = 0;
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        toks[3 + b] = bytes[b];
        types[3 + b] = 6;
        scores[3 + b] = 0;
    }
    for (int i = 0; i < sp->n_extra; i++) {
        toks[259 + i] = sp->extra[i];
        scores[259 + i] = sp->extra_scores[i];
        types[259 + i] = sp->extra_types ? sp->extra_types[i] : 1;
    }
    gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
    gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, (size_t)n);
    gguf_writer_set_arr_f32(w, "tokenizer.ggml.scores", scores, (size_t)n);
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.token_type", types, (size_t)n);
    free(toks);
    free(bytes);
    free(scores);
    free(types);
    return w;
}

/* A small "gpt2" vocabulary: the 256 byte-level characters (id = byte), then
 * extra tokens, and merges. */
static void byte_char(int b, char out[4]) {
    /* GPT-2 bytes_to_unicode: printable bytes stay, the others go to U+0100.. */
    int printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    int cp = b;
    if (!printable) {
        cp = 0x100;
        for (int c = 0; c < b; c++)
            if (!((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE)) cp++;
    }
    if (cp < 0x80) {
        out[0] = (char)cp;
        out[1] = 0;
    } else {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        out[2] = 0;
    }
}

static gguf_writer *bpe_writer(const char *const *extra, int n_extra, const char *const *merges, int n_merges,
                               const char *pre) {
    gguf_writer *w = gguf_writer_create();
    int n = 256 + n_extra;
    const char **toks = malloc((size_t)n * sizeof *toks);
    char (*chars)[4] = malloc(256 * sizeof *chars);
    for (int b = 0; b < 256; b++) {
        byte_char(b, chars[b]);
        toks[b] = chars[b];
    }
    for (int i = 0; i < n_extra; i++) toks[256 + i] = extra[i];
    gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2");
    if (pre) gguf_writer_set_str(w, "tokenizer.ggml.pre", pre);
    gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, (size_t)n);
    gguf_writer_set_arr_str(w, "tokenizer.ggml.merges", merges, (size_t)n_merges);
    free(toks);
    free(chars);
    return w;
}

/* Load the writer's metadata; frees the writer. */
static tok_status load_from(gguf_writer *w, tok_vocab **v, char *err, size_t err_len) {
    uint8_t *img = NULL;
    size_t len = 0;
    *v = NULL;
    CHECK(gguf_writer_to_memory(w, &img, &len));
    gguf_writer_free(w);
    gguf_ctx *g = NULL;
    CHECK_EQ_INT(gguf_open_memory(img, len, len, &g, NULL, NULL, 0), GGUF_OK);
    err[0] = 0;
    tok_status st = tok_vocab_load(g, v, err, err_len);
    if (st != TOK_OK) CHECK(*v == NULL && err[0] != 0);
    gguf_close(g);
    free(img);
    return st;
}

static void test_synthetic_spm(void) {
    /* ids: 259 "▁", 260 "a", 261 "b", 262 "▁a", 263 "ab", 264 "▁ab", 265 "<|u|>" (user-defined) */
    const char *extra[] = {"\xe2\x96\x81", "a", "b", "\xe2\x96\x81" "a", "ab", "\xe2\x96\x81" "ab", "<|u|>"};
    const float scores[] = {-1, -2, -3, -5, -4, -6, 0};
    const int32_t types[] = {1, 1, 1, 1, 1, 1, 4};
    spm_spec sp = {extra, scores, 7, types};
    char err[256];
    tok_vocab *v;
    CHECK_EQ_INT(load_from(spm_writer(&sp), &v, err, sizeof err), TOK_OK);
    if (!v) return;
    /* "▁ab": "ab" (-4) beats "▁a" (-5), then "▁" + "ab" -> "▁ab" */
    ENCODES_TO(v, "ab", false, 264);
    /* "▁ba": "▁b" is no token, "ba" neither; "▁", "b", "a" stay */
    ENCODES_TO(v, "ba", false, 259, 261, 260);
    /* "▁a▁a": two "▁a", leftmost tie merged first */
    ENCODES_TO(v, "a a", false, 262, 262);
    /* byte fallback: 'c' is no token -> <0x63>; "é" -> <0xC3> <0xA9> */
    ENCODES_TO(v, "c\xc3\xa9", false, 259, 3 + 'c', 3 + 0xC3, 3 + 0xA9);
    /* user-defined tokens are cut out; the text after one gets the space too */
    ENCODES_TO(v, "a<|u|>b", false, 262, 265, 259, 261);
    ENCODES_TO(v, "<|u|>", true, 1, 265);
    ENCODES_TO(v, "<|u|><|u|>a", false, 265, 265, 262);
    /* invalid UTF-8 goes byte by byte */
    ENCODES_TO(v, "\xc3" "a", false, 259, 3 + 0xC3, 260);
    ENCODES_TO(v, " ", false, 259, 259);
    tok_vocab_free(v);

    /* add_space_prefix = false */
    gguf_writer *w = spm_writer(&sp);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", false);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_OK);
    if (v) {
        ENCODES_TO(v, "ab", false, 263);
        ENCODES_TO(v, "ab", true, 1, 263);
        tok_vocab_free(v);
    }
    /* add_bos_token = false; scores as int32 (llama.cpp accepts them) */
    w = spm_writer(&sp);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", false);
    int32_t iscores[266] = {0};
    iscores[262] = -5;
    iscores[263] = -4;
    iscores[264] = -6;
    iscores[260] = -2;
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.scores", iscores, 266);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_OK);
    if (v) {
        CHECK(!tok_add_bos(v));
        ENCODES_TO(v, "ab", true, 264);
        tok_vocab_free(v);
    }
}

static void test_synthetic_bpe(void) {
    /* ids 256.. : "ab", "abc", "Ġa", "Ġab" */
    const char *extra[] = {"ab", "abc", "\xc4\xa0" "a", "\xc4\xa0" "ab", "<|ud|>"};
    const char *merges[] = {"\xc4\xa0 a", "a b", "ab c", "\xc4\xa0" "a b", "x y", "q"};
    char err[256];
    tok_vocab *v;
    /* "q" (no space) is malformed */
    CHECK_EQ_INT(load_from(bpe_writer(extra, 5, merges, 6, NULL), &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.merges[5] 'q'");
    /* "x y": result "xy" is no token -> dropped, not an error */
    CHECK_EQ_INT(load_from(bpe_writer(extra, 5, merges, 5, "gpt-2"), &v, err, sizeof err), TOK_OK);
    if (!v) return;
    CHECK(!tok_add_bos(v));
    CHECK_EQ_INT(tok_bos(v), -1);
    CHECK_EQ_INT(tok_eos(v), -1);
    ENCODES_TO(v, "abc", false, 257);       /* "a b" then "ab c" */
    ENCODES_TO(v, " ab", false, 259);       /* "Ġ a" (rank 0) before "a b" (rank 1), then "Ġa b" */
    ENCODES_TO(v, " abc", false, 259, 'c'); /* "ab c" can no longer apply */
    ENCODES_TO(v, "xy", false, 'x', 'y');   /* ids of the byte-level characters = the bytes */
    ENCODES_TO(v, "\n\xff", false, '\n', 0xFF);
    ENCODES_TO(v, "<|ud|>", false, '<', '|', 'u', 'd', '|', '>'); /* a normal token, no merges: not cut out */
    char buf[8];
    CHECK_EQ_INT(tok_piece(v, ' ', buf, sizeof buf), 1); /* "Ġ" */
    CHECK(buf[0] == ' ');
    CHECK_EQ_INT(tok_piece(v, 258, buf, sizeof buf), 2); /* "Ġa" */
    CHECK(memcmp(buf, " a", 2) == 0);
    tok_vocab_free(v);

    /* with token types: "<|ud|>" user-defined is cut out of the text */
    gguf_writer *w = bpe_writer(extra, 5, merges, 5, "default");
    int32_t types[261];
    for (int i = 0; i < 261; i++) types[i] = 1;
    types[260] = 4;
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.token_type", types, 261);
    gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 260);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_OK);
    if (!v) return;
    ENCODES_TO(v, "ab<|ud|> ab", false, 256, 260, 259);
    ENCODES_TO(v, "<|ud|><|ud|>", false, 260, 260);
    CHECK(tok_is_eog(v, 260));
    CHECK_EQ_INT(tok_piece(v, 260, buf, sizeof buf), 6);
    CHECK(memcmp(buf, "<|ud|>", 6) == 0);
    tok_vocab_free(v);

    /* llama3 pre: add_bos defaults to true (needs a BOS), a piece that is a
     * token is taken whole (ignore_merges): "abc" is one piece and a token */
    const char *merges2[] = {"a b"}; /* "ab c" is missing: only ignore_merges gives "abc" */
    w = bpe_writer(extra, 5, merges2, 1, "llama-bpe");
    gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 256);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_OK);
    if (!v) return;
    CHECK(tok_add_bos(v));
    ENCODES_TO(v, "abc", true, 256, 257);
    ENCODES_TO(v, "abcd", false, 256, 'c', 'd');
    tok_vocab_free(v);
    w = bpe_writer(extra, 5, merges2, 1, "llama-bpe");
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "no tokenizer.ggml.bos_token_id");
    /* qwen2: no ignore_merges, add_bos from the key only */
    w = bpe_writer(extra, 5, merges2, 1, "qwen2");
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_OK);
    if (!v) return;
    CHECK(!tok_add_bos(v));
    ENCODES_TO(v, "abc", true, 256, 'c');
    ENCODES_TO(v, "a12", false, 'a', '1', '2');
    tok_vocab_free(v);
}

static void test_malformed(void) {
    const char *extra[] = {"\xe2\x96\x81"};
    const float sc[] = {-1};
    spm_spec sp = {extra, sc, 1, NULL};
    char err[256];
    tok_vocab *v = (tok_vocab *)1;
    gguf_writer *w;

    /* arguments */
    CHECK_EQ_INT(tok_vocab_load(NULL, &v, err, sizeof err), TOK_ERR_ARG);
    CHECK(v == NULL);
    CHECK_EQ_INT(tok_vocab_load(NULL, NULL, NULL, 0), TOK_ERR_ARG);

    /* no model key */
    w = gguf_writer_create();
    gguf_writer_set_u32(w, "general.alignment", 32);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.model is missing");
    /* model of the wrong type */
    w = spm_writer(&sp);
    gguf_writer_set_u32(w, "tokenizer.ggml.model", 1);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.model is not a string");
    /* unsupported model */
    w = spm_writer(&sp);
    gguf_writer_set_str(w, "tokenizer.ggml.model", "bert");
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err, "'bert'");
    /* unsupported pre-tokenizer */
    const char *merges[] = {"a b"};
    CHECK_EQ_INT(load_from(bpe_writer(NULL, 0, merges, 1, "deepseek-coder"), &v, err, sizeof err),
                 TOK_ERR_UNSUPPORTED);
    CHECK_CONTAINS(err, "'deepseek-coder'");
    /* tokens missing / wrong type / empty */
    w = gguf_writer_create();
    gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.tokens is missing");
    w = spm_writer(&sp);
    const int32_t ints[] = {1, 2};
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.tokens", ints, 2);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.tokens is not an array of strings");
    w = spm_writer(&sp);
    gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", NULL, 0);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.tokens is empty");
    /* scores: wrong count, wrong type, missing */
    w = spm_writer(&sp);
    float few[100] = {0};
    gguf_writer_set_arr_f32(w, "tokenizer.ggml.scores", few, 100);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.scores has 100 entries, tokens has 260");
    w = spm_writer(&sp);
    const char *strs[] = {"x"};
    gguf_writer_set_arr_str(w, "tokenizer.ggml.scores", strs, 1);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.scores is not an array of numbers");
    w = spm_writer(&sp);
    gguf_writer_set_f32(w, "tokenizer.ggml.scores", 1.0f);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.scores is not an array");
    /* token types: wrong count, wrong type */
    w = spm_writer(&sp);
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.token_type", ints, 2);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.token_type has 2 entries, tokens has 260");
    w = spm_writer(&sp);
    gguf_writer_set_arr_f32(w, "tokenizer.ggml.token_type", few, 100);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.token_type is not an array of integers");
    /* special ids out of range or of the wrong type */
    w = spm_writer(&sp);
    gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 260);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.bos_token_id = 260 is out of range (260 tokens)");
    w = spm_writer(&sp);
    gguf_writer_set_i32(w, "tokenizer.ggml.eos_token_id", -1);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.eos_token_id = -1 is out of range");
    w = spm_writer(&sp);
    gguf_writer_set_str(w, "tokenizer.ggml.eot_token_id", "7");
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.eot_token_id is not an integer");
    w = spm_writer(&sp);
    gguf_writer_set_u32(w, "tokenizer.ggml.add_bos_token", 1);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.add_bos_token is not a bool");
    /* add_bos without a BOS (gpt2 has no default one) */
    w = bpe_writer(NULL, 0, merges, 1, NULL);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", true);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "add_bos_token is true but there is no tokenizer.ggml.bos_token_id");
    /* missing byte tokens: SPM without <0x41>, gpt2 without the 'A' character */
    {
        const char *toks[] = {"<unk>", "<s>", "</s>", "a"};
        const float s4[] = {0, 0, 0, -1};
        w = gguf_writer_create();
        gguf_writer_set_str(w, "tokenizer.ggml.model", "llama");
        gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, 4);
        gguf_writer_set_arr_f32(w, "tokenizer.ggml.scores", s4, 4);
        CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
        CHECK_CONTAINS(err, "no byte token <0x00>");
    }
    {
        gguf_writer *wb = bpe_writer(NULL, 0, merges, 1, NULL);
        const char *toks[255];
        char chars[256][4];
        int k = 0;
        for (int b = 0; b < 256; b++) {
            byte_char(b, chars[b]);
            if (b != 'A') toks[k++] = chars[b];
        }
        gguf_writer_set_arr_str(wb, "tokenizer.ggml.tokens", toks, 255);
        CHECK_EQ_INT(load_from(wb, &v, err, sizeof err), TOK_ERR_FORMAT);
        CHECK_CONTAINS(err, "no byte-level token for byte 0x41");
    }
    /* gpt2: merges missing / wrong type */
    w = bpe_writer(NULL, 0, merges, 1, NULL);
    gguf_writer_set_arr_i32(w, "tokenizer.ggml.merges", ints, 2);
    CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
    CHECK_CONTAINS(err, "tokenizer.ggml.merges is not an array of strings");
    {
        const char *toks[] = {"<unk>", "<s>"};
        w = gguf_writer_create();
        gguf_writer_set_str(w, "tokenizer.ggml.model", "gpt2");
        gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, 2);
        CHECK_EQ_INT(load_from(w, &v, err, sizeof err), TOK_ERR_FORMAT);
        CHECK_CONTAINS(err, "tokenizer.ggml.merges is missing");
    }
    /* duplicate token */
    {
        const char *dup[] = {"a", "a"};
        const float s2[] = {-1, -2};
        spm_spec d = {dup, s2, 2, NULL};
        CHECK_EQ_INT(load_from(spm_writer(&d), &v, err, sizeof err), TOK_ERR_FORMAT);
        CHECK_CONTAINS(err, "duplicate token 'a' (ids 259 and 260)");
    }
    /* status strings */
    for (int s = TOK_OK; s <= TOK_ERR_ARG; s++) CHECK(strlen(tok_status_str((tok_status)s)) > 0);
    CHECK_STR(tok_status_str(TOK_ERR_UNSUPPORTED), "unsupported tokenizer");
    tok_vocab_free(NULL);
}

/* The real llama-spm metadata with single keys replaced: never a crash, a
 * clear message. Also every key dropped in turn. */
static void test_real_vocab_mutations(void) {
    char path[1200], err[256];
    snprintf(path, sizeof path, "%s/testdata/vocab/ggml-vocab-gpt-2.gguf", shared_dir());
    gguf_ctx *g = NULL;
    CHECK_EQ_INT(gguf_open_file(path, &g, err, sizeof err), GGUF_OK);
    if (!g) return;
    /* copy every tokenizer key through the writer, dropping key `drop` */
    int64_t n_kv = gguf_n_kv(g);
    for (int64_t drop = 0; drop < n_kv; drop++) {
        const char *dk = gguf_kv_key(g, drop);
        if (strncmp(dk, "tokenizer.", 10) != 0) continue;
        gguf_writer *w = gguf_writer_create();
        for (int64_t i = 0; i < n_kv; i++) {
            const char *k = gguf_kv_key(g, i);
            if (i == drop || strncmp(k, "tokenizer.", 10) != 0) continue;
            gguf_value_type t = gguf_kv_type(g, i);
            if (t == GGUF_VAL_STRING) {
                const char *s;
                gguf_get_str(g, k, &s, NULL);
                gguf_writer_set_str(w, k, s);
            } else if (t == GGUF_VAL_ARRAY) {
                gguf_value_type et;
                uint64_t n;
                gguf_get_arr_info(g, k, &et, &n);
                if (et == GGUF_VAL_STRING) {
                    const char **strs = malloc(n * sizeof *strs);
                    char **own = malloc(n * sizeof *own);
                    for (uint64_t j = 0; j < n; j++) {
                        const char *s;
                        uint64_t len;
                        gguf_get_arr_str(g, k, j, &s, &len);
                        own[j] = malloc(len + 1);
                        memcpy(own[j], s, len);
                        own[j][len] = 0;
                        strs[j] = own[j];
                    }
                    gguf_writer_set_arr_str(w, k, strs, n);
                    for (uint64_t j = 0; j < n; j++) free(own[j]);
                    free(own);
                    free(strs);
                } else {
                    int32_t *xs = malloc(n * sizeof *xs);
                    for (uint64_t j = 0; j < n; j++) {
                        int64_t x = 0;
                        gguf_get_arr_int(g, k, j, &x);
                        xs[j] = (int32_t)x;
                    }
                    gguf_writer_set_arr_i32(w, k, xs, n);
                    free(xs);
                }
            } else {
                int64_t x = 0;
                gguf_get_int(g, k, &x);
                gguf_writer_set_u32(w, k, (uint32_t)x);
            }
        }
        tok_vocab *v = NULL;
        tok_status st = load_from(w, &v, err, sizeof err);
        bool optional = strstr(dk, "_id") || strstr(dk, ".pre") || strstr(dk, "token_type");
        if (optional) {
            CHECK_EQ_INT(st, TOK_OK);
            if (v) {
                ENCODES_TO(v, "Hello world", false, 15496, 995);
                tok_vocab_free(v);
            }
        } else {
            CHECK_EQ_INT(st, TOK_ERR_FORMAT);
            CHECK_CONTAINS(err, dk);
        }
    }
    gguf_close(g);
}

TEST_MAIN(TEST(test_vocab_files), TEST(test_llama_spm), TEST(test_gpt2), TEST(test_phi3),
          TEST(test_encode_buffer), TEST(test_round_trip_random), TEST(test_split_gpt2),
          TEST(test_split_llama3), TEST(test_split_qwen2), TEST(test_synthetic_spm),
          TEST(test_synthetic_bpe), TEST(test_malformed), TEST(test_real_vocab_mutations))
