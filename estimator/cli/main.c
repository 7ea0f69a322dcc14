/* main.c - the `llmcap` command-line tool: dispatch, shared option parsing,
 * data loading and output helpers. Commands live in cmd_*.c. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char llmcap_hardware_json[];
extern const unsigned long llmcap_hardware_json_len;
extern const char llmcap_models_json[];
extern const unsigned long llmcap_models_json_len;

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("llmcap: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_load_db(cli_ctx *c)
{
    llmcap_error err = {0};
    llmcap_status st;
    if (c->data_dir) st = llmcap_db_load_dir(c->data_dir, &c->db, &err);
    else
        st = llmcap_db_load_json(llmcap_hardware_json, llmcap_hardware_json_len, "data/hardware.json",
                                 llmcap_models_json, llmcap_models_json_len, "data/models.json", &c->db, &err);
    if (st) {
        cli_error("%s", err.msg);
        return st == LLMCAP_ERR_IO ? 1 : EXIT_BAD_INPUT;
    }
    return 0;
}

int sink_open(sink *s, const char *path)
{
    memset(s, 0, sizeof *s);
    if (!path || !strcmp(path, "-")) { s->f = stdout; return 0; }
    if (strlen(path) >= sizeof s->path) { cli_error("output path too long"); return EXIT_BAD_INPUT; }
    snprintf(s->path, sizeof s->path, "%s", path);
    snprintf(s->tmp, sizeof s->tmp, "%s.tmp.%ld", path, (long)getpid());
    s->f = fopen(s->tmp, "w");
    if (!s->f) { cli_error("cannot write '%s': %s", path, strerror(errno)); return 1; }
    return 0;
}

int sink_commit(sink *s)
{
    if (s->f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) { cli_error("error writing standard output"); return 1; }
        return 0;
    }
    int bad = ferror(s->f);
    if (fclose(s->f) != 0) bad = 1;
    s->f = NULL;
    if (bad || rename(s->tmp, s->path) != 0) {
        cli_error("cannot write '%s': %s", s->path, strerror(errno));
        remove(s->tmp);
        return 1;
    }
    return 0;
}

void sink_abort(sink *s)
{
    if (s->f && s->f != stdout) { fclose(s->f); remove(s->tmp); }
    s->f = NULL;
}

void fmt_u64(char *buf, size_t *pos, unsigned long long v)
{
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) buf[(*pos)++] = tmp[--n];
}

void fmt_fixed(char *buf, size_t *pos, double v, int decimals)
{
    if (!(v == v) || v > 1e17 || v < -1e17) return; /* NaN / out of range: empty field */
    static const double pw[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 0) decimals = 0;
    if (decimals > 6) decimals = 6;
    if (v < 0) { buf[(*pos)++] = '-'; v = -v; }
    double scaled = v * pw[decimals] + 0.5;
    if (scaled > 1.8e19) { /* too large for fixed point with these decimals */
        *pos += (size_t)sprintf(buf + *pos, "%.*f", decimals, v);
        return;
    }
    unsigned long long s = (unsigned long long)scaled;
    unsigned long long ip = s / (unsigned long long)pw[decimals];
    unsigned long long fp = s % (unsigned long long)pw[decimals];
    fmt_u64(buf, pos, ip);
    if (decimals) {
        buf[(*pos)++] = '.';
        for (int d = decimals - 1; d >= 0; d--) {
            buf[*pos + (size_t)d] = (char)('0' + fp % 10);
            fp /= 10;
        }
        *pos += (size_t)decimals;
    }
}

void fmt_str_csv(char *buf, size_t *pos, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        size_t n = strlen(s);
        memcpy(buf + *pos, s, n);
        *pos += n;
        return;
    }
    buf[(*pos)++] = '"';
    for (; *s; s++) {
        if (*s == '"') buf[(*pos)++] = '"';
        buf[(*pos)++] = *s;
    }
    buf[(*pos)++] = '"';
}

const char *cli_gib(char *buf, size_t n, double bytes)
{
    snprintf(buf, n, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

void cli_print_option_help(FILE *f)
{
    for (size_t i = 0; i < llmcap_option_count(); i++) {
        char spell[96] = "";
        const char *c = llmcap_option_cli(i);
        size_t pos = 0;
        while (*c && pos + 8 < sizeof spell) {
            const char *e = strchr(c, ',');
            size_t len = e ? (size_t)(e - c) : strlen(c);
            pos += (size_t)snprintf(spell + pos, sizeof spell - pos, "%s%s%.*s", pos ? ", " : "",
                                    len == 1 || (c == llmcap_option_cli(i) ? 0 : len <= 3) ? "-" : "--", (int)len, c);
            c += len + (e ? 1 : 0);
        }
        fprintf(f, "  %-40s %s\n", spell, llmcap_option_help(i));
    }
}

enum { OPT_JSON = 2000, OPT_CSV, OPT_JSONL, OPT_OUT, OPT_DATA, OPT_IN, OPT_HELP };

int cli_parse(int argc, char **argv, cli_ctx *c, cli_args *a, int allow_lists, const char *cmd)
{
    memset(a, 0, sizeof *a);
    llmcap_request_init(&a->rq);
    struct option longs[128];
    int nl = 0;
    for (size_t i = 0; i < llmcap_option_count() && nl < 100; i++) {
        const char *s = llmcap_option_cli(i);
        while (*s && nl < 100) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            static char names[128][32];
            snprintf(names[nl], sizeof names[nl], "%.*s", (int)len, s);
            longs[nl] = (struct option){names[nl], required_argument, NULL, 1000 + (int)i};
            nl++;
            s += len + (e ? 1 : 0);
        }
    }
    longs[nl++] = (struct option){"json", no_argument, NULL, OPT_JSON};
    longs[nl++] = (struct option){"csv", no_argument, NULL, OPT_CSV};
    longs[nl++] = (struct option){"jsonl", no_argument, NULL, OPT_JSONL};
    longs[nl++] = (struct option){"out", required_argument, NULL, OPT_OUT};
    longs[nl++] = (struct option){"o", required_argument, NULL, OPT_OUT};
    longs[nl++] = (struct option){"data", required_argument, NULL, OPT_DATA};
    longs[nl++] = (struct option){"in", required_argument, NULL, OPT_IN};
    longs[nl++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longs[nl++] = (struct option){"h", no_argument, NULL, OPT_HELP};
    longs[nl] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    opterr = 0;
    int o;
    while ((o = getopt_long_only(argc, argv, ":", longs, NULL)) != -1) {
        if (o == '?') {
            cli_error("%s: unknown option '%s' (see llmcap %s --help)", cmd, argv[optind - 1], cmd);
            return EXIT_BAD_INPUT;
        }
        if (o == ':') {
            cli_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
            return EXIT_BAD_INPUT;
        }
        switch (o) {
        case OPT_JSON: c->format = OUT_JSON; continue;
        case OPT_CSV: c->format = OUT_CSV; continue;
        case OPT_JSONL: c->format = OUT_JSONL; continue;
        case OPT_OUT: c->out_path = optarg; continue;
        case OPT_DATA: c->data_dir = optarg; continue;
        case OPT_IN: a->in_path = optarg; continue;
        case OPT_HELP: a->help = 1; continue;
        default: break;
        }
        size_t idx = (size_t)(o - 1000);
        const char *key = llmcap_option_name(idx);
        const bool is_path = !strcmp(key, "gguf") || !strcmp(key, "hf_config") || !strcmp(key, "profile");
        if (allow_lists && (strchr(optarg, ',') || (!is_path && strchr(optarg, ':')))) {
            if (a->n_lists == (int)(sizeof a->lists / sizeof a->lists[0])) {
                cli_error("%s: too many list options", cmd);
                return EXIT_BAD_INPUT;
            }
            for (int k = 0; k < a->n_lists; k++)
                if (!strcmp(a->lists[k].key, key)) {
                    cli_error("%s: option '%s' given twice", cmd, key);
                    return EXIT_BAD_INPUT;
                }
            a->lists[a->n_lists].key = key;
            a->lists[a->n_lists].value = optarg;
            a->n_lists++;
            continue;
        }
        llmcap_error err = {0};
        if (llmcap_request_set(&a->rq, key, optarg, &err)) {
            cli_error("%s", err.msg);
            return EXIT_BAD_INPUT;
        }
    }
    a->positional = optind;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "llmcap %s - will this model fit, and how fast will it run?\n\n"
            "usage: llmcap COMMAND [options]\n\n"
            "commands:\n"
            "  estimate   memory per device, fits or not, decode/prefill tokens/s, time to first token\n"
            "  fit        what fits: max_ctx, best_quant, max_ngl\n"
            "  sweep      batch what-if: options take lists (a,b,c) or ranges (lo:hi:step, lo:hi:x2);\n"
            "             or --in scenarios.jsonl; writes CSV (default) or --jsonl, one row per scenario\n"
            "  list       list models | hardware | quants (--json)\n"
            "  curves     plots with gnuplot: bits, context, offload, batch, hardware, validation (--out DIR)\n"
            "  compare    measured runs (llmcap-engine, llama-bench JSON/JSONL/CSV/markdown, measured_runs.csv)\n"
            "             against predictions: error per run, MAPE/median/bias per group; --fail-above PCT\n"
            "  calibrate  fit the speed model's parameters to measured runs: a profile for --profile FILE\n"
            "  runs       the measured-runs database: import, list, show, query (--sql), export, check\n"
            "             (regressions against a baseline), report (llmcap runs --help)\n"
            "  help       this text; llmcap COMMAND --help for a command\n\n"
            "examples:\n"
            "  llmcap estimate --model llama-3.1-8b --quant Q4_K_M --hardware rtx-4090 --ctx 8192\n"
            "  llmcap estimate --gguf model.gguf --hardware apple-m2-ultra -c 32768 -fa on -ctk q8_0 -ctv q8_0 --json\n"
            "  llmcap fit --model llama-3.1-70b --hardware rtx-3090 --gpus 2 --ctx 16384\n"
            "  llmcap sweep --model llama-3.1-8b --quant Q4_0,Q4_K_M,Q8_0 --ctx 2048:16384:x2 --hardware rtx-4090,apple-m2-ultra\n\n"
            "options (estimate, fit, sweep):\n",
            llmcap_version());
    cli_print_option_help(f);
    fprintf(f,
            "  %-40s %s\n  %-40s %s\n  %-40s %s\n  %-40s %s\n",
            "--json, --csv, --jsonl", "output format (default: a table; sweep: CSV)",
            "-o, --out FILE", "write to FILE (atomically: no partial file on error)",
            "--data DIR", "read hardware.json and models.json from DIR instead of the built-in data",
            "--in FILE", "sweep: one JSON object of options per line");
    fprintf(f, "\nunits: GiB = 2^30 bytes, GB/s = 10^9 bytes/s, TFLOPS = 10^12 FLOP/s, tokens/s.\n"
               "exit status: 0 ok, 1 I/O failure, 2 bad input.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return EXIT_BAD_INPUT; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
        printf("llmcap %s\n", llmcap_version());
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) { usage(stdout); return 0; }
    if (!strcmp(cmd, "estimate")) return cmd_estimate(argc - 1, argv + 1);
    if (!strcmp(cmd, "fit")) return cmd_fit(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep")) return cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "list")) return cmd_list(argc - 1, argv + 1);
    if (!strcmp(cmd, "curves")) return cmd_curves(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "calibrate")) return cmd_calibrate(argc - 1, argv + 1);
    if (!strcmp(cmd, "runs")) return cmd_runs(argc - 1, argv + 1);
    cli_error("unknown command '%s' (estimate, fit, sweep, list, curves, calibrate, compare, runs, help)", cmd);
    return EXIT_BAD_INPUT;
}
