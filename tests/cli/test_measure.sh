#!/usr/bin/env bash
# tests/cli/test_measure.sh - bench/measure.sh (make measure) on the tiny shape
# with MEASURE_QUICK=1 (pp16, tg8, 2 repetitions), into a temporary folder.
#
# Checks: the rows are valid JSON lines carrying the machine (CPU, cores,
# threads, RAM equal to /proc/meminfo's MemTotal, OS, kernel = uname -r), the
# build (commit = git HEAD, compiler), the triad bandwidth, the model shape and
# type, and tokens/s consistent with the samples; a second run appends and keeps
# the earlier lines byte for byte; bad options and values stop with exit 2 and a
# message naming them before anything is written; an engine that fails or
# writes a broken line leaves runs.jsonl as it was and no temporary file; WebGPU
# rows (MEASURE_WEBGPU=1) go to their own folder when an adapter opens.
# Run from the repository root; LLMCAP_ENGINE selects the engine (default
# build/llmcap-engine). Needs python3. Last line: "N passed, N failed".
set -u

ENG=${LLMCAP_ENGINE:-build/llmcap-engine}
case $ENG in /*) ;; *) ENG=$PWD/$ENG ;; esac
export LLMCAP_ENGINE=$ENG
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-measure-test
# lavapipe keeps a block LeakSanitizer reports once the driver unloads (see test_engine_webgpu.sh)
if [ -n "${SANITIZED:-}" ]; then export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; fi

OUT=$T/out
export MEASURE_OUT=$OUT MEASURE_MODEL_DIR=$T/models MEASURE_QUICK=1 MEASURE_WEBGPU=0 MEASURE_MACHINE=test-box
RC=0
# measure ARGS...: bench/measure.sh with stdout/stderr in $T/stdout, $T/stderr
measure() { bash bench/measure.sh "$@" >"$T/stdout" 2>"$T/stderr"; RC=$?; }
# refused NAME PATTERN ENV... -- ARGS: exit 2, PATTERN on stderr, runs.jsonl unchanged
refused() {
    local name=$1 pat=$2; shift 2
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local before
    before=$(cksum <"$OUT/test-box/runs.jsonl")
    env "${envs[@]}" bash bench/measure.sh "$@" >"$T/stdout" 2>"$T/stderr"
    RC=$?
    if [ "$RC" = 2 ] && grep -q -- "$pat" "$T/stderr"; then ok; else bad "$name: exit $RC, stderr: $(head -c 300 "$T/stderr")"; fi
    [ "$(cksum <"$OUT/test-box/runs.jsonl")" = "$before" ] && ok || bad "$name: runs.jsonl changed"
}

# ---- a first run ----
measure
[ "$RC" = 0 ] && ok || bad "quick run: exit $RC: $(tail -c 400 "$T/stderr")"
[ -f "$OUT/test-box/runs.jsonl" ] && [ -f "$OUT/test-box/machine.txt" ] && [ -f "$OUT/test-box/sessions.log" ] && ok ||
    bad "missing files: $(ls "$OUT/test-box" 2>&1)"
grep -q '^tiny Q8_0 .* tg8 ' "$T/stdout" && ok || bad "no summary row: $(tail -5 "$T/stdout")"
cp "$OUT/test-box/runs.jsonl" "$T/first.jsonl"
HEAD_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
MEMTOTAL=$(awk '/^MemTotal:/ {printf "%.0f\n", $2 * 1024}' /proc/meminfo)
NPROC=$(getconf _NPROCESSORS_ONLN)
CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
export HEAD_COMMIT MEMTOTAL NPROC CPU

# the Python checks print "ok NAME" or "FAIL NAME: detail"
pycheck() {
    local out
    out=$(python3 - "$@" 2>&1)
    while IFS= read -r l; do
        case $l in ok\ *) ok ;; FAIL*) bad "${l#FAIL }" ;; *) bad "python: $l" ;; esac
    done <<<"$out"
}

pycheck "$OUT/test-box/runs.jsonl" <<'EOF'
import json, os, sys, math, platform
def check(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:300]))
lines = open(sys.argv[1]).read().split("\n")
check("ends with a newline", lines[-1] == "", repr(lines[-1][:80]))
rows = [json.loads(l) for l in lines if l]
check("two rows (pp16, tg8)", len(rows) == 2 and [(r["n_prompt"], r["n_gen"]) for r in rows] == [(16, 0), (0, 8)],
      [(r.get("n_prompt"), r.get("n_gen")) for r in rows])
for r in rows:
    t = "pp" if r["n_prompt"] else "tg"
    check(t + " machine_id", r["machine_id"] == "test-box", r.get("machine_id"))
    check(t + " model_shape/name/type", r["model_shape"] == "tiny" and r["model_name"] == "synthetic-tiny-llama"
          and r["model_ftype"] == "Q8_0", (r.get("model_shape"), r.get("model_name"), r.get("model_ftype")))
    check(t + " cpu_info", r["cpu_info"] == (os.environ["CPU"] or "unknown CPU"), r.get("cpu_info"))
    check(t + " cpu_threads", r["cpu_threads"] == int(os.environ["NPROC"]) == r["n_threads"],
          (r.get("cpu_threads"), r.get("n_threads")))
    check(t + " cpu_cores", 1 <= r["cpu_cores"] <= r["cpu_threads"], r.get("cpu_cores"))
    check(t + " mem_total_bytes", r["mem_total_bytes"] == int(os.environ["MEMTOTAL"]), r.get("mem_total_bytes"))
    check(t + " kernel", r["kernel"] == platform.system() + " " + platform.release(), r.get("kernel"))
    check(t + " arch", r["arch"] == platform.machine(), r.get("arch"))
    check(t + " os", isinstance(r["os"], str) and len(r["os"]) > 0, r.get("os"))
    check(t + " build_commit", r["build_commit"] == os.environ["HEAD_COMMIT"], r.get("build_commit"))
    check(t + " build_compiler", r["build_compiler"].split(" ")[0] in ("gcc", "clang"), r.get("build_compiler"))
    check(t + " build_flags", "-O" in r["build_flags"], r.get("build_flags"))
    check(t + " backend", r["backend"] == "cpu" and r["simd"] in ("scalar", "avx2", "avx512"), (r.get("backend"), r.get("simd")))
    # the triad of 16 MiB arrays (cache-sized in quick mode): positive, finite, below 10 TB/s
    check(t + " mem_bw_gbps", 0.5 < r["mem_bw_gbps"] < 10000, r.get("mem_bw_gbps"))
    s = r["samples_ts"]
    mean = sum(s) / len(s)
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / (len(s) - 1))
    check(t + " avg_ts = mean of samples (1e-9)", len(s) == 2 and abs(r["avg_ts"] - mean) <= 1e-9 * mean, (r["avg_ts"], s))
    check(t + " stddev_ts = sample sd (1e-6)", abs(r["stddev_ts"] - sd) <= 1e-6 * mean, (r["stddev_ts"], sd))
    check(t + " latency p50 <= p95", 0 < r["latency_p50_ms"] <= r["latency_p95_ms"], (r["latency_p50_ms"], r["latency_p95_ms"]))
    # the weights are mapped and read: peak RSS at least the weight bytes, at most 4x file + KV + 64 MiB
    check(t + " peak_rss_bytes", r["model_size"] <= r["peak_rss_bytes"] <= 4 * (r["model_file_bytes"] + r["kv_bytes"]) + (64 << 20),
          (r["peak_rss_bytes"], r["model_size"]))
tg = rows[1]
# eff_gbps = bytes read per token x tokens/s: between the non-embedding weights and all weights
check("eff_gbps / avg_ts within the weight bytes", 0.5 * tg["model_size"] <= tg["eff_gbps"] / tg["avg_ts"] * 1e9 <= tg["model_size"] * (1 + 1e-9),
      (tg["eff_gbps"], tg["avg_ts"], tg["model_size"]))
EOF

grep -q '^## lscpu' "$OUT/test-box/machine.txt" && grep -q -F "$(uname -r)" "$OUT/test-box/machine.txt" && ok ||
    bad "machine.txt lacks lscpu or the kernel: $(head -5 "$OUT/test-box/machine.txt")"
[ "$(wc -l <"$OUT/test-box/sessions.log")" = 1 ] && grep -q "build $HEAD_COMMIT" "$OUT/test-box/sessions.log" && ok ||
    bad "sessions.log: $(cat "$OUT/test-box/sessions.log")"
[ "$(stat -c %a "$OUT/test-box/runs.jsonl")" != 600 ] && ok || bad "runs.jsonl is private (mode 600)"

# ---- a second run appends ----
measure
[ "$RC" = 0 ] && ok || bad "second run: exit $RC: $(tail -c 400 "$T/stderr")"
[ "$(wc -l <"$OUT/test-box/runs.jsonl")" = 4 ] && ok || bad "after two runs: $(wc -l <"$OUT/test-box/runs.jsonl") lines, expected 4"
[ "$(head -n 2 "$OUT/test-box/runs.jsonl" | cksum)" = "$(cksum <"$T/first.jsonl")" ] && ok || bad "the first run's lines changed"
[ "$(wc -l <"$OUT/test-box/sessions.log")" = 2 ] && ok || bad "sessions.log has $(wc -l <"$OUT/test-box/sessions.log") lines"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$OUT/test-box/runs.jsonl" && ok || bad "runs.jsonl is not JSON lines"

# ---- bad options and values: exit 2, a message naming them, nothing written ----
refused "unknown option" "unknown option '--bogus'" -- --bogus
refused "missing value" "option '--reps' needs a value" -- --reps
refused "reps 0" "reps (MEASURE_REPS) must be an integer in 1..1000, not '0'" MEASURE_REPS=0 --
refused "reps text" "not 'abc'" -- --reps abc
refused "threads negative" "threads (MEASURE_THREADS) must be an integer in 1..512, not '-2'" MEASURE_THREADS=-2 --
refused "pp and tg 0" "pp and tg are both 0" -- --pp 0 --tg 0
refused "webgpu value" "must be auto, 0 or 1, not 'maybe'" MEASURE_WEBGPU=maybe --
refused "quick value" "MEASURE_QUICK must be 0 or 1" MEASURE_QUICK=yes --
refused "model without type" "model 'tiny' is not SHAPE:TYPE" "MEASURE_MODELS=tiny" --
refused "machine with a slash" "machine (MEASURE_MACHINE) '../up' is not a folder name" -- --machine ../up
refused "unknown shape" "no-such-shape" MEASURE_MACHINE=test-box "MEASURE_MODELS=tiny:Q8_0 no-such-shape:Q4_0" --
refused "unknown type" "Q9_9" "MEASURE_MODELS=tiny:Q9_9" --
[ ! -e "$OUT/up" ] && [ ! -e "$T/up" ] && ok || bad "a folder was made for a refused machine name"
# a bad shape in a new folder: the folder is not created
env MEASURE_MACHINE=fresh "MEASURE_MODELS=no-such-shape:Q4_0" bash bench/measure.sh >/dev/null 2>&1
[ ! -e "$OUT/fresh" ] && ok || bad "a refused run created $OUT/fresh"
bash bench/measure.sh --help >"$T/stdout" 2>&1 && grep -q MEASURE_MODELS "$T/stdout" && ok || bad "--help: $(head -3 "$T/stdout")"

# ---- a failing engine: runs.jsonl unchanged, no temporary file ----
# fake engines: mkmodel and --version pass through; bench writes a broken line, or fails midway
cat >"$T/broken-engine" <<EOF
#!/usr/bin/env bash
if [ "\$1" = bench ]; then "$ENG" "\$@" | head -n 1; echo '{"avg_ts": 1, "n_prompt": 0, "n_gen": 8, "model'; exit 0; fi
exec "$ENG" "\$@"
EOF
cat >"$T/failing-engine" <<EOF
#!/usr/bin/env bash
if [ "\$1" = bench ]; then "$ENG" "\$@" | head -n 1; echo "llmcap-engine: disk on fire" >&2; exit 1; fi
exec "$ENG" "\$@"
EOF
chmod +x "$T/broken-engine" "$T/failing-engine"
cp "$OUT/test-box/runs.jsonl" "$T/before.jsonl"
LLMCAP_ENGINE=$T/broken-engine bash bench/measure.sh >"$T/stdout" 2>"$T/stderr"
RC=$?
[ "$RC" = 1 ] && grep -q 'not JSON' "$T/stderr" && ok || bad "broken engine line: exit $RC, $(head -c 300 "$T/stderr")"
cmp -s "$OUT/test-box/runs.jsonl" "$T/before.jsonl" && ok || bad "a broken engine line changed runs.jsonl"
LLMCAP_ENGINE=$T/failing-engine bash bench/measure.sh >"$T/stdout" 2>"$T/stderr"
RC=$?
[ "$RC" = 1 ] && grep -q 'bench of tiny Q8_0 (cpu) failed' "$T/stderr" && ok || bad "failing engine: exit $RC, $(head -c 300 "$T/stderr")"
cmp -s "$OUT/test-box/runs.jsonl" "$T/before.jsonl" && ok || bad "a failing engine changed runs.jsonl"
[ -z "$(ls -A "$OUT/test-box" | grep -v -x -E 'runs.jsonl|machine.txt|sessions.log')" ] && ok ||
    bad "files left behind: $(ls -A "$OUT/test-box")"

# ---- the default machine id: CPU model and online CPUs ----
env -u MEASURE_MACHINE bash bench/measure.sh >"$T/stdout" 2>"$T/stderr"
RC=$?
id=$(ls "$OUT" | grep -v -x -E 'test-box' | head -n 1)
[ "$RC" = 0 ] && [[ $id =~ ^[a-z0-9.][a-z0-9.-]*-${NPROC}c$ ]] && ok || bad "default machine id '$id' (exit $RC)"

# ---- WebGPU rows in their own folder (when an adapter opens) ----
if "$ENG" mkmodel --shape tiny --type Q8_0 -o "$T/probe.gguf" >/dev/null &&
   "$ENG" bench -m "$T/probe.gguf" -p 0 -n 1 -r 1 --membw-mib 0 --backend webgpu -o jsonl >/dev/null 2>&1; then
    env MEASURE_WEBGPU=1 MEASURE_GPU_MACHINE=test-gpu bash bench/measure.sh >"$T/stdout" 2>"$T/stderr"
    RC=$?
    [ "$RC" = 0 ] && ok || bad "webgpu run: exit $RC, $(tail -c 300 "$T/stderr")"
    pycheck "$OUT/test-gpu/runs.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def check(name, cond, detail=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:300]))
check("webgpu rows", len(rows) == 2 and all(r["backend"] == "webgpu" and r["machine_id"] == "test-gpu"
      and r["gpu_device"] and r["gpu_adapter_type"] and r["avg_ts"] > 0 for r in rows), rows[:1])
EOF
    [ "$(wc -l <"$OUT/test-box/runs.jsonl")" = 6 ] && ok || bad "the CPU rows of the webgpu run: $(wc -l <"$OUT/test-box/runs.jsonl") lines, expected 6"
else
    env MEASURE_WEBGPU=1 bash bench/measure.sh >"$T/stdout" 2>"$T/stderr"
    RC=$?
    [ "$RC" = 1 ] && grep -q 'no WebGPU adapter opens' "$T/stderr" && ok || bad "webgpu 1 without adapter: exit $RC, $(head -c 300 "$T/stderr")"
fi

finish
