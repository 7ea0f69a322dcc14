#!/usr/bin/env bash
# bench/measure.sh - `make measure`: benchmark llmcap-engine on generated models
# of real shapes on this machine and append the rows to data/measured/<machine>/.
#
# For each SHAPE:TYPE of the list, `llmcap-engine mkmodel` writes the model
# (seeded random weights, kept in the model folder between runs), then
# `llmcap-engine bench -p PP -n TG -r REPS -t THREADS --membw-mib 256 -o jsonl`
# measures prefill (ppPP) and decode (tgTG) on the CPU, with a STREAM triad in
# the same process. Each row (the engine's JSON, see data/measured/README.md)
# gets two fields of ours, machine_id and model_shape, and is appended to
# OUT/MACHINE/runs.jsonl: the rows of one model are written to a temporary file
# in that folder and renamed over runs.jsonl together with the earlier lines
# (copied unchanged), so an interrupted run leaves whole lines only.
# OUT/MACHINE/machine.txt (lscpu, memory, OS, compiler) is rewritten and
# OUT/MACHINE/sessions.log gets one line per session (date, build, command).
#
# WebGPU: with --webgpu auto (the default) the models also run with
# `--backend webgpu` when an adapter that is not a CPU emulation opens (a
# lavapipe/llvmpipe or SwiftShader adapter measures a software rasterizer on
# this CPU and is skipped, unless --webgpu 1); those rows go to
# OUT/<gpu-name>-webgpu/ (--gpu-machine NAME to choose).
#
# Options (each also as an environment variable, for make):
#   --out DIR            MEASURE_OUT      root folder (default data/measured)
#   --machine NAME       MEASURE_MACHINE  folder name (default from the CPU model
#                                         and the online CPU count: amd-epyc-2c)
#   --gpu-machine NAME   MEASURE_GPU_MACHINE  folder of the WebGPU rows
#   --models LIST        MEASURE_MODELS   "SHAPE:TYPE ..." (default below)
#   --pp N --tg N        MEASURE_PP, MEASURE_TG   test lengths (default 512, 128)
#   --reps N             MEASURE_REPS     timed repetitions (default 3)
#   --threads N          MEASURE_THREADS  CPU threads (default: online CPUs)
#   --webgpu auto|0|1    MEASURE_WEBGPU   see above
#   --model-dir DIR      MEASURE_MODEL_DIR  where generated models are kept
#                                         (default build/models)
#   --quick              MEASURE_QUICK=1  the tiny shape at Q8_0, pp16/tg8, 2
#                                         repetitions, 16 MiB triad (tests)
# LLMCAP_ENGINE selects the engine binary (default build/llmcap-engine).
# Needs python3 (checks and adds to each row, prints the summary).
set -euo pipefail

die() { echo "measure.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# the default list: about 10 minutes on 2 cores of an AMD EPYC (23 GiB RAM)
DEFAULT_MODELS="qwen2.5-0.5b:Q4_0 qwen2.5-0.5b:Q8_0 qwen2.5-0.5b:F16 llama-3.2-1b:Q4_0 llama-3.2-1b:Q8_0 llama-3.2-1b:F16 llama-3.2-1b:Q4_K_M llama-3.1-8b:Q4_0"

out=${MEASURE_OUT:-data/measured}
machine=${MEASURE_MACHINE:-}
gpu_machine=${MEASURE_GPU_MACHINE:-}
models=${MEASURE_MODELS:-}
pp=${MEASURE_PP:-}
tg=${MEASURE_TG:-}
reps=${MEASURE_REPS:-}
threads=${MEASURE_THREADS:-}
webgpu=${MEASURE_WEBGPU:-auto}
model_dir=${MEASURE_MODEL_DIR:-build/models}
quick=${MEASURE_QUICK:-0}
eng=${LLMCAP_ENGINE:-build/llmcap-engine}
cmdline=${MEASURE_CMD:-"bench/measure.sh $*"}

need_arg() { [ $# -ge 2 ] || die "option '$1' needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case $1 in
    --out) need_arg "$@"; out=$2; shift 2 ;;
    --machine) need_arg "$@"; machine=$2; shift 2 ;;
    --gpu-machine) need_arg "$@"; gpu_machine=$2; shift 2 ;;
    --models) need_arg "$@"; models=$2; shift 2 ;;
    --pp) need_arg "$@"; pp=$2; shift 2 ;;
    --tg) need_arg "$@"; tg=$2; shift 2 ;;
    --reps) need_arg "$@"; reps=$2; shift 2 ;;
    --threads) need_arg "$@"; threads=$2; shift 2 ;;
    --webgpu) need_arg "$@"; webgpu=$2; shift 2 ;;
    --model-dir) need_arg "$@"; model_dir=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

case $quick in 0|1) ;; *) die "MEASURE_QUICK must be 0 or 1, not '$quick'" ;; esac
if [ "$quick" = 1 ]; then
  : "${models:=tiny:Q8_0}" "${pp:=16}" "${tg:=8}" "${reps:=2}"
  membw_mib=16
else
  : "${models:=$DEFAULT_MODELS}" "${pp:=512}" "${tg:=128}" "${reps:=3}"
  membw_mib=256
fi
: "${threads:=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)}"

# positive integer within [lo, hi]
int_in() {
  local name=$1 v=$2 lo=$3 hi=$4
  [[ $v =~ ^[0-9]+$ ]] && [ ${#v} -le 7 ] && [ "$v" -ge "$lo" ] && [ "$v" -le "$hi" ] ||
    die "$name must be an integer in $lo..$hi, not '$v'"
}
int_in "pp (MEASURE_PP)" "$pp" 0 65536
int_in "tg (MEASURE_TG)" "$tg" 0 65536
int_in "reps (MEASURE_REPS)" "$reps" 1 1000
int_in "threads (MEASURE_THREADS)" "$threads" 1 512
[ "$pp" -gt 0 ] || [ "$tg" -gt 0 ] || die "pp and tg are both 0: nothing to measure"
case $webgpu in auto|0|1) ;; *) die "webgpu (MEASURE_WEBGPU) must be auto, 0 or 1, not '$webgpu'" ;; esac
name_ok() { [[ $2 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$ ]] || die "$1 '$2' is not a folder name (letters, digits, '.', '_', '-')"; }
[ -n "$machine" ] && name_ok "machine (MEASURE_MACHINE)" "$machine"
[ -n "$gpu_machine" ] && name_ok "gpu machine (MEASURE_GPU_MACHINE)" "$gpu_machine"
specs=()
read -r -a words <<<"$models" || true   # split on blanks, no file name expansion
for spec in "${words[@]}"; do
  [[ $spec =~ ^[A-Za-z0-9._-]+:[A-Za-z0-9_]+$ ]] || die "model '$spec' is not SHAPE:TYPE (e.g. llama-3.2-1b:Q4_0)"
  specs+=("$spec")
done
[ ${#specs[@]} -gt 0 ] || die "no model to measure (MEASURE_MODELS is empty)"
[ -x "$eng" ] || die "engine not found: $eng (make build/llmcap-engine, or set LLMCAP_ENGINE)"
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3)"

# a folder name from a device name: lower case, (R)/(TM)/CPU/Processor and
# "@ 2.00GHz" dropped, other characters to '-'
slug() {
  printf '%s' "$1" | tr 'A-Z' 'a-z' |
    sed -e 's/(r)//g; s/(tm)//g; s/@.*//; s/\bcpu\b//g; s/\bprocessor\b//g' \
        -e 's/[^a-z0-9.]\{1,\}/-/g; s/^-*//; s/-*$//' | cut -c1-60 | sed 's/-*$//'
}
if [ -z "$machine" ]; then
  cpu=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
  [ -n "$cpu" ] || cpu=$(uname -m)
  machine="$(slug "$cpu")-$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)c"
  name_ok "machine id" "$machine"
fi

mkdir -p "$model_dir" || { echo "measure.sh: cannot create $model_dir" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/llmcap-measure.XXXXXX")
dirs=()
cleanup() {
  rm -rf "$tmp"
  local d
  for d in "${dirs[@]}"; do rm -f "$d"/.runs.jsonl.* "$d"/.machine.txt.*; done
}
trap cleanup EXIT

# commit_rows DIR FILE SHAPE: check FILE's JSON lines, add machine_id and
# model_shape, and append them to DIR/runs.jsonl (whole lines or nothing)
commit_rows() {
  local dir=$1 file=$2 shape=$3 new
  python3 - "$file" "$(basename "$dir")" "$shape" > "$tmp/rows.aug" <<'PY' || return 1
import json, sys
path, mid, shape = sys.argv[1:4]
rows = []
with open(path) as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError as e:
            sys.exit(f"measure.sh: {path}:{n}: not JSON: {e}")
        for k in ("avg_ts", "n_prompt", "n_gen", "model_ftype", "backend", "mem_bw_gbps"):
            if k not in r:
                sys.exit(f"measure.sh: {path}:{n}: the row has no {k}")
        rows.append({"machine_id": mid, "model_shape": shape, **r})
if not rows:
    sys.exit(f"measure.sh: {path}: no rows")
for r in rows:
    print(json.dumps(r, separators=(",", ":")))
PY
  new=$(mktemp "$dir/.runs.jsonl.XXXXXX")
  if [ -f "$dir/runs.jsonl" ]; then cat "$dir/runs.jsonl" > "$new"; fi
  cat "$tmp/rows.aug" >> "$new"
  chmod 644 "$new"
  mv "$new" "$dir/runs.jsonl"
  cat "$tmp/rows.aug" >> "$tmp/session.jsonl"
}

# machine.txt: what the rows cannot say in a field
describe_machine() {
  local dir=$1 new
  new=$(mktemp "$dir/.machine.txt.XXXXXX")
  {
    echo "# written by bench/measure.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ), build $commit$dirty"
    echo "## lscpu"
    lscpu 2>/dev/null | grep -v -E '^(Vulnerability|NUMA node[0-9])' || echo "(lscpu not available)"
    echo "## memory (free -m)"
    free -m 2>/dev/null || grep -E 'MemTotal|MemAvailable' /proc/meminfo
    echo "## os"
    grep PRETTY_NAME /etc/os-release 2>/dev/null || true
    uname -srmv
    echo "## compiler"
    "${CC:-cc}" --version 2>/dev/null | head -1 || echo unknown
    echo "## engine"
    echo "$eng: $("$eng" --version 2>/dev/null | head -1 || echo unknown)"
  } > "$new"
  chmod 644 "$new"
  mv "$new" "$dir/machine.txt"
}

# use_dir DIR: create DIR, describe the machine there
use_dir() {
  mkdir -p "$1" || { echo "measure.sh: cannot create $1" >&2; exit 1; }
  dirs+=("$1")
  describe_machine "$1"
}

# bench one model (SHAPE TYPE BACKEND DIR); rows to DIR/runs.jsonl
bench_model() {
  local shape=$1 type=$2 backend=$3 dir=$4 mb=$membw_mib rc
  [ "$backend" = cpu ] || mb=0
  echo "== bench $shape $type ($backend): pp$pp tg$tg, $reps repetitions, $threads threads"
  "$eng" bench -m "$model_dir/$shape-$type.gguf" -p "$pp" -n "$tg" -r "$reps" -t "$threads" --membw-mib "$mb" \
    --backend "$backend" -o jsonl > "$tmp/rows.jsonl" || { rc=$?; echo "measure.sh: bench of $shape $type ($backend) failed" >&2; exit "$rc"; }
  commit_rows "$dir" "$tmp/rows.jsonl" "$shape" || exit 1
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=""
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then dirty=" (with uncommitted changes)"; fi
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t0=$(date +%s)
: > "$tmp/session.jsonl"

# every model first: a bad shape or type stops here, before anything is written
for spec in "${specs[@]}"; do
  shape=${spec%%:*} type=${spec#*:}
  f="$model_dir/$shape-$type.gguf"
  [ -s "$f" ] && continue
  echo "== mkmodel $shape $type"
  "$eng" mkmodel --shape "$shape" --type "$type" -o "$f" || { rc=$?; echo "measure.sh: cannot generate $shape $type (see above)" >&2; exit "$rc"; }
done

# WebGPU: probe the adapter with the tiny shape
gpu_dir=""
if [ "$webgpu" != 0 ]; then
  "$eng" mkmodel --shape tiny --type Q8_0 -o "$tmp/probe.gguf" > /dev/null
  if "$eng" bench -m "$tmp/probe.gguf" -p 0 -n 2 -r 1 --no-warmup --membw-mib 0 --backend webgpu -o jsonl \
       > "$tmp/probe.jsonl" 2> "$tmp/probe.err"; then
    gtype=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline()).get("gpu_adapter_type") or "?")' "$tmp/probe.jsonl")
    gdev=$(python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r.get("gpu_device") or r.get("gpu_description") or "gpu")' "$tmp/probe.jsonl")
    if [ "$gtype" = cpu ] && [ "$webgpu" != 1 ]; then
      echo "measure: WebGPU adapter '$gdev' is a CPU emulation: skipped (MEASURE_WEBGPU=1 records it)"
    else
      [ -n "$gpu_machine" ] || gpu_machine="$(slug "$gdev")-webgpu"
      name_ok "gpu machine" "$gpu_machine"
      gpu_dir="$out/$gpu_machine"
      echo "measure: WebGPU adapter '$gdev' ($gtype): rows in $gpu_dir/runs.jsonl"
    fi
  elif [ "$webgpu" = 1 ]; then
    echo "measure.sh: --webgpu 1, but no WebGPU adapter opens: $(tail -1 "$tmp/probe.err")" >&2
    exit 1
  else
    echo "measure: no WebGPU adapter ($(tail -1 "$tmp/probe.err")): CPU only"
  fi
fi

use_dir "$out/$machine"
[ -z "$gpu_dir" ] || use_dir "$gpu_dir"
echo "measure: $machine, ${#specs[@]} models, rows appended to $out/$machine/runs.jsonl"
for spec in "${specs[@]}"; do
  bench_model "${spec%%:*}" "${spec#*:}" cpu "$out/$machine"
  [ -z "$gpu_dir" ] || bench_model "${spec%%:*}" "${spec#*:}" webgpu "$gpu_dir"
done

n_rows=$(wc -l < "$tmp/session.jsonl")
for d in "${dirs[@]}"; do
  echo "$start build $commit$dirty: $cmdline; models \"${specs[*]}\", pp $pp, tg $tg, $reps repetitions, $threads threads, webgpu $webgpu; $n_rows rows (all folders), $(($(date +%s) - t0)) s" >> "$d/sessions.log"
done

# the summary: tokens/s, and decode GB/s of weights against the triad
python3 - "$tmp/session.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'model':26} {'backend':8} {'test':>6} {'t/s':>20} {'weights GB/s':>12} {'triad GB/s':>10} {'ratio':>6}")
for r in rows:
    test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
    eff = r.get("eff_gbps")
    bw = r.get("mem_bw_gbps") or 0
    e = f"{eff:12.2f}" if eff is not None else " " * 12
    ratio = f"{eff / bw:6.2f}" if eff is not None and bw > 0 else ""
    b = f"{bw:10.1f}" if bw > 0 else ""
    ts = f"{r['avg_ts']:.2f} ± {r['stddev_ts']:.2f}"
    print(f"{r['model_shape'] + ' ' + r['model_ftype']:26} {r['backend']:8} {test:>6} {ts:>20} {e} {b:>10} {ratio:>6}")
print("(weights GB/s: weight bytes read per token x tokens/s; triad: STREAM triad in the same process, 10^9 B/s)")
PY
