// Causal attention over one layer's KV cache, one workgroup of AW threads per
// (token t, query head h): out[t][h] = softmax(q.k * scale) . v over positions
// 0 .. pos0 + t, keys in tiles of AW with a running max and sum (the online
// softmax of Milakov & Gimelshein 2018), so any context length fits.
// p.n = n_head, p.n_tok, p.a = pos0, p.b = n_head / n_head_kv, p.c = head_dim
// (even, <= 4 AW), p.d = kv_dim, p.f0 = 1 / sqrt(head_dim); q is rotated
// (RoPE: p.n_rot, p.neox, cos/sin table cs as kv_store) as it is loaded.
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> kc: array<u32>;
@group(0) @binding(3) var<storage, read> vc: array<u32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<storage, read> cs: array<f32>;

var<workgroup> qs: array<f32, 512>;
var<workgroup> ps: array<f32, AW>;
var<workgroup> rd: array<f32, AW>;

// element e of the query head at q[base ..], rotated for token t (as kval in kv_store.wgsl)
fn qval(base: u32, e: u32, t: u32) -> f32 {
    let r = rope_pair(e);
    if (!r.rot) {
        return q[base + e];
    }
    let o = t * p.n_rot + 2u * r.i;
    return q[base + e] * cs[o] + q[base + r.j] * (r.s * cs[o + 1u]);
}

// the pair of cache values at pair index i (element 2i, 2i+1)
fn kpair(i: u32) -> vec2<f32> {
    if (KV_F16) {
        return unpack2x16float(kc[i]);
    }
    return vec2<f32>(bitcast<f32>(kc[2u * i]), bitcast<f32>(kc[2u * i + 1u]));
}
// the pair of values at pair index i
fn vpair(i: u32) -> vec2<f32> {
    if (KV_F16) {
        return unpack2x16float(vc[i]);
    }
    return vec2<f32>(bitcast<f32>(vc[2u * i]), bitcast<f32>(vc[2u * i + 1u]));
}
fn vval(i: u32) -> f32 {
    if (KV_F16) {
        let v = unpack2x16float(vc[i >> 1u]);
        return select(v.x, v.y, (i & 1u) == 1u);
    }
    return bitcast<f32>(vc[i]);
}

// a + sum over keys jj < jn of ps[jj] * the value pair at o + jj * ds,
// eight keys per step with the loads first
fn vsum(a0: vec2<f32>, o: u32, ds: u32, jn: u32) -> vec2<f32> {
    var a = a0;
    var jj = 0u;
    for (; jj + 8u <= jn; jj += 8u) {
        let o0 = o + jj * ds;
        let v0 = vpair(o0);
        let v1 = vpair(o0 + ds);
        let v2 = vpair(o0 + 2u * ds);
        let v3 = vpair(o0 + 3u * ds);
        let v4 = vpair(o0 + 4u * ds);
        let v5 = vpair(o0 + 5u * ds);
        let v6 = vpair(o0 + 6u * ds);
        let v7 = vpair(o0 + 7u * ds);
        a += ps[jj] * v0 + ps[jj + 1u] * v1 + ps[jj + 2u] * v2 + ps[jj + 3u] * v3 + ps[jj + 4u] * v4 +
             ps[jj + 5u] * v5 + ps[jj + 6u] * v6 + ps[jj + 7u] * v7;
    }
    for (; jj < jn; jj += 1u) {
        a += ps[jj] * vpair(o + jj * ds);
    }
    return a;
}

@compute @workgroup_size(AW)
fn attention(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let idx = wid.y * p.gx + wid.x;
    if (idx >= p.n_tok * p.n) {
        return;
    }
    let t = idx / p.n;
    let h = idx % p.n;
    let hd = p.c;
    let kbase = (h / p.b) * hd;
    let n_kv = p.a + t + 1u;
    let qo = (t * p.n + h) * hd;
    for (var d = li; d < hd; d += AW) {
        qs[d] = qval(qo, d, t);
    }
    workgroupBarrier();
    var m = -3.0e38;
    var l = 0.0;
    // this thread's output pairs (2 pi, 2 pi + 1) for pi = li and li + AW
    var acc0 = vec2<f32>(0.0);
    var acc1 = vec2<f32>(0.0);
    let np = hd / 2u;
    let kvb = kbase >> 1u;
    let ds = p.d >> 1u; // kv_dim in pairs
    for (var j0 = 0u; j0 < n_kv; j0 += AW) {
        let j = j0 + li;
        var s = -3.0e38;
        if (j < n_kv) {
            // q . k for key j, four pairs per step with the loads first (a
            // loop of single dependent loads ran at the memory latency)
            let kb = j * ds + kvb;
            var dt = vec4<f32>(0.0);
            var d2 = 0u;
            for (; d2 + 4u <= np; d2 += 4u) {
                let k0 = kpair(kb + d2);
                let k1 = kpair(kb + d2 + 1u);
                let k2 = kpair(kb + d2 + 2u);
                let k3 = kpair(kb + d2 + 3u);
                let e = 2u * d2;
                dt += vec4<f32>(qs[e], qs[e + 2u], qs[e + 4u], qs[e + 6u]) * vec4<f32>(k0.x, k1.x, k2.x, k3.x) +
                      vec4<f32>(qs[e + 1u], qs[e + 3u], qs[e + 5u], qs[e + 7u]) * vec4<f32>(k0.y, k1.y, k2.y, k3.y);
            }
            for (; d2 < np; d2 += 1u) {
                let kv = kpair(kb + d2);
                dt.x += qs[2u * d2] * kv.x + qs[2u * d2 + 1u] * kv.y;
            }
            s = (dt.x + dt.y + dt.z + dt.w) * p.f0;
        }
        rd[li] = s;
        workgroupBarrier();
        for (var off = AW / 2u; off > 0u; off = off / 2u) {
            if (li < off) {
                rd[li] = max(rd[li], rd[li + off]);
            }
            workgroupBarrier();
        }
        let mn = max(m, rd[0]);
        workgroupBarrier();
        var e = 0.0;
        if (j < n_kv) {
            e = exp(s - mn);
        }
        ps[li] = e;
        rd[li] = e;
        workgroupBarrier();
        for (var off = AW / 2u; off > 0u; off = off / 2u) {
            if (li < off) {
                rd[li] += rd[li + off];
            }
            workgroupBarrier();
        }
        let corr = exp(m - mn);
        l = l * corr + rd[0];
        m = mn;
        // acc += p_j * v_j over the tile's keys, eight keys per step
        let jn = min(AW, n_kv - j0);
        let vb = j0 * ds + kvb;
        if (li < np) {
            acc0 = vsum(acc0 * corr, vb + li, ds, jn);
        }
        if (li + AW < np) {
            acc1 = vsum(acc1 * corr, vb + li + AW, ds, jn);
        }
        workgroupBarrier();
    }
    if (li < np) {
        o[qo + 2u * li] = acc0.x / l;
        o[qo + 2u * li + 1u] = acc0.y / l;
    }
    if (li + AW < np) {
        o[qo + 2u * (li + AW)] = acc1.x / l;
        o[qo + 2u * (li + AW) + 1u] = acc1.y / l;
    }
}

// attention_mq: the same for prefill, AQ query tokens of one head per
// workgroup (tokens AQ tb .. AQ tb + AQ - 1, head h), so every key and value
// loaded serves AQ queries and one reduction tree per tile serves them all
// (per-kernel timing on an H200: attention was 13.5% of a 512-token prompt
// on the 8B shape with one token per workgroup). Needs head_dim <= 128 and
// head_dim <= AW * 4; query qi's keys are 0 .. pos0 + t_qi (causal). The
// constant AQ comes first (backend_webgpu.c, ATT_AQ).
var<workgroup> qm: array<f32, AQ * 128u>; // [query][dim]
var<workgroup> pm: array<f32, AQ * AW>;   // [query][key of the tile]: exp(s - max)
var<workgroup> rm: array<f32, AQ * AW>;   // reductions

@compute @workgroup_size(AW)
fn attention_mq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let idx = wid.y * p.gx + wid.x;
    let n_tb = (p.n_tok + AQ - 1u) / AQ;
    if (idx >= n_tb * p.n) {
        return;
    }
    let tb = idx / p.n;
    let h = idx % p.n;
    let hd = p.c;
    let kbase = (h / p.b) * hd;
    let t0 = tb * AQ;
    let nq = min(AQ, p.n_tok - t0);          // queries in this block
    let n_kv = p.a + t0 + nq;                // keys of the block's last query
    for (var i = li; i < AQ * hd; i += AW) {
        let qi = i / hd;
        var v = 0.0;
        if (qi < nq) {
            v = qval(((t0 + qi) * p.n + h) * hd, i % hd, t0 + qi);
        }
        qm[i] = v;
    }
    workgroupBarrier();
    var m: array<f32, AQ>;
    var l: array<f32, AQ>;
    var acc: array<array<f32, AQ>, 4>;
    for (var qi = 0u; qi < AQ; qi += 1u) {
        m[qi] = -3.0e38;
    }
    for (var j0 = 0u; j0 < n_kv; j0 += AW) {
        let j = j0 + li;
        var s: array<f32, AQ>;
        for (var qi = 0u; qi < AQ; qi += 1u) {
            s[qi] = 0.0;
        }
        if (j < n_kv) {
            let kb = (j * p.d + kbase) >> 1u;
            for (var d2 = 0u; d2 < hd / 2u; d2 += 1u) {
                let kv = kpair(kb + d2);
                for (var qi = 0u; qi < AQ; qi += 1u) {
                    s[qi] += qm[qi * hd + 2u * d2] * kv.x + qm[qi * hd + 2u * d2 + 1u] * kv.y;
                }
            }
        }
        // query qi sees key j when j <= pos0 + t0 + qi
        for (var qi = 0u; qi < AQ; qi += 1u) {
            let ok = j < p.a + t0 + qi + 1u && qi < nq;
            s[qi] = select(-3.0e38, s[qi] * p.f0, ok);
            rm[qi * AW + li] = s[qi];
        }
        workgroupBarrier();
        for (var off = AW / 2u; off > 0u; off = off / 2u) {
            if (li < off) {
                for (var qi = 0u; qi < AQ; qi += 1u) {
                    rm[qi * AW + li] = max(rm[qi * AW + li], rm[qi * AW + li + off]);
                }
            }
            workgroupBarrier();
        }
        var mn: array<f32, AQ>;
        for (var qi = 0u; qi < AQ; qi += 1u) {
            mn[qi] = max(m[qi], rm[qi * AW]);
        }
        workgroupBarrier();
        for (var qi = 0u; qi < AQ; qi += 1u) {
            let ok = j < p.a + t0 + qi + 1u && qi < nq;
            let e = select(0.0, exp(s[qi] - mn[qi]), ok);
            pm[qi * AW + li] = e;
            rm[qi * AW + li] = e;
        }
        workgroupBarrier();
        for (var off = AW / 2u; off > 0u; off = off / 2u) {
            if (li < off) {
                for (var qi = 0u; qi < AQ; qi += 1u) {
                    rm[qi * AW + li] += rm[qi * AW + li + off];
                }
            }
            workgroupBarrier();
        }
        var corr: array<f32, AQ>;
        for (var qi = 0u; qi < AQ; qi += 1u) {
            corr[qi] = exp(m[qi] - mn[qi]);
            l[qi] = l[qi] * corr[qi] + rm[qi * AW];
            m[qi] = mn[qi];
        }
        let jn = min(AW, n_kv - j0);
        for (var c = 0u; c < 4u; c += 1u) {
            let d = li + c * AW;
            if (d < hd) {
                var a: array<f32, AQ>;
                for (var qi = 0u; qi < AQ; qi += 1u) {
                    a[qi] = acc[c][qi] * corr[qi];
                }
                for (var jj = 0u; jj < jn; jj += 1u) {
                    let v = vval((j0 + jj) * p.d + kbase + d);
                    for (var qi = 0u; qi < AQ; qi += 1u) {
                        a[qi] += pm[qi * AW + jj] * v;
                    }
                }
                acc[c] = a;
            }
        }
        workgroupBarrier();
    }
    for (var c = 0u; c < 4u; c += 1u) {
        let d = li + c * AW;
        if (d < hd) {
            for (var qi = 0u; qi < nq; qi += 1u) {
                o[((t0 + qi) * p.n + h) * hd + d] = acc[c][qi] / l[qi];
            }
        }
    }
}
