/* curves.c - staging, gnuplot and the embedded templates behind curves.h. */
#include "curves.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* the templates plots/NAME.gp, embedded by plots/plots.mk (build/gen/plots_embed.c) */
struct llmcap_plot_template {
    const char *name;
    const char *text;
};
extern const struct llmcap_plot_template llmcap_plot_templates[];

const char *curves_template(const char *name)
{
    for (const struct llmcap_plot_template *t = llmcap_plot_templates; t->name; t++)
        if (!strcmp(t->name, name)) return t->text;
    return NULL;
}

int curves_parse_formats(const char *s, int *formats)
{
    if (!strcmp(s, "png")) *formats = CURVES_PNG;
    else if (!strcmp(s, "svg")) *formats = CURVES_SVG;
    else if (!strcmp(s, "both")) *formats = CURVES_PNG | CURVES_SVG;
    else {
        cli_error("curves: unknown --format '%s' (png, svg or both)", s);
        return EXIT_BAD_INPUT;
    }
    return 0;
}

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int curves_find_gnuplot(char *out, size_t n)
{
    const char *env = getenv("LLMCAP_GNUPLOT");
    const char *cmd = env && *env ? env : "gnuplot";
    if (strchr(cmd, '/')) {
        if (executable(cmd) && strlen(cmd) < n) { snprintf(out, n, "%s", cmd); return 0; }
    } else {
        const char *path = getenv("PATH");
        if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
        for (const char *p = path; *p;) {
            const char *e = strchr(p, ':');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char cand[1024];
            if (len && (size_t)snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, cmd) < sizeof cand &&
                executable(cand) && strlen(cand) < n) {
                snprintf(out, n, "%s", cand);
                return 0;
            }
            p += len + (e ? 1 : 0);
        }
    }
    cli_error("gnuplot not found%s%s%s: install the Debian package gnuplot-nox (make deps)",
              env && *env ? " (LLMCAP_GNUPLOT='" : "", env && *env ? env : "", env && *env ? "')" : "");
    return 1;
}

void curves_gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("''", f);
        else if (*s == '\n' || *s == '\r') fputc(' ', f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

void curves_gp_set_str(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = ", name);
    curves_gp_str(f, value);
    fputc('\n', f);
}

void curves_gp_set_num(FILE *f, const char *name, double value)
{
    if (isfinite(value)) fprintf(f, "%s = %.10g\n", name, value);
    else fprintf(f, "%s = NaN\n", name);
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) { errno = ENAMETOOLONG; return -1; }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}

int curves_begin(curves_out *o, const char *dir, int formats)
{
    memset(o, 0, sizeof *o);
    o->formats = formats;
    if (!dir || !*dir) { cli_error("curves: no output folder given (--out DIR)"); return EXIT_BAD_INPUT; }
    if (strlen(dir) + 32 >= sizeof o->dir) { cli_error("curves: output folder name too long"); return EXIT_BAD_INPUT; }
    int rc = curves_find_gnuplot(o->gnuplot, sizeof o->gnuplot);
    if (rc) return rc;
    snprintf(o->dir, sizeof o->dir, "%s", dir);
    if (make_dirs(o->dir) != 0) {
        cli_error("cannot create folder '%s': %s", dir, strerror(errno));
        return 1;
    }
    snprintf(o->stage, sizeof o->stage, "%s/.llmcap-curves.XXXXXX", o->dir);
    if (!mkdtemp(o->stage)) {
        cli_error("cannot write in folder '%s': %s", dir, strerror(errno));
        o->stage[0] = 0;
        return 1;
    }
    return 0;
}

static int add_file(curves_out *o, const char *fname)
{
    if (o->n_files == o->cap_files) {
        size_t nc = o->cap_files ? o->cap_files * 2 : 16;
        char(*nf)[128] = realloc(o->files, nc * sizeof *nf);
        if (!nf) { cli_error("out of memory"); return 1; }
        o->files = nf;
        o->cap_files = nc;
    }
    snprintf(o->files[o->n_files++], sizeof o->files[0], "%s", fname);
    return 0;
}

static void stage_path(const curves_out *o, const char *fname, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", o->stage, fname);
}

/* write text[0..len) to stage/fname (recorded for commit) */
static int stage_write(curves_out *o, const char *fname, const char *const *parts, const size_t *lens, int n_parts)
{
    char path[1300];
    stage_path(o, fname, path, sizeof path);
    if (add_file(o, fname)) return 1;
    FILE *f = fopen(path, "w");
    if (!f) { cli_error("cannot write '%s': %s", path, strerror(errno)); return 1; }
    for (int i = 0; i < n_parts; i++) fwrite(parts[i], 1, lens[i], f);
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad) { cli_error("cannot write '%s': %s", path, strerror(errno)); return 1; }
    return 0;
}

/* Run gnuplot in the staging folder on script, making outfile (format fmt).
 * Prints gnuplot's stderr: as the error when it fails, as warnings otherwise. */
static int run_gnuplot(curves_out *o, const char *script, const char *fmt, const char *outfile)
{
    int pfd[2];
    if (pipe(pfd) != 0) { cli_error("cannot run gnuplot: %s", strerror(errno)); return 1; }
    char fmt_arg[32];
    snprintf(fmt_arg, sizeof fmt_arg, "fmt='%s'", fmt);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        cli_error("cannot run gnuplot: %s", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        /* child: stderr into the pipe, stdout and stdin to /dev/null, cwd = stage */
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) { dup2(nul, 0); dup2(nul, 1); }
        dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        if (chdir(o->stage) != 0) {
            fprintf(stderr, "cannot enter '%s': %s\n", o->stage, strerror(errno));
            _exit(126);
        }
        char *argv[] = {o->gnuplot, "-e", fmt_arg, (char *)script, NULL};
        execv(o->gnuplot, argv);
        fprintf(stderr, "cannot run '%s': %s\n", o->gnuplot, strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    char msg[16384];
    size_t n = 0;
    for (;;) {
        char buf[4096];
        ssize_t r = read(pfd[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        size_t k = (size_t)r;
        if (k > sizeof msg - 1 - n) k = sizeof msg - 1 - n; /* keep the first 16 KiB */
        memcpy(msg + n, buf, k);
        n += k;
    }
    close(pfd[0]);
    msg[n] = 0;
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = 0;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    char out[1300];
    stage_path(o, outfile, out, sizeof out);
    struct stat st;
    const bool ran = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ran || stat(out, &st) != 0 || st.st_size == 0) {
        if (WIFEXITED(status))
            cli_error("gnuplot failed on %s (exit status %d)%s%s", script, WEXITSTATUS(status), n ? ":\n" : "", msg);
        else
            cli_error("gnuplot failed on %s (signal %d)%s%s", script, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                      n ? ":\n" : "", msg);
        return 1;
    }
    if (n) fprintf(stderr, "llmcap: gnuplot %s (%s): %s\n", script, fmt, msg);
    return 0;
}

static bool good_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 100) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return false;
    return true;
}

int curves_add(curves_out *o, const char *name, const char *template_name, const char *preamble, const char *data,
               size_t data_len)
{
    if (!good_name(name)) { cli_error("curves: bad plot name '%s'", name); return 1; }
    const char *style = curves_template("style");
    const char *tmpl = curves_template(template_name);
    if (!style || !tmpl) {
        cli_error("curves: no gnuplot template '%s' built in (plots/%s.gp)", style ? template_name : "style",
                  style ? template_name : "style");
        return 1;
    }
    char fdat[128], fgp[128];
    snprintf(fdat, sizeof fdat, "%s.dat", name);
    snprintf(fgp, sizeof fgp, "%s.gp", name);
    {
        const char *parts[] = {data};
        const size_t lens[] = {data_len};
        if (stage_write(o, fdat, parts, lens, 1)) return 1;
    }
    /* the script draws the first format asked for unless told otherwise */
    const char *first = (o->formats & CURVES_PNG) ? "png" : "svg", *other = first[0] == 'p' ? "svg" : "png";
    char cmd1[160], cmd2[160], head[2048];
    snprintf(cmd1, sizeof cmd1, "gnuplot %s", fgp);
    snprintf(cmd2, sizeof cmd2, "gnuplot -e \"fmt='%s'\" %s", other, fgp);
    snprintf(head, sizeof head,
             "# %s - written by llmcap %s; redraw it in this folder with\n"
             "#   %-*s -> %s.%s\n"
             "#   %-*s -> %s.%s\n"
             "# The look comes from plots/style.gp and the plot from plots/%s.gp of the\n"
             "# llmcap sources, copied below after the variables of this plot.\n"
             "if (!exists(\"fmt\")) fmt = '%s'\n"
             "if (!exists(\"datafile\")) datafile = '%s'\n"
             "if (!exists(\"outfile\")) outfile = '%s.' . fmt\n",
             fgp, llmcap_version(), (int)strlen(cmd2), cmd1, name, first, (int)strlen(cmd2), cmd2, name, other,
             template_name, first, fdat, name);
    char sep1[160], sep2[160];
    snprintf(sep1, sizeof sep1, "\n# ---- plots/style.gp ----\n");
    snprintf(sep2, sizeof sep2, "\n# ---- plots/%s.gp ----\n", template_name);
    {
        const char *parts[] = {head, preamble ? preamble : "", sep1, style, sep2, tmpl};
        const size_t lens[] = {strlen(head), preamble ? strlen(preamble) : 0, strlen(sep1), strlen(style),
                               strlen(sep2), strlen(tmpl)};
        if (stage_write(o, fgp, parts, lens, 6)) return 1;
    }
    static const char *const fmts[] = {"png", "svg"};
    for (int i = 0; i < 2; i++) {
        if (!(o->formats & (1 << i))) continue;
        char fimg[128];
        snprintf(fimg, sizeof fimg, "%s.%s", name, fmts[i]);
        if (add_file(o, fimg)) return 1;
        int rc = run_gnuplot(o, fgp, fmts[i], fimg);
        if (rc) return rc;
    }
    return 0;
}

void curves_abort(curves_out *o)
{
    if (o->stage[0]) {
        for (size_t i = 0; i < o->n_files; i++) {
            char p[1300];
            stage_path(o, o->files[i], p, sizeof p);
            remove(p);
        }
        rmdir(o->stage);
        o->stage[0] = 0;
    }
    free(o->files);
    o->files = NULL;
    o->n_files = o->cap_files = 0;
}

int curves_commit(curves_out *o, FILE *report)
{
    int rc = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        char from[1300], to[1300];
        stage_path(o, o->files[i], from, sizeof from);
        snprintf(to, sizeof to, "%s/%s", o->dir, o->files[i]);
        if (rename(from, to) != 0) {
            cli_error("cannot write '%s': %s", to, strerror(errno));
            rc = 1;
            break;
        }
        if (report) {
            /* one line per plot: "wrote DIR/NAME.dat, DIR/NAME.gp, DIR/NAME.png" */
            const char *dot = strrchr(o->files[i], '.');
            size_t stem = dot ? (size_t)(dot - o->files[i]) : strlen(o->files[i]);
            bool same_prev = i > 0 && !strncmp(o->files[i - 1], o->files[i], stem) && o->files[i - 1][stem] == '.';
            bool same_next = i + 1 < o->n_files && !strncmp(o->files[i + 1], o->files[i], stem) &&
                             o->files[i + 1][stem] == '.';
            fprintf(report, "%s%s%s", same_prev ? ", " : "wrote ", to, same_next ? "" : "\n");
        }
    }
    if (rc) {
        curves_abort(o);
        return rc;
    }
    rmdir(o->stage);
    o->stage[0] = 0;
    free(o->files);
    o->files = NULL;
    o->n_files = o->cap_files = 0;
    return 0;
}

int curves_render(const char *dir, const char *name, const char *template_name, const char *preamble,
                  const char *data, size_t data_len, int formats, FILE *report)
{
    curves_out o;
    int rc = curves_begin(&o, dir, formats);
    if (rc) { curves_abort(&o); return rc; }
    rc = curves_add(&o, name, template_name, preamble, data, data_len);
    if (rc) { curves_abort(&o); return rc; }
    return curves_commit(&o, report);
}
