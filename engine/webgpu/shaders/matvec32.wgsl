// matvec32.wgsl - the decode matrix-vector product over whole 32-weight
// blocks, for the weight types whose file defines w_dot32 (Q4_0, Q8_0, F16).
// Constants MV32_WG and MV32_R (1..8) come first; mm_common and the type file before.
//
// Why a second kernel: in `matvec` (mm_kernels.wgsl) a thread takes 8
// weights at a time, so for Q4_0 each weight load is 4 bytes per row. Decode
// is bound by how many bytes are in flight to memory, and per-kernel timing
// on an H200 showed Q4_0 and Q8_0 taking as long per token as F16 while
// reading 2-4x fewer bytes. Here a thread takes a whole block (Q4_0: one
// 16-byte load, Q8_0: two, F16: four) for each of its MV32_R rows, with the
// block's 32 inputs loaded once for all of them. Rows are the components of
// vec4 accumulators and every loop over rows or inputs is written out: a
// private array indexed in a loop may end up in slow local memory.
// Options (p.flags) as in `matvec`: RMSNorm in front, residual add, GLU,
// split over three outputs.
var<workgroup> red_a: array<vec4<f32>, MV32_WG>;
var<workgroup> red_g: array<vec4<f32>, MV32_WG>;
var<workgroup> red_s: array<f32, MV32_WG>;
var<workgroup> red_b: array<vec4<f32>, MV32_WG>;
var<workgroup> red_bg: array<vec4<f32>, MV32_WG>;

@compute @workgroup_size(MV32_WG)
fn matvec32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = (wid.y * p.gx + wid.x) * MV32_R;
    let norm = (p.flags & 1u) != 0u;
    let glu = (p.flags & 4u) != 0u;
    var a = vec4<f32>(0.0);   // rows r0 .. r0 + 3
    var ag = vec4<f32>(0.0);  // GLU: the up rows
    var b = vec4<f32>(0.0);   // rows r0 + 4 .. r0 + 7
    var bg = vec4<f32>(0.0);
    var ssv = vec4<f32>(0.0);
    let nbk = p.K >> 5u;
    // rows past the chunk read row r0 (always valid) and are not stored
    let w0 = p.wr0 + r0;
    let w1 = p.wr0 + select(r0, r0 + 1u, r0 + 1u < p.M);
    let w2 = p.wr0 + select(r0, r0 + 2u, r0 + 2u < p.M);
    let w3 = p.wr0 + select(r0, r0 + 3u, r0 + 3u < p.M);
    let w4 = p.wr0 + select(r0, r0 + 4u, r0 + 4u < p.M);
    let w5 = p.wr0 + select(r0, r0 + 5u, r0 + 5u < p.M);
    let w6 = p.wr0 + select(r0, r0 + 6u, r0 + 6u < p.M);
    let w7 = p.wr0 + select(r0, r0 + 7u, r0 + 7u < p.M);
    for (var bk = li; bk < nbk; bk += MV32_WG) {
        let i = p.xoff + 8u * bk;
        var x0 = x[i];
        var x1 = x[i + 1u];
        var x2 = x[i + 2u];
        var x3 = x[i + 3u];
        var x4 = x[i + 4u];
        var x5 = x[i + 5u];
        var x6 = x[i + 6u];
        var x7 = x[i + 7u];
        if (norm) {
            ssv += x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3 + x4 * x4 + x5 * x5 + x6 * x6 + x7 * x7;
            let j = 8u * bk;
            x0 *= g[j];
            x1 *= g[j + 1u];
            x2 *= g[j + 2u];
            x3 *= g[j + 3u];
            x4 *= g[j + 4u];
            x5 *= g[j + 5u];
            x6 *= g[j + 6u];
            x7 *= g[j + 7u];
        }
        let xs4 = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
        let xsum = xs4.x + xs4.y + xs4.z + xs4.w;
        a.x += w_dot32(w0, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        if (MV32_R > 1u) {
            a.y += w_dot32(w1, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 2u) {
            a.z += w_dot32(w2, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 3u) {
            a.w += w_dot32(w3, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 4u) {
            b.x += w_dot32(w4, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 5u) {
            b.y += w_dot32(w5, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 6u) {
            b.z += w_dot32(w6, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (MV32_R > 7u) {
            b.w += w_dot32(w7, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
        }
        if (glu) {
            let o = p.glu_off;
            ag.x += w_dot32(w0 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            if (MV32_R > 1u) {
                ag.y += w_dot32(w1 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 2u) {
                ag.z += w_dot32(w2 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 3u) {
                ag.w += w_dot32(w3 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 4u) {
                bg.x += w_dot32(w4 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 5u) {
                bg.y += w_dot32(w5 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 6u) {
                bg.z += w_dot32(w6 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
            if (MV32_R > 7u) {
                bg.w += w_dot32(w7 + o, bk, x0, x1, x2, x3, x4, x5, x6, x7, xsum);
            }
        }
    }
    red_a[li] = a;
    red_g[li] = ag;
    if (MV32_R > 4u) {
        red_b[li] = b;
        red_bg[li] = bg;
    }
    red_s[li] = ssv.x + ssv.y + ssv.z + ssv.w;
    workgroupBarrier();
    for (var off = MV32_WG / 2u; off > 0u; off = off / 2u) {
        if (li < off) {
            red_a[li] += red_a[li + off];
            red_g[li] += red_g[li + off];
            red_s[li] += red_s[li + off];
            if (MV32_R > 4u) {
                red_b[li] += red_b[li + off];
                red_bg[li] += red_bg[li + off];
            }
        }
        workgroupBarrier();
    }
    let row = r0 + li;
    if (li < MV32_R && row < p.M) {
        var scale = 1.0;
        if (norm) {
            scale = 1.0 / sqrt(red_s[0] / f32(p.K) + p.eps);
        }
        var v = select(red_a[0][li & 3u], red_b[0][li & 3u], li > 3u) * scale;
        if (glu) {
            v = silu(v) * (select(red_g[0][li & 3u], red_bg[0][li & 3u], li > 3u) * scale);
        }
        mv_store(p.row0 + row, v);
    }
}
