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
//
// Integer path (const MVQ, Q4_0 and Q8_0): each thread rounds its 32 inputs
// to int8 with one scale dx = amax / 127 (the Q8_0 rounding of the CPU
// backend's activations), once for all its rows, and each row's block becomes
// 8 packed 4 x 8-bit dot products (idot4: WGSL's dot4I8Packed, or a
// shift-and-multiply fallback where the implementation lacks it) and one
// conversion, instead of 32 byte-to-float conversions and 32 multiply-adds.
// The host supplies MVQ and idot4.
struct XB {
    x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>,
    x4: vec4<f32>, x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>,
    xsum: f32,      // sum of the 32 inputs
    q0: vec4<u32>,  // MVQ: inputs 0..15 as int8, four per u32 (byte 0 first)
    q1: vec4<u32>,  // inputs 16..31
    dx: f32,        // their scale: x ~ dx * q
    qsum: i32,      // sum of the 32 int8 values
};
fn blk(row: u32, bk: u32, b: XB) -> f32 {
    if (MVQ) {
        return w_idot32(row, bk, b.q0, b.q1, b.dx, b.qsum);
    }
    return w_dot32(row, bk, b.x0, b.x1, b.x2, b.x3, b.x4, b.x5, b.x6, b.x7, b.xsum);
}
// groups of 4 rows per workgroup
const MV32_NG = (MV32_R + 3u) / 4u;
// partial sums for the reduction: rows r0 + 4i .. + 3 in red32[i] (GLU: the up
// rows in red32[MV32_NG + i]), sums of squares in red_s
var<workgroup> red32: array<array<vec4<f32>, MV32_WG>, 2u * MV32_NG>;
var<workgroup> red_s: array<f32, MV32_WG>;

// weight row k of the workgroup's rows (rows past the chunk read row r0,
// always valid, and are not stored), plus off (GLU: the up half)
fn wrow(r0: u32, k: u32, off: u32) -> u32 {
    return p.wr0 + select(r0, r0 + k, r0 + k < p.M) + off;
}
// block bk of rows r0 + k .. r0 + k + 3 (those below MV32_R) against xb
fn rows4(r0: u32, k: u32, off: u32, bk: u32, xb: XB) -> vec4<f32> {
    var v = vec4<f32>(0.0);
    v.x = blk(wrow(r0, k, off), bk, xb);
    if (MV32_R > k + 1u) {
        v.y = blk(wrow(r0, k + 1u, off), bk, xb);
    }
    if (MV32_R > k + 2u) {
        v.z = blk(wrow(r0, k + 2u, off), bk, xb);
    }
    if (MV32_R > k + 3u) {
        v.w = blk(wrow(r0, k + 3u, off), bk, xb);
    }
    return v;
}

@compute @workgroup_size(MV32_WG)
fn matvec32(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r0 = (wid.y * p.gx + wid.x) * MV32_R;
    let norm = (p.flags & 1u) != 0u;
    let glu = (p.flags & 4u) != 0u;
    // acc[i]: rows r0 + 4i .. + 3; acc[4 + i]: their GLU up rows (indexed
    // only by constants, so they stay in registers)
    var acc: array<vec4<f32>, 8>;
    for (var i = 0u; i < 8u; i += 1u) {
        acc[i] = vec4<f32>(0.0);
    }
    var ssv = vec4<f32>(0.0);
    let nbk = p.K >> 5u;
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
        var xb: XB;
        if (MVQ) {
            let qb = q8_block(x0, x1, x2, x3, x4, x5, x6, x7);
            xb.q0 = qb.q0;
            xb.q1 = qb.q1;
            xb.dx = qb.dx;
            xb.qsum = qb.qsum;
        } else {
            xb.x0 = x0;
            xb.x1 = x1;
            xb.x2 = x2;
            xb.x3 = x3;
            xb.x4 = x4;
            xb.x5 = x5;
            xb.x6 = x6;
            xb.x7 = x7;
            let xs4 = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
            xb.xsum = xs4.x + xs4.y + xs4.z + xs4.w;
        }
        acc[0] += rows4(r0, 0u, 0u, bk, xb);
        if (MV32_R > 4u) {
            acc[1] += rows4(r0, 4u, 0u, bk, xb);
        }
        if (MV32_R > 8u) {
            acc[2] += rows4(r0, 8u, 0u, bk, xb);
        }
        if (MV32_R > 12u) {
            acc[3] += rows4(r0, 12u, 0u, bk, xb);
        }
        if (glu) {
            acc[4] += rows4(r0, 0u, p.glu_off, bk, xb);
            if (MV32_R > 4u) {
                acc[5] += rows4(r0, 4u, p.glu_off, bk, xb);
            }
            if (MV32_R > 8u) {
                acc[6] += rows4(r0, 8u, p.glu_off, bk, xb);
            }
            if (MV32_R > 12u) {
                acc[7] += rows4(r0, 12u, p.glu_off, bk, xb);
            }
        }
    }
    for (var i = 0u; i < MV32_NG; i += 1u) {
        red32[i][li] = acc[i];
        red32[MV32_NG + i][li] = acc[4u + i];
    }
    red_s[li] = ssv.x + ssv.y + ssv.z + ssv.w;
    workgroupBarrier();
    for (var off = MV32_WG / 2u; off > 0u; off = off / 2u) {
        if (li < off) {
            red_s[li] += red_s[li + off];
            for (var i = 0u; i < MV32_NG; i += 1u) {
                red32[i][li] += red32[i][li + off];
                if (glu) {
                    red32[MV32_NG + i][li] += red32[MV32_NG + i][li + off];
                }
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
        var v = red32[li >> 2u][0][li & 3u] * scale;
        if (glu) {
            v = silu(v) * (red32[MV32_NG + (li >> 2u)][0][li & 3u] * scale);
        }
        mv_store(p.row0 + row, v);
    }
}
