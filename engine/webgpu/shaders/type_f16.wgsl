// F16 weights: rows of K halves, 8 per vec4<u32>.
fn h8(u: vec4<u32>) -> array<vec4<f32>, 2> {
    return array<vec4<f32>, 2>(vec4<f32>(unpack2x16float(u.x), unpack2x16float(u.y)),
                               vec4<f32>(unpack2x16float(u.z), unpack2x16float(u.w)));
}
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    return h8(wq[row * (p.K >> 3u) + (k >> 3u)]);
}
fn w_dot32(row: u32, it: u32, xv: array<vec4<f32>, 8>, xs: f32) -> f32 {
    let i = row * (p.K >> 3u) + it * 4u;
    var s = 0.0;
    for (var j = 0u; j < 4u; j += 1u) {
        let w = h8(wq[i + j]);
        s += dot(w[0], xv[2u * j]) + dot(w[1], xv[2u * j + 1u]);
    }
    return s;
}
