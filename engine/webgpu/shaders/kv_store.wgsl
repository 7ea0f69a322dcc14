// Append k and v ([n_tok][kv_dim] floats) to one layer's caches at position
// p.a (pos0); p.n = n_tok * kv_dim / 2 pairs, p.b = kv_dim / 2.
// KV_F16: the caches hold f16 pairs per u32; else f32 bit patterns.
@group(0) @binding(1) var<storage, read> k: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> kc: array<u32>;
@group(0) @binding(4) var<storage, read_write> vc: array<u32>;

@compute @workgroup_size(256)
fn kv_store(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.y * (nw.x * 256u) + gid.x;
    if (i >= p.n) {
        return;
    }
    let o = p.a * p.b + i;
    if (KV_F16) {
        kc[o] = pack2x16float(k[i]);
        vc[o] = pack2x16float(v[i]);
    } else {
        kc[2u * o] = bitcast<u32>(k[i].x);
        kc[2u * o + 1u] = bitcast<u32>(k[i].y);
        vc[2u * o] = bitcast<u32>(v[i].x);
        vc[2u * o + 1u] = bitcast<u32>(v[i].y);
    }
}
