#!/usr/bin/env bash
# tests/cli/test_curves.sh - integration tests of `llmcap curves` (plots with gnuplot).
#
# Every kind must write NAME.dat, NAME.gp and valid PNG and SVG images (PNG:
# signature, every chunk's CRC, IHDR 1000x600, the image data inflating to
# height x (1 + width x bytes per pixel) bytes; SVG: well-formed XML with an
# <svg> root, 1000x600, the plot's title as text). The data columns must equal
# `llmcap estimate --json` (and `llmcap fit --json`) for the same points within
# 1e-6 relative, checked on several points of every kind; some values are also
# checked against formulas worked out here (KV cache bytes of Llama 3.1 8B) or
# against what they must do (decode falls with bits per weight and with depth).
# Bad input (unknown kind, empty range, bad rows in a runs file with --strict,
# a missing or failing gnuplot) must exit non-zero with a message naming the
# problem and leave no file in the output folder (no half-written image).
#
# Run from the repository root: bash tests/cli/test_curves.sh
# LLMCAP=path/to/llmcap selects the binary (default build/llmcap). Needs python3
# and gnuplot (Debian package gnuplot-nox, `make deps`).
# Last line: "N passed, N failed"; exit status 1 when a check failed.
set -u

LLMCAP=${LLMCAP:-build/llmcap}
case $LLMCAP in /*) ;; *) LLMCAP=$PWD/$LLMCAP ;; esac
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-curves
export LLMCAP
export REPO=$PWD
BIN=$LLMCAP
# the Python checks run in $T
PY_DIR=$T

# empty_dir NAME DIR: DIR is missing or holds nothing (not even a hidden staging folder)
empty_dir() {
    if [ ! -e "$2" ] || [ -z "$(ls -A "$2")" ]; then ok; else bad "$1: left files: $(ls -A "$2" | tr '\n' ' ')"; fi
}

cat >"$T/chk.py" <<'EOF'
import json, os, shlex, struct, subprocess, sys, zlib
import xml.etree.ElementTree as ET
T = os.environ["T"]
LLMCAP = os.environ["LLMCAP"]
GIB = 2.0 ** 30
def check(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:500]))
    return bool(cond)
def near(a, b, rel=1e-6):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
def png_ok(path, w=1000, h=600):
    """PNG signature, chunk CRCs, IHDR size, IDAT inflating to the image's bytes, IEND last."""
    b = open(path, "rb").read()
    if b[:8] != b"\x89PNG\r\n\x1a\n":
        return "bad signature"
    pos, chunks, idat = 8, [], b""
    while pos < len(b):
        if pos + 12 > len(b):
            return "truncated chunk at %d" % pos
        n, typ = struct.unpack(">I4s", b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        if len(data) != n:
            return "truncated %s" % typ
        crc = struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(typ + data) & 0xffffffff != crc:
            return "bad CRC in %s" % typ
        chunks.append(typ)
        if typ == b"IHDR":
            W, H, depth, ctype = struct.unpack(">IIBB", data[:10])
        if typ == b"IDAT":
            idat += data
        pos += 12 + n
    if chunks[0] != b"IHDR" or chunks[-1] != b"IEND":
        return "chunks %s" % chunks[:3]
    if (W, H) != (w, h):
        return "size %dx%d" % (W, H)
    bpp = {2: 3, 6: 4, 0: 1, 4: 2, 3: 1}[ctype] * depth // 8
    raw = zlib.decompress(idat)
    if len(raw) != H * (1 + W * bpp):
        return "image data %d bytes, want %d" % (len(raw), H * (1 + W * bpp))
    return ""
def svg_ok(path, title):
    root = ET.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        return "root %s" % root.tag
    vb = (root.get("viewBox") or "").split()
    if vb[2:] != ["1000", "600"]:
        return "viewBox %s" % vb
    texts = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text") or t.tag.endswith("tspan"))
    if title and title not in texts:
        return "title %r not in the texts" % title
    if sum(1 for e in root.iter() if e.tag.endswith("path")) < 5:
        return "fewer than 5 paths"
    return ""
def rows(path):
    """the .dat rows as lists of fields (quoted strings kept whole), blocks split at blank lines"""
    blocks, cur, blank = [], [], 0
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if not line.strip():
            blank += 1
            continue
        if blank >= 2 and cur:
            blocks.append(cur); cur = []
        blank = 0
        cur.append(shlex.split(line))
    if cur:
        blocks.append(cur)
    return blocks
def gp_var(path, name):
    for line in open(path):
        if line.startswith(name + " = "):
            v = line.split(" = ", 1)[1].strip()
            return v.strip("'") if v.startswith("'") else float(v)
    return None
def estimate(*args):
    out = subprocess.run([LLMCAP, "estimate", *args, "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
def fit(*args):
    out = subprocess.run([LLMCAP, "fit", *args, "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
def devsum(j, key):
    """a memory part over the accelerator devices (the host's when there is none), as curves sums it"""
    devs = j["memory"]["devices"]
    acc = [d for d in devs if not d["is_host"]] or devs
    if key == "other":
        return sum(d["output_bytes"] + d["overhead_bytes"] for d in acc)
    return sum((d[key] or 0) for d in acc)
def images(d, name, title):
    for ext in ("dat", "gp", "png", "svg"):
        check("%s.%s written" % (name, ext), os.path.getsize(os.path.join(d, name + "." + ext)) > 0)
    e = png_ok(os.path.join(d, name + ".png"))
    check("%s.png is a valid 1000x600 PNG" % name, e == "", e)
    e = svg_ok(os.path.join(d, name + ".svg"), title)
    check("%s.svg is valid SVG with its title" % name, e == "", e)
EOF

check "binary $LLMCAP is executable" test -x "$LLMCAP" || { echo "0 passed, 1 failed"; exit 1; }
if ! command -v gnuplot >/dev/null && [ -z "${LLMCAP_GNUPLOT:-}" ]; then
    bad "gnuplot is not installed: install the Debian package gnuplot-nox (make deps)"
    finish
    exit 1
fi

O=$T/plots
M8="--model llama-3.1-8b"

# ---- bits ----
run_ok "bits" curves bits $M8 -c 8192 --hardware rtx-4090,rtx-3090,apple-m2-ultra --out "$O" --format both
check "bits: stdout names the files" grep -q "wrote $O/bits.dat, $O/bits.gp, $O/bits.png, $O/bits.svg" "$T/out"
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "bits", "Llama 3.1 8B: decode speed by quant on")
b = rows(d + "/bits.dat")
check("bits: one block per hardware", len(b) == 3, len(b))
want = ["Q2_K", "Q3_K_S", "Q3_K_M", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0", "F16"]
check("bits: the default quants by bits per weight", [r[0] for r in b[0]] == want, [r[0] for r in b[0]])
check("bits: every block has the same quants", all([r[0] for r in x] == want for x in b))
for blk in b:
    dec = [float(r[2]) for r in blk]
    check("bits %s: decode falls as bits per weight rise" % blk[0][6], all(x > y for x, y in zip(dec, dec[1:])), dec)
# several points against llmcap estimate --json
for bi, qi in [(0, 0), (0, 4), (1, 8), (2, 9), (2, 3)]:
    r = b[bi][qi]
    j = estimate("--model", "llama-3.1-8b", "-c", "8192", "--hardware", r[6], "--quant", r[0])
    name = "bits %s %s" % (r[6], r[0])
    check(name + ": bits per weight = JSON", near(float(r[1]), j["model"]["bits_per_weight"]), (r[1], j["model"]["bits_per_weight"]))
    check(name + ": decode = JSON", near(float(r[2]), j["speed"]["decode_tok_s"]), (r[2], j["speed"]["decode_tok_s"]))
    check(name + ": prefill = JSON", near(float(r[3]), j["speed"]["prefill_tok_s"]), (r[3], j["speed"]["prefill_tok_s"]))
    check(name + ": total GiB = JSON", near(float(r[4]) * GIB, j["memory"]["total_bytes"]), (r[4], j["memory"]["total_bytes"]))
    check(name + ": fits = JSON", (r[5] == "1") == j["fits"], (r[5], j["fits"]))
check("bits.gp: the series names", gp_var(d + "/bits.gp", "n_series") == 3)
gp = open(d + "/bits.gp").read()
check("bits.gp holds plots/style.gp and plots/bits.gp", open(os.environ["REPO"] + "/plots/style.gp").read() in gp
      and open(os.environ["REPO"] + "/plots/bits.gp").read() in gp)
EOF

# the script redraws by hand, in its folder, in either format
mkdir -p "$T/redraw" && cp "$O/bits.dat" "$O/bits.gp" "$T/redraw/"
(cd "$T/redraw" && gnuplot bits.gp && gnuplot -e "fmt='svg'" bits.gp) 2>"$T/err"
check "bits.gp redraws bits.png and bits.svg by hand" test -s "$T/redraw/bits.png" -a -s "$T/redraw/bits.svg" -a ! -s "$T/err"

# a quant list, and a GGUF model
run_ok "bits --quant list" curves bits $M8 --hardware rtx-4090 --quant Q8_0,Q4_0 --out "$T/q" --format png
py <<'EOF'
from chk import *
b = rows(T + "/q/bits.dat")
check("bits --quant: the given quants, by bits per weight", [r[0] for r in b[0]] == ["Q4_0", "Q8_0"], b)
check("bits --format png: no SVG", not os.path.exists(T + "/q/bits.svg") and os.path.exists(T + "/q/bits.png"))
EOF

# ---- context ----
run_ok "context" curves context $M8 -fa on --hardware rtx-4090 --out "$O" --format both
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "context-speed", "Llama 3.1 8B Q4_K_M on GeForce RTX 4090: speed against context depth")
images(d, "context-memory", "Llama 3.1 8B Q4_K_M on GeForce RTX 4090: memory against n_ctx")
s = rows(d + "/context-speed.dat")[0]
m = rows(d + "/context-memory.dat")[0]
depths = [int(r[0]) for r in s]
check("context: default range 512..n_ctx_train (131072) in powers of 2", depths == [512 * 2 ** i for i in range(9)], depths)
check("context-memory: the same n_ctx values", [int(r[0]) for r in m] == depths)
dec = [float(r[2]) for r in s]
check("context: decode falls with depth", all(x > y for x, y in zip(dec, dec[1:])), dec)
for i in (0, 4, 8):
    r = s[i]
    j = estimate("--model", "llama-3.1-8b", "-fa", "on", "--hardware", "rtx-4090", "-d", r[0])
    check("context-speed depth %s: n_ctx = JSON" % r[0], int(r[1]) == j["input"]["n_ctx"], (r[1], j["input"]["n_ctx"]))
    check("context-speed depth %s: decode = JSON" % r[0], near(float(r[2]), j["speed"]["decode_tok_s"]), (r[2], j["speed"]["decode_tok_s"]))
    check("context-speed depth %s: prefill = JSON" % r[0], near(float(r[3]), j["speed"]["prefill_tok_s"]), (r[3], j["speed"]["prefill_tok_s"]))
for i in (0, 3, 6, 8):
    r = m[i]
    j = estimate("--model", "llama-3.1-8b", "-fa", "on", "--hardware", "rtx-4090", "-c", r[0])
    name = "context-memory n_ctx %s" % r[0]
    for col, key in ((1, "weights_bytes"), (2, "kv_bytes"), (3, "compute_bytes"), (4, "other"), (5, "total_bytes"), (6, "capacity_bytes")):
        check(name + ": %s = JSON" % key, near(float(r[col]) * GIB, devsum(j, key)), (r[col], devsum(j, key)))
    # Llama 3.1 8B: 32 layers x (K + V) x 8 KV heads x 128 x 2 bytes (f16) per token = 131072 bytes
    check(name + ": KV = 131072 bytes per token", near(float(r[2]) * GIB, 131072 * int(r[0])), r[2])
    check(name + ": parts add up to the total", near(sum(float(x) for x in r[1:5]), float(r[5]), 1e-8), r)
check("context-memory.gp: capacity 24 GiB", gp_var(d + "/context-memory.gp", "capacity_gib") == 24)
EOF
run_ok "context --range --points" curves context $M8 --hardware rtx-4090 -c 16384 --range 1024:16384 --points 3 --out "$T/c2" --format svg
py <<'EOF'
from chk import *
s = rows(T + "/c2/context-speed.dat")[0]
check("context --range 1024:16384 --points 3: log-spaced", [int(r[0]) for r in s] == [1024, 4096, 16384], s)
check("context: n_ctx as given (-c 16384)", all(r[1] == "16384" for r in s), s)
EOF

# ---- offload ----
run_ok "offload" curves offload --model llama-3.1-70b -c 8192 --hardware rtx-4090 --host cpu-ddr5-6400-2ch --out "$O" --format both
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "offload", "Llama 3.1 70B Q4_K_M on GeForce RTX 4090: decode against offloaded layers")
o = rows(d + "/offload.dat")[0]
check("offload: default range 0..n_layer+1 (81)", [int(r[0]) for r in o] == list(range(82)), len(o))
args = ["--model", "llama-3.1-70b", "-c", "8192", "--hardware", "rtx-4090", "--host", "cpu-ddr5-6400-2ch"]
f = fit(*args)
mx = gp_var(d + "/offload.gp", "max_ngl")
check("offload: the VRAM limit is llmcap fit's max_ngl", mx == f["max_ngl"] and 0 < mx < 81, (mx, f["max_ngl"]))
check("offload: points up to the limit fit, past it do not",
      all((r[6] == "1") == (int(r[0]) <= mx) for r in o), [(r[0], r[6]) for r in o])
check("offload: GPU memory within capacity exactly up to the limit",
      all((float(r[3]) <= float(r[4])) == (int(r[0]) <= mx) for r in o))
for i in (0, 20, int(mx), int(mx) + 1, 81):
    r = o[i]
    j = estimate(*args, "-ngl", r[0])
    name = "offload -ngl %s" % r[0]
    check(name + ": decode = JSON", near(float(r[1]), j["speed"]["decode_tok_s"]), (r[1], j["speed"]["decode_tok_s"]))
    check(name + ": prefill = JSON", near(float(r[2]), j["speed"]["prefill_tok_s"]), (r[2], j["speed"]["prefill_tok_s"]))
    check(name + ": GPU GiB = JSON", near(float(r[3]) * GIB, devsum(j, "total_bytes")), (r[3], devsum(j, "total_bytes")))
    host = sum(x["total_bytes"] for x in j["memory"]["devices"] if x["is_host"])
    check(name + ": host GiB = JSON", near(float(r[5]) * GIB, host), (r[5], host))
EOF
run_ok "offload --range with step" curves offload $M8 -c 8192 --hardware rtx-4090 --range 10:20:5 --out "$T/o2" --format png
py <<'EOF'
from chk import *
o = rows(T + "/o2/offload.dat")[0]
check("offload --range 10:20:5", [int(r[0]) for r in o] == [10, 15, 20], o)
check("offload: every layer fits, the limit is n_layer+1", gp_var(T + "/o2/offload.gp", "max_ngl") == 33)
EOF

# ---- batch ----
run_ok "batch" curves batch $M8 -c 32768 -fa on --hardware rtx-4090 --out "$O" --format both
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "batch", "Llama 3.1 8B Q4_K_M on GeForce RTX 4090: decode with parallel sequences")
b = rows(d + "/batch.dat")[0]
check("batch: default range 1..64 in powers of 2", [int(r[0]) for r in b] == [1, 2, 4, 8, 16, 32, 64], b)
agg = [float(r[1]) for r in b]
per = [float(r[2]) for r in b]
check("batch: aggregate rises with sequences", all(x < y for x, y in zip(agg, agg[1:])), agg)
check("batch: per-sequence never rises", all(x >= y for x, y in zip(per, per[1:])), per)
for i in (0, 3, 6):
    r = b[i]
    j = estimate("--model", "llama-3.1-8b", "-c", "32768", "-fa", "on", "--hardware", "rtx-4090", "-np", r[0])
    name = "batch -np %s" % r[0]
    check(name + ": aggregate = JSON", near(float(r[1]), j["speed"]["decode_agg_tok_s"]), (r[1], j["speed"]["decode_agg_tok_s"]))
    check(name + ": per sequence = aggregate / n_seq", near(float(r[2]) * int(r[0]), j["speed"]["decode_agg_tok_s"]))
    check(name + ": one sequence = JSON decode", near(float(r[3]), j["speed"]["decode_tok_s"]))
    check(name + ": memory = JSON", near(float(r[4]) * GIB, devsum(j, "total_bytes")))
    check(name + ": fits = JSON", (r[6] == "1") == j["fits"])
EOF

# ---- hardware ----
run_ok "hardware" curves hardware --model qwen2.5-32b -c 16384 -fa on --out "$O" --format both
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "hardware", "Qwen2.5 32B Q4_K_M on 11 devices: speed and fit")
h = rows(d + "/hardware.dat")[0]
check("hardware: the 11 default devices", len(h) == 11 and h[3][0] == "rtx-4090", [r[0] for r in h])
check("hardware: some fit and some do not", {r[6] for r in h} == {"0", "1"}, [r[6] for r in h])
for i in (0, 3, 7, 10):
    r = h[i]
    j = estimate("--model", "qwen2.5-32b", "-c", "16384", "-fa", "on", "--hardware", r[0])
    name = "hardware %s" % r[0]
    check(name + ": decode = JSON", near(float(r[2]), j["speed"]["decode_tok_s"]), (r[2], j["speed"]["decode_tok_s"]))
    check(name + ": prefill = JSON", near(float(r[3]), j["speed"]["prefill_tok_s"]))
    check(name + ": memory = JSON", near(float(r[4]) * GIB, devsum(j, "total_bytes")))
    check(name + ": capacity = JSON", near(float(r[5]) * GIB, devsum(j, "capacity_bytes")))
    check(name + ": fits = JSON", (r[6] == "1") == j["fits"], (r[6], j["fits"]))
    check(name + ": bound = JSON", r[8] == j["speed"]["bound"])
EOF
run_ok "hardware list with 2 GPUs" curves hardware $M8 --hardware rtx-3090,h100-sxm --gpus 2 --out "$T/h2" --format png
py <<'EOF'
from chk import *
h = rows(T + "/h2/hardware.dat")[0]
check("hardware --gpus 2: names say 2 x", [r[1] for r in h] == ["2 x GeForce RTX 3090", "2 x H100 SXM5 80GB"], h)
j = estimate("--model", "llama-3.1-8b", "--hardware", "rtx-3090", "--gpus", "2")
check("hardware --gpus 2: capacity of both GPUs", near(float(h[0][5]) * GIB, devsum(j, "capacity_bytes")) and near(float(h[0][5]), 48))
EOF

# ---- validation ----
cat >"$T/runs.csv" <<'EOF'
source,source_kind,hardware,backend,mem_bw_gbps,model,model_size,model_size_unit,params_b,quant,test,tokens_per_s,stddev,engine,build,notes
test,primary,RTX 4090,CUDA,,llama-3.1-8b,,,,Q4_K_M,tg128,130.6,,llama.cpp llama-bench,,
test,primary,RTX 4090,CUDA,,llama-3.1-8b,,,,Q4_K_M,pp512,7139,,llama.cpp llama-bench,,
test,primary,RTX 3090,CUDA,,llama-3.1-8b,,,,Q8_0,tg128,90.1,,llama.cpp llama-bench,,
test,primary,M2 Ultra,Metal,,llama-3.1-8b,,,,Q4_K_M,tg128,70,,llama.cpp llama-bench,,
test,primary,M2 Ultra,Metal,,llama-3.1-8b,,,,Q4_K_M,pp512,1100,,llama.cpp llama-bench,,
EOF
{ head -3 "$T/runs.csv"
  echo "test,primary,RTX 4090,CUDA,,llama-3.1-8b,,,,Q4_K_M,tg128,abc,,llama.cpp llama-bench,,"
  sed -n 4,5p "$T/runs.csv"
  echo "test,primary,RTX 4090,CUDA,,llama-3.1-8b,,,,Q4_K_M,tg128,-5,,llama.cpp llama-bench,,"
  sed -n 6p "$T/runs.csv"; } >"$T/badruns.csv"
run_ok "validation" curves validation --runs "$T/runs.csv" --out "$O" --format both
check "validation: stdout counts the runs" grep -q "5 runs read, 0 bad rows skipped, 5 predicted" "$T/out"
py <<'EOF'
from chk import *
d = T + "/plots"
images(d, "validation", "Predicted against measured tokens/s: 5 runs from runs.csv")
images(d, "validation-error", "Error of the predictions")
v = rows(d + "/validation.dat")
check("validation: one block per backend, CUDA then Metal", [b[0][8] for b in v] == ["CUDA", "Metal"], v)
check("validation: gp names the backends", gp_var(d + "/validation.gp", "n_series") == 2)
allr = [r for b in v for r in b]
check("validation: 5 points", len(allr) == 5)
for r in allr:
    hw, model, quant, test = r[5], r[6], r[7], r[4]
    j = estimate("--model", model, "--hardware", hw, "--quant", quant, "-n", "128", "-p", "512")
    want = j["speed"]["decode_tok_s"] if test.startswith("tg") else j["speed"]["prefill_tok_s"]
    name = "validation %s %s %s" % (hw, quant, test)
    check(name + ": predicted = estimate JSON", near(float(r[1]), want), (r[1], want))
    # (the error is of the unrounded prediction; the column is rounded to 1/1000 tokens/s)
    check(name + ": error % = (predicted - measured) / measured",
          abs(float(r[2]) - (float(r[1]) - float(r[0])) / float(r[0]) * 100) < 1e-3, r)
h = rows(d + "/validation-error.dat")[0]
check("validation-error: 40 bins of 5% over -100..100", len(h) == 40 and h[0][0] == "-100.0" and h[-1][1] == "100.0", h[:2])
check("validation-error: counts add up to 3 decode and 2 prefill runs",
      sum(int(r[4]) for r in h) == 3 and sum(int(r[3]) for r in h) == 2)
for r in allr:
    e, cls = float(r[2]), int(r[3])
    k = min(max(int((e + 100) // 5), 0), 39)
    check("validation-error: run with error %.2f%% in bin %d" % (e, k), int(h[k][3 + cls]) >= 1)
EOF

# bad rows: reported with file:line and skipped; --strict: an error and no files
run "curves" validation --runs "$T/badruns.csv" --out "$T/vb" --format png
check "validation with bad rows: exit 0" test "$RC" = 0
check "validation with bad rows: line 4 reported" grep -q "badruns.csv:4: .*abc.*skipped" "$T/err"
check "validation with bad rows: line 7 reported" grep -q "badruns.csv:7: .*skipped" "$T/err"
check "validation with bad rows: two lines on stderr" test "$(wc -l <"$T/err")" = 2
check "validation with bad rows: 5 predicted" grep -q "5 runs read, 2 bad rows skipped, 5 predicted" "$T/out"
check "validation with bad rows: images written" test -s "$T/vb/validation.png" -a -s "$T/vb/validation-error.png"
run_bad "validation --strict with bad rows" 2 "badruns.csv:4:" curves validation --runs "$T/badruns.csv" --strict --out "$T/vs"
empty_dir "validation --strict: nothing written" "$T/vs"
# the engine's bench JSON (llmcap-engine bench -o json) as runs
if [ -f data/measured/h200-webgpu/llama-3.1-8b-Q4_0.json ]; then
    run_ok "validation of engine bench JSON" curves validation --runs data/measured/h200-webgpu/llama-3.1-8b-Q4_0.json --out "$T/ve"
    py <<'EOF'
from chk import *
v = rows(T + "/ve/validation.dat")
check("validation engine JSON: pp512 and tg128 on h200-sxm", sorted(r[4] for b in v for r in b) == ["pp512", "tg128"]
      and all(r[5] == "h200-sxm" and r[8] == "WebGPU" for b in v for r in b), v)
EOF
fi

# ---- bad input: clear message, exit 2, nothing written ----
B=$T/badout
run_bad "unknown kind" 2 "unknown kind 'speed' (bits, context, offload, batch, hardware, validation)" curves speed $M8 --hardware rtx-4090 --out "$B"
run_bad "no kind" 2 "which kind" curves $M8 --hardware rtx-4090 --out "$B"
run_bad "no --out" 2 "give --out DIR" curves batch $M8 --hardware rtx-4090
run_bad "empty range" 2 "empty range '4096:1024'" curves context $M8 --hardware rtx-4090 --range 4096:1024 --out "$B"
run_bad "bad range" 2 "bad --range '1:x'" curves batch $M8 --hardware rtx-4090 --range 1:x --out "$B"
run_bad "zero step" 2 "bad --range '1:64:0'" curves batch $M8 --hardware rtx-4090 --range 1:64:0 --out "$B"
run_bad "log range from 0" 2 "must start at 1 or more" curves batch $M8 --hardware rtx-4090 --range 0:8 --out "$B"
run_bad "offload past n_layer+1" 2 "range end 40 is past the largest n_gpu_layers" curves offload $M8 --hardware rtx-4090 --range 0:40 --out "$B"
run_bad "--points 0" 2 "--points '0' must be an integer" curves batch $M8 --hardware rtx-4090 --points 0 --out "$B"
run_bad "range with bits" 2 "--range and --points are for context" curves bits $M8 --hardware rtx-4090 --range 1:2 --out "$B"
run_bad "list where one value goes" 2 "--hardware takes one value here" curves offload $M8 --hardware rtx-4090,rtx-3090 --out "$B"
run_bad "swept option given" 2 "give --range LO:HI instead of -ngl" curves offload $M8 --hardware rtx-4090 -ngl 10 --out "$B"
run_bad "unknown hardware in a list" 2 "unknown hardware 'rtx-9090'" curves bits $M8 --hardware rtx-4090,rtx-9090 --out "$B"
run_bad "unknown quant in a list" 2 "unknown quant 'Q9_X'" curves bits $M8 --hardware rtx-4090 --quant Q4_K_M,Q9_X --out "$B"
run_bad "bad format" 2 "unknown --format 'jpg'" curves bits $M8 --hardware rtx-4090 --format jpg --out "$B"
run_bad "depth past n_ctx" 2 "depth 8192 exceeds n_ctx 4096" curves context $M8 --hardware rtx-4090 -c 4096 --range 512:8192 --out "$B"
run_bad "offload on a CPU" 2 "is a CPU platform" curves offload $M8 --hardware cpu-ddr5-5600-2ch --out "$B"
run_bad "validation without --runs" 2 "give the measured runs with --runs FILE" curves validation --out "$B"
run_bad "runs file missing" 1 "cannot open '$T/nope.csv'" curves validation --runs "$T/nope.csv" --out "$B"
printf 'not,a,runs,file\n1,2,3,4\n' >"$T/junk.csv"
run "curves" validation --runs "$T/junk.csv" --out "$B"
check "runs file in no known format: exit 2" test "$RC" = 2
check "runs file in no known format: one message naming the file" grep -q "junk.csv" "$T/err"
run_bad "--strict outside validation" 2 "--runs and --strict are for curves validation" curves batch $M8 --hardware rtx-4090 --strict --out "$B"
empty_dir "bad input: nothing written" "$B"

# ---- gnuplot missing or failing: a clear message, no (half-written) image ----
mkdir -p "$T/keep" && echo old >"$T/keep/batch.png"
LLMCAP_GNUPLOT=$T/no-such-gnuplot run_bad "missing gnuplot" 1 "gnuplot not found.*install the Debian package gnuplot-nox (make deps)" \
    curves batch $M8 --hardware rtx-4090 --out "$T/keep"
check "missing gnuplot: the old image is kept" test "$(cat "$T/keep/batch.png")" = old
check "missing gnuplot: nothing else written" test "$(ls -A "$T/keep")" = batch.png
PATH=/nonexistent-bin "$LLMCAP" curves batch $M8 --hardware rtx-4090 --out "$T/nopath" >"$T/out" 2>"$T/err"; RC=$?
check "gnuplot not on PATH: exit 1" test "$RC" = 1
check "gnuplot not on PATH: the message names the package" \
    grep -q "gnuplot not found: install the Debian package gnuplot-nox (make deps)" "$T/err"
empty_dir "gnuplot not on PATH: nothing written" "$T/nopath"
# a gnuplot that writes half an image, complains and fails
cat >"$T/halfplot" <<'EOF'
#!/bin/sh
printf '\211PNG\r\n\032\nhalf' > batch.png
echo "halfplot: out of ink" >&2
exit 3
EOF
chmod +x "$T/halfplot"
LLMCAP_GNUPLOT=$T/halfplot run_bad "failing gnuplot" 1 "gnuplot failed on batch.gp (exit status 3)" \
    curves batch $M8 --hardware rtx-4090 --out "$T/keep"
check "failing gnuplot: its stderr is shown" grep -q "halfplot: out of ink" "$T/err"
check "failing gnuplot: the old image is kept, no half image" test "$(cat "$T/keep/batch.png")" = old
check "failing gnuplot: no data, script or staging folder left" test "$(ls -A "$T/keep")" = batch.png
# the second plot of a kind failing takes the first one's files back too
cat >"$T/failsecond" <<EOF
#!/bin/sh
case "\$3" in context-memory.gp) echo "failsecond: no" >&2; exit 1;; esac
exec $(command -v gnuplot) "\$@"
EOF
chmod +x "$T/failsecond"
LLMCAP_GNUPLOT=$T/failsecond run_bad "second plot fails" 1 "gnuplot failed on context-memory.gp" \
    curves context $M8 --hardware rtx-4090 --out "$T/two"
empty_dir "second plot fails: the first plot's files are not left either" "$T/two"

# ---- help ----
run_ok "curves --help" curves --help
check "curves --help lists every kind" grep -q "validation" "$T/out"
run_ok "llmcap --help lists curves" --help
check "llmcap --help: curves line" grep -q "^  curves " "$T/out"

finish
