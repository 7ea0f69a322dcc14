// mm_kernels.wgsl - the two matrix products, for any weight type (the type
// file defines w_dot32 and w_load8). Constants WG and TPR come first.

// Decode (one token): TPR threads per row, WG / TPR rows per workgroup; each
// thread sums 32-weight items lane, lane + TPR, ... then the row is reduced in
// workgroup memory.
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn matvec(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let lane = li % TPR;
    let row = (wid.y * p.gx + wid.x) * (WG / TPR) + li / TPR;
    var s = 0.0;
    if (row < p.M) {
        let nit = p.K >> 5u;
        for (var it = lane; it < nit; it += TPR) {
            s += w_dot32(row, it, it * 8u);
        }
    }
    red[li] = s;
    workgroupBarrier();
    for (var off = TPR / 2u; off > 0u; off = off / 2u) {
        if (lane < off) {
            red[li] += red[li + off];
        }
        workgroupBarrier();
    }
    if (lane == 0u && row < p.M) {
        var v = red[li];
        if (p.bias != 0u) {
            v += bias[p.row0 + row];
        }
        y[p.row0 + row] = v;
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
            wv = w_load8(r0 + lr, k0 + lk);
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
