#!/usr/bin/env bash
# tests/cli/test_engine_run.sh - integration tests of `llmcap-engine run`,
# `bench` and `tokenize` on the shared tiny models.
#
# Expected values come from llama.cpp's reference outputs
# (../shared/testdata/reference/*.json), read here with Python, not from the
# engine. Bad input must give a non-zero exit, one "llmcap-engine: ..." line on
# stderr naming the problem, and nothing on stdout.
#
# Run from the repository root. LLMCAP_ENGINE selects the binary (default
# build/llmcap-engine). Last line: "N passed, N failed".
set -u

ENG=${LLMCAP_ENGINE:-build/llmcap-engine}
case $ENG in /*) ;; *) ENG=$PWD/$ENG ;; esac
SHARED=${LLMCAP_SHARED:-../shared}
[ -d "$SHARED/testdata" ] || SHARED=/work/shared
M=$SHARED/testdata/models
REF=$SHARED/testdata/reference
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-eng
BIN=$ENG

# expect_ok NAME ARGS...: exit 0
expect_ok() {
    local name=$1; shift
    run "$@"
    if [ "$RC" = 0 ]; then ok; else bad "$name: exit $RC, stderr: $(head -c 300 "$T/err")"; fi
}
# expect_err NAME CODE PATTERN ARGS...: exit CODE, one stderr line matching PATTERN, empty stdout
expect_err() {
    local name=$1 code=$2 pat=$3; shift 3
    run "$@"
    local lines
    lines=$(wc -l <"$T/err")
    if [ "$RC" = "$code" ] && [ "$lines" = 1 ] && grep -q -- "^llmcap-engine: .*$pat" "$T/err" && [ ! -s "$T/out" ]; then
        ok
    else
        bad "$name: exit $RC (want $code), stderr: $(head -c 300 "$T/err"), stdout bytes: $(wc -c <"$T/out")"
    fi
}
refval() { python3 -c "import json,sys; d=json.load(open('$REF/tiny-llama-$1.json')); p=[p for p in d['prompts'] if p['name']=='$2'][0]; print($3)"; }

[ -x "$ENG" ] || { bad "binary $ENG is not executable"; finish; exit 1; }

# --- run: greedy ids equal llama.cpp's on the F32 model (margins >= 0.006 there;
# our F32 logits are within 1e-5 of the reference), all three prompts
for p in hello_world quick_brown_fox synthetic_64; do
    ids=$(refval f32 $p "','.join(map(str,p['token_ids']))")
    want=$(refval f32 $p "' '.join(map(str,p['runs']['kv_f32_fa_off']['greedy_tokens']))")
    expect_ok "run f32 $p" run -m "$M/tiny-llama-f32.gguf" --ids "$ids" -n 16 --print-ids --quiet --ctk f32 -c 512 --ignore-eos -t 2
    got=$(cat "$T/out")
    [ "$got" = "$want" ] && ok || bad "run f32 $p: greedy '$got', llama.cpp '$want'"
done
# the same with the F16 KV cache (llama.cpp's default): hello_world's margins (>= 0.023) exceed the 2.6e-3 change
want=$(refval f32 hello_world "' '.join(map(str,p['runs']['llamacpp_default']['greedy_tokens']))")
expect_ok "run f32 f16-kv" run -m "$M/tiny-llama-f32.gguf" -p "Hello world" -n 16 --print-ids --quiet --ignore-eos
[ "$(cat "$T/out")" = "$want" ] && ok || bad "run f16 kv: '$(cat "$T/out")' vs '$want'"

# text mode: the prompt is echoed, then the pieces of the greedy tokens
want=$(refval f32 hello_world "bytes.fromhex(p['runs']['kv_f32_fa_off']['greedy_text_hex']).decode('utf-8','replace')")
expect_ok "run text" run -m "$M/tiny-llama-f32.gguf" -p "Hello world" -n 16 --quiet --ctk f32 --ignore-eos
got=$(cat "$T/out")
[ "$got" = "Hello world$want" ] && ok || bad "run text: '$got' vs 'Hello world$want'"
grep -q "tokens/s" "$T/err" && bad "run --quiet printed timing" || ok
expect_ok "run timing" run -m "$M/tiny-llama-q4_0.gguf" -p "Hello world" -n 4
grep -q "generated 4 tokens" "$T/err" && ok || bad "run timing line: $(cat "$T/err")"

# sampling: a seed reproduces the text; another seed changes it (8 tokens at T=1.5
# over 32000 near-uniform logits: a collision has probability ~1e-30)
expect_ok "sample a" run -m "$M/tiny-llama-q8_0.gguf" -p "Hello" -n 8 --temp 1.5 --top-k 0 --top-p 1 --seed 7 --print-ids --quiet --ignore-eos
cp "$T/out" "$T/a"
expect_ok "sample b" run -m "$M/tiny-llama-q8_0.gguf" -p "Hello" -n 8 --temp 1.5 --top-k 0 --top-p 1 --seed 7 --print-ids --quiet --ignore-eos
cmp -s "$T/a" "$T/out" && ok || bad "same seed gave different tokens"
expect_ok "sample c" run -m "$M/tiny-llama-q8_0.gguf" -p "Hello" -n 8 --temp 1.5 --top-k 0 --top-p 1 --seed 8 --print-ids --quiet --ignore-eos
cmp -s "$T/a" "$T/out" && bad "different seeds gave the same tokens" || ok
[ "$(wc -w <"$T/out")" = 8 ] && ok || bad "sampled token count: $(cat "$T/out")"

# --- tokenize
expect_ok "tokenize" tokenize -m "$M/tiny-llama-q4_0.gguf" -p "The quick brown fox jumps over the lazy dog" --ids-only
want=$(refval q4_0 quick_brown_fox "' '.join(map(str,p['token_ids']))")
[ "$(cat "$T/out")" = "$want" ] && ok || bad "tokenize: '$(cat "$T/out")' vs '$want'"
expect_ok "tokenize pieces" tokenize -m "$M/tiny-llama-q4_0.gguf" -p "Hello world"
grep -q "15043 ' Hello'" "$T/out" && ok || bad "tokenize pieces: $(cat "$T/out")"

# --- bench: llama-bench fields, values consistent with the file
expect_ok "bench json" bench -m "$M/tiny-llama-q4_0.gguf" -p 16 -n 8 -r 2 -t 2 --membw-mib 16 -o json
cp "$T/out" "$T/bench.json"
python3 - "$T/bench.json" "$M/tiny-llama-q4_0.gguf" <<'EOF' >"$T/py" 2>&1
import json, sys, struct
rows = json.load(open(sys.argv[1]))
def chk(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
chk("two rows", len(rows) == 2, rows)
pp, tg = rows
for k in ("model_type", "model_size", "model_n_params", "n_prompt", "n_gen", "n_threads", "avg_ts", "stddev_ts",
          "avg_ns", "samples_ts", "backend", "simd", "mem_bw_gbps", "peak_rss_bytes", "load_ms", "build_commit",
          "cpu_info", "latency_p50_ms", "latency_p95_ms", "type_k", "n_batch"):
    chk("field " + k, k in pp and k in tg, k)
chk("pp16 row", pp["n_prompt"] == 16 and pp["n_gen"] == 0, pp)
chk("tg8 row", tg["n_prompt"] == 0 and tg["n_gen"] == 8, tg)
chk("threads", pp["n_threads"] == 2)
chk("avg_ts positive", pp["avg_ts"] > 0 and tg["avg_ts"] > 0)
chk("avg_ts is the mean of samples", abs(sum(tg["samples_ts"]) / 2 - tg["avg_ts"]) <= 1e-6 * tg["avg_ts"], tg)
chk("avg_ns is the mean of samples_ns", abs(sum(pp["samples_ns"]) / len(pp["samples_ns"]) - pp["avg_ns"]) <= 1, pp)
chk("samples_ts are 16e9 / samples_ns", all(abs(a - 16e9 / b) <= 1e-6 * a for a, b in zip(pp["samples_ts"], pp["samples_ns"])), pp)
chk("model_type", tg["model_type"] == "llama 11M Q4_0", tg["model_type"])
chk("p50 <= p95", 0 < tg["latency_p50_ms"] <= tg["latency_p95_ms"], tg)
chk("bandwidth measured", tg["mem_bw_gbps"] > 0.1, tg["mem_bw_gbps"])
# model_size = sum of tensor bytes, model_n_params = sum of elements: from the header, parsed here
data = open(sys.argv[2], "rb").read()
off = 4
ver, nt, nkv = struct.unpack_from("<IQQ", data, off); off += 20
def rstr():
    global off
    n, = struct.unpack_from("<Q", data, off); off += 8; s = data[off:off+n]; off += n; return s
sizes = {0:1,1:1,2:2,3:2,4:4,5:4,6:4,7:1,10:8,11:8,12:8}
def skip(t):
    global off
    if t == 8: rstr()
    elif t == 9:
        et, n = struct.unpack_from("<IQ", data, off); off += 12
        for _ in range(n): skip(et)
    else: off += sizes[t]
for _ in range(nkv):
    rstr(); t, = struct.unpack_from("<I", data, off); off += 4; skip(t)
params = nbytes = 0
blk = {0: (1, 4), 2: (32, 18), 8: (32, 34)}
for _ in range(nt):
    rstr(); nd, = struct.unpack_from("<I", data, off); off += 4
    ne = struct.unpack_from("<%dQ" % nd, data, off); off += 8 * nd
    t, o = struct.unpack_from("<IQ", data, off); off += 12
    n = 1
    for x in ne: n *= x
    params += n; nbytes += n // blk[t][0] * blk[t][1]
chk("model_n_params", tg["model_n_params"] == params, (tg["model_n_params"], params))
chk("model_size", tg["model_size"] == nbytes, (tg["model_size"], nbytes))
EOF
while IFS= read -r line; do case $line in "ok "*) ok ;; "FAIL "*) bad "bench json: ${line#FAIL }" ;; *) bad "bench json: $line" ;; esac; done <"$T/py"
expect_ok "bench md" bench -m "$M/tiny-llama-q4_0.gguf" -p 8 -n 4 -r 1 -t 1 --membw-mib 0
grep -q "| llama 11M Q4_0 | .* | tg4 |" "$T/out" && ok || bad "bench md: $(cat "$T/out")"
expect_ok "bench csv" bench -m "$M/tiny-llama-q4_0.gguf" -p 8 -n 0 -r 1 -t 1 --membw-mib 0 -o csv
[ "$(wc -l <"$T/out")" = 2 ] && head -1 "$T/out" | grep -q "^model_type,model_size,model_n_params" && ok || bad "bench csv: $(cat "$T/out")"
expect_ok "bench jsonl" bench -m "$M/tiny-llama-q4_0.gguf" -p 8 -n 4 -r 1 -t 1 --membw-mib 0 -o jsonl
[ "$(wc -l <"$T/out")" = 2 ] && python3 -c "import json,sys; [json.loads(l) for l in open('$T/out')]" && ok || bad "bench jsonl"

# --- bad input
head -c 100000 "$M/tiny-llama-q4_0.gguf" >"$T/trunc.gguf"
head -c 7000000 "$M/tiny-llama-q4_0.gguf" >"$T/trunc-data.gguf"
printf 'GGUF\003\000\000\000' >"$T/tiny.gguf"
printf 'not a model at all' >"$T/text.gguf"
expect_err "no model" 2 "no model" run -p hi
expect_err "missing file" 1 "/nonexistent.gguf" run -m /nonexistent.gguf -p hi
expect_err "truncated header" 2 "trunc.gguf" run -m "$T/trunc.gguf" -p hi
expect_err "truncated data" 2 "trunc-data.gguf" run -m "$T/trunc-data.gguf" -p hi
expect_err "short file" 2 "tiny.gguf" run -m "$T/tiny.gguf" -p hi
expect_err "not gguf" 2 "text.gguf" run -m "$T/text.gguf" -p hi
expect_err "vocab-only file" 2 "missing tensor token_embd.weight" run -m "$SHARED/testdata/vocab/ggml-vocab-llama-spm.gguf" -p hi
expect_err "unsupported arch" 2 "unsupported architecture 'gpt2'" run -m "$SHARED/testdata/vocab/ggml-vocab-gpt-2.gguf" -p hi
expect_err "prompt > n_ctx" 2 "more than n_ctx 2" run -m "$M/tiny-llama-q4_0.gguf" -p "Hello world" -c 2
expect_err "threads 0" 2 "-t" run -m "$M/tiny-llama-q4_0.gguf" -p hi -t 0
expect_err "negative n" 2 "-n" run -m "$M/tiny-llama-q4_0.gguf" -p hi -n -1
expect_err "temp nan" 2 "--temp" run -m "$M/tiny-llama-q4_0.gguf" -p hi --temp nan
expect_err "top-p 2" 2 "--top-p" run -m "$M/tiny-llama-q4_0.gguf" -p hi --top-p 2
expect_err "ctx absurd" 2 "-c" run -m "$M/tiny-llama-q4_0.gguf" -p hi -c 99999999999
expect_err "kv type" 2 "q4_0" run -m "$M/tiny-llama-q4_0.gguf" -p hi --ctk q4_0
expect_err "bad id" 2 "--ids" run -m "$M/tiny-llama-q4_0.gguf" --ids 1,32000
expect_err "no prompt" 2 "prompt" run -m "$M/tiny-llama-q4_0.gguf"
expect_err "bench format" 2 "xml" bench -m "$M/tiny-llama-q4_0.gguf" -o xml
expect_err "bench reps" 2 "-r" bench -m "$M/tiny-llama-q4_0.gguf" -r 0
expect_err "bench no test" 2 "no test" bench -m "$M/tiny-llama-q4_0.gguf" -p 0 -n 0
expect_err "bench list" 2 "-p" bench -m "$M/tiny-llama-q4_0.gguf" -p 8,abc
expect_err "unknown command" 2 "unknown command" frobnicate
expect_err "tokenize no text" 2 "no text" tokenize -m "$M/tiny-llama-q4_0.gguf"

finish
