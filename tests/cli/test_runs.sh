#!/usr/bin/env bash
# tests/cli/test_runs.sh - integration tests of `llmcap runs` (the measured-runs
# database on SQLite) and `llmcap-engine bench --db`.
#
# Inputs are the files of tests/cases/rundb/ (a crafted history of three
# llama-bench builds, one file per other format, bad files) and runs our
# engine measures here. Values are checked against the input files, parsed
# here in Python (tokens/s, builds, dates), and against formulas worked out
# here (error = 100 (pred - measured) / measured; the regression verdict from
# the change and sqrt(s1^2 + s2^2)). Bad input must give exit status 2, a
# "llmcap: ..." message naming the file (and line), and leave the database
# byte-for-byte unchanged (cmp).
#
# Run from the repository root: bash tests/cli/test_runs.sh
# LLMCAP / LLMCAP_ENGINE select the binaries (default build/llmcap,
# build/llmcap-engine). Needs python3; the report's plots need gnuplot (the
# checks that need it say "skip:" without it).
# Last line: "N passed, N failed"; exit status 1 when a check failed.
set -u

LLMCAP=${LLMCAP:-build/llmcap}
ENGINE=${LLMCAP_ENGINE:-build/llmcap-engine}
case $LLMCAP in /*) ;; *) LLMCAP=$PWD/$LLMCAP ;; esac
case $ENGINE in /*) ;; *) ENGINE=$PWD/$ENGINE ;; esac
CASES=$PWD/tests/cases/rundb
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-runs
export CASES
BIN=$LLMCAP
# no default database of the user's is ever touched
export HOME=$T/home XDG_DATA_HOME=

cat >"$T/chk.py" <<'EOF'
import json, sys, os, csv, math
from harness import *
CASES = os.environ["CASES"]
def jsonl(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]
def near(a, b, rel=0.0, abs_=0.0):
    return abs(a - b) <= max(abs_, rel * abs(b))
EOF

check "binary $LLMCAP is executable" test -x "$LLMCAP" || { echo "0 passed, 1 failed"; exit 1; }
DB=$T/runs.db

# ---- import: every format, duplicates, the counts -------------------------------------------
run_ok "import history-1.jsonl" runs import --db "$DB" "$CASES/history-1.jsonl"
check "import says 3 imported" grep -q "runs.db: 3 imported, 0 duplicates skipped, 0 rows not usable" "$T/out"
check "the database file exists" test -s "$DB"
run_ok "import the same file again" runs import --db "$DB" "$CASES/history-1.jsonl"
check "the same runs again: 3 duplicates" grep -q "0 imported, 3 duplicates skipped" "$T/out"
run_ok "import the same runs as a JSON array" runs import --db "$DB" "$CASES/history-1.json"
check "a JSON array of the same runs: 3 duplicates" grep -q "0 imported, 3 duplicates skipped" "$T/out"
run_ok "import builds 2 and 3, CSV, measured CSV" runs import --db "$DB" "$CASES/history-2.jsonl" "$CASES/history-3.jsonl" \
    "$CASES/llama-bench.csv" "$CASES/measured.csv"
check "11 more imported" grep -q "11 imported, 0 duplicates skipped" "$T/out"
check "why some were not predicted" grep -q "not predicted, 1: hardware not in data/" "$T/out"
run_ok "import markdown from standard input with a hardware name" runs import --db "$DB" --hardware rtx-4090 - \
    <"$CASES/llama-bench.md"
check "markdown: 2 imported, both predicted" grep -q "predicted with profile '.*': 2 of 2 new runs" "$T/out"
run_ok "import --json" runs import --db "$DB" --json "$CASES/history-2.jsonl"
save import.json
py <<'EOF'
from chk import *
j = load("import.json")
check("import --json: 0 imported, 3 duplicates", j["imported"] == 0 and j["duplicates"] == 3 and j["not_usable"] == 0, j)
EOF

# ---- what was stored ------------------------------------------------------------------------
run_ok "query --json (every column)" runs query --db "$DB" --json
save all.json
run_ok "list --csv" runs list --db "$DB" --csv
save list.csv
py <<'EOF'
from chk import *
rows = load("all.json")
check("16 runs stored", len(rows) == 16, len(rows))
# the history files: tokens/s, stddev, build and date of every row, as written there
want = {}
for i in (1, 2, 3):
    for r in jsonl(f"{CASES}/history-{i}.jsonl"):
        want[(r["build_commit"], r["test_time"])] = r
got = {}
for r in rows:
    b = r["build"].split(" ")[0]
    if (b, r["date"]) in want:
        got[(b, r["date"])] = r
check("the 9 history runs are there", len(got) == 9, sorted(got))
bad_vals = []
for k, r in got.items():
    w = want[k]
    if not (r["tok_s"] == w["avg_ts"] and r["stddev_tok_s"] == w["stddev_ts"] and r["n_prompt"] == w["n_prompt"]
            and r["n_gen"] == w["n_gen"] and r["n_threads"] == 16 and r["n_gpu_layers"] == 99
            and r["build"] == "%s (%d)" % (w["build_commit"], w["build_number"]) and r["type_k"] == "f16"
            and r["hardware"] == "NVIDIA GeForce RTX 4090" and r["hardware_data_id"] == "rtx-4090"
            and r["model_data_id"] == "llama-3.1-8b" and r["backend"] == "CUDA"):
        bad_vals.append((k, r))
check("stored values equal the files'", not bad_vals, bad_vals[:1])
# every prediction: error = 100 (pred - measured) / measured
errs = [r for r in rows if r["pred_tok_s"] is not None
        and not near(r["error_pct"], 100 * (r["pred_tok_s"] - r["tok_s"]) / r["tok_s"], abs_=1e-9)]
check("error_pct = 100 (pred - measured) / measured", not errs, errs[:1])
npred = sum(1 for r in rows if r["pred_tok_s"] is not None)
check("13 runs have a prediction", npred == 13, npred)
fut = [r for r in rows if r["hardware"] == "Some Future GPU 9000"]
check("hardware not in data/ is stored as described", len(fut) == 1 and fut[0]["hardware_data_id"] == ""
      and fut[0]["pred_tok_s"] is None and "hardware not in data/" in fut[0]["prediction_note"], fut)
md = [r for r in rows if r["format"] == "llama-bench-md"]
check("markdown rows: the hardware given, the build of the file", len(md) == 2
      and all(r["hardware"] == "rtx-4090" and r["build"].startswith("0a1b2c3") for r in md), md[:1])
check("runs without a date get the import time", all(r["date"] == r["imported_at"] for r in rows if r["run_date"] is None)
      and sum(1 for r in rows if r["run_date"] is None) == 5)
csvrows = list(csv.DictReader(open(os.path.join(T, "list.csv"))))
check("list --csv: 16 rows, with the summary columns", len(csvrows) == 16 and
      list(csvrows[0].keys()) == ["id", "date", "model", "quant", "hardware", "backend", "test", "tok_s", "stddev",
                                  "pred_tok_s", "error_pct", "build"], list(csvrows[0].keys()))
EOF
# the prediction stored is llmcap estimate's for the same options (to its 1/1000 rounding), with the default
# profile and with --profile FILE (a slower GPU class: bw_eff 0.4)
printf '{"format": "llmcap-profile 1", "name": "slow-gpu-test", "classes": {"gpu": {"bw_eff": 0.4, "bw_cap_gbps": 0}}}\n' >"$T/slow.json"
run_ok "import with --profile" runs import --db "$T/prof.db" --profile "$T/slow.json" "$CASES/history-1.jsonl"
check "... predicted with profile 'slow-gpu-test'" grep -q "predicted with profile 'slow-gpu-test': 3 of 3" "$T/out"
run_ok "query the --profile database" runs query --db "$T/prof.db" --json
save prof.json
EST="--model llama-3.1-8b --quant Q4_K_M --hardware rtx-4090 -n 128 -p 512 -ngl 99 -fa off -b 2048 -ub 512 --json"
# shellcheck disable=SC2086
run_ok "estimate, default profile" estimate $EST
save est-default.json
# shellcheck disable=SC2086
run_ok "estimate --profile" estimate $EST --profile "$T/slow.json"
save est-slow.json
py <<'EOF2'
from chk import *
for db, est, prof in (("all.json", "est-default.json", None), ("prof.json", "est-slow.json", "slow-gpu-test")):
    e = load(est)["speed"]
    rows = [r for r in load(db) if r["build"] == "a1b2c3d (4000)" and r["quant"] == "Q4_K_M"]
    tg = [r for r in rows if r["test"] == "tg128"][0]
    pp = [r for r in rows if r["test"] == "pp512"][0]
    check(f"{db}: tg128 prediction {tg['pred_tok_s']:.3f} = estimate's decode {e['decode_tok_s']}",
          near(tg["pred_tok_s"], e["decode_tok_s"], abs_=0.0006), (tg["pred_tok_s"], e))
    check(f"{db}: pp512 prediction {pp['pred_tok_s']:.3f} = estimate's prefill {e['prefill_tok_s']}",
          near(pp["pred_tok_s"], e["prefill_tok_s"], abs_=0.0006), (pp["pred_tok_s"], e))
    if prof:
        check(f"{db}: the profile is named in every run", all(r["profile"] == prof for r in load(db)))
check("the slower profile predicts tg128 slower", load("prof.json")[1]["pred_tok_s"] < 0.7 * load("all.json")[1]["pred_tok_s"])
EOF2
run_bad -E "import --profile: a missing file" 1 "nope.json" runs import --db "$T/prof.db" --profile "$T/nope.json" "$CASES/history-1.jsonl"

run_ok "show 2" runs show 2 --db "$DB"
check "show prints one field per line" grep -qE "^tok_s +130.5$" "$T/out"
run_ok "show 2 --json" runs show 2 --db "$DB" --json
save show.json
py <<'EOF'
from chk import *
j = load("show.json")
check("show --json: one object, run 2 = build 1's tg128", j["id"] == 2 and j["test"] == "tg128" and j["tok_s"] == 130.5
      and j["build"] == "a1b2c3d (4000)", j)
EOF
run_bad -E "show an id that is not there" 2 "no run with id 999" runs show 999 --db "$DB"
run_bad -E "show a non-number" 2 "'x1' is not a run id" runs show x1 --db "$DB"

# ---- filters ---------------------------------------------------------------------------------
nrows() { "$LLMCAP" runs list --db "$DB" --csv "$@" 2>/dev/null | tail -n +2 | wc -l; }
check "--hardware rtx-4090: 13" test "$(nrows --hardware rtx-4090)" = 13
check "--hardware 'Future': 1" test "$(nrows --hardware Future)" = 1
check "--quant q8_0: 3" test "$(nrows --quant q8_0)" = 3
check "--backend metal,blas: 2" test "$(nrows --backend metal,blas)" = 2
check "--build b2c3: 3" test "$(nrows --build b2c3)" = 3
check "--model llama-2-7b: 2" test "$(nrows --model llama-2-7b)" = 2
check "--since 2025-02-01 --until 2025-03-10: 6 (the whole last day)" test "$(nrows --since 2025-02-01 --until 2025-03-10)" = 6
check "--test tg128 --hardware rtx-4090 --until 2025-12-31: 6" test "$(nrows --test tg128 --hardware rtx-4090 --until 2025-12-31)" = 6
check "--limit 4: 4" test "$(nrows --limit 4)" = 4
run_bad -E "a bad --since" 2 "--since: '2025-02-30x' is not a date" runs list --db "$DB" --since 2025-02-30x

# ---- read-only SQL --------------------------------------------------------------------------
cp "$DB" "$T/before.db"
run_ok "query --sql SELECT" runs query --db "$DB" --csv --sql \
    "SELECT build, round(tok_s, 1) AS tok_s FROM run_view WHERE test = 'tg128' AND quant = 'Q4_K_M' AND hardware_data_id = 'rtx-4090' AND run_date IS NOT NULL ORDER BY date"
check "query --sql: the tg128 history in order" diff <(printf 'build,tok_s\na1b2c3d (4000),130.5\nb2c3d4e (4100),117.2\nc3d4e5f (4200),131.0\n') "$T/out"
for sql in "INSERT INTO builds (engine, build) VALUES ('x', 'y')" "UPDATE runs SET tok_s = 1" "DELETE FROM runs" \
           "DROP TABLE runs" "ATTACH DATABASE '$T/x.db' AS x" "PRAGMA user_version = 99" "PRAGMA journal_mode = WAL" \
           "CREATE TABLE t (x)" "VACUUM INTO '$T/copy.db'" "SELECT 1; DELETE FROM runs" \
           "WITH a AS (SELECT 1) DELETE FROM runs"; do
    run_bad -E "--sql refuses: $sql" 2 "--sql: .*(not allowed|one statement only)" runs query --db "$DB" --sql "$sql"
done
check "after the refused statements the database is byte-identical" cmp -s "$DB" "$T/before.db"
check "nothing attached or copied" test ! -e "$T/x.db" -a ! -e "$T/copy.db"
run_bad -E "--sql with a syntax error" 2 "--sql: .*syntax error" runs query --db "$DB" --sql "SELECT FROM WHERE"
run_bad -E "--sql: not a query" 2 "--sql: not allowed: SELEC " runs query --db "$DB" --sql "SELEC 1"
run_bad -E "a runaway --sql stops at --timeout" 2 "--sql: stopped after" runs query --db "$DB" --timeout 0.3 --sql \
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

# ---- export: round trips --------------------------------------------------------------------
run_ok "export -o" runs export --db "$DB" -o "$T/e1.jsonl"
run_ok "import the export into the same database" runs import --db "$DB" "$T/e1.jsonl"
check "the export is all duplicates of what is stored" grep -q "0 imported, 16 duplicates skipped" "$T/out"
run_ok "import the export into a new database" runs import --db "$T/rt.db" "$T/e1.jsonl"
check "... 16 imported there" grep -q "16 imported, 0 duplicates" "$T/out"
run_ok "export the new database" runs export --db "$T/rt.db" -o "$T/e2.jsonl"
run_ok "query the new database" runs query --db "$T/rt.db" --json
save rt.json
py <<'EOF'
from chk import *
a, b = jsonl(f"{T}/e1.jsonl"), jsonl(f"{T}/e2.jsonl")
strip = lambda rs: [{k: v for k, v in r.items() if k not in ("source", "notes")} for r in rs]
check("export -> import -> export gives the same runs", strip(a) == strip(b), [x for x in zip(strip(a), strip(b)) if x[0] != x[1]][:1])
orig, rt = load("all.json"), load("rt.json")
keys = ["date", "run_date", "engine", "build", "backend", "hardware", "hardware_data_id", "model", "model_data_id", "quant",
        "test", "n_prompt", "n_gen", "n_depth", "n_seq", "n_batch", "n_ubatch", "n_threads", "n_gpu_layers", "flash_attn",
        "type_k", "type_v", "tok_s", "stddev_tok_s", "pred_tok_s", "error_pct"]
diff = [(x, y) for x, y in zip(orig, rt) if any(x[k] != y[k] for k in keys if k not in ("date",) or x["run_date"])]
check("the round-tripped database has the same runs and predictions", len(orig) == len(rt) and not diff, diff[:1])
EOF

# ---- regression check on the crafted history -------------------------------------------------
run runs check --db "$DB" --baseline a1b2c3d --candidate build:b2c3d4e --json
check "check build 1 -> build 2: exit 3 (a regression)" test "$RC" = 3
save check12.json
py <<'EOF'
from chk import *
j = load("check12.json")
want = {}
rows = {i: {(r["model_filename"].split("-")[-1], r["n_gen"]): r for r in jsonl(f"{CASES}/history-{i}.jsonl")} for i in (1, 2)}
check("3 compared, 1 regression", j["compared"] == 3 and j["regressions"] == 1 and j["improvements"] == 0, j)
for c in j["changes"]:
    k = ("Q8_0.gguf" if c["quant"] == "Q8_0" else "Q4_K_M.gguf", 128 if c["test"] == "tg128" else 0)
    a, b = rows[1][k], rows[2][k]
    chg = 100 * (b["avg_ts"] - a["avg_ts"]) / a["avg_ts"]
    noise = math.hypot(a["stddev_ts"], b["stddev_ts"])
    reg = chg < -5 and (a["avg_ts"] - b["avg_ts"]) > 2 * noise
    imp = chg > 5 and (b["avg_ts"] - a["avg_ts"]) > 2 * noise
    v = "regression" if reg else "improvement" if imp else "same"
    check(f"check {c['quant']} {c['test']}: change {chg:.2f}%, noise {noise:.3f}, {v}",
          near(c["change_pct"], chg, abs_=1e-9) and near(c["noise_tok_s"], noise, abs_=1e-9) and c["verdict"] == v
          and c["base_tok_s"] == a["avg_ts"] and c["new_tok_s"] == b["avg_ts"], c)
check("worst first: the tg128 Q4_K_M regression", j["changes"][0]["verdict"] == "regression" and j["changes"][0]["test"] == "tg128")
EOF
run runs check --db "$DB" --baseline a1b2c3d --candidate b2c3d4e
check "check table: exit 3 and the REGRESSION line" test "$RC" = 3
check "... tg128 -10.2%" grep -qE "tg128 .* -10\.2% .*REGRESSION" "$T/out"
run_ok "check build 1 against the newest runs (build 3 recovered): exit 0" runs check --db "$DB" --baseline build:a1b2c3d --hardware rtx-4090 --until 2025-12-31
check "... 3 compared, 0 regressions" grep -q "3 compared: 0 regressions" "$T/out"
run runs check --db "$DB" --baseline a1b2c3d --candidate b2c3d4e --threshold 11%
check "--threshold 11%: the -10.2% is no regression (exit 0)" test "$RC" = 0
run runs check --db "$DB" --baseline a1b2c3d --candidate b2c3d4e --noise-k 40
check "--noise-k 40: within 40 x 0.5 tokens/s of noise (exit 0)" test "$RC" = 0
run_ok "date baseline 2025-03-01: build 2 against build 3, an improvement" runs check --db "$DB" --baseline 2025-03-01 --model llama-3.1-8b --quant Q4_K_M --hardware rtx-4090 --until 2025-12-31
check "... tg128 +11.8% improvement" grep -qE "tg128 .* \+11\.8% .*improvement" "$T/out"
run runs check --db "$DB" --baseline "$CASES/history-2.jsonl" --candidate build:b2c3d4e
check "a file baseline equal to the candidate: 3 compared, all the same" test "$RC" = 0
check "... 0 regressions" grep -q "3 compared: 0 regressions, 0 improvements" "$T/out"
run runs check --db "$DB" --baseline "file:$CASES/history-1.jsonl" --candidate b2c3d4e
check "a file baseline (build 1) against build 2: exit 3" test "$RC" = 3
run_bad -E "check: an unknown build" 2 "build 'nosuch': no runs" runs check --db "$DB" --baseline nosuch
run_bad -E "check: no baseline" 2 "--baseline BUILD\|DATE\|FILE is required" runs check --db "$DB"
run_bad -E "check: a bad threshold" 2 "--threshold" runs check --db "$DB" --baseline a1b2c3d --threshold 0
run_bad -E "check: a bad date" 2 "not a date" runs check --db "$DB" --baseline date:2025-13-45

# ---- report -----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null || [ -n "${LLMCAP_GNUPLOT:-}" ]; then
    run_ok "report --format html" runs report --db "$DB" --format html --out "$T/rep"
    check "report.html written" test -s "$T/rep/report.html"
    py <<'EOF'
from chk import *
import re
h = open(f"{T}/rep/report.html").read()
check("html: the validation plot and two history plots (prefill, decode) inline", h.count("<svg") == 3 and "decode tokens/s over time on rtx-4090" in h and "prefill tokens/s over time on rtx-4090" in h, h.count("<svg"))
check("html: nothing fetched (no script, src, external href, @import)",
      not re.search(r"<script|\bsrc=|href=['\"]https?:|@import|url\(['\"]?https?:", h))
check("html: accuracy row of rtx-4090 decode, all-runs row", re.search(r"<td>CUDA</td><td>rtx-4090</td><td>decode \(tg\)</td><td class=n>[0-9]+</td>", h)
      and "<td>all</td><td>all</td><td>all</td><td class=n>13</td>" in h)
check("html: the history table has the tg128 series 130.50 -> 131.00 over 3 runs",
      re.search(r"<td>tg128 t=16</td><td class=n>3</td><td class=n>130.50</td><td class=n>131.00</td><td class=n>\+0.4%</td>", h))
ids = re.findall(r"id='([^']+)'", h) + re.findall(r'id="([^"]+)"', h)
check("html: every id of a plot carries its plot's prefix (no clash between plots)",
      ids and all(i.startswith(("validation-", "history-")) for i in ids), [i for i in ids if not i.startswith(("validation-", "history-"))][:3])
EOF
    run_ok "report --format md" runs report --db "$DB" --format md --out "$T/repmd"
    check "report.md refers to validation.svg, which is there" grep -q "](validation.svg)" "$T/repmd/report.md"
    check "... and to history-1.svg" test -s "$T/repmd/validation.svg" -a -s "$T/repmd/history-1.svg"
    check "md: the accuracy table" grep -qE "^\| all \| all \| all \| 13 \|" "$T/repmd/report.md"
else
    echo "skip: gnuplot not installed: the report's plots are not tested"
fi
LLMCAP_GNUPLOT=$T/no-gnuplot run runs report --db "$DB" --format html --out "$T/rep2"
check "without gnuplot the report is still written (exit 0)" test "$RC" = 0 -a -s "$T/rep2/report.html"
check "... and says the plots need gnuplot-nox" grep -q "gnuplot-nox" "$T/rep2/report.html"
check "... with no image" test "$(grep -c '<svg' "$T/rep2/report.html")" = 0
run_ok "import runs that match nothing" runs import --db "$T/nopred.db" "$CASES/measured.csv"
run_ok "report of runs without a prediction or a date" runs report --db "$T/nopred.db" --format md --out "$T/rep4"
check "... says so, lists the 3 series, draws no plot" grep -q "No run has a prediction" "$T/rep4/report.md"
check "... 0 plots" grep -q "3 runs, 3 series, 0 plots" "$T/out"
run_bad -E "report: a bad format" 2 "--format html or --format md" runs report --db "$DB" --format pdf --out "$T/rep3"
check "... nothing written" test ! -e "$T/rep3"

# ---- bad input: nothing imported, the database unchanged ---------------------------------------
cp "$DB" "$T/before.db"
run_bad -E "unknown format" 2 "bad-format.txt" runs import --db "$DB" "$CASES/bad-format.txt"
run_bad -E "a row without avg_ts: file and line" 2 "bad-missing-avg_ts.jsonl:2: .*avg_ts" runs import --db "$DB" \
    "$CASES/history-1.jsonl" "$CASES/bad-missing-avg_ts.jsonl"
run_bad -E "a truncated JSON file" 2 "bad-truncated.json:[0-9]+: .*(truncated|end)" runs import --db "$DB" "$CASES/bad-truncated.json"
run_bad -E "a file that is not there" 1 "no-such-file.json" runs import --db "$DB" "$T/no-such-file.json"
run_bad -E "an unknown --format" 2 "--format" runs import --db "$DB" --format xml "$CASES/history-1.jsonl"
check "after the bad imports the database is byte-identical" cmp -s "$DB" "$T/before.db"
run runs import --db "$DB" --skip-bad "$CASES/bad-missing-avg_ts.jsonl"
check "--skip-bad: the good row imported (exit 0)" test "$RC" = 0
check "... 1 imported, 1 row not usable" grep -q "1 imported, 0 duplicates skipped, 1 rows not usable" "$T/out"
check "... the bad row listed with its line" grep -q "bad-missing-avg_ts.jsonl:2: .*avg_ts.*(skipped)" "$T/err"

# a newer schema, random bytes, a truncated copy, another program's database: clear errors, files unchanged
cp "$DB" "$T/newer.db"
python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version = 42'); c.commit(); c.close()" "$T/newer.db"
cp "$T/newer.db" "$T/newer.before"
NEWER="newer.db: runs database schema version 42 is newer than this llmcap knows"
run_bad -E "newer schema: import" 2 "$NEWER" runs import --db "$T/newer.db" "$CASES/history-1.jsonl"
run_bad -E "newer schema: list" 2 "$NEWER" runs list --db "$T/newer.db"
run_bad -E "newer schema: query --sql" 2 "$NEWER" runs query --db "$T/newer.db" --sql "SELECT 1"
check "the newer database is unchanged" cmp -s "$T/newer.db" "$T/newer.before"
head -c 65536 /dev/urandom >"$T/random.db"
cp "$T/random.db" "$T/random.before"
run_bad -E "random bytes: import" 2 "random.db: not an llmcap runs database \(file is not a database\)" runs import --db "$T/random.db" "$CASES/history-1.jsonl"
run_bad -E "random bytes: list" 2 "random.db: not an llmcap runs database" runs list --db "$T/random.db"
check "the random file is unchanged" cmp -s "$T/random.db" "$T/random.before"
head -c $(($(stat -c %s "$DB") / 2)) "$DB" >"$T/cut.db"
cp "$T/cut.db" "$T/cut.before"
run_bad -E "a truncated database: import" 2 "cut.db: not an llmcap runs database" runs import --db "$T/cut.db" "$CASES/history-1.jsonl"
run_bad -E "a truncated database: query" 2 "cut.db: not an llmcap runs database" runs query --db "$T/cut.db" --sql "SELECT count(*) FROM runs"
check "the truncated file is unchanged" cmp -s "$T/cut.db" "$T/cut.before"
python3 -c "
import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE notes (x)'); c.commit(); c.close()" "$T/other.db"
cp "$T/other.db" "$T/other.before"
run_bad -E "another program's database" 2 "other.db: not an llmcap runs database \(an SQLite database of another application\)" runs import --db "$T/other.db" "$CASES/history-1.jsonl"
check "the other database is unchanged" cmp -s "$T/other.db" "$T/other.before"
run_bad -E "list on a database that is not there" 1 "no runs database yet" runs list --db "$T/none.db"
check "... and none was created" test ! -e "$T/none.db"
run_bad -E "runs with no command" 2 "usage: llmcap runs" runs
run_bad -E "runs: an unknown command" 2 "unknown command 'frobnicate'" runs frobnicate
run_bad -E "runs import: no file" 2 "no file given" runs import --db "$DB"

# ---- the default database path -------------------------------------------------------------
run_ok "import without --db (HOME=$T/home)" runs import "$CASES/history-1.jsonl"
check "the default database is ~/.local/share/llmcap/runs.db" test -s "$T/home/.local/share/llmcap/runs.db"
XDG_DATA_HOME=$T/xdg run runs import "$CASES/history-1.jsonl"
check "with XDG_DATA_HOME: \$XDG_DATA_HOME/llmcap/runs.db" test "$RC" = 0 -a -s "$T/xdg/llmcap/runs.db"

# ---- two (four) importers at once lose nothing ------------------------------------------------
python3 - "$T" <<'EOF'
import json, sys
T = sys.argv[1]
for p in range(4):
    with open(f"{T}/many-{p}.jsonl", "w") as f:
        for i in range(1500):
            f.write(json.dumps({"build_commit": f"proc{p}", "test_time": "2025-01-01T00:00:00Z", "gpu_info": "NVIDIA GeForce RTX 4090",
                                "backends": "CUDA", "model_type": "llama 8B Q4_K - Medium", "model_n_params": 8030261248,
                                "n_prompt": 0, "n_gen": 128, "avg_ts": 100 + i * 0.001, "stddev_ts": 0.5}) + "\n")
EOF
pids=()
for p in 0 1 2 3; do
    "$LLMCAP" runs import --db "$T/conc.db" "$T/many-$p.jsonl" >"$T/conc-$p.out" 2>&1 &
    pids+=($!)
done
conc_ok=0
for i in 0 1 2 3; do wait "${pids[$i]}" && conc_ok=$((conc_ok + 1)); done
check "four importers at once: all exit 0" test "$conc_ok" = 4 || cat "$T"/conc-*.out
run_ok "count the rows" runs query --db "$T/conc.db" --csv --sql "SELECT count(*) AS n, count(DISTINCT build) AS b FROM runs JOIN builds ON builds.id = runs.build_id"
check "... 6000 runs of 4 builds" diff <(printf 'n,b\n6000,4\n') "$T/out"

# ---- llmcap-engine bench --db -------------------------------------------------------------------
if [ -x "$ENGINE" ]; then
    "$ENGINE" mkmodel --shape tiny --type Q8_0 -o "$T/tiny.gguf" >/dev/null 2>&1
    "$ENGINE" bench -m "$T/tiny.gguf" -p 16 -n 8 -r 2 -t 1 --membw-mib 4 -o json --db "$T/bench.db" >"$T/bench.json" 2>"$T/bench.err"
    check "bench --db: exit 0" test $? = 0
    check "bench --db: says what it stored" grep -q "bench --db: 2 runs stored in $T/bench.db" "$T/bench.err"
    run_ok "the rows bench printed are the rows it stored (all duplicates)" runs import --db "$T/bench.db" "$T/bench.json"
    check "... 0 imported, 2 duplicates" grep -q "0 imported, 2 duplicates skipped" "$T/out"
    run_ok "bench rows in the database" runs query --db "$T/bench.db" --json
    save bench-rows.json
    py <<'EOF'
from chk import *
rows = load("bench-rows.json")
b = json.load(open(f"{T}/bench.json"))
check("bench --db: 2 runs, engine llmcap-engine, a model file hash", len(rows) == 2
      and all(r["engine"] == "llmcap-engine" and r["model_file_hash"].startswith("gguf-header-fnv1a64:") for r in rows), rows[:1])
check("bench --db: tokens/s, stddev and p95 latency as printed", sorted((r["test"], r["tok_s"], r["stddev_tok_s"], r["latency_p95_ms"]) for r in rows)
      == sorted((("pp%d" % x["n_prompt"]) if x["n_prompt"] else ("tg%d" % x["n_gen"]), x["avg_ts"], x["stddev_ts"] or None, x["latency_p95_ms"]) for x in b),
      (rows, b))
EOF
    "$ENGINE" bench -m "$T/tiny.gguf" -p 16 -n 0 -r 2 -t 1 --membw-mib 4 -o jsonl | "$LLMCAP" runs import --db "$T/bench.db" - >"$T/out" 2>"$T/err"
    check "bench -o jsonl | runs import -: 1 imported" grep -q "1 imported, 0 duplicates" "$T/out"
    cp "$T/random.before" "$T/random2.db"
    "$ENGINE" bench -m "$T/tiny.gguf" -p 16 -n 0 -r 1 -t 1 --membw-mib 0 --db "$T/random2.db" >/dev/null 2>"$T/err"
    check "bench --db on a file that is not a database: exit 2" test $? = 2
    check "... a clear message" grep -q "not an llmcap runs database" "$T/err"
    check "... the file unchanged" cmp -s "$T/random2.db" "$T/random.before"
else
    echo "skip: $ENGINE not built: bench --db not tested"
fi

finish
