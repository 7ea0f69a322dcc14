/* wasm_smoke.c - checks of the WASM WebGPU layer (engine/webgpu/wg_emscripten.c)
 * on its own, without the engine: built by `make wasm-webgpu-smoke` into
 * build/wasm/llmcap-wg-smoke.{js,wasm} and driven from JS by
 * tests/webgpu/test_wasm_webgpu.mjs (node, npm `webgpu`) and
 * tests/webgpu/test_browser.mjs (Chromium).
 *
 * wg_smoke_run() (async: call it with ccall {async: true}) returns a JSON
 * array of {"name", "ok", "detail"} rows:
 *   open         wg_open on Module.preinitializedWebGPUDevice; backend "webgpu", sane limits
 *   round_trip   4096 floats written, copied buffer to buffer, read back bit-exact
 *   kernel       a WGSL kernel with an `override` constant and a dynamic-offset
 *                uniform, dispatched twice at two offsets into one command encoder
 *   finish       wg_finish waits for the queue
 *   bad_shader   invalid WGSL fails with ENG_ERR_BACKEND, the label and the compiler's words
 *   bad_args     two dynamic-offset uniform bindings: ENG_ERR_ARG
 *   profile      wg_profile_begin says ENG_ERR_UNSUPPORTED
 *   latency      mean ms of one tiny dispatch + wg_read (the wait's cost), for the record
 *   buffer_limit a buffer over max_buffer_size is refused at once (NULL)
 *   bad_entry    an unknown entry point: ENG_ERR_BACKEND naming the label
 *   check_clean  wg_check is ENG_OK after all that (the failed creations'
 *                errors are caught by their error scope, not latched)
 *   validation   a bind group that breaks a binding rule: the uncaptured error
 *                is latched and reported by wg_read and wg_check as
 *                "WebGPU validation error: ..."
 */
#include <emscripten/emscripten.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg.h"

static char out[16384];
static size_t out_len;
static int n_rows;

static void row(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void row(const char *name, int ok, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    /* JSON-escape the detail (messages may hold quotes and newlines) */
    char esc[2048];
    size_t j = 0;
    for (size_t i = 0; detail[i] && j + 8 < sizeof esc; i++) {
        unsigned char c = (unsigned char)detail[i];
        if (c == '"' || c == '\\') { esc[j++] = '\\'; esc[j++] = (char)c; }
        else if (c < 0x20) j += (size_t)snprintf(esc + j, sizeof esc - j, "\\u%04x", c);
        else esc[j++] = (char)c;
    }
    esc[j] = 0;
    int n = snprintf(out + out_len, sizeof out - out_len, "%s{\"name\":\"%s\",\"ok\":%s,\"detail\":\"%s\"}",
                     n_rows ? "," : "[", name, ok ? "true" : "false", esc);
    if (n > 0 && out_len + (size_t)n < sizeof out) out_len += (size_t)n;
    n_rows++;
}

static const char *kernel_wgsl =
    "override SCALE: f32 = 1.0;\n"
    "struct Params { add: f32, n: u32, dst_off: u32, pad: u32 };\n"
    "@group(0) @binding(0) var<storage, read> x: array<f32>;\n"
    "@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n"
    "@group(0) @binding(2) var<uniform> p: Params;\n"
    "@compute @workgroup_size(64)\n"
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n"
    "  let i = gid.x;\n"
    "  if (i < p.n) { y[p.dst_off + i] = x[i] * SCALE + p.add; }\n"
    "}\n";

static const char *bad_wgsl =
    "@compute @workgroup_size(64)\n"
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n"
    "  let v: f32 = undefined_thing + 1.0;\n"
    "}\n";

const char *wg_smoke_run(void);
EMSCRIPTEN_KEEPALIVE const char *wg_smoke_run(void)
{
    char err[1024];
    out_len = 0;
    n_rows = 0;
    out[0] = 0;
    wg_dev *d = NULL;
    wg_open_params op = {0};
    eng_status st = wg_open(&op, &d, err, sizeof err);
    if (st != ENG_OK) {
        row("open", 0, "%s", err);
        snprintf(out + out_len, sizeof out - out_len, "]");
        return out;
    }
    const wg_adapter_info *ai = wg_info(d);
    const wg_limits *lim = wg_get_limits(d);
    row("open", !strcmp(ai->backend, "webgpu") && lim->max_storage_buffer_binding_size >= (1u << 27) &&
                    lim->max_buffer_size >= lim->max_storage_buffer_binding_size &&
                    lim->min_uniform_buffer_offset_alignment >= 4 && lim->max_compute_invocations_per_workgroup >= 64,
        "vendor '%s' arch '%s' device '%s' desc '%s' fallback %d type %s; binding %llu B, buffer %llu B, uniform "
        "align %u, storage align %u, wg storage %u B, invocations %u, size_x %u, groups %u",
        ai->vendor, ai->architecture, ai->device, ai->description, ai->fallback, ai->adapter_type,
        (unsigned long long)lim->max_storage_buffer_binding_size, (unsigned long long)lim->max_buffer_size,
        lim->min_uniform_buffer_offset_alignment, lim->min_storage_buffer_offset_alignment,
        lim->max_compute_workgroup_storage_size, lim->max_compute_invocations_per_workgroup,
        lim->max_compute_workgroup_size_x, lim->max_compute_workgroups_per_dimension);

    /* round trip: host -> a -> (copy) -> b -> host */
    enum { N = 4096 };
    static float src[N], back[2 * N];
    for (int i = 0; i < N; i++) src[i] = (float)i * 0.25f - 100.0f;
    wg_buffer a = wg_buffer_create(d, N * 4, WG_BUF_STORAGE | WG_BUF_COPY_SRC | WG_BUF_COPY_DST, "smoke a");
    wg_buffer b = wg_buffer_create(d, 2 * N * 4, WG_BUF_STORAGE | WG_BUF_COPY_SRC | WG_BUF_COPY_DST, "smoke b");
    if (!a || !b) {
        row("round_trip", 0, "buffer creation failed");
    } else {
        wg_write(d, a, 0, src, sizeof src);
        wg_copy(d, a, 0, b, 4 * N, sizeof src);
        memset(back, 0, sizeof back);
        st = wg_read(d, b, 0, back, sizeof back, err, sizeof err);
        int bad = -1;
        for (int i = 0; i < N && st == ENG_OK; i++)
            if (back[i] != 0.0f || back[N + i] != src[i]) { bad = i; break; }
        row("round_trip", st == ENG_OK && bad < 0, "%s%s first bad index %d", st == ENG_OK ? "" : err,
            st == ENG_OK ? "" : ";", bad);
    }
    /* an oversized buffer is refused at once */
    wg_buffer huge = wg_buffer_create(d, lim->max_buffer_size + 4, WG_BUF_STORAGE, "too big");
    row("buffer_limit", huge == NULL, "a buffer of max_buffer_size + 4 bytes: %s", huge ? "created" : "NULL");
    if (huge) wg_buffer_release(huge);

    /* kernel: y[off + i] = x[i] * SCALE + add, twice with two uniform offsets */
    const wg_binding_kind kinds[3] = {WG_BIND_STORAGE_RO, WG_BIND_STORAGE_RW, WG_BIND_UNIFORM_DYNAMIC};
    const wg_constant consts[1] = {{"SCALE", 3.0}};
    wg_pipeline *p = NULL;
    st = wg_pipeline_create(d, "smoke scale_add", kernel_wgsl, "main", kinds, 3, consts, 1, &p, err, sizeof err);
    if (st != ENG_OK) {
        row("kernel", 0, "pipeline: %s", err);
    } else {
        uint32_t align = lim->min_uniform_buffer_offset_alignment;
        wg_buffer u = wg_buffer_create(d, 2 * align, WG_BUF_UNIFORM | WG_BUF_COPY_DST, "smoke params");
        struct { float add; uint32_t n, dst_off, pad; } prm[2] = {{1.5f, N, 0, 0}, {-2.0f, N, N, 0}};
        wg_write(d, u, 0, &prm[0], sizeof prm[0]);
        wg_write(d, u, align, &prm[1], sizeof prm[1]);
        wg_bind binds[3] = {{a, 0, 0}, {b, 0, 0}, {u, 0, 16}};
        wg_bindgroup g = wg_bindgroup_create(d, p, binds, 3);
        if (!g) {
            row("kernel", 0, "bind group creation failed");
        } else {
            wg_dispatch(d, p, g, 0, N / 64, 1, 1, "scale_add 0");
            wg_dispatch(d, p, g, align, N / 64, 1, 1, "scale_add 1");
            st = wg_read(d, b, 0, back, sizeof back, err, sizeof err);
            int bad = -1;
            for (int i = 0; i < N && st == ENG_OK; i++)
                if (back[i] != src[i] * 3.0f + 1.5f || back[N + i] != src[i] * 3.0f - 2.0f) { bad = i; break; }
            row("kernel", st == ENG_OK && bad < 0, "%s first bad index %d (y[5] = %g, want %g; y[N+5] = %g, want %g)",
                st == ENG_OK ? "ok;" : err, bad, back[5], src[5] * 3.0f + 1.5f, back[N + 5], src[5] * 3.0f - 2.0f);

            st = wg_finish(d, err, sizeof err);
            row("finish", st == ENG_OK, "%s", st == ENG_OK ? "queue idle" : err);

            /* latency of the wait: tiny dispatch + 4-byte read, 20 times */
            double t0 = emscripten_get_now();
            int reps = 20;
            for (int r = 0; r < reps && st == ENG_OK; r++) {
                wg_dispatch(d, p, g, 0, 1, 1, 1, "tiny");
                float v;
                st = wg_read(d, b, 0, &v, 4, err, sizeof err);
            }
            row("latency", st == ENG_OK, "%.3f ms per dispatch + read", (emscripten_get_now() - t0) / reps);
            wg_bindgroup_release(g);
        }
        wg_buffer_release(u);
        wg_pipeline_release(p);
    }

    /* invalid WGSL: an error naming the label and what is wrong */
    wg_pipeline *bp = NULL;
    st = wg_pipeline_create(d, "smoke broken", bad_wgsl, "main", kinds, 0, NULL, 0, &bp, err, sizeof err);
    row("bad_shader", st == ENG_ERR_BACKEND && !bp && strstr(err, "smoke broken") && strstr(err, "undefined_thing"),
        "status %d: %s", (int)st, st == ENG_OK ? "(created)" : err);
    if (bp) wg_pipeline_release(bp);
    /* an unknown entry point is also a creation error */
    st = wg_pipeline_create(d, "smoke no entry", kernel_wgsl, "nope", kinds, 3, NULL, 0, &bp, err, sizeof err);
    row("bad_entry", st == ENG_ERR_BACKEND && !bp && strstr(err, "smoke no entry"), "status %d: %s", (int)st,
        st == ENG_OK ? "(created)" : err);
    if (bp) wg_pipeline_release(bp);
    const wg_binding_kind two_dyn[2] = {WG_BIND_UNIFORM_DYNAMIC, WG_BIND_UNIFORM_DYNAMIC};
    st = wg_pipeline_create(d, "smoke two dyn", kernel_wgsl, "main", two_dyn, 2, NULL, 0, &bp, err, sizeof err);
    row("bad_args", st == ENG_ERR_ARG && !bp, "status %d: %s", (int)st, st == ENG_OK ? "(created)" : err);
    if (bp) wg_pipeline_release(bp);

    st = wg_profile_begin(d, 16, err, sizeof err);
    row("profile", st == ENG_ERR_UNSUPPORTED && !wg_has_timestamps(d), "status %d: %s", (int)st, err);

    st = wg_check(d, err, sizeof err);
    row("check_clean", st == ENG_OK, "%s", st == ENG_OK ? "no error latched" : err);

    /* a validation error after the fact: a storage binding that starts past
     * the end of its buffer (256 bytes past it, a multiple of every allowed
     * offset alignment) is rejected by createBindGroup; the layer returns a
     * (JS-side invalid) group, the error is uncaptured and latched, and the
     * next wg_read and wg_check report it */
    {
        wg_pipeline *vp = NULL;
        st = wg_pipeline_create(d, "smoke validation", kernel_wgsl, "main", kinds, 3, consts, 1, &vp, err, sizeof err);
        wg_buffer u = wg_buffer_create(d, 256, WG_BUF_UNIFORM | WG_BUF_COPY_DST, "smoke params 2");
        wg_bind binds[3] = {{a, N * 4 + 256, 0}, {b, 0, 0}, {u, 0, 16}};
        wg_bindgroup g = st == ENG_OK ? wg_bindgroup_create(d, vp, binds, 3) : NULL;
        if (g) wg_dispatch(d, vp, g, 0, 1, 1, 1, "invalid");
        float v;
        eng_status rs = wg_read(d, b, 0, &v, 4, err, sizeof err);
        char err2[1024] = "";
        eng_status cs = wg_check(d, err2, sizeof err2);
        row("validation", st == ENG_OK && rs == ENG_ERR_BACKEND && cs == ENG_ERR_BACKEND &&
                              strstr(err2, "WebGPU validation error"),
            "read: %d '%s'; check: %d '%s'", (int)rs, err, (int)cs, err2);
        if (g) wg_bindgroup_release(g);
        if (u) wg_buffer_release(u);
        if (vp) wg_pipeline_release(vp);
    }
    if (a) wg_buffer_release(a);
    if (b) wg_buffer_release(b);
    wg_close(d);
    snprintf(out + out_len, sizeof out - out_len, "]");
    return out;
}
