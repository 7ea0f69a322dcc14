# estimator/wasm/estimator_wasm.mk - the estimator library for WebAssembly
# (included at the end of the Makefile: it reuses EMCC, WASM_DIR, BUILD,
# INCLUDES, WARN, VERSION, LIB_SRC, LIB, ALLCFLAGS, LDLIBS and SUDO).
#
#   make wasm-estimator        build/wasm/llmcap-estimator.{js,wasm} (MODULARIZE, createLlmcapEstimator)
#                              + build/wasm/estimator.js (the JS API) + the native reference driver
#   make deps-wasm-libs        cJSON and GSL for WASM from Debian's source packages (tools/wasm_deps.sh),
#                              cached in build/wasm-deps/ (about 3 minutes once)
#   make test-wasm-estimator   tests/wasm/test_estimator.js: WASM output == the native CLI's
#   make bench-wasm-estimator  bench/estimator_wasm.js: estimates/s in WASM (node) vs native
#
# `make wasm` and `make wasm-engine` (hence `make test` when emcc is installed)
# build it too. The data (data/*.json) is embedded with the CLI's
# build/gen/data_embed.c, compiled with emcc: the module works offline.

ESTW_DEPS    := build/wasm-deps
ESTW_OBJDIR  := $(BUILD)/wasm-estimator-obj
ESTW_JS      := $(WASM_DIR)/llmcap-estimator.js
ESTW_API     := $(WASM_DIR)/estimator.js
ESTW_NATIVE  := $(BUILD)/wasm-native/llmcap-estimator-native
ESTW_SRC     := $(filter estimator/%,$(LIB_SRC)) $(filter engine/format/%,$(LIB_SRC)) estimator/wasm/estimator_wasm.c
ESTW_OBJ     := $(ESTW_SRC:%.c=$(ESTW_OBJDIR)/%.o) $(ESTW_OBJDIR)/gen/data_embed.o $(ESTW_OBJDIR)/gen/profile_embed.o
ESTW_CFLAGS  := -O3 -msimd128 -mbulk-memory -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(INCLUDES) -Iestimator/wasm \
                -I$(ESTW_DEPS)/include -DLLMCAP_VERSION=\"$(VERSION)\" -MMD -MP
ESTW_LIBS    := $(ESTW_DEPS)/lib/libcjson.a $(ESTW_DEPS)/lib/libgsl.a $(ESTW_DEPS)/lib/libgslcblas.a
# the exports, listed (estimator/wasm/estimator_wasm.h)
ESTW_EXPORT_NAMES := malloc free llmcap_wasm_init llmcap_wasm_last_error llmcap_wasm_last_status \
                llmcap_wasm_last_need_bytes llmcap_wasm_version llmcap_wasm_options llmcap_wasm_list \
                llmcap_wasm_estimate llmcap_wasm_fit llmcap_wasm_set_gguf llmcap_wasm_set_hf_config \
                llmcap_wasm_set_profile llmcap_wasm_default_profile \
                llmcap_wasm_classic_vram_bytes llmcap_wasm_classic_tok_s llmcap_wasm_classic_tok_s_curve \
                llmcap_wasm_classic_offload_bandwidth_gbps llmcap_wasm_classic_oom_check \
                llmcap_wasm_classic_cpu_factor llmcap_wasm_bench_estimates
ESTW_COMMA   := ,
ESTW_EXPORTS := $(subst $(subst ,, ),$(ESTW_COMMA),$(strip $(addprefix _,$(ESTW_EXPORT_NAMES))))
ESTW_LDFLAGS := -O3 -mbulk-memory -sMODULARIZE=1 -sEXPORT_NAME=createLlmcapEstimator -sENVIRONMENT=web,worker,node \
                -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB \
                -sEXPORTED_RUNTIME_METHODS=ccall,cwrap,UTF8ToString,HEAPU8,HEAPF64 \
                -sEXPORTED_FUNCTIONS=$(ESTW_EXPORTS)

.PHONY: wasm-estimator deps-wasm-libs test-wasm-estimator bench-wasm-estimator
wasm: wasm-estimator
# (the test target builds wasm-engine when emcc is installed; this adds the estimator)
wasm-engine: wasm-estimator
wasm-estimator: $(ESTW_JS) $(ESTW_API) $(ESTW_NATIVE)

# cJSON + GSL for WASM (needs apt-get source: a deb-src entry is added when missing, as root or with sudo)
deps-wasm-libs: deps-wasm
	@SUDO=$(SUDO) tools/wasm_deps.sh $(ESTW_DEPS)
# (the script skips what is built; the stamp records a finished run)
ESTW_STAMP   := $(ESTW_DEPS)/built.stamp
$(ESTW_STAMP): tools/wasm_deps.sh
	@command -v $(EMCC) >/dev/null || { echo "emcc not found: install the Debian package emscripten (make deps-wasm)"; exit 2; }
	tools/wasm_deps.sh $(ESTW_DEPS)
	@touch $@
$(ESTW_LIBS): $(ESTW_STAMP)

$(ESTW_OBJDIR)/%.o: %.c $(ESTW_STAMP)
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(ESTW_CFLAGS) $(WARN) -Wno-missing-field-initializers -c $< -o $@
$(ESTW_OBJDIR)/gen/data_embed.o: $(BUILD)/gen/data_embed.c
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) -O1 -c $< -o $@
# the default calibration profile (data/profile.json, estimator/calibrate.mk)
$(ESTW_OBJDIR)/gen/profile_embed.o: $(BUILD)/gen/profile_embed.c
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) -O1 -c $< -o $@

$(ESTW_JS): $(ESTW_OBJ) $(ESTW_STAMP)
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(ESTW_LDFLAGS) $(ESTW_OBJ) $(ESTW_LIBS) -o $@
$(ESTW_API): estimator/wasm/estimator.js
	@mkdir -p $(dir $@)
	cp $< $@

# the same exports compiled natively (the reference of the tests and the benchmark)
$(ESTW_NATIVE): estimator/wasm/native_driver.c estimator/wasm/estimator_wasm.c estimator/wasm/estimator_wasm.h \
                $(BUILD)/obj/gen/data_embed.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Iestimator/wasm -o $@ estimator/wasm/native_driver.c estimator/wasm/estimator_wasm.c \
	  $(BUILD)/obj/gen/data_embed.o $(LIB) $(LDFLAGS) $(LDLIBS)

test-wasm-estimator: wasm-estimator $(CLI) $(ENG_CLI)
	NODE_OPTIONS=--no-experimental-fetch node tests/wasm/test_estimator.js $(WASM_DIR) $(CLI) $(ENG_CLI) $(ESTW_NATIVE)

bench-wasm-estimator: wasm-estimator
	NODE_OPTIONS=--no-experimental-fetch node bench/estimator_wasm.js $(WASM_DIR) $(ESTW_NATIVE)

-include $(ESTW_OBJ:.o=.d)
