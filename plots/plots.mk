# plots/plots.mk - the gnuplot templates of `llmcap curves` and `make plots`.
#
# Every plots/*.gp is embedded into the CLI (build/gen/plots_embed.c, with
# tools/embed), so a fresh clone or an installed binary needs no plots/ folder:
# the array llmcap_plot_templates[] maps a template's name (its file name
# without .gp) to its text; curves_template() in estimator/cli/curves.c reads it.
#
# make plots: a gallery of every kind of curve in build/plots/ (PNG and SVG),
# the validation plot from ../shared/reference/measured_runs.csv when present.

PLOTS_GP        := $(sort $(wildcard plots/*.gp))
PLOTS_EMBED_OBJ := $(BUILD)/obj/gen/plots_embed.o
PLOTS_DIR       := $(BUILD)/plots
PLOTS_RUNS      ?= ../shared/reference/measured_runs.csv

# C identifier of a template: llmcap_plot_ + the name with '-' as '_'
plot_sym = llmcap_plot_$(subst -,_,$(basename $(notdir $(1))))

$(BUILD)/gen/plots_embed.c: $(BUILD)/tools/embed $(PLOTS_GP) plots/plots.mk
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $@.arrays.c $(foreach f,$(PLOTS_GP),$(call plot_sym,$(f)) $(f))
	@{ cat $@.arrays.c; \
	  printf 'struct llmcap_plot_template { const char *name; const char *text; };\n'; \
	  printf 'extern const struct llmcap_plot_template llmcap_plot_templates[];\n'; \
	  printf 'const struct llmcap_plot_template llmcap_plot_templates[] = {\n'; \
	  $(foreach f,$(PLOTS_GP),printf '    {"%s", %s},\n' '$(basename $(notdir $(f)))' '$(call plot_sym,$(f))';) \
	  printf '    {0, 0}\n};\n'; } > $@.tmp && mv $@.tmp $@ && rm -f $@.arrays.c

$(PLOTS_EMBED_OBJ): $(BUILD)/gen/plots_embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -c $< -o $@

.PHONY: plots
plots: deps
	@$(MAKE) --no-print-directory $(CLI)
	@rm -rf $(PLOTS_DIR) && mkdir -p $(PLOTS_DIR)
	$(CLI) curves bits --model llama-3.1-8b -c 8192 --hardware rtx-4090,rtx-3090,rtx-4060-ti-16gb,apple-m2-ultra \
	  --out $(PLOTS_DIR) --format both
	$(CLI) curves context --model llama-3.1-8b -fa on --hardware rtx-4090 --out $(PLOTS_DIR) --format both
	$(CLI) curves offload --model llama-3.1-70b -c 8192 --hardware rtx-4090 --host cpu-ddr5-6400-2ch \
	  --out $(PLOTS_DIR) --format both
	$(CLI) curves batch --model llama-3.1-8b -c 32768 -fa on --hardware rtx-4090 --out $(PLOTS_DIR) --format both
	$(CLI) curves hardware --model qwen2.5-32b -c 16384 -fa on --out $(PLOTS_DIR) --format both
	@if [ -f $(PLOTS_RUNS) ]; then \
	  echo "$(CLI) curves validation --runs $(PLOTS_RUNS) --out $(PLOTS_DIR) --format both"; \
	  $(CLI) curves validation --runs $(PLOTS_RUNS) --out $(PLOTS_DIR) --format both; \
	else echo "note: $(PLOTS_RUNS) not found: no validation plot"; fi
	@echo "gallery: $(PLOTS_DIR)/ ($$(ls $(PLOTS_DIR)/*.png | wc -l) PNG, $$(ls $(PLOTS_DIR)/*.svg | wc -l) SVG)"
