/* eng_internal.h - helpers shared by the engine's own files (not part of the API). */
#ifndef LLMCAP_ENGINE_ENG_INTERNAL_H
#define LLMCAP_ENGINE_ENG_INTERNAL_H

#include "engine.h"

/* Format a one-line message into err (err_len bytes; err may be NULL) and return st. */
eng_status eng_fail(char *err, size_t err_len, eng_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
