// attention_dec.wgsl - decode attention: one new token at position pos = p.a,
// one workgroup of DW threads per query head h (p.n heads), over one layer's
// KV cache (keys 0 .. pos - 1) and the token's own key and value, which this
// kernel rotates (RoPE), rounds as the cache stores them (f16), and appends to the
// cache (the first query head of each KV group writes; no workgroup reads
// position pos from the cache, so nothing races). This replaces the
// kv_store + attention pair at n_tok == 1: one dispatch less per layer.
//
// Why a second decode kernel: in `attention` a thread computes one key's
// q . k a pair at a time, so a 128-dim head is 16 rounds of memory latency
// per key tile, and the value sum as many again; on an H200 the step grew by
// 0.4 ms over 64 positions. Here a thread loads a key's cache row eight
// 16-byte chunks at a time before using them, and the value sum splits the
// head's chunks over the threads (HC per key, DW / HC keys side by side).
//
// p.n = n_head, p.a = pos, p.b = n_head / n_head_kv, p.d = kv_dim,
// p.f0 = 1 / sqrt(head_dim), p.n_rot, p.neox (RoPE as kv_store.wgsl), cs =
// the (cos, sin) table of the token. Constants (backend_webgpu.c): KV_F16,
// DW (threads, a power of two >= HD, <= 256), HD (head_dim <= 256), CH (dims per
// 16-byte chunk of the cache: 8 for f16 pairs, 4 for f32), HC = HD / CH (a
// power of two). Online softmax over tiles of DW keys as in `attention`.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> kin: array<f32>;   // [kv_dim] this token's k, not rotated
@group(0) @binding(3) var<storage, read> vin: array<f32>;   // [kv_dim] its v
@group(0) @binding(4) var<storage, read_write> kc: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> vc: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> o: array<f32>;
@group(0) @binding(7) var<storage, read> cs: array<f32>;

const HC = HD / CH;   // chunks per key
const KG = DW / HC;   // keys side by side in the value sum
var<workgroup> qs: array<vec4<f32>, HD / 4u>;  // rotated query
var<workgroup> kr: array<f32, HD>;             // raw (then rotated) key of the token
var<workgroup> vr: array<f32, HD>;             // its value (rounded as stored)
var<workgroup> qr: array<f32, HD>;             // raw query
var<workgroup> kp: array<u32, HD>;             // KV_F16: (k, v) of each dim as f16
var<workgroup> sc: array<f32, DW>;             // the tile's exp(score - max)
var<workgroup> rd: array<f32, DW>;             // reductions
var<workgroup> pv: array<vec4<f32>, DW * CH / 4u>; // value-sum partials [KG][HD]

// dims CH c .. of a cache chunk as floats (f32: the first vec4 only)
fn chunk_lo(w: vec4<u32>) -> vec4<f32> {
    if (KV_F16) {
        return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
    }
    return bitcast<vec4<f32>>(w);
}
fn chunk_hi(w: vec4<u32>) -> vec4<f32> {
    if (KV_F16) {
        return vec4<f32>(unpack2x16float(w.z), unpack2x16float(w.w));
    }
    return vec4<f32>(0.0);
}
// q . (chunk c of a key)
fn qdot(w: vec4<u32>, c: u32) -> f32 {
    if (KV_F16) {
        return dot(qs[2u * c], chunk_lo(w)) + dot(qs[2u * c + 1u], chunk_hi(w));
    }
    return dot(qs[c], chunk_lo(w));
}
// chunk c of the token's rotated key (from kr) or value (vr) as the cache stores it
fn pack_chunk(kv: u32, c: u32) -> vec4<u32> {
    var a: vec4<f32>;
    var b = vec4<f32>(0.0);
    let e = CH * c;
    if (kv == 0u) {
        a = vec4<f32>(kr[e], kr[e + 1u], kr[e + 2u], kr[e + 3u]);
        if (KV_F16) {
            b = vec4<f32>(kr[e + 4u], kr[e + 5u], kr[e + 6u], kr[e + 7u]);
        }
    } else {
        a = vec4<f32>(vr[e], vr[e + 1u], vr[e + 2u], vr[e + 3u]);
        if (KV_F16) {
            b = vec4<f32>(vr[e + 4u], vr[e + 5u], vr[e + 6u], vr[e + 7u]);
        }
    }
    if (KV_F16) {
        return vec4<u32>(pack2x16float(a.xy), pack2x16float(a.zw), pack2x16float(b.xy), pack2x16float(b.zw));
    }
    return bitcast<vec4<u32>>(a);
}

// sum of rd[0 .. DW) into rd[0] (max when mx)
fn reduce(li: u32, mx: bool) {
    workgroupBarrier();
    for (var off = DW / 2u; off > 0u; off = off / 2u) {
        if (li < off) {
            rd[li] = select(rd[li] + rd[li + off], max(rd[li], rd[li + off]), mx);
        }
        workgroupBarrier();
    }
}

@compute @workgroup_size(DW)
fn attention_dec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let h = wid.y * p.gx + wid.x;
    if (h >= p.n) {
        return;
    }
    let pos = p.a;
    let hk = h / p.b;
    let kvo = hk * HD;                  // the head's offset within kv_dim
    let ds = p.d / CH;                  // a key's stride in chunks
    let cb = kvo / CH;                  // the head's first chunk within a key
    // the token's q, k, v; RoPE needs the partner elements, so raw first
    var vv = 0.0;
    if (li < HD) {
        qr[li] = q[h * HD + li];
        kr[li] = kin[kvo + li];
        vv = vin[kvo + li];
    }
    workgroupBarrier();
    var qv = 0.0;
    var kv = 0.0;
    if (li < HD) {
        // RoPE (rope_pair, ops_common.wgsl); the table holds the one token
        let r = rope_pair(li);
        qv = qr[li];
        kv = kr[li];
        if (r.rot) {
            let co = cs[2u * r.i];
            let ssi = r.s * cs[2u * r.i + 1u];
            qv = qr[li] * co + qr[r.j] * ssi;
            kv = kr[li] * co + kr[r.j] * ssi;
        }
    }
    workgroupBarrier();
    if (li < HD) {
        qs[li / 4u][li % 4u] = qv;
        kr[li] = kv;
        vr[li] = vv;
        if (KV_F16) {
            kp[li] = pack2x16float(vec2<f32>(kv, vv));
        }
    }
    // an f16 cache: k and v as it stores them, rounded through workgroup
    // memory (a compiler may fold unpack(pack(x)) in one expression back to x)
    workgroupBarrier();
    if (KV_F16 && li < HD) {
        let u = unpack2x16float(kp[li]);
        kv = u.x;
        kr[li] = u.x;
        vr[li] = u.y;
    }
    rd[li] = qv * kv;
    reduce(li, false);
    let s_cur = rd[0] * p.f0;           // the token's own score
    workgroupBarrier();                 // everyone has read rd[0]
    // append the token to the cache (one workgroup per KV head)
    if (h % p.b == 0u && li < HC) {
        kc[pos * ds + cb + li] = pack_chunk(0u, li);
        vc[pos * ds + cb + li] = pack_chunk(1u, li);
    }
    var m = -3.0e38;
    var l = 0.0;
    var pcur = 0.0;
    // value sum: chunk vch of keys vkg, vkg + KG, ...
    let vch = li % HC;
    let vkg = li / HC;
    var acc_lo = vec4<f32>(0.0);
    var acc_hi = vec4<f32>(0.0);
    for (var j0 = 0u; j0 <= pos; j0 += DW) {
        let j = j0 + li;
        var s = -3.0e38;
        if (j < pos) {
            // q . k for cache key j, eight chunks per step with the loads first
            let kb = j * ds + cb;
            var dt = 0.0;
            var c = 0u;
            for (; c + 8u <= HC; c += 8u) {
                let w0 = kc[kb + c];
                let w1 = kc[kb + c + 1u];
                let w2 = kc[kb + c + 2u];
                let w3 = kc[kb + c + 3u];
                let w4 = kc[kb + c + 4u];
                let w5 = kc[kb + c + 5u];
                let w6 = kc[kb + c + 6u];
                let w7 = kc[kb + c + 7u];
                dt += qdot(w0, c) + qdot(w1, c + 1u) + qdot(w2, c + 2u) + qdot(w3, c + 3u) + qdot(w4, c + 4u) +
                      qdot(w5, c + 5u) + qdot(w6, c + 6u) + qdot(w7, c + 7u);
            }
            for (; c < HC; c += 1u) {
                dt += qdot(kc[kb + c], c);
            }
            s = dt * p.f0;
        } else if (j == pos) {
            s = s_cur;
        }
        rd[li] = s;
        reduce(li, true);
        let mn = max(m, rd[0]);
        workgroupBarrier();
        let e = select(0.0, exp(s - mn), j <= pos);
        sc[li] = e;
        rd[li] = e;
        reduce(li, false);
        let corr = exp(m - mn);
        l = l * corr + rd[0];
        m = mn;
        if (pos < j0 + DW) {
            pcur = sc[pos - j0];        // the token's weight (its tile is the last)
        }
        // acc += sc[jj] * v(j0 + jj) over the tile's cache keys, four per step
        let jn = min(DW, pos - j0);     // cache keys in this tile
        acc_lo *= corr;
        acc_hi *= corr;
        var jj = vkg;
        for (; jj + 3u * KG < jn; jj += 4u * KG) {
            let b = (j0 + jj) * ds + cb + vch;
            let w0 = vc[b];
            let w1 = vc[b + KG * ds];
            let w2 = vc[b + 2u * KG * ds];
            let w3 = vc[b + 3u * KG * ds];
            let p0 = sc[jj];
            let p1 = sc[jj + KG];
            let p2 = sc[jj + 2u * KG];
            let p3 = sc[jj + 3u * KG];
            acc_lo += p0 * chunk_lo(w0) + p1 * chunk_lo(w1) + p2 * chunk_lo(w2) + p3 * chunk_lo(w3);
            if (KV_F16) {
                acc_hi += p0 * chunk_hi(w0) + p1 * chunk_hi(w1) + p2 * chunk_hi(w2) + p3 * chunk_hi(w3);
            }
        }
        for (; jj < jn; jj += KG) {
            let w = vc[(j0 + jj) * ds + cb + vch];
            acc_lo += sc[jj] * chunk_lo(w);
            if (KV_F16) {
                acc_hi += sc[jj] * chunk_hi(w);
            }
        }
        workgroupBarrier();
    }
    // the KG partial sums of each dim, plus the token's own value
    let pb = (vkg * HC + vch) * (CH / 4u);
    pv[pb] = acc_lo;
    if (KV_F16) {
        pv[pb + 1u] = acc_hi;
    }
    workgroupBarrier();
    if (li < HD) {
        var a = pcur * vr[li];
        for (var g = 0u; g < KG; g += 1u) {
            let i = g * HD + li;
            a += pv[i / 4u][i % 4u];
        }
        o[h * HD + li] = a / l;
    }
}
