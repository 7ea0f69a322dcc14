/* common.c - status strings, names and error helpers. */
#include "internal.h"

#include <stdio.h>

#ifndef LLMCAP_VERSION
#define LLMCAP_VERSION "0.0.0"
#endif

const char *llmcap_version(void) { return LLMCAP_VERSION; }

const char *llmcap_status_str(llmcap_status s)
{
    switch (s) {
    case LLMCAP_OK: return "ok";
    case LLMCAP_ERR_INVALID_ARG: return "invalid argument";
    case LLMCAP_ERR_NOT_FOUND: return "not found";
    case LLMCAP_ERR_PARSE: return "parse error";
    case LLMCAP_ERR_IO: return "I/O error";
    case LLMCAP_ERR_NOMEM: return "out of memory";
    case LLMCAP_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}

llmcap_status llmcap_set_error(llmcap_error *err, llmcap_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = st;
    }
    return st;
}

const char *llmcap_hw_kind_name(llmcap_hw_kind k)
{
    static const char *const names[LLMCAP_HW_KIND_COUNT] = {"gpu", "apple", "igpu", "cpu"};
    return (unsigned)k < LLMCAP_HW_KIND_COUNT ? names[k] : "unknown";
}

const char *llmcap_bound_name(llmcap_bound b)
{
    static const char *const names[LLMCAP_BOUND_COUNT] = {"bandwidth", "compute", "host-ram", "pcie",
                                                          "overhead"};
    return (unsigned)b < LLMCAP_BOUND_COUNT ? names[b] : "unknown";
}

const char *llmcap_oom_name(llmcap_oom o)
{
    switch (o) {
    case LLMCAP_OOM_FITS_VRAM: return "fits-vram";
    case LLMCAP_OOM_FITS_OFFLOAD: return "fits-with-offload";
    case LLMCAP_OOM_OUT_OF_MEMORY: return "out-of-memory";
    case LLMCAP_OOM_INVALID: return "invalid";
    }
    return "invalid";
}
