# Protocols (proto/, docs/services.md "Defining a protocol"), included by tools/build.mk
# before its source lists, which take PROTO_ALL_SRC.
#
#   build/nanopb/       nanopb's runtime, fetched once from Debian's source package
#                       (tools/fetch-nanopb) and compiled with our flags
#   build/gen/proto/    per proto/NAME.proto: NAME.pb.[ch] (nanopb_generator.py, with the
#                       bounds of proto/NAME.options), NAME.desc (protoc -o), NAME.svc.[ch]
#                       (tools/gen-svc: the method table and the schema hash), and
#                       svc_protos.h (all of them: SVC_PROTOS(X))
#   build/gen/py/       NAME_pb2.py (protoc --python_out) and twain_svc_hashes.py
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
GEN_DESC := $(PROTO_NAMES:%=$(GEN_DIR)/%.desc)
GEN_PY_OUT := $(PROTO_NAMES:%=$(GEN_PY)/%_pb2.py) $(GEN_PY)/twain_svc_hashes.py
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
# nanopb's own code is compiled with our warnings. One trips: in the UEFI build gcc 12 sees
# pb_write's buffer path inlined where encode_array's sizing call passes NULL, a path the
# callback test excludes (-Wnonnull, a false positive): off for that file alone, everywhere.
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

$(GEN_DIR)/%.desc: proto/%.proto
	@mkdir -p $(@D)
	$(Q)protoc -I proto -o $@ $<

$(GEN_DIR)/%.svc.c $(GEN_DIR)/%.svc.h: $(GEN_DIR)/%.desc tools/gen-svc
	@$(if $(V),,echo "  GEN-SVC $(<:$(GEN_DIR)/%.desc=proto/%.proto)")
	$(Q)tools/gen-svc --c-out $(GEN_DIR) $<

$(GEN_DIR)/svc_protos.h: $(GEN_DESC) tools/gen-svc
	$(Q)tools/gen-svc --index $@ $(GEN_DESC)

$(GEN_PY)/%_pb2.py: proto/%.proto
	@mkdir -p $(@D)
	$(Q)protoc -I proto --python_out=$(GEN_PY) $<

$(GEN_PY)/twain_svc_hashes.py: $(GEN_DESC) tools/gen-svc
	$(Q)tools/gen-svc --py-out $@ $(GEN_DESC)

# The Python cross-check: Python's encoding decoded by the C codec and back, the hashes.
PROTO_TOOL := $(BIN)/tests/svc_codec_tool
proto-tests: $(PROTO_TOOL) $(GEN_PY_OUT)
	@tests/proto/python_roundtrip $(PROTO_TOOL) $(GEN_PY)
