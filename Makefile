# Twain: the two README commands (make run, make test) and the rest of the build.
#
# This file only makes sure the machine has what the build needs (tools/install-deps,
# which installs missing Debian packages, compilers included) and then hands the target
# to tools/build.mk, which holds the real rules. Splitting it so means build.mk may use
# gcc, pkg-config and friends at parse time on a machine that started without them.

BUILD_TARGETS := all twain run test unit-tests scenario-tests bench fuzz fuzz-build lint-scenarios ops-doc layout-doc \
                 format format-check layering clean-objs efi image run-efi boot-tests fuzz-smoke \
                 fuzz-afl fuzz-planted fuzz-features coverage fat-images fat-tests fat-bench viz-tests viz-bench \
                 campaign campaign-test proto-tests
.PHONY: $(BUILD_TARGETS) deps clean help
.DEFAULT_GOAL := all

DEPS_STAMP := build/.deps-ok

$(BUILD_TARGETS): $(DEPS_STAMP)
	@$(MAKE) --no-print-directory -f tools/build.mk $@

$(DEPS_STAMP): tools/install-deps
	@tools/install-deps
	@mkdir -p build && touch $@

deps:
	@tools/install-deps

clean:
	rm -rf build

help:
	@echo "make            build build/twain, the unit tests and everything that builds here"
	@echo "make run        run the demo scenario (window when there is a display, text otherwise)"
	@echo "make test       unit, scenario, determinism and replay tests (SAN=1: ASan+UBSan build)"
	@echo "make bench      benchmarks, one line per figure with its baseline"
	@echo "make fuzz       libFuzzer targets (FUZZ_SECONDS=N, TARGET=name)"
	@echo "variables: SAN=1 (sanitizers), OPT=0|2 (optimisation), CC=clang (into build/clang-O2/),"
	@echo "           SCENARIO=file, SEED=n"
