# tests/cli/harness.bash - the helpers the CLI integration tests (tests/cli/test_*.sh)
# share: the pass/fail counters and checks, the temporary folder $T, running the
# binary under test with its output in $T/out and $T/err, and the runner of Python
# check scripts.
#
# Not a test itself (tests/run_all.sh runs every tests/cli/*.sh, hence the name).
# A test sources it, then makes its folder and names its binary:
#     . "$(dirname "$0")/harness.bash"
#     tmp_dir llmcap-NAME            # T, exported, removed on exit
#     BIN=$LLMCAP                    # what `run` calls
# and ends with `finish` (the "N passed, N failed" line; status 1 when a check failed).

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); printf 'FAIL: %s\n' "$*"; }
# check DESCRIPTION COMMAND...: one check, passes when COMMAND succeeds (returns 1 when it fails)
check() { local d=$1; shift; if "$@"; then ok; else bad "$d"; return 1; fi; }
# finish: the last line, "N passed, N failed"; returns 1 when a check failed
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }

# tmp_dir NAME: a fresh folder ${TMPDIR:-/tmp}/NAME.XXXXXX as $T (exported), removed on exit
tmp_dir() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
    export T
    trap 'rm -rf "$T"' EXIT
}

# run ARGS...: $BIN with stdout in $T/out, stderr in $T/err, status in RC
RC=0
run() { "$BIN" "$@" >"$T/out" 2>"$T/err"; RC=$?; }
# run_ok NAME ARGS...: run, and check status 0 with nothing on stderr
run_ok() {
    local name=$1; shift
    run "$@"
    if [ "$RC" = 0 ] && [ ! -s "$T/err" ]; then ok; else bad "$name: exit $RC, stderr: $(head -c 400 "$T/err")"; fi
}
# run_bad [-E] NAME STATUS PATTERN ARGS...: run, and check the status and that a stderr
# line matches PATTERN, a basic regular expression (with -E: an extended one)
run_bad() {
    local mode=-G
    if [ "$1" = -E ]; then mode=-E; shift; fi
    local name=$1 want=$2 pat=$3; shift 3
    run "$@"
    if [ "$RC" = "$want" ] && grep -q "$mode" -- "$pat" "$T/err"; then ok
    else bad "$name: exit $RC (want $want), stderr: $(head -c 400 "$T/err")"; fi
}
# save NAME: keep the last stdout as $T/NAME
save() { cp "$T/out" "$T/$1"; }

# py ARGS...: a Python check script on stdin (python3 - ARGS...), run in the folder $PY_DIR
# (default: here, the repository root) with $T (for the chk.py a test writes there) and
# this folder (harness.py: T, check, load) on PYTHONPATH. The script prints "ok NAME" or
# "FAIL NAME: detail" per check; other lines are passed through, and a script that exits
# non-zero is one more failure. (No __pycache__ is written beside harness.py.)
HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py() {
    local out rc line
    out=$(cd "${PY_DIR:-.}" && PYTHONPATH=$T:$HARNESS_DIR PYTHONDONTWRITEBYTECODE=1 python3 - "$@" 2>&1); rc=$?
    while IFS= read -r line; do
        case $line in
        "ok "*) ok ;;
        "FAIL "*) bad "${line#FAIL }" ;;
        "") ;;
        *) printf '%s\n' "$line" ;;
        esac
    done <<<"$out"
    [ "$rc" = 0 ] || bad "python check script exited $rc"
}
