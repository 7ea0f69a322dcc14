/* main.c - `llmcap-engine`: dispatch to the subcommands of cmds.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"

#ifndef LLMCAP_VERSION
#define LLMCAP_VERSION "0.0.0"
#endif

void eng_cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("llmcap-engine: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void usage(FILE *f) {
    fputs("usage: llmcap-engine COMMAND [options]\n"
          "\n"
          "Commands:\n"
          "  run       -m FILE -p TEXT [-n N]     generate text (greedy or sampled)\n"
          "  bench     -m FILE [-p 512] [-n 128]  prefill (pp) and decode (tg) tokens/s, llama-bench style\n"
          "  tokenize  -m FILE -p TEXT            print token ids and pieces\n"
          "  inspect   FILE                       GGUF metadata and tensors\n"
          "  mkmodel   --shape NAME|dims -o FILE  write a GGUF with seeded random weights\n"
          "\n"
          "`llmcap-engine COMMAND --help` lists a command's options.\n", f);
}

int main(int argc, char **argv) {
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        {"run", cmd_run}, {"bench", cmd_bench}, {"tokenize", cmd_tokenize},
        {"inspect", cmd_inspect}, {"mkmodel", cmd_mkmodel},
    };
    if (argc < 2) { usage(stderr); return 2; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) { printf("llmcap-engine %s\n", LLMCAP_VERSION); return 0; }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
    eng_cli_error("unknown command '%s' (try --help)", argv[1]);
    return 2;
}
