# Storage (docs/storage.md): included by tools/build.mk.
#
#   make fat-images   build/fat/*.img, the FAT images scenarios/fat-*.json name, made by
#                     mkfs.fat + mcopy (tests/fat/make-images); scenario runs need them
#   make fat-tests    the mkfs.fat / mcopy / fsck.fat round trip through `twain run` with a
#                     write-through disk (tools/fat-tests); part of make test
#   make fat-bench    64 MiB read through fat://[cache://[blk://disk0/]/] vs mcopy (make bench)
#   fuzz seeds        build/fuzz/corpus/fat from tests/fat/make-seeds before make fuzz/fuzz-smoke

.PHONY: fat-images fat-tests fat-bench fat-fuzz-seeds

FAT_IMG_DIR := $(B)/fat

fat-images:
	@tests/fat/make-images $(FAT_IMG_DIR)

scenario-tests run: fat-images

fat-tests: $(TWAIN) fat-images
	@tools/fat-tests $(TWAIN)

fat-bench: $(TWAIN)
	@tools/fat-bench $(FAT_BENCH)

fat-fuzz-seeds:
	@tests/fat/make-seeds $(B)/fuzz/corpus/fat

fuzz fuzz-smoke: fat-fuzz-seeds

TEST_EXTRA += fat-tests
bench: fat-bench

# The benchmark program: boots the kernel in-process and reads a file through the stack.
FAT_BENCH := $(BIN)/tests/fat_bench
$(FAT_BENCH): $(OBJ)/tests/fat/fat_bench.o $(HARNESS_LIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $< $(HARNESS_LIB_OBJ) $(LIB) $(HOST_LIBS)
fat-bench: $(FAT_BENCH)

-include $(OBJ)/tests/fat/fat_bench.d
