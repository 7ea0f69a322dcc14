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
fn w_dot32(row: u32, it: u32, xv: array<vec4<f32>, 8>, xs: f32) -> f32 {
    let b = row * p.nb + it;
    let q = wq[b];
    let s = dot(lo4(q.x), xv[0]) + dot(lo4(q.y), xv[1]) + dot(lo4(q.z), xv[2]) + dot(lo4(q.w), xv[3]) +
            dot(hi4(q.x), xv[4]) + dot(hi4(q.y), xv[5]) + dot(hi4(q.z), xv[6]) + dot(hi4(q.w), xv[7]);
    return f16_at(b) * (s - 8.0 * xs);
}
