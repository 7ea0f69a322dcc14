// Rotate k (RoPE) and append it and v ([n_tok][kv_dim] floats) to one layer's
// caches at position p.a (pos0); one invocation per pair of values.
// p.n = n_tok * kv_dim / 2, p.b = kv_dim / 2, p.c = head_dim, p.n_rot, p.neox;
// cs[t][2i], cs[t][2i+1] = cos, sin of pair i's angle at token t (host table).
// KV_F16: the caches hold f16 pairs per u32; else f32 bit patterns.
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> kc: array<u32>;
@group(0) @binding(4) var<storage, read_write> vc: array<u32>;
@group(0) @binding(5) var<storage, read> cs: array<f32>;

// element e of the head at k[base ..], rotated for token t
fn kval(base: u32, e: u32, t: u32) -> f32 {
    let r = rope_pair(e);
    if (!r.rot) {
        return k[base + e];
    }
    let o = t * p.n_rot + 2u * r.i;
    return k[base + e] * cs[o] + k[base + r.j] * (r.s * cs[o + 1u]);
}

@compute @workgroup_size(256)
fn kv_store(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
    let i = gid.y * (nw.x * 256u) + gid.x;
    if (i >= p.n) {
        return;
    }
    let t = i / p.b;
    let el = 2u * (i % p.b);           // element within the token's kv_dim
    let base = t * 2u * p.b + (el / p.c) * p.c;
    let e = el % p.c;
    let kp = vec2<f32>(kval(base, e, t), kval(base, e + 1u, t));
    let o = p.a * p.b + i;
    if (KV_F16) {
        kc[o] = pack2x16float(kp);
        vc[o] = pack2x16float(v[i]);
    } else {
        kc[2u * o] = bitcast<u32>(kp.x);
        kc[2u * o + 1u] = bitcast<u32>(kp.y);
        vc[2u * o] = bitcast<u32>(v[i].x);
        vc[2u * o + 1u] = bitcast<u32>(v[i].y);
    }
}
