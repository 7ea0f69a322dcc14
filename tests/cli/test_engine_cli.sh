#!/usr/bin/env bash
# tests/cli/test_engine_cli.sh - integration tests of the `llmcap-engine` CLI
# (for now: mkmodel and inspect; run/bench/tokenize cases are added later).
#
# Files written by mkmodel are parsed by an independent GGUF reader written
# here in Python (gg.py below, from the GGUF spec), and compared with values
# worked out here: tensor names and shapes of llama.cpp's layout, byte sizes
# from the block sizes of ggml-common.h, the parameter counts of the README's
# benchmark shapes, the exact size of the reference small-llama-f16.gguf, the
# keys of the llama.cpp-loadable tiny-llama-f32.gguf. inspect's --json output
# is compared field by field with the same reader. Bad input must give exit
# status 2 (1 for I/O), one "llmcap-engine: ..." line on stderr, nothing on
# stdout and no output file (nor temp file) left behind.
#
# Run from the repository root: bash tests/cli/test_engine_cli.sh
# LLMCAP_ENGINE=path selects the binary (default build/llmcap-engine); the
# shared test data is $LLMCAP_SHARED, else ../shared (checks that need it are
# skipped when it is missing). Needs python3.
# Last line: "N passed, N failed"; exit status 1 when a check failed.
set -u

ENGINE=${LLMCAP_ENGINE:-build/llmcap-engine}
case $ENGINE in /*) ;; *) ENGINE=$PWD/$ENGINE ;; esac
SHARED=${LLMCAP_SHARED:-../shared}
MODELS=$SHARED/testdata/models
VOCABS=$SHARED/testdata/vocab
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-engine-cli
export MODELS VOCABS
BIN=$ENGINE

have_shared() { [ -f "$MODELS/tiny-llama-f32.gguf" ] && [ -f "$VOCABS/ggml-vocab-llama-spm.gguf" ]; }

# An independent GGUF reader (GGUF spec: ggml docs/gguf.md) and check helpers.
cat >"$T/gg.py" <<'EOF'
import struct, os, json, math, sys
from harness import T, check
SC = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
VT = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array",
      "uint64", "int64", "float64"]
# ggml type number -> (name, block elements, block bytes), ggml.h / ggml-common.h
TYPES = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
         6: ("Q5_0", 32, 22), 7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 12: ("Q4_K", 256, 144),
         13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210), 30: ("BF16", 1, 2)}
class GGUF:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.b = f.read()
        self.p = 0
        assert self.b[:4] == b"GGUF", "magic"
        self.p = 4
        self.version = self.rd("I")
        nt, nkv = self.rd("Q"), self.rd("Q")
        self.kv = {}        # key -> (type name, value); arrays: ("array", (elem type name, [values]))
        self.order = []
        for _ in range(nkv):
            k = self.rs().decode()
            t = self.rd("I")
            self.kv[k] = (VT[t], self.val(t))
            self.order.append(k)
        self.alignment = self.kv.get("general.alignment", (None, 32))[1]
        self.tensors = []
        for _ in range(nt):
            name = self.rs().decode()
            nd = self.rd("I")
            ne = [self.rd("Q") for _ in range(nd)]
            ty = self.rd("I")
            off = self.rd("Q")
            self.tensors.append(dict(name=name, shape=ne, type=ty, offset=off))
        self.data_offset = (self.p + self.alignment - 1) // self.alignment * self.alignment
        for t in self.tensors:
            n = math.prod(t["shape"])
            _, be, bb = TYPES[t["type"]]
            t["n"] = n
            t["bytes"] = n // be * bb
            t["abs"] = self.data_offset + t["offset"]
        self.by_name = {t["name"]: t for t in self.tensors}
    def rd(self, fmt):
        v = struct.unpack_from("<" + fmt, self.b, self.p)[0]
        self.p += struct.calcsize("<" + fmt)
        return v
    def rs(self):
        n = self.rd("Q")
        s = self.b[self.p:self.p + n]
        self.p += n
        return s
    def val(self, t):
        if t == 8:
            return self.rs().decode("utf-8", "replace")
        if t == 9:
            et, n = self.rd("I"), self.rd("Q")
            return (VT[et], [self.val(et) for _ in range(n)])
        return self.rd(SC[t])
    def f32(self, name, count=None):
        t = self.by_name[name]
        assert t["type"] == 0
        n = t["n"] if count is None else count
        return struct.unpack_from("<%df" % n, self.b, t["abs"])
def near(a, b, rel=0.0, abs_=0.0):
    return abs(a - b) <= max(abs_, rel * abs(b))
def tpath(name):
    return os.path.join(T, name)
def layout(n_embd, n_layer, n_head, n_head_kv, head_dim, n_ff, n_vocab, tied, bias):
    """llama.cpp's tensor names and ggml shapes (ne[0] first) for llama / qwen2."""
    q, kv = n_head * head_dim, n_head_kv * head_dim
    t = {"token_embd.weight": [n_embd, n_vocab], "output_norm.weight": [n_embd]}
    if not tied:
        t["output.weight"] = [n_embd, n_vocab]
    for l in range(n_layer):
        b = "blk.%d." % l
        t.update({b + "attn_norm.weight": [n_embd], b + "attn_q.weight": [n_embd, q],
                  b + "attn_k.weight": [n_embd, kv], b + "attn_v.weight": [n_embd, kv],
                  b + "attn_output.weight": [q, n_embd], b + "ffn_norm.weight": [n_embd],
                  b + "ffn_gate.weight": [n_embd, n_ff], b + "ffn_up.weight": [n_embd, n_ff],
                  b + "ffn_down.weight": [n_ff, n_embd]})
        if bias:
            t.update({b + "attn_q.bias": [q], b + "attn_k.bias": [kv], b + "attn_v.bias": [kv]})
    return t
def check_layout(tag, g, want):
    got = {t["name"]: t["shape"] for t in g.tensors}
    check(tag + ": tensor names", set(got) == set(want), sorted(set(got) ^ set(want))[:6])
    check(tag + ": tensor shapes", all(got.get(k) == v for k, v in want.items()),
          [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v][:4])
def check_file(tag, g):
    """offsets aligned and packed in order, file size = data end, no overlap"""
    end = 0
    good = True
    for t in g.tensors:
        good &= t["offset"] % g.alignment == 0 and t["offset"] >= end
        end = t["offset"] + (t["bytes"] + g.alignment - 1) // g.alignment * g.alignment
    check(tag + ": offsets aligned and in order", good)
    check(tag + ": file ends with the last tensor", len(g.b) == g.data_offset + end, (len(g.b), g.data_offset + end))
EOF

check "binary $ENGINE is executable" test -x "$ENGINE" || { echo "0 passed, 1 failed"; exit 1; }

# ---------------------------------------------------------------------------
# 0. help
# ---------------------------------------------------------------------------
run_ok "--help" --help
check "--help names mkmodel" grep -q 'mkmodel' "$T/out"
check "--help names inspect" grep -q 'inspect' "$T/out"
run_ok "mkmodel --help" mkmodel --help
check "mkmodel --help lists --shape, --type, --vocab, --seed" \
    sh -c "grep -q -- '--shape' '$T/out' && grep -q -- '--type' '$T/out' && grep -q -- '--vocab' '$T/out' && grep -q -- '--seed' '$T/out'"
run_ok "inspect --help" inspect --help
check "inspect --help lists --json" grep -q -- '--json' "$T/out"

# ---------------------------------------------------------------------------
# 1. mkmodel: the tiny shape at F32 against the reference layout and keys
# ---------------------------------------------------------------------------
run_ok "mkmodel tiny F32" mkmodel --shape tiny --type F32 -o "$T/tiny-f32.gguf"; save tiny.txt
check "summary line names the file, params and type" \
    grep -Eq "^$T/tiny-f32\.gguf: llama, 11\.34 M params, 38 tensors, $(stat -c %s "$T/tiny-f32.gguf") bytes .*F32, [0-9.]+ s$" "$T/tiny.txt"
run_ok "mkmodel tiny F32 again" mkmodel --shape tiny --type F32 -o "$T/tiny-f32-b.gguf"
check "same seed: byte-identical" cmp -s "$T/tiny-f32.gguf" "$T/tiny-f32-b.gguf"
run_ok "mkmodel tiny F32 -t 1" mkmodel --shape tiny --type F32 -t 1 -o "$T/tiny-f32-t1.gguf"
check "one thread: byte-identical" cmp -s "$T/tiny-f32.gguf" "$T/tiny-f32-t1.gguf"
run_ok "mkmodel tiny F32 --seed 7" mkmodel --shape tiny --type F32 --seed 7 -o "$T/tiny-f32-s7.gguf"
check "another seed: other bytes, same size" sh -c "! cmp -s '$T/tiny-f32.gguf' '$T/tiny-f32-s7.gguf' && \
    [ $(stat -c %s "$T/tiny-f32.gguf") = $(stat -c %s "$T/tiny-f32-s7.gguf") ]"
check "no temp files left beside the outputs" sh -c "! ls '$T' | grep -q '\.tmp\.'"
if have_shared; then
    run_ok "mkmodel tiny F32 --vocab llama-spm" mkmodel --shape tiny --type F32 --vocab "$VOCABS/ggml-vocab-llama-spm.gguf" -o "$T/tiny-spm.gguf"
fi

py <<'EOF'
from gg import *
g = GGUF(tpath("tiny-f32.gguf"))
check("tiny: GGUF v3", g.version == 3, g.version)
check_layout("tiny", g, layout(256, 4, 8, 4, 32, 768, 32000, True, False))
check_file("tiny", g)
check("tiny: every tensor F32", all(t["type"] == 0 for t in g.tensors))
check("tiny: 11,340,032 params", sum(t["n"] for t in g.tensors) == 11340032, sum(t["n"] for t in g.tensors))
kv = g.kv
for k, v in [("general.architecture", ("string", "llama")), ("general.file_type", ("uint32", 0)),
             ("llama.vocab_size", ("uint32", 32000)), ("llama.context_length", ("uint32", 512)),
             ("llama.embedding_length", ("uint32", 256)), ("llama.block_count", ("uint32", 4)),
             ("llama.feed_forward_length", ("uint32", 768)), ("llama.attention.head_count", ("uint32", 8)),
             ("llama.attention.head_count_kv", ("uint32", 4)), ("llama.rope.dimension_count", ("uint32", 32)),
             ("llama.rope.freq_base", ("float32", 10000.0)),
             ("tokenizer.ggml.model", ("string", "llama")), ("tokenizer.ggml.bos_token_id", ("uint32", 1)),
             ("tokenizer.ggml.eos_token_id", ("uint32", 2)), ("tokenizer.ggml.unknown_token_id", ("uint32", 0)),
             ("tokenizer.ggml.add_bos_token", ("bool", True))]:
    check("tiny: key %s = %r" % (k, v[1]), kv.get(k) == v, kv.get(k))
check("tiny: rms epsilon 1e-5 as float32", kv["llama.attention.layer_norm_rms_epsilon"][0] == "float32" and
      near(kv["llama.attention.layer_norm_rms_epsilon"][1], 1e-5, rel=1e-6))
et, toks = kv["tokenizer.ggml.tokens"][1]
check("tiny: built-in vocab of 32000 strings", et == "string" and len(toks) == 32000, (et, len(toks)))
check("tiny: <unk> <s> </s> then byte tokens", toks[:4] == ["<unk>", "<s>", "</s>", "<0x00>"] and toks[258] == "<0xFF>", toks[:4])
check("tiny: tokens unique", len(set(toks)) == len(toks))
types = kv["tokenizer.ggml.token_type"][1][1]
check("tiny: token types unk/control/byte/normal", types[:3] == [2, 3, 3] and set(types[3:259]) == {6} and set(types[259:]) == {1})
# weights: N(0, 1/fan_in); norms 1
x = g.f32("token_embd.weight", 256 * 4000)
m = sum(x) / len(x)
sd = math.sqrt(sum(v * v for v in x) / len(x) - m * m)
check("tiny: token_embd std = 1/sqrt(256) within 2%", near(sd, 1 / 16, rel=0.02), sd)
check("tiny: token_embd mean ~ 0", abs(m) < 0.002, m)
x = g.f32("blk.0.ffn_down.weight")
sd = math.sqrt(sum(v * v for v in x) / len(x))
check("tiny: ffn_down std = 1/sqrt(768) within 2%", near(sd, 1 / math.sqrt(768), rel=0.02), sd)
check("tiny: norms are 1.0", set(g.f32("blk.3.attn_norm.weight")) == {1.0} and set(g.f32("output_norm.weight")) == {1.0})
# against the llama.cpp-loadable reference of the same shape
ref_path = os.path.join(os.environ["MODELS"], "tiny-llama-f32.gguf")
if os.path.exists(ref_path) and os.path.exists(tpath("tiny-spm.gguf")):
    r = GGUF(ref_path)
    s = GGUF(tpath("tiny-spm.gguf"))
    check("tiny: same tensor names/shapes/types as the reference",
          {t["name"]: (t["shape"], t["type"]) for t in r.tensors} == {t["name"]: (t["shape"], t["type"]) for t in s.tensors})
    check("tiny --vocab spm: same keys, order and values as the reference", r.order == s.order and r.kv == s.kv,
          [k for k in r.order if r.kv[k] != s.kv.get(k)][:5])
    check("tiny --vocab spm: same file size as the reference (46086272)", len(s.b) == len(r.b) == 46086272, (len(s.b), len(r.b)))
    check("tiny --vocab spm: same weights as without it", g.f32("blk.1.attn_q.weight", 1000) == s.f32("blk.1.attn_q.weight", 1000))
EOF

# ---------------------------------------------------------------------------
# 2. the benchmark shape: size of the reference F16 file, Q4_0 bytes
# ---------------------------------------------------------------------------
if have_shared; then
    run_ok "mkmodel small F16 --vocab spm" mkmodel --shape small --type F16 --vocab "$VOCABS/ggml-vocab-llama-spm.gguf" -o "$T/small-f16.gguf"
    check "small F16 is the size of the reference small-llama-f16.gguf (312225024)" test "$(stat -c %s "$T/small-f16.gguf")" = 312225024
fi
run_ok "mkmodel small Q4_0" mkmodel --shape small --type q4_0 -o "$T/small-q4_0.gguf"; save small.txt
check "summary: 155.73 M params" grep -q "155\.73 M params, 75 tensors" "$T/small.txt"
py <<'EOF'
from gg import *
g = GGUF(tpath("small-q4_0.gguf"))
check_layout("small", g, layout(1024, 8, 16, 4, 64, 2816, 32000, False, False))
check_file("small", g)
n = sum(t["n"] for t in g.tensors)
check("small: 155.7 M params within 0.1%", near(n, 155.7e6, rel=0.001), n)
check("small: 2-D weights Q4_0, 1-D F32", all(t["type"] == (2 if len(t["shape"]) == 2 else 0) for t in g.tensors))
check("small: general.file_type 2 (MOSTLY_Q4_0)", g.kv["general.file_type"] == ("uint32", 2))
w = sum(t["bytes"] for t in g.tensors if t["type"] == 2)
check("small: Q4_0 bytes = 18/32 per weight", w * 32 == 18 * sum(t["n"] for t in g.tensors if t["type"] == 2))
# Q4_0 block: f16 scale d then 16 bytes; d ~ max|x|/8 with x ~ N(0, 1/1024): a few 1e-3
t = g.by_name["blk.0.attn_q.weight"]
d = [struct.unpack_from("<e", g.b, t["abs"] + 18 * k)[0] for k in range(64)]
check("small: Q4_0 scales are plausible for N(0, 1/1024)", all(0.001 < abs(v) < 0.03 for v in d), d[:4])
if os.path.exists(tpath("small-f16.gguf")):
    f = GGUF(tpath("small-f16.gguf"))
    check("small F16: 2-D weights F16", all(t["type"] == (1 if len(t["shape"]) == 2 else 0) for t in f.tensors))
    check("small F16: general.file_type 1", f.kv["general.file_type"] == ("uint32", 1))
    check_file("small F16", f)
EOF

# ---------------------------------------------------------------------------
# 3. shapes from data/models.json, mixes, dims, vocab padding
# ---------------------------------------------------------------------------
run_ok "mkmodel qwen2.5-0.5b (2 layers, vocab 1000)" mkmodel --shape qwen2.5-0.5b --n-layer 2 --n-vocab 1000 --type Q8_0 -o "$T/qwen.gguf"
run_ok "mkmodel smollm2-135m (2 layers) Q4_K_M" mkmodel --shape smollm2-135m --n-layer 2 --type Q4_K_M -o "$T/smol.gguf"
run_ok "mkmodel llama-3.2-1b (1 layer, vocab 2048) Q5_K_M" mkmodel --shape llama-3.2-1b --n-layer 1 --n-vocab 2048 --type Q5_K_M -o "$T/l1b.gguf"
run_ok "mkmodel from dims, qwen2, head_dim" mkmodel --arch qwen2 --n-embd 256 --n-layer 2 --n-head 4 --n-head-kv 2 \
    --head-dim 32 --n-ff 512 --n-vocab 400 --type Q8_0 --ctx 1024 --rope-base 20000 --tied --name dims-model -o "$T/dims.gguf"
if have_shared; then
    run_ok "mkmodel --vocab spm padded to 32100" mkmodel --n-embd 64 --n-layer 1 --n-head 2 --n-head-kv 1 --n-ff 128 \
        --n-vocab 32100 --type F16 --vocab "$VOCABS/ggml-vocab-llama-spm.gguf" -o "$T/padded.gguf"
    run_ok "mkmodel --vocab gpt-2 (BPE with merges)" mkmodel --n-embd 64 --n-layer 1 --n-head 2 --n-head-kv 1 --n-ff 128 \
        --n-vocab 50257 --type Q8_0 --vocab "$VOCABS/ggml-vocab-gpt-2.gguf" -o "$T/gpt2vocab.gguf"
fi
py <<'EOF'
from gg import *
g = GGUF(tpath("qwen.gguf"))
check("qwen2.5-0.5b: arch qwen2", g.kv["general.architecture"] == ("string", "qwen2"))
check_layout("qwen2.5-0.5b", g, layout(896, 2, 14, 2, 64, 4864, 1000, True, True))
check_file("qwen2.5-0.5b", g)
for k, v in [("qwen2.embedding_length", 896), ("qwen2.attention.head_count", 14), ("qwen2.attention.head_count_kv", 2),
             ("qwen2.feed_forward_length", 4864), ("qwen2.block_count", 2), ("qwen2.vocab_size", 1000),
             ("qwen2.context_length", 32768)]:
    check("qwen2.5-0.5b: %s = %d" % (k, v), g.kv.get(k) == ("uint32", v), g.kv.get(k))
check("qwen2.5-0.5b: rms eps 1e-6, rope base 1e6", near(g.kv["qwen2.attention.layer_norm_rms_epsilon"][1], 1e-6, rel=1e-6)
      and g.kv["qwen2.rope.freq_base"][1] == 1e6)
check("qwen2.5-0.5b: biases F32", all(t["type"] == 0 for t in g.tensors if t["name"].endswith(".bias")))
b = g.f32("blk.1.attn_q.bias")
rms = math.sqrt(sum(v * v for v in b) / len(b))
check("qwen2.5-0.5b: bias rms ~ 0.02", 0.015 < rms < 0.025, rms)

g = GGUF(tpath("smol.gguf"))
check_layout("smollm2-135m", g, layout(576, 2, 9, 3, 64, 1536, 49152, True, False))
check("smollm2-135m Q4_K_M: file_type 15", g.kv["general.file_type"] == ("uint32", 15))
ty = {t["name"]: TYPES[t["type"]][0] for t in g.tensors}
# 576 is not a multiple of 256: llama-quantize falls back to Q5_0 (Q4_K) / Q8_0 (Q6_K) for those rows
check("smollm2-135m Q4_K_M: K-quant fallbacks for 576-wide rows", ty["blk.0.attn_q.weight"] == "Q5_0" and
      ty["token_embd.weight"] == "Q8_0" and ty["blk.0.ffn_down.weight"] in ("Q4_K", "Q6_K"), ty)
check("smollm2-135m: rope base 100000", g.kv["llama.rope.freq_base"][1] == 100000.0)

g = GGUF(tpath("l1b.gguf"))
check_layout("llama-3.2-1b", g, layout(2048, 1, 32, 8, 64, 8192, 2048, True, False))
check("llama-3.2-1b: rope base 500000", g.kv["llama.rope.freq_base"][1] == 500000.0)
check("llama-3.2-1b Q5_K_M: file_type 17, Q5_K and Q6_K tensors", g.kv["general.file_type"] == ("uint32", 17) and
      {"Q5_K", "Q6_K"} <= {TYPES[t["type"]][0] for t in g.tensors})

g = GGUF(tpath("dims.gguf"))
check_layout("dims", g, layout(256, 2, 4, 2, 32, 512, 400, True, True))
for k, v in [("qwen2.attention.key_length", ("uint32", 32)), ("qwen2.attention.value_length", ("uint32", 32)),
             ("qwen2.rope.dimension_count", ("uint32", 32)), ("qwen2.context_length", ("uint32", 1024)),
             ("qwen2.rope.freq_base", ("float32", 20000.0)), ("general.name", ("string", "dims-model"))]:
    check("dims: %s = %r" % (k, v[1]), g.kv.get(k) == v, g.kv.get(k))

if os.path.exists(tpath("padded.gguf")):
    g = GGUF(tpath("padded.gguf"))
    v = GGUF(os.path.join(os.environ["VOCABS"], "ggml-vocab-llama-spm.gguf"))
    toks = g.kv["tokenizer.ggml.tokens"][1][1]
    check("padded: 32100 tokens, the vocab's first", len(toks) == 32100 and toks[:32000] == v.kv["tokenizer.ggml.tokens"][1][1])
    check("padded: <unused_N> after", toks[32000] == "<unused_0>" and toks[32099] == "<unused_99>", toks[32000:32002])
    tt = g.kv["tokenizer.ggml.token_type"][1][1]
    sc = g.kv["tokenizer.ggml.scores"][1][1]
    check("padded: types 5 (unused), scores <= -1e8", set(tt[32000:]) == {5} and max(sc[32000:]) <= -1e8)
    check("padded: token_embd has 32100 rows", g.by_name["token_embd.weight"]["shape"] == [64, 32100])
    check("padded: every other tokenizer key copied", all(g.kv[k] == v.kv[k] for k in v.order
          if k.startswith("tokenizer.") and k not in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type")))
if os.path.exists(tpath("gpt2vocab.gguf")):
    g = GGUF(tpath("gpt2vocab.gguf"))
    v = GGUF(os.path.join(os.environ["VOCABS"], "ggml-vocab-gpt-2.gguf"))
    keys = [k for k in v.order if k.startswith("tokenizer.")]
    check("gpt-2 vocab: all %d tokenizer keys copied verbatim (merges included)" % len(keys),
          all(g.kv.get(k) == v.kv[k] for k in keys) and "tokenizer.ggml.merges" in keys)
    check("gpt-2 vocab: no other keys of the vocab file", "gpt2.block_count" not in g.kv and g.kv["general.architecture"][1] == "llama")
EOF

# K-quant and other pure types on a shape whose rows are whole 256-blocks
for ty in F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K; do
    run_ok "mkmodel pure $ty" mkmodel --n-embd 256 --n-layer 1 --n-head 4 --n-head-kv 4 --n-ff 512 --n-vocab 300 --type $ty -o "$T/pure-$ty.gguf"
done
py <<'EOF'
from gg import *
ft = {"F16": 1, "BF16": 32, "Q8_0": 7, "Q4_0": 2, "Q4_1": 3, "Q5_0": 8, "Q5_1": 9, "Q4_K": 14, "Q5_K": 16, "Q6_K": 18}
for name, f in ft.items():
    g = GGUF(tpath("pure-%s.gguf" % name))
    check("pure %s: every 2-D weight %s, 1-D F32" % (name, name),
          all(TYPES[t["type"]][0] == (name if len(t["shape"]) == 2 else "F32") for t in g.tensors))
    check("pure %s: general.file_type %d" % (name, f), g.kv["general.file_type"] == ("uint32", f), g.kv["general.file_type"])
    check_file("pure " + name, g)
EOF

# ---------------------------------------------------------------------------
# 4. inspect: text and --json against the independent reader
# ---------------------------------------------------------------------------
INSPECT_FILES="$T/tiny-f32.gguf $T/qwen.gguf $T/smol.gguf"
[ -f "$MODELS/tiny-llama-q4_0.gguf" ] && INSPECT_FILES="$INSPECT_FILES $MODELS/tiny-llama-q4_0.gguf"
i=0
for f in $INSPECT_FILES; do
    i=$((i + 1))
    run_ok "inspect --json $(basename "$f")" inspect --json "$f"; save "insp$i.json"
    printf '%s\n' "$f" >"$T/insp$i.path"
    run_ok "inspect $(basename "$f")" inspect "$f"; save "insp$i.txt"
done
# a file with every value type, and a NUL and invalid UTF-8 in strings
python3 - <<'EOF'
import struct, os
T = os.environ["T"]
def s(b): return struct.pack("<Q", len(b)) + b
kv = [(b"a.u8", 0, struct.pack("<B", 200)), (b"a.i8", 1, struct.pack("<b", -100)),
      (b"a.u16", 2, struct.pack("<H", 60000)), (b"a.i16", 3, struct.pack("<h", -30000)),
      (b"a.u32", 4, struct.pack("<I", 4000000000)), (b"a.i32", 5, struct.pack("<i", -2000000000)),
      (b"a.f32", 6, struct.pack("<f", 0.1)), (b"a.bool", 7, b"\x00"), (b"a.str", 8, s(b"nul\x00 bad\xff end")),
      (b"a.u64", 10, struct.pack("<Q", 2**40 + 3)), (b"a.i64", 11, struct.pack("<q", -2**40)),
      (b"a.f64", 12, struct.pack("<d", 2.5)),
      (b"a.arr_u8", 9, struct.pack("<IQ", 0, 10) + bytes(range(10))),
      (b"a.arr_str", 9, struct.pack("<IQ", 8, 2) + s(b"\xc0\xaf") + s(b"ok")),
      (b"a.arr_f64", 9, struct.pack("<IQ", 12, 2) + struct.pack("<dd", 0.5, -1e300))]
out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv))
for k, t, v in kv:
    out += s(k) + struct.pack("<I", t) + v
out += b"\x00" * ((32 - len(out) % 32) % 32)
open(os.path.join(T, "weird.gguf"), "wb").write(out)
EOF
run_ok "inspect --json, odd strings" inspect --json "$T/weird.gguf"; save weird.json
run_ok "inspect, odd strings" inspect "$T/weird.gguf"; save weird.txt
py <<'EOF'
from gg import *
raw = open(tpath("weird.json"), "rb").read()
try:
    j = json.loads(raw.decode("utf-8"))
except Exception as e:
    j = None
check("json is valid UTF-8 JSON with a NUL and bad bytes in strings", j is not None)
if j:
    v = {m["key"]: m.get("value", m.get("head")) for m in j["metadata"]}
    t = {m["key"]: m["type"] for m in j["metadata"]}
    keys = ("a.u8", "a.i8", "a.u16", "a.i16", "a.u32", "a.i32", "a.f32", "a.bool", "a.str", "a.u64", "a.i64", "a.f64", "a.arr_u8")
    check("json: every value type by name", [t[k] for k in keys] == ["uint8", "int8", "uint16", "int16", "uint32",
          "int32", "float32", "bool", "string", "uint64", "int64", "float64", "array"], t)
    check("json: integer values", (v["a.u8"], v["a.i8"], v["a.u16"], v["a.i16"], v["a.u32"], v["a.i32"], v["a.u64"], v["a.i64"]) ==
          (200, -100, 60000, -30000, 4000000000, -2000000000, 2**40 + 3, -2**40), v)
    check("json: float32 0.1 printed as 0.1, float64 2.5, bool false", v["a.f32"] == 0.1 and v["a.f64"] == 2.5 and v["a.bool"] is False)
    check("json: NUL and bad bytes become U+FFFD", v["a.str"] == "nul\ufffd bad\ufffd end", v["a.str"])
    check("json: overlong UTF-8 is replaced", v["a.arr_str"] == ["\ufffd\ufffd", "ok"], v["a.arr_str"])
    check("json: arrays give 8 elements of 10", v["a.arr_u8"] == list(range(8)), v["a.arr_u8"])
    check("json: float64 array", v["a.arr_f64"] == [0.5, -1e300], v["a.arr_f64"])
txt = open(tpath("weird.txt"), "rb").read().decode("utf-8", "replace")
check("text: a NUL is shown as \\x00", '"nul\\x00 bad' in txt)
check("text: [uint8 x 10] 0, 1, ..., ...", "[uint8 x 10] 0, 1, 2, 3, 4, 5, 6, 7, ..." in txt)
check("text: float32 0.1 is 0.1", "float32  0.1\n" in txt)
EOF
run_ok "inspect --no-tensors" inspect --no-tensors "$T/tiny-f32.gguf"; save notensors.txt
run_ok "inspect --json --no-tensors" inspect --json --no-tensors "$T/tiny-f32.gguf"; save notensors.json
py "$i" <<'EOF'
from gg import *
import glob
n = int(sys.argv[1])
for i in range(1, n + 1):
    path = open(tpath("insp%d.path" % i)).read().strip()
    tag = os.path.basename(path)
    g = GGUF(path)
    j = json.load(open(tpath("insp%d.json" % i)))
    check(tag + ": json header", (j["version"], j["alignment"], j["data_offset"], j["file_size"]) ==
          (g.version, g.alignment, g.data_offset, len(g.b)), (j["version"], j["alignment"], j["data_offset"], j["file_size"]))
    md = j["metadata"]
    check(tag + ": json keys in file order", [m["key"] for m in md] == g.order)
    bad_ = []
    for m in md:
        ty, v = g.kv[m["key"]]
        if m["type"] != ty:
            bad_.append((m["key"], "type", m["type"], ty)); continue
        if ty == "array":
            et, arr = v
            want = arr[:8]
            got = m["head"]
            if et == "float32":
                same = all(abs(a - b) <= 1e-6 * max(1, abs(b)) for a, b in zip(got, want)) and len(got) == len(want)
            else:
                same = got == want
            if m["elem_type"] != et or m["length"] != len(arr) or not same:
                bad_.append((m["key"], m["elem_type"], m["length"], got[:3], want[:3]))
        elif ty == "float32":
            if not near(m["value"], v, rel=1e-6): bad_.append((m["key"], m["value"], v))
        elif m["value"] != v:
            bad_.append((m["key"], m["value"], v))
    check(tag + ": json values equal the file's", not bad_, bad_[:3])
    ts = j["tensors"]
    check(tag + ": json tensors", [(t["name"], t["type"], t["shape"], t["n_elements"], t["bytes"], t["offset"]) for t in ts] ==
          [(t["name"], TYPES[t["type"]][0], t["shape"], t["n"], t["bytes"], t["abs"]) for t in g.tensors])
    tot = j["totals"]
    n_params = sum(t["n"] for t in g.tensors); n_bytes = sum(t["bytes"] for t in g.tensors)
    check(tag + ": json totals", tot["n_tensors"] == len(g.tensors) and tot["n_params"] == n_params and
          tot["tensor_bytes"] == n_bytes and near(tot["bits_per_weight"], 8 * n_bytes / n_params, rel=1e-9), tot)
    txt = open(tpath("insp%d.txt" % i)).read()
    check(tag + ": text header line", "GGUF version %d, alignment %d, data offset %d, file size %d bytes" %
          (g.version, g.alignment, g.data_offset, len(g.b)) in txt)
    check(tag + ": text lists every key", all(("  " + k + " ") in txt for k in g.order))
    et, toks = g.kv["tokenizer.ggml.tokens"][1]
    check(tag + ": text shows arrays as [string x N] and the first elements",
          ('[string x %d] "%s", "%s"' % (len(toks), toks[0], toks[1])) in txt)
    check(tag + ": text lists every tensor with bytes and offset",
          all(any(l.split()[:1] == [t["name"]] and l.split()[-2:] == [str(t["bytes"]), str(t["abs"])]
                  for l in txt.splitlines()) for t in g.tensors))
    check(tag + ": text totals", ("total: %d tensors, %d params" % (len(g.tensors), n_params)) in txt and
          ("%d bytes" % n_bytes) in txt)
g = GGUF(tpath("tiny-f32.gguf"))
txt = open(tpath("notensors.txt")).read()
check("--no-tensors: no tensor lines, totals kept", "blk.0.attn_q.weight" not in txt and "total: 38 tensors" in txt)
j = json.load(open(tpath("notensors.json")))
check("--json --no-tensors: no tensors array, totals kept", "tensors" not in j and j["totals"]["n_tensors"] == 38)
EOF

# ---------------------------------------------------------------------------
# 5. bad input: exit 2 (1 for I/O), one message line, no stdout, no file
# ---------------------------------------------------------------------------
nbad=0
# expect_bad NAME REGEX CODE ARGS...: mkmodel/inspect fails as described and
# leaves nothing in a fresh output directory (mkmodel gets -o DIR/out.gguf)
expect_bad() {
    local name=$1 re=$2 code=$3; shift 3
    nbad=$((nbad + 1))
    local d="$T/bad$nbad" line
    mkdir -p "$d"
    local args=()
    for a in "$@"; do args+=("${a//@OUT@/$d/out.gguf}"); done
    run "${args[@]}"
    if [ "$RC" = "$code" ]; then ok; else bad "$name: exit $RC, want $code (stderr: $(head -c 300 "$T/err"))"; fi
    line=$(head -n1 "$T/err")
    if [ "$(wc -l <"$T/err")" = 1 ] && [ "${line#llmcap-engine: }" != "$line" ]; then ok; else bad "$name: stderr is not one 'llmcap-engine:' line: $(head -c 400 "$T/err")"; fi
    if printf '%s' "$line" | grep -Eq -- "$re"; then ok; else bad "$name: message '$line' does not match /$re/"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$name: wrote to stdout: $(head -c 200 "$T/out")"; fi
    if [ -z "$(ls -A "$d")" ]; then ok; else bad "$name: left files behind: $(ls -A "$d")"; fi
}
M="mkmodel"
DIMS="--n-embd 256 --n-layer 1 --n-head 4 --n-head-kv 2 --n-ff 512 --n-vocab 300"
expect_bad "unknown shape" "unknown model 'llama-3.2-1x'.*did you mean.*llama-3\.2-1b.*small, tiny" 2 $M --shape llama-3.2-1x --type F16 -o @OUT@
expect_bad "shape of another architecture" "shape gemma-2-2b has architecture gemma2; mkmodel writes llama or qwen2" 2 $M --shape gemma-2-2b --type F16 -o @OUT@
expect_bad "MoE shape" "mixtral-8x7b is a mixture of 8 experts" 2 $M --shape mixtral-8x7b --type F16 -o @OUT@
expect_bad "unknown type" "unknown type 'Q4_9'" 2 $M --shape tiny --type Q4_9 -o @OUT@
expect_bad "type the engine does not run" "IQ2_XXS" 2 $M --shape tiny --type IQ2_XXS -o @OUT@
expect_bad "no --type" "no type" 2 $M --shape tiny -o @OUT@
expect_bad "no -o" "no output file" 2 $M --shape tiny --type F16
expect_bad "missing dims" "missing: --n-ff --n-vocab" 2 $M --n-embd 256 --n-layer 1 --n-head 4 --n-head-kv 2 --type F16 -o @OUT@
expect_bad "n_head does not divide n_embd" "n_embd 250 is not a multiple of n_head 4" 2 $M $DIMS --n-embd 250 --type F32 -o @OUT@
expect_bad "n_head_kv does not divide n_head" "n_head_kv 3 does not divide n_head 4" 2 $M $DIMS --n-head-kv 3 --type F32 -o @OUT@
expect_bad "odd head_dim" "head_dim 33 must be even" 2 $M $DIMS --head-dim 33 --type F32 -o @OUT@
expect_bad "n_ff not whole Q4_0 blocks" "n_ff 500 is not a multiple of the Q4_0 block size 32" 2 $M $DIMS --n-ff 500 --type Q4_0 -o @OUT@
expect_bad "n_embd not whole Q4_K blocks" "n_embd 288 is not a multiple of the Q4_K block size 256" 2 $M $DIMS --n-embd 288 --type Q4_K -o @OUT@
expect_bad "more than 1e12 params" "parameters, more than the 1e\+12" 2 $M --n-embd 1000000 --n-layer 4000 --n-head 1000 --n-head-kv 1000 --n-ff 1000000 --n-vocab 1000 --type Q4_0 -o @OUT@
expect_bad "zero dim" "--n-layer: '0' is not an integer" 2 $M $DIMS --n-layer 0 --type F32 -o @OUT@
expect_bad "negative dim" "--n-embd: '-256' is not an integer" 2 $M $DIMS --n-embd -256 --type F32 -o @OUT@
expect_bad "garbage dim" "--n-ff: '12x' is not an integer" 2 $M $DIMS --n-ff 12x --type F32 -o @OUT@
expect_bad "absurd dim" "--n-vocab: '99999999999' is not an integer in 1\.\.16777216" 2 $M $DIMS --n-vocab 99999999999 --type F32 -o @OUT@
expect_bad "bad --arch" "--arch: 'gpt2' is not llama or qwen2" 2 $M $DIMS --arch gpt2 --type F32 -o @OUT@
expect_bad "bad --rope-base" "--rope-base: '-5' is not a number > 0" 2 $M $DIMS --rope-base -5 --type F32 -o @OUT@
expect_bad "bad --seed" "--seed: 'abc' is not a non-negative integer" 2 $M $DIMS --seed abc --type F32 -o @OUT@
expect_bad "unknown option" "unknown option '--n-expert'" 2 $M $DIMS --n-expert 8 --type F32 -o @OUT@
expect_bad "option without value" "'--type' needs a value" 2 $M $DIMS -o @OUT@ --type
expect_bad "extra argument" "unexpected argument 'extra'" 2 $M $DIMS --type F32 -o @OUT@ extra
expect_bad "n_vocab below the built-in vocab" "n_vocab 100 is smaller than the 259 special and byte tokens" 2 $M $DIMS --n-vocab 100 --type F32 -o @OUT@
expect_bad "--vocab missing" "cannot open .*no-such-vocab\.gguf.*No such file" 1 $M $DIMS --vocab "$T/no-such-vocab.gguf" --type F32 -o @OUT@
printf 'GGUF\003\000\000\000' >"$T/short.gguf"
expect_bad "--vocab truncated" "--vocab: gguf: .*(truncat|ends)" 2 $M $DIMS --vocab "$T/short.gguf" --type F32 -o @OUT@
printf 'GGUF\003\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >"$T/nokeys.gguf"
expect_bad "--vocab without tokens" "no tokenizer\.ggml\.tokens" 2 $M $DIMS --vocab "$T/nokeys.gguf" --type F32 -o @OUT@
if have_shared; then
    expect_bad "--vocab larger than n_vocab" "the vocab has 32000 tokens, more than the model's n_vocab 300" 2 $M $DIMS --vocab "$VOCABS/ggml-vocab-llama-spm.gguf" --type F32 -o @OUT@
fi
expect_bad "unwritable output" "cannot write '$T/no-such-dir/m\.gguf'" 1 $M $DIMS --type F32 -o "$T/no-such-dir/m.gguf"
mkdir -p "$T/isdir.gguf"
run $M $DIMS --type F32 -o "$T/isdir.gguf"
check "output path is a directory: exit 1" test "$RC" = 1
check "output path is a directory: no temp file left" sh -c "! ls '$T' | grep -q 'isdir\.gguf\.tmp'"

# inspect: the reader's message, exit 2 (1 for a missing file)
head -c 1000 "$T/tiny-f32.gguf" >"$T/head1000.gguf"
head -c $(( $(stat -c %s "$T/tiny-f32.gguf") - 1 )) "$T/tiny-f32.gguf" >"$T/lastbyte.gguf"
: >"$T/empty.gguf"
head -c 4096 /dev/urandom >"$T/random.gguf"
expect_bad "inspect truncated header" "head1000\.gguf: gguf: .*(truncat|ends|cannot fit)" 2 inspect "$T/head1000.gguf"
expect_bad "inspect missing last byte" "lastbyte\.gguf: gguf: .*(past end|ends)" 2 inspect "$T/lastbyte.gguf"
expect_bad "inspect empty file" "empty" 2 inspect "$T/empty.gguf"
expect_bad "inspect random bytes" "random\.gguf: gguf: bad magic" 2 inspect "$T/random.gguf"
expect_bad "inspect missing file" "cannot open '.*nonexistent\.gguf': No such file" 1 inspect "$T/nonexistent.gguf"
expect_bad "inspect a directory" "not a regular file" 1 inspect "$T/isdir.gguf"
expect_bad "inspect without a file" "no file" 2 inspect
expect_bad "inspect two files" "unexpected argument" 2 inspect "$T/tiny-f32.gguf" "$T/qwen.gguf"
expect_bad "inspect unknown option" "unknown option '--full'" 2 inspect --full "$T/tiny-f32.gguf"

finish
