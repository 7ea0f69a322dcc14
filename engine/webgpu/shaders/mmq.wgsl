// mmq.wgsl - prefill products on int8 inputs for the weight types whose file
// defines w_i8x16, w_d and W_ZP (Q4_0, Q8_0); mm_common and the type file
// come first, and idot4 (backend_webgpu.c: WGSL's dot4I8Packed or a fallback).
//
// quant_x rounds each 32-value block of the activations to int8 with one
// scale dx = amax / 127 (as matvec32's MVQ path, and like the CPU backend's
// Q8_0 activations); matmul_q then takes each block of a weight row against
// each token's block as 8 packed 4 x 8-bit dot products, one conversion and
// one multiply-add by d * dx, instead of 32 f32 multiply-adds. The buffers
// keep the binding types of mm_common: quant_x writes the int8 words (as f32
// bit patterns) to y and (dx, sum of the block's int8 values) pairs to y1;
// matmul_q reads the words through x and the pairs through g.

// p.n_tok tokens of p.K values; one invocation per block, p.gx workgroups along x
@compute @workgroup_size(256)
fn quant_x(@builtin(global_invocation_id) gid: vec3<u32>) {
    let nbk = p.K >> 5u;
    let i = gid.y * (p.gx * 256u) + gid.x;
    if (i >= p.n_tok * nbk) {
        return;
    }
    let t = i / nbk;
    let b = i % nbk;
    let o = (t * p.K + 32u * b) >> 2u; // first vec4 of x, and first word of the output
    let qb = q8_block(x[o], x[o + 1u], x[o + 2u], x[o + 3u], x[o + 4u], x[o + 5u], x[o + 6u], x[o + 7u]);
    for (var c = 0u; c < 4u; c += 1u) {
        y[o + c] = bitcast<f32>(qb.q0[c]);
        y[o + 4u + c] = bitcast<f32>(qb.q1[c]);
    }
    y1[2u * i] = qb.dx;
    y1[2u * i + 1u] = f32(qb.qsum);
}

// 128 rows x 64 tokens per workgroup of 256 threads, each 8 rows x 4 tokens
// (rows 4 tr.. and 64 + 4 tr.., tokens 4 tt..), K in steps of MQB blocks.
// Workgroup memory holds word i (4 int8) of each block for 4 rows or 4
// tokens per vec4, so a thread's reads are conflict-free vec4 loads.
// MQB (blocks per K-step, host constant: 2 by default) comes first.
var<workgroup> wsq: array<vec4<u32>, 256 * MQB>; // [block][word 0..7][row / 4]
var<workgroup> wsd: array<vec4<f32>, 32 * MQB>;  // [block][row / 4]: d
var<workgroup> xsq: array<vec4<u32>, 128 * MQB>; // [block][word 0..7][token / 4]
var<workgroup> xsd: array<vec4<f32>, 16 * MQB>;  // [block][token / 4]: dx
var<workgroup> xss: array<vec4<i32>, 16 * MQB>;  // [block][token / 4]: sum of the int8 values

// One K-step's share of a thread's global loads (matmul_q's loader roles:
// weight row wr = li / 2, half h = li % 2; li < 128: token li / 2's words,
// half h; 128 <= li < 192: token li - 128's (dx, sum)). Zeros past the edges.
struct MQL {
    wv: array<vec4<u32>, MQB>,
    wd: array<f32, MQB>,
    xv: array<vec4<u32>, MQB>,
    xd: array<vec2<f32>, MQB>,
};
fn mmq_load(r0: u32, t0: u32, li: u32, bk0: u32) -> MQL {
    let nbk = p.K >> 5u;
    let wr = li >> 1u;
    let h = li & 1u;
    var l: MQL;
    for (var u = 0u; u < MQB; u += 1u) {
        let bk = bk0 + u;
        if (r0 + wr < p.M && bk < nbk) {
            l.wv[u] = w_i8x16(r0 + wr + p.wr0, bk, h);
            l.wd[u] = w_d(r0 + wr + p.wr0, bk);
        }
        if (li < 128u) {
            let xt = li >> 1u;
            if (t0 + xt < p.n_tok && bk < nbk) {
                l.xv[u] = bitcast<vec4<u32>>(x[(((t0 + xt) * p.K + 32u * bk) >> 4u) + h]);
            }
        } else if (li < 192u) {
            let xt = li - 128u;
            if (t0 + xt < p.n_tok && bk < nbk) {
                let e = 2u * ((t0 + xt) * nbk + bk);
                l.xd[u] = vec2<f32>(g[e >> 2u][e & 3u], g[e >> 2u][(e & 3u) + 1u]);
            }
        }
    }
    return l;
}
// ... and its stores into workgroup memory
fn mmq_store(li: u32, l: MQL) {
    let wr = li >> 1u;
    let h = li & 1u;
    for (var u = 0u; u < MQB; u += 1u) {
        for (var c = 0u; c < 4u; c += 1u) {
            wsq[(u * 8u + 4u * h + c) * 32u + (wr >> 2u)][wr & 3u] = l.wv[u][c];
        }
        if (h == 0u) {
            wsd[u * 32u + (wr >> 2u)][wr & 3u] = l.wd[u];
        }
        if (li < 128u) {
            let xt = li >> 1u;
            for (var c = 0u; c < 4u; c += 1u) {
                xsq[(u * 8u + 4u * h + c) * 16u + (xt >> 2u)][xt & 3u] = l.xv[u][c];
            }
        } else if (li < 192u) {
            let xt = li - 128u;
            xsd[u * 16u + (xt >> 2u)][xt & 3u] = l.xd[u].x;
            xss[u * 16u + (xt >> 2u)][xt & 3u] = i32(l.xd[u].y);
        }
    }
}

// MMQ_PF (host constant): the next K-step's global loads are issued before
// this step's arithmetic (registers in flight while it runs) instead of after
// it.
@compute @workgroup_size(256)
fn matmul_q(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = wid.x * 128u;
    let t0 = wid.y * 64u;
    let tr = li % 16u;
    let tt = li / 16u;
    let nbk = p.K >> 5u;
    var a0: array<vec4<f32>, 4>; // rows 4 tr.., one vec4 per token
    var a1: array<vec4<f32>, 4>; // rows 64 + 4 tr..
    for (var i = 0u; i < 4u; i += 1u) {
        a0[i] = vec4<f32>(0.0);
        a1[i] = vec4<f32>(0.0);
    }
    var ld = mmq_load(r0, t0, li, 0u);
    for (var bk0 = 0u; bk0 < nbk; bk0 += MQB) {
        if (!MMQ_PF && bk0 > 0u) {
            ld = mmq_load(r0, t0, li, bk0);
        }
        mmq_store(li, ld);
        workgroupBarrier();
        if (MMQ_PF) {
            ld = mmq_load(r0, t0, li, bk0 + MQB);
        }
        for (var u = 0u; u < MQB; u += 1u) {
            // integer sums over block u: s0[t] rows 4 tr.., s1[t] rows 64 + 4 tr..
            var s0: array<vec4<i32>, 4>;
            var s1: array<vec4<i32>, 4>;
            for (var i = 0u; i < 4u; i += 1u) {
                s0[i] = vec4<i32>(0);
                s1[i] = vec4<i32>(0);
            }
            for (var i = 0u; i < 8u; i += 1u) {
                let w0 = wsq[(u * 8u + i) * 32u + tr];
                let w1 = wsq[(u * 8u + i) * 32u + 16u + tr];
                let xv = xsq[(u * 8u + i) * 16u + tt];
                for (var t = 0u; t < 4u; t += 1u) {
                    let xw = xv[t];
                    s0[t] += vec4<i32>(idot4(w0.x, xw), idot4(w0.y, xw), idot4(w0.z, xw), idot4(w0.w, xw));
                    s1[t] += vec4<i32>(idot4(w1.x, xw), idot4(w1.y, xw), idot4(w1.z, xw), idot4(w1.w, xw));
                }
            }
            let d0 = wsd[u * 32u + tr];
            let d1 = wsd[u * 32u + 16u + tr];
            let dx = xsd[u * 16u + tt];
            let qs = xss[u * 16u + tt] * W_ZP;
            for (var t = 0u; t < 4u; t += 1u) {
                a0[t] += d0 * (dx[t] * vec4<f32>(s0[t] - vec4<i32>(qs[t])));
                a1[t] += d1 * (dx[t] * vec4<f32>(s1[t] - vec4<i32>(qs[t])));
            }
        }
        workgroupBarrier();
    }
    tile_store(r0, t0, tr, tt, a0, a1);
}
