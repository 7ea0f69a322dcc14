// ops_common.wgsl - the parameter block of the element-wise and attention
// kernels (one 256-byte slot per dispatch, dynamic offset).
struct OP {
    n: u32,        // elements, or the row length
    n_tok: u32,
    a: u32,        // kernel specific (see each kernel)
    b: u32,
    c: u32,
    d: u32,
    gx: u32,       // workgroups along x (2-D grid past 65535)
    e: u32,
    f0: f32,       // kernel specific float (eps, scale)
    f1: f32,
    f2: f32,
    f3: f32,
    n_rot: u32,    // RoPE in kv_store / attention: rotated dimensions of a head
    neox: u32,     // 1: NEOX pairs (i, i + n_rot/2); 0: NORM pairs (2i, 2i+1)
    u0: u32,
    u1: u32,
};
@group(0) @binding(0) var<uniform> p: OP;
