# Protocols (proto/, docs/services.md "Defining a protocol"), included by tools/build.mk
# before its source lists, which take PROTO_ALL_SRC.
#
#   build/nanopb/       nanopb's runtime, fetched once from Debian's source package
#                       (tools/fetch-nanopb) and compiled with our flags
#   build/gen/proto/    per proto/NAME.proto: NAME.pb.[ch] (nanopb_generator.py, with the
#                       bounds of proto/NAME.options), NAME.svc.[ch] (tools/gen-svc: the
#                       method table and the schema hash), and svc_protos.h (all of them:
#                       SVC_PROTOS(X))
#   build/gen/py/       NAME_pb2.py (protoc --python_out) and NAME_svc.py (gen-svc: SCHEMA
#                       and the method numbers)
#   make proto-tests    tests/proto/python_roundtrip: Python and C agree (part of make test)
#
# The runtime, the generated C and the codec (proto/*.c) join the kernel library of every
# variant, the fuzz builds and the UEFI builds (in the ring-3 pages: tools/efi.mk), like
# core/klib.c: the kernel and user code both call them. Every object but core/'s gets
# PB_CFLAGS (core/ may not include them: tools/check-layering).

NANOPB_DIR := $(B)/nanopb
NANOPB_STAMP := $(NANOPB_DIR)/VERSION
NANOPB_SRC := $(NANOPB_DIR)/pb_common.c $(NANOPB_DIR)/pb_decode.c $(NANOPB_DIR)/pb_encode.c
NANOPB_HDR := $(NANOPB_DIR)/pb.h $(NANOPB_DIR)/pb_common.h $(NANOPB_DIR)/pb_decode.h \
              $(NANOPB_DIR)/pb_encode.h
GEN_DIR := $(B)/gen/proto
GEN_PY := $(B)/gen/py
PROTO_FILES := $(sort $(wildcard proto/*.proto))
PROTO_NAMES := $(PROTO_FILES:proto/%.proto=%)
GEN_PB_SRC := $(PROTO_NAMES:%=$(GEN_DIR)/%.pb.c)
GEN_SVC_SRC := $(PROTO_NAMES:%=$(GEN_DIR)/%.svc.c)
GEN_HDR := $(PROTO_NAMES:%=$(GEN_DIR)/%.pb.h) $(PROTO_NAMES:%=$(GEN_DIR)/%.svc.h) $(GEN_DIR)/svc_protos.h
GEN_PY_OUT := $(PROTO_NAMES:%=$(GEN_PY)/%_pb2.py) $(PROTO_NAMES:%=$(GEN_PY)/%_svc.py)
PROTO_SRC := $(sort $(wildcard proto/*.c))
PROTO_ALL_SRC := $(PROTO_SRC) $(NANOPB_SRC) $(GEN_PB_SRC) $(GEN_SVC_SRC)
# What must exist before anything that may include a protocol's headers compiles (after
# the first build, the .d files know the real dependencies).
PROTO_GEN := $(NANOPB_STAMP) $(GEN_HDR)

# nanopb's configuration lives in proto/pb_system.h; every unit that includes pb.h needs it.
PB_CFLAGS := -I proto -I $(GEN_DIR) -I $(NANOPB_DIR) -DPB_SYSTEM_HEADER=\"pb_system.h\"
PROTO_INC = $(PB_CFLAGS)

$(OBJ)/proto/%.o $(OBJ)/$(B)/%.o: CFLAGS_LAYER = $(FREESTANDING)
$(OBJ)/core/%.o: PROTO_INC =
# nanopb's own code (not ours, not edited) is compiled with our warnings. One trips: gcc
# 12's -Wnonnull, without LTO (the UEFI build), reports a false positive in pb_encode.c's
# buf_write (a memcpy that pb_write's callback test keeps from ever running with NULL;
# nanopb issue #1141, where disabling it is the advice): off for that file alone.
%/$(NANOPB_DIR)/pb_encode.o: PROTO_INC = $(PB_CFLAGS) -Wno-nonnull

.PHONY: proto-gen proto-py proto-tests
proto-gen: $(PROTO_GEN) $(GEN_PB_SRC) $(GEN_SVC_SRC)
proto-py: $(GEN_PY_OUT)

$(NANOPB_STAMP): tools/fetch-nanopb
	$(Q)tools/fetch-nanopb $(NANOPB_DIR)
$(NANOPB_SRC) $(NANOPB_HDR): $(NANOPB_STAMP) ;

# --error-on-unmatched: a line of NAME.options that names no field is a mistake.
$(GEN_DIR)/%.pb.c $(GEN_DIR)/%.pb.h: proto/%.proto proto/%.options
	@mkdir -p $(@D)
	@$(if $(V),,echo "  NANOPB  $<")
	$(Q)nanopb_generator.py -q --error-on-unmatched -I proto -D $(GEN_DIR) $<

$(GEN_DIR)/%.svc.c $(GEN_DIR)/%.svc.h: proto/%.proto proto/%.options tools/gen-svc
	@mkdir -p $(@D)
	@$(if $(V),,echo "  GEN-SVC $<")
	$(Q)tools/gen-svc --c-out $(GEN_DIR) $<

$(GEN_DIR)/svc_protos.h: $(PROTO_FILES) tools/gen-svc
	@mkdir -p $(@D)
	$(Q)tools/gen-svc --index $@ $(PROTO_FILES)

$(GEN_PY)/%_pb2.py: proto/%.proto
	@mkdir -p $(@D)
	$(Q)protoc -I proto --python_out=$(GEN_PY) $<

$(GEN_PY)/%_svc.py: proto/%.proto proto/%.options tools/gen-svc
	@mkdir -p $(@D)
	$(Q)tools/gen-svc --py-out $(GEN_PY) $<

# The Python cross-check: Python's encoding decoded by the C codec and back, the hashes.
PROTO_TOOL := $(BIN)/tests/svc_codec_tool
proto-tests: $(PROTO_TOOL) $(GEN_PY_OUT)
	@tests/proto/python_roundtrip $(PROTO_TOOL) $(GEN_PY)
