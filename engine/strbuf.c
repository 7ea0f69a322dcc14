/* strbuf.c - see strbuf.h. */
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>

void eng_strbuf_reset(eng_strbuf *b) {
    b->len = 0;
    if (b->s) b->s[0] = 0;
}

void eng_strbuf_vprintf(eng_strbuf *b, const char *fmt, va_list ap) {
    for (;;) {
        va_list aq;
        va_copy(aq, ap);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
        va_end(aq);
        if (n < 0) return;
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s) return;
        if (!b->s) s[0] = 0;
        b->s = s;
        b->cap = cap;
    }
}
