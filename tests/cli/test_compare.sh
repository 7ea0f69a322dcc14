#!/usr/bin/env bash
# tests/cli/test_compare.sh - `llmcap compare`: measured runs against predictions.
#
# Checks, on the files in tests/cases/runs/ (and ../shared/reference/measured_runs.csv
# when it is there): every format gives the same runs and predictions; each
# prediction equals `llmcap estimate --json` run with the options compare reports
# (estimate_args); error = (predicted - measured) / measured; MAPE, median and
# bias on a file made here with known errors (measured = predicted / (1 + e));
# --fail-above exits 3 exactly when a MAPE is above the threshold; --json parses
# and --csv has one line per input row; bad files and rows exit 2 naming
# file:line; -o leaves no file behind on failure.
#
# Run from the repository root: bash tests/cli/test_compare.sh
# LLMCAP=path/to/llmcap selects the binary (default build/llmcap). Needs python3.
# Last line: "N passed, N failed"; exit status 1 when a check failed.
set -u

LLMCAP=${LLMCAP:-build/llmcap}
case $LLMCAP in /*) ;; *) LLMCAP=$PWD/$LLMCAP ;; esac
C=tests/cases/runs
REF=../shared/reference/measured_runs.csv
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-compare
export LLMCAP
BIN=$LLMCAP

# run_rc NAME WANT ARGS...: run and check the exit status
run_rc() {
    local name=$1 want=$2; shift 2
    run "$@"
    if [ "$RC" = "$want" ]; then ok; else bad "$name: exit $RC (want $want), stderr: $(head -c 300 "$T/err")"; fi
}
err_has() { grep -qF -- "$1" "$T/err"; }
out_has() { grep -qF -- "$1" "$T/out"; }

cat >"$T/chk.py" <<'EOF'
import json, sys, os, csv, subprocess, shlex
from harness import *
LLMCAP = os.environ["LLMCAP"]
def dicts(name):
    with open(os.path.join(T, name), newline="") as f:
        r = list(csv.reader(f))
    return r[0], [dict(zip(r[0], x)) for x in r[1:]]
def estimate(args):
    out = subprocess.run([LLMCAP, "estimate"] + shlex.split(args) + ["--json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)
def expected(run, e):
    """what compare should predict for this run from `llmcap estimate --json`"""
    s = e["speed"]
    if run["test"].startswith("pp") and "+tg" in run["test"]:
        ng, np_ = run["n_gen"], run["n_prompt"]
        t_tg = (s["total_ms"] - s["ttft_ms"]) / (ng - 1)
        return (np_ + ng) / ((s["ttft_ms"] + ng * t_tg) / 1000.0)
    if run["test"].startswith("pp"):
        return s["prefill_tok_s"]
    return s["decode_agg_tok_s"] if run["n_seq"] > 1 else s["decode_tok_s"]
EOF

check "binary $LLMCAP is executable" test -x "$LLMCAP" || { echo "0 passed, 1 failed"; exit 1; }

# ---------------------------------------------------------------------------
# 1. help, and each format of the same four llama-bench runs
# ---------------------------------------------------------------------------
run_rc "compare --help" 0 compare --help
check "help names --fail-above" out_has "--fail-above"
check "help names the formats" out_has "llama-bench-md"
run_rc "llmcap --help lists compare" 0 --help
check "top help names compare" out_has "compare"

for f in lb.json lb.jsonl lb.csv; do
    run_rc "compare $f --json" 0 compare "$C/$f" --json; save "$f.out.json"
    check "compare $f --json: nothing on stderr" test ! -s "$T/err"
done
run_rc "compare lb.md without hardware: nothing predicted" 2 compare "$C/lb.md"
check "lb.md: says why" err_has "no run could be predicted"
check "lb.md: the table names the reason" out_has "hardware not stated"
run_rc "compare lb.md --hardware rtx-4090" 0 compare "$C/lb.md" --hardware rtx-4090 --json; save lbmd.json
run_rc "compare engine.json" 0 compare "$C/engine.json" --json; save engine.out.json
run_rc "compare engine_cpu.jsonl" 0 compare "$C/engine_cpu.jsonl" --json; save enginecpu.out.json
run_rc "compare measured.csv" 0 compare "$C/measured.csv" --json; save measured.out.json
run_rc "compare lb_multi.json" 0 compare "$C/lb_multi.json" --json; save multi.out.json
run_rc "compare lb_old.md --hardware cpu-ddr5-5600-2ch" 0 compare "$C/lb_old.md" --hardware cpu-ddr5-5600-2ch --json; save old.out.json
run_rc "compare from standard input" 0 compare - --json <"$C/lb.json"; save stdin.json
printf '{"format": "llmcap-profile 1", "name": "slow-gpu", "classes": {"gpu": {"bw_eff": 0.4}}}\n' >"$T/slow.json"
run_rc "compare --profile FILE" 0 compare "$C/lb.json" --profile "$T/slow.json" --json; save prof.json
run_rc "compare --engine llama.cpp (engine runs on llama.cpp's classes)" 0 compare "$C/engine.json" --engine llama.cpp --json
save engllama.json
run_rc "compare several files, mixed formats" 0 compare "$C/lb.json" "$C/engine.json" "$C/measured.csv" "$C/lb.md" --json
save mixed.json

py <<'EOF'
from chk import *
a = load("lb.json.out.json")
check("lb.json: 4 rows, 4 predicted", a["n_rows"] == 4 and a["n_predicted"] == 4 and a["n_not_used"] == 0, a["n_rows"])
check("lb.json: format", a["files"][0]["format"] == "llama-bench-json", a["files"])
tests = [r["test"] for r in a["runs"]]
check("lb.json: the tests", tests == ["pp512", "tg128", "pp512 @ d4096", "pp512+tg128"], tests)
check("lb.json: matched to rtx-4090 / llama-3.1-8b / Q4_K_M",
      all(r["hardware_id"] == "rtx-4090" and r["model_id"] == "llama-3.1-8b" and r["quant_used"] == "Q4_K_M" for r in a["runs"]),
      [(r["hardware_id"], r["model_id"]) for r in a["runs"]])
for r in a["runs"]:
    e = (r["predicted_tok_s"] - r["measured_tok_s"]) / r["measured_tok_s"] * 100
    check("error_pct of %s" % r["test"], abs(e - r["error_pct"]) < 2e-3, (e, r["error_pct"]))
for f in ("lb.jsonl.out.json", "lb.csv.out.json", "stdin.json"):
    b = load(f)
    same = [(x["test"], x["measured_tok_s"], x["predicted_tok_s"]) for x in b["runs"]] == \
           [(x["test"], x["measured_tok_s"], x["predicted_tok_s"]) for x in a["runs"]]
    check("%s: the same runs and predictions as lb.json" % f, same, b["runs"][:1])
m = load("lbmd.json")
md = {x["test"]: x for x in m["runs"]}
check("lb.md: 5 runs", m["n_predicted"] == 5, m["n_predicted"])
for x in a["runs"]:
    if x["test"] in ("pp512", "tg128", "pp512+tg128"):
        check("lb.md %s predicts as lb.json" % x["test"], abs(md[x["test"]]["predicted_tok_s"] - x["predicted_tok_s"]) < 1e-3,
              (md[x["test"]]["predicted_tok_s"], x["predicted_tok_s"]))
check("lb.md: tg128 @ d4096 is below tg128", md["tg128 @ d4096"]["predicted_tok_s"] < md["tg128"]["predicted_tok_s"])

# every prediction equals `llmcap estimate --json` with the reported options
n = 0
for f in ("lb.json.out.json", "lbmd.json", "engine.out.json", "measured.out.json", "multi.out.json", "old.out.json",
          "prof.json", "engllama.json"):
    for r in load(f)["runs"]:
        if not r["estimate_args"]:
            continue
        e = estimate(r["estimate_args"])
        want = expected(r, e)
        check("%s %s:%d equals estimate (%s)" % (f, os.path.basename(r["file"]), r["line"], r["test"]),
              abs(r["predicted_tok_s"] - want) <= 2e-3 + 1e-6 * want, (r["predicted_tok_s"], want, r["estimate_args"]))
        n += 1
check("predictions compared with estimate", n >= 19, n)

p = load("prof.json")
check("--profile: named in the output", p["profile"] == "slow-gpu", p["profile"])
check("--profile: in estimate_args", all("--profile " in r["estimate_args"] for r in p["runs"]), p["runs"][0]["estimate_args"])
check("--profile: bw_eff 0.4 slows decode", p["runs"][1]["predicted_tok_s"] < 0.8 * a["runs"][1]["predicted_tok_s"],
      (p["runs"][1]["predicted_tok_s"], a["runs"][1]["predicted_tok_s"]))
el = load("engllama.json")
check("--engine llama.cpp: in estimate_args", all("--engine llama.cpp" in r["estimate_args"] for r in el["runs"]), el["runs"][0])
e = load("engine.out.json")
check("engine.json: format engine-json", e["files"][0]["format"] == "engine-json", e["files"])
check("engine.json: H200 by name, pure Q4_0", all(r["hardware_id"] == "h200-sxm" and r["quant_used"] == "pure:Q4_0"
                                                 and r["model_id"] == "llama-3.2-1b" for r in e["runs"]), e["runs"])
check("engine.json: the match is noted", "h200-sxm by name" in e["runs"][0]["match_note"], e["runs"][0]["match_note"])
c = load("enginecpu.out.json")
check("engine_cpu: a CPU platform made from the measured bandwidth",
      all(r["hardware_id"] == "measured-cpu" and "36.0 GB/s" in r["match_note"] and r["estimate_args"] == "" for r in c["runs"]),
      c["runs"])
ms = load("measured.out.json")
check("measured.csv: 7 rows, 4 predicted", ms["n_rows"] == 7 and ms["n_predicted"] == 4, (ms["n_rows"], ms["n_predicted"]))
reasons = {x["reason"]: x["n"] for x in ms["not_used_counts"]}
check("measured.csv: reasons counted", reasons == {"backend not modelled": 1, "hardware not in data/": 1,
                                                   "model not in data/": 1}, reasons)
lines = sorted(x["line"] for x in ms["not_used"])
check("measured.csv: rows not used listed with their lines", lines == [6, 7, 8], lines)
bt = [r for r in ms["runs"] if r["n_seq"] > 1]
check("measured.csv: the batched row is predicted as 4 sequences", len(bt) == 1 and bt[0]["test"] == "tg32 @ d512 x4"
      and "-np 4" in bt[0]["estimate_args"], bt)
mu = load("multi.out.json")
check("lb_multi: two RTX 3090s", mu["runs"][0]["hardware_id"] == "rtx-3090" and mu["runs"][0]["n_gpu"] == 2
      and "--gpus 2" in mu["runs"][0]["estimate_args"], mu["runs"][0])
mx = load("mixed.json")
check("mixed: 4 + 2 + 7 + 5 rows", mx["n_rows"] == 18, mx["n_rows"])
check("mixed: a format per file", [f["format"] for f in mx["files"]] ==
      ["llama-bench-json", "engine-json", "measured-csv", "llama-bench-md"], mx["files"])
check("mixed: lb.md used only with --hardware", mx["n_predicted"] == 4 + 2 + 4, mx["n_predicted"])
srcs = {(g["source"], g["test"]) for g in mx["groups"]}
check("mixed: groups per source", ("runs/lb.json", "pp") in srcs and ("bench A", "tg") in srcs
      and ("runs/engine.json", "tg") in srcs, sorted(srcs))
EOF

# ---------------------------------------------------------------------------
# 2. statistics on a file with known errors
# ---------------------------------------------------------------------------
python3 - <<'EOF'
import json, os, subprocess
T, L = os.environ["T"], os.environ["LLMCAP"]
def est(args):
    return json.loads(subprocess.run([L, "estimate"] + args.split() + ["--json"], capture_output=True, text=True, check=True).stdout)["speed"]
rows = []
# (source, hardware, test, estimate options, kind, error %)
cases = [("src A", "rtx-4090", "tg128", "--hardware rtx-4090 -p 0 -n 128 -c 256", "tg", 10),
         ("src A", "rtx-4090", "tg512", "--hardware rtx-4090 -p 0 -n 512 -c 512", "tg", -20),
         ("src B", "rtx-3090", "tg128", "--hardware rtx-3090 -p 0 -n 128 -c 256", "tg", 30),
         ("src B", "rtx-3090", "tg32", "--hardware rtx-3090 -p 0 -n 32 -c 256", "tg", -5),
         ("src A", "rtx-4090", "pp512", "--hardware rtx-4090 -p 512 -n 0 -c 512", "pp", 40),
         ("src A", "rtx-4090", "pp1024", "--hardware rtx-4090 -p 1024 -n 0 -c 1024", "pp", -10),
         ("src B", "rtx-3090", "pp512", "--hardware rtx-3090 -p 512 -n 0 -c 512", "pp", 0.5)]
with open(os.path.join(T, "known.csv"), "w") as f:
    f.write("source,source_kind,hardware,backend,mem_bw_gbps,model,model_size,model_size_unit,params_b,quant,test,tokens_per_s,stddev,engine,build,notes\n")
    for src, hw, test, opts, kind, e in cases:
        s = est("--model llama-3.1-8b --quant Q4_K_M " + opts)
        pred = s["decode_tok_s"] if kind == "tg" else s["prefill_tok_s"]
        f.write("%s,primary,%s,CUDA,,llama-3.1-8b,,,,Q4_K_M,%s,%.6f,,llama.cpp llama-bench,,\n" % (src, hw, test, pred / (1 + e / 100.0)))
EOF
run_rc "compare known.csv" 0 compare "$T/known.csv" --json; save known.json
py <<'EOF'
from chk import *
k = load("known.json")
tg, pp = k["overall"]["tg"], k["overall"]["pp"]
# tg errors +10, -20, +30, -5; pp errors +40, -10, +0.5 (rounding of measured: < 1e-3 %)
check("tg n", tg["n"] == 4, tg)
check("tg MAPE 16.25", abs(tg["mape_pct"] - 16.25) < 0.005, tg)
check("tg median 15", abs(tg["median_ape_pct"] - 15) < 0.005, tg)
check("tg bias +3.75", abs(tg["bias_pct"] - 3.75) < 0.005, tg)
check("tg worst 30", abs(tg["max_ape_pct"] - 30) < 0.005, tg)
check("pp MAPE 16.833", abs(pp["mape_pct"] - 50.5 / 3) < 0.005, pp)
check("pp median 10", abs(pp["median_ape_pct"] - 10) < 0.005, pp)
check("pp bias +10.167", abs(pp["bias_pct"] - 30.5 / 3) < 0.005, pp)
check("pp depth0 class = all", pp["depth0"]["n"] == 3 and pp["depth"]["n"] == 0, pp)
g = {(x["source"], x["hardware_id"], x["test"]): x for x in k["groups"]}
check("group src A / rtx-4090 / tg: MAPE 15, bias -5", abs(g[("src A", "rtx-4090", "tg")]["mape_pct"] - 15) < 0.005
      and abs(g[("src A", "rtx-4090", "tg")]["bias_pct"] + 5) < 0.005, g[("src A", "rtx-4090", "tg")])
check("group src B / rtx-3090 / tg: MAPE 17.5, median 17.5, bias +12.5",
      abs(g[("src B", "rtx-3090", "tg")]["mape_pct"] - 17.5) < 0.005 and abs(g[("src B", "rtx-3090", "tg")]["median_ape_pct"] - 17.5) < 0.005
      and abs(g[("src B", "rtx-3090", "tg")]["bias_pct"] - 12.5) < 0.005, g[("src B", "rtx-3090", "tg")])
check("group src B / pp: n 1, error 0.5", g[("src B", "rtx-3090", "pp")]["n"] == 1
      and abs(g[("src B", "rtx-3090", "pp")]["bias_pct"] - 0.5) < 0.005, g[("src B", "rtx-3090", "pp")])
w = [round(abs(x["error_pct"])) for x in k["worst"]]
check("worst rows by |error|", w == [40, 30, 20, 10, 10, 5, 0], w)
check("fail_above is null without the option", k["fail_above_pct"] is None and k["failed"] is False, k["fail_above_pct"])
EOF
run_rc "compare known.csv --worst 2 (table)" 0 compare "$T/known.csv" --worst 2
# (16.25 and 3.75 may print either way: the measured values are rounded to 1e-6)
check "table: overall decode line" grep -qE '^decode \(tg\) +4 +16\.[23]% +15\.0% +\+3\.[78]% +30\.0%' "$T/out"
check "table: overall prefill line" grep -qE '^prefill \(pp\) +3 +16\.8% +10\.0% +\+10\.2% +40\.0%' "$T/out"
check "table: worst 2 rows" test "$(grep -c 'known.csv:' "$T/out")" = 9 # 7 per-run lines + 2 worst
run_rc "compare --summary has no per-run lines" 0 compare "$T/known.csv" --summary --worst 0
check "summary: no per-run line" test "$(grep -c 'known.csv:' "$T/out")" = 0

# --fail-above
run_rc "--fail-above 20: below" 0 compare "$T/known.csv" --fail-above 20 --summary
run_rc "--fail-above 16.5: prefill above" 3 compare "$T/known.csv" --fail-above 16.5 --summary
check "--fail-above names the MAPE" err_has "prefill (pp) MAPE 16.8% is above 16.5%"
check "--fail-above says exit 3" err_has "exit 3"
check "--fail-above: the report is still printed" out_has "overall"
run_rc "--fail-above tg=16,pp=50: decode above" 3 compare "$T/known.csv" --fail-above tg=16,pp=50 --summary
check "--fail-above tg= names decode" grep -qE "decode \(tg\) MAPE 16\.[23]% is above 16%" "$T/err"
run_rc "--fail-above tg=17 (pp unchecked)" 0 compare "$T/known.csv" --fail-above=tg=17 --summary
run_rc "--fail-above --json records the failure" 3 compare "$T/known.csv" --fail-above 1 --json; save failed.json
py <<'EOF'
from chk import *
f = load("failed.json")
check("json failed true", f["failed"] is True and f["fail_above_pct"] == {"tg": 1, "pp": 1, "pg": 1}, f["fail_above_pct"])
EOF
run_rc "--fail-above bogus" 2 compare "$T/known.csv" --fail-above lots
check "--fail-above bogus: message" err_has "--fail-above 'lots'"
run_rc "--fail-above negative" 2 compare "$T/known.csv" --fail-above -5

# CSV and -o
run_rc "compare measured.csv --csv" 0 compare "$C/measured.csv" --csv; save m.csv
py <<'EOF'
from chk import *
head, rows = dicts("m.csv")
check("csv: one line per input row", len(rows) == 7, len(rows))
check("csv: columns", head[:3] == ["file", "line", "source"] and "predicted_tok_s" in head and "reason" in head, head)
st = [r["status"] for r in rows]
check("csv: status per row", st == ["ok"] * 4 + ["not used"] * 3, st)
check("csv: lines in order", [int(r["line"]) for r in rows] == [2, 3, 4, 5, 6, 7, 8], [r["line"] for r in rows])
check("csv: a reason for unused rows", rows[4]["reason"].startswith("backend not modelled"), rows[4]["reason"])
check("csv: the error of a used row", abs(float(rows[0]["error_pct"]) - (float(rows[0]["predicted_tok_s"]) / float(rows[0]["measured_tok_s"]) - 1) * 100) < 2e-3, rows[0])
EOF
run_rc "compare -o FILE" 0 compare "$C/lb.json" --json -o "$T/o.json"
check "-o: nothing on stdout" test ! -s "$T/out"
check "-o: the file parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/o.json"
run_rc "-o with an unreadable input" 2 compare "$C/bad_truncated.json" -o "$T/none.json"
check "-o: no file after a failure" test ! -e "$T/none.json"
check "-o: no temp file left" test -z "$(ls "$T" | grep 'none.json')"

# ---------------------------------------------------------------------------
# 3. bad input
# ---------------------------------------------------------------------------
run_rc "truncated JSON" 2 compare "$C/bad_truncated.json"
check "truncated JSON: file:line" err_has "bad_truncated.json:14: JSON: unexpected end of the file (truncated?)"
check "truncated JSON: no report" test ! -s "$T/out"
run_rc "unclosed CSV quote" 2 compare "$C/bad_quote.csv"
check "unclosed CSV quote: file:line" err_has "bad_quote.csv:3: CSV: a quoted field is not closed"
run_rc "unknown format" 2 compare "$C/bad_format.txt"
check "unknown format: says so" err_has "bad_format.txt:1: format not recognised"
run_rc "missing file" 1 compare "$T/no-such.json"
check "missing file: named" err_has "no-such.json"
run_rc "malformed rows: exit 2 after the report" 2 compare "$C/bad_rows.csv"
check "malformed rows: each with file:line" err_has "bad_rows.csv:2: missing field avg_ts (tokens/s)"
check "malformed rows: line 3" err_has "bad_rows.csv:3: row has 7 fields, the header has 10"
check "malformed rows: line 4" err_has "bad_rows.csv:4: n_prompt 'abc' is not a whole number"
check "malformed rows: the good row is reported" out_has "bad_rows.csv:5"
run_rc "--strict stops at the first bad row" 2 compare "$C/bad_rows.csv" --strict
check "--strict: message" err_has "bad_rows.csv:2: missing field avg_ts"
check "--strict: no report" test ! -s "$T/out"
run_rc "units it cannot tell" 2 compare "$C/bad_unit.md" --hardware rtx-4090
check "units: size" err_has "bad_unit.md:3: size unit 'XB' in '4.58 XB' not understood"
check "units: t/s" err_has "bad_unit.md:4: t/s 'fast ± 0.27'"
run_rc "measured layout, bad rows" 2 compare "$C/bad_measured.csv" -v
check "bad measured: unit" err_has "bad_measured.csv:2: model_size unit 'XB' not understood"
check "bad measured: test" err_has "bad_measured.csv:3: test 'warmup 3' not understood"
check "bad measured: -v lists them" out_has "bad_measured.csv:4: bad row: missing field tokens_per_s"
run_rc "broken JSONL line" 2 compare "$C/bad_rows.jsonl"
check "broken JSONL line: file:line" err_has "bad_rows.jsonl:2: not a JSON object"
run_rc "no file" 2 compare
check "no file: says so" err_has "no file given"
run_rc "unknown --format" 2 compare "$C/lb.json" --format xml
check "unknown --format: lists them" err_has "measured-csv"
run_rc "wrong forced format" 2 compare "$C/lb.json" --format measured-csv
check "wrong forced format: missing columns" err_has "not a measured-runs CSV"
run_rc "unknown --hardware" 2 compare "$C/lb.md" --hardware rtx-9999
check "unknown --hardware: named" err_has "rtx-9999"
run_rc "unknown --model" 2 compare "$C/lb.md" --model llama-9
run_rc "unknown --quant" 2 compare "$C/lb.md" --quant Q9_Z
run_rc "bad --worst" 2 compare "$C/lb.json" --worst -1
run_rc "--jsonl is not an output" 2 compare "$C/lb.json" --jsonl
run_rc "unknown option" 2 compare "$C/lb.json" --frobnicate
run_rc "an estimate option that each run sets" 2 compare "$C/lb.json" -ngl 10
check "estimate option: refused with the reason" err_has "-ngl does not apply"
run_rc "empty file" 2 compare /dev/null
check "empty file: says so" err_has "empty file"

# ---------------------------------------------------------------------------
# 4. the published runs, when ../shared is beside the checkout
# ---------------------------------------------------------------------------
if [ -f "$REF" ]; then
    run_rc "compare measured_runs.csv" 0 compare "$REF" --json; save ref.json
    py <<'EOF'
from chk import *
r = load("ref.json")
check("reference: 2460 rows", r["n_rows"] == 2460, r["n_rows"])
check("reference: predicted + not used = rows", r["n_predicted"] + r["n_not_used"] == 2460, r)
check("reference: counts by reason add up", sum(x["n"] for x in r["not_used_counts"]) == r["n_not_used"], r["not_used_counts"])
check("reference: every unused row listed with a reason", len(r["not_used"]) == r["n_not_used"]
      and all(x["reason"] and x["line"] > 1 for x in r["not_used"]), len(r["not_used"]))
reasons = {x["reason"]: x["n"] for x in r["not_used_counts"]}
check("reference: the WASM rows are not modelled", reasons.get("backend not modelled") == 1624, reasons)
check("reference: no malformed rows", not any(x["bad_row"] for x in r["not_used"]))
check("reference: >= 700 rows predicted", r["n_predicted"] >= 700, r["n_predicted"])
check("reference: tg and pp both present", r["overall"]["tg"]["n"] > 300 and r["overall"]["pp"]["n"] > 300, r["overall"])
EOF
else
    echo "skip: $REF not found"
fi

finish
