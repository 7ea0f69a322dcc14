/* cmd_tokenize.c - `llmcap-engine tokenize -m FILE -p TEXT [--no-bos] [--ids-only]` */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "common.h"

int cmd_tokenize(int argc, char **argv) {
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'},
        {"no-bos", no_argument, 0, 'B'}, {"ids-only", no_argument, 0, 'I'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *prompt = NULL;
    bool bos = true, ids_only = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'p': prompt = optarg; break;
        case 'B': bos = false; break;
        case 'I': ids_only = true; break;
        case 'h':
            puts("usage: llmcap-engine tokenize -m FILE -p TEXT [--no-bos] [--ids-only]\n"
                 "Prints one line per token: id and piece (or only the ids, space separated).");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) { eng_cli_error("tokenize: unexpected argument '%s'", argv[optind]); return 2; }
    if (!prompt) { eng_cli_error("tokenize: no text given (-p TEXT)"); return 2; }
    eng_model *m;
    int rc = cli_open_model(model, &m);
    if (rc) return rc;
    int32_t *ids = NULL;
    int64_t n = 0;
    rc = cli_tokenize(m, prompt, bos, &ids, &n);
    if (!rc) {
        char piece[256];
        for (int64_t i = 0; i < n; i++) {
            if (ids_only) { printf(i ? " %d" : "%d", ids[i]); continue; }
            int len = tok_piece(m->vocab, ids[i], piece, (int)sizeof piece);
            if (len > (int)sizeof piece) len = (int)sizeof piece;
            printf("%6d '%.*s'\n", ids[i], len < 0 ? 0 : len, piece);
        }
        if (ids_only) putchar('\n');
    }
    free(ids);
    eng_model_free(m);
    return rc;
}
