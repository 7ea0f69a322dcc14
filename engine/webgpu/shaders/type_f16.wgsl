// F16 weights: rows of K halves, 8 per vec4<u32>.
fn h8(u: vec4<u32>) -> array<vec4<f32>, 2> {
    return array<vec4<f32>, 2>(vec4<f32>(unpack2x16float(u.x), unpack2x16float(u.y)),
                               vec4<f32>(unpack2x16float(u.z), unpack2x16float(u.w)));
}
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    return h8(wq[row * (p.K >> 3u) + (k >> 3u)]);
}
fn x_cols(it: u32) -> vec2<u32> {
    return vec2<u32>(2u * it, 2u * it + 1u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let w = h8(wq[row * (p.K >> 3u) + it]);
    return dot(w[0], x0) + dot(w[1], x1);
}
