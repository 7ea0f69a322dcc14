/* wg_emscripten.c - wg.h on Emscripten 3.1.6's -sUSE_WEBGPU API (the 2022-era
 * webgpu.h in /usr/share/emscripten/system/include/webgpu/), for the WASM
 * build (engine/webgpu/wasm_webgpu.mk).
 *
 * The device is the one JS created and put in Module.preinitializedWebGPUDevice
 * (engine/webgpu/api_webgpu.js does it: navigator.gpu in a page, npm `webgpu`
 * in node); wgpuCreateInstance is a stub in 3.1.6, so there is no adapter on
 * the C side: adapter facts come from Module.llmcapAdapterInfo (filled by the
 * same JS) through an EM_JS function.
 *
 * Waiting: JS cannot block, so every wait (buffer map, queue done, error
 * scope) goes through wg_wait, which yields to the event loop with
 * emscripten_sleep until a callback sets the waiter's flag. The module links
 * with -sASYNCIFY; every export that can reach wg_wait must be called from JS
 * with ccall(..., {async: true}), one call at a time.
 *
 * Compatibility notes for 3.1.6's JS glue (library_webgpu.js):
 *  - it calls pass.dispatch(), which browsers renamed dispatchWorkgroups():
 *    engine/webgpu/wasm_pre.js adds the alias (also on the device's own
 *    GPUComputePassEncoder prototype, for node where the class is not global);
 *  - a NULL pipeline layout becomes `layout: undefined`, which current WebGPU
 *    rejects: layouts are always explicit here;
 *  - wgpuDeviceGetLimits has no maxBufferSize (the 2022 WGPULimits lacks it):
 *    it is read from device.limits by EM_JS;
 *  - the device-lost callback hangs on the device wrapper and the
 *    uncaptured-error callback replaces device.onuncapturederror, so the
 *    device handle and its callbacks are taken once per JS device and shared by
 *    every wg_dev (a list of open wg_devs receives the latched messages);
 *  - a bind group entry of WGPU_WHOLE_SIZE reaches JS as 2^64 - 1 (the glue
 *    misses its own sentinel), so buffers remember their size and "to the
 *    end" is passed as a byte count;
 *  - wgpuShaderModuleGetCompilationInfo aborts (unimplemented): WGSL errors
 *    come from an error scope around the pipeline's creation instead.
 * Errors: wg_read wraps its submission in an error scope, so an invalid
 * command buffer is reported by that read. wg_check does not yield: callbacks
 * (uncaptured errors, device loss) are delivered whenever a wait yields.
 * Browser messages span several lines; they are joined into one.
 */
#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#include <emscripten/html5_webgpu.h>
#include <webgpu/webgpu.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg.h"

/* How long one wait may take before it becomes an error (ms). A decode step
 * on a software adapter takes well under a second; a minute means the queue or
 * the browser is stuck. */
#define WG_WAIT_TIMEOUT_MS 60000.0

/* ---- the JS side (EM_JS: runs in the module's scope, sees Module) ---- */

/* 1 when JS provided Module.preinitializedWebGPUDevice. */
EM_JS(int, wg_js_have_device, (void), {
    return Module['preinitializedWebGPUDevice'] ? 1 : 0;
});

/* 1 when the device in Module is not the one taken last (or none was taken). */
EM_JS(int, wg_js_device_is_new, (void), {
    return Module['llmcapWgTakenDevice'] === Module['preinitializedWebGPUDevice'] ? 0 : 1;
});

/* Record the device in Module as taken. */
EM_JS(void, wg_js_device_taken, (void), {
    Module['llmcapWgTakenDevice'] = Module['preinitializedWebGPUDevice'];
});

/* Make pass.dispatch() work on this device (wasm_pre.js's helper). */
EM_JS(void, wg_js_patch_dispatch, (void), {
    if (Module['llmcapPatchDispatch']) Module['llmcapPatchDispatch'](Module['preinitializedWebGPUDevice']);
});

/* device.limits.maxBufferSize (bytes), 0 when the browser does not report it. */
EM_JS(double, wg_js_max_buffer_size, (void), {
    var l = Module['preinitializedWebGPUDevice'].limits;
    return l && typeof l['maxBufferSize'] === 'number' ? l['maxBufferSize'] : 0;
});

/* Copy Module.llmcapAdapterInfo ({vendor, architecture, device, description,
 * isFallbackAdapter, vendorId, deviceId}: GPUAdapterInfo's fields, stored by
 * api_webgpu.js) into C strings. */
EM_JS(void, wg_js_adapter_info, (char *vendor, int vendor_len, char *arch, int arch_len, char *device,
                                 int device_len, char *desc, int desc_len, int *ints), {
    var i = Module['llmcapAdapterInfo'] || {};
    function put(s, p, n) { stringToUTF8(s === undefined || s === null ? "" : String(s), p, n); }
    put(i['vendor'], vendor, vendor_len);
    put(i['architecture'], arch, arch_len);
    put(i['device'], device, device_len);
    put(i['description'], desc, desc_len);
    HEAP32[ints >> 2] = i['isFallbackAdapter'] ? 1 : 0;
    HEAP32[(ints >> 2) + 1] = i['vendorId'] >>> 0;
    HEAP32[(ints >> 2) + 2] = i['deviceId'] >>> 0;
});

/* ---- the shared device: one per JS device ---- */

typedef struct wg_shared {
    WGPUDevice device;
    WGPUQueue queue;
    bool lost;              /* the device-lost callback fired */
    char lost_msg[384];
    struct wg_dev *open;    /* open wg_devs, linked by next */
} wg_shared;

/* The current JS device's state. A new JS device gets a new one; the old one
 * is never freed, because its callbacks (device.lost resolves when a device is
 * destroyed) may still fire and must not touch the new device's state. */
static wg_shared *g_sh;

struct wg_dev {
    wg_shared *sh;
    WGPUCommandEncoder enc;         /* the recorder, NULL when nothing is recorded */
    WGPUComputePassEncoder pass;    /* the open compute pass inside enc, or NULL */
    WGPUBuffer staging;             /* MAP_READ | COPY_DST, for wg_read */
    uint64_t staging_bytes;
    wg_adapter_info info;
    wg_limits limits;
    bool failed;                    /* an error was latched */
    char error[512];                /* the first one */
    struct wg_dev *next;
};

struct wg_pipeline {
    WGPUComputePipeline pipe;
    WGPUBindGroupLayout bgl;
    WGPUPipelineLayout layout;
    int n_bind;
    bool dynamic;           /* has a WG_BIND_UNIFORM_DYNAMIC binding */
};

/* A buffer remembers its size: a bind group entry "to the end" needs it
 * (3.1.6's glue reads WGPU_WHOLE_SIZE as unsigned halves, misses its own
 * sentinel test and passes 2^64 - 1, which WebGPU rejects). */
struct wg_buffer_s {
    WGPUBuffer b;
    uint64_t size;          /* bytes */
};

static WGPUBuffer buf_of(wg_buffer b) { return b->b; }
static WGPUBindGroup group_of(wg_bindgroup g) { return (WGPUBindGroup)(void *)g; }

static eng_status fail(char *err, size_t err_len, eng_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static eng_status fail(char *err, size_t err_len, eng_status st, const char *fmt, ...)
{
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* src (a browser's message: several lines, WGSL errors with a caret line
 * under the source) as one line: lines trimmed and joined with " | ", empty
 * and caret-only lines dropped. */
static void one_line(char *dst, size_t cap, const char *src)
{
    size_t o = 0;
    if (!cap) return;
    dst[0] = 0;
    if (!src) return;
    while (*src) {
        const char *e = strchr(src, '\n');
        size_t len = e ? (size_t)(e - src) : strlen(src);
        const char *a = src, *b = src + len;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
        bool carets = a < b;
        for (const char *q = a; q < b; q++) carets &= *q == '^' || *q == ' ';
        if (a < b && !carets) {
            if (o && o + 3 < cap) { memcpy(dst + o, " | ", 3); o += 3; }
            size_t n = (size_t)(b - a) < cap - 1 - o ? (size_t)(b - a) : cap - 1 - o;
            memcpy(dst + o, a, n);
            o += n;
            dst[o] = 0;
        }
        src += len + (e ? 1 : 0);
    }
}

/* Latch msg into every open wg_dev that has no error yet. */
static void latch_all(wg_shared *sh, const char *kind, const char *msg)
{
    for (struct wg_dev *d = sh->open; d; d = d->next) {
        if (d->failed) continue;
        d->failed = true;
        char line[448];
        one_line(line, sizeof line, msg && *msg ? msg : "(no message)");
        snprintf(d->error, sizeof d->error, "WebGPU %s: %s", kind, line);
    }
}

static void on_uncaptured_error(WGPUErrorType type, const char *msg, void *ud)
{
    const char *kind = type == WGPUErrorType_Validation    ? "validation error"
                       : type == WGPUErrorType_OutOfMemory ? "out-of-memory error"
                       : type == WGPUErrorType_DeviceLost  ? "device lost"
                                                           : "internal error";
    latch_all((wg_shared *)ud, kind, msg);
}

static void on_device_lost(WGPUDeviceLostReason reason, const char *msg, void *ud)
{
    wg_shared *sh = ud;
    if (!sh->lost) {
        sh->lost = true;
        char line[320];
        one_line(line, sizeof line, msg && *msg ? msg : "device lost");
        snprintf(sh->lost_msg, sizeof sh->lost_msg, "%s (reason %d)", line, (int)reason);
    }
    latch_all(sh, "device lost", sh->lost_msg);
}

/* ---- waiting: the one place ---- */

/* A pending callback's state. Heap-allocated: when a wait times out the
 * waiter is abandoned and the callback, should it ever come, frees it. */
typedef struct wg_waiter {
    volatile bool done;
    bool abandoned;
    int status;             /* the callback's status or error type */
    char msg[512];          /* the callback's message, if any */
} wg_waiter;

static void waiter_done(wg_waiter *w, int status, const char *msg)
{
    w->status = status;
    if (msg) one_line(w->msg, sizeof w->msg, msg);
    w->done = true;
    if (w->abandoned) free(w);
}

/* Give up on w: free it now if its callback came, else let the callback free it. */
static void abandon(wg_waiter *w)
{
    if (w->done) free(w);
    else w->abandoned = true;
}

static void on_map(WGPUBufferMapAsyncStatus status, void *ud) { waiter_done(ud, (int)status, NULL); }
static void on_work_done(WGPUQueueWorkDoneStatus status, void *ud) { waiter_done(ud, (int)status, NULL); }
static void on_scope(WGPUErrorType type, const char *msg, void *ud) { waiter_done(ud, (int)type, msg); }

/* Yield to the JS event loop until w->done (set by a WebGPU callback), the
 * device is lost, or WG_WAIT_TIMEOUT_MS pass. On ENG_OK the caller owns and
 * frees w; on failure w is freed here or left to its callback. */
static eng_status wg_wait(wg_dev *d, wg_waiter *w, const char *what, char *err, size_t err_len)
{
    double t0 = emscripten_get_now();
    while (!w->done) {
        if (d->sh->lost) {
            abandon(w);
            return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU device lost while waiting for %s: %s", what,
                        d->sh->lost_msg);
        }
        if (emscripten_get_now() - t0 > WG_WAIT_TIMEOUT_MS) {
            abandon(w);
            return fail(err, err_len, ENG_ERR_BACKEND,
                        "WebGPU: timed out after %.0f s waiting for %s (is the module linked with -sASYNCIFY "
                        "and the export called with ccall {async: true}?)",
                        WG_WAIT_TIMEOUT_MS / 1e3, what);
        }
        emscripten_sleep(0);
    }
    return ENG_OK;
}

/* ---- device ---- */

static const char *backend_name = "webgpu";

static void read_limits(wg_dev *d)
{
    WGPUSupportedLimits sl;
    memset(&sl, 0, sizeof sl);
    wgpuDeviceGetLimits(d->sh->device, &sl);
    const WGPULimits *l = &sl.limits;
    wg_limits *o = &d->limits;
    o->max_storage_buffer_binding_size = l->maxStorageBufferBindingSize;
    double mb = wg_js_max_buffer_size();
    o->max_buffer_size = mb > 0 ? (uint64_t)mb : l->maxStorageBufferBindingSize;
    o->min_storage_buffer_offset_alignment = l->minStorageBufferOffsetAlignment;
    o->min_uniform_buffer_offset_alignment = l->minUniformBufferOffsetAlignment;
    o->max_storage_buffers_per_shader_stage = l->maxStorageBuffersPerShaderStage;
    o->max_compute_workgroup_storage_size = l->maxComputeWorkgroupStorageSize;
    o->max_compute_invocations_per_workgroup = l->maxComputeInvocationsPerWorkgroup;
    o->max_compute_workgroup_size_x = l->maxComputeWorkgroupSizeX;
    o->max_compute_workgroups_per_dimension = l->maxComputeWorkgroupsPerDimension;
}

static void read_info(wg_dev *d)
{
    wg_adapter_info *i = &d->info;
    int ints[3] = {0, 0, 0};
    wg_js_adapter_info(i->vendor, (int)sizeof i->vendor, i->architecture, (int)sizeof i->architecture, i->device,
                       (int)sizeof i->device, i->description, (int)sizeof i->description, ints);
    i->fallback = ints[0] != 0;
    i->vendor_id = (uint32_t)ints[1];
    i->device_id = (uint32_t)ints[2];
    snprintf(i->backend, sizeof i->backend, "%s", backend_name);
    /* the WebGPU JS API does not say what kind of adapter it is; a fallback
     * adapter is a software one (SwiftShader, lavapipe) */
    snprintf(i->adapter_type, sizeof i->adapter_type, "%s", i->fallback ? "cpu" : "unknown");
}

eng_status wg_open(const wg_open_params *p, wg_dev **out, char *err, size_t err_len)
{
    *out = NULL;
    if (!wg_js_have_device())
        return fail(err, err_len, ENG_ERR_BACKEND,
                    "WebGPU: no device (JS must set Module.preinitializedWebGPUDevice before the module starts; "
                    "engine/webgpu/api_webgpu.js does it)");
    wg_shared *sh = g_sh;
    if (!sh || wg_js_device_is_new()) {
        /* a new JS device: take it and hang the callbacks on it once */
        if (sh && sh->open)
            return fail(err, err_len, ENG_ERR_BACKEND,
                        "WebGPU: Module.preinitializedWebGPUDevice changed while contexts on the old device are open");
        wg_shared *nsh = calloc(1, sizeof *nsh);
        if (!nsh) return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU: out of memory");
        nsh->device = emscripten_webgpu_get_device();
        if (!nsh->device) { free(nsh); return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU: emscripten_webgpu_get_device failed"); }
        nsh->queue = wgpuDeviceGetQueue(nsh->device);
        wgpuDeviceSetUncapturedErrorCallback(nsh->device, on_uncaptured_error, nsh);
        wgpuDeviceSetDeviceLostCallback(nsh->device, on_device_lost, nsh);
        wg_js_patch_dispatch();
        wg_js_device_taken();
        g_sh = sh = nsh;
    }
    if (sh->lost) return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU device lost: %s", sh->lost_msg);
    wg_dev *d = calloc(1, sizeof *d);
    if (!d) return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU: out of memory");
    d->sh = sh;
    read_limits(d);
    read_info(d);
    (void)p; /* lib_path is native-only; timestamps are not offered in the browser flavour */
    d->next = sh->open;
    sh->open = d;
    *out = d;
    return ENG_OK;
}

static void drop_recording(wg_dev *d)
{
    if (d->pass) { wgpuComputePassEncoderEnd(d->pass); wgpuComputePassEncoderRelease(d->pass); d->pass = NULL; }
    if (d->enc) { wgpuCommandEncoderRelease(d->enc); d->enc = NULL; }
}

void wg_close(wg_dev *d)
{
    if (!d) return;
    drop_recording(d);
    if (d->staging) { wgpuBufferDestroy(d->staging); wgpuBufferRelease(d->staging); }
    for (struct wg_dev **pp = &d->sh->open; *pp; pp = &(*pp)->next)
        if (*pp == d) { *pp = d->next; break; }
    /* the device and queue stay taken (g_sh): the JS device is the page's,
     * and the next wg_open reuses them */
    free(d);
}

const wg_adapter_info *wg_info(const wg_dev *d) { return &d->info; }
const wg_limits *wg_get_limits(const wg_dev *d) { return &d->limits; }
bool wg_has_timestamps(const wg_dev *d) { (void)d; return false; }

eng_status wg_check(wg_dev *d, char *err, size_t err_len)
{
    /* callbacks run from the event loop, which runs whenever a wait yields;
     * wg_check itself does not yield (it is called between dispatches) */
    if (d->failed) return fail(err, err_len, ENG_ERR_BACKEND, "%s", d->error);
    return ENG_OK;
}

/* ---- buffers ---- */

wg_buffer wg_buffer_create(wg_dev *d, uint64_t size, unsigned usage, const char *label)
{
    if (size == 0 || size % 4 || size > d->limits.max_buffer_size) return NULL;
    WGPUBufferUsageFlags u = 0;
    if (usage & WG_BUF_STORAGE) u |= WGPUBufferUsage_Storage;
    if (usage & WG_BUF_UNIFORM) u |= WGPUBufferUsage_Uniform;
    if (usage & WG_BUF_COPY_SRC) u |= WGPUBufferUsage_CopySrc;
    if (usage & WG_BUF_COPY_DST) u |= WGPUBufferUsage_CopyDst;
    WGPUBufferDescriptor bd = {.label = label, .usage = u, .size = size, .mappedAtCreation = false};
    struct wg_buffer_s *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->b = wgpuDeviceCreateBuffer(d->sh->device, &bd);
    w->size = size;
    if (!w->b) { free(w); return NULL; }
    return w;
}

void wg_buffer_release(wg_buffer b)
{
    if (!b) return;
    /* destroy frees the GPU memory now; release drops the JS object */
    wgpuBufferDestroy(b->b);
    wgpuBufferRelease(b->b);
    free(b);
}

void wg_write(wg_dev *d, wg_buffer b, uint64_t offset, const void *src, size_t n)
{
    if (!n) return;
    wgpuQueueWriteBuffer(d->sh->queue, buf_of(b), offset, src, n);
}

/* ---- pipelines ---- */

eng_status wg_pipeline_create(wg_dev *d, const char *label, const char *code, const char *entry,
                              const wg_binding_kind *kinds, int n_bind, const wg_constant *consts,
                              int n_consts, wg_pipeline **out, char *err, size_t err_len)
{
    *out = NULL;
    if (!label) label = "(unnamed)";
    if (n_bind < 0 || n_bind > 32 || n_consts < 0 || n_consts > 64)
        return fail(err, err_len, ENG_ERR_ARG, "WebGPU pipeline '%s': %d bindings, %d constants", label, n_bind,
                    n_consts);
    wg_pipeline *p = calloc(1, sizeof *p);
    if (!p) return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU pipeline '%s': out of memory", label);
    p->n_bind = n_bind;

    WGPUBindGroupLayoutEntry ent[32];
    memset(ent, 0, sizeof ent);
    int n_dyn = 0;
    for (int i = 0; i < n_bind; i++) {
        ent[i].binding = (uint32_t)i;
        ent[i].visibility = WGPUShaderStage_Compute;
        switch (kinds[i]) {
        case WG_BIND_STORAGE_RO: ent[i].buffer.type = WGPUBufferBindingType_ReadOnlyStorage; break;
        case WG_BIND_STORAGE_RW: ent[i].buffer.type = WGPUBufferBindingType_Storage; break;
        case WG_BIND_UNIFORM: ent[i].buffer.type = WGPUBufferBindingType_Uniform; break;
        case WG_BIND_UNIFORM_DYNAMIC:
            ent[i].buffer.type = WGPUBufferBindingType_Uniform;
            ent[i].buffer.hasDynamicOffset = true;
            n_dyn++;
            break;
        default:
            free(p);
            return fail(err, err_len, ENG_ERR_ARG, "WebGPU pipeline '%s': binding %d has kind %d", label, i,
                        (int)kinds[i]);
        }
    }
    if (n_dyn > 1) {
        free(p);
        return fail(err, err_len, ENG_ERR_ARG, "WebGPU pipeline '%s': %d dynamic uniform bindings (at most 1)",
                    label, n_dyn);
    }
    p->dynamic = n_dyn == 1;

    WGPUConstantEntry ce[64];
    memset(ce, 0, sizeof ce);
    for (int i = 0; i < n_consts; i++) { ce[i].key = consts[i].name; ce[i].value = consts[i].value; }

    /* every creation error (WGSL compilation included: the browser reports it
     * as a validation error naming the line) is caught by one error scope */
    WGPUDevice dev = d->sh->device;
    wgpuDevicePushErrorScope(dev, WGPUErrorFilter_Validation);
    WGPUShaderModuleWGSLDescriptor wgsl = {.chain = {.next = NULL, .sType = WGPUSType_ShaderModuleWGSLDescriptor},
                                           .source = code};
    WGPUShaderModuleDescriptor smd = {.nextInChain = &wgsl.chain, .label = label};
    WGPUShaderModule sm = wgpuDeviceCreateShaderModule(dev, &smd);
    WGPUBindGroupLayoutDescriptor bgld = {.label = label, .entryCount = (uint32_t)n_bind, .entries = ent};
    p->bgl = wgpuDeviceCreateBindGroupLayout(dev, &bgld);
    WGPUPipelineLayoutDescriptor pld = {.label = label, .bindGroupLayoutCount = 1, .bindGroupLayouts = &p->bgl};
    p->layout = wgpuDeviceCreatePipelineLayout(dev, &pld);
    WGPUComputePipelineDescriptor cpd = {
        .label = label,
        .layout = p->layout,
        .compute = {.module = sm, .entryPoint = entry, .constantCount = (uint32_t)n_consts,
                    .constants = n_consts ? ce : NULL},
    };
    p->pipe = wgpuDeviceCreateComputePipeline(dev, &cpd);
    if (sm) wgpuShaderModuleRelease(sm);

    wg_waiter *w = calloc(1, sizeof *w);
    if (!w) { wg_pipeline_release(p); return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU: out of memory"); }
    wgpuDevicePopErrorScope(dev, on_scope, w);
    char what[160];
    snprintf(what, sizeof what, "the compilation of pipeline '%s'", label);
    eng_status st = wg_wait(d, w, what, err, err_len);
    if (st != ENG_OK) { wg_pipeline_release(p); return st; }
    if (w->status != WGPUErrorType_NoError || !p->pipe) {
        st = fail(err, err_len, ENG_ERR_BACKEND, "WebGPU pipeline '%s' (entry '%s'): %s", label, entry,
                  w->msg[0] ? w->msg : "creation failed");
        free(w);
        wg_pipeline_release(p);
        return st;
    }
    free(w);
    *out = p;
    return ENG_OK;
}

void wg_pipeline_release(wg_pipeline *p)
{
    if (!p) return;
    if (p->pipe) wgpuComputePipelineRelease(p->pipe);
    if (p->layout) wgpuPipelineLayoutRelease(p->layout);
    if (p->bgl) wgpuBindGroupLayoutRelease(p->bgl);
    free(p);
}

wg_bindgroup wg_bindgroup_create(wg_dev *d, const wg_pipeline *p, const wg_bind *binds, int n)
{
    if (n != p->n_bind || n > 32) return NULL;
    WGPUBindGroupEntry e[32];
    memset(e, 0, sizeof e);
    for (int i = 0; i < n; i++) {
        if (!binds[i].buf) return NULL;
        e[i].binding = (uint32_t)i;
        e[i].buffer = buf_of(binds[i].buf);
        e[i].offset = binds[i].offset;
        e[i].size = binds[i].size ? binds[i].size
                    : binds[i].offset < binds[i].buf->size ? binds[i].buf->size - binds[i].offset : 0;
    }
    WGPUBindGroupDescriptor bd = {.layout = p->bgl, .entryCount = (uint32_t)n, .entries = e};
    return (wg_bindgroup)(void *)wgpuDeviceCreateBindGroup(d->sh->device, &bd);
}

void wg_bindgroup_release(wg_bindgroup g)
{
    if (g) wgpuBindGroupRelease(group_of(g));
}

/* ---- recording ---- */

static void ensure_encoder(wg_dev *d)
{
    if (!d->enc) d->enc = wgpuDeviceCreateCommandEncoder(d->sh->device, NULL);
}

static void end_pass(wg_dev *d)
{
    if (!d->pass) return;
    wgpuComputePassEncoderEnd(d->pass);
    wgpuComputePassEncoderRelease(d->pass);
    d->pass = NULL;
}

void wg_dispatch(wg_dev *d, const wg_pipeline *p, wg_bindgroup g, uint32_t dyn_offset, uint32_t gx,
                 uint32_t gy, uint32_t gz, const char *name)
{
    (void)name; /* only used for profiling, which this flavour does not offer */
    if (!gx || !gy || !gz) return;
    ensure_encoder(d);
    if (!d->pass) d->pass = wgpuCommandEncoderBeginComputePass(d->enc, NULL);
    wgpuComputePassEncoderSetPipeline(d->pass, p->pipe);
    wgpuComputePassEncoderSetBindGroup(d->pass, 0, group_of(g), p->dynamic ? 1u : 0u, &dyn_offset);
    wgpuComputePassEncoderDispatch(d->pass, gx, gy, gz);
}

void wg_copy(wg_dev *d, wg_buffer src, uint64_t src_off, wg_buffer dst, uint64_t dst_off, uint64_t n)
{
    if (!n) return;
    end_pass(d);
    ensure_encoder(d);
    wgpuCommandEncoderCopyBufferToBuffer(d->enc, buf_of(src), src_off, buf_of(dst), dst_off, n);
}

void wg_submit(wg_dev *d)
{
    if (!d->enc) return;
    end_pass(d);
    WGPUCommandBuffer cb = wgpuCommandEncoderFinish(d->enc, NULL);
    wgpuCommandEncoderRelease(d->enc);
    d->enc = NULL;
    wgpuQueueSubmit(d->sh->queue, 1, &cb);
    wgpuCommandBufferRelease(cb);
}

eng_status wg_read(wg_dev *d, wg_buffer src, uint64_t offset, void *dst, size_t n, char *err, size_t err_len)
{
    if (d->failed) { drop_recording(d); return fail(err, err_len, ENG_ERR_BACKEND, "%s", d->error); }
    if (n == 0) { wg_submit(d); return ENG_OK; }
    if (n % 4 || offset % 4)
        return fail(err, err_len, ENG_ERR_ARG, "WebGPU read: %zu bytes at offset %llu (both must be multiples of 4)",
                    n, (unsigned long long)offset);
    if (d->staging_bytes < n) {
        if (d->staging) { wgpuBufferDestroy(d->staging); wgpuBufferRelease(d->staging); }
        uint64_t sz = 4096;
        while (sz < n) sz *= 2;
        WGPUBufferDescriptor bd = {.label = "llmcap readback", .usage = WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst,
                                   .size = sz};
        d->staging = wgpuDeviceCreateBuffer(d->sh->device, &bd);
        d->staging_bytes = d->staging ? sz : 0;
        if (!d->staging) return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU: cannot create a %llu-byte readback buffer",
                                     (unsigned long long)sz);
    }
    end_pass(d);
    ensure_encoder(d);
    wgpuCommandEncoderCopyBufferToBuffer(d->enc, buf_of(src), offset, d->staging, 0, n);
    /* an error scope around the submission: an invalid command buffer (a
     * dispatch with a broken bind group, say) is reported by this read, not
     * by some later wg_check */
    wg_waiter *ws = calloc(1, sizeof *ws), *w = calloc(1, sizeof *w);
    if (!ws || !w) { free(ws); free(w); drop_recording(d); return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU: out of memory"); }
    wgpuDevicePushErrorScope(d->sh->device, WGPUErrorFilter_Validation);
    wg_submit(d);
    wgpuDevicePopErrorScope(d->sh->device, on_scope, ws);
    wgpuBufferMapAsync(d->staging, WGPUMapMode_Read, 0, n, on_map, w);
    eng_status st = wg_wait(d, w, "a buffer read", err, err_len);
    if (st != ENG_OK) { abandon(ws); return st; }
    int status = w->status;
    free(w);
    st = wg_wait(d, ws, "the submission's error scope", err, err_len);
    if (st != ENG_OK) { if (status == WGPUBufferMapAsyncStatus_Success) wgpuBufferUnmap(d->staging); return st; }
    if (ws->status != WGPUErrorType_NoError)
        latch_all(d->sh, ws->status == WGPUErrorType_OutOfMemory ? "out-of-memory error" : "validation error",
                  ws->msg);
    free(ws);
    if (d->failed) {
        if (status == WGPUBufferMapAsyncStatus_Success) wgpuBufferUnmap(d->staging);
        return fail(err, err_len, ENG_ERR_BACKEND, "%s", d->error);
    }
    if (status != WGPUBufferMapAsyncStatus_Success)
        return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU: mapping the readback buffer failed (status %d)", status);
    const void *m = wgpuBufferGetConstMappedRange(d->staging, 0, n);
    if (!m) {
        wgpuBufferUnmap(d->staging);
        return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU: getMappedRange of %zu bytes failed", n);
    }
    memcpy(dst, m, n);
    wgpuBufferUnmap(d->staging); /* frees the glue's heap copy of the range */
    return ENG_OK;
}

eng_status wg_finish(wg_dev *d, char *err, size_t err_len)
{
    wg_submit(d);
    wg_waiter *w = calloc(1, sizeof *w);
    if (!w) return fail(err, err_len, ENG_ERR_NOMEM, "WebGPU: out of memory");
    wgpuQueueOnSubmittedWorkDone(d->sh->queue, 0, on_work_done, w);
    eng_status st = wg_wait(d, w, "the queue to finish", err, err_len);
    if (st != ENG_OK) return st;
    int status = w->status;
    free(w);
    if (d->failed) return fail(err, err_len, ENG_ERR_BACKEND, "%s", d->error);
    if (status != WGPUQueueWorkDoneStatus_Success)
        return fail(err, err_len, ENG_ERR_BACKEND, "WebGPU: queue work-done status %d", status);
    return ENG_OK;
}

/* ---- profiling ---- */

eng_status wg_profile_begin(wg_dev *d, int max_dispatches, char *err, size_t err_len)
{
    (void)d;
    (void)max_dispatches;
    return fail(err, err_len, ENG_ERR_UNSUPPORTED,
                "WebGPU profiling: timestamp queries are not offered by the WASM flavour (optional in browsers)");
}

eng_status wg_profile_end(wg_dev *d, const char **names, double *ns, int cap, int *n, char *err, size_t err_len)
{
    (void)d;
    (void)names;
    (void)ns;
    (void)cap;
    if (n) *n = 0;
    return fail(err, err_len, ENG_ERR_UNSUPPORTED,
                "WebGPU profiling: timestamp queries are not offered by the WASM flavour (optional in browsers)");
}

#else
/* native builds use wg_dawn.c; keep ISO C happy: a translation unit must not be empty */
typedef int llmcap_wg_emscripten_native_placeholder;
#endif
