// F32 weights: rows of K floats, read as vec4.
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let i = row * (p.K >> 2u) + (k >> 2u);
    return array<vec4<f32>, 2>(bitcast<vec4<f32>>(wq[i]), bitcast<vec4<f32>>(wq[i + 1u]));
}
fn x_cols(it: u32) -> vec2<u32> {
    return vec2<u32>(2u * it, 2u * it + 1u);
}
fn w_dot8(row: u32, it: u32, x0: vec4<f32>, x1: vec4<f32>) -> f32 {
    let i = row * (p.K >> 2u) + 2u * it;
    return dot(bitcast<vec4<f32>>(wq[i]), x0) + dot(bitcast<vec4<f32>>(wq[i + 1u]), x1);
}
