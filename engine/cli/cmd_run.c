/* cmd_run.c - `llmcap-engine run`: tokenize a prompt, run it, stream the
 * continuation to stdout. Timing goes to stderr (suppressed by --quiet). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "common.h"

static void usage(void) {
    puts("usage: llmcap-engine run -m FILE (-p TEXT | --ids LIST) [options]\n"
         "  -n, --n-predict N   tokens to generate (default 32)\n"
         "  --temp T            temperature; 0 = greedy (default 0)\n"
         "  --top-k K           keep the K most likely tokens (default 40; 0 = off)\n"
         "  --top-p P           nucleus sampling threshold (default 0.95; 1 = off)\n"
         "  --seed S            random seed for sampling (default: from the clock, printed)\n"
         "  -t, --threads N     CPU threads (default 1)\n"
         "  -c, --ctx-size N    context positions n_ctx (default min(training context, 4096))\n"
         "  -b, --batch-size N  tokens per forward pass n_batch (default 512)\n"
         "  -ctk, --cache-type f16|f32  KV cache type (default f16)\n"
         "  --backend cpu|webgpu|auto  where to run (default cpu; auto = WebGPU when a real adapter exists)\n"
         "  --ids LIST          prompt as token ids \"1,2,3\" instead of text\n"
         "  --print-ids         print the generated token ids (one line) instead of text\n"
         "  --ignore-eos        keep going after an end-of-generation token\n"
         "  --quiet             no timing lines on stderr");
}

int cmd_run(int argc, char **argv) {
    enum { O_TEMP = 256, O_TOPK, O_TOPP, O_SEED, O_IDS, O_PRINT_IDS, O_IGNORE_EOS, O_QUIET, O_CTK, O_BACKEND };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'},
        {"n-predict", required_argument, 0, 'n'}, {"threads", required_argument, 0, 't'},
        {"ctx-size", required_argument, 0, 'c'}, {"batch-size", required_argument, 0, 'b'},
        {"temp", required_argument, 0, O_TEMP}, {"top-k", required_argument, 0, O_TOPK},
        {"top-p", required_argument, 0, O_TOPP}, {"seed", required_argument, 0, O_SEED},
        {"ids", required_argument, 0, O_IDS}, {"print-ids", no_argument, 0, O_PRINT_IDS},
        {"ignore-eos", no_argument, 0, O_IGNORE_EOS}, {"quiet", no_argument, 0, O_QUIET},
        {"cache-type", required_argument, 0, O_CTK}, {"ctk", required_argument, 0, O_CTK},
        {"backend", required_argument, 0, O_BACKEND}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *model = NULL, *prompt = NULL, *ids_arg = NULL;
    long long n_predict = 32, v;
    double d;
    bool print_ids = false, ignore_eos = false, quiet = false, seed_given = false;
    eng_ctx_params cp = eng_ctx_default_params();
    eng_sampler_params sp = {.temperature = 0.0f, .top_k = 40, .top_p = 0.95f, .seed = 0};
    int c;
    optind = 1;
    for (int i = 1; i < argc; i++) /* llama.cpp spells it with one dash */
        if (!strcmp(argv[i], "-ctk")) argv[i] = (char *)"--ctk";
    while ((c = getopt_long(argc, argv, "m:p:n:t:c:b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'p': prompt = optarg; break;
        case 'n': if (!cli_int("-n", optarg, 0, 1 << 24, &n_predict)) return 2; break;
        case 't': if (!cli_int("-t", optarg, 1, 512, &v)) return 2; cp.n_threads = (int)v; break;
        case 'c': if (!cli_int("-c", optarg, 1, 1 << 20, &v)) return 2; cp.n_ctx = (int)v; break;
        case 'b': if (!cli_int("-b", optarg, 1, 65536, &v)) return 2; cp.n_batch = (int)v; break;
        case O_TEMP: if (!cli_float("--temp", optarg, 0, 100, &d)) return 2; sp.temperature = (float)d; break;
        case O_TOPK: if (!cli_int("--top-k", optarg, 0, 1 << 24, &v)) return 2; sp.top_k = (int)v; break;
        case O_TOPP: if (!cli_float("--top-p", optarg, 0, 1, &d)) return 2; sp.top_p = (float)d; break;
        case O_SEED: if (!cli_int("--seed", optarg, 0, 0x7fffffffffffffffLL, &v)) return 2;
            sp.seed = (uint64_t)v; seed_given = true; break;
        case O_IDS: ids_arg = optarg; break;
        case O_PRINT_IDS: print_ids = true; break;
        case O_IGNORE_EOS: ignore_eos = true; break;
        case O_QUIET: quiet = true; break;
        case O_CTK: if (!cli_kv_type("--cache-type", optarg, &cp.type_kv)) return 2; break;
        case O_BACKEND: if (!cli_backend(optarg, &cp.backend)) return 2; break;
        case 'h': usage(); return 0;
        default: return 2;
        }
    }
    if (optind < argc) { eng_cli_error("run: unexpected argument '%s'", argv[optind]); return 2; }
    if (!prompt == !ids_arg) { eng_cli_error("run: give a prompt with -p TEXT or --ids LIST (one of them)"); return 2; }
    if (!seed_given) sp.seed = (uint64_t)time(NULL);

    double t_load = cli_now();
    eng_model *m;
    int rc = cli_open_model(model, &m);
    if (rc) return rc;
    int32_t *ids = NULL;
    int64_t n_prompt = 0;
    rc = prompt ? cli_tokenize(m, prompt, true, &ids, &n_prompt) : cli_parse_ids(ids_arg, m->hp.n_vocab, &ids, &n_prompt);
    if (rc) { eng_model_free(m); return rc; }
    if (n_prompt == 0) { free(ids); eng_model_free(m); eng_cli_error("run: the prompt is empty"); return 2; }
    char err[512];
    eng_ctx *ctx;
    eng_status st = eng_ctx_create(m, &cp, &ctx, err, sizeof err);
    if (st != ENG_OK) { free(ids); eng_model_free(m); eng_cli_error("%s", err); return cli_exit_code(st); }
    if (n_prompt > ctx->params.n_ctx) {
        eng_cli_error("run: the prompt has %lld tokens, more than n_ctx %d (raise -c)", (long long)n_prompt,
                      ctx->params.n_ctx);
        free(ids); eng_ctx_free(ctx); eng_model_free(m);
        return 2;
    }
    t_load = cli_now() - t_load;
    if (ctx->backend_note[0] && !quiet) fprintf(stderr, "backend auto: %s\n", ctx->backend_note);
    if (prompt && !print_ids) { fputs(prompt, stdout); fflush(stdout); }

    /* greedy decoding asks the backend for the argmax only (a GPU then reads
     * back 4 bytes per token instead of the logits) */
    const bool greedy = sp.temperature <= 0.0f;
    int32_t next = 0;
    double t0 = cli_now();
    st = greedy ? eng_decode_greedy(ctx, ids, (int32_t)n_prompt, &next, err, sizeof err)
                : eng_decode(ctx, ids, (int32_t)n_prompt, err, sizeof err);
    double t_prompt = cli_now() - t0;
    eng_sampler smp;
    eng_sampler_init(&smp, &sp);
    int64_t n_gen = 0;
    bool ctx_full = false;
    t0 = cli_now();
    char piece[512];
    while (st == ENG_OK && n_gen < n_predict) {
        int32_t tok = greedy ? next : eng_sample(&smp, ctx->logits, m->hp.n_vocab);
        n_gen++;
        if (print_ids) printf(n_gen > 1 ? " %d" : "%d", tok);
        else if (m->vocab) {
            int len = tok_piece(m->vocab, tok, piece, (int)sizeof piece);
            if (len > 0) fwrite(piece, 1, (size_t)(len < (int)sizeof piece ? len : (int)sizeof piece), stdout);
        }
        fflush(stdout);
        if (!ignore_eos && m->vocab && tok_is_eog(m->vocab, tok)) break;
        if (n_gen == n_predict) break;
        if (ctx->n_past >= ctx->params.n_ctx) { ctx_full = true; break; }
        st = greedy ? eng_decode_greedy(ctx, &tok, 1, &next, err, sizeof err) : eng_decode(ctx, &tok, 1, err, sizeof err);
    }
    double t_gen = cli_now() - t0;
    putchar('\n');
    fflush(stdout);
    if (st != ENG_OK) {
        eng_cli_error("%s", err);
        rc = cli_exit_code(st);
    } else if (!quiet) {
        if (ctx_full) fprintf(stderr, "(stopped: the context of %d positions is full)\n", ctx->params.n_ctx);
        char where[256];
        cli_backend_desc(ctx, where, sizeof where);
        fprintf(stderr, "load %.0f ms | prompt %lld tokens, %.1f tokens/s | generated %lld tokens, %.1f tokens/s | "
                        "%s | seed %llu\n",
                t_load * 1e3, (long long)n_prompt, t_prompt > 0 ? (double)n_prompt / t_prompt : 0.0,
                (long long)n_gen, n_gen > 1 && t_gen > 0 ? (double)(n_gen - 1) / t_gen : 0.0,
                where, (unsigned long long)sp.seed);
    }
    free(ids);
    eng_ctx_free(ctx);
    eng_model_free(m);
    return rc;
}
