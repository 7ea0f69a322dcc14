/* cmd_estimate.c - `llmcap estimate` and `llmcap fit`. */
#include "report.h"
#include "types.h"

#include <string.h>

static void estimate_help(FILE *f, const char *cmd)
{
    if (!strcmp(cmd, "fit"))
        fprintf(f, "usage: llmcap fit --model ID|--gguf FILE|--hf-config FILE --hardware ID [options] [--json|--csv]\n"
                   "What fits with the other options kept: max_ctx (largest n_ctx, multiple of 256, up to the\n"
                   "model's training context), best_quant (largest file type), max_ngl (most n_gpu_layers).\n\n");
    else
        fprintf(f, "usage: llmcap estimate --model ID|--gguf FILE|--hf-config FILE --hardware ID [options] [--json|--csv]\n"
                   "Memory per device (weights, KV cache, compute, output, overhead), fits or not, decode and\n"
                   "prefill tokens/s, time to first token, and the limiting bound.\n\n");
    cli_print_option_help(f);
    fprintf(f, "  %-40s %s\n  %-40s %s\n  %-40s %s\n", "--json, --csv", "output format (default: a table)",
            "-o, --out FILE", "write to FILE atomically", "--data DIR", "read data JSON from DIR");
}

/* parse + load + resolve; on success *m is the model */
static int setup(int argc, char **argv, const char *cmd, cli_ctx *c, cli_args *a, llmcap_model **m)
{
    memset(c, 0, sizeof *c);
    int rc = cli_parse(argc, argv, c, a, 0, cmd);
    if (rc) return rc;
    if (a->help) { estimate_help(stdout, cmd); return -1; }
    if (a->positional < argc) {
        cli_error("%s: unexpected argument '%s'", cmd, argv[a->positional]);
        return EXIT_BAD_INPUT;
    }
    if ((rc = cli_load_db(c))) return rc;
    llmcap_error err = {0};
    llmcap_status st = llmcap_request_resolve(c->db, &a->rq, m, &err);
    if (st) {
        cli_error("%s", err.msg);
        return st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
    }
    return 0;
}

static const char *model_label(const cli_args *a)
{
    if (a->rq.model[0]) return a->rq.model;
    const char *p = a->rq.gguf[0] ? a->rq.gguf : a->rq.hf_config;
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

int cmd_estimate(int argc, char **argv)
{
    cli_ctx c;
    cli_args a;
    llmcap_model *m = NULL;
    int rc = setup(argc, argv, "estimate", &c, &a, &m);
    if (rc) { llmcap_db_free(c.db); return rc < 0 ? 0 : rc; }
    llmcap_result r;
    llmcap_error err = {0};
    if (llmcap_estimate(m, &a.rq.params, &r, &err)) {
        cli_error("%s", err.msg);
        llmcap_model_free(m);
        llmcap_db_free(c.db);
        return EXIT_BAD_INPUT;
    }
    report_in in = {.model = model_label(&a), .hardware = a.rq.params.gpu.id, .p = &a.rq.params, .m = m};
    sink s;
    if ((rc = sink_open(&s, c.out_path))) goto out;
    if (c.format == OUT_JSON || c.format == OUT_JSONL) {
        char *txt = llmcap_estimate_json(m, in.model, &a.rq.params, &r, c.format == OUT_JSON);
        if (txt) fprintf(s.f, "%s\n", txt);
        llmcap_json_free(txt);
    } else if (c.format == OUT_CSV) {
        char buf[4096];
        report_csv_header(s.f);
        size_t n = report_csv_row(buf, &in, &r, NULL);
        fwrite(buf, 1, n, s.f);
    } else {
        report_table(s.f, &in, &r);
    }
    rc = sink_commit(&s);
out:
    llmcap_model_free(m);
    llmcap_db_free(c.db);
    return rc;
}

int cmd_fit(int argc, char **argv)
{
    cli_ctx c;
    cli_args a;
    llmcap_model *m = NULL;
    int rc = setup(argc, argv, "fit", &c, &a, &m);
    if (rc) { llmcap_db_free(c.db); return rc < 0 ? 0 : rc; }
    llmcap_fit_result fr;
    llmcap_error err = {0};
    if (llmcap_fit(m, &a.rq.params, &fr, &err)) {
        cli_error("%s", err.msg);
        llmcap_model_free(m);
        llmcap_db_free(c.db);
        return EXIT_BAD_INPUT;
    }
    const char *bq = fr.best_quant >= 0 ? gguf_ftype_name(fr.best_quant) : NULL;
    sink s;
    if ((rc = sink_open(&s, c.out_path))) goto out;
    if (c.format == OUT_JSON || c.format == OUT_JSONL) {
        char *txt = llmcap_fit_json(model_label(&a), &a.rq.params, &fr, c.format == OUT_JSON);
        if (txt) fprintf(s.f, "%s\n", txt);
        llmcap_json_free(txt);
    } else if (c.format == OUT_CSV) {
        fprintf(s.f, "model,hardware,n_gpu,max_ctx,max_ctx_capped,best_quant,max_ngl\n%s,%s,%u,%u,%s,%s,%d\n",
                model_label(&a), a.rq.params.gpu.id, a.rq.params.n_gpu, fr.max_ctx, fr.max_ctx_capped ? "true" : "false",
                bq ? bq : "", fr.max_ngl);
    } else {
        const llmcap_model_spec *sp = llmcap_model_spec_get(m);
        fprintf(s.f, "%s on %s%s\n", sp->name[0] ? sp->name : model_label(&a), a.rq.params.gpu.name, a.rq.params.n_gpu > 1 ? " (multi-GPU)" : "");
        if (fr.max_ctx) fprintf(s.f, "max_ctx:    %u tokens%s\n", fr.max_ctx, fr.max_ctx_capped ? " (the model's training context; more would fit)" : "");
        else fprintf(s.f, "max_ctx:    none (even 256 tokens do not fit)\n");
        fprintf(s.f, "best_quant: %s\n", bq ? bq : "none fits");
        if (fr.max_ngl >= 0) fprintf(s.f, "max_ngl:    %d of %u (-ngl %d)\n", fr.max_ngl, sp->n_layer + 1, fr.max_ngl);
        else fprintf(s.f, "max_ngl:    none (the GPU cannot hold even the buffers)\n");
    }
    rc = sink_commit(&s);
out:
    llmcap_model_free(m);
    llmcap_db_free(c.db);
    return rc;
}
