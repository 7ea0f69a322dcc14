// Greedy token on the device, in two passes (ties to the lowest index, as
// eng_argmax): argmax_part reduces chunks of AM_CHUNK floats of x[0 .. p.n),
// one workgroup each, to (value, index) pairs in s[2w], s[2w+1];
// argmax_final reduces the p.a pairs to s[AM_OUT].
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> s: array<u32>;
var<workgroup> bv: array<f32, 256>;
var<workgroup> bi: array<u32, 256>;

const NONE = 0xffffffffu;

// (v2, i2) beats (v1, i1): larger, or equal with a lower index
fn better(v2: f32, i2: u32, v1: f32, i1: u32) -> bool {
    return i2 != NONE && (i1 == NONE || v2 > v1 || (v2 == v1 && i2 < i1));
}

fn reduce(li: u32) {
    workgroupBarrier();
    for (var off = 128u; off > 0u; off = off / 2u) {
        if (li < off && better(bv[li + off], bi[li + off], bv[li], bi[li])) {
            bv[li] = bv[li + off];
            bi[li] = bi[li + off];
        }
        workgroupBarrier();
    }
}

@compute @workgroup_size(256)
fn argmax_part(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let w = wid.x;
    var best = 0.0;
    var bidx = NONE;
    let end = min(p.n, (w + 1u) * AM_CHUNK);
    for (var i = w * AM_CHUNK + li; i < end; i += 256u) {
        let v = x[i];
        if (better(v, i, best, bidx)) {
            best = v;
            bidx = i;
        }
    }
    bv[li] = best;
    bi[li] = bidx;
    reduce(li);
    if (li == 0u) {
        s[2u * w] = bitcast<u32>(bv[0]);
        s[2u * w + 1u] = bi[0];
    }
}

@compute @workgroup_size(256)
fn argmax_final(@builtin(local_invocation_index) li: u32) {
    var best = 0.0;
    var bidx = NONE;
    for (var i = li; i < p.a; i += 256u) {
        let v = bitcast<f32>(s[2u * i]);
        let j = s[2u * i + 1u];
        if (better(v, j, best, bidx)) {
            best = v;
            bidx = j;
        }
    }
    bv[li] = best;
    bi[li] = bidx;
    reduce(li);
    if (li == 0u) {
        s[AM_OUT] = bi[0];
    }
}
