/* calibrate.c - fit the performance model's free parameters to measured runs
 * (llmcap_calibrate.h has the method; `llmcap calibrate` is the CLI).
 *
 * Decisions, with their reasons:
 *   - Residuals are log(predicted / measured) tokens/s: a 10% miss weighs the
 *     same on a phone and on an H100.
 *   - One least-squares problem per section and device class (llama.cpp's
 *     gpu/apple/igpu/cpu classes, and each other engine's section): classes
 *     share no parameters except the profile's global ones (multi-GPU
 *     hand-off, PCIe and host RAM fractions), which only multi-GPU and offload
 *     runs inform, i.e. discrete GPUs; they are fitted in the llama.cpp gpu
 *     problem. Separate problems give each class its own residual variance
 *     (for its standard errors and interval) and its own "too few points".
 *   - Bounds through a logistic transform (value = lo + (hi - lo) / (1 + e^-u),
 *     in log(value) for parameters that span decades): GSL's trust-region
 *     solver is unconstrained, and a logistic keeps every trial step valid.
 *   - The Jacobian comes from GSL's forward differences: the model has kinks
 *     (max of bandwidth and compute time, the bandwidth cap) that an analytic
 *     derivative would not make smoother.
 *   - GSL_ENOPROG (no step lowers the cost any more) is accepted as converged:
 *     at a kink of the model the gradient need not vanish; GSL_EMAXITER and
 *     other failures are errors.
 *   - Prediction intervals: t(0.95, n - p) * sd * sqrt(1 + p / n) per class and
 *     role (a new run's spread plus the fitted curve's), widened to
 *     1.645 * the leave-one-hardware-out RMS of log error when that is larger,
 *     since most hardware people ask about is not in the measured set (folds
 *     that had no other hardware, so only the start values, do not count).
 *   - Weights: a run that states its repetition spread (our engine's stddev_ts)
 *     weighs 1 / (0.05^2 + (stddev / mean)^2); published rows without one all
 *     weigh the same. The MAPE reported is unweighted.
 *   - Staged starts: the prefill parameters are fitted alone, then the decode
 *     ones, then all together; a parameter that runs into a bound in a stage
 *     goes back to its start for the next (a saturated logistic has no
 *     gradient to return with). After the joint fit, one that ends at a bound
 *     stays there, fixed, and the rest are fitted again.
 */
#include "internal.h"
#include "llmcap_calibrate.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_DOF 2            /* points of a role beyond its parameters */
#define SENS_MIN 1e-3        /* RMS of d r / d u below which a parameter is not identified */
#define ORTHO_MIN 0.05       /* share of a column left after projecting out the kept ones */
#define SCAN_POINTS 25       /* 1-D scan of a parameter inactive at its start */
#define SCAN_GAIN 0.995      /* a scan moves the start when it lowers the SSE by more than 0.5% */
#define FAIL_RESID 10.0      /* residual of a point the estimator rejects during a trial step */
#define Z90 1.6448536269514722 /* standard normal 0.95 quantile */
#define SIGMA_FLOOR 0.05     /* model error assumed for every run (log scale) when weighting by a run's own spread */

/* ------------------------------------------------------------ candidates */

typedef enum { SC_LIN, SC_LOG } scale_kind;

typedef struct cand {
    const char *field;
    bool global;       /* a global field of the profile (fitted in the llama.cpp gpu problem only) */
    bool decode;       /* role */
    double lo, hi;     /* bounds of the fit */
    scale_kind sc;
    bool need_start;   /* only when the start value is > 0 (0 means "none" for ceilings) */
    bool scan;         /* may be inactive at its start (a ceiling / alternative bound): scan first */
} cand;

/* priority order: when two columns are (nearly) collinear the earlier one is kept */
static const cand CANDIDATES[] = {
    {"bw_eff", false, true, 0.05, 1.0, SC_LIN, false, false},
    {"compute_eff", false, false, 0.005, 1.0, SC_LOG, false, false},
    {"tok_overhead_ms", false, true, 0.005, 20.0, SC_LOG, false, false},
    {"prefill_cap_tflops", false, false, 1.0, 1e4, SC_LOG, true, false},
    {"attn_eff", false, true, 1e-4, 1.0, SC_LOG, false, false},
    {"prefill_attn_eff", false, false, 0.01, 1.0, SC_LOG, false, false},
    {"bw_cap_gbps", false, true, 50.0, 2e4, SC_LOG, true, true},
    {"multi_gpu_overhead_ms", true, true, 0.001, 20.0, SC_LOG, false, false},
    {"decode_compute_eff", false, true, 1e-4, 1.0, SC_LOG, false, true},
    {"layer_overhead_us", false, true, 0.1, 2000.0, SC_LOG, false, false},
    {"host_bw_eff", true, true, 0.05, 1.0, SC_LIN, false, false},
    {"pcie_eff", true, false, 0.05, 1.0, SC_LIN, false, false},
};
#define N_CAND (sizeof CANDIDATES / sizeof CANDIDATES[0])

const char *llmcap_param_state_name(llmcap_param_state s)
{
    static const char *const names[LLMCAP_PARAM_STATE_COUNT] = {"fitted", "at-bound", "not-identified",
                                                                "too-few-points"};
    return (unsigned)s < LLMCAP_PARAM_STATE_COUNT ? names[s] : "unknown";
}

static double logistic(double u) { return 1.0 / (1.0 + exp(-u)); }

static double to_value(const cand *c, double u)
{
    const double s = logistic(u);
    if (c->sc == SC_LIN) return c->lo + (c->hi - c->lo) * s;
    return exp(log(c->lo) + (log(c->hi) - log(c->lo)) * s);
}

/* d value / d u */
static double dvalue_du(const cand *c, double u)
{
    const double s = logistic(u), ds = s * (1.0 - s);
    if (c->sc == SC_LIN) return (c->hi - c->lo) * ds;
    return to_value(c, u) * (log(c->hi) - log(c->lo)) * ds;
}

static double to_u(const cand *c, double v)
{
    double s = c->sc == SC_LIN ? (v - c->lo) / (c->hi - c->lo) : (log(v) - log(c->lo)) / (log(c->hi) - log(c->lo));
    if (!(s > 1e-6)) s = 1e-6; /* a start on or outside a bound: just inside */
    if (s > 1 - 1e-6) s = 1 - 1e-6;
    return log(s / (1.0 - s));
}

/* ---------------------------------------------------------------- points */

void llmcap_calib_set_free(llmcap_calib_set *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->n; i++) llmcap_model_free(set->points[i].model);
    free(set->points);
    free(set->skipped);
    memset(set, 0, sizeof *set);
}

static llmcap_status skip_run(llmcap_calib_set *set, const llmcap_run *run, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static llmcap_status skip_run(llmcap_calib_set *set, const llmcap_run *run, const char *fmt, ...)
{
    if (set->n_skipped == set->cap_skipped) {
        size_t cap = set->cap_skipped ? 2 * set->cap_skipped : 64;
        llmcap_run_issue *p = realloc(set->skipped, cap * sizeof *p);
        if (!p) return LLMCAP_ERR_NOMEM;
        set->skipped = p;
        set->cap_skipped = cap;
    }
    llmcap_run_issue *is = &set->skipped[set->n_skipped++];
    memset(is, 0, sizeof *is);
    snprintf(is->file, sizeof is->file, "%s", run->file);
    is->line = run->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(is->reason, sizeof is->reason, fmt, ap);
    va_end(ap);
    return LLMCAP_OK;
}

static bool contains_ci(const char *hay, const char *needle)
{
    const size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (!strncasecmp(p, needle, n)) return true;
    return false;
}

/* the section, or NULL with the reason in why */
static const char *section_of(const llmcap_run *run, char *buf, size_t n, char *why, size_t nwhy)
{
    if (contains_ci(run->engine, "llmcap-engine")) {
        char be[24] = "";
        size_t k = 0;
        for (const char *p = run->backend; *p && k + 1 < sizeof be; p++) {
            if (!isalnum((unsigned char)*p)) { if (k) break; continue; }
            be[k++] = (char)tolower((unsigned char)*p);
        }
        be[k] = 0;
        if (!be[0]) { snprintf(why, nwhy, "backend unknown: an llmcap-engine run without a backend"); return NULL; }
        snprintf(buf, n, "llmcap-engine/%s", be);
        return buf;
    }
    if (contains_ci(run->engine, "wasm") || contains_ci(run->backend, "wasm")) {
        snprintf(why, nwhy, "browser run: llama.cpp in WASM ('%.60s') is not modelled", run->backend);
        return NULL;
    }
    if (!strncasecmp(run->engine, "llama.cpp", 9) || !run->engine[0]) {
        if (n) buf[0] = 0;
        return buf;
    }
    snprintf(why, nwhy, "engine not modelled: '%.60s'", run->engine);
    return NULL;
}

const char *llmcap_calib_section(const llmcap_run *run, char *buf, size_t n)
{
    char why[200];
    return section_of(run, buf, n, why, sizeof why);
}

llmcap_status llmcap_calib_set_add_runs(llmcap_calib_set *set, const llmcap_db *db, const llmcap_runs *runs,
                                        const llmcap_run_hints *hints, const llmcap_calib_select *sel,
                                        llmcap_error *err)
{
    static const llmcap_calib_select none;
    if (!sel) sel = &none;
    for (size_t i = 0; i < runs->n; i++) {
        const llmcap_run *run = &runs->runs[i];
        char secbuf[48], why[200];
        llmcap_status st = LLMCAP_OK;
        const char *sec = section_of(run, secbuf, sizeof secbuf, why, sizeof why);
        if (!sec) {
            st = skip_run(set, run, "%s", why);
        } else if (!sec[0] && contains_ci(run->engine, "batched") && !sel->with_batched) {
            st = skip_run(set, run, "batched: llama-batched-bench aggregates are not fitted (--with-batched)");
        } else if (!(isfinite(run->tok_s) && run->tok_s > 0)) {
            st = skip_run(set, run, "no tokens/s: %g", run->tok_s);
        } else if (run->test == LLMCAP_TEST_PG && !sel->with_mixed) {
            st = skip_run(set, run, "mixed test: ppN+tgM is one rate over prefill and decode (--with-mixed)");
        } else {
            llmcap_run_match m;
            llmcap_error e = {0};
            if (llmcap_run_match_db(db, run, hints, &m, &e)) {
                st = skip_run(set, run, "%s", e.msg);
            } else {
                llmcap_model *model = NULL;
                if (!m.model || llmcap_model_from_spec(m.model, &model, &e)) {
                    st = skip_run(set, run, "model rejected: %s", m.model ? e.msg : "no model");
                } else {
                    snprintf(m.params.engine, sizeof m.params.engine, "%s", sec);
                    llmcap_calib_point pt;
                    memset(&pt, 0, sizeof pt);
                    pt.run = *run;
                    pt.match = m;
                    pt.model = model;
                    snprintf(pt.hardware, sizeof pt.hardware, "%s", m.hw ? m.hw->id : m.params.gpu.id);
                    snprintf(pt.section, sizeof pt.section, "%s", sec);
                    pt.kind = m.params.gpu.kind;
                    pt.decode = run->test != LLMCAP_TEST_PP;
                    /* the hand-set constants must predict it (an engine section starts from them too) */
                    double pred = 0;
                    llmcap_profile hs = *llmcap_profile_handset();
                    if (sec[0]) {
                        hs.n_engines = 1;
                        memset(&hs.engines[0], 0, sizeof hs.engines[0]);
                        snprintf(hs.engines[0].engine, sizeof hs.engines[0].engine, "%s", sec);
                        memcpy(hs.engines[0].kind, hs.kind, sizeof hs.kind);
                    }
                    if (llmcap_calib_predict(&pt, &hs, &pred, &e) || !(isfinite(pred) && pred > 0)) {
                        st = skip_run(set, run, "estimate rejected the run: %s", e.msg[0] ? e.msg : "no finite prediction");
                        llmcap_model_free(model);
                    } else {
                        if (set->n == set->cap) {
                            size_t cap = set->cap ? 2 * set->cap : 64;
                            llmcap_calib_point *p = realloc(set->points, cap * sizeof *p);
                            if (!p) { llmcap_model_free(model); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory"); }
                            set->points = p;
                            set->cap = cap;
                        }
                        set->points[set->n++] = pt;
                    }
                }
            }
        }
        if (st) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory");
    }
    return LLMCAP_OK;
}

llmcap_status llmcap_calib_predict(const llmcap_calib_point *pt, const llmcap_profile *profile, double *pred_tok_s,
                                   llmcap_error *err)
{
    return llmcap_run_predict_model(pt->model, &pt->match, &pt->run, profile, pred_tok_s, err);
}

/* ------------------------------------------------------------ one problem */

/* a candidate in a problem */
typedef struct pslot {
    const cand *c;
    int kind;            /* class, or -1 for a global field */
    double *slot;        /* its value in the working profile */
    double *se_slot;     /* its stderr in the working profile */
    double start;
    llmcap_param_state state;
    double stderr_value;
    bool kept;           /* in the fit */
    bool excluded;       /* off (0) or dropped after a fit: not fitted (again) */
    bool fixed;          /* dropped after a fit: keeps that fit's value and state */
} pslot;

typedef struct problem {
    const llmcap_calib_set *set;
    const size_t *idx;   /* points */
    size_t n;
    llmcap_profile *work;
    pslot *ps;           /* candidates */
    size_t nps;
    size_t *fit;         /* indices into ps of the kept ones */
    size_t np;
    double *log_meas;
    double *wts;         /* weight of each point: 1 / (SIGMA_FLOOR^2 + its relative repetition SD^2) */
    double *scratch;     /* n residuals */
    size_t n_fail;       /* points the estimator rejected in the last evaluation */
} problem;

static void set_u(problem *pb, const double *u)
{
    for (size_t j = 0; j < pb->np; j++) {
        pslot *s = &pb->ps[pb->fit[j]];
        *s->slot = to_value(s->c, u[j]);
    }
}

/* residuals at the working profile's current values */
static void residuals(problem *pb, double *r)
{
    pb->n_fail = 0;
    for (size_t i = 0; i < pb->n; i++) {
        const llmcap_calib_point *pt = &pb->set->points[pb->idx[i]];
        double pred = 0;
        if (llmcap_calib_predict(pt, pb->work, &pred, NULL) || !(isfinite(pred) && pred > 0)) {
            r[i] = FAIL_RESID;
            pb->n_fail++;
        } else {
            r[i] = log(pred) - pb->log_meas[i];
        }
    }
}

/* the weighted sum of squares the fit minimises */
static double sse_of(const problem *pb, const double *r)
{
    double s = 0;
    for (size_t i = 0; i < pb->n; i++) s += pb->wts[i] * r[i] * r[i];
    return s;
}

/* GSL's residual function. x and f may be strided views (the finite-difference
 * Jacobian evaluates into a column of J), hence the copies. */
static int gsl_f(const gsl_vector *x, void *params, gsl_vector *f)
{
    problem *pb = params;
    double u[N_CAND];
    for (size_t j = 0; j < pb->np; j++) u[j] = gsl_vector_get(x, j);
    set_u(pb, u);
    residuals(pb, pb->scratch);
    for (size_t i = 0; i < pb->n; i++) gsl_vector_set(f, i, pb->scratch[i]);
    return GSL_SUCCESS;
}

/* the result of one problem's fit */
typedef struct fit_out {
    int gsl_status;
    size_t n_iter;
    size_t n_tg, n_pp, n_fit_tg, n_fit_pp;
    double sd_tg, sd_pp, pi_tg, pi_pp;
    char note[192];
} fit_out;

static size_t count_role(const problem *pb, bool decode)
{
    size_t n = 0;
    for (size_t i = 0; i < pb->n; i++) n += pb->set->points[pb->idx[i]].decode == decode;
    return n;
}

/* choose the parameters the points identify (at the working values) */
static llmcap_status identify(problem *pb, double *r0, llmcap_error *err)
{
    const size_t n = pb->n;
    const size_t n_tg = count_role(pb, true), n_pp = count_role(pb, false);
    double *cols = malloc(sizeof(double) * n * (pb->nps + 1));
    double *r1 = malloc(sizeof(double) * n);
    if (!cols || !r1) { free(cols); free(r1); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory"); }
    residuals(pb, r0);
    size_t kept_tg = 0, kept_pp = 0;
    double *basis = cols + n * pb->nps; /* scratch for one orthogonalized column */
    size_t nb = 0;                      /* orthonormal columns stored in cols[0..nb) */
    for (size_t k = 0; k < pb->nps; k++) {
        pslot *s = &pb->ps[k];
        s->kept = false;
        if (s->excluded) { if (!s->fixed) s->state = LLMCAP_PARAM_NOT_IDENTIFIED; continue; }
        const size_t n_role = s->c->decode ? n_tg : n_pp;
        size_t *kept_role = s->c->decode ? &kept_tg : &kept_pp;
        if (n_role < (size_t)MIN_DOF + 1 + *kept_role) { s->state = LLMCAP_PARAM_TOO_FEW_POINTS; continue; }
        /* d r / d u by a forward difference of 1e-4 in u */
        const double u0 = to_u(s->c, *s->slot), h = 1e-4;
        const double v0 = *s->slot;
        *s->slot = to_value(s->c, u0 + h);
        residuals(pb, r1);
        *s->slot = v0;
        double norm = 0;
        for (size_t i = 0; i < n; i++) {
            basis[i] = (r1[i] - r0[i]) / h;
            norm += basis[i] * basis[i];
        }
        norm = sqrt(norm);
        if (!(norm / sqrt((double)n_role) >= SENS_MIN)) { s->state = LLMCAP_PARAM_NOT_IDENTIFIED; continue; }
        for (size_t b = 0; b < nb; b++) { /* Gram-Schmidt against the kept columns */
            double dot = 0;
            for (size_t i = 0; i < n; i++) dot += basis[i] * cols[b * n + i];
            for (size_t i = 0; i < n; i++) basis[i] -= dot * cols[b * n + i];
        }
        double left = 0;
        for (size_t i = 0; i < n; i++) left += basis[i] * basis[i];
        left = sqrt(left);
        if (!(left >= ORTHO_MIN * norm)) { s->state = LLMCAP_PARAM_NOT_IDENTIFIED; continue; }
        for (size_t i = 0; i < n; i++) cols[nb * n + i] = basis[i] / left;
        nb++;
        s->kept = true;
        s->state = LLMCAP_PARAM_FITTED;
        (*kept_role)++;
    }
    free(cols);
    free(r1);
    pb->np = 0;
    for (size_t k = 0; k < pb->nps; k++)
        if (pb->ps[k].kept) pb->fit[pb->np++] = k;
    return LLMCAP_OK;
}

/* a parameter that may be inactive at its start: try its range, keep the best start */
static void scan_start(problem *pb, pslot *s, double *r)
{
    residuals(pb, r);
    double best = sse_of(pb, r);
    const double v0 = *s->slot;
    double best_v = v0;
    for (int g = 0; g < SCAN_POINTS; g++) {
        const double f = (g + 0.5) / SCAN_POINTS;
        const double v = s->c->sc == SC_LIN ? s->c->lo + (s->c->hi - s->c->lo) * f
                                            : exp(log(s->c->lo) + (log(s->c->hi) - log(s->c->lo)) * f);
        *s->slot = v;
        residuals(pb, r);
        const double e = pb->n_fail ? INFINITY : sse_of(pb, r);
        if (e < best * SCAN_GAIN) { best = e; best_v = v; }
    }
    *s->slot = best_v;
}

/* Fit the kept parameters; fills states, stderrs, fo. */
static llmcap_status run_fit(problem *pb, int max_iter, fit_out *fo, const char *what, llmcap_error *err)
{
    const size_t n = pb->n, p = pb->np;
    double *u = malloc(sizeof(double) * (p ? p : 1));
    if (!u) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory");
    for (size_t j = 0; j < p; j++) {
        pslot *s = &pb->ps[pb->fit[j]];
        u[j] = to_u(s->c, *s->slot);
    }
    gsl_multifit_nlinear_fdf fdf;
    memset(&fdf, 0, sizeof fdf);
    fdf.f = gsl_f;
    fdf.n = n;
    fdf.p = p;
    fdf.params = pb;
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters(); /* trust region, LM steps */
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, p);
    gsl_matrix *covar = gsl_matrix_alloc(p, p);
    if (!w || !covar) {
        if (w) gsl_multifit_nlinear_free(w);
        if (covar) gsl_matrix_free(covar);
        free(u);
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory");
    }
    gsl_vector_view x0 = gsl_vector_view_array(u, p);
    int info = 0;
    gsl_vector_view wv = gsl_vector_view_array(pb->wts, n);
    int status = gsl_multifit_nlinear_winit(&x0.vector, &wv.vector, &fdf, w);
    if (status == GSL_SUCCESS) status = gsl_multifit_nlinear_driver((size_t)max_iter, 1e-8, 1e-8, 1e-10, NULL, NULL, &info, w);
    const size_t iters = gsl_multifit_nlinear_niter(w);
    fo->n_iter += iters;
    /* the driver says GSL_EMAXITER with info GSL_ENOPROG when no step lowers the cost from the start:
     * the start is already a (local) minimum (e.g. a second round after fixing a parameter) */
    if (status == GSL_EMAXITER && info == GSL_ENOPROG && iters < (size_t)max_iter) status = GSL_ENOPROG;
    fo->gsl_status = status;
    llmcap_status st = LLMCAP_OK;
    if (status != GSL_SUCCESS && status != GSL_ENOPROG) {
        st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "the fit of %s did not converge (GSL: %s) after %zu iterations",
                              what, gsl_strerror(status), iters);
        goto out;
    }
    {
        const gsl_vector *x = gsl_multifit_nlinear_position(w);
        const gsl_vector *f = gsl_multifit_nlinear_residual(w);
        const gsl_matrix *J = gsl_multifit_nlinear_jac(w);
        for (size_t j = 0; j < p; j++) u[j] = gsl_vector_get(x, j);
        set_u(pb, u);
        double chisq = 0;
        gsl_blas_ddot(f, f, &chisq);
        for (size_t i = 0; i < n; i++)
            if (!isfinite(gsl_vector_get(f, i))) {
                st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "the fit of %s ended with a prediction that is not finite", what);
                goto out;
            }
        /* a point the estimator rejects at the solution: the fit is not usable */
        double *tmp = malloc(sizeof(double) * n);
        if (!tmp) { st = llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory"); goto out; }
        residuals(pb, tmp);
        free(tmp);
        if (pb->n_fail) {
            st = llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "the fit of %s ended where the estimator rejects %zu runs",
                                  what, pb->n_fail);
            goto out;
        }
        gsl_multifit_nlinear_covar(J, 1e-12, covar);
        const double dof = (double)n - (double)p;
        const double s2 = dof > 0 ? chisq / dof : chisq;
        for (size_t j = 0; j < p; j++) {
            pslot *s = &pb->ps[pb->fit[j]];
            const double uj = gsl_vector_get(x, j);
            const double cjj = gsl_matrix_get(covar, j, j);
            const double se_u = cjj > 0 && isfinite(cjj) ? sqrt(cjj * s2) : 0;
            s->stderr_value = fabs(dvalue_du(s->c, uj)) * se_u;
            const double sg = logistic(uj);
            s->state = LLMCAP_PARAM_FITTED;
            if (sg < 1e-3 || sg > 1 - 1e-3) {
                s->state = LLMCAP_PARAM_AT_BOUND; /* the data push it to its bound: it stays there, fixed */
                s->stderr_value = 0;
            } else {
                /* a column that vanished at the solution (an inactive ceiling) is not identified */
                double cn = 0;
                for (size_t i = 0; i < n; i++) cn += gsl_matrix_get(J, i, j) * gsl_matrix_get(J, i, j);
                if (!(sqrt(cn) / sqrt((double)n) >= SENS_MIN * 1e-3)) s->state = LLMCAP_PARAM_NOT_IDENTIFIED;
            }
        }
    }
out:
    gsl_multifit_nlinear_free(w);
    gsl_matrix_free(covar);
    free(u);
    return st;
}

/* residual spreads per role */
static void spreads(problem *pb, fit_out *fo)
{
    double *r = malloc(sizeof(double) * (pb->n ? pb->n : 1));
    if (!r) return;
    residuals(pb, r);
    double ss[2] = {0, 0};
    size_t nn[2] = {0, 0}, pp[2] = {0, 0};
    for (size_t i = 0; i < pb->n; i++) {
        const int d = pb->set->points[pb->idx[i]].decode;
        ss[d] += r[i] * r[i];
        nn[d]++;
    }
    for (size_t k = 0; k < pb->nps; k++) /* fitted ones, including those fixed at a bound */
        if (pb->ps[k].kept || pb->ps[k].state == LLMCAP_PARAM_AT_BOUND) pp[pb->ps[k].c->decode]++;
    free(r);
    fo->n_tg = nn[1]; fo->n_pp = nn[0];
    fo->n_fit_tg = pp[1]; fo->n_fit_pp = pp[0];
    for (int d = 0; d < 2; d++) {
        double sd = 0, pi = 0;
        if (nn[d] > 0) {
            const double dof = nn[d] > pp[d] ? (double)(nn[d] - pp[d]) : (double)nn[d];
            sd = sqrt(ss[d] / dof);
            pi = gsl_cdf_tdist_Pinv(0.95, dof) * sd * sqrt(1.0 + (double)pp[d] / (double)nn[d]);
        }
        if (d) { fo->sd_tg = sd; fo->pi_tg = pi; } else { fo->sd_pp = sd; fo->pi_pp = pi; }
    }
}

/* make sure prof has the engine section (copied from the start's classes) */
static llmcap_status ensure_section(llmcap_profile *prof, const llmcap_profile *start, const char *section,
                                    llmcap_error *err)
{
    if (!section[0] || llmcap_profile_class(prof, section, LLMCAP_HW_GPU)) return LLMCAP_OK;
    if (prof->n_engines == LLMCAP_PROFILE_MAX_ENGINES)
        return llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "calibrate: more than %d engine sections (%s)",
                                LLMCAP_PROFILE_MAX_ENGINES, section);
    llmcap_engine_profile *e = &prof->engines[prof->n_engines++];
    memset(e, 0, sizeof *e);
    snprintf(e->engine, sizeof e->engine, "%s", section);
    memcpy(e->kind, start->kind, sizeof e->kind);
    return LLMCAP_OK;
}

/* Fit one problem (section, kind) on points idx[0..n) of set, starting from
 * the values in *prof (which gets the fitted ones). ps_out (N_CAND slots) gets
 * the candidates' states. Errors: non-convergence, no memory. */
static llmcap_status fit_problem(const llmcap_calib_set *set, const size_t *idx, size_t n, llmcap_profile *prof,
                                 const char *section, llmcap_hw_kind kind, int max_iter, pslot *ps_out, size_t *nps_out,
                                 fit_out *fo, llmcap_error *err)
{
    memset(fo, 0, sizeof *fo);
    problem pb = {.set = set, .idx = idx, .n = n, .work = prof, .ps = ps_out};
    size_t nps = 0;
    for (size_t k = 0; k < N_CAND; k++) {
        const cand *c = &CANDIDATES[k];
        if (c->global && (section[0] || kind != LLMCAP_HW_GPU)) continue;
        double *se = NULL;
        double *slot = llmcap_profile_field(prof, section, c->global ? -1 : (int)kind, c->field, &se);
        if (!slot) continue;
        if (c->need_start && !(*slot > 0)) continue;
        pslot *s = &ps_out[nps++];
        memset(s, 0, sizeof *s);
        s->c = c;
        s->kind = c->global ? -1 : (int)kind;
        s->slot = slot;
        s->se_slot = se;
        s->start = *slot;
        s->state = LLMCAP_PARAM_NOT_IDENTIFIED;
    }
    *nps_out = nps;
    pb.nps = nps;
    size_t fit_idx[N_CAND];
    pb.fit = fit_idx;
    pb.log_meas = malloc(sizeof(double) * (n ? n : 1));
    pb.wts = malloc(sizeof(double) * (n ? n : 1));
    pb.scratch = malloc(sizeof(double) * (n ? n : 1));
    double *r = malloc(sizeof(double) * (n ? n : 1));
    if (!pb.log_meas || !pb.wts || !pb.scratch || !r) {
        free(pb.log_meas);
        free(pb.wts);
        free(pb.scratch);
        free(r);
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const llmcap_run *run = &set->points[idx[i]].run;
        pb.log_meas[i] = log(run->tok_s);
        /* a run's own repetition spread (stddev / mean ~ SD of its log) weighs it down; published
         * rows without one get the floor only (equal weights) */
        const double rel = run->stddev_tok_s > 0 && isfinite(run->stddev_tok_s) ? run->stddev_tok_s / run->tok_s : 0;
        pb.wts[i] = 1.0 / (SIGMA_FLOOR * SIGMA_FLOOR + rel * rel);
    }
    llmcap_status st = LLMCAP_OK;
    char what[96];
    snprintf(what, sizeof what, "%s%s%s", section[0] ? section : "llama.cpp", " ", llmcap_hw_kind_name(kind));

    /* ceilings and alternative bounds inactive at their start: place them first */
    for (size_t k = 0; k < nps; k++) {
        pslot *s = &ps_out[k];
        if (!s->c->scan || n == 0) continue;
        const double v0 = *s->slot;
        if (!(v0 > 0)) { /* 0 = off (decode_compute_eff): a start inside the range */
            double *ce = llmcap_profile_field(prof, section, (int)kind, "compute_eff", NULL);
            *s->slot = ce && *ce >= s->c->lo && *ce <= s->c->hi ? *ce : s->c->hi;
        }
        scan_start(&pb, s, r);
        if (!(v0 > 0)) {
            /* no gain over "off": keep it off */
            const double moved = *s->slot;
            *s->slot = v0;
            residuals(&pb, r);
            const double e_off = sse_of(&pb, r);
            *s->slot = moved;
            residuals(&pb, r);
            if (!(sse_of(&pb, r) < e_off * SCAN_GAIN)) *s->slot = v0;
        }
    }
    /* identification, then the fit; a parameter that ends at a bound (its u runs off to infinity) or
     * whose column vanishes at the solution (an inactive ceiling) keeps its final value, fixed, and the
     * others are fitted again without it (at most three rounds) */
    bool off[N_CAND];
    for (size_t k = 0; k < nps; k++) off[k] = !(*ps_out[k].slot > 0); /* "off" (0) stays off */
    /* warm-up: the prefill parameters on their own, then the decode ones, each from the start values
     * of the other role; a parameter that runs into a bound here goes back to its start (a saturated
     * logistic has no gradient left to come back with) */
    for (int role = 0; role < 2; role++) {
        for (size_t k = 0; k < nps; k++) {
            ps_out[k].excluded = off[k] || ps_out[k].c->decode != (role == 1);
            ps_out[k].fixed = false;
        }
        if ((st = identify(&pb, r, err))) goto done;
        if (pb.np == 0) continue;
        double saved[N_CAND];
        for (size_t k = 0; k < nps; k++) saved[k] = *ps_out[k].slot;
        fit_out warm = {0};
        llmcap_error e2 = {0};
        if (run_fit(&pb, max_iter, &warm, what, &e2)) {
            for (size_t k = 0; k < nps; k++) *ps_out[k].slot = saved[k]; /* no warm start: the main fit says why */
            continue;
        }
        fo->n_iter += warm.n_iter;
        for (size_t j = 0; j < pb.np; j++) {
            pslot *s = &ps_out[pb.fit[j]];
            if (s->state != LLMCAP_PARAM_FITTED) *s->slot = s->start;
        }
    }
    for (size_t k = 0; k < nps; k++) {
        ps_out[k].excluded = off[k];
        ps_out[k].fixed = false;
        ps_out[k].stderr_value = 0;
    }
    for (int round = 0; round < 3; round++) {
        if ((st = identify(&pb, r, err))) goto done;
        /* what this round does not fit sits at its start (a warm-up or scan may have moved it) */
        for (size_t k = 0; k < nps; k++)
            if (!ps_out[k].kept && !ps_out[k].fixed) *ps_out[k].slot = ps_out[k].start;
        if (pb.np == 0) break;
        if ((st = run_fit(&pb, max_iter, fo, what, err))) goto done;
        bool dropped = false;
        for (size_t j = 0; j < pb.np; j++) {
            pslot *s = &ps_out[pb.fit[j]];
            if (s->state == LLMCAP_PARAM_NOT_IDENTIFIED || s->state == LLMCAP_PARAM_AT_BOUND) {
                s->stderr_value = 0;
                s->excluded = true;
                s->fixed = true;
                dropped = true;
            }
        }
        if (!dropped) break;
    }
    spreads(&pb, fo);
    for (size_t k = 0; k < nps; k++) {
        pslot *s = &ps_out[k];
        if (!s->kept && !s->fixed) { /* never fitted: back to its start (a scan may have moved it) */
            *s->slot = s->start;
            if (s->state == LLMCAP_PARAM_FITTED || s->state == LLMCAP_PARAM_AT_BOUND) s->state = LLMCAP_PARAM_NOT_IDENTIFIED;
        }
        if (s->state != LLMCAP_PARAM_FITTED) s->stderr_value = 0;
        if (s->se_slot) *s->se_slot = s->stderr_value;
    }
    if (fo->n_fit_tg + fo->n_fit_pp == 0)
        snprintf(fo->note, sizeof fo->note, "no parameter identified by %zu points (%zu decode, %zu prefill): start values kept",
                 n, fo->n_tg, fo->n_pp);
done:
    free(pb.log_meas);
    free(pb.wts);
    free(pb.scratch);
    free(r);
    return st;
}

/* ------------------------------------------------------------ statistics */

/* errors of the points idx[0..n) (all when idx is NULL) predicted as pred[] */
static llmcap_status errors_of(const llmcap_calib_set *set, const size_t *idx, size_t n, const double *pred,
                               llmcap_calib_errors *out, llmcap_error *err)
{
    double *e[2];
    size_t ne[2] = {0, 0};
    double lsq[2] = {0, 0};
    e[0] = calloc(n ? n : 1, sizeof(double));
    e[1] = calloc(n ? n : 1, sizeof(double));
    if (!e[0] || !e[1]) { free(e[0]); free(e[1]); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory"); }
    for (size_t k = 0; k < n; k++) {
        const size_t i = idx ? idx[k] : k;
        const llmcap_calib_point *pt = &set->points[i];
        const int d = pt->decode;
        e[d][ne[d]++] = (pred[i] - pt->run.tok_s) / pt->run.tok_s * 100.0;
        const double l = log(pred[i] / pt->run.tok_s);
        lsq[d] += l * l;
    }
    llmcap_status st = llmcap_err_stats_compute(e[1], ne[1], &out->tg, err);
    if (!st) st = llmcap_err_stats_compute(e[0], ne[0], &out->pp, err);
    out->rms_log_tg = ne[1] ? sqrt(lsq[1] / (double)ne[1]) : NAN;
    out->rms_log_pp = ne[0] ? sqrt(lsq[0] / (double)ne[0]) : NAN;
    free(e[0]);
    free(e[1]);
    return st;
}

static llmcap_status predict_all(const llmcap_calib_set *set, const llmcap_profile *prof, const size_t *idx, size_t n,
                                 double *pred, llmcap_error *err)
{
    for (size_t k = 0; k < n; k++) {
        const size_t i = idx ? idx[k] : k;
        llmcap_error e = {0};
        if (llmcap_calib_predict(&set->points[i], prof, &pred[i], &e) || !(isfinite(pred[i]) && pred[i] > 0))
            return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "run %s:%d: prediction failed: %s",
                                    set->points[i].run.file, set->points[i].run.line, e.msg[0] ? e.msg : "not finite");
    }
    return LLMCAP_OK;
}

/* ------------------------------------------------------------- calibrate */

void llmcap_calib_result_free(llmcap_calib_result *r)
{
    if (!r) return;
    free(r->params);
    free(r->classes);
    free(r->pred_start);
    free(r->pred);
    free(r->loho.rows);
    free(r->loho.pred_tok_s);
    memset(r, 0, sizeof *r);
}

/* problems in a fixed order: llama.cpp classes by kind, then engine sections by name and kind */
static int cmp_problem(const llmcap_calib_class *a, const llmcap_calib_class *b)
{
    int c = strcmp(a->section, b->section);
    if (c) return c;
    return (int)a->kind - (int)b->kind;
}

static size_t points_of(const llmcap_calib_set *set, const char *section, llmcap_hw_kind kind, const char *skip_hw,
                        size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++) {
        const llmcap_calib_point *pt = &set->points[i];
        if (strcmp(pt->section, section) || pt->kind != kind) continue;
        if (skip_hw && !strcmp(pt->hardware, skip_hw)) continue;
        idx[n++] = i;
    }
    return n;
}

static llmcap_status run_loho(const llmcap_calib_set *set, const llmcap_profile *start_full, llmcap_calib_result *out,
                              int max_iter, size_t *idx, size_t *sub, llmcap_error *err)
{
    llmcap_loho *L = &out->loho;
    L->pred_tok_s = calloc(set->n, sizeof(double));
    L->rows = calloc(set->n, sizeof *L->rows); /* at most one row per point */
    llmcap_profile *fold = malloc(sizeof *fold);
    if (!L->pred_tok_s || !L->rows || !fold) { free(fold); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory"); }
    llmcap_status st = LLMCAP_OK;
    for (size_t c = 0; c < out->n_classes && !st; c++) {
        llmcap_calib_class *cl = &out->classes[c];
        const size_t n = points_of(set, cl->section, cl->kind, NULL, idx);
        for (size_t k = 0; k < n && !st; k++) {
            const char *hw = set->points[idx[k]].hardware;
            bool seen = false;
            for (size_t q = 0; q < k && !seen; q++) seen = !strcmp(set->points[idx[q]].hardware, hw);
            if (seen) continue;
            const size_t ns = points_of(set, cl->section, cl->kind, hw, sub);
            *fold = *start_full;
            pslot ps[N_CAND];
            size_t nps = 0;
            fit_out fo;
            char what_err[64];
            snprintf(what_err, sizeof what_err, "%s", hw);
            st = fit_problem(set, sub, ns, fold, cl->section, cl->kind, max_iter, ps, &nps, &fo, err);
            if (st) {
                if (err) {
                    char tmp[sizeof err->msg];
                    snprintf(tmp, sizeof tmp, "leave-one-hardware-out without %.60s: %.400s", what_err, err->msg);
                    memcpy(err->msg, tmp, sizeof tmp);
                }
                break;
            }
            llmcap_loho_row *row = &L->rows[L->n_rows++];
            snprintf(row->section, sizeof row->section, "%s", cl->section);
            row->kind = cl->kind;
            snprintf(row->hardware, sizeof row->hardware, "%s", hw);
            row->start_only = fo.n_fit_tg + fo.n_fit_pp == 0;
            /* its own points, predicted by the fold */
            size_t nh = 0;
            for (size_t q = 0; q < n; q++)
                if (!strcmp(set->points[idx[q]].hardware, hw)) sub[nh++] = idx[q];
            if ((st = predict_all(set, fold, sub, nh, L->pred_tok_s, err))) break;
            st = errors_of(set, sub, nh, L->pred_tok_s, &row->err, err);
        }
    }
    free(fold);
    if (st) return st;
    /* all llama.cpp points out of fold */
    size_t nc = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!set->points[i].section[0]) idx[nc++] = i;
    return errors_of(set, idx, nc, L->pred_tok_s, &L->classes, err);
}

llmcap_status llmcap_calibrate(const llmcap_calib_set *set, const llmcap_profile *start,
                               const llmcap_calib_options *opt, llmcap_calib_result *out, llmcap_error *err)
{
    memset(out, 0, sizeof *out);
    static const llmcap_calib_options defaults;
    if (!opt) opt = &defaults;
    if (!start) start = llmcap_profile_handset();
    if (!set || set->n == 0) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "calibrate: no usable runs");
    const int max_iter = opt->max_iter > 0 ? opt->max_iter : 200;
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    llmcap_status st = LLMCAP_OK;
    size_t *idx = malloc(sizeof(size_t) * set->n), *sub = malloc(sizeof(size_t) * set->n);
    llmcap_profile *start_full = malloc(sizeof *start_full);
    out->classes = calloc(set->n, sizeof *out->classes); /* at most one problem per point */
    out->params = calloc(set->n * N_CAND, sizeof *out->params);
    out->pred_start = calloc(set->n, sizeof(double));
    out->pred = calloc(set->n, sizeof(double));
    if (!idx || !sub || !start_full || !out->classes || !out->params || !out->pred_start || !out->pred) {
        st = llmcap_set_error(err, LLMCAP_ERR_NOMEM, "calibrate: out of memory");
        goto done;
    }
    /* the problems, and the start profile with every section the points need */
    *start_full = *start;
    for (size_t i = 0; i < set->n && !st; i++) {
        const llmcap_calib_point *pt = &set->points[i];
        bool have = false;
        for (size_t c = 0; c < out->n_classes && !have; c++)
            have = !strcmp(out->classes[c].section, pt->section) && out->classes[c].kind == pt->kind;
        if (!have) {
            llmcap_calib_class *cl = &out->classes[out->n_classes++];
            snprintf(cl->section, sizeof cl->section, "%s", pt->section);
            cl->kind = pt->kind;
        }
        st = ensure_section(start_full, start, pt->section, err);
    }
    if (st) goto done;
    qsort(out->classes, out->n_classes, sizeof *out->classes, (int (*)(const void *, const void *))cmp_problem);
    if ((st = predict_all(set, start_full, NULL, set->n, out->pred_start, err))) goto done;

    out->profile = *start_full;
    if (opt->name && opt->name[0]) snprintf(out->profile.name, sizeof out->profile.name, "%s", opt->name);
    snprintf(out->profile.created, sizeof out->profile.created, "%s", opt->created ? opt->created : "");
    size_t n_fitted = 0, n_cands = 0;
    for (size_t c = 0; c < out->n_classes; c++) {
        llmcap_calib_class *cl = &out->classes[c];
        const size_t n = points_of(set, cl->section, cl->kind, NULL, idx);
        pslot ps[N_CAND];
        size_t nps = 0;
        fit_out fo;
        if ((st = fit_problem(set, idx, n, &out->profile, cl->section, cl->kind, max_iter, ps, &nps, &fo, err))) goto done;
        cl->n_tg = fo.n_tg;
        cl->n_pp = fo.n_pp;
        cl->n_fitted_tg = fo.n_fit_tg;
        cl->n_fitted_pp = fo.n_fit_pp;
        cl->fitted = fo.n_fit_tg + fo.n_fit_pp > 0;
        cl->gsl_status = fo.gsl_status;
        cl->n_iter = fo.n_iter;
        cl->sd_log_tg = fo.sd_tg;
        cl->sd_log_pp = fo.sd_pp;
        cl->pi_log_tg = fo.pi_tg;
        cl->pi_log_pp = fo.pi_pp;
        snprintf(cl->note, sizeof cl->note, "%s", fo.note);
        for (size_t k = 0; k < n; k++) {
            bool seen = false;
            for (size_t q = 0; q < k && !seen; q++) seen = !strcmp(set->points[idx[q]].hardware, set->points[idx[k]].hardware);
            cl->n_hardware += !seen;
        }
        for (size_t k = 0; k < nps; k++) {
            llmcap_calib_param *pa = &out->params[out->n_params++];
            snprintf(pa->section, sizeof pa->section, "%s", cl->section);
            pa->kind = ps[k].kind;
            pa->field = ps[k].c->field;
            pa->decode = ps[k].c->decode;
            pa->lo = ps[k].c->lo;
            pa->hi = ps[k].c->hi;
            pa->start = ps[k].start;
            pa->value = *ps[k].slot;
            pa->stderr_value = ps[k].stderr_value;
            pa->state = ps[k].state;
            n_fitted += pa->state == LLMCAP_PARAM_FITTED || pa->state == LLMCAP_PARAM_AT_BOUND;
            n_cands++;
        }
    }
    if (n_fitted == 0) {
        st = llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                              "calibrate: too few points: %zu runs identify none of the %zu parameters (a class needs at least "
                              "%d decode or prefill runs to fit one)", set->n, n_cands, MIN_DOF + 1);
        goto done;
    }
    if ((st = predict_all(set, &out->profile, NULL, set->n, out->pred, err))) goto done;
    size_t nc = 0;
    for (size_t i = 0; i < set->n; i++)
        if (!set->points[i].section[0]) idx[nc++] = i;
    if ((st = errors_of(set, idx, nc, out->pred_start, &out->all_before, err))) goto done;
    if ((st = errors_of(set, idx, nc, out->pred, &out->all_after, err))) goto done;
    for (size_t c = 0; c < out->n_classes; c++) {
        llmcap_calib_class *cl = &out->classes[c];
        const size_t n = points_of(set, cl->section, cl->kind, NULL, idx);
        if ((st = errors_of(set, idx, n, out->pred_start, &cl->before, err))) goto done;
        if ((st = errors_of(set, idx, n, out->pred, &cl->after, err))) goto done;
    }
    if (!opt->no_loho && (st = run_loho(set, start_full, out, max_iter, idx, sub, err))) goto done;

    /* the spreads into the profile: the fit's interval, widened to the out-of-fold error */
    for (size_t c = 0; c < out->n_classes; c++) {
        llmcap_calib_class *cl = &out->classes[c];
        if (!opt->no_loho) {
            double lsq[2] = {0, 0};
            size_t nn[2] = {0, 0};
            for (size_t i = 0; i < set->n; i++) {
                const llmcap_calib_point *pt = &set->points[i];
                if (strcmp(pt->section, cl->section) || pt->kind != cl->kind) continue;
                /* a fold with no other hardware of the class predicted with the start values: that says
                 * how wrong the start was, not how well a fit carries over (the LOHO table shows it) */
                bool start_only = false;
                for (size_t q = 0; q < out->loho.n_rows && !start_only; q++) {
                    const llmcap_loho_row *row = &out->loho.rows[q];
                    start_only = row->start_only && !strcmp(row->hardware, pt->hardware) &&
                                 !strcmp(row->section, pt->section) && row->kind == pt->kind;
                }
                if (start_only) continue;
                const double l = log(out->loho.pred_tok_s[i] / pt->run.tok_s);
                lsq[pt->decode] += l * l;
                nn[pt->decode]++;
            }
            if (nn[1]) cl->pi_log_tg = fmax(cl->pi_log_tg, Z90 * sqrt(lsq[1] / (double)nn[1]));
            if (nn[0]) cl->pi_log_pp = fmax(cl->pi_log_pp, Z90 * sqrt(lsq[0] / (double)nn[0]));
        }
        double *f;
        if ((f = llmcap_profile_field(&out->profile, cl->section, (int)cl->kind, "decode_sd_log", NULL))) *f = fmin(cl->sd_log_tg, 5);
        if ((f = llmcap_profile_field(&out->profile, cl->section, (int)cl->kind, "prefill_sd_log", NULL))) *f = fmin(cl->sd_log_pp, 5);
        if ((f = llmcap_profile_field(&out->profile, cl->section, (int)cl->kind, "decode_pi_log", NULL))) *f = fmin(cl->pi_log_tg, 5);
        if ((f = llmcap_profile_field(&out->profile, cl->section, (int)cl->kind, "prefill_pi_log", NULL))) *f = fmin(cl->pi_log_pp, 5);
    }
done:
    gsl_set_error_handler(old_handler);
    free(idx);
    free(sub);
    free(start_full);
    if (st) llmcap_calib_result_free(out);
    return st;
}

/* ------------------------------------------------------------------ JSON */

/* numbers rounded for the report (the profile's parameters keep full precision) */
static double r4(double x) { return isfinite(x) ? round(x * 1e4) / 1e4 : 0; }

static void add_num_or_null(cJSON *o, const char *k, double x)
{
    if (isfinite(x)) cJSON_AddNumberToObject(o, k, r4(x));
    else cJSON_AddNullToObject(o, k);
}

static void add_errors(cJSON *o, const llmcap_calib_errors *e)
{
    cJSON_AddNumberToObject(o, "n_tg", (double)e->tg.n);
    add_num_or_null(o, "mape_tg_pct", e->tg.mape_pct);
    add_num_or_null(o, "bias_tg_pct", e->tg.bias_pct);
    cJSON_AddNumberToObject(o, "n_pp", (double)e->pp.n);
    add_num_or_null(o, "mape_pp_pct", e->pp.mape_pct);
    add_num_or_null(o, "bias_pp_pct", e->pp.bias_pct);
}

static const char *section_label(const char *s) { return s[0] ? s : "llama.cpp"; }

char *llmcap_calib_profile_json(const llmcap_calib_result *r, const llmcap_calib_set *set, const char *const *files,
                                const size_t *file_runs, size_t n_files)
{
    cJSON *o = llmcap_profile_to_cjson(&r->profile);
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "description",
                            "llmcap calibrate: parameters fitted by nonlinear least squares on log(predicted/measured) "
                            "tokens/s (GSL gsl_multifit_nlinear); stderr from the covariance scaled by the residual "
                            "variance; *_pi_log: half-width of the 90% prediction interval in log tokens/s");
    /* inputs */
    cJSON *src = cJSON_AddObjectToObject(o, "source");
    cJSON *fa = cJSON_AddArrayToObject(src, "files");
    for (size_t i = 0; i < n_files; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "path", files[i]);
        cJSON_AddNumberToObject(f, "runs", (double)file_runs[i]);
        cJSON_AddItemToArray(fa, f);
    }
    cJSON_AddNumberToObject(src, "points", (double)set->n);
    cJSON_AddNumberToObject(src, "skipped", (double)set->n_skipped);
    cJSON *why = cJSON_AddObjectToObject(src, "skipped_by_reason");
    for (size_t i = 0; i < set->n_skipped; i++) {
        char key[64];
        snprintf(key, sizeof key, "%.63s", set->skipped[i].reason);
        char *colon = strchr(key, ':');
        if (colon) *colon = 0;
        cJSON *it = cJSON_GetObjectItemCaseSensitive(why, key);
        if (it) cJSON_SetNumberValue(it, it->valuedouble + 1);
        else cJSON_AddNumberToObject(why, key, 1);
    }
    /* the fit */
    cJSON *fit = cJSON_AddObjectToObject(o, "fit");
    cJSON *before = cJSON_AddObjectToObject(fit, "llama_cpp_start");
    add_errors(before, &r->all_before);
    cJSON *after = cJSON_AddObjectToObject(fit, "llama_cpp_fitted");
    add_errors(after, &r->all_after);
    cJSON *ca = cJSON_AddArrayToObject(fit, "classes");
    for (size_t c = 0; c < r->n_classes; c++) {
        const llmcap_calib_class *cl = &r->classes[c];
        cJSON *co = cJSON_CreateObject();
        cJSON_AddStringToObject(co, "section", section_label(cl->section));
        cJSON_AddStringToObject(co, "class", llmcap_hw_kind_name(cl->kind));
        cJSON_AddNumberToObject(co, "n_hardware", (double)cl->n_hardware);
        cJSON_AddBoolToObject(co, "fitted", cl->fitted);
        cJSON_AddStringToObject(co, "gsl_status", cl->fitted ? gsl_strerror(cl->gsl_status) : "not run");
        cJSON_AddNumberToObject(co, "iterations", (double)cl->n_iter);
        add_num_or_null(co, "decode_sd_log", cl->sd_log_tg);
        add_num_or_null(co, "prefill_sd_log", cl->sd_log_pp);
        if (cl->note[0]) cJSON_AddStringToObject(co, "note", cl->note);
        add_errors(cJSON_AddObjectToObject(co, "start"), &cl->before);
        add_errors(cJSON_AddObjectToObject(co, "fitted_errors"), &cl->after);
        cJSON *pa = cJSON_AddArrayToObject(co, "params");
        for (size_t k = 0; k < r->n_params; k++) {
            const llmcap_calib_param *p = &r->params[k];
            if (strcmp(p->section, cl->section) || (p->kind >= 0 && p->kind != (int)cl->kind)) continue;
            if (p->kind < 0 && (cl->section[0] || cl->kind != LLMCAP_HW_GPU)) continue;
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "name", p->field);
            if (p->kind < 0) cJSON_AddBoolToObject(po, "global", true);
            cJSON_AddStringToObject(po, "role", p->decode ? "decode" : "prefill");
            cJSON_AddStringToObject(po, "state", llmcap_param_state_name(p->state));
            cJSON_AddNumberToObject(po, "start", p->start);
            cJSON_AddNumberToObject(po, "value", p->value);
            if (p->stderr_value > 0) cJSON_AddNumberToObject(po, "stderr", p->stderr_value);
            cJSON *b = cJSON_AddArrayToObject(po, "bounds");
            cJSON_AddItemToArray(b, cJSON_CreateNumber(p->lo));
            cJSON_AddItemToArray(b, cJSON_CreateNumber(p->hi));
            cJSON_AddItemToArray(pa, po);
        }
        cJSON_AddItemToArray(ca, co);
    }
    /* cross-validation */
    if (r->loho.n_rows) {
        cJSON *lo = cJSON_AddObjectToObject(o, "loho");
        cJSON_AddStringToObject(lo, "method", "each hardware predicted by a fit of its class without it");
        add_errors(cJSON_AddObjectToObject(lo, "llama_cpp"), &r->loho.classes);
        cJSON *ha = cJSON_AddArrayToObject(lo, "hardware");
        for (size_t i = 0; i < r->loho.n_rows; i++) {
            const llmcap_loho_row *row = &r->loho.rows[i];
            cJSON *ho = cJSON_CreateObject();
            cJSON_AddStringToObject(ho, "hardware", row->hardware);
            cJSON_AddStringToObject(ho, "section", section_label(row->section));
            cJSON_AddStringToObject(ho, "class", llmcap_hw_kind_name(row->kind));
            add_errors(ho, &row->err);
            if (row->start_only) cJSON_AddBoolToObject(ho, "start_values_only", true);
            cJSON_AddItemToArray(ha, ho);
        }
    }
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    return txt;
}
