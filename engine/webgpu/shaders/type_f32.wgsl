// F32 weights: rows of K floats, read as vec4.
fn w_load8(row: u32, k: u32) -> array<vec4<f32>, 2> {
    let i = row * (p.K >> 2u) + (k >> 2u);
    return array<vec4<f32>, 2>(bitcast<vec4<f32>>(wq[i]), bitcast<vec4<f32>>(wq[i + 1u]));
}
// row . item `it` (32 weights) against the item's inputs xv (xs = their sum)
fn w_dot32(row: u32, it: u32, xv: array<vec4<f32>, 8>, xs: f32) -> f32 {
    let i = row * (p.K >> 2u) + it * 8u;
    var s = 0.0;
    for (var j = 0u; j < 8u; j += 1u) {
        s += dot(bitcast<vec4<f32>>(wq[i + j]), xv[j]);
    }
    return s;
}
