// mm_kernels.wgsl - the two matrix products, for any weight type (the type
// file defines x_cols, w_dot8 and w_load8). Constants MV_WG and MV_R come first.

// Decode (one token): a workgroup of MV_WG threads computes MV_R rows (2 MV_R
// in GLU mode); each thread takes the 8-weight items lane, lane + MV_WG, ...
// of all its rows, loading the item's inputs once for them (the type file's
// x_cols names them), so neighbouring threads read neighbouring inputs and
// weights; one reduction in workgroup memory at the end. Options (p.flags): RMSNorm fused in front
// (inputs x * g, the sum of squares gathered on the way, the result scaled by
// 1 / sqrt(mean + eps) - the scale is per token, so it factors out of the
// dot product), a residual add (y += W x), GLU (silu(gate) * up), and a split
// of the rows over three outputs (fused Q, K, V).
const MV_ACC = 2u * MV_R;
const MV_SLOTS = MV_ACC + 1u;
var<workgroup> red: array<f32, MV_SLOTS * MV_WG>;

@compute @workgroup_size(MV_WG)
fn matvec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = (wid.y * p.gx + wid.x) * MV_R;
    let norm = (p.flags & 1u) != 0u;
    let glu = (p.flags & 4u) != 0u;
    var acc: array<f32, MV_ACC>;
    for (var r = 0u; r < MV_ACC; r += 1u) {
        acc[r] = 0.0;
    }
    var ssv = vec4<f32>(0.0);
    // items of 8 weights: neighbouring threads read neighbouring inputs and
    // weights; MV_U items per thread per step, so that MV_U * MV_R weight loads
    // are in flight at once (decode is bound by memory latency otherwise)
    let nit = p.K >> 3u;
    for (var it0 = li; it0 < nit; it0 += MV_U * MV_WG) {
        var xa: array<vec4<f32>, 2u * MV_U>;
        for (var u = 0u; u < MV_U; u += 1u) {
            let it = it0 + u * MV_WG;
            var x0 = vec4<f32>(0.0);
            var x1 = vec4<f32>(0.0);
            if (it < nit) {
                let c = x_cols(it);
                x0 = x[p.xoff + c.x];
                x1 = x[p.xoff + c.y];
                if (norm) {
                    ssv += x0 * x0 + x1 * x1;
                    x0 = x0 * g[c.x];
                    x1 = x1 * g[c.y];
                }
            }
            xa[2u * u] = x0;
            xa[2u * u + 1u] = x1;
        }
        for (var r = 0u; r < MV_R; r += 1u) {
            let row = r0 + r;
            if (row < p.M) {
                for (var u = 0u; u < MV_U; u += 1u) {
                    let it = it0 + u * MV_WG;
                    if (it < nit) {
                        acc[r] += w_dot8(row + p.wr0, it, xa[2u * u], xa[2u * u + 1u]);
                        if (glu) {
                            acc[MV_R + r] += w_dot8(row + p.wr0 + p.glu_off, it, xa[2u * u], xa[2u * u + 1u]);
                        }
                    }
                }
            }
        }
    }
    for (var r = 0u; r < 2u * MV_R; r += 1u) {
        red[r * MV_WG + li] = acc[r];
    }
    red[2u * MV_R * MV_WG + li] = ssv.x + ssv.y + ssv.z + ssv.w;
    workgroupBarrier();
    for (var off = MV_WG / 2u; off > 0u; off = off / 2u) {
        if (li < off) {
            for (var v = 0u; v < MV_SLOTS; v += 1u) {
                red[v * MV_WG + li] += red[v * MV_WG + li + off];
            }
        }
        workgroupBarrier();
    }
    let row = r0 + li;
    if (li < MV_R && row < p.M) {
        var scale = 1.0;
        if (norm) {
            scale = 1.0 / sqrt(red[2u * MV_R * MV_WG] / f32(p.K) + p.eps);
        }
        var v = red[li * MV_WG] * scale;
        if (glu) {
            v = silu(v) * (red[(MV_R + li) * MV_WG] * scale);
        }
        mv_store(p.row0 + row, v);
    }
}

// Prefill (several tokens): a 64-row x 64-token tile per workgroup of 256
// threads, each thread 4 rows x 4 tokens; K in steps of 32, the weight tile
// dequantized into workgroup memory once per step and shared by 64 tokens.
const TM = 64u;
const TN = 64u;
const TK = 32u;
var<workgroup> ws: array<vec4<f32>, 512>;  // [k][row / 4]
var<workgroup> xs: array<vec4<f32>, 512>;  // [k][token / 4]

@compute @workgroup_size(256)
fn matmul(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = wid.x * TM;
    let t0 = wid.y * TN;
    let tr = li % 16u;          // the thread's rows: r0 + 4 tr ..
    let tt = li / 16u;          // the thread's tokens: t0 + 4 tt ..
    let lr = li >> 2u;          // loader: row / token lr of the tile
    let lk = (li & 3u) * 8u;    // loader: k offset within the step
    var acc: array<vec4<f32>, 4>;
    for (var k0 = 0u; k0 < p.K; k0 += TK) {
        var wv = array<vec4<f32>, 2>(vec4<f32>(0.0), vec4<f32>(0.0));
        if (r0 + lr < p.M) {
            wv = w_load8(r0 + lr + p.wr0, k0 + lk);
        }
        var x0 = vec4<f32>(0.0);
        var x1 = vec4<f32>(0.0);
        if (t0 + lr < p.n_tok) {
            let xi = ((t0 + lr) * p.K + k0 + lk) >> 2u;
            x0 = x[xi];
            x1 = x[xi + 1u];
        }
        for (var i = 0u; i < 4u; i += 1u) {
            ws[(lk + i) * 16u + (lr >> 2u)][lr & 3u] = wv[0][i];
            ws[(lk + 4u + i) * 16u + (lr >> 2u)][lr & 3u] = wv[1][i];
            xs[(lk + i) * 16u + (lr >> 2u)][lr & 3u] = x0[i];
            xs[(lk + 4u + i) * 16u + (lr >> 2u)][lr & 3u] = x1[i];
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk += 1u) {
            let a = ws[kk * 16u + tr];
            let b = xs[kk * 16u + tt];
            acc[0] += a * b.x;
            acc[1] += a * b.y;
            acc[2] += a * b.z;
            acc[3] += a * b.w;
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i += 1u) {
        let t = t0 + 4u * tt + i;
        if (t < p.n_tok) {
            for (var j = 0u; j < 4u; j += 1u) {
                let r = r0 + 4u * tr + j;
                if (r < p.M) {
                    var v = acc[i][j];
                    if (p.bias != 0u) {
                        v += bias[p.row0 + r];
                    }
                    y[t * p.ldy + p.row0 + r] = v;
                }
            }
        }
    }
}

// Prefill, larger tile: 128 rows x 64 tokens per workgroup of 256 threads,
// each thread 8 rows x 4 tokens (rows 4 tr.. and 64 + 4 tr.., so a quarter
// warp reads 8 neighbouring vec4 of the weight tile), K in steps of 16.
// Per step of k a thread does 32 multiply-adds for 3 vec4 reads of
// workgroup memory, where `matmul` does 16 for 2.
const T2M = 128u;
const T2N = 64u;
const T2K = 16u;
var<workgroup> ws2: array<vec4<f32>, 512>;  // [k][row / 4]
var<workgroup> xs2: array<vec4<f32>, 256>;  // [k][token / 4]

@compute @workgroup_size(256)
fn matmul2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = wid.x * T2M;
    let t0 = wid.y * T2N;
    let tr = li % 16u;          // rows r0 + 4 tr .. and r0 + 64 + 4 tr ..
    let tt = li / 16u;          // tokens t0 + 4 tt ..
    let wr = li >> 1u;          // loader: weight row wr of the tile, k offset wk
    let wk = (li & 1u) * 8u;
    let xt = li >> 2u;          // loader: token xt of the tile, k offset xk
    let xk = (li & 3u) * 4u;
    var a0: array<vec4<f32>, 4>; // rows 4 tr.., one vec4 per token
    var a1: array<vec4<f32>, 4>; // rows 64 + 4 tr..
    for (var k0 = 0u; k0 < p.K; k0 += T2K) {
        var wv = array<vec4<f32>, 2>(vec4<f32>(0.0), vec4<f32>(0.0));
        if (r0 + wr < p.M) {
            wv = w_load8(r0 + wr + p.wr0, k0 + wk);
        }
        var xv4 = vec4<f32>(0.0);
        if (t0 + xt < p.n_tok) {
            xv4 = x[((t0 + xt) * p.K + k0 + xk) >> 2u];
        }
        for (var i = 0u; i < 4u; i += 1u) {
            ws2[(wk + i) * 32u + (wr >> 2u)][wr & 3u] = wv[0][i];
            ws2[(wk + 4u + i) * 32u + (wr >> 2u)][wr & 3u] = wv[1][i];
            xs2[(xk + i) * 16u + (xt >> 2u)][xt & 3u] = xv4[i];
        }
        workgroupBarrier();
        for (var kk = 0u; kk < T2K; kk += 1u) {
            let w0 = ws2[kk * 32u + tr];
            let w1 = ws2[kk * 32u + 16u + tr];
            let b = xs2[kk * 16u + tt];
            a0[0] += w0 * b.x;
            a0[1] += w0 * b.y;
            a0[2] += w0 * b.z;
            a0[3] += w0 * b.w;
            a1[0] += w1 * b.x;
            a1[1] += w1 * b.y;
            a1[2] += w1 * b.z;
            a1[3] += w1 * b.w;
        }
        workgroupBarrier();
    }
    tile_store(r0, t0, tr, tt, a0, a1);
}

