// Q4_0 (ggml): blocks of 32 weights, 16 bytes of nibbles and an f16 scale d;
// byte j holds weight j (low nibble) and weight j + 16 (high); w = d * (q - 8).
// GPU layout: the 16 bytes of block b in wq[b]; d in wd (f16 pairs).
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let b = row * p.nb + (k >> 5u);
    let j = k & 31u;
    let q = wq[b];
    let w = (j & 15u) >> 2u;
    let d = f16_at(b);
    if (j < 16u) {
        return array<vec4<f32>, 2>(d * (lo4(q[w]) - 8.0), d * (lo4(q[w + 1u]) - 8.0));
    }
    return array<vec4<f32>, 2>(d * (hi4(q[w]) - 8.0), d * (hi4(q[w + 1u]) - 8.0));
}
// item it = word w = it % 4 of block it / 4: weights 4w.. (low nibbles) and
// 16 + 4w.. (high nibbles)
fn x_cols(it: u32) -> vec2<u32> {
    let c = 8u * (it >> 2u) + (it & 3u);
    return vec2<u32>(c, c + 4u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let b = row * p.nb + (it >> 2u);
    let u = wq[b][it & 3u];
    let sx = x0 + x1;
    return f16_at(b) * (255.0 * (dot(lo4s(u), x0) + dot(hi4s(u), x1)) - 8.0 * (sx.x + sx.y + sx.z + sx.w));
}
// block bk of a row whole: word w holds weights 4w.. (low nibbles, inputs
// x_w) and 16 + 4w.. (high nibbles, x_(4+w)); xsum = the sum of the 32 inputs.
// (Written out without loops or arrays: a private array indexed in a loop
// may be put in slow local memory by the driver's compiler.)
fn w_dot32(row: u32, bk: u32, x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>, x4: vec4<f32>,
           x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>, xsum: f32) -> f32 {
    let b = row * p.nb + bk;
    let q = wq[b];
    let s = dot(lo4s(q.x), x0) + dot(hi4s(q.x), x4) + dot(lo4s(q.y), x1) + dot(hi4s(q.y), x5) +
            dot(lo4s(q.z), x2) + dot(hi4s(q.z), x6) + dot(lo4s(q.w), x3) + dot(hi4s(q.w), x7);
    return f16_at(b) * (255.0 * s - 8.0 * xsum);
}
// the same block against int8 inputs (matvec32's MVQ path): xa = inputs
// 0..15, xb = 16..31, four per u32; x ~ dx * q, qsum = their sum. The nibbles
// 0..15 are valid int8, so sum (n - 8) * q = idot(n, q) - 8 * qsum exactly.
fn w_idot32(row: u32, bk: u32, xa: vec4<u32>, xb: vec4<u32>, dx: f32, qsum: i32) -> f32 {
    let b = row * p.nb + bk;
    let q = wq[b];
    let m = 0x0f0f0f0fu;
    let s = idot4(q.x & m, xa.x) + idot4((q.x >> 4u) & m, xb.x) + idot4(q.y & m, xa.y) +
            idot4((q.y >> 4u) & m, xb.y) + idot4(q.z & m, xa.z) + idot4((q.z >> 4u) & m, xb.z) +
            idot4(q.w & m, xa.w) + idot4((q.w >> 4u) & m, xb.w);
    return f16_at(b) * dx * f32(s - 8 * qsum);
}
// For matmul_q (mmq.wgsl): 16 weights of block bk as int8, h = 0: weights
// 0..15 (the low nibbles), 1: 16..31 (the high ones), values 0..15 with the
// zero point W_ZP (w = d * (n - W_ZP)); d of the block.
const W_ZP = 8i;
fn w_i8x16(row: u32, bk: u32, h: u32) -> vec4<u32> {
    let q = wq[row * p.nb + bk];
    return (q >> vec4<u32>(4u * h)) & vec4<u32>(0x0f0f0f0fu);
}
fn w_d(row: u32, bk: u32) -> f32 {
    return f16_at(row * p.nb + bk);
}
