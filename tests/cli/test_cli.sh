#!/usr/bin/env bash
# tests/cli/test_cli.sh - integration tests of the `llmcap` CLI.
#
# Every check compares real output with a value worked out here, independently
# of llmcap (KV cache formulas of llama.cpp, tensor bytes summed from a GGUF
# header parsed in Python, ...), or with a stated tolerance. Bad input must
# give exit status 2, one "llmcap: ..." line on stderr naming the problem,
# nothing on stdout and no -o file (nor temp file) left behind.
#
# Run from the repository root: bash tests/cli/test_cli.sh
# LLMCAP=path/to/llmcap selects the binary (default build/llmcap). Needs python3
# and the tiny GGUF models in ../shared/testdata/models/.
# Last line: "N passed, N failed"; exit status 1 when a check failed.
set -u

LLMCAP=${LLMCAP:-build/llmcap}
case $LLMCAP in /*) ;; *) LLMCAP=$PWD/$LLMCAP ;; esac
MODELS=${LLMCAP_TEST_MODELS:-../shared/testdata/models}
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-cli
BIN=$LLMCAP

# Python checks: the script prints "ok NAME" or "FAIL NAME: detail" per check
cat >"$T/chk.py" <<'EOF'
import json, sys, os, csv, io, math
from harness import *
def jsonl(name):
    with open(os.path.join(T, name)) as f:
        return [json.loads(l) for l in f if l.strip()]
def rows(name):
    with open(os.path.join(T, name), newline="") as f:
        return list(csv.reader(f))
def dicts(name):
    r = rows(name)
    return [dict(zip(r[0], x)) for x in r[1:]]
def near(a, b, rel=0.0, abs_=0.0):
    return abs(a - b) <= max(abs_, rel * abs(b))
GIB = 2.0 ** 30
EOF

check "binary $LLMCAP is executable" test -x "$LLMCAP" || { echo "0 passed, 1 failed"; exit 1; }

# ---------------------------------------------------------------------------
# 0. help / version
# ---------------------------------------------------------------------------
run_ok "--help" --help
check "--help names the commands" grep -q 'estimate' "$T/out"
check "--help names sweep" grep -q 'sweep' "$T/out"
run_ok "estimate --help" estimate --help
check "estimate --help lists --ctx" grep -q -- '--ctx' "$T/out"
run_ok "sweep --help" sweep --help
check "sweep --help explains ranges" grep -q 'lo:hi' "$T/out"
run_ok "--version" --version
check "--version prints the VERSION file" test "$(cat "$T/out")" = "llmcap $(cat VERSION 2>/dev/null)"

# ---------------------------------------------------------------------------
# 1. estimate: table / JSON / CSV of one scenario, and real values
# ---------------------------------------------------------------------------
E8="--model llama-3.1-8b --quant Q4_K_M --hardware rtx-4090 --ctx 8192"
run_ok "estimate table" estimate $E8; save e8.txt
run_ok "estimate --json" estimate $E8 --json; save e8.json
run_ok "estimate --csv" estimate $E8 --csv; save e8.csv
run_ok "estimate q8_0 KV + FA" estimate --model llama-3.1-8b --hardware rtx-4090 --ctx 8192 -ctk q8_0 -ctv q8_0 -fa on --json; save kvq8.json
run_ok "estimate q4_0 KV + FA" estimate --model llama-3.1-8b --hardware rtx-4090 --ctx 8192 -ctk q4_0 -ctv q4_0 -fa on --json; save kvq4.json
run_ok "estimate q8_0 K only" estimate --model llama-3.1-8b --hardware rtx-4090 --ctx 8192 -ctk q8_0 --json; save kvk8.json
run_ok "estimate gemma-3-1b 32k" estimate --model gemma-3-1b --hardware rtx-4090 --ctx 32768 --json; save g32k.json
run_ok "estimate gemma-3-1b 32k ub1024" estimate --model gemma-3-1b --hardware rtx-4090 --ctx 32768 -ub 1024 --json; save g32k_ub.json
run_ok "estimate gemma-3-1b 32k np2" estimate --model gemma-3-1b --hardware rtx-4090 --ctx 32768 -np 2 --json; save g32k_np.json
run_ok "estimate gemma-3-1b 1k" estimate --model gemma-3-1b --hardware rtx-4090 --ctx 1024 --json; save g1k.json
run_ok "estimate deepseek-v3 4k" estimate --model deepseek-v3 --hardware h200-sxm --ctx 4096 --json; save ds4k.json
run_ok "estimate deepseek-v3 16k" estimate --model deepseek-v3 --hardware h200-sxm --ctx 16384 --json; save ds16k.json
run_ok "estimate 8b 128k (does not fit)" estimate --model llama-3.1-8b --hardware rtx-4090 --ctx 131072 --json; save nofit.json
run_ok "estimate -ngl 1" estimate $E8 -ngl 1 --json; save ngl1.json
run_ok "estimate -ngl 0" estimate $E8 -ngl 0 --json; save ngl0.json
run_ok "estimate --gpus 2" estimate $E8 --gpus 2 --json; save gpus2.json
run_ok "estimate 70b --gpus 3" estimate --model llama-3.1-70b --hardware rtx-4090 --ctx 8192 --gpus 3 --json; save gpus3.json
run_ok "sweep -ngl 0:33:1" sweep $E8 -ngl 0:33:1 --jsonl; save nglsweep.jsonl

py <<'EOF'
from chk import *
import re
j = load("e8.json")
# --- the JSON carries every documented key with the right type
num = (int, float)
for path, typ in [("memory.weights_bytes", num), ("memory.kv_bytes", num), ("memory.compute_bytes", num),
                  ("memory.total_bytes", num), ("memory.devices", list), ("fits", bool),
                  ("speed.decode_tok_s", num), ("speed.prefill_tok_s", num), ("speed.ttft_ms", num),
                  ("speed.bound", str)]:
    v = j
    try:
        for k in path.split("."): v = v[k]
        check("json key " + path, isinstance(v, typ) and not isinstance(v, bool) or typ is bool and isinstance(v, bool), repr(v))
    except (KeyError, TypeError) as e:
        check("json key " + path, False, "missing")
check("json limit_reason is null when it fits", "limit_reason" in j and j["limit_reason"] is None and j["fits"] is True, j.get("limit_reason"))
check("json bound is a known bound", j["speed"]["bound"] in ("bandwidth", "compute", "host-ram", "pcie", "overhead"), j["speed"]["bound"])
devs = j["memory"]["devices"]
check("json devices: one GPU + host", len(devs) == 2 and devs[0]["is_host"] is False and devs[1]["is_host"] is True, len(devs))
for d in devs:
    miss = [k for k in ("name", "capacity_bytes", "weights_bytes", "kv_bytes", "compute_bytes", "total_bytes",
                        "n_layers", "has_output_layer", "fits") if k not in d]
    check("json device %r has all keys" % d.get("name"), not miss, miss)
check("rtx-4090 capacity is 24 GiB", devs[0]["capacity_bytes"] == 24 * GIB, devs[0]["capacity_bytes"])
m = j["memory"]
# --- real values
check("llama-3.1-8b Q4_K_M weights within 1% of 4.58 GiB", near(m["weights_bytes"], 4.58 * GIB, rel=0.01), m["weights_bytes"] / GIB)
# n_layer 32 * (K+V) 2 * n_head_kv 8 * head_dim 128 * 2 bytes (F16) * n_ctx 8192
check("F16 KV of llama-3.1-8b at 8192 = 1073741824", m["kv_bytes"] == 32 * 2 * 8 * 128 * 2 * 8192 == 1073741824, m["kv_bytes"])
check("kv_bytes all on the GPU", devs[0]["kv_bytes"] == m["kv_bytes"], devs[0]["kv_bytes"])
# --- internal consistency of the memory plan
parts = m["weights_bytes"] + m["kv_bytes"] + m["compute_bytes"] + m["output_bytes"] + m["overhead_bytes"]
check("total_bytes = sum of the parts", near(m["total_bytes"], parts, abs_=2), (m["total_bytes"], parts))
for k in ("weights_bytes", "kv_bytes", "compute_bytes", "total_bytes"):
    s = sum(d[k] for d in devs)
    check("sum over devices of " + k, near(s, m[k], abs_=2), (s, m[k]))
for d in devs:
    s = d["weights_bytes"] + d["kv_bytes"] + d["compute_bytes"] + d["output_bytes"] + d["overhead_bytes"]
    check("device total = its parts (%s)" % d["name"], near(d["total_bytes"], s, abs_=2), (d["total_bytes"], s))
check("GPU fits flag = total <= capacity", devs[0]["fits"] == (devs[0]["total_bytes"] <= devs[0]["capacity_bytes"]), devs[0])
check("GPU holds 32 layers and the output layer", devs[0]["n_layers"] == 32 and devs[0]["has_output_layer"] is True, devs[0])
sp = j["speed"]
# decode cannot beat the roofline: peak bandwidth 1008 GB/s / bytes read per token
roof = 1008e9 / sp["decode_bytes_per_tok"]
check("decode_bytes_per_tok >= GPU weights", sp["decode_bytes_per_tok"] >= devs[0]["weights_bytes"] * 0.95, sp["decode_bytes_per_tok"])
check("decode tok/s within 30%..100% of the bandwidth roofline", 0.3 * roof <= sp["decode_tok_s"] <= roof, (sp["decode_tok_s"], roof))
check("decode_ms_per_tok * decode_tok_s = 1000", near(sp["decode_ms_per_tok"] * sp["decode_tok_s"], 1000, rel=1e-3), sp)
ttft_pre = 1000.0 * j["input"]["n_prompt"] / sp["prefill_tok_s"]
check("ttft_ms >= prompt / prefill rate and <= that + one decode step", ttft_pre * (1 - 1e-4) <= sp["ttft_ms"] <= (ttft_pre + sp["decode_ms_per_tok"]) * (1 + 1e-4), (sp["ttft_ms"], ttft_pre))
ng = j["input"]["n_gen"]
check("total_ms ~ ttft + (n_gen-1) decode steps (within 10%)", near(sp["total_ms"], sp["ttft_ms"] + (ng - 1) * sp["decode_ms_per_tok"], rel=0.1), sp["total_ms"])
check("prefill is faster than decode", sp["prefill_tok_s"] > 5 * sp["decode_tok_s"], sp)
check("input echoes n_ctx 8192 and quant Q4_K_M", j["input"]["n_ctx"] == 8192 and j["input"]["quant"] == "Q4_K_M", j["input"])

# --- table agrees with the JSON
t = open(T + "/e8.txt").read()
check("table says fits: yes", re.search(r"^fits: yes", t, re.M), t[:200])
md = re.search(r"^decode:\s+([0-9.]+) tokens/s", t, re.M)
check("table decode = json decode_tok_s (0.05)", md and near(float(md.group(1)), sp["decode_tok_s"], abs_=0.051), md and md.group(1))
mp = re.search(r"^prefill:\s+([0-9.]+) tokens/s", t, re.M)
check("table prefill = json prefill_tok_s (0.05)", mp and near(float(mp.group(1)), sp["prefill_tok_s"], abs_=0.051), mp and mp.group(1))
mt = re.search(r"^all devices\s+([0-9.]+)\s+([0-9.]+)", t, re.M)
check("table weights/KV GiB = json", mt and near(float(mt.group(1)), m["weights_bytes"] / GIB, abs_=0.006) and near(float(mt.group(2)), 1.0, abs_=0.006), mt and mt.groups())
check("table shows llama.cpp flags", "-c 8192" in t and "-ngl 33" in t, t[-200:])

# --- CSV: header + one row agreeing with the JSON
r = rows("e8.csv")
check("csv has a header and exactly one row", len(r) == 2 and len(r[0]) == len(r[1]), len(r))
h = dict(zip(r[0], r[1]))
for k in ("weights_bytes", "kv_bytes", "compute_bytes", "total_bytes"):
    check("csv %s = json" % k, h.get(k) not in (None, "") and near(float(h[k]), m[k], abs_=0.5), (h.get(k), m[k]))
for k, tol in (("decode_tok_s", 0.01), ("prefill_tok_s", 0.01), ("ttft_ms", 0.001), ("total_ms", 0.001)):
    check("csv %s = json within %g" % (k, tol), h.get(k) not in (None, "") and near(float(h[k]), sp[k], abs_=tol + 1e-9), (h.get(k), sp[k]))
check("csv fits/bound/quant/n_ctx = json", h.get("fits") == "true" and h.get("bound") == sp["bound"] and h.get("quant") == "Q4_K_M" and h.get("n_ctx") == "8192", h)
check("csv error column empty", h.get("error") == "", h.get("error"))

# --- quantized KV cache: Q8_0 is 34 bytes per 32 values, Q4_0 18 per 32
k = load("kvq8.json")["memory"]["kv_bytes"]
check("KV q8_0/q8_0 -fa on = 1073741824*34/64 = 570425344", k == 1073741824 * 34 // 64 == 570425344, k)
k = load("kvq4.json")["memory"]["kv_bytes"]
check("KV q4_0/q4_0 -fa on = 1073741824*18/64", k == 1073741824 * 18 // 64, k)
k = load("kvk8.json")["memory"]["kv_bytes"]
check("KV q8_0 K + f16 V = 1073741824*(34/64 + 1/2)", k == 1073741824 * 34 // 64 // 2 + 1073741824 // 2, k)

# --- gemma-3-1b: llama.cpp iSWA cache from the data file's window and pattern
spec = [x for x in json.load(open("data/models.json"))["models"] if x["id"] == "gemma-3-1b"][0]
def pad256(x): return (x + 255) // 256 * 256
def gemma_kv(n_ctx, n_ubatch=512, n_seq=1):
    L, P, W = spec["n_layer"], spec["swa_pattern"], spec["swa_window"]
    n_global = sum(1 for i in range(L) if (i + 1) % P == 0)   # last layer of each group of P is global
    n_swa = L - n_global
    cells_global = pad256(n_ctx)
    cells_swa = min(n_ctx, pad256(W * n_seq + n_ubatch))
    per_cell = 2 * spec["n_head_kv"] * spec["head_dim"] * 2      # K+V, F16
    return (n_global * cells_global + n_swa * cells_swa) * per_cell
check("gemma-3-1b data: window 512, pattern 6, 26 layers", (spec["swa_window"], spec["swa_pattern"], spec["n_layer"]) == (512, 6, 26), spec["swa_window"])
for f, args, lit in (("g32k.json", (32768,), 157286400), ("g32k_ub.json", (32768, 1024), 168820736),
                     ("g32k_np.json", (32768, 512, 2), 168820736), ("g1k.json", (1024,), 27262976)):
    k = load(f)["memory"]["kv_bytes"]
    check("gemma-3-1b iSWA KV %s = %d" % (f, lit), k == gemma_kv(*args) == lit, (k, gemma_kv(*args)))

# --- DeepSeek-V3 MLA: n_ctx * 61 layers * (kv_lora_rank 512 + rope 64) * 2 bytes
for f, n in (("ds4k.json", 4096), ("ds16k.json", 16384)):
    k = load(f)["memory"]["kv_bytes"]
    check("deepseek-v3 MLA KV at %d" % n, k == n * 61 * (512 + 64) * 2, (k, n * 61 * 576 * 2))

# --- a plan that does not fit
j = load("nofit.json")
check("8b at 128k F16 KV on 24 GiB does not fit", j["fits"] is False and j["memory"]["kv_bytes"] == 131072 * 131072, j["fits"])
check("limit_reason names the device and GiB", isinstance(j["limit_reason"], str) and "4090" in j["limit_reason"] and "GiB" in j["limit_reason"], j["limit_reason"])
check("GPU device fits flag false", j["memory"]["devices"][0]["fits"] is False, j["memory"]["devices"][0]["total_bytes"])

# --- n_gpu_layers semantics (llama.cpp: the output layer is offloaded first)
d = load("ngl1.json")["memory"]["devices"]
check("-ngl 1: GPU has 0 layers and the output layer", d[0]["n_layers"] == 0 and d[0]["has_output_layer"] is True, d[0])
check("-ngl 1: host has all 32 layers", d[-1]["is_host"] and d[-1]["n_layers"] == 32 and not d[-1]["has_output_layer"], d[-1])
d = load("ngl0.json")["memory"]["devices"]
check("-ngl 0: GPU holds no layers, no output layer, no weights", d[0]["n_layers"] == 0 and d[0]["has_output_layer"] is False and d[0]["weights_bytes"] == 0, d[0])
check("-ngl 0: output layer on the host", d[-1]["has_output_layer"] is True and d[-1]["n_layers"] == 32, d[-1])
s = jsonl("nglsweep.jsonl")
check("sweep -ngl 0:33:1 gives 34 rows", len(s) == 34, len(s))
okl = True
for i, x in enumerate(s):
    g, hst = x["memory"]["devices"][0], x["memory"]["devices"][-1]
    want_l = max(0, i - 1)
    if not (x["input"]["n_gpu_layers"] == i and g["n_layers"] == want_l and g["has_output_layer"] == (i >= 1)
            and hst["n_layers"] == 32 - want_l):
        okl = False; check("-ngl %d layer placement" % i, False, (g["n_layers"], g["has_output_layer"], hst["n_layers"]))
check("-ngl k puts k-1 layers + output on the GPU for every k", okl)
dec = [x["speed"]["decode_tok_s"] for x in s]
check("decode tok/s falls strictly as -ngl goes 33 -> 0", all(dec[i] < dec[i + 1] for i in range(len(dec) - 1)), dec)
check("full offload is > 5x faster than -ngl 0", dec[-1] > 5 * dec[0], (dec[0], dec[-1]))
gw = [x["memory"]["devices"][0]["weights_bytes"] for x in s]
check("GPU weights grow with -ngl", all(gw[i] < gw[i + 1] for i in range(len(gw) - 1)), gw[:4])

# --- multi-GPU layer split
j = load("gpus2.json")
gd = [d for d in j["memory"]["devices"] if not d["is_host"]]
check("--gpus 2: two GPU devices", len(gd) == 2, len(gd))
check("--gpus 2: layers sum to 32", sum(d["n_layers"] for d in gd) == 32, [d["n_layers"] for d in gd])
check("--gpus 2: split is even-ish (each 13..19)", all(13 <= d["n_layers"] <= 19 for d in gd), [d["n_layers"] for d in gd])
check("--gpus 2: output layer on the last GPU only", [d["has_output_layer"] for d in j["memory"]["devices"]] == [False, True, False], [d["has_output_layer"] for d in j["memory"]["devices"]])
check("--gpus 2: KV split over the GPUs sums to 1 GiB", sum(d["kv_bytes"] for d in gd) == 1073741824, [d["kv_bytes"] for d in gd])
check("--gpus 2: same total weights as 1 GPU", j["memory"]["weights_bytes"] == load("e8.json")["memory"]["weights_bytes"], j["memory"]["weights_bytes"])
j = load("gpus3.json")
gd = [d for d in j["memory"]["devices"] if not d["is_host"]]
check("70b --gpus 3: layers sum to 80 over 3 GPUs", len(gd) == 3 and sum(d["n_layers"] for d in gd) == 80, [d["n_layers"] for d in gd])
check("70b --gpus 3: output on the last GPU", gd[-1]["has_output_layer"] and not any(d["has_output_layer"] for d in gd[:-1]), [d["has_output_layer"] for d in gd])
check("70b --gpus 3 fits at 8k (3 x 24 GiB)", j["fits"] is True, j["limit_reason"])
EOF

# ---------------------------------------------------------------------------
# 2. --gguf: exact weights from the file, and damaged files
# ---------------------------------------------------------------------------
# expected values parsed here from the GGUF bytes (not by llmcap)
cat >"$T/gguf.py" <<'EOF'
import struct, sys
SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
FMT = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
BLOCK = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34)}   # type: (elements, bytes) per block
def parse(path):
    b = open(path, "rb").read()
    pos = 0
    def rd(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, b, pos)[0]; pos += struct.calcsize(fmt); return v
    def rstr():
        nonlocal pos
        n = rd("Q"); s = b[pos:pos + n]; pos += n; return s.decode("utf-8", "replace")
    def rval(t):
        if t == 8: return rstr()
        if t == 9:
            et, n = rd("I"), rd("Q")
            return [rval(et) for _ in range(n)]
        return rd(FMT[t])
    assert b[:4] == b"GGUF"; pos = 4
    version, n_tensors, n_kv = rd("I"), rd("Q"), rd("Q")
    kv = {}
    for _ in range(n_kv):
        k = rstr(); kv[k] = rval(rd("I"))
    total, max_end = 0, 0
    for _ in range(n_tensors):
        rstr(); nd = rd("I"); ne = 1
        for _ in range(nd): ne *= rd("Q")
        t, off = rd("I"), rd("Q")
        be, bb = BLOCK[t]
        assert ne % be == 0
        total += ne // be * bb
        max_end = max(max_end, off + ne // be * bb)
    align = kv.get("general.alignment", 32)
    data_start = (pos + align - 1) // align * align
    return dict(version=version, n_tensors=n_tensors, kv=kv, weights=total, data_start=data_start,
                data_end=data_start + max_end, size=len(b))
EOF
py "$MODELS" <<'EOF'
from chk import *
import json, os, random, sys
sys.path.insert(0, T)
import gguf
M = sys.argv[1]
exp = {}
for q in ("f32", "q8_0", "q4_0"):
    p = os.path.join(M, "tiny-llama-%s.gguf" % q)
    if not check("test model %s exists" % p, os.path.isfile(p), "missing"):
        continue
    g = gguf.parse(p)
    check("%s: GGUF v3 with 38 tensors" % q, g["version"] == 3 and g["n_tensors"] == 38, (g["version"], g["n_tensors"]))
    check("%s: tensor data ends at the end of the file" % q, g["data_end"] == g["size"], (g["data_end"], g["size"]))
    a = g["kv"]["general.architecture"]
    kv = g["kv"]
    n_layer, n_ctx = kv[a + ".block_count"], kv[a + ".context_length"]
    head_dim = kv[a + ".embedding_length"] // kv[a + ".attention.head_count"]
    kv_bytes = n_layer * 2 * kv[a + ".attention.head_count_kv"] * head_dim * 2 * n_ctx
    exp[q] = dict(weights=g["weights"], kv=kv_bytes, n_layer=n_layer, n_ctx=n_ctx, data_start=g["data_start"], size=g["size"])
json.dump(exp, open(os.path.join(T, "gguf_expected.json"), "w"))
# damaged copies
src = os.path.join(M, "tiny-llama-q8_0.gguf")
if "q8_0" in exp:
    b = open(src, "rb").read()
    open(os.path.join(T, "head1000.gguf"), "wb").write(b[:1000])
    mid = (exp["q8_0"]["data_start"] + exp["q8_0"]["size"]) // 2
    open(os.path.join(T, "middata.gguf"), "wb").write(b[:mid])
    open(os.path.join(T, "lastbyte.gguf"), "wb").write(b[:-1])
    open(os.path.join(T, "magiconly.gguf"), "wb").write(b[:8])
rnd = random.Random(20240101)
open(os.path.join(T, "random.gguf"), "wb").write(bytes([0x5a]) + bytes(rnd.randrange(256) for _ in range(65535)))
open(os.path.join(T, "ggufrandom.gguf"), "wb").write(b"GGUF\x03\x00\x00\x00" + bytes(rnd.randrange(256) for _ in range(65536)))
# a header claiming 2^60 tensors and 2^60 key/values
open(os.path.join(T, "huge.gguf"), "wb").write(b"GGUF\x03\x00\x00\x00" + (1 << 60).to_bytes(8, "little") * 2 + bytes(64))
open(os.path.join(T, "empty.gguf"), "wb").close()
EOF

for q in f32 q8_0 q4_0; do
    run_ok "estimate --gguf tiny-llama-$q" estimate --gguf "$MODELS/tiny-llama-$q.gguf" --hardware rtx-4090 --json; save "gg_$q.json"
    run_ok "estimate --gguf tiny-llama-$q on apple-m2-ultra" estimate --gguf "$MODELS/tiny-llama-$q.gguf" --hardware apple-m2-ultra --csv; save "gg_$q.csv"
done
py <<'EOF'
from chk import *
exp = load("gguf_expected.json")
for q, e in sorted(exp.items()):
    try:
        j = load("gg_%s.json" % q)
    except Exception as ex:
        check("gguf %s json parses" % q, False, ex); continue
    m = j["memory"]
    check("gguf %s: weights_bytes = sum of tensor data sizes = %d" % (q, e["weights"]), m["weights_bytes"] == e["weights"], (m["weights_bytes"], e["weights"]))
    check("gguf %s: exact_from_gguf, quant 'exact'" % q, j["model"]["exact_from_gguf"] is True and j["input"]["quant"] == "exact", j["input"]["quant"])
    check("gguf %s: n_layer and default n_ctx from the header" % q, j["model"]["n_layer"] == e["n_layer"] and j["input"]["n_ctx"] == e["n_ctx"], (j["model"]["n_layer"], j["input"]["n_ctx"]))
    check("gguf %s: F16 KV from the header's shapes = %d" % (q, e["kv"]), m["kv_bytes"] == e["kv"], (m["kv_bytes"], e["kv"]))
    c = dicts("gg_%s.csv" % q)
    check("gguf %s: CSV on another device has the same weights" % q, len(c) == 1 and c[0]["weights_bytes"] == str(e["weights"]), c and c[0].get("weights_bytes"))
if exp:
    check("gguf: f32 > q8_0 > q4_0 weights", exp["f32"]["weights"] > exp["q8_0"]["weights"] > exp["q4_0"]["weights"], exp)
EOF

# bad_file NAME REGEX CODES FILE: estimate --gguf FILE must fail with a status in
# CODES (space separated), one "llmcap:" line matching REGEX, nothing on stdout
bad_file() {
    local name=$1 re=$2 codes=$3 file=$4 line
    run estimate --gguf "$file" --hardware rtx-4090 --json
    case " $codes " in *" $RC "*) ok ;; *) bad "$name: exit $RC (want $codes)" ;; esac
    line=$(head -n1 "$T/err")
    if [ "$(wc -l <"$T/err")" = 1 ] && [ "${line#llmcap: }" != "$line" ]; then ok; else bad "$name: stderr is not one 'llmcap:' line: $(head -c 300 "$T/err")"; fi
    if printf '%s' "$line" | grep -Eiq -- "$re"; then ok; else bad "$name: message '$line' does not match /$re/"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$name: wrote to stdout"; fi
}
bad_file "gguf first 1000 bytes" 'gguf.*(truncat|ends|past end|end of file|cannot fit|bytes left)' 2 "$T/head1000.gguf"
bad_file "gguf cut in the tensor data" 'gguf.*(truncat|past end|end of file|ends)' 2 "$T/middata.gguf"
bad_file "gguf missing its last byte" 'gguf.*(truncat|past end|end of file|ends)' 2 "$T/lastbyte.gguf"
bad_file "gguf of 8 bytes" 'gguf.*(truncat|ends|end of file)' 2 "$T/magiconly.gguf"
bad_file "random bytes" 'gguf.*magic' 2 "$T/random.gguf"
bad_file "GGUF magic + random bytes" 'gguf' 2 "$T/ggufrandom.gguf"
bad_file "GGUF with 2^60 tensors" 'gguf' 2 "$T/huge.gguf"
bad_file "empty file" 'gguf.*empty' 2 "$T/empty.gguf"
mkdir -p "$T/adir.gguf"
bad_file "directory" 'adir\.gguf.*(regular file|directory)' "1 2" "$T/adir.gguf"
bad_file "missing path" 'nonexistent\.gguf.*(no such file|not found|cannot open)' "1 2" "$T/nonexistent.gguf"

# ---------------------------------------------------------------------------
# 3. --hf-config
# ---------------------------------------------------------------------------
cat >"$T/llama31_8b.json" <<'EOF'
{
  "architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 4096, "intermediate_size": 14336, "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 128256, "max_position_embeddings": 131072,
  "tie_word_embeddings": false, "attention_bias": false, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"factor": 8.0, "rope_type": "llama3"}, "torch_dtype": "bfloat16"
}
EOF
for q in Q4_K_M Q8_0; do
    run_ok "hf-config $q" estimate --hf-config "$T/llama31_8b.json" --hardware rtx-4090 --quant $q --ctx 8192 --json; save "hf_$q.json"
    run_ok "model $q" estimate --model llama-3.1-8b --hardware rtx-4090 --quant $q --ctx 8192 --json; save "id_$q.json"
done
py <<'EOF'
from chk import *
for q in ("Q4_K_M", "Q8_0"):
    a, b = load("hf_%s.json" % q), load("id_%s.json" % q)
    check("hf-config %s weights_bytes == --model llama-3.1-8b exactly" % q, a["memory"]["weights_bytes"] == b["memory"]["weights_bytes"], (a["memory"]["weights_bytes"], b["memory"]["weights_bytes"]))
    check("hf-config %s params and KV == --model" % q, a["model"]["params"] == b["model"]["params"] and a["memory"]["kv_bytes"] == b["memory"]["kv_bytes"] == 1073741824, a["model"]["params"])
    check("hf-config %s decode tok/s == --model" % q, a["speed"]["decode_tok_s"] == b["speed"]["decode_tok_s"], (a["speed"]["decode_tok_s"], b["speed"]["decode_tok_s"]))
a = load("hf_Q8_0.json")["memory"]["weights_bytes"]; b = load("hf_Q4_K_M.json")["memory"]["weights_bytes"]
check("Q8_0 weights ~ 8.5/4.89 of Q4_K_M (within 10%)", near(a / b, 8.5 / 4.89, rel=0.1), a / b)
EOF

# ---------------------------------------------------------------------------
# 7 (helper). bad input: exit 2, one "llmcap:" line naming the problem, no
# stdout, and with -o FILE no FILE and no temp file.
# expect_bad NAME REGEX COMMAND ARGS...  (-o is inserted after COMMAND)
# ---------------------------------------------------------------------------
nbad=0
expect_bad() {
    local name=$1 re=$2 cmd=$3; shift 3
    nbad=$((nbad + 1))
    local d="$T/bad$nbad" line
    mkdir -p "$d"
    run "$cmd" "$@"
    if [ "$RC" = 2 ]; then ok; else bad "$name: exit $RC, want 2 (stderr: $(head -c 300 "$T/err"))"; fi
    line=$(head -n1 "$T/err")
    if [ "$(wc -l <"$T/err")" = 1 ] && [ "${line#llmcap: }" != "$line" ]; then ok; else bad "$name: stderr is not one 'llmcap:' line: $(head -c 400 "$T/err")"; fi
    if printf '%s' "$line" | grep -Eq -- "$re"; then ok; else bad "$name: message '$line' does not match /$re/"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$name: wrote to stdout: $(head -c 200 "$T/out")"; fi
    # again with -o FILE: the same message, and neither FILE nor a temp file
    cp "$T/err" "$T/err.first"
    "$LLMCAP" "$cmd" -o "$d/out.csv" "$@" >"$T/out" 2>"$T/err"; RC=$?
    if [ "$RC" = 2 ] && cmp -s "$T/err" "$T/err.first"; then ok; else bad "$name -o FILE: exit $RC or another message: $(head -c 300 "$T/err")"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$name -o FILE: wrote to stdout: $(head -c 200 "$T/out")"; fi
    if [ -z "$(ls -A "$d")" ]; then ok; else bad "$name -o FILE: left files behind: $(ls -A "$d")"; fi
}

printf '{"model_type": "llama", "hidden_size": 4096,' >"$T/bad_syntax.json"
expect_bad "hf-config malformed JSON" 'bad_syntax\.json.*malformed JSON' estimate --hf-config "$T/bad_syntax.json" --hardware rtx-4090
python3 - "$T" <<'EOF'
import json, sys
T = sys.argv[1]
c = json.load(open(T + "/llama31_8b.json"))
def w(name, **kw):
    d = dict(c)
    for k, v in kw.items():
        if v is None: del d[k]
        else: d[k] = v
    json.dump(d, open(T + "/" + name, "w"))
w("no_layers.json", num_hidden_layers=None)
w("neg_hidden.json", hidden_size=-4096)
w("unk_type.json", model_type="frobnicator")
w("str_vocab.json", vocab_size="128256")
w("kv5.json", num_key_value_heads=5)
EOF
expect_bad "hf-config missing num_hidden_layers" 'num_hidden_layers' estimate --hf-config "$T/no_layers.json" --hardware rtx-4090
expect_bad "hf-config negative hidden_size" 'hidden_size' estimate --hf-config "$T/neg_hidden.json" --hardware rtx-4090
expect_bad "hf-config unknown model_type" "model_type.*frobnicator|frobnicator.*model_type" estimate --hf-config "$T/unk_type.json" --hardware rtx-4090
expect_bad "hf-config string vocab_size" 'vocab_size' estimate --hf-config "$T/str_vocab.json" --hardware rtx-4090
expect_bad "hf-config 32 heads over 5 KV heads" 'n_head_kv|num_key_value_heads' estimate --hf-config "$T/kv5.json" --hardware rtx-4090

# ---------------------------------------------------------------------------
# 4. fit
# ---------------------------------------------------------------------------
QUANTS=$("$LLMCAP" list quants --json | python3 -c 'import json,sys; print(",".join(q["name"] for q in json.load(sys.stdin)))')
run_ok "fit 70b on 4090 at 8k" fit --model llama-3.1-70b --hardware rtx-4090 --ctx 8192 --json; save fit70.json
run_ok "fit 70b on 4090 at 32k" fit --model llama-3.1-70b --hardware rtx-4090 --ctx 32768 --json; save fit70_32k.json
run_ok "fit 70b on 4090 at 128k" fit --model llama-3.1-70b --hardware rtx-4090 --ctx 131072 --json; save fit70_128k.json
run_ok "fit 70b on 2x4090 at 8k" fit --model llama-3.1-70b --hardware rtx-4090 --gpus 2 --ctx 8192 --json; save fit70x2.json
run_ok "fit 8b on h200" fit --model llama-3.1-8b --hardware h200-sxm --json; save fit8h200.json
run_ok "fit 8b on 4090" fit --model llama-3.1-8b --hardware rtx-4090 --json; save fit8.json
run_ok "fit 8b on 4090 table" fit --model llama-3.1-8b --hardware rtx-4090; save fit8.txt
run_ok "sweep every quant 70b" sweep --model llama-3.1-70b --hardware rtx-4090 --ctx 8192 --quant "$QUANTS"; save q70.csv
run_ok "sweep -ngl 0:81:1 70b" sweep --model llama-3.1-70b --hardware rtx-4090 --ctx 8192 -ngl 0:81:1 --jsonl; save ngl70.jsonl
MAXCTX=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_ctx"])' "$T/fit8.json" 2>/dev/null || echo 256)
run_ok "sweep around max_ctx" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx "$MAXCTX,$((MAXCTX + 256))"; save maxctx.csv
py "$QUANTS" <<'EOF'
from chk import *
import sys
order = sys.argv[1].split(",")
for f in ("fit70.json", "fit8h200.json", "fit8.json"):
    j = load(f)
    check("fit json keys (%s)" % f, all(k in j for k in ("max_ctx", "best_quant", "max_ngl", "max_ctx_capped")), sorted(j))
j = load("fit70.json")
small = {"Q2_K", "Q2_K_S", "IQ2_M", "IQ2_S", "IQ2_XS", "IQ2_XXS", "TQ2_0", "IQ1_M", "TQ1_0", "IQ1_S", "IQ3_XXS"}
check("70b on one 4090 at 8k: best_quant is a <= 3 bpw type or null", j["best_quant"] is None or j["best_quant"] in small, j["best_quant"])
check("70b on one 4090: max_ngl < 81", isinstance(j["max_ngl"], int) and 0 <= j["max_ngl"] < 81, j["max_ngl"])
# best_quant is the first file type, in quality order, whose plan fits
q = dicts("q70.csv")
check("sweep of every quant: one row each", [r["quant"] for r in q] == order, [r["quant"] for r in q][:5])
first = next((r["quant"] for r in q if r["fits"] == "true"), None)
check("best_quant = first quant (quality order) that fits in an estimate", first == j["best_quant"], (first, j["best_quant"]))
# max_ngl is the largest -ngl whose GPU part fits
s = jsonl("ngl70.jsonl")
gfit = [all(d["fits"] for d in x["memory"]["devices"] if not d["is_host"]) for x in s]
check("-ngl 0:81:1 gives 82 rows", len(s) == 82, len(s))
check("GPU fit is monotonic in -ngl", all(gfit[i] >= gfit[i + 1] for i in range(len(gfit) - 1)), gfit)
last = max((i for i, g in enumerate(gfit) if g), default=-1)
check("max_ngl = largest -ngl that fits on the GPU", last == j["max_ngl"], (last, j["max_ngl"]))
a, b, c = load("fit70.json")["max_ngl"], load("fit70_32k.json")["max_ngl"], load("fit70_128k.json")["max_ngl"]
check("max_ngl falls as n_ctx grows (8k >= 32k >= 128k, 8k > 128k)", a >= b >= c and a > c, (a, b, c))
x2 = load("fit70x2.json")
check("two GPUs hold more layers than one", x2["max_ngl"] > a, (x2["max_ngl"], a))
check("two 4090s: 70b fits at 8k in a 4-bit type (max_ngl 81)", x2["max_ngl"] == 81 and x2["best_quant"] in order and order.index(x2["best_quant"]) <= order.index("Q4_0"), x2)
h = load("fit8h200.json")
check("8b on h200: max_ctx = n_ctx_train 131072, capped", h["max_ctx"] == 131072 and h["max_ctx_capped"] is True, h)
check("8b on h200: best_quant F32 or F16/BF16", h["best_quant"] in ("F32", "F16", "BF16"), h["best_quant"])
check("8b on h200: max_ngl 33 (all)", h["max_ngl"] == 33, h["max_ngl"])
f8 = load("fit8.json")
check("8b on 4090: max_ctx a multiple of 256 below 131072", 0 < f8["max_ctx"] < 131072 and f8["max_ctx"] % 256 == 0 and f8["max_ctx_capped"] is False, f8)
mc = dicts("maxctx.csv")
check("estimate fits at max_ctx and not 256 tokens more", len(mc) == 2 and mc[0]["fits"] == "true" and mc[1]["fits"] == "false", [r["fits"] for r in mc])
t = open(T + "/fit8.txt").read()
check("fit table shows max_ctx/best_quant/max_ngl", "max_ctx:" in t and str(f8["max_ctx"]) in t and "max_ngl:" in t and "best_quant:" in t, t)
EOF

# ---------------------------------------------------------------------------
# 5. sweep
# ---------------------------------------------------------------------------
run_ok "sweep 3x3x2 grid" sweep --model llama-3.1-8b --ctx 2048,4096,8192 --quant Q4_0,Q4_K_M,Q8_0 --hardware rtx-4090,apple-m2-ultra; save grid.csv
run_ok "sweep 3x3x2 grid --jsonl" sweep --model llama-3.1-8b --ctx 2048,4096,8192 --quant Q4_0,Q4_K_M,Q8_0 --hardware rtx-4090,apple-m2-ultra --jsonl; save grid.jsonl
run_ok "sweep --ctx 1024:4096:1024" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 1024:4096:1024; save r1.csv
run_ok "sweep --ctx 1024:8192:x2" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 1024:8192:x2; save r2.csv
run_ok "sweep mixed list and range" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 512,1024:3072:1024,8192; save r3.csv
run_ok "sweep error row (-ctv q4_0 -fa off)" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 4096 -ctv q4_0,f16 -fa off; save errrow.csv
run_ok "sweep error row --jsonl" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 4096 -ctv q4_0 -fa off,on --jsonl; save errrow.jsonl
cat >"$T/in.jsonl" <<'EOF'
{"model": "llama-3.1-8b", "hardware": "rtx-4090", "quant": "Q8_0", "n_ctx": 8192, "flash_attn": true}

{"model": "gemma-3-1b", "hardware": "apple-m2-ultra", "n_ctx": 32768, "n_ubatch": 1024}
{"hf_config": "HFCFG", "hardware": "rtx-4090", "quant": "Q4_K_M", "n_ctx": 8192, "type_k": "q8_0"}
EOF
sed -i "s#HFCFG#$T/llama31_8b.json#" "$T/in.jsonl"
run_ok "sweep --in (3 scenarios)" sweep --in "$T/in.jsonl"; save in.csv
run_ok "sweep --in --jsonl" sweep --in "$T/in.jsonl" --jsonl; save in.jsonl.out
cat "$T/in.jsonl" | "$LLMCAP" sweep --in /dev/stdin >"$T/inpipe.csv" 2>"$T/err"; RC=$?
check "sweep --in /dev/stdin from a pipe: exit 0, no message" test "$RC" = 0 -a ! -s "$T/err"
echo "OLD CONTENT" >"$T/atomic.csv"
run_ok "sweep -o FILE" sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 1024:4096:1024 -o "$T/atomic.csv"
check "sweep -o FILE: nothing on stdout" test ! -s "$T/out"
check "sweep -o FILE: same bytes as stdout" cmp -s "$T/atomic.csv" "$T/r1.csv"
no_temp() { local f; for f in "$T"/atomic.csv.*; do [ -e "$f" ] && return 1; done; return 0; }
check "sweep -o FILE: no temp file left" no_temp
run sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 1024,abc -o "$T/atomic.csv"
check "failed sweep -o FILE: exit 2" test "$RC" = 2
check "failed sweep -o FILE: old file untouched" cmp -s "$T/atomic.csv" "$T/r1.csv"
check "failed sweep -o FILE: no temp file left" no_temp
run sweep --model llama-3.1-8b --hardware rtx-4090 --ctx 1024:4096:1024 -o "$T/no/such/dir/out.csv"
check "sweep -o into a missing directory: exit 1" test "$RC" = 1
check "sweep -o into a missing directory: message" grep -q '^llmcap: cannot write' "$T/err"
run_ok "estimate -o FILE" estimate $E8 --json -o "$T/est.json"
check "estimate -o FILE: nothing on stdout" test ! -s "$T/out"
check "estimate -o FILE: same JSON as stdout" cmp -s "$T/est.json" "$T/e8.json"

py "$T/llama31_8b.json" <<'EOF'
from chk import *
import itertools, sys
g = rows("grid.csv")
cols = g[0]
check("grid: header + 18 rows", len(g) == 19, len(g))
check("grid: every row has every column", all(len(r) == len(cols) for r in g), set(len(r) for r in g))
for c in ("model", "hardware", "quant", "n_ctx", "weights_bytes", "kv_bytes", "fits", "decode_tok_s", "error"):
    check("grid header has " + c, c in cols, cols)
d = [dict(zip(cols, r)) for r in g[1:]]
want = list(itertools.product(["2048", "4096", "8192"], ["Q4_0", "Q4_K_M", "Q8_0"], ["rtx-4090", "apple-m2-ultra"]))
got = [(r["n_ctx"], r["quant"], r["hardware"]) for r in d]
check("grid: odometer order, the last option fastest", got == want, got[:4])
check("grid: KV = 131072 bytes per token of context", all(int(r["kv_bytes"]) == 131072 * int(r["n_ctx"]) for r in d), [r["kv_bytes"] for r in d][:3])
wq = {}
for r in d: wq.setdefault(r["quant"], set()).add(r["weights_bytes"])
check("grid: weights depend on the quant only", all(len(v) == 1 for v in wq.values()) and int(min(wq["Q4_0"])) < int(min(wq["Q4_K_M"])) < int(min(wq["Q8_0"])), wq)
check("grid: no errors", all(r["error"] == "" for r in d), [r["error"] for r in d if r["error"]])
check("grid: 4090 decodes faster than M2 Ultra (1008 vs 819 GB/s)", all(float(a["decode_tok_s"]) > float(b["decode_tok_s"]) for a, b in zip(d[0::2], d[1::2])), 0)
j = jsonl("grid.jsonl")
check("grid --jsonl: 18 JSON objects, one per line", len(j) == 18 and all(isinstance(x, dict) for x in j), len(j))
check("grid --jsonl agrees with the CSV", all(x["input"]["n_ctx"] == int(r["n_ctx"]) and x["input"]["quant"] == r["quant"]
      and x["input"]["hardware"] == r["hardware"] and x["memory"]["weights_bytes"] == int(r["weights_bytes"])
      and near(x["speed"]["decode_tok_s"], float(r["decode_tok_s"]), abs_=0.0051) for x, r in zip(j, d)), 0)
check("--ctx 1024:4096:1024 -> 1024,2048,3072,4096", [r["n_ctx"] for r in dicts("r1.csv")] == ["1024", "2048", "3072", "4096"], [r["n_ctx"] for r in dicts("r1.csv")])
check("--ctx 1024:8192:x2 -> 1024,2048,4096,8192", [r["n_ctx"] for r in dicts("r2.csv")] == ["1024", "2048", "4096", "8192"], [r["n_ctx"] for r in dicts("r2.csv")])
check("--ctx 512,1024:3072:1024,8192 -> 5 values in order", [r["n_ctx"] for r in dicts("r3.csv")] == ["512", "1024", "2048", "3072", "8192"], [r["n_ctx"] for r in dicts("r3.csv")])
e = dicts("errrow.csv")
check("error row: 2 rows", len(e) == 2, len(e))
if len(e) == 2:
    check("error row: quantized V without FA has the error column filled", "flash attention" in e[0]["error"] and e[0]["type_v"] == "q4_0", e[0])
    check("error row: its output columns are empty", all(e[0][c] == "" for c in ("weights_bytes", "kv_bytes", "total_bytes", "fits", "decode_tok_s")), e[0])
    check("error row: the next scenario is fine", e[1]["error"] == "" and int(e[1]["kv_bytes"]) == 131072 * 4096, e[1])
ej = jsonl("errrow.jsonl")
check("error row --jsonl: error object then a result with FA on", len(ej) == 2 and "flash attention" in ej[0].get("error", "") and ej[1]["input"]["flash_attn"] is True and "error" not in ej[1], ej[:1])
i = dicts("in.csv")
check("--in: 3 scenarios give 3 rows", len(i) == 3, len(i))
if len(i) == 3:
    check("--in row 1: Q8_0, n_ctx 8192, FA on", (i[0]["quant"], i[0]["n_ctx"], i[0]["flash_attn"]) == ("Q8_0", "8192", "on"), i[0])
    check("--in row 2: gemma iSWA KV with n_ubatch 1024 = 168820736", i[1]["model"] == "gemma-3-1b" and i[1]["kv_bytes"] == "168820736", i[1]["kv_bytes"])
    check("--in row 3: hf_config with q8_0 K: KV = 2^30*(34/64+1/2)", i[2]["kv_bytes"] == str(1073741824 * 34 // 64 // 2 + 1073741824 // 2) and i[2]["type_k"] == "q8_0", i[2]["kv_bytes"])
    check("--in rows have no error", all(r["error"] == "" for r in i), [r["error"] for r in i])
ij = jsonl("in.jsonl.out")
check("--in --jsonl: 3 objects matching the CSV", len(ij) == 3 and [x["memory"]["kv_bytes"] for x in ij] == [int(r["kv_bytes"]) for r in i], len(ij))
check("--in from a pipe = from the file", open(T + "/inpipe.csv").read() == open(T + "/in.csv").read(), 0)
EOF

# ---------------------------------------------------------------------------
# 6. list
# ---------------------------------------------------------------------------
run_ok "list models" list models; save lm.txt
run_ok "list hardware" list hardware; save lh.txt
run_ok "list quants" list quants; save lq.txt
run_ok "list models --json" list models --json; save lm.json
run_ok "list hardware --json" list hardware --json; save lh.json
run_ok "list quants --json" list quants --json; save lq.json
py <<'EOF'
from chk import *
m, h, q = load("lm.json"), load("lh.json"), load("lq.json")
check("list models --json: 48 models", len(m) == 48, len(m))
check("list models: unique ids incl. llama-3.1-8b", len({x["id"] for x in m}) == 48 and "llama-3.1-8b" in {x["id"] for x in m}, 0)
check("list hardware --json: >= 73 devices", len(h) >= 73, len(h))
check("list hardware: unique ids incl. rtx-4090 at 24 GiB / 1008 GB/s", len({x["id"] for x in h}) == len(h) and any(x["id"] == "rtx-4090" and x["memory_gib"] == 24 and x["bandwidth_gbps"] == 1008 for x in h), 0)
check("list quants --json: F32 first, Q4_K_M and Q8_0 present", q[0]["name"] == "F32" and {"Q4_K_M", "Q8_0"} <= {x["name"] for x in q}, q[:2])
lm = [l for l in open(T + "/lm.txt").read().splitlines() if l.strip()]
lh = [l for l in open(T + "/lh.txt").read().splitlines() if l.strip()]
check("list models table: header + 48 rows", len(lm) == 49, len(lm))
check("list hardware table: header + one row per device", len(lh) == len(h) + 1, len(lh))
check("list quants table names Q4_K_M", "Q4_K_M" in open(T + "/lq.txt").read(), 0)
EOF
if [ -w /dev/full ]; then
    "$LLMCAP" list models >/dev/full 2>"$T/err"; RC=$?
    check "list models >/dev/full: exit 1 (write error)" test "$RC" = 1
    "$LLMCAP" estimate $E8 >/dev/full 2>"$T/err"; RC=$?
    check "estimate >/dev/full: exit 1 (write error)" test "$RC" = 1
fi
expect_bad "list of an unknown kind" "unknown list 'gpus'" list gpus

# ---------------------------------------------------------------------------
# 7. bad input battery
# ---------------------------------------------------------------------------
B="--model llama-3.1-8b --hardware rtx-4090"
expect_bad "unknown model" "unknown model 'llama-3\.1-8'.*llama-3\.1-8b" estimate --model llama-3.1-8 --hardware rtx-4090
expect_bad "unknown hardware" "unknown hardware 'rtx-4900'.*rtx-4090" estimate --model llama-3.1-8b --hardware rtx-4900
expect_bad "unknown quant" "unknown quant 'Q4_K_Z'.*Q4_K_M" estimate $B --quant Q4_K_Z
expect_bad "unknown KV type" "type_k.*unknown type 'q9_9'" estimate $B -ctk q9_9
expect_bad "unknown option" "unknown option '--frobnicate'" estimate $B --frobnicate 3
expect_bad "missing value" "'--ctx' needs a value" estimate $B --ctx
expect_bad "--ctx -5" "n_ctx.*'-5'" estimate $B --ctx -5
expect_bad "--ctx abc" "n_ctx.*'abc'" estimate $B --ctx abc
expect_bad "--ctx 1000000000000" "n_ctx.*1000000000000.*out of range" estimate $B --ctx 1000000000000
expect_bad "--ctx nan" "n_ctx.*'nan'" estimate $B --ctx nan
expect_bad "--ctx 8k" "n_ctx.*'8k'" estimate $B --ctx 8k
expect_bad "--gpu-mem-gib 0 with custom hardware" "gpu-mem-gib" estimate --model llama-3.1-8b --hardware custom --gpu-mem-gib 0 --gpu-bw-gbps 1000
expect_bad "--gpu-bw-gbps -1" "gpu_bw_gbps.*-1" estimate --model llama-3.1-8b --hardware custom --gpu-mem-gib 24 --gpu-bw-gbps -1
expect_bad "--gpu-bw-gbps inf" "gpu_bw_gbps.*'inf'.*finite" estimate --model llama-3.1-8b --hardware custom --gpu-mem-gib 24 --gpu-bw-gbps inf
expect_bad "--gpu-mem-gib nan" "gpu_mem_gib.*'nan'" estimate --model llama-3.1-8b --hardware custom --gpu-mem-gib nan --gpu-bw-gbps 1000
expect_bad "--gpus 0" "n_gpu.*0.*out of range" estimate $B --gpus 0
expect_bad "--gpus 100" "n_gpu.*100.*out of range" estimate $B --gpus 100
expect_bad "--ubatch 4096 --batch 512" "n_ubatch.*4096.*n_batch" estimate $B --ubatch 4096 --batch 512
expect_bad "--prompt 99999999999" "n_prompt.*99999999999.*out of range" estimate $B --prompt 99999999999
expect_bad "-ngl -3" "n_gpu_layers.*'-3'" estimate $B -ngl -3
expect_bad "-fa maybe" "flash_attn.*'maybe'" estimate $B -fa maybe
expect_bad "quantized V without flash attention" "flash attention" estimate $B -ctv q4_0 -fa off
expect_bad "two model sources" "only one of" estimate $B --gguf "$MODELS/tiny-llama-q4_0.gguf"
expect_bad "no model given" "no model given" estimate --hardware rtx-4090
expect_bad "no hardware given" "no hardware given" estimate --model llama-3.1-8b
expect_bad "estimate extra positional" "unexpected argument 'extra-positional'" estimate $B extra-positional
expect_bad "fit extra positional" "unexpected argument 'extra'" fit $B extra
expect_bad "fit --ctx abc" "n_ctx.*'abc'" fit $B --ctx abc
expect_bad "estimate with a list value" "n_ctx.*'1024,2048'" estimate $B --ctx 1024,2048
expect_bad "unknown command" "unknown command 'frobnicate'" frobnicate $B
expect_bad "sweep empty list" "n_ctx.*empty list" sweep $B --ctx ,
expect_bad "sweep bad range" "n_ctx.*bad range '10:1:1'" sweep $B --ctx 10:1:1
expect_bad "sweep range with step 0" "bad range" sweep $B --ctx 1024:4096:0
expect_bad "sweep range x1" "bad range" sweep $B --ctx 1024:4096:x1
expect_bad "sweep bad list value" "n_ctx.*'abc'" sweep $B --ctx 1024,abc
expect_bad "sweep value out of range" "n_ctx.*out of range" sweep $B --ctx 1:100000000:x10
expect_bad "sweep unknown hardware in a list" "unknown hardware 'rtx-4900'.*rtx-4090" sweep --model llama-3.1-8b --hardware rtx-4090,rtx-4900
expect_bad "sweep option listed twice" "given twice" sweep $B --ctx 1,2 --ctx 3,4
expect_bad "sweep grid too large" "more than" sweep $B --ctx 1:100000:1 --n-gen 1:100000:1
printf '{"model": "llama-3.1-8b", "hardware": "rtx-4090"}\n{"model": "llama-3.1-8b", "hardware": \n' >"$T/malformed.jsonl"
expect_bad "sweep --in malformed line" "malformed\.jsonl:2:" sweep --in "$T/malformed.jsonl"
printf '{"model": "llama-3.1-8b", "hardware": "rtx-4090"}\n\n{"model": "llama-3.1-8b", "hardware": "rtx-4090", "frobnicate": 3}\n' >"$T/unkkey.jsonl"
expect_bad "sweep --in unknown key" "unkkey\.jsonl:3:.*unknown option 'frobnicate'" sweep --in "$T/unkkey.jsonl"
printf '{"model": "llama-3.1-8b", "hardware": "rtx-4090", "n_ctx": -1}\n' >"$T/negctx.jsonl"
expect_bad "sweep --in negative n_ctx" "negctx\.jsonl:1:.*n_ctx" sweep --in "$T/negctx.jsonl"
printf '{"model": "llama-3.1-8b", "hardware": "rtx-4090", "n_ctx": [1]}\n' >"$T/arrval.jsonl"
expect_bad "sweep --in array value" "arrval\.jsonl:1:.*n_ctx" sweep --in "$T/arrval.jsonl"
printf '[1, 2]\n' >"$T/notobj.jsonl"
expect_bad "sweep --in not an object" "notobj\.jsonl:1:.*not a JSON object" sweep --in "$T/notobj.jsonl"
printf '{"model": "no-such-model", "hardware": "rtx-4090"}\n' >"$T/unkmodel.jsonl"
expect_bad "sweep --in unknown model" "unkmodel\.jsonl:1:.*unknown model 'no-such-model'" sweep --in "$T/unkmodel.jsonl"
: >"$T/empty.jsonl"
expect_bad "sweep --in empty file" "empty\.jsonl.*no scenarios" sweep --in "$T/empty.jsonl"
expect_bad "sweep --in and lists" "either --in" sweep --in "$T/in.jsonl" --ctx 1,2
mkdir -p "$T/baddata"
cp data/models.json "$T/baddata/"
printf '{"schema_version": 1, "hardware": [ {"id": ' >"$T/baddata/hardware.json"
expect_bad "--data with malformed hardware.json" "baddata/hardware\.json" estimate --data "$T/baddata" $B
expect_bad "--data with malformed hardware.json (list)" "baddata/hardware\.json" list hardware --data "$T/baddata"
mkdir -p "$T/baddata2"
cp data/models.json "$T/baddata2/"
python3 -c 'import json,sys; d=json.load(open("data/hardware.json")); d["hardware"][3]["bandwidth_gbps"]=-5; json.dump(d,open(sys.argv[1],"w"))' "$T/baddata2/hardware.json"
expect_bad "--data with a negative bandwidth" "hardware\.json: entry 3 .*bandwidth_gbps" estimate --data "$T/baddata2" $B

# missing / unreadable inputs: non-zero, no crash, one clear line, nothing on stdout
not_crash() {
    local name=$1 re=$2; shift 2
    run "$@"
    if [ "$RC" = 1 ] || [ "$RC" = 2 ]; then ok; else bad "$name: exit $RC (want 1 or 2)"; fi
    if [ "$(wc -l <"$T/err")" = 1 ] && grep -Eq -- "^llmcap: .*($re)" "$T/err"; then ok; else bad "$name: message: $(head -c 300 "$T/err")"; fi
    if [ ! -s "$T/out" ]; then ok; else bad "$name: wrote to stdout"; fi
}
not_crash "--hf-config missing file" "nope\.json.*No such file" estimate --hf-config "$T/nope.json" --hardware rtx-4090
not_crash "--hf-config directory" "adir\.gguf" estimate --hf-config "$T/adir.gguf" --hardware rtx-4090
not_crash "sweep --in missing file" "nope\.jsonl.*No such file" sweep --in "$T/nope.jsonl"
not_crash "sweep --in directory" "adir\.gguf.*(directory|read)" sweep --in "$T/adir.gguf"
not_crash "--data missing directory" "nodata" estimate --data "$T/nodata" $B

finish
