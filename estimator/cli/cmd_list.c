/* cmd_list.c - `llmcap list models|hardware|quants` (JSON: llmcap_list_json). */
#include "cli.h"
#include "types.h"

#include <string.h>

int cmd_list(int argc, char **argv)
{
    cli_ctx c;
    memset(&c, 0, sizeof c);
    cli_args a;
    int rc = cli_parse(argc, argv, &c, &a, 0, "list");
    if (rc) return rc;
    const char *what = a.positional < argc ? argv[a.positional] : NULL;
    if (a.help || !what) {
        fprintf(a.help ? stdout : stderr, "usage: llmcap list models|hardware|quants [--json] [--data DIR]\n");
        return a.help ? 0 : EXIT_BAD_INPUT;
    }
    const int models = !strcmp(what, "models"), hw = !strcmp(what, "hardware"), quants = !strcmp(what, "quants");
    if (!models && !hw && !quants) {
        cli_error("list: unknown list '%s' (models, hardware, quants)", what);
        return EXIT_BAD_INPUT;
    }
    if (!quants && (rc = cli_load_db(&c))) return rc;
    if (c.format == OUT_JSON) {
        char *txt = NULL;
        llmcap_error err = {0};
        if (llmcap_list_json(c.db, what, true, &txt, &err)) {
            cli_error("%s", err.msg);
            llmcap_db_free(c.db);
            return err.status == LLMCAP_ERR_NOMEM ? 1 : EXIT_BAD_INPUT;
        }
        printf("%s\n", txt);
        llmcap_json_free(txt);
    } else if (models) {
        printf("%-28s %-12s %9s %9s %6s %7s %6s %8s  %s\n", "id", "arch", "params_B", "active_B", "layers", "n_embd",
               "kv_h", "n_ctx", "name");
        for (size_t i = 0; i < llmcap_db_n_models(c.db); i++) {
            const llmcap_model_spec *s = llmcap_db_model_at(c.db, i);
            printf("%-28s %-12s %9.3f %9.3f %6u %7u %6u %8u  %s\n", s->id, s->arch, s->params_total / 1e9,
                   (s->params_active ? s->params_active : s->params_total) / 1e9, s->n_layer, s->n_embd, s->n_head_kv,
                   s->n_ctx_train, s->name);
        }
    } else if (hw) {
        printf("%-30s %-6s %9s %9s %10s %8s  %s\n", "id", "kind", "mem_GiB", "bw_GB/s", "fp16_TFLOPS", "host_GB/s",
               "name");
        for (size_t i = 0; i < llmcap_db_n_hardware(c.db); i++) {
            const llmcap_hardware *h = llmcap_db_hardware_at(c.db, i);
            char mem[16] = "-";
            if (h->memory_bytes > 0) snprintf(mem, sizeof mem, "%.0f", h->memory_bytes / (1024.0 * 1024.0 * 1024.0));
            printf("%-30s %-6s %9s %9.1f %10.1f %8.1f  %s\n", h->id, llmcap_hw_kind_name(h->kind), mem,
                   h->bandwidth_gbps, h->fp16_tflops, h->pcie_gbps, h->name);
        }
    } else {
        printf("%-10s %s\n", "file type", "base tensor type (bits per weight of the base type)");
        const int *order;
        size_t n = gguf_ftype_by_quality(&order);
        for (size_t i = 0; i < n; i++) {
            const gguf_ftype_info *fi = gguf_ftype_get(order[i]);
            printf("%-10s %s (%.4g)\n", fi->name, gguf_type_name(fi->base_type), gguf_type_bpw(fi->base_type));
        }
        printf("\ntensor types (block elements / block bytes):\n");
        for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
            const gguf_type_info *ti = gguf_type_get(t);
            if (ti) printf("  %-8s %3u / %3u  %.4g bits per weight\n", gguf_type_name(t), ti->block_elems, ti->block_bytes, gguf_type_bpw(t));
        }
    }
    llmcap_db_free(c.db);
    if (fflush(stdout) != 0 || ferror(stdout)) { cli_error("error writing standard output"); return 1; }
    return 0;
}
