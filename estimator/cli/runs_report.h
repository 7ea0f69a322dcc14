/* runs_report.h - `llmcap runs report` (runs_report.c), called by cmd_runs.c. */
#ifndef LLMCAP_CLI_RUNS_REPORT_H
#define LLMCAP_CLI_RUNS_REPORT_H

#include "cli.h"
#include "rundb/llmcap_rundb.h"

/* Write DIR/report.html (format "html": self-contained, plots inline as SVG)
 * or DIR/report.md ("md": the SVG plots beside it) for the runs of db that
 * pass f (NULL = all). Prints "llmcap: ..." and returns an exit code on
 * failure (1 I/O or gnuplot, EXIT_BAD_INPUT bad options or no runs), 0 on
 * success after one line on stdout naming the file. */
int runs_report(llmcap_rundb *db, const llmcap_rundb_filter *f, const char *format, const char *dir);

#endif
