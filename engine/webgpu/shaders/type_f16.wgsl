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
// 32 weights of a row from block bk: four 16-byte loads
fn hdot(u: vec4<u32>, a: vec4<f32>, b: vec4<f32>) -> f32 {
    return dot(vec4<f32>(unpack2x16float(u.x), unpack2x16float(u.y)), a) +
           dot(vec4<f32>(unpack2x16float(u.z), unpack2x16float(u.w)), b);
}
fn w_dot32(row: u32, bk: u32, x0: vec4<f32>, x1: vec4<f32>, x2: vec4<f32>, x3: vec4<f32>, x4: vec4<f32>,
           x5: vec4<f32>, x6: vec4<f32>, x7: vec4<f32>, xsum: f32) -> f32 {
    let i = row * (p.K >> 3u) + 4u * bk;
    return hdot(wq[i], x0, x1) + hdot(wq[i + 1u], x2, x3) + hdot(wq[i + 2u], x4, x5) + hdot(wq[i + 3u], x6, x7);
}
// F16 keeps f32 inputs: matvec32 never takes its MVQ path for this type
// (the host sets MVQ false), so this is never called.
fn w_idot32(row: u32, bk: u32, xa: vec4<u32>, xb: vec4<u32>, dx: f32, qsum: i32) -> f32 {
    return 0.0;
}
