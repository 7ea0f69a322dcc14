/* cmds.h - the subcommands of `llmcap-engine`, one file each (engine/cli/cmd_*.c).
 * Each takes argv with argv[0] = the subcommand name, parses its own options with
 * getopt_long, prints results to stdout and errors as one "llmcap-engine: ..."
 * line on stderr, and returns the process exit status: 0 ok, 1 runtime failure
 * (I/O, out of memory), 2 bad usage or bad input. */
#ifndef LLMCAP_ENGINE_CLI_CMDS_H
#define LLMCAP_ENGINE_CLI_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_mkmodel(int argc, char **argv);

/* "llmcap-engine: " + message on stderr (printf-style). */
void eng_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
