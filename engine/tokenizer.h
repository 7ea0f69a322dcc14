/* tokenizer.h - text <-> token ids from a GGUF file's tokenizer.ggml.* metadata.
 *
 * Two models, chosen by tokenizer.ggml.model:
 *   "llama": SentencePiece-style BPE over the scores in tokenizer.ggml.scores,
 *            spaces as U+2581, a leading space added, byte fallback <0xNN>.
 *   "gpt2":  byte-level BPE with tokenizer.ggml.merges (rank = merge order),
 *            the GPT-2 byte-to-unicode map and a pre-tokenizer split chosen by
 *            tokenizer.ggml.pre: the GPT-2 regex for a missing pre, "default",
 *            "gpt-2" (and phi-2, mpt, olmo, jais, exaone4); the Llama-3 regex
 *            for "llama3", "llama-bpe", "llama-v3" (also falcon3, pixtral, dbrx,
 *            smaug-bpe); the Qwen2 regex for "qwen2" (also deepseek-r1-qwen,
 *            stablelm2, megrez). Other names give TOK_ERR_UNSUPPORTED.
 * Before either, user-defined tokens (tokenizer.ggml.token_type 4) found in the
 * text are emitted as themselves; control tokens are not parsed.
 * Expected behaviour is defined by llama.cpp's tests (../shared/testdata/vocab):
 * engine/tokenizer.c lists the facts taken from llama.cpp and the few
 * deliberate differences (invalid UTF-8 goes byte by byte, so that decoding
 * always gives the input back).
 * The vocabulary is copied out of the GGUF, so the gguf_ctx may be closed after
 * loading. A loaded vocabulary is read-only: tok_encode and tok_piece may be
 * called from several threads at once.
 */
#ifndef LLMCAP_ENGINE_TOKENIZER_H
#define LLMCAP_ENGINE_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef enum tok_status {
    TOK_OK = 0,
    TOK_ERR_FORMAT,       /* missing or malformed tokenizer.* metadata */
    TOK_ERR_UNSUPPORTED,  /* a tokenizer model or pre-tokenizer we do not implement */
    TOK_ERR_NOMEM,
    TOK_ERR_ARG           /* bad argument (NULL, negative length...) */
} tok_status;

const char *tok_status_str(tok_status s);

typedef struct tok_vocab tok_vocab;

/* Load from GGUF metadata. On error *out is NULL and err (err_len bytes) names
 * the problem, e.g. "tokenizer.ggml.scores has 100 entries, tokens has 32000".
 * TOK_ERR_FORMAT: a missing or ill-typed key, array lengths that differ from
 * the token count, a duplicate token, a special token id out of range, a
 * vocabulary without the 256 byte tokens (<0xNN>, or the GPT-2 byte-level
 * characters). TOK_ERR_UNSUPPORTED: another tokenizer.ggml.model or pre.
 * Keys read: tokenizer.ggml.{model, pre, tokens, scores, token_type, merges,
 * bos_token_id, eos_token_id, unknown_token_id, eot_token_id, eom_token_id,
 * padding_token_id, add_bos_token, add_space_prefix}. */
tok_status tok_vocab_load(const gguf_ctx *g, tok_vocab **out, char *err, size_t err_len);
void tok_vocab_free(tok_vocab *v);

int32_t tok_n_vocab(const tok_vocab *v);
int32_t tok_bos(const tok_vocab *v);        /* -1 when none */
int32_t tok_eos(const tok_vocab *v);        /* -1 when none */
bool tok_add_bos(const tok_vocab *v);       /* tokenizer.ggml.add_bos_token (default per model) */
bool tok_is_eog(const tok_vocab *v, int32_t id); /* end of generation (EOS, EOT, ...) */
const char *tok_model_name(const tok_vocab *v);  /* "llama" or "gpt2" */

/* Encode len bytes of UTF-8 text (invalid UTF-8 is tokenized byte by byte).
 * add_special adds BOS when tok_add_bos says so. Special tokens in the text are
 * not parsed (llama.cpp parse_special = false). Writes at most n_max ids to out
 * and returns the total number of ids (which may exceed n_max: call again with a
 * bigger buffer; out may be NULL when n_max is 0), or a negative value on bad
 * arguments (-TOK_ERR_ARG; also for texts over 256 MiB) / out of memory
 * (-TOK_ERR_NOMEM). */
int64_t tok_encode(const tok_vocab *v, const char *text, size_t len, bool add_special,
                   int32_t *out, int64_t n_max);

/* The bytes one token stands for (SentencePiece U+2581 -> ' ', <0xNN> -> the
 * byte, GPT-2 byte-level characters -> their bytes; control, unknown and
 * user-defined tokens such as <s> give their text). Concatenating the pieces of
 * tok_encode's ids gives the text back (for "llama", with a space in front).
 * Writes at most buf_len bytes (no NUL) and returns the full length, or -1 for
 * an id out of range (or a NULL vocabulary, buf_len < 0, buf NULL with
 * buf_len > 0). */
int tok_piece(const tok_vocab *v, int32_t id, char *buf, int buf_len);

/* ---- the pre-tokenizer split on its own (used by tok_encode for "gpt2") ---- */
typedef enum tok_pre_kind {
    TOK_PRE_GPT2 = 0,   /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    TOK_PRE_LLAMA3 = 1, /* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
                           ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    TOK_PRE_QWEN2 = 2   /* as LLAMA3 with \p{N} (one digit per piece) */
} tok_pre_kind;

/* Split len bytes of text the way the regex of pre would (alternatives tried
 * in order, leftmost match, backtracking semantics; \p{L}, \p{N} and \s from
 * engine/unicode_tables.c; a byte that is not valid UTF-8 counts as one
 * character of none of those classes). Writes the end offset (exclusive, in
 * bytes) of each piece to ends, at most n_max of them, and returns the number
 * of pieces (0 for empty text), or -TOK_ERR_ARG / -TOK_ERR_NOMEM. */
int64_t tok_pre_split(tok_pre_kind pre, const char *text, size_t len, size_t *ends, int64_t n_max);

#endif
