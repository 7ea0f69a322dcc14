// Element-wise kernels over p.n floats: swiglu (a[i] = silu(a[i]) * b[i]) and
// add (a[i] += b[i]). SiLU is x / (1 + exp(-x)), as ggml.
@group(0) @binding(1) var<storage, read_write> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;

@compute @workgroup_size(256)
fn swiglu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.y * (nw.x * 256u) + gid.x;
    if (i < p.n) {
        let g = a[i];
        a[i] = g / (1.0 + exp(-g)) * b[i];
    }
}

@compute @workgroup_size(256)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.y * (nw.x * 256u) + gid.x;
    if (i < p.n) {
        a[i] = a[i] + b[i];
    }
}
