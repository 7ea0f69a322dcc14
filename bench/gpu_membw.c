/* gpu_membw.c - how fast a plain WGSL streaming read runs through our WebGPU
 * layer (wg.h) on this adapter: the ceiling the engine's decode kernels are
 * measured against. A 1 GiB buffer (or the adapter's binding limit) is read
 * by a grid-stride loop of vec4<u32> loads, each thread writing one sum (so
 * the loads stay live); N dispatches in one submission, timed to queue idle.
 * Prints GB/s (10^9 bytes/s) for a few workgroup counts, then the cost of one
 * dispatch: 1000 small dependent dispatches (each adds to a counter the next
 * reads) in one submission and in submissions of 25, timed to queue idle, and
 * the optional features the device was opened with (f16, subgroups, subgroup
 * matrix configurations).
 * usage: gpu_membw [MiB] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wg.h"

static const char *KERNEL =
    "@group(0) @binding(0) var<uniform> n4: vec4<u32>;\n"
    "@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;\n"
    "@group(0) @binding(2) var<storage, read_write> dst: array<u32>;\n"
    "@compute @workgroup_size(256)\n"
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {\n"
    "    let stride = nw.x * 256u;\n"
    "    var acc = vec4<u32>(0u);\n"
    "    for (var i = gid.x; i < n4.x; i += stride) { acc = acc ^ src[i]; }\n"
    "    dst[gid.x] = acc.x ^ acc.y ^ acc.z ^ acc.w;\n"
    "}\n";

static const char *TINY =
    "@group(0) @binding(0) var<uniform> n4: vec4<u32>;\n"
    "@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;\n"
    "@group(0) @binding(2) var<storage, read_write> dst: array<u32>;\n"
    "@compute @workgroup_size(128)\n"
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>) {\n"
    "    if (gid.x == 0u) { dst[0] = dst[0] + 1u; }\n"
    "}\n";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    char err[512];
    wg_dev *d;
    wg_open_params op = {0};
    op.want_fast_math = true;
    if (wg_open(&op, &d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
    const wg_limits *l = wg_get_limits(d);
    uint64_t bytes = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1024) << 20;
    if (bytes > l->max_storage_buffer_binding_size) bytes = l->max_storage_buffer_binding_size / 16 * 16;
    printf("device: %s (%s, %s); buffer %.0f MiB\n", wg_info(d)->device, wg_info(d)->backend,
           wg_info(d)->adapter_type, (double)bytes / 1048576.0);
    const wg_adapter_info *ai = wg_info(d);
    printf("features: shader-f16 %s, subgroups %s (size %u..%u), subgroup matrix f16->f32:", ai->f16 ? "yes" : "no",
           ai->subgroups ? "yes" : "no", ai->subgroup_min, ai->subgroup_max);
    for (int i = 0; i < ai->n_sgmat; i++) printf(" %ux%ux%u", ai->sgmat[i].m, ai->sgmat[i].n, ai->sgmat[i].k);
    printf("%s\n", ai->n_sgmat ? "" : " none");
    const wg_binding_kind k[3] = {WG_BIND_UNIFORM, WG_BIND_STORAGE_RO, WG_BIND_STORAGE_RW};
    wg_pipeline *p;
    if (wg_pipeline_create(d, "membw", KERNEL, "main", k, 3, NULL, 0, &p, err, sizeof err) != ENG_OK) {
        fprintf(stderr, "gpu_membw: %s\n", err);
        return 1;
    }
    const uint32_t max_wg = 65535;
    wg_buffer src = wg_buffer_create(d, bytes, WG_BUF_STORAGE, "src");
    wg_buffer dst = wg_buffer_create(d, (uint64_t)max_wg * 256 * 4, WG_BUF_STORAGE | WG_BUF_COPY_SRC, "dst");
    wg_buffer un = wg_buffer_create(d, 16, WG_BUF_UNIFORM | WG_BUF_COPY_DST, "n");
    if (!src || !dst || !un) { fprintf(stderr, "gpu_membw: could not allocate\n"); return 1; }
    uint32_t n4[4] = {(uint32_t)(bytes / 16), 0, 0, 0};
    wg_write(d, un, 0, n4, sizeof n4);
    wg_bind b[3] = {{un, 0, 16}, {src, 0, 0}, {dst, 0, 0}};
    wg_bindgroup g = wg_bindgroup_create(d, p, b, 3);
    if (!g || wg_finish(d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: setup failed %s\n", err); return 1; }
    const uint32_t wgs[] = {132, 528, 1056, 2112, 4224, 16384, 65535};
    for (size_t i = 0; i < sizeof wgs / sizeof wgs[0]; i++) {
        const int reps = 20;
        wg_dispatch(d, p, g, 0, wgs[i], 1, 1, "membw"); /* warm-up */
        if (wg_finish(d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
        double t0 = now();
        for (int r = 0; r < reps; r++) wg_dispatch(d, p, g, 0, wgs[i], 1, 1, "membw");
        if (wg_finish(d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
        double s = now() - t0;
        printf("workgroups %6u: %8.1f GB/s (%.3f ms per pass)\n", wgs[i], (double)bytes * reps / s / 1e9, s / reps * 1e3);
    }
    /* the cost of a dispatch: dependent tiny kernels */
    wg_pipeline *tp;
    if (wg_pipeline_create(d, "tiny", TINY, "main", k, 3, NULL, 0, &tp, err, sizeof err) != ENG_OK) {
        fprintf(stderr, "gpu_membw: %s\n", err);
        return 1;
    }
    wg_bindgroup tg = wg_bindgroup_create(d, tp, b, 3);
    const uint32_t twg[] = {1, 768, 1792};
    for (size_t i = 0; tg && i < sizeof twg / sizeof twg[0]; i++) {
        for (int every = 1000; every >= 25; every = every == 1000 ? 25 : 0) {
            const int n = 1000;
            for (int pass = 0; pass < 2; pass++) { /* warm-up, then timed */
                double t0 = now();
                for (int r = 0; r < n; r++) {
                    wg_dispatch(d, tp, tg, 0, twg[i], 1, 1, "tiny");
                    if ((r + 1) % every == 0) wg_submit(d);
                }
                if (wg_finish(d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
                if (pass) printf("dispatch cost: %4u workgroups of 128, %d dependent dispatches, a submit every %4d: %.2f us each\n",
                                 twg[i], n, every, (now() - t0) / n * 1e6);
            }
        }
    }
    /* a round trip: one tiny dispatch, then a 4-byte read back (what a greedy
     * decode step waits for at its end) */
    for (int pass = 0; tg && pass < 2; pass++) {
        const int n = 200;
        uint32_t v = 0;
        double t0 = now();
        for (int r = 0; r < n; r++) {
            wg_dispatch(d, tp, tg, 0, 1, 1, 1, "tiny");
            if (wg_read(d, dst, 0, &v, 4, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
        }
        if (pass) printf("round trip: a dispatch and a 4-byte read back: %.1f us each (counter %u)\n", (now() - t0) / n * 1e6, v);
    }
    if (tg) wg_bindgroup_release(tg);
    wg_pipeline_release(tp);
    wg_bindgroup_release(g);
    wg_buffer_release(src);
    wg_buffer_release(dst);
    wg_buffer_release(un);
    wg_pipeline_release(p);
    wg_close(d);
    return 0;
}
