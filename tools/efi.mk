# The UEFI build, included by tools/build.mk. See docs/uefi.md.
#
#   make efi         build/efi/BOOTX64.EFI: core, providers, user and boot/*.c from the same sources
#                    as the simulator, with the machine's HAL (hal/x86_64-efi) and the UEFI
#                    application that boots it (boot/uefi), linked with gnu-efi
#   make image       build/twain.img, a FAT disk image that boots on UEFI PCs and in QEMU
#                    [SCENARIO=scenarios/x.json] [SEED=n] [MODE=deterministic|realtime]
#                    [DISKS="NAME=FILE ..."] (disks for blk:// besides the scenario's own
#                    "disks") [TRACE=1] (every trace record on COM1)
#   make run-efi     boot the image in QEMU with a window (GOP); HEADLESS=1: serial here
#                    VIEW=1 (image and run-efi): build/efi-view's kernel, which draws the
#                    scheduling view (viz/) on the GOP framebuffer; MODE defaults to realtime
#   make boot-tests  the boot tests (also part of make test): tools/boot-tests
#   make efi-bench   boot time and real-time IPC figures: tools/efi-bench
#
# Three builds share the portable objects: build/efi (what ships), build/efi-test (the
# same plus the fault tests and the IPC benchmark of boot/uefi/tests*.c, selected by files
# on the ESP; the HAL and the application compiled with -DTWAIN_TEST_BUILD, which lets a
# test serve a system call of its own) and build/efi-view, the shipping build plus the
# scheduling view on the framebuffer (the application compiled with -DTWAIN_VIEW,
# boot/uefi/view.c, and the renderer viz/*.c with the same freestanding flags; it links the
# shipping build's HAL objects, which know nothing of the view).
#
# Only the application sees the firmware (gnu-efi's headers, EFI_FIRMWARE_CFLAGS). Code
# that runs in ring 3 (user/, plus core/klib.c, the operation table core/optable.c,
# hal/x86_64-efi/user_* and boot/uefi/user_*) gets its sections renamed to .user.* so that
# hal/x86_64-efi/efi.lds gathers it into pages of its own, mapped user-executable. The
# kernel-context inits (boot/*.c: the scenario loader, the fuzz programs' boot half) stay
# in kernel pages.

EFI_B := $(B)/efi
EFI_TB := $(B)/efi-test
EFI_OBJ := $(EFI_B)/obj
EFI_TOBJ := $(EFI_TB)/obj
EFI_VB := $(B)/efi-view
EFI_VOBJ := $(EFI_VB)/obj
EFI_CC := gcc
GNUEFI_LIB := /usr/lib
GNUEFI_INC := /usr/include/efi

EFI_ARCH := -ffreestanding -nostdinc -isystem $(shell $(EFI_CC) -print-file-name=include) \
            -fno-stack-protector -fpic -mno-red-zone -fshort-wchar -mgeneral-regs-only \
            -fno-asynchronous-unwind-tables -include hal/x86_64-efi/visibility.h
EFI_CFLAGS := $(WARN) -O2 -g -fno-omit-frame-pointer -fno-strict-aliasing $(EFI_ARCH) -MMD -MP \
              $(PB_FLAGS)
EFI_FIRMWARE_CFLAGS := -isystem $(GNUEFI_INC) -isystem $(GNUEFI_INC)/x86_64 -DGNU_EFI_USE_MS_ABI

# The same list build.mk compiles for the simulator (KERNEL_SRC minus hal/sim): checked
# by efi-check-sources.
EFI_PORTABLE_SRC := $(sort $(wildcard core/*.c providers/*.c user/*.c user/servers/*.c boot/*.c) \
                           $(PROTO_SRC))
# The machine (what implements hal/hal.h) and the application (efi_main, the scenario,
# the view, the test programs and the built-in demo).
EFI_HAL_SRC := $(sort $(wildcard hal/x86_64-efi/*.c))
EFI_HAL_ASM := $(sort $(wildcard hal/x86_64-efi/*.S)) hal/x86_64/switch.S
EFI_TEST_ONLY := $(wildcard boot/uefi/tests*.c boot/uefi/user_tests*.c)
EFI_APP_SRC := $(filter-out $(EFI_TEST_ONLY),$(sort $(wildcard boot/uefi/*.c)))
EFI_APP_ASM := $(sort $(wildcard boot/uefi/*.S))
# efi.lds refuses writable data in the ring-3 pages.
# The services' codec, nanopb and the protocols' tables are called by the kernel and by
# ring-3 code alike, as klib and the operation table are.
EFI_RING3 := core/klib.c core/optable.c $(filter user/%,$(EFI_PORTABLE_SRC)) $(PROTO_SRC) \
             $(wildcard hal/x86_64-efi/user_*.c hal/x86_64-efi/user_*.S boot/uefi/user_*.c boot/uefi/user_*.S)

EFI_PORTABLE_OBJ := $(EFI_PORTABLE_SRC:%.c=$(EFI_OBJ)/%.o)
# Per build: the HAL's objects and the application's (EFI_MACHINE_OBJ: both).
EFI_HAL_OBJ := $(EFI_HAL_SRC:%.c=$(EFI_OBJ)/%.o) $(EFI_HAL_ASM:%.S=$(EFI_OBJ)/%.o)
EFI_APP_OBJ := $(EFI_APP_SRC:%.c=$(EFI_OBJ)/%.o) $(EFI_APP_ASM:%.S=$(EFI_OBJ)/%.o)
EFI_MACHINE_OBJ := $(EFI_HAL_OBJ) $(EFI_APP_OBJ)
EFI_TMACHINE_OBJ := $(EFI_HAL_SRC:%.c=$(EFI_TOBJ)/%.o) $(EFI_HAL_ASM:%.S=$(EFI_TOBJ)/%.o) \
                    $(EFI_APP_SRC:%.c=$(EFI_TOBJ)/%.o) $(EFI_APP_ASM:%.S=$(EFI_TOBJ)/%.o) \
                    $(EFI_TEST_ONLY:%.c=$(EFI_TOBJ)/%.o)

EFI_VIEW_SRC := $(sort $(wildcard viz/*.c))
EFI_VMACHINE_OBJ := $(EFI_HAL_OBJ) $(EFI_APP_SRC:%.c=$(EFI_VOBJ)/%.o) \
                    $(EFI_APP_ASM:%.S=$(EFI_OBJ)/%.o) $(EFI_VIEW_SRC:%.c=$(EFI_VOBJ)/%.o)

EFI_APP := $(EFI_B)/BOOTX64.EFI
EFI_VIEW_APP := $(EFI_VB)/BOOTX64.EFI
EFI_TEST_APP := $(EFI_TB)/BOOTX64.EFI
EFI_DEMO_BLOB := $(EFI_B)/demo.bin
EFI_GNUEFI := $(EFI_B)/libgnuefi.a
EFI_LDS := hal/x86_64-efi/efi.lds

.PHONY: efi-view efi efi-test image run-efi boot-tests efi-bench efi-check-sources efi-hello

efi: efi-check-sources $(EFI_APP)
efi-test: $(EFI_TEST_APP)
efi-view: $(EFI_VIEW_APP)

EFI_FLAGS_STAMP := $(EFI_B)/.flags
EFI_FLAGS_NOW := $(EFI_CC) $(EFI_CFLAGS) | $(EFI_FIRMWARE_CFLAGS)
$(shell mkdir -p $(EFI_B); echo '$(EFI_FLAGS_NOW)' | cmp -s - $(EFI_FLAGS_STAMP) || echo '$(EFI_FLAGS_NOW)' > $(EFI_FLAGS_STAMP))

# Ring-3 objects: every allocated section becomes .user.<name> (efi.lds places them). They
# are compiled without mergeable constants: ld merges identical strings across the
# sections it puts in one output section, and would point user code at a kernel copy.
efi_ring3 = $(if $(filter $<,$(EFI_RING3)),objcopy --prefix-alloc-sections=.user $@)
EFI_RING3_OBJ := $(foreach d,$(EFI_OBJ) $(EFI_TOBJ) $(EFI_VOBJ),$(patsubst %.c,$(d)/%.o,$(filter %.c,$(EFI_RING3))))
$(EFI_RING3_OBJ): EFI_RING3_FLAGS := -fno-merge-constants
# nanopb's own code (not ours, not edited): gcc 12's -Wnonnull, without LTO, reports a
# false positive in pb_encode.c's buf_write (a memcpy that pb_write's callback test keeps
# from ever running with NULL; nanopb issue #1141, where disabling it is the advice).
$(foreach d,$(EFI_OBJ) $(EFI_TOBJ) $(EFI_VOBJ),$(d)/$(NANOPB)/%.o): EFI_EXTRA := -Wno-nonnull

$(EFI_OBJ)/%.o: %.c $(EFI_FLAGS_STAMP) | $(GEN_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI CC  $<")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) $(EFI_LAYER) $(EFI_RING3_FLAGS) $(EFI_EXTRA) -c $< -o $@
	$(Q)$(efi_ring3)

$(EFI_TOBJ)/%.o: %.c $(EFI_FLAGS_STAMP) | $(GEN_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI CC  $< (test build)")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) $(EFI_LAYER) $(EFI_RING3_FLAGS) $(EFI_EXTRA) -DTWAIN_TEST_BUILD -c $< -o $@
	$(Q)$(efi_ring3)

$(EFI_VOBJ)/%.o: %.c $(EFI_FLAGS_STAMP) | $(GEN_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI CC  $< (view build)")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) $(EFI_LAYER) $(EFI_RING3_FLAGS) $(EFI_EXTRA) -DTWAIN_VIEW -c $< -o $@
	$(Q)$(efi_ring3)

$(EFI_OBJ)/%.o: %.S $(EFI_FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI AS  $<")
	$(Q)$(EFI_CC) -fpic -DUEFI_DEMO_BLOB='"$(EFI_DEMO_BLOB)"' -c $< -o $@
	$(Q)$(efi_ring3)

$(EFI_TOBJ)/%.o: %.S $(EFI_FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI AS  $< (test build)")
	$(Q)$(EFI_CC) -fpic -DTWAIN_TEST_BUILD -DUEFI_DEMO_BLOB='"$(EFI_DEMO_BLOB)"' -c $< -o $@
	$(Q)$(efi_ring3)

$(EFI_OBJ)/boot/uefi/%.o $(EFI_TOBJ)/boot/uefi/%.o $(EFI_VOBJ)/boot/uefi/%.o: \
    EFI_LAYER = $(EFI_FIRMWARE_CFLAGS)
$(EFI_OBJ)/boot/uefi/demo_blob.o $(EFI_TOBJ)/boot/uefi/demo_blob.o: $(EFI_DEMO_BLOB)

$(EFI_DEMO_BLOB): scenarios/demo.json $(TWAIN)
	@mkdir -p $(@D)
	$(Q)$(TWAIN) compile scenarios/demo.json -o $@

# gnu-efi's relocation object also defines memcpy and memset; ours (user_lib.c) must win,
# since user code calls them in ring 3. A copy of the library with those made weak.
$(EFI_GNUEFI): $(GNUEFI_LIB)/libgnuefi.a
	@mkdir -p $(@D)
	$(Q)objcopy --weaken-symbol=memcpy --weaken-symbol=memset $< $@

EFI_LINK = ld -nostdlib -znocombreloc -T $(EFI_LDS) -shared -Bsymbolic \
           $(GNUEFI_LIB)/crt0-efi-x86_64.o $(1) $(EFI_GNUEFI) -o $(2)
EFI_PE = objcopy -j .text -j .sdata -j .data -j .bss -j .dynamic -j .dynsym -j .rel -j .rela \
         -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $(1) $(2)

$(EFI_B)/twain.so: $(EFI_PORTABLE_OBJ) $(EFI_MACHINE_OBJ) $(EFI_GNUEFI) $(EFI_LDS)
	@$(if $(V),,echo "  EFI LD  $@")
	$(Q)$(call EFI_LINK,$(EFI_PORTABLE_OBJ) $(EFI_MACHINE_OBJ),$@)

$(EFI_TB)/twain.so: $(EFI_PORTABLE_OBJ) $(EFI_TMACHINE_OBJ) $(EFI_GNUEFI) $(EFI_LDS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI LD  $@")
	$(Q)$(call EFI_LINK,$(EFI_PORTABLE_OBJ) $(EFI_TMACHINE_OBJ),$@)

$(EFI_VB)/twain.so: $(EFI_PORTABLE_OBJ) $(EFI_VMACHINE_OBJ) $(EFI_GNUEFI) $(EFI_LDS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  EFI LD  $@")
	$(Q)$(call EFI_LINK,$(EFI_PORTABLE_OBJ) $(EFI_VMACHINE_OBJ),$@)

%/BOOTX64.EFI: %/twain.so
	@$(if $(V),,echo "  EFI PE  $@")
	$(Q)$(call EFI_PE,$<,$@)

# Both backends compile the same portable sources: build.mk's list (KERNEL_SRC less
# hal/sim) must equal ours, from which the objects linked into BOOTX64.EFI are derived.
efi-check-sources:
	@sim="$(sort $(filter-out hal/sim/%,$(KERNEL_SRC)))"; efi="$(EFI_PORTABLE_SRC)"; \
	if [ "$$sim" != "$$efi" ]; then \
	    echo "efi: the simulator compiles: $$sim"; echo "efi: the UEFI build compiles: $$efi"; \
	    echo "efi: core/providers/user sources differ between the backends"; exit 1; fi

# ---- images and QEMU -----------------------------------------------------------------

MODE ?= $(if $(filter 1,$(VIEW)),realtime,deterministic)
image: efi $(if $(filter 1,$(VIEW)),efi-view) $(TWAIN)
	@tools/efi-image $(B)/twain.img $(if $(filter 1,$(VIEW)),$(EFI_VIEW_APP),$(EFI_APP)) $(TWAIN) $(SCENARIO) "$(SEED)" $(MODE) $(DISKS) \
	    $(if $(filter 1,$(TRACE)),trace)

run-efi: image
	@tools/efi-run $(B)/twain.img $(if $(filter 1,$(HEADLESS)),headless,window)

# The view test checks the screen with viz_tool (tools/viz.mk).
EFI_VIZ_TOOL := $(BIN)/tests/viz_tool
boot-tests: efi efi-test efi-view $(TWAIN) $(EFI_VIZ_TOOL) fat-images
	@tools/boot-tests $(TWAIN) $(EFI_APP) $(EFI_TEST_APP) $(EFI_VIEW_APP) $(EFI_VIZ_TOOL)

# ---- the benchmark's baseline: a bare gnu-efi "hello" (boot/uefi/bench/) -------------

EFI_HELLO := $(EFI_B)/hello/BOOTX64.EFI
efi-hello: $(EFI_HELLO)

$(EFI_B)/hello/hello.o: boot/uefi/bench/hello.c $(EFI_FLAGS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(EFI_CC) $(EFI_CFLAGS) $(EFI_FIRMWARE_CFLAGS) -c $< -o $@

$(EFI_B)/hello/twain.so: $(EFI_B)/hello/hello.o $(EFI_GNUEFI) $(EFI_LDS)
	$(Q)$(call EFI_LINK,$<,$@)

efi-bench: efi efi-test efi-hello $(TWAIN)
	@tools/efi-bench $(TWAIN) $(EFI_APP) $(EFI_TEST_APP) $(EFI_HELLO)

TEST_EXTRA += boot-tests
# For build.mk's `bench: $(BENCH) $(BENCH_EXTRA)` (the UEFI figures join make bench).
BENCH_EXTRA += efi-bench

-include $(EFI_PORTABLE_OBJ:.o=.d) $(EFI_MACHINE_OBJ:.o=.d) $(EFI_TMACHINE_OBJ:.o=.d) $(EFI_VMACHINE_OBJ:.o=.d)
