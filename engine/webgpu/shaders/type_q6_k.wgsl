// Q6_K (ggml): super-blocks of 256 weights, 210 bytes: ql[128] (low 4 bits),
// qh[64] (high 2 bits), int8 scales[16] (one per 16 weights), f16 d.
// Weight j of the block: half n = j / 128, r = j % 128, quarter u = r / 32,
// l = r % 32; q = ((ql[64n + l + 32(u & 1)] >> 4(u >> 1)) & 15)
//               | (((qh[32n + l] >> 2u) & 3) << 4);
// w = d * scales[8n + l / 16 + 2u] * (q - 32).
// GPU layout: ql, qh, scales of block b as 13 vec4<u32> (52 u32) in wq; d in wd.
fn q6k_u32(b: u32, i: u32) -> u32 {
    return wq[b * 13u + (i >> 2u)][i & 3u];
}
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let b = row * p.nb + (k >> 8u);
    let j = k & 255u;
    let n = j >> 7u;
    let r = j & 127u;
    let u = r >> 5u;
    let l = r & 31u;
    let qlw = (64u * n + l + 32u * (u & 1u)) >> 2u;
    let qhw = 32u + ((32u * n + l) >> 2u);
    let ls = 4u * (u >> 1u);
    let hs = 2u * u;
    let si = 8u * n + (l >> 4u) + 2u * u;
    let sc = f32(extractBits(bitcast<i32>(q6k_u32(b, 48u + (si >> 2u))), 8u * (si & 3u), 8u));
    let a = f16_at(b) * sc;
    var out: array<vec4<f32>, 2>;
    for (var h = 0u; h < 2u; h += 1u) {
        let ql = (vec4<u32>(q6k_u32(b, qlw + h)) >> (vec4<u32>(0u, 8u, 16u, 24u) + ls)) & vec4<u32>(15u);
        let qh = (vec4<u32>(q6k_u32(b, qhw + h)) >> (vec4<u32>(0u, 8u, 16u, 24u) + hs)) & vec4<u32>(3u);
        out[h] = a * (vec4<f32>(ql | (qh << vec4<u32>(4u))) - 32.0);
    }
    return out;
}
fn x_cols(it: u32) -> vec2<u32> {
    return vec2<u32>(2u * it, 2u * it + 1u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let w = w_load8(row, 8u * it);
    return dot(w[0], x0) + dot(w[1], x1);
}
