/* strbuf.h - a growable string written with printf: the text the engine's WASM
 * exports return (JSON), one buffer per module, reused between calls. */
#ifndef LLMCAP_ENGINE_STRBUF_H
#define LLMCAP_ENGINE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct eng_strbuf {
    char *s;        /* NUL-terminated text, or NULL before the first write */
    size_t len;     /* bytes of text, without the NUL */
    size_t cap;     /* bytes allocated */
} eng_strbuf;

/* Empty b, keeping its memory. */
void eng_strbuf_reset(eng_strbuf *b);
/* Append printf-formatted text, growing b (doubling); when memory runs out the
 * text is dropped and b stays valid. */
void eng_strbuf_vprintf(eng_strbuf *b, const char *fmt, va_list ap);

#endif
