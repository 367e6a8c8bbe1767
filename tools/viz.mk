# The scheduling view (docs/viz.md): included by tools/build.mk.
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

# viz_tool: screenshots and their pixel checks, the Chrome JSON checker, the bench
VIZ_TOOL_SRC := $(sort $(wildcard tests/viz/*.c))
VIZ_TOOL_OBJ := $(VIZ_TOOL_SRC:%.c=$(OBJ)/%.o)
VIZ_TOOLS := $(BIN)/tests/viz_tool
$(OBJ)/tests/viz/%.o: CFLAGS_LAYER = $(HOSTED)

$(VIZ_TOOLS): $(VIZ_TOOL_OBJ) $(HARNESS_LIB_OBJ) $(LIB)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(SANFLAGS) $(LTO) -O$(OPT) -o $@ $(VIZ_TOOL_OBJ) $(HARNESS_LIB_OBJ) $(LIB) $(HOST_LIBS)

all: $(VIZ_TOOLS)

.PHONY: viz-tests viz-bench
viz-tests: $(TWAIN) $(VIZ_TOOLS) fat-images
	@tools/viz-tests $(TWAIN) $(VIZ_TOOLS)

viz-bench: $(TWAIN) $(VIZ_TOOLS)
	@tools/viz-bench $(TWAIN) $(VIZ_TOOLS)

TEST_EXTRA += viz-tests
bench: viz-bench

-include $(VIZ_OBJ:.o=.d) $(VIZ_TOOL_OBJ:.o=.d)
