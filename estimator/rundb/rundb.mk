# estimator/rundb/rundb.mk - the measured-runs database (llmcap_rundb.h) on
# SQLite (Debian libsqlite3-dev), included by the Makefile. It is a library of
# its own, outside the estimator/*.c wildcard, because the WASM estimator
# compiles that wildcard and has no SQLite.
#
#   $(RUNDB_LIB)   build/librundb.a: linked into `llmcap` (llmcap runs) and
#                  `llmcap-engine` (bench --db), before $(LIB), with -lsqlite3
#   tests/estimator/test_rundb.c is built here (it needs the library too)

RUNDB_SRC    := $(wildcard estimator/rundb/*.c)
RUNDB_OBJ    := $(RUNDB_SRC:%.c=$(BUILD)/obj/%.o)
RUNDB_LIB    := $(BUILD)/librundb.a
RUNDB_LDLIBS := -lsqlite3

$(RUNDB_LIB): $(RUNDB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLI) $(ENG_CLI): $(RUNDB_LIB)

$(BUILD)/tests/estimator/test_rundb: tests/estimator/test_rundb.c $(RUNDB_LIB) $(ENG_LIB) $(LIB) tests/test.h
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -Itests -o $@ $< $(RUNDB_LIB) $(ENG_LIB) $(LIB) $(LDFLAGS) $(LDLIBS) $(RUNDB_LDLIBS)

-include $(RUNDB_OBJ:.o=.d)
