"""tests/cli/harness.py - the Python side of harness.bash: what the check scripts that
`py` runs share (harness.bash puts this folder on PYTHONPATH). check() prints the line
`py` counts, "ok NAME" or "FAIL NAME: detail"; T is the test's temporary folder.
A test's own helpers (the chk.py it writes in $T) begin with `from harness import *`."""
import json
import os

T = os.environ["T"]


def check(name, cond, detail=""):
    """one check: prints "ok NAME", or "FAIL NAME: DETAIL" (400 characters of it); returns whether it passed"""
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:400]))
    return bool(cond)


def load(name):
    """the JSON file $T/NAME"""
    with open(os.path.join(T, name)) as f:
        return json.load(f)
