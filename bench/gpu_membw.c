/* gpu_membw.c - how fast a plain WGSL streaming read runs through our WebGPU
 * layer (wg.h) on this adapter: the ceiling the engine's decode kernels are
 * measured against. A 1 GiB buffer (or the adapter's binding limit) is read
 * by a grid-stride loop of vec4<u32> loads, each thread writing one sum (so
 * the loads stay live); N dispatches in one submission, timed to queue idle.
 * Prints GB/s (10^9 bytes/s) for a few workgroup counts.
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

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    char err[512];
    wg_dev *d;
    wg_open_params op = {0};
    if (wg_open(&op, &d, err, sizeof err) != ENG_OK) { fprintf(stderr, "gpu_membw: %s\n", err); return 1; }
    const wg_limits *l = wg_get_limits(d);
    uint64_t bytes = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1024) << 20;
    if (bytes > l->max_storage_buffer_binding_size) bytes = l->max_storage_buffer_binding_size / 16 * 16;
    printf("device: %s (%s, %s); buffer %.0f MiB\n", wg_info(d)->device, wg_info(d)->backend,
           wg_info(d)->adapter_type, (double)bytes / 1048576.0);
    const wg_binding_kind k[3] = {WG_BIND_UNIFORM, WG_BIND_STORAGE_RO, WG_BIND_STORAGE_RW};
    wg_pipeline *p;
    if (wg_pipeline_create(d, "membw", KERNEL, "main", k, 3, NULL, 0, &p, err, sizeof err) != ENG_OK) {
        fprintf(stderr, "gpu_membw: %s\n", err);
        return 1;
    }
    const uint32_t max_wg = 65535;
    wg_buffer src = wg_buffer_create(d, bytes, WG_BUF_STORAGE, "src");
    wg_buffer dst = wg_buffer_create(d, (uint64_t)max_wg * 256 * 4, WG_BUF_STORAGE, "dst");
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
    wg_bindgroup_release(g);
    wg_buffer_release(src);
    wg_buffer_release(dst);
    wg_buffer_release(un);
    wg_pipeline_release(p);
    wg_close(d);
    return 0;
}
