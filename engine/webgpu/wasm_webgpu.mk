# engine/webgpu/wasm_webgpu.mk - the engine for WebAssembly with the WebGPU
# backend (included by the Makefile after its WASM block and webgpu.mk: it
# reuses EMCC, WASM_DIR, WASM_SRC, WASM_CFLAGS, WARN and WGSL_EMBED, so the
# include goes after both: `include engine/webgpu/wasm_webgpu.mk`).
#
#   make wasm-webgpu        build/wasm/llmcap-engine-webgpu.{js,wasm} + api_webgpu.js
#   make wasm-webgpu-smoke  build/wasm/llmcap-wg-smoke.{js,wasm}: the layer alone (tests/webgpu/wasm_smoke.c)
#   make test-wasm-webgpu   both, then tests/webgpu/test_wasm_webgpu.mjs (node, npm webgpu) and
#                           tests/webgpu/test_browser.mjs (headless Chromium, SwiftShader)
#
# Emscripten 3.1.6: -sUSE_WEBGPU=1 gives the 2022-era webgpu.h that
# engine/webgpu/wg_emscripten.c is written against; the device comes from JS
# (Module.preinitializedWebGPUDevice, set by engine/webgpu/api_webgpu.js).
# -sASYNCIFY lets wg_emscripten.c's one wait function yield to the event loop
# (emscripten_sleep); these exports can reach it and are called from JS with
# ccall(..., {async: true}), one at a time:
#   llmcap_wgpu_ctx_create, llmcap_wgpu_decode, llmcap_wgpu_generate, llmcap_wgpu_bench,
#   llmcap_wgpu_adapter, wg_smoke_run (smoke module).
# Asyncify keeps that call chain's locals in ASYNCIFY_STACK_SIZE bytes while it
# is unwound (64 KiB: forward.c + the backend + the layer are far below).
# wasm_pre.js aliases pass.dispatch() (what 3.1.6's glue calls) to
# dispatchWorkgroups().
#
# WGSL: the same embedded shaders as the native build ($(WGSL_EMBED), written by
# the native tools/embed), compiled with emcc.

WGW_JS      := $(WASM_DIR)/llmcap-engine-webgpu.js
WGW_API     := $(WASM_DIR)/api_webgpu.js
WGW_SMOKE   := $(WASM_DIR)/llmcap-wg-smoke.js
WGW_PRE     := engine/webgpu/wasm_pre.js
WGW_OBJDIR  := $(BUILD)/wasm-webgpu-obj
# the CPU WASM build's sources without its glue (engine/wasm.c), plus the
# backend, the layer and this build's glue; then the embedded WGSL
WGW_SRC      = $(filter-out engine/wasm.c,$(WASM_SRC)) engine/webgpu/backend_webgpu.c \
               engine/webgpu/wg_emscripten.c engine/webgpu/wasm_webgpu.c
WGW_OBJ      = $(WGW_SRC:%.c=$(WGW_OBJDIR)/%.o) $(WGW_OBJDIR)/gen/wgsl_embed.o
WGW_SMOKE_OBJ = $(WGW_OBJDIR)/tests/webgpu/wasm_smoke.o $(WGW_OBJDIR)/engine/webgpu/wg_emscripten.o
# compile: the CPU WASM build's flags (SIMD128, one thread; without its
# -DLLMCAP_NO_WEBGPU); webgpu/webgpu.h is in Emscripten's sysroot, and
# -sUSE_WEBGPU=1 (a link setting) adds its JS library
WGW_CFLAGS   = $(WASM_CFLAGS) -MMD -MP
# link: Asyncify (see above), a growable heap, node + browsers
WGW_LDFLAGS  = -O3 -sUSE_WEBGPU=1 -sASYNCIFY=1 -sASYNCIFY_STACK_SIZE=65536 -sMODULARIZE=1 \
               -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=web,worker,node \
               -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString -sEXPORTED_FUNCTIONS=_malloc,_free \
               --pre-js $(WGW_PRE)
# the files of this build get the native build's strict warnings
$(WGW_OBJDIR)/engine/webgpu/%.o $(WGW_OBJDIR)/tests/webgpu/%.o: WGW_CFLAGS += $(WARN)

.PHONY: wasm-webgpu wasm-webgpu-smoke test-wasm-webgpu
wasm-webgpu: $(WGW_JS) $(WGW_API)
wasm-webgpu-smoke: $(WGW_SMOKE) $(WGW_API)

$(WGW_OBJDIR)/%.o: %.c
	@command -v $(EMCC) >/dev/null || { echo "emcc not found: install the Debian package emscripten (make deps-wasm)"; exit 2; }
	@mkdir -p $(dir $@)
	$(EMCC) $(WGW_CFLAGS) -c $< -o $@

$(WGW_OBJDIR)/gen/wgsl_embed.o: $(WGSL_EMBED)
	@mkdir -p $(dir $@)
	$(EMCC) -O1 -c $< -o $@

$(WGW_JS): $(WGW_OBJ) $(WGW_PRE)
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WGW_LDFLAGS) -sEXPORT_NAME=createLlmcapEngineWebGPU $(WGW_OBJ) -o $@

$(WGW_API): engine/webgpu/api_webgpu.js
	@mkdir -p $(dir $@)
	cp $< $@

$(WGW_SMOKE): $(WGW_SMOKE_OBJ) $(WGW_PRE)
	@mkdir -p $(dir $@)
	NODE_PATH=/usr/share/nodejs $(EMCC) $(WGW_LDFLAGS) -sEXPORT_NAME=createLlmcapWgSmoke $(WGW_SMOKE_OBJ) -o $@

-include $(wildcard $(WGW_OBJDIR)/*/*.d $(WGW_OBJDIR)/*/*/*.d $(WGW_OBJDIR)/*/*/*/*.d)

# LLMCAP_REQUIRE_WEBGPU=1 turns "skip: no WebGPU" into a failure
test-wasm-webgpu: wasm-webgpu wasm-webgpu-smoke
	NODE_OPTIONS=--no-experimental-fetch node tests/webgpu/test_wasm_webgpu.mjs $(WASM_DIR)
	node tests/webgpu/test_browser.mjs $(WASM_DIR)
