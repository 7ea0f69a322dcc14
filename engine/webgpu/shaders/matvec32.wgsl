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
fn amax4(v: vec4<f32>) -> f32 {
    let a = abs(v);
    return max(max(a.x, a.y), max(a.z, a.w));
}
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
        var xb: XB;
        if (MVQ) {
            let am = max(max(max(amax4(x0), amax4(x1)), max(amax4(x2), amax4(x3))),
                         max(max(amax4(x4), amax4(x5)), max(amax4(x6), amax4(x7))));
            let inv = select(0.0, 1.0 / am, am > 0.0);
            xb.q0 = vec4<u32>(pack4x8snorm(x0 * inv), pack4x8snorm(x1 * inv), pack4x8snorm(x2 * inv),
                              pack4x8snorm(x3 * inv));
            xb.q1 = vec4<u32>(pack4x8snorm(x4 * inv), pack4x8snorm(x5 * inv), pack4x8snorm(x6 * inv),
                              pack4x8snorm(x7 * inv));
            xb.dx = am / 127.0;
            let ones = 0x01010101u;
            xb.qsum = idot4(xb.q0.x, ones) + idot4(xb.q0.y, ones) + idot4(xb.q0.z, ones) + idot4(xb.q0.w, ones) +
                      idot4(xb.q1.x, ones) + idot4(xb.q1.y, ones) + idot4(xb.q1.z, ones) + idot4(xb.q1.w, ones);
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
        a.x += blk(w0, bk, xb);
        if (MV32_R > 1u) {
            a.y += blk(w1, bk, xb);
        }
        if (MV32_R > 2u) {
            a.z += blk(w2, bk, xb);
        }
        if (MV32_R > 3u) {
            a.w += blk(w3, bk, xb);
        }
        if (MV32_R > 4u) {
            b.x += blk(w4, bk, xb);
        }
        if (MV32_R > 5u) {
            b.y += blk(w5, bk, xb);
        }
        if (MV32_R > 6u) {
            b.z += blk(w6, bk, xb);
        }
        if (MV32_R > 7u) {
            b.w += blk(w7, bk, xb);
        }
        if (glu) {
            let o = p.glu_off;
            ag.x += blk(w0 + o, bk, xb);
            if (MV32_R > 1u) {
                ag.y += blk(w1 + o, bk, xb);
            }
            if (MV32_R > 2u) {
                ag.z += blk(w2 + o, bk, xb);
            }
            if (MV32_R > 3u) {
                ag.w += blk(w3 + o, bk, xb);
            }
            if (MV32_R > 4u) {
                bg.x += blk(w4 + o, bk, xb);
            }
            if (MV32_R > 5u) {
                bg.y += blk(w5 + o, bk, xb);
            }
            if (MV32_R > 6u) {
                bg.z += blk(w6 + o, bk, xb);
            }
            if (MV32_R > 7u) {
                bg.w += blk(w7 + o, bk, xb);
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
