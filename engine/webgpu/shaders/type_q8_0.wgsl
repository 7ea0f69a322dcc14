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
