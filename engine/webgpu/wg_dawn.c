/* wg_dawn.c - wg.h on native Dawn (the C API of google/dawn df73f162,
 * 2025-06-24), loaded at run time from npm bun-webgpu-linux-x64@0.1.7's
 * libwebgpu_wrapper.so with dlopen, so a CPU-only run never needs it.
 *
 * The library: wg_open_params.lib_path; else $LLMCAP_DAWN_LIB; else
 * libwebgpu_wrapper.so beside the running executable (a self-contained bundle);
 * else LLMCAP_DAWN_DEFAULT, the npm copy's absolute path recorded by
 * engine/webgpu/webgpu.mk (a candidate that does not load is skipped; the
 * error names every one tried). It is loaded once per process and never
 * unloaded; an explicit lib_path must then name that same library.
 *
 * Environment (optional): LLMCAP_WEBGPU_BACKEND = vulkan | opengles | opengl |
 * metal | d3d12 | d3d11 | null forces Dawn's backend (opengl/opengles also ask
 * for a compatibility-level adapter); LLMCAP_WEBGPU_TIMEOUT_S (default 60)
 * bounds every wait.
 *
 * Waiting happens in one function, wait_future(): wgpuInstanceWaitAny on one
 * WGPUFuture with a timeout (the instance is created with timedWaitAnyEnable).
 * Every asynchronous call uses callback mode WaitAnyOnly, so callbacks run
 * inside that wait on this thread. Device loss and uncaptured errors are
 * latched by the device's callbacks and reported by wg_check; a timed-out wait
 * is latched too. Creating a buffer, pipeline or bind group wraps the calls in
 * error scopes (validation, out of memory) and waits for them, so its errors
 * come back to the caller instead of being latched (load-time cost only; a
 * failed bind group also latches its reason, wg_bindgroup_create having no
 * error buffer).
 *
 * Not thread-safe: one thread uses a wg_dev at a time.
 */
#include "wg.h"
#include "wg_dawn_api.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- the library: one static table of function pointers ---- */

#define WG_DAWN_LIB_NAME "libwebgpu_wrapper.so"

/* Every C function we call: X(name) gives field `name` of type WGPUProc##name,
 * loaded from symbol "wgpu" #name. */
#define WG_DAWN_FUNCS(X)                                                                           \
    X(CreateInstance) X(InstanceRelease) X(InstanceProcessEvents) X(InstanceWaitAny)               \
    X(InstanceRequestAdapter) X(AdapterGetInfo) X(AdapterInfoFreeMembers) X(AdapterGetLimits)     \
    X(AdapterHasFeature) X(AdapterRequestDevice) X(AdapterRelease) X(DeviceGetQueue)               \
    X(DeviceGetLimits) X(DeviceHasFeature) X(DeviceCreateBuffer) X(DeviceCreateShaderModule)       \
    X(DeviceCreateBindGroupLayout) X(DeviceCreatePipelineLayout) X(DeviceCreateComputePipeline)    \
    X(DeviceCreateBindGroup) X(DeviceCreateCommandEncoder) X(DeviceCreateQuerySet)                 \
    X(DevicePushErrorScope) X(DevicePopErrorScope) X(DeviceDestroy) X(DeviceRelease)               \
    X(QueueSubmit) X(QueueWriteBuffer) X(QueueOnSubmittedWorkDone) X(QueueRelease)                 \
    X(BufferMapAsync) X(BufferGetConstMappedRange) X(BufferUnmap) X(BufferRelease)                 \
    X(ShaderModuleRelease) X(BindGroupLayoutRelease) X(PipelineLayoutRelease)                      \
    X(ComputePipelineRelease) X(BindGroupRelease) X(CommandEncoderBeginComputePass)                \
    X(CommandEncoderCopyBufferToBuffer) X(CommandEncoderResolveQuerySet) X(CommandEncoderFinish)   \
    X(CommandEncoderRelease) X(ComputePassEncoderSetPipeline) X(ComputePassEncoderSetBindGroup)    \
    X(ComputePassEncoderDispatchWorkgroups) X(ComputePassEncoderEnd) X(ComputePassEncoderRelease)  \
    X(CommandBufferRelease) X(QuerySetDestroy) X(QuerySetRelease)

#define WG_FIELD(name) WGPUProc##name name;
static struct {
    WG_DAWN_FUNCS(WG_FIELD)
} dawn;
#undef WG_FIELD

#define WG_ROW(name) {"wgpu" #name, offsetof(__typeof__(dawn), name)},
static const struct { const char *symbol; size_t offset; } DAWN_SYMBOLS[] = {WG_DAWN_FUNCS(WG_ROW)};
#undef WG_ROW

_Static_assert(sizeof(void *) == sizeof(WGPUProcCreateInstance), "dlsym result fits a function pointer");

static void *dawn_handle;          /* dlopen handle once loaded */
static char dawn_path[PATH_MAX];   /* the path it was loaded from */

/* Printf into err (never NULL-safe callers' problem: err may be NULL). */
static void seterr(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t err_len, const char *fmt, ...) {
    if (!err || !err_len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* dlopen `path` and resolve every symbol into `dawn` (when no library is
 * loaded yet; when one is, `path` must be that same file). On failure appends
 * "path (reason)" to tried[] and returns false. */
static bool dawn_try_load(const char *path, char *tried, size_t tried_len) {
    size_t used = strlen(tried);
    const char *sep = used ? "; " : "";
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        /* dlerror repeats the path first; keep only the reason after ": " */
        const char *r = why ? strstr(why, ": ") : NULL;
        snprintf(tried + used, tried_len - used, "%s%.1000s (%s)", sep, path,
                 r ? r + 2 : (why ? why : "cannot open"));
        return false;
    }
    if (dawn_handle) {
        dlclose(h);   /* balances this dlopen; the loaded library stays */
        if (h == dawn_handle) return true;
        snprintf(tried + used, tried_len - used, "%s%.1000s (another Dawn is already loaded from %.1000s)", sep,
                 path, dawn_path);
        return false;
    }
    for (size_t i = 0; i < sizeof DAWN_SYMBOLS / sizeof DAWN_SYMBOLS[0]; i++) {
        void *sym = dlsym(h, DAWN_SYMBOLS[i].symbol);
        if (!sym) {
            snprintf(tried + used, tried_len - used,
                     "%s%.1000s (no symbol %s: not the Dawn of bun-webgpu-linux-x64@0.1.7)", sep, path,
                     DAWN_SYMBOLS[i].symbol);
            memset(&dawn, 0, sizeof dawn);
            dlclose(h);
            return false;
        }
        memcpy((char *)&dawn + DAWN_SYMBOLS[i].offset, &sym, sizeof sym);
    }
    dawn_handle = h;
    snprintf(dawn_path, sizeof dawn_path, "%s", path);
    return true;
}

/* Load the library once per process (search order in the file comment); an
 * explicit lib_path is always opened, and must be the library already loaded
 * if there is one. */
static eng_status dawn_load(const char *lib_path, char *err, size_t err_len) {
    char tried[2048] = "";
    if (lib_path && *lib_path) {
        if (dawn_try_load(lib_path, tried, sizeof tried)) return ENG_OK;
        seterr(err, err_len, "webgpu: cannot load the Dawn library %s; run 'make deps-webgpu'", tried);
        return ENG_ERR_BACKEND;
    }
    if (dawn_handle) return ENG_OK;
    const char *env = getenv("LLMCAP_DAWN_LIB");
    if (env && *env && dawn_try_load(env, tried, sizeof tried)) return ENG_OK;
    /* beside the running executable: a bundle of binary + library */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            char path[PATH_MAX + 32];
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - exe), exe, WG_DAWN_LIB_NAME);
            if (access(path, F_OK) == 0) {
                if (dawn_try_load(path, tried, sizeof tried)) return ENG_OK;
            } else {
                size_t used = strlen(tried);
                snprintf(tried + used, sizeof tried - used, "%s%.1000s (not found)", used ? "; " : "", path);
            }
        }
    }
#ifdef LLMCAP_DAWN_DEFAULT
    if (dawn_try_load(LLMCAP_DAWN_DEFAULT, tried, sizeof tried)) return ENG_OK;
#endif
    seterr(err, err_len,
           "webgpu: cannot load the Dawn library (tried: %s); run 'make deps-webgpu' or set LLMCAP_DAWN_LIB",
           tried[0] ? tried : "nothing");
    return ENG_ERR_BACKEND;
}

/* ---- the device ---- */

struct wg_buffer_s {
    WGPUBuffer buf;
    uint64_t size;                 /* bytes */
};

struct wg_bindgroup_s {
    WGPUBindGroup group;
};

struct wg_pipeline {
    WGPUComputePipeline pipe;
    WGPUBindGroupLayout layout;    /* group 0 */
    int n_bind;
    bool dynamic;                  /* has a WG_BIND_UNIFORM_DYNAMIC binding */
};

/* results of asynchronous calls, written by their callbacks */
typedef struct adapter_result {
    WGPURequestAdapterStatus status;
    WGPUAdapter adapter;
    char message[256];
} adapter_result;

typedef struct device_result {
    WGPURequestDeviceStatus status;
    WGPUDevice device;
    char message[256];
} device_result;

typedef struct scope_result {
    WGPUPopErrorScopeStatus status;
    WGPUErrorType type;
    char message[1024];
} scope_result;

typedef struct status_result {
    int status;                    /* WGPUMapAsyncStatus or WGPUQueueWorkDoneStatus */
    char message[256];
} status_result;

struct wg_dev {
    WGPUInstance instance;
    WGPUAdapter adapter;
    WGPUDevice device;
    WGPUQueue queue;
    wg_adapter_info info;
    wg_limits limits;
    bool timestamps;
    uint64_t timeout_ns;           /* per wait */

    /* first device-lost / uncaptured error, "" while none */
    char latched[1024];
    bool closing;                  /* wg_close: loss from our own destroy is no error */

    /* where the callbacks write, never a stack frame: a wait that timed out
     * leaves its callback pending until wgpuInstanceRelease cancels it */
    adapter_result ar;
    device_result dr;
    scope_result scope;
    status_result map, done;

    /* recording */
    WGPUCommandEncoder enc;        /* NULL when nothing is recorded */
    WGPUComputePassEncoder pass;   /* NULL when no compute pass is open */
    /* pipeline last set in `pass`: a handle, not our struct, since the pass
     * holds a reference to it, its address cannot be reused meanwhile */
    WGPUComputePipeline pass_pipe;

    /* wg_read's MAP_READ | COPY_DST staging buffer, grown as needed */
    WGPUBuffer staging;
    uint64_t staging_bytes;

    /* profiling (wg_profile_begin .. end) */
    bool profiling;
    WGPUQuerySet queries;          /* 2 * prof_max timestamps */
    WGPUBuffer resolve;            /* QueryResolve | CopySrc, 16 bytes per dispatch */
    int prof_max, prof_n;
    const char **prof_names;       /* prof_max */
};

/* A C string as a WGPUStringView (NULL stays the null view). */
static WGPUStringView sv(const char *s) {
    WGPUStringView v = {s, s ? strlen(s) : WGPU_STRLEN};
    return v;
}

/* Copy a string view into dst (cap bytes), folding every run of whitespace
 * (Dawn's messages span lines) into one space. */
static void sv_copy(char *dst, size_t cap, WGPUStringView v) {
    if (!cap) return;
    size_t len = v.data ? (v.length == WGPU_STRLEN ? strlen(v.data) : v.length) : 0;
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        char c = v.data[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap) dst[o++] = ' ';
        space = false;
        dst[o++] = c;
    }
    dst[o] = '\0';
}

static const char *error_type_str(WGPUErrorType t) {
    switch (t) {
    case WGPUErrorType_Validation: return "validation error";
    case WGPUErrorType_OutOfMemory: return "out of memory";
    case WGPUErrorType_Internal: return "internal error";
    default: return "error";
    }
}

/* Backend names indexed by WGPUBackendType (lowercase, as wg_adapter_info.backend) */
static const char *const BACKEND_NAMES[] = {
    [WGPUBackendType_Undefined] = "undefined", [WGPUBackendType_Null] = "null",
    [WGPUBackendType_WebGPU] = "webgpu",       [WGPUBackendType_D3D11] = "d3d11",
    [WGPUBackendType_D3D12] = "d3d12",         [WGPUBackendType_Metal] = "metal",
    [WGPUBackendType_Vulkan] = "vulkan",       [WGPUBackendType_OpenGL] = "opengl",
    [WGPUBackendType_OpenGLES] = "opengles",
};
#define N_BACKENDS (int)(sizeof BACKEND_NAMES / sizeof BACKEND_NAMES[0])

static void latch(wg_dev *d, const char *what, WGPUStringView msg) {
    if (d->latched[0]) return;
    char m[sizeof d->latched - 64];   /* room for the prefix */
    sv_copy(m, sizeof m, msg);
    snprintf(d->latched, sizeof d->latched, "WebGPU %s: %s", what, m);
}

static void on_device_lost(WGPUDevice const *device, WGPUDeviceLostReason reason, WGPUStringView message,
                           void *ud1, void *ud2) {
    (void)device, (void)ud2;
    wg_dev *d = ud1;
    if (!d || d->closing || reason == WGPUDeviceLostReason_CallbackCancelled) return;
    latch(d, "device lost", message);
}

static void on_uncaptured_error(WGPUDevice const *device, WGPUErrorType type, WGPUStringView message, void *ud1,
                                void *ud2) {
    (void)device, (void)ud2;
    wg_dev *d = ud1;
    if (d && !d->closing) latch(d, error_type_str(type), message);
}

/* ---- waiting: the one place ---- */

/* Wait for future f (its callback, mode WaitAnyOnly, runs in here) at most
 * d->timeout_ns. On a timeout or a failed wait: ENG_ERR_BACKEND with
 * "webgpu: <what>: ...", also latched (the device is not usable after it). */
static eng_status wait_future(wg_dev *d, WGPUFuture f, const char *what, char *err, size_t err_len) {
    WGPUFutureWaitInfo w = {f, 0};
    WGPUWaitStatus s = dawn.InstanceWaitAny(d->instance, 1, &w, d->timeout_ns);
    if (s == WGPUWaitStatus_Success && w.completed) return ENG_OK;
    char msg[256];
    if (s == WGPUWaitStatus_TimedOut)
        snprintf(msg, sizeof msg, "webgpu: %s: timed out after %.3g s (LLMCAP_WEBGPU_TIMEOUT_S)", what,
                 (double)d->timeout_ns * 1e-9);
    else
        snprintf(msg, sizeof msg, "webgpu: %s: wgpuInstanceWaitAny failed (status %d)", what, (int)s);
    if (!d->latched[0]) snprintf(d->latched, sizeof d->latched, "%s", msg);
    seterr(err, err_len, "%s", msg);
    return ENG_ERR_BACKEND;
}

/* ---- open / close ---- */


static void on_adapter(WGPURequestAdapterStatus status, WGPUAdapter adapter, WGPUStringView message, void *ud1,
                       void *ud2) {
    (void)ud2;
    adapter_result *r = ud1;
    r->status = status;
    r->adapter = adapter;
    sv_copy(r->message, sizeof r->message, message);
}


static void on_device(WGPURequestDeviceStatus status, WGPUDevice device, WGPUStringView message, void *ud1,
                      void *ud2) {
    (void)ud2;
    device_result *r = ud1;
    r->status = status;
    r->device = device;
    sv_copy(r->message, sizeof r->message, message);
}

/* LLMCAP_WEBGPU_BACKEND as a WGPUBackendType; Undefined when unset. */
static eng_status forced_backend(WGPUBackendType *out, char *err, size_t err_len) {
    *out = WGPUBackendType_Undefined;
    const char *e = getenv("LLMCAP_WEBGPU_BACKEND");
    if (!e || !*e) return ENG_OK;
    for (int i = 1; i < N_BACKENDS; i++) {
        if (strcasecmp(e, BACKEND_NAMES[i]) == 0) {
            *out = (WGPUBackendType)i;
            return ENG_OK;
        }
    }
    seterr(err, err_len,
           "webgpu: LLMCAP_WEBGPU_BACKEND='%s' is not one of vulkan, opengles, opengl, metal, d3d12, d3d11, null",
           e);
    return ENG_ERR_ARG;
}

static void fill_info(wg_adapter_info *o, const WGPUAdapterInfo *ai) {
    memset(o, 0, sizeof *o);
    sv_copy(o->vendor, sizeof o->vendor, ai->vendor);
    sv_copy(o->architecture, sizeof o->architecture, ai->architecture);
    sv_copy(o->device, sizeof o->device, ai->device);
    sv_copy(o->description, sizeof o->description, ai->description);
    int b = (int)ai->backendType;
    snprintf(o->backend, sizeof o->backend, "%s", b >= 0 && b < N_BACKENDS ? BACKEND_NAMES[b] : "unknown");
    const char *t = "unknown";
    switch (ai->adapterType) {
    case WGPUAdapterType_DiscreteGPU: t = "discrete"; break;
    case WGPUAdapterType_IntegratedGPU: t = "integrated"; break;
    case WGPUAdapterType_CPU: t = "cpu"; break;
    default: break;
    }
    snprintf(o->adapter_type, sizeof o->adapter_type, "%s", t);
    o->vendor_id = ai->vendorID;
    o->device_id = ai->deviceID;
    /* Dawn's AdapterInfo of this revision has no isFallbackAdapter: a CPU
     * adapter (lavapipe, SwiftShader) is what browsers offer as fallback */
    o->fallback = ai->adapterType == WGPUAdapterType_CPU;
}

static void fill_limits(wg_limits *o, const WGPULimits *l) {
    o->max_storage_buffer_binding_size = l->maxStorageBufferBindingSize;
    o->max_buffer_size = l->maxBufferSize;
    o->min_storage_buffer_offset_alignment = l->minStorageBufferOffsetAlignment;
    o->min_uniform_buffer_offset_alignment = l->minUniformBufferOffsetAlignment;
    o->max_storage_buffers_per_shader_stage = l->maxStorageBuffersPerShaderStage;
    o->max_compute_workgroup_storage_size = l->maxComputeWorkgroupStorageSize;
    o->max_compute_invocations_per_workgroup = l->maxComputeInvocationsPerWorkgroup;
    o->max_compute_workgroup_size_x = l->maxComputeWorkgroupSizeX;
    o->max_compute_workgroups_per_dimension = l->maxComputeWorkgroupsPerDimension;
}

eng_status wg_open(const wg_open_params *p, wg_dev **out, char *err, size_t err_len) {
    *out = NULL;
    eng_status st = dawn_load(p ? p->lib_path : NULL, err, err_len);
    if (st != ENG_OK) return st;
    WGPUBackendType backend;
    if ((st = forced_backend(&backend, err, err_len)) != ENG_OK) return st;

    wg_dev *d = calloc(1, sizeof *d);
    if (!d) {
        seterr(err, err_len, "webgpu: out of memory");
        return ENG_ERR_NOMEM;
    }
    d->timeout_ns = 60ull * 1000000000ull;
    const char *ts = getenv("LLMCAP_WEBGPU_TIMEOUT_S");
    if (ts) {
        char *end;
        double s = strtod(ts, &end);
        if (end == ts || *end || !(s > 0) || s > 86400) {
            seterr(err, err_len, "webgpu: LLMCAP_WEBGPU_TIMEOUT_S='%.64s': seconds in (0, 86400]", ts);
            free(d);
            return ENG_ERR_ARG;
        }
        d->timeout_ns = (uint64_t)(s * 1e9);
    }

    WGPUInstanceDescriptor idesc = {0};
    idesc.capabilities.timedWaitAnyEnable = 1;
    d->instance = dawn.CreateInstance(&idesc);
    if (!d->instance) {
        seterr(err, err_len, "webgpu: wgpuCreateInstance failed (%s)", dawn_path);
        wg_close(d);
        return ENG_ERR_BACKEND;
    }

    /* the adapter */
    WGPURequestAdapterOptions aopt = {0};
    aopt.powerPreference = WGPUPowerPreference_HighPerformance;
    aopt.backendType = backend;
    /* Dawn's GL backends only offer compatibility-level adapters */
    aopt.featureLevel = (backend == WGPUBackendType_OpenGL || backend == WGPUBackendType_OpenGLES)
                            ? WGPUFeatureLevel_Compatibility
                            : WGPUFeatureLevel_Core;
    /* Dawn offers its experimental features (subgroup matrices) only to an
     * adapter and device with the toggle allow_unsafe_apis */
    const char *sgenv = getenv("LLMCAP_WEBGPU_SGMAT");
    if (sgenv && strcmp(sgenv, "0") && strcmp(sgenv, "1")) {
        seterr(err, err_len, "webgpu: LLMCAP_WEBGPU_SGMAT='%.64s': expected 0 or 1", sgenv);
        wg_close(d);
        return ENG_ERR_ARG;
    }
    bool want_sgmat = p && p->want_fast_math && !(sgenv && !strcmp(sgenv, "0"));
    static const char *const UNSAFE[] = {"allow_unsafe_apis"};
    WGPUDawnTogglesDescriptor atog = {{NULL, WGPUSType_DawnTogglesDescriptor}, 1, UNSAFE, 0, NULL};
    if (want_sgmat) aopt.nextInChain = &atog.chain;
    WGPURequestAdapterCallbackInfo acb = {NULL, WGPUCallbackMode_WaitAnyOnly, on_adapter, &d->ar, NULL};
    st = wait_future(d, dawn.InstanceRequestAdapter(d->instance, &aopt, acb),
                     "request adapter", err, err_len);
    if (st != ENG_OK) {
        wg_close(d);
        return st;
    }
    const adapter_result ar = d->ar;
    d->adapter = ar.adapter;
    if (ar.status != WGPURequestAdapterStatus_Success || !ar.adapter) {
        seterr(err, err_len, "webgpu: no WebGPU adapter%s%s (status %d: %s)", backend ? " for backend " : "",
               backend ? BACKEND_NAMES[backend] : "", (int)ar.status, ar.message[0] ? ar.message : "no message");
        wg_close(d);
        return ENG_ERR_BACKEND;
    }
    WGPUAdapterInfo ai = {0};
    if (dawn.AdapterGetInfo(d->adapter, &ai) != WGPUStatus_Success) {
        seterr(err, err_len, "webgpu: wgpuAdapterGetInfo failed");
        wg_close(d);
        return ENG_ERR_BACKEND;
    }
    fill_info(&d->info, &ai);
    d->info.subgroup_min = ai.subgroupMinSize;
    d->info.subgroup_max = ai.subgroupMaxSize;
    WGPUBackendType got = ai.backendType;
    dawn.AdapterInfoFreeMembers(ai);
    /* device-local memory, where Dawn can tell (its memory-heaps feature): lets
     * the backend refuse a model that cannot fit before allocating anything */
    WGPUProcAdapterPropertiesMemoryHeapsFreeMembers heaps_free =
        (WGPUProcAdapterPropertiesMemoryHeapsFreeMembers)dlsym(dawn_handle, "wgpuAdapterPropertiesMemoryHeapsFreeMembers");
    if (heaps_free && dawn.AdapterHasFeature(d->adapter, WGPUFeatureName_AdapterPropertiesMemoryHeaps)) {
        WGPUAdapterPropertiesMemoryHeaps heaps = {{NULL, WGPUSType_AdapterPropertiesMemoryHeaps}, 0, NULL};
        WGPUAdapterInfo hi = {0};
        hi.nextInChain = &heaps.chain;
        if (dawn.AdapterGetInfo(d->adapter, &hi) == WGPUStatus_Success) {
            uint64_t local = 0;
            for (size_t i = 0; i < heaps.heapCount && heaps.heapInfo; i++)
                if (heaps.heapInfo[i].properties & WGPUHeapProperty_DeviceLocal) local += heaps.heapInfo[i].size;
            d->info.memory_bytes = local;
            heaps_free(heaps);
            hi.nextInChain = NULL;
            dawn.AdapterInfoFreeMembers(hi);
        }
    }
    if (got == WGPUBackendType_Null) {
        seterr(err, err_len,
               "webgpu: the adapter is Dawn's Null backend (no usable GPU or Vulkan driver%s: dispatches "
               "would do nothing); install a Vulkan driver (make deps-webgpu installs Mesa 25's lavapipe)",
               backend == WGPUBackendType_Null ? ", or LLMCAP_WEBGPU_BACKEND=null" : "");
        wg_close(d);
        return ENG_ERR_BACKEND;
    }

    /* the device: the adapter's limits, timestamps when asked and available */
    WGPULimits alim = {0};
    if (dawn.AdapterGetLimits(d->adapter, &alim) != WGPUStatus_Success) {
        seterr(err, err_len, "webgpu: wgpuAdapterGetLimits failed");
        wg_close(d);
        return ENG_ERR_BACKEND;
    }
    WGPUFeatureName features[4];
    size_t n_features = 0;
    if (p && p->want_timestamps && dawn.AdapterHasFeature(d->adapter, WGPUFeatureName_TimestampQuery))
        features[n_features++] = WGPUFeatureName_TimestampQuery;
    bool fast = p && p->want_fast_math;
    bool a_f16 = fast && dawn.AdapterHasFeature(d->adapter, WGPUFeatureName_ShaderF16);
    bool a_sg = fast && dawn.AdapterHasFeature(d->adapter, WGPUFeatureName_Subgroups);
    if (a_f16) features[n_features++] = WGPUFeatureName_ShaderF16;
    if (a_sg) features[n_features++] = WGPUFeatureName_Subgroups;
    /* subgroup matrices: only with f16 and subgroups, and only when the
     * adapter lists an f16 x f16 -> f32 configuration */
    WGPUProcAdapterPropertiesSubgroupMatrixConfigsFreeMembers sg_free =
        (WGPUProcAdapterPropertiesSubgroupMatrixConfigsFreeMembers)dlsym(
            dawn_handle, "wgpuAdapterPropertiesSubgroupMatrixConfigsFreeMembers");
    if (want_sgmat && a_f16 && a_sg && sg_free &&
        dawn.AdapterHasFeature(d->adapter, WGPUFeatureName_ChromiumExperimentalSubgroupMatrix)) {
        WGPUAdapterPropertiesSubgroupMatrixConfigs sc = {{NULL, WGPUSType_AdapterPropertiesSubgroupMatrixConfigs}, 0, NULL};
        WGPUAdapterInfo si = {0};
        si.nextInChain = &sc.chain;
        if (dawn.AdapterGetInfo(d->adapter, &si) == WGPUStatus_Success) {
            for (size_t i = 0; i < sc.configCount && sc.configs && d->info.n_sgmat < 8; i++) {
                const WGPUSubgroupMatrixConfig *c = &sc.configs[i];
                if (c->componentType != 2 || c->resultComponentType != 1) continue; /* f16 -> f32 */
                d->info.sgmat[d->info.n_sgmat].m = c->M;
                d->info.sgmat[d->info.n_sgmat].n = c->N;
                d->info.sgmat[d->info.n_sgmat].k = c->K;
                d->info.n_sgmat++;
            }
            sg_free(sc);
            si.nextInChain = NULL;
            dawn.AdapterInfoFreeMembers(si);
        }
        if (d->info.n_sgmat) features[n_features++] = WGPUFeatureName_ChromiumExperimentalSubgroupMatrix;
    }
    WGPUDeviceDescriptor ddesc = {0};
    /* Dawn quantizes timestamps by default (a timing-attack defence meant for
     * browsers; on lavapipe every duration came out a multiple of 131072 ns);
     * the toggle "timestamp_quantization" off gives the device's resolution */
    static const char *const NO_QUANTIZATION[] = {"timestamp_quantization"};
    WGPUDawnTogglesDescriptor toggles = {{NULL, WGPUSType_DawnTogglesDescriptor}, 0, NULL, 1, NO_QUANTIZATION};
    if (n_features) ddesc.nextInChain = &toggles.chain;
    /* LLMCAP_DAWN_TOGGLES="a,b": more Dawn toggles to enable (experiments, e.g.
     * disable_robustness); at most 8 */
    const char *extra = getenv("LLMCAP_DAWN_TOGGLES");
    char tbuf[256];
    const char *enabled[9];
    size_t n_enabled = 0;
    if (d->info.n_sgmat) enabled[n_enabled++] = UNSAFE[0];
    if (extra && *extra) {
        snprintf(tbuf, sizeof tbuf, "%s", extra);
        for (char *tok = strtok(tbuf, ","); tok && n_enabled < 9; tok = strtok(NULL, ",")) enabled[n_enabled++] = tok;
    }
    if (n_enabled) {
        toggles.enabledToggleCount = n_enabled;
        toggles.enabledToggles = enabled;
        ddesc.nextInChain = &toggles.chain;
    }
    ddesc.label = sv("llmcap");
    ddesc.requiredFeatureCount = n_features;
    ddesc.requiredFeatures = features;
    ddesc.requiredLimits = &alim;
    ddesc.defaultQueue.label = sv("llmcap queue");
    ddesc.deviceLostCallbackInfo.mode = WGPUCallbackMode_AllowSpontaneous;
    ddesc.deviceLostCallbackInfo.callback = on_device_lost;
    ddesc.deviceLostCallbackInfo.userdata1 = d;
    ddesc.uncapturedErrorCallbackInfo.callback = on_uncaptured_error;
    ddesc.uncapturedErrorCallbackInfo.userdata1 = d;
    WGPURequestDeviceCallbackInfo dcb = {NULL, WGPUCallbackMode_WaitAnyOnly, on_device, &d->dr, NULL};
    st = wait_future(d, dawn.AdapterRequestDevice(d->adapter, &ddesc, dcb),
                     "request device", err, err_len);
    if (st != ENG_OK) {
        wg_close(d);
        return st;
    }
    const device_result dr = d->dr;
    d->device = dr.device;
    if (dr.status != WGPURequestDeviceStatus_Success || !dr.device) {
        seterr(err, err_len, "webgpu: device request on '%s' (%s) failed (status %d): %s", d->info.device,
               d->info.backend, (int)dr.status, dr.message[0] ? dr.message : "no message");
        wg_close(d);
        return ENG_ERR_BACKEND;
    }
    d->queue = dawn.DeviceGetQueue(d->device);
    WGPULimits dlim = {0};
    if (dawn.DeviceGetLimits(d->device, &dlim) != WGPUStatus_Success) dlim = alim;
    fill_limits(&d->limits, &dlim);
    d->timestamps = n_features > 0 && dawn.DeviceHasFeature(d->device, WGPUFeatureName_TimestampQuery);
    d->info.f16 = dawn.DeviceHasFeature(d->device, WGPUFeatureName_ShaderF16);
    d->info.subgroups = dawn.DeviceHasFeature(d->device, WGPUFeatureName_Subgroups);
    if (!dawn.DeviceHasFeature(d->device, WGPUFeatureName_ChromiumExperimentalSubgroupMatrix)) d->info.n_sgmat = 0;
    *out = d;
    return ENG_OK;
}

static void profile_free(wg_dev *d);

void wg_close(wg_dev *d) {
    if (!d) return;
    d->closing = true;
    if (d->pass) {
        dawn.ComputePassEncoderEnd(d->pass);
        dawn.ComputePassEncoderRelease(d->pass);
    }
    if (d->enc) dawn.CommandEncoderRelease(d->enc);
    profile_free(d);
    if (d->staging) dawn.BufferRelease(d->staging);
    if (d->queue) dawn.QueueRelease(d->queue);
    if (d->device) {
        dawn.DeviceDestroy(d->device);
        dawn.DeviceRelease(d->device);
    }
    if (d->adapter) dawn.AdapterRelease(d->adapter);
    /* the instance last: it may still call our callbacks (cancelled) with d */
    if (d->instance) {
        dawn.InstanceProcessEvents(d->instance);
        dawn.InstanceRelease(d->instance);
    }
    free(d);
}

const wg_adapter_info *wg_info(const wg_dev *d) { return &d->info; }
const wg_limits *wg_get_limits(const wg_dev *d) { return &d->limits; }
bool wg_has_timestamps(const wg_dev *d) { return d->timestamps; }

eng_status wg_check(wg_dev *d, char *err, size_t err_len) {
    dawn.InstanceProcessEvents(d->instance);
    if (!d->latched[0]) return ENG_OK;
    seterr(err, err_len, "%s", d->latched);
    return ENG_ERR_BACKEND;
}

/* ---- error scopes (creation errors come back to the caller) ---- */


static void on_pop_scope(WGPUPopErrorScopeStatus status, WGPUErrorType type, WGPUStringView message, void *ud1,
                         void *ud2) {
    (void)ud2;
    scope_result *r = ud1;
    r->status = status;
    r->type = type;
    sv_copy(r->message, sizeof r->message, message);
}

/* Capture validation and out-of-memory errors of the calls that follow. */
static void scope_push(wg_dev *d) {
    dawn.DevicePushErrorScope(d->device, WGPUErrorFilter_OutOfMemory);
    dawn.DevicePushErrorScope(d->device, WGPUErrorFilter_Validation);
}

/* Pop both scopes of scope_push; the first error found goes into r (type
 * NoError when none). ENG_ERR_BACKEND only when waiting failed. */
static eng_status scope_pop(wg_dev *d, scope_result *r, char *err, size_t err_len) {
    memset(r, 0, sizeof *r);
    r->type = WGPUErrorType_NoError;
    for (int i = 0; i < 2; i++) {
        memset(&d->scope, 0, sizeof d->scope);
        WGPUPopErrorScopeCallbackInfo cb = {NULL, WGPUCallbackMode_WaitAnyOnly, on_pop_scope, &d->scope, NULL};
        eng_status st = wait_future(d, dawn.DevicePopErrorScope(d->device, cb),
                                    "pop error scope", err, err_len);
        if (st != ENG_OK) return st;
        if (d->scope.status == WGPUPopErrorScopeStatus_Success && d->scope.type != WGPUErrorType_NoError &&
            r->type == WGPUErrorType_NoError)
            *r = d->scope;
    }
    return ENG_OK;
}

/* ---- buffers ---- */

wg_buffer wg_buffer_create(wg_dev *d, uint64_t size, unsigned usage, const char *label) {
    if (!d || size == 0 || size % 4 || size > d->limits.max_buffer_size) return NULL;
    WGPUBufferDescriptor desc = {0};
    desc.label = sv(label);
    desc.size = size;
    if (usage & WG_BUF_STORAGE) desc.usage |= WGPUBufferUsage_Storage;
    if (usage & WG_BUF_UNIFORM) desc.usage |= WGPUBufferUsage_Uniform;
    if (usage & WG_BUF_COPY_SRC) desc.usage |= WGPUBufferUsage_CopySrc;
    if (usage & WG_BUF_COPY_DST) desc.usage |= WGPUBufferUsage_CopyDst;
    struct wg_buffer_s *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    scope_push(d);
    b->buf = dawn.DeviceCreateBuffer(d->device, &desc);
    b->size = size;
    scope_result r;
    if (scope_pop(d, &r, NULL, 0) != ENG_OK || r.type != WGPUErrorType_NoError || !b->buf) {
        if (b->buf) dawn.BufferRelease(b->buf);
        free(b);
        return NULL;
    }
    return b;
}

void wg_buffer_release(wg_buffer b) {
    if (!b) return;
    /* release, not destroy: recorded but unsubmitted work may still use it */
    dawn.BufferRelease(b->buf);
    free(b);
}

void wg_write(wg_dev *d, wg_buffer b, uint64_t offset, const void *src, size_t n) {
    if (!n) return;
    dawn.QueueWriteBuffer(d->queue, b->buf, offset, src, n);
}

/* ---- pipelines ---- */

eng_status wg_pipeline_create(wg_dev *d, const char *label, const char *code, const char *entry,
                              const wg_binding_kind *kinds, int n_bind, const wg_constant *consts, int n_consts,
                              wg_pipeline **out, char *err, size_t err_len) {
    *out = NULL;
    if (!label) label = "(unnamed)";
    if (!code || !entry || n_bind < 0 || n_bind > 32 || n_consts < 0 || n_consts > 64) {
        seterr(err, err_len, "webgpu: pipeline '%s': bad arguments", label);
        return ENG_ERR_ARG;
    }
    WGPUBindGroupLayoutEntry ents[32];
    memset(ents, 0, sizeof ents);
    int n_dynamic = 0;
    for (int i = 0; i < n_bind; i++) {
        ents[i].binding = (uint32_t)i;
        ents[i].visibility = WGPUShaderStage_Compute;
        switch (kinds[i]) {
        case WG_BIND_STORAGE_RO: ents[i].buffer.type = WGPUBufferBindingType_ReadOnlyStorage; break;
        case WG_BIND_STORAGE_RW: ents[i].buffer.type = WGPUBufferBindingType_Storage; break;
        case WG_BIND_UNIFORM: ents[i].buffer.type = WGPUBufferBindingType_Uniform; break;
        case WG_BIND_UNIFORM_DYNAMIC:
            ents[i].buffer.type = WGPUBufferBindingType_Uniform;
            ents[i].buffer.hasDynamicOffset = 1;
            n_dynamic++;
            break;
        default:
            seterr(err, err_len, "webgpu: pipeline '%s': binding %d has unknown kind %d", label, i, (int)kinds[i]);
            return ENG_ERR_ARG;
        }
    }
    if (n_dynamic > 1) {
        seterr(err, err_len, "webgpu: pipeline '%s': %d dynamic uniform bindings (at most 1)", label, n_dynamic);
        return ENG_ERR_ARG;
    }
    WGPUConstantEntry cents[64];
    memset(cents, 0, sizeof cents);
    for (int i = 0; i < n_consts; i++) {
        cents[i].key = sv(consts[i].name);
        cents[i].value = consts[i].value;
    }

    wg_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        seterr(err, err_len, "webgpu: out of memory");
        return ENG_ERR_NOMEM;
    }
    p->n_bind = n_bind;
    p->dynamic = n_dynamic > 0;

    scope_push(d);
    WGPUShaderSourceWGSL wgsl = {{NULL, WGPUSType_ShaderSourceWGSL}, sv(code)};
    WGPUShaderModuleDescriptor mdesc = {&wgsl.chain, sv(label)};
    WGPUShaderModule module = dawn.DeviceCreateShaderModule(d->device, &mdesc);
    WGPUBindGroupLayoutDescriptor ldesc = {NULL, sv(label), (size_t)n_bind, ents};
    p->layout = dawn.DeviceCreateBindGroupLayout(d->device, &ldesc);
    WGPUPipelineLayoutDescriptor pldesc = {NULL, sv(label), 1, &p->layout, 0};
    WGPUPipelineLayout pl = dawn.DeviceCreatePipelineLayout(d->device, &pldesc);
    WGPUComputePipelineDescriptor cdesc = {0};
    cdesc.label = sv(label);
    cdesc.layout = pl;
    cdesc.compute.module = module;
    cdesc.compute.entryPoint = sv(entry);
    cdesc.compute.constantCount = (size_t)n_consts;
    cdesc.compute.constants = n_consts ? cents : NULL;
    p->pipe = dawn.DeviceCreateComputePipeline(d->device, &cdesc);
    scope_result r;
    eng_status st = scope_pop(d, &r, err, err_len);
    if (pl) dawn.PipelineLayoutRelease(pl);
    if (module) dawn.ShaderModuleRelease(module);
    if (st == ENG_OK && (r.type != WGPUErrorType_NoError || !p->pipe || !p->layout)) {
        seterr(err, err_len, "webgpu: pipeline '%s' (entry %s): %s: %s", label, entry, error_type_str(r.type),
               r.message[0] ? r.message : "no message");
        st = ENG_ERR_BACKEND;
    }
    if (st != ENG_OK) {
        wg_pipeline_release(p);
        return st;
    }
    *out = p;
    return ENG_OK;
}

void wg_pipeline_release(wg_pipeline *p) {
    if (!p) return;
    if (p->pipe) dawn.ComputePipelineRelease(p->pipe);
    if (p->layout) dawn.BindGroupLayoutRelease(p->layout);
    free(p);
}

wg_bindgroup wg_bindgroup_create(wg_dev *d, const wg_pipeline *p, const wg_bind *binds, int n) {
    if (!d || !p || n != p->n_bind || n > 32) return NULL;
    WGPUBindGroupEntry ents[32];
    memset(ents, 0, sizeof ents);
    for (int i = 0; i < n; i++) {
        if (!binds[i].buf) return NULL;
        ents[i].binding = (uint32_t)i;
        ents[i].buffer = binds[i].buf->buf;
        ents[i].offset = binds[i].offset;
        ents[i].size = binds[i].size ? binds[i].size : WGPU_WHOLE_SIZE;
    }
    struct wg_bindgroup_s *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    WGPUBindGroupDescriptor desc = {NULL, sv(NULL), p->layout, (size_t)n, ents};
    scope_push(d);
    g->group = dawn.DeviceCreateBindGroup(d->device, &desc);
    scope_result r;
    if (scope_pop(d, &r, NULL, 0) != ENG_OK || r.type != WGPUErrorType_NoError || !g->group) {
        /* keep the reason for wg_check: a NULL bind group is an engine bug */
        if (r.type != WGPUErrorType_NoError && !d->latched[0])
            snprintf(d->latched, sizeof d->latched, "WebGPU bind group: %s: %.400s", error_type_str(r.type),
                     r.message);
        if (g->group) dawn.BindGroupRelease(g->group);
        free(g);
        return NULL;
    }
    return g;
}

void wg_bindgroup_release(wg_bindgroup g) {
    if (!g) return;
    dawn.BindGroupRelease(g->group);
    free(g);
}

/* ---- recording ---- */

static void encoder_open(wg_dev *d) {
    if (!d->enc) {
        WGPUCommandEncoderDescriptor desc = {NULL, sv("llmcap")};
        d->enc = dawn.DeviceCreateCommandEncoder(d->device, &desc);
    }
}

static void pass_end(wg_dev *d) {
    if (!d->pass) return;
    dawn.ComputePassEncoderEnd(d->pass);
    dawn.ComputePassEncoderRelease(d->pass);
    d->pass = NULL;
    d->pass_pipe = NULL;
}

/* Open a compute pass (with timestamp writes when tw is not NULL). */
static void pass_begin(wg_dev *d, const WGPUPassTimestampWrites *tw) {
    encoder_open(d);
    WGPUComputePassDescriptor desc = {NULL, sv(NULL), tw};
    d->pass = dawn.CommandEncoderBeginComputePass(d->enc, &desc);
    d->pass_pipe = NULL;
}

void wg_dispatch(wg_dev *d, const wg_pipeline *p, wg_bindgroup g, uint32_t dyn_offset, uint32_t gx, uint32_t gy,
                 uint32_t gz, const char *name) {
    bool timed = d->profiling && d->prof_n < d->prof_max;
    if (timed) {
        /* one pass per dispatch, its begin/end timestamps at 2i, 2i+1 */
        pass_end(d);
        WGPUPassTimestampWrites tw = {NULL, d->queries, (uint32_t)(2 * d->prof_n), (uint32_t)(2 * d->prof_n + 1)};
        pass_begin(d, &tw);
        d->prof_names[d->prof_n++] = name;
    } else if (!d->pass) {
        pass_begin(d, NULL);
    }
    if (d->pass_pipe != p->pipe) {
        dawn.ComputePassEncoderSetPipeline(d->pass, p->pipe);
        d->pass_pipe = p->pipe;
    }
    dawn.ComputePassEncoderSetBindGroup(d->pass, 0, g ? g->group : NULL, p->dynamic ? 1 : 0,
                                        p->dynamic ? &dyn_offset : NULL);
    dawn.ComputePassEncoderDispatchWorkgroups(d->pass, gx, gy, gz);
    if (timed) pass_end(d);
}

void wg_copy(wg_dev *d, wg_buffer src, uint64_t src_off, wg_buffer dst, uint64_t dst_off, uint64_t n) {
    pass_end(d);
    encoder_open(d);
    dawn.CommandEncoderCopyBufferToBuffer(d->enc, src->buf, src_off, dst->buf, dst_off, n);
}

void wg_submit(wg_dev *d) {
    pass_end(d);
    if (!d->enc) return;
    WGPUCommandBufferDescriptor desc = {NULL, sv(NULL)};
    WGPUCommandBuffer cb = dawn.CommandEncoderFinish(d->enc, &desc);
    dawn.CommandEncoderRelease(d->enc);
    d->enc = NULL;
    if (cb) {
        dawn.QueueSubmit(d->queue, 1, &cb);
        dawn.CommandBufferRelease(cb);
    }
}


static void on_map(WGPUMapAsyncStatus status, WGPUStringView message, void *ud1, void *ud2) {
    (void)ud2;
    status_result *r = ud1;
    r->status = (int)status;
    sv_copy(r->message, sizeof r->message, message);
}

static void on_work_done(WGPUQueueWorkDoneStatus status, WGPUStringView message, void *ud1, void *ud2) {
    (void)ud2;
    status_result *r = ud1;
    r->status = (int)status;
    sv_copy(r->message, sizeof r->message, message);
}

eng_status wg_read(wg_dev *d, wg_buffer src, uint64_t offset, void *dst, size_t n, char *err, size_t err_len) {
    eng_status st = wg_check(d, err, err_len);
    if (st != ENG_OK) return st;
    if (!n) return ENG_OK;
    if (!src || n % 4 || offset % 4 || offset + n > src->size) {
        seterr(err, err_len, "webgpu: read of %zu bytes at offset %llu of a %llu-byte buffer (multiples of 4)", n,
               (unsigned long long)offset, (unsigned long long)(src ? src->size : 0));
        return ENG_ERR_ARG;
    }
    if (n > d->staging_bytes) {
        uint64_t want = d->staging_bytes ? d->staging_bytes : 65536;
        while (want < n) want *= 2;
        if (d->staging) dawn.BufferRelease(d->staging);
        d->staging_bytes = 0;
        WGPUBufferDescriptor desc = {0};
        desc.label = sv("llmcap staging");
        desc.usage = WGPUBufferUsage_MapRead | WGPUBufferUsage_CopyDst;
        desc.size = want;
        scope_push(d);
        d->staging = dawn.DeviceCreateBuffer(d->device, &desc);
        scope_result r;
        if ((st = scope_pop(d, &r, err, err_len)) != ENG_OK) return st;
        if (r.type != WGPUErrorType_NoError || !d->staging) {
            if (d->staging) dawn.BufferRelease(d->staging);
            d->staging = NULL;
            seterr(err, err_len, "webgpu: staging buffer of %llu bytes: %s: %s", (unsigned long long)want,
                   error_type_str(r.type), r.message);
            return ENG_ERR_BACKEND;
        }
        d->staging_bytes = want;
    }
    struct wg_buffer_s staging = {d->staging, d->staging_bytes};
    wg_copy(d, src, offset, &staging, 0, n);
    wg_submit(d);
    memset(&d->map, 0, sizeof d->map);
    WGPUBufferMapCallbackInfo cb = {NULL, WGPUCallbackMode_WaitAnyOnly, on_map, &d->map, NULL};
    st = wait_future(d, dawn.BufferMapAsync(d->staging, WGPUMapMode_Read, 0, n, cb),
                     "read back", err, err_len);
    if (st != ENG_OK) return st;
    const status_result r = d->map;
    if (r.status != WGPUMapAsyncStatus_Success) {
        char why[sizeof d->latched];
        if (wg_check(d, why, sizeof why) != ENG_OK)
            seterr(err, err_len, "%s", why);
        else
            seterr(err, err_len, "webgpu: mapping the read-back buffer failed (status %d): %s", r.status,
                   r.message);
        return ENG_ERR_BACKEND;
    }
    const void *m = dawn.BufferGetConstMappedRange(d->staging, 0, n);
    if (m) memcpy(dst, m, n);
    dawn.BufferUnmap(d->staging);
    if (!m) {
        seterr(err, err_len, "webgpu: wgpuBufferGetConstMappedRange returned NULL");
        return ENG_ERR_BACKEND;
    }
    /* an invalid copy or dispatch recorded before shows up here */
    return wg_check(d, err, err_len);
}

eng_status wg_finish(wg_dev *d, char *err, size_t err_len) {
    wg_submit(d);
    memset(&d->done, 0, sizeof d->done);
    WGPUQueueWorkDoneCallbackInfo cb = {NULL, WGPUCallbackMode_WaitAnyOnly, on_work_done, &d->done, NULL};
    eng_status st = wait_future(d, dawn.QueueOnSubmittedWorkDone(d->queue, cb),
                                "queue work done", err, err_len);
    if (st != ENG_OK) return st;
    if ((st = wg_check(d, err, err_len)) != ENG_OK) return st;
    const status_result r = d->done;
    if (r.status != WGPUQueueWorkDoneStatus_Success) {
        seterr(err, err_len, "webgpu: queue work done failed (status %d): %s", r.status, r.message);
        return ENG_ERR_BACKEND;
    }
    return ENG_OK;
}

/* ---- profiling ---- */

static void profile_free(wg_dev *d) {
    if (d->queries) {
        dawn.QuerySetDestroy(d->queries);
        dawn.QuerySetRelease(d->queries);
    }
    if (d->resolve) dawn.BufferRelease(d->resolve);
    free(d->prof_names);
    d->queries = NULL;
    d->resolve = NULL;
    d->prof_names = NULL;
    d->profiling = false;
    d->prof_max = d->prof_n = 0;
}

/* WebGPU: a query set holds at most 4096 queries, two per dispatch */
#define WG_MAX_PROFILED 2048

eng_status wg_profile_begin(wg_dev *d, int max_dispatches, char *err, size_t err_len) {
    if (!d->timestamps) {
        seterr(err, err_len, "webgpu: timestamp queries are not enabled on '%s' (%s)", d->info.device,
               d->info.backend);
        return ENG_ERR_UNSUPPORTED;
    }
    if (max_dispatches < 1 || max_dispatches > WG_MAX_PROFILED) {
        seterr(err, err_len, "webgpu: profile of %d dispatches (1..%d)", max_dispatches, WG_MAX_PROFILED);
        return ENG_ERR_ARG;
    }
    /* work recorded before is not timed */
    wg_submit(d);
    profile_free(d);
    d->prof_names = calloc((size_t)max_dispatches, sizeof *d->prof_names);
    if (!d->prof_names) {
        seterr(err, err_len, "webgpu: out of memory");
        return ENG_ERR_NOMEM;
    }
    scope_push(d);
    WGPUQuerySetDescriptor qdesc = {NULL, sv("llmcap timestamps"), WGPUQueryType_Timestamp,
                                    (uint32_t)(2 * max_dispatches)};
    d->queries = dawn.DeviceCreateQuerySet(d->device, &qdesc);
    WGPUBufferDescriptor bdesc = {0};
    bdesc.label = sv("llmcap timestamp resolve");
    bdesc.usage = WGPUBufferUsage_QueryResolve | WGPUBufferUsage_CopySrc;
    bdesc.size = 16u * (uint64_t)max_dispatches;
    d->resolve = dawn.DeviceCreateBuffer(d->device, &bdesc);
    scope_result r;
    eng_status st = scope_pop(d, &r, err, err_len);
    if (st == ENG_OK && (r.type != WGPUErrorType_NoError || !d->queries || !d->resolve)) {
        seterr(err, err_len, "webgpu: timestamp query set of %d: %s: %s", 2 * max_dispatches,
               error_type_str(r.type), r.message);
        st = ENG_ERR_BACKEND;
    }
    if (st != ENG_OK) {
        profile_free(d);
        return st;
    }
    d->prof_max = max_dispatches;
    d->profiling = true;
    return ENG_OK;
}

eng_status wg_profile_end(wg_dev *d, const char **names, double *ns, int cap, int *n, char *err, size_t err_len) {
    *n = 0;
    if (!d->profiling) {
        seterr(err, err_len, "webgpu: wg_profile_end without wg_profile_begin");
        return ENG_ERR_ARG;
    }
    int count = d->prof_n;
    eng_status st = ENG_OK;
    if (count > 0) {
        pass_end(d);
        encoder_open(d);
        dawn.CommandEncoderResolveQuerySet(d->enc, d->queries, 0, (uint32_t)(2 * count), d->resolve, 0);
        uint64_t *t = malloc(16u * (size_t)count);
        if (!t) {
            profile_free(d);
            seterr(err, err_len, "webgpu: out of memory");
            return ENG_ERR_NOMEM;
        }
        struct wg_buffer_s rb = {d->resolve, 16u * (uint64_t)d->prof_max};
        st = wg_read(d, &rb, 0, t, 16u * (size_t)count, err, err_len);
        if (st == ENG_OK) {
            int m = count < cap ? count : cap;
            for (int i = 0; i < m; i++) {
                /* Dawn converts GPU ticks to nanoseconds; a wrapped or
                 * reordered pair reads as 0 rather than a huge number */
                uint64_t b = t[2 * i], e = t[2 * i + 1];
                if (names) names[i] = d->prof_names[i];
                if (ns) ns[i] = e >= b ? (double)(e - b) : 0.0;
            }
            *n = m;
        }
        free(t);
    }
    profile_free(d);
    return st;
}
