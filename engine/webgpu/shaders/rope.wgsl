// RoPE in place on x[t][head][head_dim]: pair i < n_rot / 2 of every head is
// rotated by the angle whose (cos, sin) the host put in cs[t][2i], cs[t][2i+1]
// (host-side table: GPU sin/cos lose accuracy at large angles).
// p.n = n_head, p.a = head_dim, p.b = n_rot, p.c = 1 for NEOX (x[i], x[i + n_rot/2])
// else NORM (x[2i], x[2i+1]).
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> cs: array<f32>;

@compute @workgroup_size(256)
fn rope(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let half = p.b / 2u;
    let id = gid.y * (nw.x * 256u) + gid.x;
    if (id >= p.n_tok * p.n * half) {
        return;
    }
    let i = id % half;
    let th = id / half;              // t * n_head + h
    let t = th / p.n;
    let base = th * p.a;
    let co = cs[t * p.b + 2u * i];
    let si = cs[t * p.b + 2u * i + 1u];
    var i0 = base + 2u * i;
    var i1 = i0 + 1u;
    if (p.c == 1u) {
        i0 = base + i;
        i1 = base + i + half;
    }
    let x0 = x[i0];
    let x1 = x[i1];
    x[i0] = x0 * co - x1 * si;
    x[i1] = x0 * si + x1 * co;
}
