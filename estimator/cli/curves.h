/* curves.h - render plots with gnuplot for `llmcap curves` and other commands.
 *
 * A plot is three things written side by side in an output folder:
 *   NAME.dat   the data, text columns with a header comment naming columns and units
 *   NAME.gp    the gnuplot script: a generated preamble (variables: fmt, datafile,
 *              outfile, plot_title, ...) followed by plots/style.gp and the plot's
 *              template plots/TEMPLATE.gp (both embedded in the binary), so that
 *              `cd DIR && gnuplot NAME.gp` redraws NAME.png and
 *              `gnuplot -e "fmt='svg'" NAME.gp` redraws NAME.svg
 *   NAME.png / NAME.svg   the images (gnuplot's pngcairo and svg terminals)
 *
 * Files are first written into a private staging folder inside the output
 * folder (DIR/.llmcap-curves.XXXXXX, mkdtemp) and gnuplot runs there; only when every
 * image of every plot added to one curves_out rendered are they renamed into
 * DIR. A failed gnuplot (its stderr is shown) or a missing gnuplot leaves DIR
 * as it was: no half-written image, data or script.
 *
 * gnuplot is found at run time: $LLMCAP_GNUPLOT (a path or a command name)
 * or `gnuplot` on PATH. When it is missing the message names the Debian
 * package: "gnuplot not found: install the Debian package gnuplot-nox (make deps)".
 *
 * Functions returning int return 0 or an exit code (1 = I/O or gnuplot
 * failure, EXIT_BAD_INPUT = bad input) after printing "llmcap: ..." to stderr.
 *
 * One plot from another command (plots/history.gp reading plot_title and
 * datafile):
 *   char *pre; size_t n; FILE *f = open_memstream(&pre, &n);
 *   curves_gp_set_str(f, "plot_title", "decode tokens/s by commit");
 *   fclose(f);
 *   rc = curves_render(dir, "history", "history", pre, data, data_len, CURVES_PNG, stdout);
 *   free(pre);
 */
#ifndef LLMCAP_CLI_CURVES_H
#define LLMCAP_CLI_CURVES_H

#include "cli.h"

#include <stddef.h>
#include <stdio.h>

/* image formats, a bit mask */
enum { CURVES_PNG = 1, CURVES_SVG = 2 };

/* "png", "svg" or "both" -> *formats. Returns 0, or EXIT_BAD_INPUT with a message. */
int curves_parse_formats(const char *s, int *formats);

/* The embedded template plots/NAME.gp ("style", "bits", "offload", ...): its
 * NUL-terminated text, or NULL when there is none. */
const char *curves_template(const char *name);

/* The gnuplot command: $LLMCAP_GNUPLOT or "gnuplot", resolved against PATH
 * when it has no '/'. Writes the path to out and returns 0, or prints the
 * "gnuplot not found: install ... gnuplot-nox" message and returns 1. */
int curves_find_gnuplot(char *out, size_t n);

/* gnuplot string literal of s: single-quoted, a quote doubled, newlines as spaces. */
void curves_gp_str(FILE *f, const char *s);
/* "name = 'value'\n" and "name = number\n" (%.10g; NaN as NaN) */
void curves_gp_set_str(FILE *f, const char *name, const char *value);
void curves_gp_set_num(FILE *f, const char *name, double value);

/* A set of plots written together into one folder. */
typedef struct curves_out {
    char dir[1024];         /* the output folder */
    char stage[1100];       /* DIR/.llmcap-curves.XXXXXX: files are written here first */
    char gnuplot[1024];     /* the gnuplot binary */
    int formats;            /* CURVES_PNG | CURVES_SVG */
    char (*files)[128];     /* names written into stage, moved to dir by commit */
    size_t n_files, cap_files;
} curves_out;

/* Check gnuplot, create dir (and its parents) and the staging folder. */
int curves_begin(curves_out *o, const char *dir, int formats);

/* Add one plot: write NAME.dat (data[0..data_len)), NAME.gp (the default
 * fmt/datafile/outfile, then preamble: the plot's variables as gnuplot text,
 * e.g. from curves_gp_set_str; then
 * the templates "style" and template_name) and render it in each format.
 * name: letters, digits, '-', '_' and '.' only (it names files). Templates
 * come from curves_template(); an unknown name is an error (exit 1). */
int curves_add(curves_out *o, const char *name, const char *template_name, const char *preamble,
               const char *data, size_t data_len);

/* Move every staged file into dir and remove the staging folder; with
 * report != NULL print "wrote DIR/NAME.dat, ..." lines, one per plot. */
int curves_commit(curves_out *o, FILE *report);

/* Remove the staged files and the staging folder (dir keeps what it had). */
void curves_abort(curves_out *o);

/* One plot in one call: curves_begin, curves_add, curves_commit (or abort). */
int curves_render(const char *dir, const char *name, const char *template_name, const char *preamble,
                  const char *data, size_t data_len, int formats, FILE *report);

#endif
