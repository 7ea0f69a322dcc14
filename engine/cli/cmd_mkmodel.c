/* cmd_mkmodel.c - `llmcap-engine mkmodel`: write a GGUF model of a real shape
 * with seeded random weights (engine/mkmodel.h does the work). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "gguf.h"
#include "llmcap.h"
#include "mkmodel.h"

/* data/hardware.json and data/models.json, embedded by build/gen/data_embed.c */
extern const char llmcap_hardware_json[];
extern const unsigned long llmcap_hardware_json_len;
extern const char llmcap_models_json[];
extern const unsigned long llmcap_models_json_len;

static void usage(FILE *f) {
    fputs("usage: llmcap-engine mkmodel (--shape NAME | DIMS) --type TYPE -o FILE [options]\n"
          "\n"
          "Write a GGUF model of a real shape (llama.cpp tensor names and keys) with\n"
          "seeded random weights: matrices N(0, 1/fan_in), norms 1, biases N(0, 0.02^2).\n"
          "\n"
          "  --shape NAME        a model of data/models.json (llama-3.2-1b, qwen2.5-0.5b,\n"
          "                      smollm2-135m, ...; `llmcap list models`), or the built-in\n"
          "                      benchmark shapes 'small' (155.7 M params) and 'tiny' (11.3 M)\n"
          "  DIMS                --n-embd N --n-layer N --n-head N --n-head-kv N --n-ff N\n"
          "                      --n-vocab N [--head-dim N] [--arch llama|qwen2];\n"
          "                      with --shape they override the shape's values\n"
          "  --type TYPE         F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K (every\n"
          "                      2-D weight), or a llama-quantize mix such as Q4_K_M, Q5_K_M\n"
          "  -o, --output FILE   the GGUF to write (atomically: no file is left on error)\n"
          "  --seed N            PRNG seed (default 42); the same seed gives the same bytes\n"
          "  --vocab FILE        copy the tokenizer.* keys of this GGUF (padded to n_vocab with\n"
          "                      <unused_N> tokens); default: a built-in byte-fallback vocab\n"
          "  --ctx N             context_length to record (default: the shape's)\n"
          "  --rope-base F       rope.freq_base (default: the family's, else 10000)\n"
          "  --tied              no output.weight: the output projection is token_embd\n"
          "  --name TEXT         general.name (default synthetic-SHAPE)\n"
          "  -t, --threads N     worker threads (default: all CPUs; the output does not change)\n"
          "  -h, --help          this help\n", f);
}

/* Strict unsigned parse: digits only, no sign, within [1, max]. */
static int parse_u32(const char *opt, const char *s, uint32_t max, uint32_t *out) {
    char *end;
    errno = 0;
    if (!s || !*s || *s < '0' || *s > '9') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v > max) goto bad;
    *out = (uint32_t)v;
    return 0;
bad:
    eng_cli_error("%s: '%s' is not an integer in 1..%u", opt, s ? s : "", max);
    return 2;
}

static int parse_u64(const char *opt, const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    if (!s || !*s || *s < '0' || *s > '9') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) goto bad;
    *out = (uint64_t)v;
    return 0;
bad:
    eng_cli_error("%s: '%s' is not a non-negative integer", opt, s ? s : "");
    return 2;
}

static int parse_pos_float(const char *opt, const char *s, float *out) {
    char *end;
    errno = 0;
    double v = s && *s ? strtod(s, &end) : 0;
    if (!s || !*s || errno || *end || !(v > 0) || v > 1e30) {
        eng_cli_error("%s: '%s' is not a number > 0", opt, s ? s : "");
        return 2;
    }
    *out = (float)v;
    return 0;
}

/* --shape NAME into p: built-in shapes first, then the estimator's database. */
static int resolve_shape(const char *name, mkmodel_params *p) {
    if (mkmodel_builtin_shape(name, p) == MKMODEL_OK) return 0;
    llmcap_db *db = NULL;
    llmcap_error lerr = {0};
    llmcap_status ls = llmcap_db_load_json(llmcap_hardware_json, llmcap_hardware_json_len, "data/hardware.json",
                                           llmcap_models_json, llmcap_models_json_len, "data/models.json", &db, &lerr);
    if (ls != LLMCAP_OK) {
        eng_cli_error("%s", lerr.msg);
        return 1;
    }
    const llmcap_model_spec *spec = llmcap_db_lookup_model(db, name, &lerr);
    if (!spec) {
        eng_cli_error("%s (built-in shapes: small, tiny)", lerr.msg);
        llmcap_db_free(db);
        return 2;
    }
    char err[256];
    mkmodel_status st = mkmodel_params_from_spec(spec, p, err, sizeof err);
    llmcap_db_free(db);
    if (st != MKMODEL_OK) {
        eng_cli_error("%s", err);
        return 2;
    }
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum {
    OPT_SHAPE = 1000, OPT_N_EMBD, OPT_N_LAYER, OPT_N_HEAD, OPT_N_HEAD_KV, OPT_N_FF, OPT_N_VOCAB,
    OPT_HEAD_DIM, OPT_ARCH, OPT_TYPE, OPT_SEED, OPT_VOCAB, OPT_CTX, OPT_ROPE_BASE, OPT_TIED, OPT_NAME
};

int cmd_mkmodel(int argc, char **argv) {
    static const struct option opts[] = {
        {"shape", required_argument, NULL, OPT_SHAPE},
        {"n-embd", required_argument, NULL, OPT_N_EMBD},
        {"n-layer", required_argument, NULL, OPT_N_LAYER},
        {"n-head", required_argument, NULL, OPT_N_HEAD},
        {"n-head-kv", required_argument, NULL, OPT_N_HEAD_KV},
        {"n-ff", required_argument, NULL, OPT_N_FF},
        {"n-vocab", required_argument, NULL, OPT_N_VOCAB},
        {"head-dim", required_argument, NULL, OPT_HEAD_DIM},
        {"arch", required_argument, NULL, OPT_ARCH},
        {"type", required_argument, NULL, OPT_TYPE},
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"vocab", required_argument, NULL, OPT_VOCAB},
        {"ctx", required_argument, NULL, OPT_CTX},
        {"rope-base", required_argument, NULL, OPT_ROPE_BASE},
        {"tied", no_argument, NULL, OPT_TIED},
        {"name", required_argument, NULL, OPT_NAME},
        {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* explicit dims, applied after the shape; 0 = not given */
    uint32_t n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_vocab = 0, head_dim = 0;
    uint32_t n_ctx = 0, n_threads = 0;
    uint64_t seed = 42;
    float rope_base = 0;
    bool tied = false;
    const char *shape = NULL, *arch = NULL, *type = NULL, *out = NULL, *vocab_path = NULL, *name = NULL;
    int rc = 0, c;

    optind = 1;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":o:t:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SHAPE: shape = optarg; break;
        case OPT_N_EMBD: rc = parse_u32("--n-embd", optarg, MKMODEL_MAX_DIM, &n_embd); break;
        case OPT_N_LAYER: rc = parse_u32("--n-layer", optarg, MKMODEL_MAX_LAYERS, &n_layer); break;
        case OPT_N_HEAD: rc = parse_u32("--n-head", optarg, MKMODEL_MAX_HEADS, &n_head); break;
        case OPT_N_HEAD_KV: rc = parse_u32("--n-head-kv", optarg, MKMODEL_MAX_HEADS, &n_head_kv); break;
        case OPT_N_FF: rc = parse_u32("--n-ff", optarg, MKMODEL_MAX_DIM, &n_ff); break;
        case OPT_N_VOCAB: rc = parse_u32("--n-vocab", optarg, MKMODEL_MAX_DIM, &n_vocab); break;
        case OPT_HEAD_DIM: rc = parse_u32("--head-dim", optarg, MKMODEL_MAX_DIM, &head_dim); break;
        case OPT_ARCH:
            if (strcmp(optarg, "llama") != 0 && strcmp(optarg, "qwen2") != 0) {
                eng_cli_error("--arch: '%s' is not llama or qwen2", optarg);
                rc = 2;
            }
            arch = optarg;
            break;
        case OPT_TYPE: type = optarg; break;
        case 'o': out = optarg; break;
        case OPT_SEED: rc = parse_u64("--seed", optarg, &seed); break;
        case OPT_VOCAB: vocab_path = optarg; break;
        case OPT_CTX: rc = parse_u32("--ctx", optarg, MKMODEL_MAX_DIM, &n_ctx); break;
        case OPT_ROPE_BASE: rc = parse_pos_float("--rope-base", optarg, &rope_base); break;
        case OPT_TIED: tied = true; break;
        case OPT_NAME:
            if (strlen(optarg) >= sizeof ((mkmodel_params *)0)->name) {
                eng_cli_error("--name: longer than %zu bytes", sizeof ((mkmodel_params *)0)->name - 1);
                rc = 2;
            }
            name = optarg;
            break;
        case 't': rc = parse_u32("--threads", optarg, 256, &n_threads); break;
        case 'h': usage(stdout); return 0;
        case ':': eng_cli_error("'%s' needs a value", argv[optind - 1]); rc = 2; break;
        default: eng_cli_error("unknown option '%s' (try mkmodel --help)", argv[optind - 1]); rc = 2; break;
        }
    }
    if (rc) return rc;
    if (optind < argc) {
        eng_cli_error("unexpected argument '%s' (try mkmodel --help)", argv[optind]);
        return 2;
    }
    if (!out) { eng_cli_error("no output file: give -o FILE"); return 2; }
    if (!type) { eng_cli_error("no type: give --type (F16, Q8_0, Q4_0, Q4_K_M, ...)"); return 2; }

    mkmodel_params p = mkmodel_default_params();
    char err[512];
    if (mkmodel_parse_type(type, &p.weight_type, &p.ftype, err, sizeof err) != MKMODEL_OK) {
        eng_cli_error("%s", err);
        return 2;
    }
    if (shape) {
        if ((rc = resolve_shape(shape, &p)) != 0) return rc;
    } else {
        char missing[128] = "";
        size_t pos = 0;
        static const char *const names[] = {"--n-embd", "--n-layer", "--n-head", "--n-head-kv", "--n-ff", "--n-vocab"};
        const uint32_t vals[] = {n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab};
        for (size_t i = 0; i < 6; i++)
            if (!vals[i]) pos += (size_t)snprintf(missing + pos, sizeof missing - pos, "%s%s", pos ? " " : "", names[i]);
        if (pos) {
            eng_cli_error("give --shape NAME, or all the dims (missing: %s)", missing);
            return 2;
        }
    }
    if (arch) snprintf(p.arch, sizeof p.arch, "%s", arch);
    if (n_embd) p.n_embd = n_embd;
    if (n_layer) p.n_layer = n_layer;
    if (n_head) p.n_head = n_head;
    if (n_head_kv) p.n_head_kv = n_head_kv;
    if (n_ff) p.n_ff = n_ff;
    if (n_vocab) p.n_vocab = n_vocab;
    /* head_dim follows n_embd/n_head unless given, when those were overridden */
    if (head_dim) p.head_dim = head_dim;
    else if (n_embd || n_head || !shape) p.head_dim = 0;
    if (n_ctx) p.n_ctx = n_ctx;
    if (rope_base > 0) p.rope_base = rope_base;
    if (tied) p.tied = true;
    if (name) snprintf(p.name, sizeof p.name, "%s", name);
    p.seed = seed;
    p.n_threads = n_threads;

    gguf_ctx *vocab = NULL;
    if (vocab_path) {
        gguf_status gs = gguf_open_file(vocab_path, &vocab, err, sizeof err);
        if (gs != GGUF_OK) {
            eng_cli_error("--vocab: %s", err);
            return gs == GGUF_ERR_IO || gs == GGUF_ERR_NOMEM ? 1 : 2;
        }
        p.vocab = vocab;
    }

    double t0 = now_s();
    mkmodel_result res;
    mkmodel_status st = mkmodel_write_file(&p, out, &res, err, sizeof err);
    double secs = now_s() - t0;
    gguf_close(vocab);
    if (st != MKMODEL_OK) {
        eng_cli_error("%s", err);
        return st == MKMODEL_ERR_IO || st == MKMODEL_ERR_NOMEM ? 1 : 2;
    }
    const char *tname = p.weight_type >= 0 ? gguf_type_name(p.weight_type) : gguf_ftype_name(p.ftype);
    printf("%s: %s, %.2f M params, %" PRIu64 " tensors, %" PRIu64 " bytes (%.1f MiB), %s, %.2f s\n", out,
           p.arch[0] ? p.arch : "llama", (double)res.n_params / 1e6, res.n_tensors, res.file_bytes,
           (double)res.file_bytes / (1024.0 * 1024.0), tname, secs);
    if (fflush(stdout) != 0) return 1;
    return 0;
}
