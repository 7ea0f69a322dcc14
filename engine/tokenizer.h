/* tokenizer.h - text <-> token ids from a GGUF file's tokenizer.ggml.* metadata.
 *
 * Two models, chosen by tokenizer.ggml.model:
 *   "llama": SentencePiece-style BPE over the scores in tokenizer.ggml.scores,
 *            spaces as U+2581, a leading space added, byte fallback <0xNN>.
 *   "gpt2":  byte-level BPE with tokenizer.ggml.merges (rank = merge order),
 *            the GPT-2 byte-to-unicode map and the GPT-2 pre-tokenizer split;
 *            tokenizer.ggml.pre selects the split rule ("default"/"gpt-2" are
 *            supported; others give TOK_ERR_UNSUPPORTED).
 * Expected behaviour is defined by llama.cpp's tests (../shared/testdata/vocab).
 * The vocabulary is copied out of the GGUF, so the gguf_ctx may be closed after
 * loading.
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
 * the problem, e.g. "tokenizer.ggml.scores has 100 entries, tokens has 32000". */
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
 * bigger buffer), or a negative value on bad arguments / out of memory. */
int64_t tok_encode(const tok_vocab *v, const char *text, size_t len, bool add_special,
                   int32_t *out, int64_t n_max);

/* The bytes one token stands for (SentencePiece U+2581 -> ' ', <0xNN> -> the
 * byte, GPT-2 byte-level characters -> their bytes; control tokens such as <s>
 * give their text). Writes at most buf_len bytes (no NUL) and returns the full
 * length, or -1 for an id out of range. */
int tok_piece(const tok_vocab *v, int32_t id, char *buf, int buf_len);

#endif
