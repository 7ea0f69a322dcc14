/* report.h - estimate results as a table or a CSV row (JSON: llmcap_estimate_json). */
#ifndef LLMCAP_CLI_REPORT_H
#define LLMCAP_CLI_REPORT_H

#include "cli.h"

/* What was asked, for echoing the inputs. */
typedef struct report_in {
    const char *model;       /* model id / file name */
    const char *hardware;    /* hardware id */
    const llmcap_params *p;
    const llmcap_model *m;
} report_in;

void report_table(FILE *f, const report_in *in, const llmcap_result *r);
/* CSV header and row (same columns as `sweep`) */
void report_csv_header(FILE *f);
size_t report_csv_row(char *buf, const report_in *in, const llmcap_result *r, const char *error);

#endif
