/* llmcap_calibrate.h - fit the performance model's free parameters to
 * measured runs (the module behind `llmcap calibrate`; estimator/calibrate.c).
 *
 * The model (estimate.c) has free parameters per device class (profile.c:
 * bandwidth fraction, per-token and per-layer overheads, attention and
 * compute efficiencies, ceilings) and a few shared ones (multi-GPU hand-off,
 * PCIe and host RAM fractions). A calibration:
 *   1. turns runs (llmcap_runs_read_*) into points: each run matched to data/
 *      (llmcap_run_match_db) and predicted with llmcap_run_predict_model, so
 *      that `llmcap compare` and the fit agree on every prediction;
 *   2. fits, per section and device class (a "problem": llama.cpp's gpu,
 *      apple, igpu, cpu classes, and one engine section per other engine, e.g.
 *      "llmcap-engine/webgpu"), the parameters the points identify, by
 *      nonlinear least squares on r_i = log(predicted_i / measured_i) (relative
 *      error: fast and slow devices weigh the same) with GSL's
 *      gsl_multifit_nlinear (trust region, Levenberg-Marquardt steps);
 *      bounds are kept by fitting u with value = lo + (hi - lo) * logistic(u)
 *      (or the same in log(value) for scale parameters);
 *   3. reports standard errors from the covariance at the solution
 *      (gsl_multifit_nlinear_covar: (J^T W J)^-1 in u, W the run weights of
 *      calibrate.c, times the residual variance SSE_w / (n - p), mapped to the
 *      value by d value / d u), the
 *      residual spread per class (decode/prefill), and leave-one-hardware-out
 *      cross-validation (each hardware predicted by a fit that never saw it).
 *
 * Which parameters a problem fits: candidates in a fixed priority order
 * (calibrate.c: CANDIDATES), kept when the points identify them: the column
 * of d r / d u must be non-negligible (RMS sensitivity >= 1e-3) and not
 * (nearly) a combination of the columns kept before it (Gram-Schmidt: at least
 * 5% of its norm left), and each role keeps at most n_points(role) - 2
 * parameters (decode parameters count TG points, prefill ones PP points).
 * A parameter whose ceiling or alternative bound is inactive at its start
 * (decode_compute_eff, bw_cap_gbps) is first placed by a 1-D scan over its
 * range when that lowers the error. Everything not kept stays at its start
 * value and is reported as such.
 *
 * The library never prints; results are structs, the CLI formats them.
 */
#ifndef LLMCAP_CALIBRATE_H
#define LLMCAP_CALIBRATE_H

#include "llmcap_runs.h"

#include <stdbool.h>
#include <stddef.h>

/* ------------------------------------------------------------- points */

/* One run ready to fit: matched, its model built once. */
typedef struct llmcap_calib_point {
    llmcap_run run;              /* the measured run (copy) */
    llmcap_run_match match;      /* its data/ match; match.params.engine = section */
    llmcap_model *model;         /* built from match.model (owned by the set) */
    char hardware[64];           /* data id of the hardware (synthesized CPU: params.gpu.id):
                                    the unit of leave-one-hardware-out */
    char section[48];            /* "" = llama.cpp (the profile's classes); else the engine
                                    section, "llmcap-engine/<backend>" */
    llmcap_hw_kind kind;         /* device class (params.gpu.kind) */
    bool decode;                 /* a TG run (decode); else PP (prefill) */
} llmcap_calib_point;

/* Points and the runs that could not be used, with the reason. */
typedef struct llmcap_calib_set {
    llmcap_calib_point *points;
    size_t n, cap;
    llmcap_run_issue *skipped;   /* reason "class: detail"; the text before ':' counts them */
    size_t n_skipped, cap_skipped;
} llmcap_calib_set;

/* Which runs a set takes (a zeroed struct = the defaults below). */
typedef struct llmcap_calib_select {
    bool with_batched;           /* llama-batched-bench runs (n_seq > 1 aggregates); default: skipped */
    bool with_mixed;             /* ppN+tgM runs (one rate over prefill and decode); default: skipped */
} llmcap_calib_select;

/* Match every run of runs to data/ and keep those the model can express:
 * llama.cpp's llama-bench (native builds: CUDA, Metal, ROCm, Vulkan, CPU, ...)
 * go to the profile's classes; llmcap-engine runs to the section
 * "llmcap-engine/<backend>" (backend lower-cased: webgpu, cpu); llama.cpp in a
 * browser (WASM), unmatched runs, runs the estimator rejects and runs with
 * tokens/s not finite > 0 are skipped with their reason. Appends to *set (a
 * zeroed struct to start). LLMCAP_ERR_NOMEM or LLMCAP_OK. */
llmcap_status llmcap_calib_set_add_runs(llmcap_calib_set *set, const llmcap_db *db, const llmcap_runs *runs,
                                        const llmcap_run_hints *hints, const llmcap_calib_select *sel,
                                        llmcap_error *err);
void llmcap_calib_set_free(llmcap_calib_set *set);

/* The profile section a run is predicted with: "" for llama.cpp (the
 * profile's classes), "llmcap-engine/<backend>" for our engine's runs
 * (backend lower-cased, its first word: "webgpu", "cpu"); set it as
 * match.params.engine (when the profile has that section) to predict the run
 * as calibrate does. NULL when the run's engine is not modelled (llama.cpp in
 * a browser, other engines). Writes at most n bytes to buf. */
const char *llmcap_calib_section(const llmcap_run *run, char *buf, size_t n);

/* Predict point i with profile: tokens/s comparable to its run's tokens/s
 * (llmcap_run_predict_model with the point's section as the engine). */
llmcap_status llmcap_calib_predict(const llmcap_calib_point *pt, const llmcap_profile *profile, double *pred_tok_s,
                                   llmcap_error *err);

/* ---------------------------------------------------------------- fit */

typedef enum llmcap_param_state {
    LLMCAP_PARAM_FITTED = 0,     /* fitted, inside its bounds */
    LLMCAP_PARAM_AT_BOUND,       /* fitted, ended at a bound (its stderr means little) */
    LLMCAP_PARAM_NOT_IDENTIFIED, /* not constrained by the points: kept at its start (or, for a
                                    ceiling a fit made inactive, where that fit left it) */
    LLMCAP_PARAM_TOO_FEW_POINTS, /* kept at its start: not enough points of its role */
    LLMCAP_PARAM_STATE_COUNT
} llmcap_param_state;

/* "fitted", "at-bound", "not-identified", "too-few-points" */
const char *llmcap_param_state_name(llmcap_param_state s);

/* One candidate parameter of one problem. */
typedef struct llmcap_calib_param {
    char section[48];            /* "" = the profile's classes, else an engine section */
    int kind;                    /* llmcap_hw_kind; -1 = a global parameter of the profile */
    const char *field;           /* profile field name ("bw_eff", "multi_gpu_overhead_ms") */
    bool decode;                 /* its role: decode (counts TG points) or prefill (PP points) */
    double lo, hi;               /* bounds of the fit, in the field's unit */
    double start;                /* value in the start profile */
    double value;                /* fitted value (== start unless fitted) */
    double stderr_value;         /* standard error, field's unit; 0 unless fitted */
    llmcap_param_state state;
} llmcap_calib_param;

/* Errors of a group of points: n, MAPE, bias etc. over decode (TG) and prefill (PP). */
typedef struct llmcap_calib_errors {
    llmcap_err_stats tg, pp;
    double rms_log_tg, rms_log_pp; /* sqrt(mean(log(pred/meas)^2)); NaN when no points */
} llmcap_calib_errors;

/* One problem: a section and a device class. */
typedef struct llmcap_calib_class {
    char section[48];
    llmcap_hw_kind kind;
    size_t n_tg, n_pp;           /* points */
    size_t n_hardware;           /* distinct hardware among them */
    size_t n_fitted_tg, n_fitted_pp; /* parameters fitted per role */
    bool fitted;                 /* at least one parameter fitted */
    int gsl_status;              /* the driver's status (GSL_SUCCESS, ...) of the accepted fit */
    size_t n_iter;               /* iterations of the accepted fit */
    double sd_log_tg, sd_log_pp; /* residual SD of log tokens/s, dof-corrected; 0 when unknown */
    double pi_log_tg, pi_log_pp; /* half-widths of the 90% prediction intervals written to the profile */
    llmcap_calib_errors before;  /* with the start profile */
    llmcap_calib_errors after;   /* with the fitted profile */
    char note[192];              /* why not fitted, or what was unusual */
} llmcap_calib_class;

typedef struct llmcap_calib_options {
    const char *name;            /* the profile's name ("" = keep the start's) */
    const char *created;         /* its date, "YYYY-MM-DD" ("" = none) */
    int max_iter;                /* per fit; 0 = 200 */
    bool no_loho;                /* skip the cross-validation (the intervals then use the fit only) */
} llmcap_calib_options;

/* Leave-one-hardware-out: one row per hardware of each problem. */
typedef struct llmcap_loho_row {
    char section[48];
    llmcap_hw_kind kind;
    char hardware[64];
    llmcap_calib_errors err;     /* its points, predicted by the fit without it */
    bool start_only;             /* the fit without it had no parameter left: the start values predicted it */
} llmcap_loho_row;

typedef struct llmcap_loho {
    llmcap_loho_row *rows;
    size_t n_rows;
    llmcap_calib_errors classes; /* all llama.cpp points, out of fold */
    double *pred_tok_s;          /* per point of the set, out of fold */
} llmcap_loho;

typedef struct llmcap_calib_result {
    llmcap_profile profile;      /* the start profile with the fitted values, stderrs and spreads */
    llmcap_calib_param *params;  /* every candidate of every problem */
    size_t n_params;
    llmcap_calib_class *classes; /* every problem with points */
    size_t n_classes;
    llmcap_calib_errors all_before, all_after; /* all llama.cpp points */
    double *pred_start, *pred;   /* per point of the set: start and fitted profile */
    llmcap_loho loho;            /* empty when options.no_loho */
} llmcap_calib_result;

/* Fit set to start (the hand-set constants or a profile to refine). Errors
 * (nothing in *out to free): LLMCAP_ERR_INVALID_ARG "no usable runs" (empty
 * set), "too few points: N runs for P parameters" (no problem can fit one
 * parameter with 2 points to spare), "run F:L: prediction is not finite";
 * LLMCAP_ERR_UNSUPPORTED "the fit of CLASS did not converge (GSL: reason)
 * after N iterations"; LLMCAP_ERR_NOMEM. */
llmcap_status llmcap_calibrate(const llmcap_calib_set *set, const llmcap_profile *start,
                               const llmcap_calib_options *opt, llmcap_calib_result *out, llmcap_error *err);
void llmcap_calib_result_free(llmcap_calib_result *r);

/* The profile with the calibration's report ("source" with the given file
 * list and the set's counts, "fit", "loho") as JSON (free with
 * llmcap_json_free); NULL on no memory. files[i] / file_runs[i]: inputs and
 * how many runs each gave. */
char *llmcap_calib_profile_json(const llmcap_calib_result *r, const llmcap_calib_set *set, const char *const *files,
                                const size_t *file_runs, size_t n_files);

#endif
