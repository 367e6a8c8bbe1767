# Twain build rules (called through the top-level Makefile, after tools/install-deps).
#
# Variants: the default (-O2) builds into build/ (build/twain); OPT=0 into build/O0/,
# SAN=1 (ASan+UBSan) into build/san/. Objects live in build/obj/<variant>/. Another
# compiler (make CC=clang) prefixes its name: build/clang-O2/twain, build/clang-O0/,
# build/clang-san/, so gcc and clang builds sit side by side.
#
# Layers and their flags:
#   core/ providers/ user/ boot/*.c hal/sim/sim_*  freestanding (-ffreestanding -nostdinc): no libc
#   hal/sim/host_* sim-harness/           hosted (libc, cJSON, SDL2)

SAN ?= 0
OPT ?= 2
CC := gcc
COMPILER := $(notdir $(firstword $(CC)))
VARIANT := $(if $(filter-out gcc,$(COMPILER)),$(COMPILER)-)$(if $(filter 1,$(SAN)),san,O$(OPT))
# The archiver must read the compiler's LTO objects to index their symbols: gcc-ar for
# gcc's GIMPLE, the compiler's own llvm-ar for clang's bitcode (an archive gcc-ar wrote
# from bitcode has no symbols, and nothing links from it). The link is clang's default,
# GNU ld with the LLVMgold plugin of the same LLVM (so clang-19 works as well as clang).
IS_CLANG := $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -q __clang__ && echo 1)
AR := $(if $(IS_CLANG),$(shell $(CC) -print-prog-name=llvm-ar),gcc-ar)
B := build
OBJ := $(B)/obj/$(VARIANT)
BIN := $(if $(filter O2,$(VARIANT)),$(B),$(B)/$(VARIANT))

WARN := -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
        -Wundef -Wpointer-arith -Wvla -fno-common
SANITIZERS := -fsanitize=address,undefined -fno-sanitize-recover=all
SANFLAGS := $(if $(filter 1,$(SAN)),$(SANITIZERS))
# Link-time optimisation in the -O2 build: the kernel is many small files whose tiny
# accessors (thread_current, clock_now ...) sit on every system call's path.
LTO := $(if $(filter O2,$(VARIANT)),-flto=auto)
BASE := $(WARN) -O$(OPT) -g -fno-omit-frame-pointer -fno-strict-aliasing $(SANFLAGS) $(LTO) -MMD -MP
FREESTANDING := -ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
                -fno-stack-protector
HOSTED := -D_GNU_SOURCE $(shell pkg-config --cflags libcjson sdl2 2>/dev/null)
HOST_LIBS := $(shell pkg-config --libs libcjson) -lm
CHECK_LIBS := $(shell pkg-config --libs check)

include tools/proto.mk # the protocols: PROTO_ALL_SRC (nanopb's runtime, generated code, proto/)
KERNEL_SRC := $(sort $(wildcard core/*.c providers/*.c user/*.c user/servers/*.c boot/*.c hal/sim/sim_*.c)) \
              $(PROTO_ALL_SRC)
HOST_SRC := $(sort $(wildcard hal/sim/host_*.c))
ASM_SRC := hal/x86_64/switch.S
HARNESS_SRC := $(sort $(wildcard sim-harness/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

KERNEL_OBJ := $(KERNEL_SRC:%.c=$(OBJ)/%.o)
HOST_OBJ := $(HOST_SRC:%.c=$(OBJ)/%.o) $(ASM_SRC:%.S=$(OBJ)/%.o)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(OBJ)/%.o)
LIB := $(OBJ)/libtwain.a
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BIN)/tests/%)

TWAIN := $(BIN)/twain
Q := $(if $(V),,@)

.PHONY: campaign campaign-test all twain run test unit-tests scenario-tests ops-doc layout-doc bench fuzz fuzz-build fuzz-smoke fuzz-afl fuzz-planted fuzz-features fuzz-bench \
        coverage lint-scenarios \
        format format-check layering clean-objs
.SUFFIXES:
.SECONDARY:

all: layering $(TWAIN) $(UNIT_BIN) proto-py # and the benchmark and the codec tool, below

twain: $(TWAIN)

$(OBJ)/core/%.o $(OBJ)/providers/%.o $(OBJ)/user/%.o $(OBJ)/boot/%.o: CFLAGS_LAYER = $(FREESTANDING)
$(OBJ)/user/servers/%.o: CFLAGS_LAYER = $(FREESTANDING)
$(OBJ)/hal/sim/sim_%.o: CFLAGS_LAYER = $(FREESTANDING)
$(OBJ)/hal/sim/host_%.o $(OBJ)/sim-harness/%.o $(OBJ)/tests/%.o: CFLAGS_LAYER = $(HOSTED)

# Objects depend on the flags they were built with: changing a flag rebuilds them.
FLAGS_STAMP := $(OBJ)/.flags
FLAGS_NOW := $(CC) $(BASE) | $(FREESTANDING) | $(HOSTED) | $(PB_CFLAGS)
$(shell mkdir -p $(OBJ); echo '$(FLAGS_NOW)' | cmp -s - $(FLAGS_STAMP) || echo '$(FLAGS_NOW)' > $(FLAGS_STAMP))

$(OBJ)/%.o: %.c $(FLAGS_STAMP) | $(PROTO_GEN)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(BASE) $(CFLAGS_LAYER) $(PROTO_INC) -c $< -o $@

$(OBJ)/%.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  AS      $<")
	$(Q)$(CC) $(SANFLAGS) -c $< -o $@

$(LIB): $(KERNEL_OBJ) $(HOST_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(TWAIN): $(HARNESS_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $(HARNESS_OBJ) $(LIB) $(HOST_LIBS)

HARNESS_LIB_OBJ := $(filter-out $(OBJ)/sim-harness/main.o,$(HARNESS_OBJ))
$(BIN)/tests/%: $(OBJ)/tests/unit/%.o $(HARNESS_LIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $< $(HARNESS_LIB_OBJ) $(LIB) $(CHECK_LIBS) $(HOST_LIBS)

# tests/proto/python_roundtrip's C side (tools/proto.mk: make proto-tests).
all: $(PROTO_TOOL)
$(PROTO_TOOL): $(OBJ)/tests/proto/svc_codec_tool.o $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $< $(LIB) $(HOST_LIBS)
TEST_EXTRA += proto-tests

# ---- checks -------------------------------------------------------------------------

layering:
	@tools/check-layering

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

# ---- running ------------------------------------------------------------------------

SCENARIO ?= scenarios/demo.json
SEED ?=
run: $(TWAIN)
	@tools/run-demo $(TWAIN) $(SCENARIO) $(SEED)

unit-tests: $(UNIT_BIN)
	@tools/run-unit-tests $(UNIT_BIN)

scenario-tests: $(TWAIN)
	@tools/scenario-tests $(TWAIN)

# docs/operations.md and the scenario schema's operation names are the operation table's.
ops-doc: $(TWAIN)
	@tools/check-ops-doc $(TWAIN)

# docs/scenario-format.md's layout tables are user/scenario_layout.h's.
layout-doc: $(TWAIN)
	@tools/check-layout-doc $(TWAIN)

lint-scenarios: $(TWAIN)
	@$(TWAIN) lint $$(ls scenarios/*.json scenarios/*/*.json 2>/dev/null)

# Other parts of the build add their test targets to TEST_EXTRA (tools/efi.mk: boot tests).
-include tools/efi.mk
-include tools/fat.mk
-include tools/viz.mk
BENCH_EXTRA += fuzz-bench # the system-call fuzz target's executions per second (below)

# The restart campaign (docs/supervision.md, "Campaign"): make test runs 300 seeds of it;
# make campaign (and make bench) enough seeds for 100,000 kills, with kills/s and recovery.
campaign-test: $(TWAIN)
	@$(TWAIN) check scenarios/restart-campaign.json --seeds 1..300 --summary > $(BIN)/campaign-test.out || \
	    { cat $(BIN)/campaign-test.out; exit 1; }
	@tail -4 $(BIN)/campaign-test.out
campaign: $(TWAIN)
	@tools/campaign $(TWAIN) $(KILLS)
KILLS ?= 100000
TEST_EXTRA += campaign-test
BENCH_EXTRA += campaign

test: layering format-check ops-doc layout-doc unit-tests scenario-tests fuzz-smoke $(TEST_EXTRA)
	@tools/determinism-tests
	@echo "make test: all passed ($(VARIANT))"

BENCH_SRC := $(sort $(wildcard tools/bench/*.c))
BENCH_OBJ := $(BENCH_SRC:%.c=$(OBJ)/%.o)
BENCH := $(BIN)/twain-bench
all: $(BENCH) # here: a prerequisite is expanded where it is read, and BENCH was empty above
$(OBJ)/tools/bench/%.o: CFLAGS_LAYER = $(HOSTED) -std=gnu11

$(BENCH): $(BENCH_OBJ) $(HARNESS_LIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $(BENCH_OBJ) $(HARNESS_LIB_OBJ) $(LIB) $(HOST_LIBS) -lpthread

bench: $(BENCH) $(BENCH_EXTRA)
	@$(BENCH)

clean-objs:
	rm -rf $(OBJ)

# ---- fuzzing (clang, libFuzzer; AFL++ persistent mode) -------------------------------
# Targets build with ASan+UBSan unless SAN=0 is given (the default build has SAN unset).
# make fuzz [TARGET=name] [FUZZ_SECONDS=N]   make fuzz-afl [TARGET=name]   make coverage
comma := ,
FUZZ_SAN := $(if $(and $(filter command line environment,$(origin SAN)),$(filter 0,$(SAN))),,address$(comma)undefined)
FUZZ_DIR := $(B)/fuzz/$(if $(FUZZ_SAN),san,plain)
# clang 19 (Debian 12 has it): its libFuzzer keeps rare features in a bitset. In clang 14's,
# every coverage feature of every execution searched a list of them, which grows with the
# corpus: 69% of a run over a freshly merged system-call corpus (9,195 exec/s; perf).
FUZZ_CC := clang-19
FUZZ_WARN := $(filter-out -Wmissing-prototypes,$(WARN)) -Wmissing-prototypes
# No use-after-return detection (clang 15 turned it on): each thread's fake stack is mapped
# and unmapped with it, and the system-call target ran 710 exec/s with it, 20,312 without.
FUZZ_BASE := $(FUZZ_WARN) $(if $(FUZZ_SAN),-O1,-O2) -g -fno-omit-frame-pointer -fno-sanitize-recover=all -MMD -MP \
             $(if $(FUZZ_SAN),-fsanitize=$(FUZZ_SAN) -fsanitize-address-use-after-return=never)
freestanding = -ffreestanding -nostdinc -isystem $(shell $(1) -print-resource-dir 2>/dev/null)/include \
               -fno-stack-protector
FUZZ_FREE := $(call freestanding,$(FUZZ_CC))
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_LIB_SRC := $(KERNEL_SRC) $(wildcard viz/*.c) $(HOST_SRC) \
                $(filter-out sim-harness/main.c,$(HARNESS_SRC))
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC)) $(FUZZ_DIR)/obj/hal/x86_64/switch.o
TARGET ?=
FUZZ_SECONDS ?= 10
FUZZ_RUN := $(if $(TARGET),$(TARGET),$(FUZZ_TARGETS))

$(FUZZ_DIR)/obj/core/%.o $(FUZZ_DIR)/obj/providers/%.o $(FUZZ_DIR)/obj/user/%.o $(FUZZ_DIR)/obj/boot/%.o \
$(FUZZ_DIR)/obj/hal/sim/sim_%.o $(FUZZ_DIR)/obj/viz/%.o: FUZZ_LAYER = $(FUZZ_FREE)
$(FUZZ_DIR)/obj/proto/%.o $(FUZZ_DIR)/obj/$(B)/%.o: FUZZ_LAYER = $(FUZZ_FREE)
$(FUZZ_DIR)/obj/%.o: FUZZ_LAYER ?= $(HOSTED)
$(FUZZ_DIR)/obj/core/%.o $(FUZZ_DIR)/obj-cmp/core/%.o: PROTO_INC =

FUZZ_IGNORE := tests/fuzz/coverage-ignore.txt
FUZZ_IGNORE_SHARED := tests/fuzz/coverage-ignore-shared.txt
# Comparison tracing (libFuzzer's hint for magic values) only where input bytes meet
# comparisons directly: the parsers and the program decoder. In the rest of the kernel a
# comparison is against internal state (timer deadlines, list heads), and a callback for
# each one costs more than it guides. The protocols' codec and nanopb's runtime (proto/,
# build/nanopb/) are traced too: fuzz_svc_decode feeds them bytes from the input.
FUZZ_CMP := -fno-sanitize-coverage=trace-cmp,indirect-calls
FUZZ_CMP_TRACED := $(FUZZ_DIR)/obj/user/scenario_decode.o $(FUZZ_DIR)/obj/sim-harness/scenario_compile.o \
                   $(FUZZ_DIR)/obj/sim-harness/scenario_cc.o $(FUZZ_DIR)/obj/sim-harness/scenario_steps.o \
                   $(FUZZ_DIR)/obj/sim-harness/trace_file.o $(FUZZ_DIR)/obj/tests/%.o \
                   $(FUZZ_DIR)/obj/providers/fat_%.o $(FUZZ_DIR)/obj-cmp/%.o \
                   $(FUZZ_DIR)/obj/proto/%.o $(FUZZ_DIR)/obj/$(NANOPB_DIR)/%.o
$(FUZZ_CMP_TRACED): FUZZ_CMP =
# The URL parser is traced in its own target only (a second object): in the system-call
# target URLs come from a dictionary, and a callback per byte compared cost a tenth of
# its time.
$(FUZZ_DIR)/obj-cmp/core/url.o: FUZZ_LAYER = $(FUZZ_FREE)
# $(call write_stamp,FILE,TEXT): FILE holds TEXT, rewritten (so newer) only when TEXT changed;
# objects that depend on it rebuild when their compiler or flags change.
write_stamp = $(shell mkdir -p $(dir $(1)); echo '$(2)' | cmp -s - $(1) || echo '$(2)' > $(1))
FUZZ_STAMP := $(FUZZ_DIR)/.flags
FUZZ_FLAGS_NOW := $(FUZZ_CC) $(FUZZ_BASE) | $(FUZZ_CMP) | $(FUZZ_CMP_TRACED) | $(FUZZ_FREE) | $(PB_CFLAGS)
$(call write_stamp,$(FUZZ_STAMP),$(FUZZ_FLAGS_NOW))
$(FUZZ_DIR)/obj/%.o: %.c $(FUZZ_IGNORE) $(FUZZ_IGNORE_SHARED) $(FUZZ_STAMP) | $(PROTO_GEN)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link $(FUZZ_CMP) \
	    -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE) \
	    -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE_SHARED) $(FUZZ_LAYER) $(PROTO_INC) -c $< -o $@

$(FUZZ_DIR)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -c $< -o $@

$(FUZZ_DIR)/obj-cmp/%.o: %.c $(FUZZ_IGNORE) $(FUZZ_STAMP) | $(PROTO_GEN)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  FUZZCC  $< (comparisons traced)")
	$(Q)$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer-no-link \
	    -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE) $(FUZZ_LAYER) $(PROTO_INC) -c $< -o $@

$(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@$(if $(V),,echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

$(FUZZ_DIR)/url: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_url.o $(FUZZ_DIR)/obj-cmp/core/url.o \
                 $(filter-out $(FUZZ_DIR)/obj/core/url.o,$(FUZZ_LIB_OBJ))
	@$(if $(V),,echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_BASE) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

fuzz-build: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS))

# make fuzz-features [TARGET=name]: the edges an execution hits, by function (tools/fuzz-features).
$(FUZZ_DIR)/features-%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ) tests/fuzz/features_main.c
	@$(if $(V),,echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_WARN) $(if $(FUZZ_SAN),-fsanitize=$(FUZZ_SAN)) -O1 -g -no-pie -o $@ \
	    tests/fuzz/features_main.c $(filter %.o,$^) $(HOST_LIBS)

FEATURES_TARGET := $(if $(TARGET),$(TARGET),syscalls)
fuzz-features: $(FUZZ_DIR)/features-$(FEATURES_TARGET)
	@tools/fuzz-features $< $(B)/fuzz/corpus/$(FEATURES_TARGET)

# make bench: the system-call target's executions per second, plain and ASan+UBSan.
fuzz-bench: $(TWAIN)
	@$(MAKE) --no-print-directory -f tools/build.mk SAN=0 $(B)/fuzz/plain/syscalls
	@$(MAKE) --no-print-directory -f tools/build.mk SAN= $(B)/fuzz/san/syscalls
	@tools/fuzz-bench $(B)/fuzz/plain/syscalls $(B)/fuzz/san/syscalls $(TWAIN)

fuzz: $(addprefix $(FUZZ_DIR)/,$(FUZZ_RUN)) $(TWAIN)
	@tools/fuzz-run $(FUZZ_DIR) $(FUZZ_SECONDS) $(TWAIN) $(FUZZ_RUN)

# AFL++ persistent mode: the same targets and sources, instrumented by afl-clang-fast; its
# -fsanitize=fuzzer links AFL++'s driver (libAFLDriver) around LLVMFuzzerTestOneInput.
AFL_DIR := $(B)/fuzz-afl/$(if $(FUZZ_SAN),san,plain)
AFL_LIB_OBJ := $(patsubst %.c,$(AFL_DIR)/obj/%.o,$(FUZZ_LIB_SRC)) $(AFL_DIR)/obj/hal/x86_64/switch.o
AFL_TARGET := $(if $(TARGET),$(TARGET),syscalls)

$(AFL_DIR)/obj/core/%.o $(AFL_DIR)/obj/providers/%.o $(AFL_DIR)/obj/user/%.o $(AFL_DIR)/obj/boot/%.o \
$(AFL_DIR)/obj/hal/sim/sim_%.o $(AFL_DIR)/obj/viz/%.o: FUZZ_LAYER = $(call freestanding,clang)
$(AFL_DIR)/obj/proto/%.o $(AFL_DIR)/obj/$(B)/%.o: FUZZ_LAYER = $(call freestanding,clang)
$(AFL_DIR)/obj/%.o: FUZZ_LAYER ?= $(HOSTED)
$(AFL_DIR)/obj/core/%.o: PROTO_INC =

$(AFL_DIR)/obj/%.o: %.c | $(PROTO_GEN)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  AFLCC   $<")
	$(Q)AFL_QUIET=1 afl-clang-fast $(FUZZ_BASE) $(FUZZ_LAYER) $(PROTO_INC) -c $< -o $@

$(AFL_DIR)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(Q)clang -c $< -o $@

$(AFL_DIR)/%: $(AFL_DIR)/obj/tests/fuzz/fuzz_%.o $(AFL_LIB_OBJ)
	@$(if $(V),,echo "  AFLLD   $@")
	$(Q)AFL_QUIET=1 afl-clang-fast $(FUZZ_BASE) -fsanitize=fuzzer -o $@ $^ $(HOST_LIBS)

fuzz-afl: $(AFL_DIR)/$(AFL_TARGET) $(TWAIN)
	@tools/fuzz-afl $(AFL_DIR) $(FUZZ_SECONDS) $(TWAIN) $(AFL_TARGET)

# make coverage: line coverage of core/ reached by the fuzz corpora (llvm-cov), measured
# with a source-based-coverage build of the targets replaying every corpus input once.
COV_DIR := $(B)/coverage
COV_FLAGS := -fprofile-instr-generate -fcoverage-mapping
COV_LIB_OBJ := $(patsubst %.c,$(COV_DIR)/obj/%.o,$(FUZZ_LIB_SRC)) $(COV_DIR)/obj/hal/x86_64/switch.o
COV_TARGETS ?= syscalls url

$(COV_DIR)/obj/core/%.o $(COV_DIR)/obj/providers/%.o $(COV_DIR)/obj/user/%.o $(COV_DIR)/obj/boot/%.o \
$(COV_DIR)/obj/hal/sim/sim_%.o $(COV_DIR)/obj/viz/%.o: FUZZ_LAYER = $(FUZZ_FREE)
$(COV_DIR)/obj/proto/%.o $(COV_DIR)/obj/$(B)/%.o: FUZZ_LAYER = $(FUZZ_FREE)
$(COV_DIR)/obj/%.o: FUZZ_LAYER ?= $(HOSTED)
$(COV_DIR)/obj/core/%.o: PROTO_INC =

COV_STAMP := $(COV_DIR)/.flags
COV_FLAGS_NOW := $(FUZZ_CC) $(FUZZ_WARN) $(COV_FLAGS) $(FUZZ_FREE)
$(call write_stamp,$(COV_STAMP),$(COV_FLAGS_NOW))
$(COV_DIR)/obj/%.o: %.c $(COV_STAMP) | $(PROTO_GEN)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  COVCC   $<")
	$(Q)$(FUZZ_CC) $(FUZZ_WARN) -O1 -g -MMD -MP -fsanitize=fuzzer-no-link $(COV_FLAGS) $(FUZZ_LAYER) $(PROTO_INC) -c $< -o $@

$(COV_DIR)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -c $< -o $@

$(COV_DIR)/%: $(COV_DIR)/obj/tests/fuzz/fuzz_%.o $(COV_LIB_OBJ)
	@$(if $(V),,echo "  COVLD   $@")
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(COV_FLAGS) -o $@ $^ $(HOST_LIBS)

# make fuzz-planted: known bugs planted in a scratch worktree must be found in a minute.
PLANTED_SECONDS ?= 60
fuzz-planted:
	@tools/fuzz-planted $(PLANTED_SECONDS)

coverage: $(addprefix $(COV_DIR)/,$(COV_TARGETS))
	@tools/coverage $(COV_DIR) $(COV_TARGETS)

# make test: every target briefly with ASan+UBSan, and every regression input replayed.
FUZZ_SMOKE_SECONDS ?= 6 # five targets x 6 s + fat 30 s: a minute of fuzzing in all
FUZZ_SMOKE_FAT_SECONDS ?= 30 # the FAT image fuzzer gets 30 s in make test
fuzz-smoke: $(addprefix $(FUZZ_DIR)/,$(FUZZ_TARGETS)) $(TWAIN)
	@tools/fuzz-regress $(FUZZ_DIR) $(TWAIN)
	@tools/fuzz-run $(FUZZ_DIR) $(FUZZ_SMOKE_SECONDS) $(TWAIN) $(filter-out fat,$(FUZZ_TARGETS))
	@tools/fuzz-run $(FUZZ_DIR) $(FUZZ_SMOKE_FAT_SECONDS) $(TWAIN) $(filter fat,$(FUZZ_TARGETS))

-include $(FUZZ_LIB_OBJ:.o=.d) $(AFL_LIB_OBJ:.o=.d) $(COV_LIB_OBJ:.o=.d)
-include $(foreach d,$(FUZZ_DIR) $(AFL_DIR) $(COV_DIR),$(FUZZ_TARGETS:%=$(d)/obj/tests/fuzz/fuzz_%.d))
-include $(KERNEL_OBJ:.o=.d) $(HOST_OBJ:.o=.d) $(HARNESS_OBJ:.o=.d) $(BENCH_OBJ:.o=.d) $(UNIT_SRC:tests/unit/%.c=$(OBJ)/tests/unit/%.d)
-include $(OBJ)/tests/proto/svc_codec_tool.d
