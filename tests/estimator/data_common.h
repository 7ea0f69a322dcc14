/* data_common.h - what the estimator tests on the shipped data/ share
 * (tests/estimator/test_estimate.c, test_calibrate.c): data/ loaded once, and
 * a model of it by id; either failing ends the test program (nothing to test).
 *
 * Static functions only (each test is one translation unit); `static inline`
 * so a test that does not use one gets no warning. Run from the repository root.
 */
#ifndef LLMCAP_TESTS_DATA_COMMON_H
#define LLMCAP_TESTS_DATA_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "llmcap.h"

/* data/, loaded on the first call */
static inline llmcap_db *db(void)
{
    static llmcap_db *d;
    if (!d) {
        llmcap_error err;
        if (llmcap_db_load_dir("data", &d, &err)) {
            fprintf(stderr, "cannot load data: %s\n", err.msg);
            exit(1);
        }
    }
    return d;
}

/* the model ID of data/ (the caller frees it) */
static inline llmcap_model *model(const char *id)
{
    llmcap_error err;
    const llmcap_model_spec *s = llmcap_db_find_model(db(), id);
    if (!s) { fprintf(stderr, "no model %s\n", id); exit(1); }
    llmcap_model *m;
    if (llmcap_model_from_spec(s, &m, &err)) { fprintf(stderr, "%s: %s\n", id, err.msg); exit(1); }
    return m;
}

#endif
