#!/usr/bin/env bash
# wasm_deps.sh - build cJSON and GSL for WebAssembly from Debian's source
# packages (apt-get source cjson gsl), installed into one prefix:
#   OUT/include/cjson/cJSON.h, OUT/include/gsl/*.h, OUT/lib/libcjson.a, OUT/lib/libgsl.a, OUT/lib/libgslcblas.a
# Nothing of theirs is copied into the repository: the sources are fetched at
# build time into OUT/src and the results stay under build/.
#
# usage: tools/wasm_deps.sh [OUT]      (default build/wasm-deps; make deps-wasm-libs)
# Cached: when OUT/lib/libcjson.a and OUT/lib/libgsl.a exist nothing is done.
# Needs: emscripten (make deps-wasm), dpkg-dev (for apt-get source), and a
# deb-src entry: when none exists one is added, copied from the `deb` entry of
# /etc/apt/sources.list.d/debian.sources (needs root; sudo is used otherwise).
# Emscripten 3.1.6 quirks (../shared/docs/toolchain.md): NODE_PATH for acorn;
# Debian's GSL tarball has no doc/ sources, so `doc` is dropped from SUBDIRS;
# node 20 needs NODE_OPTIONS=--no-experimental-fetch to run configure's tests.
set -eu
OUT=${1:-build/wasm-deps}
JOBS=${JOBS:-2}
if [ -f "$OUT/lib/libcjson.a" ] && [ -f "$OUT/lib/libgsl.a" ] && [ -f "$OUT/include/cjson/cJSON.h" ]; then
  exit 0
fi
command -v emcc >/dev/null || { echo "wasm_deps: emcc not found: install the Debian package emscripten (make deps-wasm)"; exit 2; }
export NODE_PATH=/usr/share/nodejs
# configure runs its test programs in node; node 20's fetch breaks the 3.1.6 loader
export NODE_OPTIONS=--no-experimental-fetch
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

# --- a deb-src entry, so that `apt-get source` works ---
have_src() {
  grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! have_src; then
  src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || { echo "wasm_deps: no deb-src entry and no $src to copy one from"; exit 2; }
  echo "wasm_deps: adding a deb-src entry (/etc/apt/sources.list.d/llmcap-deb-src.sources)"
  # the first stanza of debian.sources (the main archive), Types changed to deb-src
  awk 'BEGIN{RS=""} NR==1 {sub(/Types:[^\n]*/, "Types: deb-src"); print; exit}' "$src" |
    $SUDO tee /etc/apt/sources.list.d/llmcap-deb-src.sources >/dev/null
  $SUDO apt-get update -qq
fi
dpkg -s dpkg-dev >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dpkg-dev; }

mkdir -p "$OUT/src" "$OUT/lib" "$OUT/include"
OUT=$(cd "$OUT" && pwd)
cd "$OUT/src"

# --- cJSON: one C file ---
if [ ! -f "$OUT/lib/libcjson.a" ] || [ ! -f "$OUT/include/cjson/cJSON.h" ]; then
  d=$(ls -d cjson-*/ 2>/dev/null | head -n1 || true)
  if [ -z "$d" ]; then apt-get source -qq cjson >/dev/null 2>&1 || apt-get source cjson; d=$(ls -d cjson-*/ | head -n1); fi
  echo "wasm_deps: cJSON from $d"
  emcc -O2 -c "$d/cJSON.c" -o cJSON.o
  rm -f "$OUT/lib/libcjson.a"
  emar rcs "$OUT/lib/libcjson.a" cJSON.o
  mkdir -p "$OUT/include/cjson"
  cp "$d/cJSON.h" "$OUT/include/cjson/cJSON.h"
fi

# --- GSL: autotools (about 3 minutes on 2 cores) ---
if [ ! -f "$OUT/lib/libgsl.a" ]; then
  d=$(ls -d gsl-*/ 2>/dev/null | head -n1 || true)
  if [ -z "$d" ]; then apt-get source -qq gsl >/dev/null 2>&1 || apt-get source gsl; d=$(ls -d gsl-*/ | head -n1); fi
  echo "wasm_deps: GSL from $d (emconfigure + emmake, a few minutes)"
  cd "$d"
  # Debian's source has no doc/ build files
  sed -i -E 's/^(SUBDIRS = .*) doc( |$)/\1\2/' Makefile.am Makefile.in 2>/dev/null || true
  emconfigure ./configure --disable-shared --enable-static --prefix="$OUT" >/dev/null
  sed -i -E 's/^(SUBDIRS = .*) doc( |$)/\1\2/' Makefile
  emmake make -j"$JOBS" >/dev/null
  emmake make install >/dev/null
  cd "$OUT/src"
fi
echo "wasm_deps: ready in $OUT (lib: $(ls "$OUT/lib" | grep '\.a$' | tr '\n' ' '))"
