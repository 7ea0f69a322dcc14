/* eng_internal.h - helpers shared by the engine's own files (not part of the API). */
#ifndef LLMCAP_ENGINE_ENG_INTERNAL_H
#define LLMCAP_ENGINE_ENG_INTERNAL_H

#include "engine.h"

/* Format a one-line message into err (err_len bytes; err may be NULL) and return st. */
eng_status eng_fail(char *err, size_t err_len, eng_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* RoPE angles for positions pos0 .. pos0+n_tok-1 of model m: cs[t][2i], cs[t][2i+1]
 * = cos, sin of pos * freq_scale * base^(-2i/n_rot) (divided by rope_freqs[i] when
 * the model has them), i < n_rot/2; cs holds n_tok * n_rot floats. The angle is
 * stepped by multiplication as ggml's CPU rope does. Shared by the backends so
 * they rotate by the same angles. */
void eng_rope_table(const eng_model *m, int pos0, int n_tok, float *cs);

#endif
