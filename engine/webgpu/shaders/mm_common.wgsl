// mm_common.wgsl - bindings and parameters shared by every matrix product.
// The backend builds one module per weight type as
//   constants + mm_common + type_<type> + mm_kernels
// y[t][row0 + r] = sum_k W[r][k] * x[t][k] (+ bias[row0 + r]) for the rows
// r < M of one weight chunk (a big tensor is split into row chunks that each
// fit one storage binding).
// Weights are in the backend's GPU layout (backend_webgpu.c, "GPU layout"):
// quantized values in `wq`, per-block f16 scales (when the type keeps them
// apart) in `wd`, both indexed from the chunk's first row.
struct MM {
    K: u32,       // row length (input features), a multiple of 32
    M: u32,       // rows in this chunk (matvec GLU: rows of the gate half)
    row0: u32,    // first output row of this chunk
    n_tok: u32,   // tokens (rows of x and y)
    ldy: u32,     // y row stride in floats (the tensor's total rows)
    bias: u32,    // 1 when bias[] holds a bias
    gx: u32,      // workgroups along x (the grid is 2-D past 65535)
    nb: u32,      // blocks per row of the weight type
    flags: u32,   // matvec: 1 RMSNorm the input (x * g, scaled by 1/rms), 2 add into y,
                  // 4 GLU (y = silu(gate rows) * up rows), 8 split rows over y, y1, y2
    n0: u32,      // split: rows that go to y; the next n1 to y1; the rest to y2
    n1: u32,
    glu_off: u32, // GLU: row offset of the up half
    xoff: u32,    // matvec: x offset in vec4 (the row of x to use)
    eps: f32,     // RMSNorm epsilon
    wr0: u32,     // first weight row (a part of a fused tensor such as Q|K|V)
    pad1: u32,
};
@group(0) @binding(0) var<uniform> p: MM;
@group(0) @binding(1) var<storage, read> wq: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> wd: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> y1: array<f32>;
@group(0) @binding(8) var<storage, read_write> y2: array<f32>;

// the f16 scale of block b, from pairs packed in u32
fn f16_at(b: u32) -> f32 {
    let v = unpack2x16float(wd[b >> 1u]);
    return select(v.x, v.y, (b & 1u) == 1u);
}
// The unpack built-ins convert four bytes in one step (byte / 255 or
// byte / 127): the integer values come back exactly after the multiply, so
// the kernels fold 255 or 127 into the block scale where they can.
// the four signed bytes of u as floats (byte 0 first); -128 does not occur in
// Q8_0 (ggml rounds x / (amax / 127))
fn i8x4(u: u32) -> vec4<f32> {
    return unpack4x8snorm(u) * 127.0;
}
// low / high nibbles of the four bytes of u, as floats / 255
fn lo4s(u: u32) -> vec4<f32> {
    return unpack4x8unorm(u & 0x0f0f0f0fu);
}
fn hi4s(u: u32) -> vec4<f32> {
    return unpack4x8unorm((u >> 4u) & 0x0f0f0f0fu);
}
// the same as integers 0..15
fn lo4(u: u32) -> vec4<f32> {
    return lo4s(u) * 255.0;
}
fn hi4(u: u32) -> vec4<f32> {
    return hi4s(u) * 255.0;
}

fn silu(v: f32) -> f32 {
    return v / (1.0 + exp(-v));
}

// Store output row gr (a row of the whole tensor) of a matrix-vector
// product: plus the bias when there is one, then by p.flags: 8 splits the
// rows over y, y1, y2 (fused Q|K|V), 2 adds into y (the residual), else y = v.
fn mv_store(gr: u32, v0: f32) {
    var v = v0;
    if (p.bias != 0u) {
        v += bias[gr];
    }
    if ((p.flags & 8u) != 0u) {
        if (gr < p.n0) {
            y[gr] = v;
        } else if (gr < p.n0 + p.n1) {
            y1[gr - p.n0] = v;
        } else {
            y2[gr - p.n0 - p.n1] = v;
        }
    } else if ((p.flags & 2u) != 0u) {
        y[gr] += v;
    } else {
        y[gr] = v;
    }
}

// Store a 128-row x 64-token tile (matmul2, matmul_q): the thread's rows
// r0 + 4 tr .. + 3 (a0) and r0 + 64 + 4 tr .. + 3 (a1) for tokens t0 + 4 tt
// .. + 3 (a0[i], a1[i]: token i), plus the bias, into y[token][row0 + row].
fn tile_store(r0: u32, t0: u32, tr: u32, tt: u32, a0: array<vec4<f32>, 4>, a1: array<vec4<f32>, 4>) {
    for (var i = 0u; i < 4u; i += 1u) {
        let t = t0 + 4u * tt + i;
        if (t < p.n_tok) {
            for (var j = 0u; j < 8u; j += 1u) {
                let r = r0 + select(4u * tr + j, 64u + 4u * tr + j - 4u, j >= 4u);
                if (r < p.M) {
                    var v = select(a0[i][j & 3u], a1[i][j & 3u], j >= 4u);
                    if (p.bias != 0u) {
                        v += bias[p.row0 + r];
                    }
                    y[t * p.ldy + p.row0 + r] = v;
                }
            }
        }
    }
}

// One 32-value input block rounded to int8 (the int8 input paths: matvec32's
// MVQ, quant_x): scale dx = amax / 127, q = floor(0.5 + 127 x / amax) (WGSL's
// pack4x8snorm), four per u32 (byte 0 first); qsum = the sum of the 32 q.
// Needs idot4 (the host puts it in front).
struct Q8B {
    q0: vec4<u32>, // values 0..15
    q1: vec4<u32>, // values 16..31
    dx: f32,
    qsum: i32,
};
fn amax4(v: vec4<f32>) -> f32 {
    let a = abs(v);
    return max(max(a.x, a.y), max(a.z, a.w));
}
fn q8_block(x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>, x4: vec4<f32>, x5: vec4<f32>,
            x6: vec4<f32>, x7: vec4<f32>) -> Q8B {
    let am = max(max(max(amax4(x0), amax4(x1)), max(amax4(x2), amax4(x3))),
                 max(max(amax4(x4), amax4(x5)), max(amax4(x6), amax4(x7))));
    let inv = select(0.0, 1.0 / am, am > 0.0);
    var r: Q8B;
    r.q0 = vec4<u32>(pack4x8snorm(x0 * inv), pack4x8snorm(x1 * inv), pack4x8snorm(x2 * inv), pack4x8snorm(x3 * inv));
    r.q1 = vec4<u32>(pack4x8snorm(x4 * inv), pack4x8snorm(x5 * inv), pack4x8snorm(x6 * inv), pack4x8snorm(x7 * inv));
    r.dx = am / 127.0;
    let ones = 0x01010101u;
    r.qsum = idot4(r.q0.x, ones) + idot4(r.q0.y, ones) + idot4(r.q0.z, ones) + idot4(r.q0.w, ones) +
             idot4(r.q1.x, ones) + idot4(r.q1.y, ones) + idot4(r.q1.z, ones) + idot4(r.q1.w, ones);
    return r;
}
