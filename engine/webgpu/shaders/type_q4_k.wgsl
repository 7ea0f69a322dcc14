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
fn w_dot32(row: u32, it: u32, xv: array<vec4<f32>, 8>, xs: f32) -> f32 {
    let b = row * p.nb + (it >> 3u);
    let sub = it & 7u;
    let c = sub >> 1u;
    let dm = unpack2x16float(q4k_u32(b, 0u));
    let sm = q4k_sm(b, sub);
    var s = 0.0;
    for (var j = 0u; j < 8u; j += 1u) {
        let w = q4k_u32(b, 4u + 8u * c + j);
        s += dot(select(lo4(w), hi4(w), (sub & 1u) == 1u), xv[j]);
    }
    return dm.x * sm.x * s - dm.y * sm.y * xs;
}
