# engine/webgpu/webgpu.mk - the WebGPU backend's build pieces (included by the Makefile).
#
# Native: Dawn's libwebgpu_wrapper.so from npm bun-webgpu-linux-x64@0.1.7
# (package.json pins it; `make deps-webgpu` installs it and Mesa 25's lavapipe
# Vulkan driver from bookworm-backports). The engine dlopens the library at run
# time, so a CPU-only run never needs it; the build records the default path.
# WGSL: engine/webgpu/shaders/*.wgsl are embedded as C strings (tools/embed.c),
# one `wgsl_<file name>` array per file.

DAWN_LIB    := node_modules/bun-webgpu-linux-x64/libwebgpu_wrapper.so
WGSL_SRC    := $(sort $(wildcard engine/webgpu/shaders/*.wgsl))
WGSL_EMBED  := $(BUILD)/gen/wgsl_embed.c

$(BUILD)/obj/engine/webgpu/wg_dawn.o: ALLCFLAGS += -DLLMCAP_DAWN_DEFAULT=\"$(abspath $(DAWN_LIB))\"

$(WGSL_EMBED): $(BUILD)/tools/embed $(WGSL_SRC)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ $(foreach f,$(WGSL_SRC),wgsl_$(basename $(notdir $(f))) $(f))

$(BUILD)/obj/gen/wgsl_embed.o: $(WGSL_EMBED)
	@mkdir -p $(dir $@)
	$(CC) -O1 -c $< -o $@

$(ENG_LIB): $(BUILD)/obj/gen/wgsl_embed.o

# Dawn, dawn.node and playwright-core (npm, pinned in package.json and
# package-lock.json), lavapipe (Mesa 25, bookworm-backports) and Chromium:
# what the WebGPU backend's tests need on Debian 12.
.PHONY: deps-webgpu
deps-webgpu:
	@dpkg -s chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }
	@if ! dpkg -s mesa-vulkan-drivers 2>/dev/null | grep -q '^Version: 2[5-9]'; then \
	  if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then \
	    printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
	      | $(SUDO) tee /etc/apt/sources.list.d/llmcap-backports.sources >/dev/null; fi; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1; fi
	@[ -f $(DAWN_LIB) ] && [ -d node_modules/webgpu ] && [ -d node_modules/playwright-core ] && [ -d node_modules/uplot ] || \
	  npm ci --no-audit --no-fund

# A folder to copy to a GPU machine (engine + Dawn + Vulkan loader + runtime
# libraries + the benchmark script): bench/gpu_bundle.sh. Run there:
#   build/bundle-gpu/gpu_bench.sh OUT_DIR
.PHONY: bundle-gpu
bundle-gpu: deps-webgpu
	@$(MAKE) --no-print-directory $(ENG_CLI) $(BUILD)/bench/gpu_membw
	bench/gpu_bundle.sh $(BUILD) $(BUILD)/bundle-gpu
