// y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * w; one workgroup per token.
// p.n = row length, p.f0 = eps.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn rmsnorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let t = wid.y * p.gx + wid.x;
    if (t >= p.n_tok) {
        return;
    }
    let base = t * p.n;
    var s = 0.0;
    for (var i = li; i < p.n; i += 256u) {
        let v = x[base + i];
        s += v * v;
    }
    red[li] = s;
    workgroupBarrier();
    for (var off = 128u; off > 0u; off = off / 2u) {
        if (li < off) {
            red[li] += red[li + off];
        }
        workgroupBarrier();
    }
    let scale = 1.0 / sqrt(red[0] / f32(p.n) + p.f0);
    for (var i = li; i < p.n; i += 256u) {
        y[base + i] = (x[base + i] * scale) * w[i];
    }
}
