# The scheduling view (issue 5; docs/viz.md): included by tools/build.mk.
#
#   viz/                 the renderer, freestanding like core/ (it also draws on the UEFI
#                        framebuffer): its objects go into libtwain.a
#   sim-harness/gui*.c   the SDL2 window, screenshot*.c, export*.c (hosted; picked up by
#                        build.mk's sim-harness wildcard): SDL2 is linked into every host
#                        program here
#   tests/viz/*.c        checkers for tools/viz-tests (pixels, Chrome JSON) and the bench

VIZ_SRC := $(sort $(wildcard viz/*.c))
VIZ_OBJ := $(VIZ_SRC:%.c=$(OBJ)/%.o)
$(OBJ)/viz/%.o: CFLAGS_LAYER = $(FREESTANDING)
$(LIB): $(VIZ_OBJ)

HOST_LIBS += $(shell pkg-config --libs sdl2 2>/dev/null)

VIZ_TOOL_SRC := $(sort $(wildcard tests/viz/*.c))
VIZ_TOOLS := $(VIZ_TOOL_SRC:tests/viz/%.c=$(BIN)/tests/%)
$(OBJ)/tests/viz/%.o: CFLAGS_LAYER = $(HOSTED)

$(BIN)/tests/viz_%: $(OBJ)/tests/viz/viz_%.o $(HARNESS_LIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $< $(HARNESS_LIB_OBJ) $(LIB) $(HOST_LIBS)

all: $(VIZ_TOOLS)

.PHONY: viz-tests viz-bench
viz-tests: $(TWAIN) $(VIZ_TOOLS)
	@tools/viz-tests $(TWAIN) $(BIN)/tests

viz-bench: $(TWAIN) $(VIZ_TOOLS)
	@tools/viz-bench $(TWAIN) $(BIN)/tests

TEST_EXTRA += viz-tests
bench: viz-bench

-include $(VIZ_OBJ:.o=.d) $(VIZ_TOOL_SRC:tests/viz/%.c=$(OBJ)/tests/viz/%.d)
