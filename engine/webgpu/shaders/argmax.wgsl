// out[0] = index of the largest of x[0 .. p.n), ties to the lowest index
// (as eng_argmax); one workgroup.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
var<workgroup> bv: array<f32, 256>;
var<workgroup> bi: array<u32, 256>;

@compute @workgroup_size(256)
fn argmax(@builtin(local_invocation_index) li: u32) {
    var best = -3.4e38;
    var bidx = 0xffffffffu;
    for (var i = li; i < p.n; i += 256u) {
        let v = x[i];
        if (bidx == 0xffffffffu || v > best) {
            best = v;
            bidx = i;
        }
    }
    bv[li] = best;
    bi[li] = bidx;
    workgroupBarrier();
    for (var off = 128u; off > 0u; off = off / 2u) {
        if (li < off) {
            let v2 = bv[li + off];
            let i2 = bi[li + off];
            if (i2 != 0xffffffffu && (bi[li] == 0xffffffffu || v2 > bv[li] || (v2 == bv[li] && i2 < bi[li]))) {
                bv[li] = v2;
                bi[li] = i2;
            }
        }
        workgroupBarrier();
    }
    if (li == 0u) {
        out[0] = bi[0];
    }
}
