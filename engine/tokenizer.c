/* tokenizer.c - text <-> token ids from a GGUF file's tokenizer.ggml.* metadata.
 *
 * The behaviour to match is llama.cpp's (src/llama-vocab.cpp), which its
 * test-tokenizer-0 checks against the Hugging Face tokenizers; these facts
 * come from there (the code is ours):
 *   - "llama" (SentencePiece BPE): a space is put before the text (before each
 *     text fragment that starts the input or follows a special token) when
 *     tokenizer.ggml.add_space_prefix (default true); every ' ' becomes U+2581;
 *     the text is cut into UTF-8 characters and the adjacent pair whose
 *     concatenation is a vocabulary entry with the highest score is merged
 *     (ties: leftmost) until none is left; a piece that is not a vocabulary
 *     entry becomes one <0xNN> token per byte.
 *   - "gpt2" (byte-level BPE): the text is split by the pre-tokenizer regex,
 *     each piece's bytes are mapped to the GPT-2 byte-level characters, and the
 *     adjacent pair with the lowest merge rank (tokenizer.ggml.merges order;
 *     ties: leftmost) is merged until none is left. With the llama3
 *     pre-tokenizer a piece that is itself a vocabulary entry is not merged
 *     (llama.cpp ignore_merges).
 *   - Before either, user-defined tokens (token type 4) found in the text are
 *     cut out and emitted as themselves (longest first); control and unknown
 *     tokens are not (parse_special = false).
 *   - End-of-generation tokens: EOS, EOT and EOM ids plus tokens named like
 *     "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>" (which become
 *     control tokens, as in llama.cpp).
 * Deliberate differences: invalid UTF-8 is cut into single bytes (llama.cpp
 * takes the length from the lead byte, or substitutes U+FFFD in the byte-level
 * split), so decoding always gives the input back; a merge whose parts or
 * result are not vocabulary entries is dropped at load; the lstrip/rstrip
 * attributes llama.cpp sets on a few models' special tokens are not applied.
 */
#include "tokenizer.h"

#include "unicode_tables.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GGUF token types (gguf-py TokenType, llama.cpp llama_token_type). */
enum {
    TT_UNDEFINED = 0, TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3,
    TT_USER_DEFINED = 4, TT_UNUSED = 5, TT_BYTE = 6
};

typedef enum tok_model { MODEL_SPM, MODEL_BPE } tok_model;

/* GPT-2 byte-level characters are code points below this (256 + the 68 bytes
 * moved up, see byte_to_cp). */
#define BPE_N_CP (0x100 + 68)

/* A text longer than this is refused (symbol indices are int32). */
#define TOK_MAX_TEXT_BYTES ((size_t)1 << 28)

/* ------------------------------------------------------------------------ */
/* Hash maps                                                                 */
/* ------------------------------------------------------------------------ */

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a 64-bit offset basis */
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(1099511628211);            /* FNV-1a 64-bit prime */
    }
    return h;
}

/* Token text -> id: open addressing, linear probing; slot -1 = empty. */
typedef struct text_map {
    int32_t *slot;
    uint32_t *hash;     /* low 32 bits of each occupied slot's hash, to skip most compares */
    size_t mask;        /* capacity - 1, capacity a power of two */
} text_map;

/* Pair of token ids -> merge rank and merged token id. */
typedef struct merge_entry {
    uint64_t key;       /* (left << 32) | right; MERGE_EMPTY when free */
    int32_t rank;
    int32_t result;
} merge_entry;
#define MERGE_EMPTY UINT64_MAX

typedef struct merge_map {
    merge_entry *e;
    size_t mask;
} merge_map;

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static size_t pow2_at_least(size_t n) {
    size_t c = 16;
    while (c < n) c <<= 1;
    return c;
}

/* ------------------------------------------------------------------------ */
/* The vocabulary                                                            */
/* ------------------------------------------------------------------------ */

struct tok_vocab {
    tok_model model;
    tok_pre_kind pre;          /* BPE only */
    bool ignore_merges;        /* BPE: a piece that is a token is not merged (llama3) */
    bool add_space_prefix;     /* SPM: ' ' before the text */
    bool add_bos;
    int32_t n_tokens;
    int32_t bos, eos, unk;     /* -1 = none */

    char *text;                /* every token's text, NUL-separated */
    size_t *text_off;          /* n_tokens + 1 offsets into text (entry i ends at off[i+1] - 1) */
    char *piece;               /* every token's decoded bytes, back to back */
    size_t *piece_off;         /* n_tokens + 1 offsets into piece */
    float *score;              /* SPM merge score per token */
    uint8_t *type;             /* TT_* per token (after llama.cpp's overrides) */
    uint8_t *eog;              /* 1 for end-of-generation tokens */

    text_map map;
    merge_map merges;          /* BPE */
    int32_t byte_token[256];   /* SPM: <0xNN>; BPE: the byte-level character of byte NN */
    uint16_t byte_cp[256];     /* BPE: the byte-level character (code point) of each byte */
    int16_t cp_byte[BPE_N_CP]; /* BPE: the inverse, -1 for code points that stand for no byte */

    int32_t *user;             /* user-defined tokens, longest text first */
    int32_t n_user;
};

static const char *tok_text(const tok_vocab *v, int32_t id, size_t *len) {
    *len = v->text_off[id + 1] - v->text_off[id] - 1;
    return v->text + v->text_off[id];
}

static void map_free(text_map *m) {
    free(m->slot);
    free(m->hash);
    m->slot = NULL;
    m->hash = NULL;
}

static bool map_init(text_map *m, size_t n) {
    size_t cap = pow2_at_least(2 * n + 1);
    m->slot = malloc(cap * sizeof *m->slot);
    m->hash = malloc(cap * sizeof *m->hash);
    if (!m->slot || !m->hash) return false;
    memset(m->slot, 0xff, cap * sizeof *m->slot); /* -1 everywhere */
    m->mask = cap - 1;
    return true;
}

/* Id of the token with text s[0..n), or -1. */
static int32_t map_find(const tok_vocab *v, const uint8_t *s, size_t n) {
    uint64_t h = hash_bytes(s, n);
    for (size_t i = (size_t)h & v->map.mask;; i = (i + 1) & v->map.mask) {
        int32_t id = v->map.slot[i];
        if (id < 0) return -1;
        if (v->map.hash[i] != (uint32_t)h) continue;
        size_t len;
        const char *t = tok_text(v, id, &len);
        if (len == n && memcmp(t, s, n) == 0) return id;
    }
}

/* Insert token id; returns the id already holding that text, or -1. */
static int32_t map_insert(tok_vocab *v, int32_t id) {
    size_t n;
    const uint8_t *s = (const uint8_t *)tok_text(v, id, &n);
    uint64_t h = hash_bytes(s, n);
    for (size_t i = (size_t)h & v->map.mask;; i = (i + 1) & v->map.mask) {
        int32_t o = v->map.slot[i];
        if (o < 0) {
            v->map.slot[i] = id;
            v->map.hash[i] = (uint32_t)h;
            return -1;
        }
        if (v->map.hash[i] != (uint32_t)h) continue;
        size_t len;
        const char *t = tok_text(v, o, &len);
        if (len == n && memcmp(t, s, n) == 0) return o;
    }
}

static uint64_t merge_key(int32_t left, int32_t right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

static const merge_entry *merge_find(const merge_map *m, int32_t left, int32_t right) {
    uint64_t key = merge_key(left, right);
    for (size_t i = (size_t)mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->e[i].key == key) return &m->e[i];
        if (m->e[i].key == MERGE_EMPTY) return NULL;
    }
}

/* Insert unless the pair is already there (the first, lowest rank, wins). */
static void merge_insert(merge_map *m, int32_t left, int32_t right, int32_t rank, int32_t result) {
    uint64_t key = merge_key(left, right);
    for (size_t i = (size_t)mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->e[i].key == key) return;
        if (m->e[i].key == MERGE_EMPTY) {
            m->e[i].key = key;
            m->e[i].rank = rank;
            m->e[i].result = result;
            return;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* UTF-8 and the GPT-2 byte-level alphabet                                   */
/* ------------------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s[0..n) (Unicode Table 3-7: no
 * overlongs, surrogates or code points above U+10FFFF) with its code point in
 * *cp; 0 when s does not start with one. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *cp) {
    uint8_t c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    uint32_t v = c & (0x7F >> len);
    for (size_t k = 1; k < len; k++) {
        if (k > 1 && (s[k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    *cp = v;
    return len;
}

static size_t utf8_encode(uint32_t cp, uint8_t *out) {
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* GPT-2's bytes_to_unicode (openai/gpt-2 encoder.py): the printable bytes
 * '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand for themselves; the other 68 bytes,
 * in increasing order, become U+0100, U+0101, ... */
static uint32_t byte_to_cp(uint8_t b) {
    if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE) return b;
    uint32_t n = 0; /* how many non-printable bytes come before b */
    for (uint32_t c = 0; c < b; c++)
        if (!((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE)) n++;
    return 0x100 + n;
}


/* ------------------------------------------------------------------------ */
/* Pre-tokenizer split                                                       */
/* ------------------------------------------------------------------------ */

#define CP_INVALID 0xFFFFFFFFu  /* a byte that does not start valid UTF-8; class "other" */

static bool is_nl(uint32_t c) { return c == '\r' || c == '\n'; }

static uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Contractions 's 't 're 've 'm 'll 'd at i (case-insensitive when fold):
 * the end of the match, or i. */
static size_t match_contraction(const uint32_t *cp, size_t n, size_t i, bool fold) {
    if (cp[i] != '\'' || i + 1 >= n) return i;
    uint32_t c1 = fold ? ascii_lower(cp[i + 1]) : cp[i + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
    if (i + 2 >= n) return i;
    uint32_t c2 = fold ? ascii_lower(cp[i + 2]) : cp[i + 2];
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
    return i;
}

/* The end of the regex match starting at code point i (always > i).
 * cp: code points, fl: their TOK_UNICODE_* flags (0 = "other").
 *
 * gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *         ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * qwen2:  llama3 with \p{N} (one digit per piece)
 * Alternatives are tried in order, each the way a backtracking regex engine
 * would match it. */
static size_t match_at(tok_pre_kind pre, const uint32_t *cp, const uint8_t *fl, size_t n, size_t i) {
    const uint8_t L = TOK_UNICODE_LETTER, N = TOK_UNICODE_NUMBER, S = TOK_UNICODE_SPACE;
    uint32_t c = cp[i];
    size_t j = match_contraction(cp, n, i, pre != TOK_PRE_GPT2);
    if (j > i) return j;

    if (pre == TOK_PRE_GPT2) {
        j = c == ' ' ? i + 1 : i; /* the optional leading ' ' of the next three */
        if (j < n && (fl[j] & L)) {
            while (j < n && (fl[j] & L)) j++;
            return j;
        }
        if (j < n && (fl[j] & N)) {
            while (j < n && (fl[j] & N)) j++;
            return j;
        }
        if (j < n && fl[j] == 0) {
            while (j < n && fl[j] == 0) j++;
            return j;
        }
    } else {
        /* [^\r\n\p{L}\p{N}]?\p{L}+ */
        j = i;
        if (!(fl[i] & (L | N)) && !is_nl(c) && i + 1 < n && (fl[i + 1] & L)) j = i + 1;
        if (fl[j] & L) {
            while (j < n && (fl[j] & L)) j++;
            return j;
        }
        /* \p{N}{1,3} or \p{N} */
        if (fl[i] & N) {
            size_t max = pre == TOK_PRE_LLAMA3 ? 3 : 1;
            j = i;
            while (j < n && j - i < max && (fl[j] & N)) j++;
            return j;
        }
        /*  ?[^\s\p{L}\p{N}]+[\r\n]* */
        j = c == ' ' ? i + 1 : i;
        if (j < n && fl[j] == 0) {
            while (j < n && fl[j] == 0) j++;
            while (j < n && is_nl(cp[j])) j++;
            return j;
        }
        /* \s*[\r\n]+ : up to and including the run's last \r or \n */
        if (fl[i] & S) {
            size_t last_nl = SIZE_MAX;
            for (j = i; j < n && (fl[j] & S); j++)
                if (is_nl(cp[j])) last_nl = j;
            if (last_nl != SIZE_MAX) return last_nl + 1;
        }
    }
    /* \s+(?!\S) then \s+; c is white space here (every other class matched above) */
    for (j = i; j < n && (fl[j] & S); j++) {}
    if (j == n) return n;         /* the run ends the text */
    if (j - i >= 2) return j - 1; /* leave the last space to the next piece */
    return j > i ? j : i + 1;     /* one space before a non-space (or, defensively, one char) */
}

/* TOK_UNICODE_* flags, with an ASCII fast path. */
static uint8_t cp_flags(uint32_t c) {
    if (c == CP_INVALID) return 0;
    if (c >= 0x80) return tok_unicode_flags(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return TOK_UNICODE_LETTER;
    if (c >= '0' && c <= '9') return TOK_UNICODE_NUMBER;
    if (c == ' ' || (c >= 9 && c <= 13)) return TOK_UNICODE_SPACE;
    return 0;
}

typedef struct cps_buf {
    uint32_t *cp;
    uint8_t *fl;
    size_t *off;   /* byte offset of each code point, plus the end */
    size_t cap;
} cps_buf;

/* Grow *p (elements of elem bytes) to hold need; false on overflow / no memory. */
static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2) return false;
        c *= 2;
    }
    if (c > SIZE_MAX / elem) return false;
    void *q = realloc(*p, c * elem);
    if (!q) return false;
    *p = q;
    *cap = c;
    return true;
}

/* Decode s[0..len) into b (code points, their classes, their byte offsets);
 * *n_out gets the number of code points. False when out of memory. */
static bool cps_fill(cps_buf *b, const uint8_t *s, size_t len, size_t *n_out) {
    if (len + 1 > b->cap) {
        size_t c = len + 1;
        uint32_t *cp = realloc(b->cp, c * sizeof *cp);
        if (cp) b->cp = cp;
        uint8_t *fl = realloc(b->fl, c);
        if (fl) b->fl = fl;
        size_t *off = realloc(b->off, c * sizeof *off);
        if (off) b->off = off;
        if (!cp || !fl || !off) return false;
        b->cap = c;
    }
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t k = utf8_decode(s + i, len - i, &c);
        if (k == 0) {
            c = CP_INVALID;
            k = 1;
        }
        b->cp[n] = c;
        b->fl[n] = cp_flags(c);
        b->off[n++] = i;
        i += k;
    }
    b->off[n] = len;
    *n_out = n;
    return true;
}

static void cps_free(cps_buf *b) {
    free(b->cp);
    free(b->fl);
    free(b->off);
}

int64_t tok_pre_split(tok_pre_kind pre, const char *text, size_t len, size_t *ends, int64_t n_max) {
    if ((!text && len) || n_max < 0 || (!ends && n_max > 0) ||
        (pre != TOK_PRE_GPT2 && pre != TOK_PRE_LLAMA3 && pre != TOK_PRE_QWEN2))
        return -(int64_t)TOK_ERR_ARG;
    if (len > TOK_MAX_TEXT_BYTES) return -(int64_t)TOK_ERR_ARG;
    cps_buf b = {0};
    size_t n;
    if (!cps_fill(&b, (const uint8_t *)text, len, &n)) {
        cps_free(&b);
        return -(int64_t)TOK_ERR_NOMEM;
    }
    int64_t count = 0;
    for (size_t i = 0; i < n;) {
        size_t j = match_at(pre, b.cp, b.fl, n, i);
        if (count < n_max) ends[count] = b.off[j];
        count++;
        i = j;
    }
    cps_free(&b);
    return count;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */
/* ------------------------------------------------------------------------ */

const char *tok_status_str(tok_status s) {
    switch (s) {
    case TOK_OK: return "ok";
    case TOK_ERR_FORMAT: return "malformed tokenizer metadata";
    case TOK_ERR_UNSUPPORTED: return "unsupported tokenizer";
    case TOK_ERR_NOMEM: return "out of memory";
    case TOK_ERR_ARG: return "bad argument";
    }
    return "unknown status";
}

static tok_status fail(char *err, size_t err_len, tok_status st, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* A printable copy of s[0..n) for messages (control bytes as '?'),
 * truncated with "..." to fit dst_len (>= 4) bytes. */
static const char *quoted(char *dst, size_t dst_len, const char *s, size_t n) {
    size_t room = dst_len - 4, k = 0;
    for (; k < n && k < room; k++) {
        unsigned char c = (unsigned char)s[k];
        dst[k] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    if (k < n) {
        memcpy(dst + k, "...", 3);
        k += 3;
    }
    dst[k] = 0;
    return dst;
}

/* Optional integer token id key: -1 (kept default) when missing. */
static tok_status get_id(const gguf_ctx *g, const char *key, int32_t n_tokens, int32_t *id,
                         char *err, size_t err_len) {
    int64_t v;
    gguf_status gs = gguf_get_int(g, key, &v);
    if (gs == GGUF_ERR_NOT_FOUND) return TOK_OK;
    if (gs != GGUF_OK) return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an integer", key);
    if (v < 0 || v >= n_tokens)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s = %lld is out of range (%d tokens)", key,
                    (long long)v, n_tokens);
    *id = (int32_t)v;
    return TOK_OK;
}

static tok_status get_flag(const gguf_ctx *g, const char *key, bool *flag, char *err, size_t err_len) {
    gguf_status gs = gguf_get_bool(g, key, flag);
    if (gs == GGUF_OK || gs == GGUF_ERR_NOT_FOUND) return TOK_OK;
    return fail(err, err_len, TOK_ERR_FORMAT, "%s is not a bool", key);
}

/* s[0..n) as GPT-2 byte-level characters (UTF-8) into out (room for 2n
 * bytes); returns the length written. */
static size_t bytes_as_bpe_chars(const tok_vocab *v, const uint8_t *s, size_t n, uint8_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += utf8_encode(v->byte_cp[s[i]], out + k);
    return k;
}

static int hex_digit(char d) {
    return d >= '0' && d <= '9' ? d - '0' : d >= 'A' && d <= 'F' ? d - 'A' + 10 : d >= 'a' && d <= 'f' ? d - 'a' + 10 : -1;
}

/* Decoded bytes of token id into out (room for the token text's length, which
 * decoding never exceeds); returns their count. */
static size_t decode_token(const tok_vocab *v, int32_t id, char *out) {
    size_t n;
    const char *t = tok_text(v, id, &n);
    int type = v->type[id];
    if (type == TT_CONTROL || type == TT_UNKNOWN || type == TT_USER_DEFINED) {
        memcpy(out, t, n);
        return n;
    }
    if (type == TT_BYTE && n == 6 && memcmp(t, "<0x", 3) == 0 && t[5] == '>' &&
        hex_digit(t[3]) >= 0 && hex_digit(t[4]) >= 0) {
        out[0] = (char)(hex_digit(t[3]) * 16 + hex_digit(t[4]));
        return 1;
    }
    size_t k = 0;
    if (v->model == MODEL_SPM) { /* U+2581 -> ' ' */
        for (size_t i = 0; i < n;) {
            if (i + 3 <= n && memcmp(t + i, "\xE2\x96\x81", 3) == 0) {
                out[k++] = ' ';
                i += 3;
            } else {
                out[k++] = t[i++];
            }
        }
        return k;
    }
    /* byte-level characters -> bytes; anything else is copied */
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode((const uint8_t *)t + i, n - i, &cp);
        int b = len && cp < BPE_N_CP ? v->cp_byte[cp] : -1;
        if (b >= 0) {
            out[k++] = (char)b;
            i += len;
        } else {
            size_t m = len ? len : 1;
            memcpy(out + k, t + i, m);
            k += m;
            i += m;
        }
    }
    return k;
}

/* Token texts that end generation (llama.cpp's list, by text). */
static const char *const eog_names[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
    "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>", "</s>",
};

typedef struct len_id { size_t len; int32_t id; } len_id;

/* Longest text first, then lowest id. */
static int cmp_len_id(const void *a, const void *b) {
    const len_id *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

void tok_vocab_free(tok_vocab *v) {
    if (!v) return;
    free(v->text);
    free(v->text_off);
    free(v->piece);
    free(v->piece_off);
    free(v->score);
    free(v->type);
    free(v->eog);
    map_free(&v->map);
    free(v->merges.e);
    free(v->user);
    free(v);
}

static tok_status load_scores(const gguf_ctx *g, tok_vocab *v, char *err, size_t err_len) {
    const char *key = "tokenizer.ggml.scores";
    gguf_value_type et;
    uint64_t n;
    gguf_status gs = gguf_get_arr_info(g, key, &et, &n);
    if (gs == GGUF_ERR_NOT_FOUND) {
        if (v->model == MODEL_SPM)
            return fail(err, err_len, TOK_ERR_FORMAT, "%s is missing (the llama tokenizer merges by score)", key);
        return TOK_OK; /* BPE does not use scores */
    }
    if (gs != GGUF_OK) return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array", key);
    bool is_float = et == GGUF_VAL_FLOAT32 || et == GGUF_VAL_FLOAT64;
    bool is_int = et == GGUF_VAL_INT32 || et == GGUF_VAL_UINT32 || et == GGUF_VAL_INT16 || et == GGUF_VAL_INT64;
    if (!is_float && !is_int) return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array of numbers", key);
    if (n != (uint64_t)v->n_tokens)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s has %llu entries, tokens has %d", key,
                    (unsigned long long)n, v->n_tokens);
    for (int32_t i = 0; i < v->n_tokens; i++) {
        if (is_float) {
            double d = 0;
            gguf_get_arr_float(g, key, (uint64_t)i, &d);
            v->score[i] = (float)d;
        } else {
            int64_t x = 0;
            gguf_get_arr_int(g, key, (uint64_t)i, &x);
            v->score[i] = (float)x;
        }
    }
    return TOK_OK;
}

static tok_status load_types(const gguf_ctx *g, tok_vocab *v, char *err, size_t err_len) {
    const char *key = "tokenizer.ggml.token_type";
    memset(v->type, TT_NORMAL, (size_t)v->n_tokens);
    gguf_value_type et;
    uint64_t n;
    gguf_status gs = gguf_get_arr_info(g, key, &et, &n);
    if (gs == GGUF_ERR_NOT_FOUND) return TOK_OK;
    if (gs != GGUF_OK) return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array", key);
    int64_t x;
    if (n > 0 && gguf_get_arr_int(g, key, 0, &x) != GGUF_OK)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array of integers", key);
    if (n != (uint64_t)v->n_tokens)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s has %llu entries, tokens has %d", key,
                    (unsigned long long)n, v->n_tokens);
    for (int32_t i = 0; i < v->n_tokens; i++) {
        x = TT_NORMAL;
        gguf_get_arr_int(g, key, (uint64_t)i, &x);
        v->type[i] = x >= TT_UNDEFINED && x <= TT_BYTE ? (uint8_t)x : TT_UNDEFINED; /* llama.cpp: others undefined */
    }
    return TOK_OK;
}

static tok_status load_merges(const gguf_ctx *g, tok_vocab *v, char *err, size_t err_len) {
    const char *key = "tokenizer.ggml.merges";
    gguf_value_type et;
    uint64_t n;
    gguf_status gs = gguf_get_arr_info(g, key, &et, &n);
    if (gs == GGUF_ERR_NOT_FOUND)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s is missing (the gpt2 tokenizer needs it)", key);
    if (gs != GGUF_OK || et != GGUF_VAL_STRING)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array of strings", key);
    if (n > INT32_MAX) return fail(err, err_len, TOK_ERR_FORMAT, "%s has too many entries (%llu)", key,
                                   (unsigned long long)n);
    size_t cap = pow2_at_least(2 * (size_t)n + 1);
    v->merges.e = malloc(cap * sizeof *v->merges.e);
    if (!v->merges.e) return fail(err, err_len, TOK_ERR_NOMEM, "out of memory for %llu merges", (unsigned long long)n);
    for (size_t i = 0; i < cap; i++) v->merges.e[i].key = MERGE_EMPTY;
    v->merges.mask = cap - 1;
    uint8_t *cat = NULL;
    size_t cat_cap = 0;
    for (uint64_t r = 0; r < n; r++) {
        const char *s;
        uint64_t len;
        gguf_get_arr_str(g, key, r, &s, &len);
        /* "left right": split at the first space after the first byte (a
         * left part may itself be a space in some vocabularies) */
        const char *sp = len > 1 ? memchr(s + 1, ' ', (size_t)len - 1) : NULL;
        if (!sp) {
            char q[64];
            free(cat);
            return fail(err, err_len, TOK_ERR_FORMAT, "%s[%llu] '%s' is not two tokens separated by a space",
                        key, (unsigned long long)r, quoted(q, sizeof q, s, (size_t)len));
        }
        size_t ll = (size_t)(sp - s), rl = (size_t)len - ll - 1;
        int32_t left = map_find(v, (const uint8_t *)s, ll);
        int32_t right = map_find(v, (const uint8_t *)sp + 1, rl);
        if (left < 0 || right < 0) continue; /* can never apply */
        if (!grow((void **)&cat, &cat_cap, ll + rl, 1)) {
            free(cat);
            return fail(err, err_len, TOK_ERR_NOMEM, "out of memory");
        }
        memcpy(cat, s, ll);
        memcpy(cat + ll, sp + 1, rl);
        int32_t result = map_find(v, cat, ll + rl);
        if (result < 0) continue; /* its result is not a token: dropped */
        merge_insert(&v->merges, left, right, (int32_t)r, result);
    }
    free(cat);
    return TOK_OK;
}

static tok_status load_byte_tokens(tok_vocab *v, char *err, size_t err_len) {
    static const char hex[] = "0123456789ABCDEF";
    for (int c = 0; c < BPE_N_CP; c++) v->cp_byte[c] = -1;
    for (int b = 0; b < 256; b++) {
        v->byte_cp[b] = (uint16_t)byte_to_cp((uint8_t)b);
        v->cp_byte[v->byte_cp[b]] = (int16_t)b;
    }
    for (int b = 0; b < 256; b++) {
        int32_t id;
        if (v->model == MODEL_SPM) {
            /* llama.cpp byte_to_token: "<0xNN>" (upper-case hex), else the byte itself */
            char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
            id = map_find(v, (const uint8_t *)name, 6);
            uint8_t c = (uint8_t)b;
            if (id < 0) id = map_find(v, &c, 1);
            if (id < 0)
                return fail(err, err_len, TOK_ERR_FORMAT,
                            "the vocabulary has no byte token %s (needed for byte fallback)", name);
        } else {
            uint8_t ch[4];
            size_t k = utf8_encode(v->byte_cp[b], ch);
            id = map_find(v, ch, k);
            if (id < 0)
                return fail(err, err_len, TOK_ERR_FORMAT,
                            "the vocabulary has no byte-level token for byte 0x%02X (U+%04X)", b,
                            (unsigned)v->byte_cp[b]);
        }
        v->byte_token[b] = id;
    }
    return TOK_OK;
}

static void mark_eog(tok_vocab *v) {
    bool has_tool_response = map_find(v, (const uint8_t *)"<|tool_response>", 16) >= 0;
    for (size_t k = 0; k < sizeof eog_names / sizeof eog_names[0]; k++) {
        /* llama.cpp: Gemma 4 (which has <|tool_response>) uses </s> otherwise */
        if (has_tool_response && strcmp(eog_names[k], "</s>") == 0) continue;
        int32_t id = map_find(v, (const uint8_t *)eog_names[k], strlen(eog_names[k]));
        if (id < 0) continue;
        v->eog[id] = 1;
        v->type[id] = TT_CONTROL; /* llama.cpp marks these control: not matched in text */
    }
    if (v->eos >= 0) v->eog[v->eos] = 1;
}

static tok_status load_pre(const gguf_ctx *g, tok_vocab *v, char *err, size_t err_len) {
    const char *pre;
    uint64_t len;
    gguf_status gs = gguf_get_str(g, "tokenizer.ggml.pre", &pre, &len);
    v->pre = TOK_PRE_GPT2;
    if (gs == GGUF_ERR_NOT_FOUND) return TOK_OK; /* llama.cpp: "default" */
    if (gs != GGUF_OK) return fail(err, err_len, TOK_ERR_FORMAT, "tokenizer.ggml.pre is not a string");
    if (v->model == MODEL_SPM) return TOK_OK; /* only BPE models have pre-tokenizers */
    /* names from llama.cpp's llama-vocab.cpp that map to these three regexes */
    static const char *const gpt2[] = {"default", "gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4"};
    static const char *const llama3[] = {"llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "pixtral"};
    static const char *const qwen2[] = {"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"};
    for (size_t i = 0; i < sizeof gpt2 / sizeof gpt2[0]; i++)
        if (strcmp(pre, gpt2[i]) == 0) return TOK_OK;
    for (size_t i = 0; i < sizeof llama3 / sizeof llama3[0]; i++) {
        if (strcmp(pre, llama3[i]) == 0) {
            v->pre = TOK_PRE_LLAMA3;
            /* llama.cpp: ignore_merges and add_bos for the llama3 family, not dbrx/smaug */
            bool family = i < 3 || strcmp(pre, "falcon3") == 0 || strcmp(pre, "pixtral") == 0;
            v->ignore_merges = family;
            if (family) v->add_bos = true;
            return TOK_OK;
        }
    }
    for (size_t i = 0; i < sizeof qwen2 / sizeof qwen2[0]; i++) {
        if (strcmp(pre, qwen2[i]) == 0) {
            v->pre = TOK_PRE_QWEN2;
            return TOK_OK;
        }
    }
    char q[64];
    return fail(err, err_len, TOK_ERR_UNSUPPORTED,
                "pre-tokenizer tokenizer.ggml.pre = '%s' is not supported (gpt-2, llama3 and qwen2 families are)",
                quoted(q, sizeof q, pre, (size_t)len));
}

static tok_status load(const gguf_ctx *g, tok_vocab *v, char *err, size_t err_len) {
    tok_status st;
    /* model */
    const char *model;
    uint64_t model_len;
    gguf_status gs = gguf_get_str(g, "tokenizer.ggml.model", &model, &model_len);
    if (gs == GGUF_ERR_NOT_FOUND) return fail(err, err_len, TOK_ERR_FORMAT, "tokenizer.ggml.model is missing");
    if (gs != GGUF_OK) return fail(err, err_len, TOK_ERR_FORMAT, "tokenizer.ggml.model is not a string");
    if (strcmp(model, "llama") == 0) {
        v->model = MODEL_SPM;
        v->add_bos = true;          /* llama.cpp defaults for SPM */
        v->add_space_prefix = true;
    } else if (strcmp(model, "gpt2") == 0) {
        v->model = MODEL_BPE;
    } else {
        char q[64];
        return fail(err, err_len, TOK_ERR_UNSUPPORTED,
                    "tokenizer model tokenizer.ggml.model = '%s' is not supported (only \"llama\" and \"gpt2\")",
                    quoted(q, sizeof q, model, (size_t)model_len));
    }
    if ((st = load_pre(g, v, err, err_len)) != TOK_OK) return st;

    /* tokens */
    const char *tkey = "tokenizer.ggml.tokens";
    gguf_value_type et;
    uint64_t n;
    gs = gguf_get_arr_info(g, tkey, &et, &n);
    if (gs == GGUF_ERR_NOT_FOUND) return fail(err, err_len, TOK_ERR_FORMAT, "%s is missing", tkey);
    if (gs != GGUF_OK || et != GGUF_VAL_STRING)
        return fail(err, err_len, TOK_ERR_FORMAT, "%s is not an array of strings", tkey);
    if (n == 0) return fail(err, err_len, TOK_ERR_FORMAT, "%s is empty", tkey);
    if (n > INT32_MAX / 2) return fail(err, err_len, TOK_ERR_FORMAT, "%s has too many entries (%llu)", tkey,
                                       (unsigned long long)n);
    v->n_tokens = (int32_t)n;
    size_t nt = (size_t)n;
    size_t text_bytes = 0;
    for (size_t i = 0; i < nt; i++) {
        uint64_t len;
        gguf_get_arr_str(g, tkey, i, NULL, &len);
        if (len > (uint64_t)1 << 20) /* 1 MiB: no tokenizer has such tokens */
            return fail(err, err_len, TOK_ERR_FORMAT, "%s[%zu] is %llu bytes long", tkey, i, (unsigned long long)len);
        if (text_bytes > SIZE_MAX - (size_t)len - 1) return fail(err, err_len, TOK_ERR_NOMEM, "%s is too large", tkey);
        text_bytes += (size_t)len + 1;
    }
    v->text = malloc(text_bytes);
    v->piece = malloc(text_bytes);
    v->text_off = malloc((nt + 1) * sizeof *v->text_off);
    v->piece_off = malloc((nt + 1) * sizeof *v->piece_off);
    v->score = calloc(nt, sizeof *v->score);
    v->type = malloc(nt);
    v->eog = calloc(nt, 1);
    if (!v->text || !v->piece || !v->text_off || !v->piece_off || !v->score || !v->type || !v->eog ||
        !map_init(&v->map, nt))
        return fail(err, err_len, TOK_ERR_NOMEM, "out of memory for %zu tokens", nt);
    size_t off = 0;
    for (size_t i = 0; i < nt; i++) {
        const char *s;
        uint64_t len;
        gguf_get_arr_str(g, tkey, i, &s, &len);
        v->text_off[i] = off;
        memcpy(v->text + off, s, (size_t)len);
        off += (size_t)len;
        v->text[off++] = 0;
    }
    v->text_off[nt] = off;
    for (int32_t i = 0; i < v->n_tokens; i++) {
        size_t len;
        const char *s = tok_text(v, i, &len);
        if (len == 0) continue; /* never matched; decodes to nothing */
        int32_t dup = map_insert(v, i);
        if (dup >= 0) {
            char q[64];
            return fail(err, err_len, TOK_ERR_FORMAT, "%s: duplicate token '%s' (ids %d and %d)", tkey,
                        quoted(q, sizeof q, s, len), dup, i);
        }
    }
    if ((st = load_scores(g, v, err, err_len)) != TOK_OK) return st;
    if ((st = load_types(g, v, err, err_len)) != TOK_OK) return st;
    if (v->model == MODEL_BPE && (st = load_merges(g, v, err, err_len)) != TOK_OK) return st;
    if ((st = load_byte_tokens(v, err, err_len)) != TOK_OK) return st;

    /* special ids: llama.cpp defaults (SPM: <unk> 0, <s> 1, </s> 2) unless the keys say */
    v->bos = v->eos = v->unk = -1;
    if (v->model == MODEL_SPM) {
        v->unk = 0;
        if (v->n_tokens > 1) v->bos = 1;
        if (v->n_tokens > 2) v->eos = 2;
    }
    int32_t eot = -1, eom = -1;
    if ((st = get_id(g, "tokenizer.ggml.bos_token_id", v->n_tokens, &v->bos, err, err_len)) != TOK_OK ||
        (st = get_id(g, "tokenizer.ggml.eos_token_id", v->n_tokens, &v->eos, err, err_len)) != TOK_OK ||
        (st = get_id(g, "tokenizer.ggml.unknown_token_id", v->n_tokens, &v->unk, err, err_len)) != TOK_OK ||
        (st = get_id(g, "tokenizer.ggml.eot_token_id", v->n_tokens, &eot, err, err_len)) != TOK_OK ||
        (st = get_id(g, "tokenizer.ggml.eom_token_id", v->n_tokens, &eom, err, err_len)) != TOK_OK)
        return st;
    int32_t pad = -1;
    if ((st = get_id(g, "tokenizer.ggml.padding_token_id", v->n_tokens, &pad, err, err_len)) != TOK_OK) return st;
    if ((st = get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos, err, err_len)) != TOK_OK) return st;
    if ((st = get_flag(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, err, err_len)) != TOK_OK)
        return st;
    if (v->add_bos && v->bos < 0)
        return fail(err, err_len, TOK_ERR_FORMAT,
                    "tokenizer.ggml.add_bos_token is true but there is no tokenizer.ggml.bos_token_id");

    mark_eog(v);
    if (eot >= 0) v->eog[eot] = 1;
    if (eom >= 0) v->eog[eom] = 1;

    /* user-defined tokens, longest first (llama.cpp's special-token cache order) */
    for (int32_t i = 0; i < v->n_tokens; i++)
        if (v->type[i] == TT_USER_DEFINED && v->text_off[i + 1] - v->text_off[i] > 1) v->n_user++;
    if (v->n_user) {
        v->user = malloc((size_t)v->n_user * sizeof *v->user);
        len_id *tmp = malloc((size_t)v->n_user * sizeof *tmp);
        if (!v->user || !tmp) {
            free(tmp);
            return fail(err, err_len, TOK_ERR_NOMEM, "out of memory");
        }
        int32_t k = 0;
        for (int32_t i = 0; i < v->n_tokens; i++)
            if (v->type[i] == TT_USER_DEFINED && v->text_off[i + 1] - v->text_off[i] > 1)
                tmp[k++] = (len_id){v->text_off[i + 1] - v->text_off[i] - 1, i};
        qsort(tmp, (size_t)v->n_user, sizeof *tmp, cmp_len_id);
        for (k = 0; k < v->n_user; k++) v->user[k] = tmp[k].id;
        free(tmp);
    }

    /* decoded pieces (never longer than the texts) */
    off = 0;
    for (int32_t i = 0; i < v->n_tokens; i++) {
        v->piece_off[i] = off;
        off += decode_token(v, i, v->piece + off);
    }
    v->piece_off[nt] = off;
    return TOK_OK;
}

tok_status tok_vocab_load(const gguf_ctx *g, tok_vocab **out, char *err, size_t err_len) {
    if (err && err_len) err[0] = 0;
    if (!out) return fail(err, err_len, TOK_ERR_ARG, "no output pointer");
    *out = NULL;
    if (!g) return fail(err, err_len, TOK_ERR_ARG, "no GGUF context");
    tok_vocab *v = calloc(1, sizeof *v);
    if (!v) return fail(err, err_len, TOK_ERR_NOMEM, "out of memory");
    tok_status st = load(g, v, err, err_len);
    if (st != TOK_OK) {
        tok_vocab_free(v);
        return st;
    }
    *out = v;
    return TOK_OK;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------ */

int32_t tok_n_vocab(const tok_vocab *v) { return v ? v->n_tokens : 0; }
int32_t tok_bos(const tok_vocab *v) { return v ? v->bos : -1; }
int32_t tok_eos(const tok_vocab *v) { return v ? v->eos : -1; }
bool tok_add_bos(const tok_vocab *v) { return v && v->add_bos; }
bool tok_is_eog(const tok_vocab *v, int32_t id) { return v && id >= 0 && id < v->n_tokens && v->eog[id]; }
const char *tok_model_name(const tok_vocab *v) { return !v ? "" : v->model == MODEL_SPM ? "llama" : "gpt2"; }

int tok_piece(const tok_vocab *v, int32_t id, char *buf, int buf_len) {
    if (!v || id < 0 || id >= v->n_tokens || buf_len < 0 || (!buf && buf_len > 0)) return -1;
    size_t n = v->piece_off[id + 1] - v->piece_off[id]; /* <= 1 MiB: checked at load */
    if (buf_len > 0) memcpy(buf, v->piece + v->piece_off[id], n < (size_t)buf_len ? n : (size_t)buf_len);
    return (int)n;
}

/* ------------------------------------------------------------------------ */
/* Encoding                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct sym {
    int32_t prev, next;   /* neighbours in the chain, -1 at the ends */
    uint32_t start, n;    /* bytes of the work text; n = 0 once merged into its left neighbour */
    int32_t id;           /* its token, or -1 (SPM: a character that is not a token) */
} sym;

typedef struct bigram {
    double key;           /* higher merges first: SPM the score, BPE -rank */
    int32_t left, right;  /* symbol indices */
    int32_t id;           /* the merged token */
    uint32_t size;        /* SPM: bytes of the merged text, to detect stale entries */
    int32_t left_id, right_id; /* BPE: the two tokens merged, to detect stale entries */
} bigram;

typedef struct enc {
    const tok_vocab *v;
    int32_t *out;
    int64_t n_max, n;
    uint8_t *buf;         /* SPM escaped text / BPE byte-level piece */
    size_t buf_cap;
    sym *syms;
    size_t syms_cap;
    bigram *heap;
    size_t heap_n, heap_cap;
    cps_buf cps;
} enc;

static void emit(enc *e, int32_t id) {
    if (e->n < e->n_max) e->out[e->n] = id;
    e->n++;
}

static bool before(const bigram *a, const bigram *b) {
    return a->key > b->key || (a->key == b->key && a->left < b->left);
}

static bool heap_push(enc *e, bigram b) {
    if (!grow((void **)&e->heap, &e->heap_cap, e->heap_n + 1, sizeof *e->heap)) return false;
    size_t i = e->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(&b, &e->heap[p])) break;
        e->heap[i] = e->heap[p];
        i = p;
    }
    e->heap[i] = b;
    return true;
}

static bigram heap_pop(enc *e) {
    bigram top = e->heap[0], last = e->heap[--e->heap_n];
    size_t i = 0, n = e->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(&e->heap[c + 1], &e->heap[c])) c++;
        if (!before(&e->heap[c], &last)) break;
        e->heap[i] = e->heap[c];
        i = c;
    }
    if (n) e->heap[i] = last;
    return top;
}

/* SPM: queue the merge of symbols l and r when their text is a token. */
static bool spm_try(enc *e, int32_t l, int32_t r) {
    if (l < 0 || r < 0) return true;
    const sym *a = &e->syms[l], *b = &e->syms[r];
    int32_t id = map_find(e->v, e->buf + a->start, (size_t)a->n + b->n);
    if (id < 0) return true;
    bigram bg = {e->v->score[id], l, r, id, a->n + b->n, a->id, b->id};
    return heap_push(e, bg);
}

/* SentencePiece BPE over s[0..len) (already escaped). */
static bool spm_encode(enc *e, size_t len) {
    const tok_vocab *v = e->v;
    if (!grow((void **)&e->syms, &e->syms_cap, len, sizeof *e->syms)) return false;
    int32_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(e->buf + i, len - i, &cp);
        if (k == 0) k = 1; /* invalid UTF-8: one byte */
        sym s = {n - 1, -1, (uint32_t)i, (uint32_t)k, map_find(v, e->buf + i, k)};
        if (n > 0) e->syms[n - 1].next = n;
        e->syms[n++] = s;
        i += k;
    }
    e->heap_n = 0;
    for (int32_t i = 1; i < n; i++)
        if (!spm_try(e, i - 1, i)) return false;
    while (e->heap_n) {
        bigram bg = heap_pop(e);
        sym *a = &e->syms[bg.left], *b = &e->syms[bg.right];
        if (a->n == 0 || b->n == 0 || a->next != bg.right || a->n + b->n != bg.size) continue; /* stale */
        a->n += b->n;
        a->id = bg.id;
        b->n = 0;
        a->next = b->next;
        if (b->next >= 0) e->syms[b->next].prev = bg.left;
        if (!spm_try(e, a->prev, bg.left) || !spm_try(e, bg.left, a->next)) return false;
    }
    for (int32_t i = n ? 0 : -1; i >= 0; i = e->syms[i].next) {
        const sym *s = &e->syms[i];
        if (s->id >= 0) {
            emit(e, s->id);
        } else {
            for (uint32_t k = 0; k < s->n; k++) emit(e, v->byte_token[e->buf[s->start + k]]);
        }
    }
    return true;
}

/* BPE: queue the merge of symbols l and r when the merges list has it. */
static bool bpe_try(enc *e, int32_t l, int32_t r) {
    if (l < 0 || r < 0) return true;
    const merge_entry *m = merge_find(&e->v->merges, e->syms[l].id, e->syms[r].id);
    if (!m) return true;
    bigram bg = {-(double)m->rank, l, r, m->result, 0, e->syms[l].id, e->syms[r].id};
    return heap_push(e, bg);
}

/* Byte-level BPE of one pre-tokenizer piece s[0..len). */
static bool bpe_piece(enc *e, const uint8_t *s, size_t len) {
    const tok_vocab *v = e->v;
    if (v->ignore_merges) {
        if (!grow((void **)&e->buf, &e->buf_cap, 2 * len, 1)) return false;
        size_t k = bytes_as_bpe_chars(v, s, len, e->buf);
        int32_t id = map_find(v, e->buf, k);
        if (id >= 0) {
            emit(e, id);
            return true;
        }
    }
    if (!grow((void **)&e->syms, &e->syms_cap, len, sizeof *e->syms)) return false;
    int32_t n = (int32_t)len;
    for (int32_t i = 0; i < n; i++) {
        sym sy = {i - 1, i + 1 < n ? i + 1 : -1, (uint32_t)i, 1, v->byte_token[s[i]]};
        e->syms[i] = sy;
    }
    e->heap_n = 0;
    for (int32_t i = 1; i < n; i++)
        if (!bpe_try(e, i - 1, i)) return false;
    while (e->heap_n) {
        bigram bg = heap_pop(e);
        sym *a = &e->syms[bg.left], *b = &e->syms[bg.right];
        if (a->n == 0 || b->n == 0 || a->next != bg.right || a->id != bg.left_id || b->id != bg.right_id)
            continue; /* stale: a or b changed since it was queued */
        a->n += b->n;
        a->id = bg.id;
        b->n = 0;
        a->next = b->next;
        if (b->next >= 0) e->syms[b->next].prev = bg.left;
        if (!bpe_try(e, a->prev, bg.left) || !bpe_try(e, bg.left, a->next)) return false;
    }
    for (int32_t i = n ? 0 : -1; i >= 0; i = e->syms[i].next) emit(e, e->syms[i].id);
    return true;
}

static bool bpe_encode(enc *e, const uint8_t *s, size_t len) {
    size_t n;
    if (!cps_fill(&e->cps, s, len, &n)) return false;
    for (size_t i = 0; i < n;) {
        size_t j = match_at(e->v->pre, e->cps.cp, e->cps.fl, n, i);
        if (!bpe_piece(e, s + e->cps.off[i], e->cps.off[j] - e->cps.off[i])) return false;
        i = j;
    }
    return true;
}

/* One stretch of raw text (between user-defined tokens). */
static bool encode_text(enc *e, const uint8_t *s, size_t len, bool after_special) {
    if (e->v->model == MODEL_BPE) return bpe_encode(e, s, len);
    bool prefix = e->v->add_space_prefix && after_special;
    if (!grow((void **)&e->buf, &e->buf_cap, 3 * (len + 1), 1)) return false;
    size_t k = 0;
    if (prefix) {
        memcpy(e->buf, "\xE2\x96\x81", 3);
        k = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            memcpy(e->buf + k, "\xE2\x96\x81", 3); /* U+2581 LOWER ONE EIGHTH BLOCK */
            k += 3;
        } else {
            e->buf[k++] = s[i];
        }
    }
    return spm_encode(e, k);
}

/* First occurrence of needle[0..nl) (nl > 0) in hay[0..n), or NULL. */
static const uint8_t *find_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t nl) {
    const uint8_t *p = hay, *end = hay + n;
    while ((size_t)(end - p) >= nl) {
        p = memchr(p, needle[0], (size_t)(end - p) - nl + 1);
        if (!p) return NULL;
        if (memcmp(p, needle, nl) == 0) return p;
        p++;
    }
    return NULL;
}

/* A stretch of the input: raw text (id -1) or one user-defined token. */
typedef struct frag { size_t off, len; int32_t id; } frag;

/* Cut user-defined tokens out of s[0..len), longest first (llama.cpp's
 * tokenizer_st_partition), and encode the rest. */
static bool encode_all(enc *e, const uint8_t *s, size_t len) {
    const tok_vocab *v = e->v;
    if (len == 0) return true; /* llama.cpp: no fragments, no tokens (and no prefix space) */
    if (v->n_user == 0) return encode_text(e, s, len, true);
    frag *fr = malloc(sizeof *fr), *nf = NULL;
    size_t n_fr = 1, cap_fr = 1, cap_nf = 0;
    if (!fr) return false;
    fr[0] = (frag){0, len, -1};
    bool ok = true;
    for (int32_t u = 0; ok && u < v->n_user; u++) {
        size_t tl;
        const char *t = tok_text(v, v->user[u], &tl);
        size_t n_nf = 0;
        for (size_t f = 0; ok && f < n_fr; f++) {
            if (fr[f].id >= 0) {
                ok = grow((void **)&nf, &cap_nf, n_nf + 1, sizeof *nf);
                if (ok) nf[n_nf++] = fr[f];
                continue;
            }
            size_t off = fr[f].off, end = fr[f].off + fr[f].len;
            while (ok) {
                const uint8_t *hit = find_bytes(s + off, end - off, (const uint8_t *)t, tl);
                ok = grow((void **)&nf, &cap_nf, n_nf + 2, sizeof *nf);
                if (!ok) break;
                if (!hit) {
                    if (end > off) nf[n_nf++] = (frag){off, end - off, -1};
                    break;
                }
                size_t at = (size_t)(hit - s);
                if (at > off) nf[n_nf++] = (frag){off, at - off, -1};
                nf[n_nf++] = (frag){at, tl, v->user[u]};
                off = at + tl;
            }
        }
        frag *tmp = fr;
        fr = nf;
        nf = tmp;
        size_t tc = cap_fr;
        cap_fr = cap_nf;
        cap_nf = tc;
        n_fr = n_nf;
    }
    bool after_special = true;
    for (size_t f = 0; ok && f < n_fr; f++) {
        if (fr[f].id >= 0) {
            emit(e, fr[f].id);
            after_special = true;
        } else {
            ok = encode_text(e, s + fr[f].off, fr[f].len, after_special);
            after_special = false;
        }
    }
    free(fr);
    free(nf);
    return ok;
}

int64_t tok_encode(const tok_vocab *v, const char *text, size_t len, bool add_special,
                   int32_t *out, int64_t n_max) {
    if (!v || (!text && len) || n_max < 0 || (!out && n_max > 0) || len > TOK_MAX_TEXT_BYTES)
        return -(int64_t)TOK_ERR_ARG;
    enc e = {.v = v, .out = out, .n_max = n_max};
    if (add_special && v->add_bos) emit(&e, v->bos);
    bool ok = encode_all(&e, (const uint8_t *)text, len);
    free(e.buf);
    free(e.syms);
    free(e.heap);
    cps_free(&e.cps);
    return ok ? e.n : -(int64_t)TOK_ERR_NOMEM;
}
