# tests/fuzz/fuzz.mk - libFuzzer targets; the top Makefile includes this file.
#
#   make fuzz         build every fuzz target and run each for FUZZ_SECONDS (default 60)
#   make fuzz-smoke   short run for the test suite: each target over its seed corpus + 2000 runs (<= 20 s)
#
# Targets: tests/fuzz/fuzz_gguf.c (the GGUF reader, seeds in tests/fuzz/corpus/gguf/)
# and, when the file exists, tests/fuzz/fuzz_tokenizer.c (the tokenizer; seeds in
# tests/fuzz/corpus/tokenizer/ when that folder exists). Built with clang's
# libFuzzer and ASan + UBSan into build/fuzz/. New inputs go to build/fuzz/work/NAME/
# (the seed folders in the repository are only read); a crash is saved as
# build/fuzz/crash-* and fails the target.
# Overridable: FUZZ_CC (clang), FUZZ_SECONDS, FUZZ_FLAGS (extra libFuzzer flags, e.g. -jobs=4).

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_OUT     := build/fuzz
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -Iestimator -Iengine/format -Iengine
FUZZ_FORMAT_SRC := $(wildcard engine/format/*.c)

FUZZ_NAMES := gguf
ifneq ($(wildcard tests/fuzz/fuzz_tokenizer.c),)
FUZZ_NAMES += tokenizer
endif
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BINS)

$(FUZZ_OUT)/fuzz_gguf: tests/fuzz/fuzz_gguf.c $(FUZZ_FORMAT_SRC) $(wildcard engine/format/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_gguf.c $(FUZZ_FORMAT_SRC) -lm

$(FUZZ_OUT)/fuzz_tokenizer: tests/fuzz/fuzz_tokenizer.c engine/tokenizer.c engine/unicode_tables.c \
                            $(FUZZ_FORMAT_SRC) $(wildcard engine/format/*.h) $(wildcard engine/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_tokenizer.c engine/tokenizer.c engine/unicode_tables.c \
	  $(FUZZ_FORMAT_SRC) -lm

# fuzz_run NAME LIBFUZZER-FLAGS: the work folder first (libFuzzer writes there), seeds second
define fuzz_run
	@mkdir -p $(FUZZ_OUT)/work/$(1)
	$(FUZZ_OUT)/fuzz_$(1) -artifact_prefix=$(FUZZ_OUT)/ $(2) $(FUZZ_FLAGS) $(FUZZ_OUT)/work/$(1) \
	  $(wildcard tests/fuzz/corpus/$(1))

endef

fuzz: $(FUZZ_BINS)
	$(foreach n,$(FUZZ_NAMES),$(call fuzz_run,$(n),-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1))

fuzz-smoke: $(FUZZ_BINS)
	$(foreach n,$(FUZZ_NAMES),$(call fuzz_run,$(n),-runs=2000 -max_total_time=20))
