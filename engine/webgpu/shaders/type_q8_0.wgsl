// Q8_0 (ggml): blocks of 32 int8 q and an f16 scale d; w = d * q.
// GPU layout: q of block b in wq[2b], wq[2b+1]; d in wd (f16 pairs).
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let b = row * p.nb + (k >> 5u);
    let j = k & 31u;
    let q = wq[2u * b + (j >> 4u)];
    let w = (j & 15u) >> 2u;
    let d = f16_at(b);
    return array<vec4<f32>, 2>(d * i8x4(q[w]), d * i8x4(q[w + 1u]));
}
fn x_cols(it: u32) -> vec2<u32> {
    return vec2<u32>(2u * it, 2u * it + 1u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let b = row * p.nb + (it >> 2u);
    let q = wq[2u * b + ((it >> 1u) & 1u)];
    let w = (it & 1u) * 2u;
    return f16_at(b) * 127.0 * (dot(unpack4x8snorm(q[w]), x0) + dot(unpack4x8snorm(q[w + 1u]), x1));
}
// block bk of a row whole: two 16-byte loads, bytes 4i.. with inputs x_i
fn w_dot32(row: u32, bk: u32, x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>, x4: vec4<f32>,
           x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>, xsum: f32) -> f32 {
    let b = row * p.nb + bk;
    let q0 = wq[2u * b];
    let q1 = wq[2u * b + 1u];
    let s = dot(unpack4x8snorm(q0.x), x0) + dot(unpack4x8snorm(q0.y), x1) + dot(unpack4x8snorm(q0.z), x2) +
            dot(unpack4x8snorm(q0.w), x3) + dot(unpack4x8snorm(q1.x), x4) + dot(unpack4x8snorm(q1.y), x5) +
            dot(unpack4x8snorm(q1.z), x6) + dot(unpack4x8snorm(q1.w), x7);
    return f16_at(b) * 127.0 * s;
}
// the same block against int8 inputs (matvec32's MVQ path): xa = inputs
// 0..15, xb = 16..31, four per u32; x ~ dx * q. qsum is not needed.
fn w_idot32(row: u32, bk: u32, xa: vec4<u32>, xb: vec4<u32>, dx: f32, qsum: i32) -> f32 {
    let b = row * p.nb + bk;
    let q0 = wq[2u * b];
    let q1 = wq[2u * b + 1u];
    let s = idot4(q0.x, xa.x) + idot4(q0.y, xa.y) + idot4(q0.z, xa.z) + idot4(q0.w, xa.w) +
            idot4(q1.x, xb.x) + idot4(q1.y, xb.y) + idot4(q1.z, xb.z) + idot4(q1.w, xb.w);
    return f16_at(b) * dx * f32(s);
}
// For matmul_q (mmq.wgsl): 16 weights of block bk as int8, h = 0: weights
// 0..15, 1: 16..31; no zero point (w = d * q); d of the block.
const W_ZP = 0i;
fn w_i8x16(row: u32, bk: u32, h: u32) -> vec4<u32> {
    return wq[2u * (row * p.nb + bk) + h];
}
fn w_d(row: u32, bk: u32) -> f32 {
    return f16_at(row * p.nb + bk);
}
