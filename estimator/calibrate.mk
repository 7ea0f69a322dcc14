# estimator/calibrate.mk - the calibration profile (included by the Makefile).
#
#   make profile        refit data/profile.json (the default profile) from ../shared/reference/measured_runs.csv
#                       and our engine's runs in data/measured/ (llmcap calibrate; deterministic: the same
#                       inputs give the same file, "created" aside)
#   make profile-check  fit again into build/ and compare with data/profile.json (all but "created")
#
# data/profile.json is embedded into the library (build/gen/profile_embed.c, tools/embed.c) as the text
# llmcap_profile_default() parses on first use, so the CLI, the tests and the WASM module share it.

# our engine's runs: bench -o json files and make measure's runs.jsonl (not the Vulkan ICD file kept beside them)
PROFILE_RUNS   ?= ../shared/reference/measured_runs.csv \
                  $(sort $(filter-out %_icd.json,$(wildcard data/measured/*/*.json)) $(wildcard data/measured/*/*.jsonl))
PROFILE_NAME   ?= llmcap-default
PROFILE_OUT    ?= data/profile.json

$(BUILD)/gen/profile_embed.c: $(BUILD)/tools/embed data/profile.json
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@ llmcap_profile_json data/profile.json

$(BUILD)/obj/gen/profile_embed.o: $(BUILD)/gen/profile_embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -c $< -o $@

# the library carries the default profile
$(LIB): $(BUILD)/obj/gen/profile_embed.o

.PHONY: profile profile-check
profile: $(CLI)
	$(CLI) calibrate --name $(PROFILE_NAME) -o $(PROFILE_OUT) $(PROFILE_RUNS)
	@$(MAKE) --no-print-directory $(CLI)

profile-check: $(CLI)
	@mkdir -p $(BUILD)/profile-check
	$(CLI) calibrate --name $(PROFILE_NAME) --start hand-set -o $(BUILD)/profile-check/profile.json $(PROFILE_RUNS) >/dev/null
	@python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); a.pop("created",None); b.pop("created",None); sys.exit(0 if a==b else "data/profile.json differs from a fresh fit: run make profile")' \
	  data/profile.json $(BUILD)/profile-check/profile.json
	@echo "profile-check: data/profile.json equals a fresh fit"
