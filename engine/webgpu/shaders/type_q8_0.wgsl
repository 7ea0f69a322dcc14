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
fn w_dot32(row: u32, it: u32, xv: array<vec4<f32>, 8>, xs: f32) -> f32 {
    let b = row * p.nb + it;
    let q0 = wq[2u * b];
    let q1 = wq[2u * b + 1u];
    let s = dot(i8x4(q0.x), xv[0]) + dot(i8x4(q0.y), xv[1]) + dot(i8x4(q0.z), xv[2]) +
            dot(i8x4(q0.w), xv[3]) + dot(i8x4(q1.x), xv[4]) + dot(i8x4(q1.y), xv[5]) +
            dot(i8x4(q1.z), xv[6]) + dot(i8x4(q1.w), xv[7]);
    return f16_at(b) * s;
}
