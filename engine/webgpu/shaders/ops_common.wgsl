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

// RoPE's pairing of element e of a head (p.n_rot, p.neox): NORM pairs
// (2i, 2i+1), NEOX pairs (i, i + n_rot/2). The rotated value is
// x[e] * cos_i + x[j] * s * sin_i, with j the partner and s = -1 for the
// pair's first element, +1 for its second; elements at or past n_rot are not
// rotated (rot false). Shared by kv_store, attention and attention_dec, which
// read (cos_i, sin_i) from their host table cs.
struct RopePair {
    j: u32,
    i: u32,
    s: f32,
    rot: bool,
};
fn rope_pair(e: u32) -> RopePair {
    if (e >= p.n_rot) {
        return RopePair(e, 0u, 0.0, false);
    }
    if (p.neox == 1u) {
        let half = p.n_rot / 2u;
        let first = e < half;
        return RopePair(select(e - half, e + half, first), select(e - half, e, first), select(1.0, -1.0, first), true);
    }
    let first = (e & 1u) == 0u;
    return RopePair(e ^ 1u, e / 2u, select(1.0, -1.0, first), true);
}
