# ---- the browser calculator (issue 5): make web, make serve, make test-web ----
# build/web/ is the whole site: web/*.{html,js,css}, the WASM estimator (make wasm-estimator:
# llmcap-estimator.{js,wasm}, estimator.js), uPlot from node_modules (npm ci), and data/*.json.
# ESTIMATOR_DIR=DIR takes the estimator files from elsewhere (a development mock).
WEB_DIR       := $(BUILD)/web
ESTIMATOR_DIR ?= $(WASM_DIR)
WEB_ESTIMATOR := llmcap-estimator.js llmcap-estimator.wasm estimator.js
WEB_ENGINE    := llmcap-engine.js llmcap-engine.wasm llmcap-engine-mt.js llmcap-engine-mt.wasm llmcap-engine-mt.worker.js \
                 api.js llmcap-engine-webgpu.js llmcap-engine-webgpu.wasm api_webgpu.js
UPLOT_DIST    := node_modules/uplot/dist
SERVE_PORT    ?= 8080

.PHONY: web serve test-web web-for-test

# assemble build/web (cheap: copies only; the estimator is rebuilt by its own rule when stale)
web:
	@if [ "$(ESTIMATOR_DIR)" = "$(WASM_DIR)" ]; then $(MAKE) --no-print-directory wasm-estimator; fi
	@# the engine builds "Measure this device" runs (make wasm-engine wasm-webgpu)
	@$(MAKE) --no-print-directory wasm-engine wasm-webgpu
	@for f in $(WEB_ESTIMATOR); do [ -f $(ESTIMATOR_DIR)/$$f ] || { echo "web: $(ESTIMATOR_DIR)/$$f missing (make wasm-estimator)"; exit 2; }; done
	@[ -f $(UPLOT_DIST)/uPlot.esm.js ] || npm ci --no-audit --no-fund
	@[ -f $(UPLOT_DIST)/uPlot.esm.js ] || { echo "web: $(UPLOT_DIST)/uPlot.esm.js missing: run npm ci"; exit 2; }
	@rm -rf $(WEB_DIR).tmp && mkdir -p $(WEB_DIR).tmp/data
	@cp web/*.html web/*.js web/*.css $(WEB_DIR).tmp/
	@cp $(addprefix $(ESTIMATOR_DIR)/,$(WEB_ESTIMATOR)) $(WEB_DIR).tmp/
	@cp $(UPLOT_DIST)/uPlot.esm.js $(UPLOT_DIST)/uPlot.min.css node_modules/uplot/LICENSE $(WEB_DIR).tmp/ 2>/dev/null || \
	  cp $(UPLOT_DIST)/uPlot.esm.js $(UPLOT_DIST)/uPlot.min.css $(WEB_DIR).tmp/
	@cp data/*.json $(WEB_DIR).tmp/data/
	@# "Measure this device" (web/measure.js) runs the engine builds of make wasm-engine / wasm-webgpu, when built
	@for f in $(WEB_ENGINE); do [ ! -f $(WASM_DIR)/$$f ] || cp $(WASM_DIR)/$$f $(WEB_DIR).tmp/; done
	@printf '{"version": "%s", "measure": %s}\n' "$(VERSION)" "$$([ -f web/measure.js ] && echo true || echo false)" > $(WEB_DIR).tmp/build-info.json
	@rm -rf $(WEB_DIR) && mv $(WEB_DIR).tmp $(WEB_DIR)
	@echo "web: $(WEB_DIR) assembled (make serve)"

# serve build/web on http://127.0.0.1:$(SERVE_PORT)/ with COOP/COEP (cross-origin isolation)
serve: web
	python3 tools/serve.py --dir $(WEB_DIR) --port $(SERVE_PORT)

# the page in headless Chromium against the native CLI (tests/web/test_page.mjs)
test-web: web
	@$(MAKE) --no-print-directory $(CLI) $(ENG_CLI)
	@LLMCAP=$(CLI) LLMCAP_ENGINE=$(ENG_CLI) node tests/web/test_page.mjs $(WEB_DIR)

# make test assembles the page too when emcc is there (tests/run_all.sh runs it when build/web exists)
test: web-for-test
web-for-test: deps deps-webgpu
	@if [ -z "$(SANITIZE)" ] && command -v $(EMCC) >/dev/null; then $(MAKE) --no-print-directory web; \
	  else echo "note: emcc not found or sanitized run: the browser calculator is not tested"; fi
