/* wg.h - llmcap's thin WebGPU compatibility layer: the only part of the engine
 * that touches a WebGPU C API.
 *
 * Two implementations of this header exist, one per C API flavour:
 *   wg_dawn.c        native: Dawn's C API of 2025-06-24 (google/dawn df73f162),
 *                    the ABI of npm bun-webgpu-linux-x64@0.1.7's
 *                    libwebgpu_wrapper.so, declared by us in wg_dawn_api.h and
 *                    loaded with dlopen at run time (so a CPU-only run never
 *                    needs the library);
 *   wg_emscripten.c  WASM: Emscripten 3.1.6's -sUSE_WEBGPU API (2022-era
 *                    webgpu.h), on the device that JS put in
 *                    Module.preinitializedWebGPUDevice.
 * backend_webgpu.c is written against this header only.
 *
 * Model of use: open a device; create buffers, pipelines and bind groups
 * (pipelines at load time); record dispatches and copies (they go into one
 * command encoder); wg_read submits what was recorded, copies the bytes back
 * and waits. Waiting happens in exactly one place per implementation (its
 * static wait function): native Dawn waits on a WGPUFuture with
 * wgpuInstanceWaitAny; Emscripten yields to the browser/node event loop with
 * emscripten_sleep (the WASM build links with -sASYNCIFY).
 *
 * Errors: functions that can fail return an eng_status and write a one-line
 * message into err. Device loss and uncaptured errors (validation, out of
 * memory, internal) are latched by the device callbacks; wg_check reports the
 * first one. Nothing here prints or exits.
 */
#ifndef LLMCAP_WG_H
#define LLMCAP_WG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct wg_dev wg_dev;            /* instance + adapter + device + queue + recorder */
typedef struct wg_buffer_s *wg_buffer;   /* a WGPUBuffer */
typedef struct wg_pipeline wg_pipeline;  /* compute pipeline + its bind group layout */
typedef struct wg_bindgroup_s *wg_bindgroup; /* a WGPUBindGroup */

/* What the device is, as the adapter reports it (strings may be empty). */
typedef struct wg_adapter_info {
    char vendor[64];
    char architecture[64];
    char device[128];
    char description[160];
    char backend[16];       /* "vulkan", "metal", "d3d12", "opengles", "webgpu" (browser), ... */
    char adapter_type[16];  /* "discrete", "integrated", "cpu", "unknown" */
    uint32_t vendor_id, device_id;
    bool fallback;          /* a software adapter offered as fallback (SwiftShader) */
    uint64_t memory_bytes;  /* device-local memory when the API tells (Dawn's memory heaps), else 0 */
    uint32_t subgroup_min, subgroup_max; /* subgroup (warp) sizes in invocations; 0 when not told */
    /* optional features enabled on the device (native Dawn only; false in WASM) */
    bool f16;               /* "shader-f16": `enable f16;` in WGSL */
    bool subgroups;         /* "subgroups": subgroupAdd & co. */
    /* "chromium-experimental-subgroup-matrix" (Dawn, behind its allow_unsafe_apis
     * toggle; Vulkan VK_KHR_cooperative_matrix): the configurations the device
     * multiplies, f16 inputs with f32 results only (the ones the engine uses) */
    int n_sgmat;
    struct { uint32_t m, n, k; } sgmat[8];
} wg_adapter_info;

/* The device's limits (requested equal to the adapter's), in bytes or counts. */
typedef struct wg_limits {
    uint64_t max_storage_buffer_binding_size;   /* bytes one storage binding may cover */
    uint64_t max_buffer_size;                   /* bytes of one buffer */
    uint32_t min_storage_buffer_offset_alignment;
    uint32_t min_uniform_buffer_offset_alignment;
    uint32_t max_storage_buffers_per_shader_stage;
    uint32_t max_compute_workgroup_storage_size; /* bytes of var<workgroup> */
    uint32_t max_compute_invocations_per_workgroup;
    uint32_t max_compute_workgroup_size_x;
    uint32_t max_compute_workgroups_per_dimension;
} wg_limits;

typedef struct wg_open_params {
    const char *lib_path;   /* native: libwebgpu_wrapper.so to load; NULL = search (see wg_dawn.c) */
    bool want_timestamps;   /* enable the timestamp-query feature when the adapter has it */
    bool want_fast_math;    /* enable shader-f16, subgroups and (env LLMCAP_WEBGPU_SGMAT not "0")
                               subgroup matrices when the adapter has them (wg_adapter_info says which) */
} wg_open_params;

/* Open the default high-performance adapter and a device with the adapter's
 * limits. The Null adapter (Dawn's silent no-op fallback) is refused with
 * ENG_ERR_BACKEND; so is an adapter whose limits are below what the engine
 * needs (checked by the caller with wg_limits). Errors: ENG_ERR_BACKEND (no
 * library, no adapter, device request failed). */
eng_status wg_open(const wg_open_params *p, wg_dev **out, char *err, size_t err_len);
void wg_close(wg_dev *d);
const wg_adapter_info *wg_info(const wg_dev *d);
const wg_limits *wg_get_limits(const wg_dev *d);
/* True when timestamp queries were enabled at open. */
bool wg_has_timestamps(const wg_dev *d);

/* ENG_OK, or ENG_ERR_BACKEND with the first device-lost / uncaptured error
 * message ("WebGPU validation error: ..."). Processes pending events first. */
eng_status wg_check(wg_dev *d, char *err, size_t err_len);

/* ---- buffers ---- */
enum {
    WG_BUF_STORAGE  = 1 << 0,
    WG_BUF_UNIFORM  = 1 << 1,
    WG_BUF_COPY_SRC = 1 << 2,
    WG_BUF_COPY_DST = 1 << 3
};
/* A buffer of `size` bytes (a multiple of 4, <= max_buffer_size), zeroed.
 * NULL when creation fails at once; an out-of-memory found later is latched
 * and reported by wg_check. */
wg_buffer wg_buffer_create(wg_dev *d, uint64_t size, unsigned usage, const char *label);
void wg_buffer_release(wg_buffer b);
/* Queue a write of n bytes (n and offset multiples of 4). It is ordered before
 * every submission that follows, including work recorded earlier but not yet
 * submitted: call wg_submit first when earlier recorded work must see the old
 * contents. */
void wg_write(wg_dev *d, wg_buffer b, uint64_t offset, const void *src, size_t n);

/* ---- pipelines ---- */
typedef enum wg_binding_kind {
    WG_BIND_STORAGE_RO = 0,   /* var<storage, read> */
    WG_BIND_STORAGE_RW,       /* var<storage, read_write> */
    WG_BIND_UNIFORM,          /* var<uniform> */
    WG_BIND_UNIFORM_DYNAMIC   /* var<uniform> with a dynamic offset (at most one per pipeline) */
} wg_binding_kind;

typedef struct wg_constant { const char *name; double value; } wg_constant;  /* WGSL `override` */

/* Compile WGSL `code` and create a compute pipeline for `entry` whose group 0
 * has bindings 0..n_bind-1 of the given kinds (an explicit bind group layout
 * and pipeline layout, never "auto"). Compilation and validation errors come
 * back as ENG_ERR_BACKEND with the compiler's message and `label`. */
eng_status wg_pipeline_create(wg_dev *d, const char *label, const char *code, const char *entry,
                              const wg_binding_kind *kinds, int n_bind, const wg_constant *consts,
                              int n_consts, wg_pipeline **out, char *err, size_t err_len);
void wg_pipeline_release(wg_pipeline *p);

typedef struct wg_bind { wg_buffer buf; uint64_t offset, size; } wg_bind;  /* size 0 = to the end */
/* A bind group for pipeline p with entries binding i = binds[i] (n = p's n_bind).
 * NULL on failure. */
wg_bindgroup wg_bindgroup_create(wg_dev *d, const wg_pipeline *p, const wg_bind *binds, int n);
void wg_bindgroup_release(wg_bindgroup g);

/* ---- recording (one command encoder, one compute pass at a time) ---- */
/* Record a dispatch of gx*gy*gz workgroups; dyn_offset is the dynamic uniform
 * offset when p has a WG_BIND_UNIFORM_DYNAMIC binding (ignored otherwise).
 * `name` (a static string) labels it for profiling. */
void wg_dispatch(wg_dev *d, const wg_pipeline *p, wg_bindgroup g, uint32_t dyn_offset, uint32_t gx,
                 uint32_t gy, uint32_t gz, const char *name);
/* Record a buffer-to-buffer copy (n, offsets multiples of 4). */
void wg_copy(wg_dev *d, wg_buffer src, uint64_t src_off, wg_buffer dst, uint64_t dst_off, uint64_t n);
/* Submit what was recorded (no wait). No-op when nothing was recorded. */
void wg_submit(wg_dev *d);
/* Submit what was recorded, copy n bytes (multiple of 4) from src+offset to
 * host memory and wait for them. ENG_ERR_BACKEND on device loss, an error
 * latched earlier, or a failed map. */
eng_status wg_read(wg_dev *d, wg_buffer src, uint64_t offset, void *dst, size_t n, char *err, size_t err_len);
/* Submit and wait until the queue is idle (used for timing). */
eng_status wg_finish(wg_dev *d, char *err, size_t err_len);

/* ---- profiling: GPU time per dispatch (timestamp queries) ---- */
/* Start recording per-dispatch GPU times for up to max_dispatches dispatches
 * (each goes in its own compute pass with timestamp writes). ENG_ERR_UNSUPPORTED
 * when wg_has_timestamps is false. */
eng_status wg_profile_begin(wg_dev *d, int max_dispatches, char *err, size_t err_len);
/* Stop, wait, and hand back the recorded dispatches: names[i] (the `name` given
 * to wg_dispatch) and ns[i] (GPU nanoseconds), *n of them (<= cap). */
eng_status wg_profile_end(wg_dev *d, const char **names, double *ns, int cap, int *n, char *err,
                          size_t err_len);

#endif
