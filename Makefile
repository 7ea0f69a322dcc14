# llmcap - will this model fit, and how fast will it run?
#
# The menu (each target builds what it needs; objects and binaries go to build/):
#   make run        install missing Debian packages, build, run an example estimate
#   make test       build and run every test (unit + CLI integration); ends "N passed, N failed"
#   make all        build the library, the `llmcap` CLI and the tests
#   make deps       install the Debian packages the build needs (apt-get; sudo when not root)
#   make bench      speed benchmarks: estimates/s on one core, sweep rows/s as CSV
#   make bench-engine  the engine: decode/prefill tokens/s vs memory bandwidth and llama.cpp
#   make measure    the engine on generated real-shape models here, rows appended to data/measured/
#   make wasm       the engine for WebAssembly (build/wasm/; needs emscripten)
#   make fuzz       libFuzzer on the GGUF reader and the tokenizer (FUZZ_SECONDS=60 each)
#   make accuracy   MAPE of predictions against ../shared/reference/measured_runs.csv
#   make plots      a gallery of `llmcap curves` (every kind, PNG + SVG) in build/plots/
#   make profile    refit data/profile.json (the default calibration) with llmcap calibrate
#   make clean      remove build/
# Overridable: CC, CFLAGS, SANITIZE=address,undefined (a sanitized build in build/san/), O=-O2
# Later issues add: wasm, web, serve, plots.

CC       ?= cc
O        ?= -O2
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wno-unused-parameter
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
INCLUDES := -Iestimator -Iengine/format -Iengine -Iengine/cpu -Iengine/webgpu
ifdef SANITIZE
BUILD    ?= build/san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
O        := -O1 -g
else
BUILD    ?= build
SANFLAGS :=
endif
CFLAGS   ?=
ALLCFLAGS = $(CSTD) $(O) -g $(WARN) $(INCLUDES) $(SANFLAGS) -MMD -MP $(CFLAGS)
LDLIBS   := -lcjson -lgsl -lgslcblas -lm -lpthread -ldl
LDFLAGS  += $(SANFLAGS)

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
ALLCFLAGS += -DLLMCAP_VERSION=\"$(VERSION)\"
COMMIT   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
$(BUILD)/obj/engine/cli/cmd_bench.o: ALLCFLAGS += -DLLMCAP_COMMIT=\"$(COMMIT)\"
# the build flags a bench row records (build_flags; quotes and backslashes dropped)
$(BUILD)/obj/engine/cli/cmd_bench.o: ALLCFLAGS += -DLLMCAP_BUILD_FLAGS="\"$(strip $(O) $(SANFLAGS) $(subst \,,$(subst ",,$(CFLAGS))))\""
# rebuild cmd_bench.o when the commit changes (the stamp is rewritten only then)
$(BUILD)/obj/engine/cli/cmd_bench.o: $(BUILD)/gen/commit.stamp
$(BUILD)/gen/commit.stamp: FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = "$(COMMIT)" ] || echo "$(COMMIT)" > $@
.PHONY: FORCE
FORCE:

LIB_SRC  := $(wildcard estimator/*.c) $(wildcard engine/format/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# the engine: everything under engine/ except the format (in LIB), the CLI and
# the WASM-only SIMD file; SIMD files get their instruction sets per file and
# are only called after a run-time CPU check (engine/cpu/kernels.c)
ENG_SRC  := $(filter-out engine/cpu/simd_wasm.c engine/webgpu/wg_emscripten.c engine/webgpu/wasm_%.c,\
              $(wildcard engine/*.c) $(wildcard engine/cpu/*.c) $(wildcard engine/webgpu/*.c))
ENG_OBJ  := $(ENG_SRC:%.c=$(BUILD)/obj/%.o)
ENG_CLI_SRC := $(wildcard engine/cli/*.c)
ENG_CLI_OBJ := $(ENG_CLI_SRC:%.c=$(BUILD)/obj/%.o)
ENG_LIB  := $(BUILD)/libllmcap-engine.a
ENG_CLI  := $(BUILD)/llmcap-engine
$(BUILD)/obj/engine/cpu/simd_avx2.o: ALLCFLAGS += -mavx2 -mfma -mf16c
$(BUILD)/obj/engine/cpu/simd_avx512.o: ALLCFLAGS += -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni -mavx2 -mfma -mf16c
CLI_SRC  := $(wildcard estimator/cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/estimator/test_*.c) $(wildcard tests/engine/test_*.c) $(wildcard tests/webgpu/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC:= $(wildcard bench/*.c)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

LIB      := $(BUILD)/libllmcap.a
CLI      := $(BUILD)/llmcap

DEB_PKGS := libcjson-dev libgsl-dev gnuplot-nox libsqlite3-dev
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all run deps deps-wasm deps-fuzz test bench bench-engine accuracy clean check-deps wasm wasm-engine

# ---- WebAssembly (Emscripten 3.1.6, Debian package emscripten) ----
# The engine for node and browsers: build/wasm/llmcap-engine.{js,wasm} (one
# thread) and llmcap-engine-mt.{js,wasm,worker.js} (pthreads, a pool of
# WASM_THREADS workers; pages need cross-origin isolation), plus the JS API
# (engine/wasm/api.js) and test_kernels.js (the kernel tests, run in node by
# tests/wasm/test_engine.js). SIMD128 on.
EMCC      ?= emcc
WASM_DIR  := $(BUILD)/wasm
WASM_THREADS ?= 4
WASM_SRC  := engine/model.c engine/forward.c engine/sampler.c engine/tokenizer.c engine/unicode_tables.c \
             engine/wasm.c engine/cpu/backend_cpu.c engine/cpu/pool.c engine/cpu/kernels.c \
             engine/cpu/simd_wasm.c engine/format/gguf.c engine/format/types.c engine/format/quants.c engine/mkmodel.c engine/cpu/membw.c engine/strbuf.c
WASM_CFLAGS := -O3 -msimd128 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(INCLUDES) \
             -DLLMCAP_VERSION=\"$(VERSION)\"
# (the CPU-only builds: no WebGPU backend; engine/webgpu/wasm_webgpu.mk builds one with it)
WASM_FLAGS := $(WASM_CFLAGS) -DLLMCAP_NO_WEBGPU -sMODULARIZE=1 -sEXPORT_NAME=createLlmcapEngine \
             -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=web,worker,node \
             -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString -sEXPORTED_FUNCTIONS=_malloc,_free
# pthreads: workers started with the module (a call cannot wait for one to
# start); EXIT_RUNTIME lets node exit; memory growth with threads is fine here
# (only the calling thread allocates)
WASM_MT_FLAGS := -pthread -sPTHREAD_POOL_SIZE=$(WASM_THREADS) -sEXIT_RUNTIME=1 \
             -DLLMCAP_WASM_MAX_THREADS=$(WASM_THREADS) -Wno-pthreads-mem-growth
WASM_HDRS := $(wildcard engine/*.h engine/cpu/*.h engine/format/*.h)
wasm: wasm-engine
wasm-engine: $(WASM_DIR)/llmcap-engine.js $(WASM_DIR)/llmcap-engine-mt.js $(WASM_DIR)/api.js $(WASM_DIR)/test_kernels.js
$(WASM_DIR)/llmcap-engine.js: $(WASM_SRC) $(WASM_HDRS)
	@command -v $(EMCC) >/dev/null || { echo "emcc not found: install the Debian package emscripten (make deps-wasm)"; exit 2; }
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_FLAGS) $(WASM_SRC) -o $@
$(WASM_DIR)/llmcap-engine-mt.js: $(WASM_SRC) $(WASM_HDRS)
	@command -v $(EMCC) >/dev/null || { echo "emcc not found: install the Debian package emscripten (make deps-wasm)"; exit 2; }
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_FLAGS) $(WASM_MT_FLAGS) $(WASM_SRC) -o $@
# the kernel tests against the SCALAR level, with the WASM128 level present
$(WASM_DIR)/test_kernels.js: tests/engine/test_kernels.c tests/test.h engine/cpu/kernels.c engine/cpu/simd_wasm.c \
                             engine/format/gguf.c engine/format/types.c engine/format/quants.c $(WASM_HDRS)
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WASM_CFLAGS) -Itests -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node \
	  -sEXIT_RUNTIME=1 $(filter %.c,$^) -o $@
$(WASM_DIR)/api.js: engine/wasm/api.js
	@mkdir -p $(dir $@)
	cp $< $@
deps-fuzz:
	@dpkg -s clang libclang-rt-14-dev >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clang libclang-rt-14-dev; }
deps-wasm:
	@dpkg -s emscripten >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq emscripten; }

all: check-deps $(CLI) $(ENG_CLI) $(TEST_BIN) $(BENCH_BIN)

# install what is missing (Debian 12); quiet when everything is there
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

check-deps:
	@test -f /usr/include/cjson/cJSON.h || { echo "missing cJSON headers: run 'make deps' (Debian package libcjson-dev)"; exit 2; }
	@test -f /usr/include/sqlite3.h || { echo "missing SQLite headers: run 'make deps' (Debian package libsqlite3-dev)"; exit 2; }
	@test -f /usr/include/gsl/gsl_statistics.h || { echo "missing GSL headers: run 'make deps' (Debian package libgsl-dev)"; exit 2; }

# the README's first command: set up, build, and answer a real question
run: deps
	@$(MAKE) --no-print-directory $(CLI)
	$(CLI) estimate --model llama-3.1-8b --quant Q4_K_M --hardware rtx-4090 --ctx 8192

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# data/*.json embedded into the CLI (llmcap --data DIR reads other files)
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/data_embed.c: $(BUILD)/tools/embed data/hardware.json data/models.json
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ llmcap_hardware_json data/hardware.json llmcap_models_json data/models.json

$(BUILD)/obj/gen/data_embed.o: $(BUILD)/gen/data_embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -c $< -o $@

# plots/*.gp embedded into the CLI (PLOTS_EMBED_OBJ), and `make plots`
include plots/plots.mk

$(CLI): $(CLI_OBJ) $(BUILD)/obj/gen/data_embed.o $(PLOTS_EMBED_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/obj/gen/data_embed.o $(PLOTS_EMBED_OBJ) $(RUNDB_LIB) $(LIB) $(LDLIBS) $(RUNDB_LDLIBS)

$(ENG_LIB): $(ENG_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(ENG_CLI): $(ENG_CLI_OBJ) $(BUILD)/obj/gen/data_embed.o $(ENG_LIB) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(ENG_CLI_OBJ) $(BUILD)/obj/gen/data_embed.o $(RUNDB_LIB) $(ENG_LIB) $(LIB) $(LDLIBS) $(RUNDB_LDLIBS)

$(BUILD)/tests/%: tests/%.c $(ENG_LIB) $(LIB) tests/test.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests -o $@ $< $(ENG_LIB) $(LIB) $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(ENG_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $< $(ENG_LIB) $(LIB) $(LDFLAGS) $(LDLIBS)

# every test binary and the CLI integration tests; totals on the last line
# (the WASM engine is built and tested in node when emcc is installed; not in
# the sanitized run, whose subject is the native code)
test: deps deps-webgpu
	@$(MAKE) --no-print-directory all
	@if [ -z "$(SANITIZE)" ]; then if command -v $(EMCC) >/dev/null; then $(MAKE) --no-print-directory wasm-engine wasm-webgpu wasm-webgpu-smoke; \
	  else echo "note: emcc not found, the WASM engine is not tested (make deps-wasm)"; fi; fi
	@LLMCAP=$(CLI) LLMCAP_ENGINE=$(ENG_CLI) BUILD=$(BUILD) WASM_DIR=$(if $(SANITIZE),,$(WASM_DIR)) SANITIZED=$(SANITIZE) tests/run_all.sh $(TEST_BIN)

bench: deps
	@$(MAKE) --no-print-directory all
	@LLMCAP=$(CLI) bench/run_bench.sh $(BUILD)
	@if command -v $(EMCC) >/dev/null; then $(MAKE) --no-print-directory bench-wasm-estimator; \
	  else echo "note: emcc not found: no WASM estimator benchmark (make deps-wasm)"; fi

# the engine's decode/prefill speed and memory against the targets (bench/engine_bench.sh)
bench-engine: deps
	@$(MAKE) --no-print-directory $(ENG_CLI)
	@-$(MAKE) --no-print-directory wasm-engine 2>/dev/null
	@LLMCAP_ENGINE=$(ENG_CLI) bench/engine_bench.sh $(BUILD)

# llmcap compare: every usable row, per group and overall (depth 0 / filled context / batched)
accuracy: deps
	@$(MAKE) --no-print-directory $(CLI)
	$(CLI) compare ../shared/reference/measured_runs.csv --summary

clean:
	rm -rf build

# the WebGPU backend: Dawn from npm, WGSL embedding (engine/webgpu/webgpu.mk)
include engine/webgpu/webgpu.mk
# ... and for WebAssembly (Emscripten's WebGPU, Asyncify): make wasm-webgpu
include engine/webgpu/wasm_webgpu.mk

# libFuzzer targets: make fuzz (long run), make fuzz-smoke (the test suite's short run)
include tests/fuzz/fuzz.mk

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(ENG_OBJ:.o=.d) $(ENG_CLI_OBJ:.o=.d)
include web/web.mk

# the estimator for WebAssembly: make wasm-estimator (estimator/wasm/estimator_wasm.mk)
include estimator/wasm/estimator_wasm.mk

# the measured-runs database on SQLite: build/librundb.a for `llmcap runs` and `bench --db` (estimator/rundb/rundb.mk)
include estimator/rundb/rundb.mk

# the calibration profile: make profile (estimator/calibrate.mk; data/profile.json, embedded in the library)
include estimator/calibrate.mk

# our own measured runs: make measure (bench/measure.mk, bench/measure.sh)
include bench/measure.mk
