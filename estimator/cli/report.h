/* report.h - estimate results as a table, JSON (cJSON) or a CSV row. */
#ifndef LLMCAP_CLI_REPORT_H
#define LLMCAP_CLI_REPORT_H

#include "cli.h"

#include <cjson/cJSON.h>

/* What was asked, for echoing the inputs. */
typedef struct report_in {
    const char *model;       /* model id / file name */
    const char *hardware;    /* hardware id */
    const llmcap_params *p;
    const llmcap_model *m;
} report_in;

cJSON *report_json(const report_in *in, const llmcap_result *r);
void report_table(FILE *f, const report_in *in, const llmcap_result *r);
/* CSV header and row (same columns as `sweep`) */
void report_csv_header(FILE *f);
size_t report_csv_row(char *buf, const report_in *in, const llmcap_result *r, const char *error);
/* the quant name used by a result ("Q4_K_M", "Q8_0 (pure)", "exact") */
const char *report_quant_name(const llmcap_result *r, char *buf, size_t n);
/* llama.cpp flags equivalent to the parameters */
void report_flags(char *buf, size_t n, const llmcap_params *p, const llmcap_result *r);

#endif
