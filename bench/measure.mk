# make measure: llmcap-engine bench on generated models of real shapes on this
# machine (CPU; WebGPU when a GPU adapter opens), rows appended to
# data/measured/<machine>/runs.jsonl (bench/measure.sh; data/measured/README.md).
# Settings through the environment or the make command line: MEASURE_MODELS,
# MEASURE_MACHINE, MEASURE_OUT, MEASURE_PP, MEASURE_TG, MEASURE_REPS,
# MEASURE_THREADS, MEASURE_WEBGPU=auto|0|1, MEASURE_MODEL_DIR, MEASURE_QUICK=1.
.PHONY: measure
measure: deps
	@$(MAKE) --no-print-directory $(ENG_CLI)
	@LLMCAP_ENGINE=$(ENG_CLI) CC="$(CC)" MEASURE_CMD="make measure" MEASURE_MODEL_DIR="$${MEASURE_MODEL_DIR:-$(BUILD)/models}" \
	  bench/measure.sh
