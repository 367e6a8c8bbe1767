/* SPDX-License-Identifier: MIT */
/*
 * proto/svc_proto.h - the codec of service messages, shared by the kernel (providers/) and
 * user code (user/, user/servers/) on both backends: a protocol's messages are defined
 * once in proto/NAME.proto, compiled by nanopb for C (build/gen/proto/NAME.pb.[ch]) and
 * described by tools/gen-svc (NAME.svc.[ch]: svc_proto_NAME, SVC_NAME_* numbers). Every
 * message is checked here before a handler sees it (docs/services.md, "Defining a
 * protocol").
 *
 * The wire format of every service message: an 8-byte little-endian header, then the
 * nanopb (protobuf) payload of the method's request or reply message:
 *
 *   bytes 0-1  method   uint16: the method's number (1..63), 0 in an event
 *   byte  2    kind     TW_SVC_REQUEST, TW_SVC_REPLY or TW_SVC_EVENT
 *   byte  3    flags    0
 *   bytes 4-7  status   int32: a request's 0; a reply's TW_OK or a TW_E_* code (then
 *                       nothing follows the header); an event's code (TW_SVC_EV_*)
 *
 * Results: TW_OK (or an encoded length) or one TW_E_* code of core/abi.h:
 *   TW_E_INVAL   malformed: shorter than a header, a wrong kind, nonzero flags, a status
 *                that does not fit the kind, a payload nanopb cannot decode or that is not
 *                consumed exactly, a string over its bound, not UTF-8 or holding a NUL,
 *                bytes or a repeated field over its bound; encoding: a structure that
 *                breaks the same rules
 *   TW_E_NOTSUP  a method the protocol does not have (an event code it does not know)
 *   TW_E_TOOBIG  the buffer cannot hold the encoded message, or the structure given to
 *                decode into is smaller than the method's
 * Nothing is read from memory the caller did not give: decoding zeroes the whole structure
 * first, and an encoded message's bytes depend only on the structure's fields (a string
 * ends at its NUL, bytes and repeated fields at their counts). No state: every function is
 * reentrant and may run in ring 3.
 */
#ifndef TWAIN_PROTO_SVC_PROTO_H
#define TWAIN_PROTO_SVC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/abi.h"
#include "pb.h"

#ifndef TWAIN_PB_SYSTEM
#error "pb.h was reached without proto/pb_system.h: build with -DPB_SYSTEM_HEADER=\"pb_system.h\""
#endif

/* Bytes of payload one channel message holds after the header. */
#define SVC_PAYLOAD_MAX (TW_MSG_MAX_BYTES - TW_SVC_HDR_BYTES)
/* A method's number is 1..SVC_METHOD_MAX (0: METHOD_NONE, never a method). */
#define SVC_METHOD_MAX 63

/* One method of a protocol: its request and reply messages (nanopb's descriptors) and
 * the sizes of their C structures. */
struct svc_method {
    uint16_t number;
    const char *name; /* the Method enum's value in lower case, "put" */
    const pb_msgdesc_t *req, *rep;
    uint16_t req_size, rep_size; /* sizeof the request's and the reply's structure */
};

/* A protocol, as tools/gen-svc describes proto/NAME.proto: methods sorted by number. */
struct svc_proto {
    const char *name;     /* "kv" */
    uint64_t schema_hash; /* SVC_NAME_SCHEMA_HASH */
    uint16_t nmethods;
    const struct svc_method *methods;
};

/* The header of a service message, decoded. */
struct svc_hdr {
    uint16_t method;
    uint8_t kind; /* TW_SVC_REQUEST, TW_SVC_REPLY, TW_SVC_EVENT */
    uint8_t flags;
    int32_t status;
};

/* The method numbered `number` in p, or NULL when p has none (0 and above 63 included). */
const struct svc_method *svc_method_find(const struct svc_proto *p, uint32_t number);

/*
 * Decodes the header of msg[0..len) into *h. TW_E_INVAL when len is shorter than a
 * header, the kind is none of the three or the flags are not 0; the status is not judged
 * here (it depends on the kind: the decoders below check it).
 */
int svc_hdr_decode(const uint8_t *msg, size_t len, struct svc_hdr *h);

/* The kind of a received message (TW_SVC_REQUEST, _REPLY, _EVENT), or TW_E_INVAL as for
 * svc_hdr_decode. */
int svc_msg_kind(const uint8_t *msg, size_t len);

/*
 * Encodes a request for `method` of p into buf[0..cap): the header (status 0) and req,
 * a structure of the method's request type (NULL: every field at its default). Returns the
 * message's length, TW_E_NOTSUP for a method p does not have, TW_E_INVAL for a structure
 * that cannot be encoded (a string without its NUL in bounds, or not UTF-8; a count over
 * its bound), TW_E_TOOBIG when cap is too small.
 */
int64_t svc_encode_request(const struct svc_proto *p, uint16_t method, const void *req,
                           uint8_t *buf, size_t cap);

/*
 * Decodes the request msg[0..len) of p: *m becomes its method (NULL unless the method is
 * p's) and req[0..req_cap) its structure, zeroed and then filled. TW_OK, TW_E_INVAL
 * (malformed, above; also a request whose status is not 0), TW_E_NOTSUP (a method p does
 * not have: reply to it with svc_encode_reply(p, the header's method, TW_E_NOTSUP, ...)),
 * TW_E_TOOBIG (req_cap is less than the method's req_size). req is left zeroed on failure
 * when it was big enough.
 */
int svc_decode_request(const struct svc_proto *p, const uint8_t *msg, size_t len,
                       const struct svc_method **m, void *req, size_t req_cap);

/*
 * Encodes the reply to `method` of p into buf[0..cap): with status TW_OK the header and
 * rep (the method's reply structure; NULL: every field at its default); with a TW_E_*
 * status the header alone (rep is ignored, and method need not be p's: a refusal of an
 * unknown method names it). Returns the length, TW_E_NOTSUP (status TW_OK for a method p
 * does not have), TW_E_INVAL (a status that is neither TW_OK nor a TW_E_* code, or rep
 * cannot be encoded) or TW_E_TOOBIG.
 */
int64_t svc_encode_reply(const struct svc_proto *p, uint16_t method, int32_t status,
                         const void *rep, uint8_t *buf, size_t cap);

/*
 * Decodes the reply msg[0..len) of p: *method and *status from the header, rep[0..rep_cap)
 * zeroed and, when *status is TW_OK, filled. TW_OK means the reply was well formed; what
 * the server answered is *status. TW_E_INVAL (malformed; a status that is neither TW_OK
 * nor a TW_E_* code; a refusal with a payload), TW_E_NOTSUP (a TW_OK reply for a method p
 * does not have), TW_E_TOOBIG (rep_cap less than the method's rep_size).
 */
int svc_decode_reply(const struct svc_proto *p, const uint8_t *msg, size_t len, uint16_t *method,
                     int32_t *status, void *rep, size_t rep_cap);

/* The registry's owner-changed event (TW_SVC_EV_OWNER, svc.proto's OwnerChanged). */
struct svc_owner_event {
    uint32_t generation;
    uint32_t reason; /* OwnerReason: 1..5 (OWNER_NONE is never sent) */
    bool kernel;     /* the owner is the kernel */
    uint32_t owner_task;
};

/* Encodes *ev into buf[0..cap): its length, TW_E_INVAL for a reason outside 1..5, or
 * TW_E_TOOBIG. */
int64_t svc_encode_event_owner(const struct svc_owner_event *ev, uint8_t *buf, size_t cap);

/*
 * Decodes an owner-changed event into *ev. TW_OK, TW_E_INVAL (malformed, not an event, a
 * method other than 0, a status of 0 or less, a reason outside 1..5) or TW_E_NOTSUP (an
 * event code other than TW_SVC_EV_OWNER: an event this codec does not know). *ev is
 * written only on TW_OK.
 */
int svc_decode_event_owner(const uint8_t *msg, size_t len, struct svc_owner_event *ev);

#endif /* TWAIN_PROTO_SVC_PROTO_H */
