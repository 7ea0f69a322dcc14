// Q4_K (ggml): super-blocks of 256 weights, 144 bytes: f16 d, f16 dmin,
// 12 bytes of 6-bit scales and mins for 8 sub-blocks of 32, 128 bytes of
// nibbles. Sub-blocks 2c and 2c+1 are the low and high nibbles of bytes
// 32c..32c+31; w = d * sc * q - dmin * m. GPU layout: the block as is,
// 9 vec4<u32> per block (no wd).
fn q4k_u32(b: u32, i: u32) -> u32 {
    return wq[b * 9u + (i >> 2u)][i & 3u];
}
fn q4k_byte(b: u32, n: u32) -> u32 {   // scales byte n (0..11)
    return (q4k_u32(b, 1u + (n >> 2u)) >> (8u * (n & 3u))) & 255u;
}
// (scale, min) of sub-block j, as ggml's get_scale_min_k4
fn q4k_sm(b: u32, j: u32) -> vec2<f32> {
    if (j < 4u) {
        return vec2<f32>(f32(q4k_byte(b, j) & 63u), f32(q4k_byte(b, j + 4u) & 63u));
    }
    let s = (q4k_byte(b, j + 4u) & 15u) | ((q4k_byte(b, j - 4u) >> 6u) << 4u);
    let m = (q4k_byte(b, j + 4u) >> 4u) | ((q4k_byte(b, j) >> 6u) << 4u);
    return vec2<f32>(f32(s), f32(m));
}
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let b = row * p.nb + (k >> 8u);
    let jb = k & 255u;
    let c = jb >> 6u;
    let hi = (jb & 63u) >= 32u;
    let l = jb & 31u;
    let dm = unpack2x16float(q4k_u32(b, 0u));
    let sm = q4k_sm(b, 2u * c + select(0u, 1u, hi));
    let a = dm.x * sm.x;
    let m = dm.y * sm.y;
    let w0 = q4k_u32(b, 4u + 8u * c + (l >> 2u));
    let w1 = q4k_u32(b, 5u + 8u * c + (l >> 2u));
    if (hi) {
        return array<vec4<f32>, 2>(a * hi4(w0) - m, a * hi4(w1) - m);
    }
    return array<vec4<f32>, 2>(a * lo4(w0) - m, a * lo4(w1) - m);
}
fn x_cols(it: u32) -> vec2<u32> {
    return vec2<u32>(2u * it, 2u * it + 1u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let k = 8u * it;
    let b = row * p.nb + (k >> 8u);
    let jb = k & 255u;
    let c = jb >> 6u;
    let hi = (jb & 63u) >= 32u;
    let l = jb & 31u;
    let dm = unpack2x16float(q4k_u32(b, 0u));
    let sm = q4k_sm(b, 2u * c + select(0u, 1u, hi));
    let w0 = q4k_u32(b, 4u + 8u * c + (l >> 2u));
    let w1 = q4k_u32(b, 5u + 8u * c + (l >> 2u));
    var s = dot(lo4s(w0), x0) + dot(lo4s(w1), x1);
    if (hi) {
        s = dot(hi4s(w0), x0) + dot(hi4s(w1), x1);
    }
    let sx = x0 + x1;
    return dm.x * sm.x * 255.0 * s - dm.y * sm.y * (sx.x + sx.y + sx.z + sx.w);
}
