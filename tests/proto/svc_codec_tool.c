/* SPDX-License-Identifier: MIT */
/*
 * tests/proto/svc_codec_tool.c - the C side of tests/proto/python_roundtrip: the codec of
 * proto/svc_proto.h over every protocol, driven by lines on stdin, so Python's encoding can
 * be decoded by C and C's by Python.
 *
 *   svc_codec_tool list          one line a protocol: NAME HASH METHOD=NUMBER...
 *   svc_codec_tool run           for each line "PROTO req|rep|ev HEX" on stdin, one line:
 *                                  ok METHOD STATUS DUMP HEX   decoded; DUMP is the
 *                                     structure, field by field (below), HEX the message
 *                                     encoded again from it
 *                                  err CODE                    the codec's TW_E_* code
 *
 * DUMP: the fields in declaration order, "TAG=VALUE" joined by ';' ("-" when there are
 * none): integers in decimal, bool 0/1, strings and bytes as s:HEX and b:HEX, a repeated
 * field as [V,V,...], a submessage as {DUMP}. tests/proto/python_roundtrip prints its own
 * messages the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/svc_proto.h"
#include "pb_common.h"
#include "svc_protos.h"

#define X(n) &svc_proto_##n,
static const struct svc_proto *const protos[] = {SVC_PROTOS(X)};
#undef X

static const struct svc_proto *proto_named(const char *name)
{
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
        if (strcmp(protos[i]->name, name) == 0)
            return protos[i];
    return NULL;
}

static void put_hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

static void dump_msg(FILE *f, const pb_msgdesc_t *d, const void *msg);

static void dump_value(FILE *f, const pb_field_iter_t *it, const void *p)
{
    switch (PB_LTYPE(it->type)) {
    case PB_LTYPE_BOOL:
        fprintf(f, "%d", *(const bool *)p ? 1 : 0);
        break;
    case PB_LTYPE_VARINT:
    case PB_LTYPE_SVARINT:
        if (it->data_size == 8)
            fprintf(f, "%lld", (long long)*(const int64_t *)p);
        else
            fprintf(f, "%d", *(const int32_t *)p);
        break;
    case PB_LTYPE_UVARINT:
    case PB_LTYPE_FIXED32:
    case PB_LTYPE_FIXED64:
        if (it->data_size == 8)
            fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)p);
        else
            fprintf(f, "%u", *(const uint32_t *)p);
        break;
    case PB_LTYPE_STRING:
        fputs("s:", f);
        put_hex(f, p, strlen(p));
        break;
    case PB_LTYPE_BYTES: {
        const pb_bytes_array_t *b = p;
        fputs("b:", f);
        put_hex(f, b->bytes, b->size);
        break;
    }
    case PB_LTYPE_SUBMESSAGE:
        fputc('{', f);
        dump_msg(f, it->submsg_desc, p);
        fputc('}', f);
        break;
    default:
        fprintf(f, "?type%u", (unsigned)PB_LTYPE(it->type));
        break;
    }
}

static void dump_msg(FILE *f, const pb_msgdesc_t *d, const void *msg)
{
    pb_field_iter_t it;
    if (!pb_field_iter_begin_const(&it, d, msg)) {
        fputc('-', f);
        return;
    }
    bool first = true;
    do {
        fprintf(f, "%s%u=", first ? "" : ";", (unsigned)it.tag);
        first = false;
        if (PB_HTYPE(it.type) == PB_HTYPE_REPEATED) {
            pb_size_t n = *(const pb_size_t *)it.pSize;
            fputc('[', f);
            for (pb_size_t i = 0; i < n; i++) {
                if (i)
                    fputc(',', f);
                dump_value(f, &it, (const char *)it.pData + (size_t)i * it.data_size);
            }
            fputc(']', f);
        } else {
            dump_value(f, &it, it.pData);
        }
    } while (pb_field_iter_next(&it));
}

static size_t parse_hex(const char *s, uint8_t *out, size_t cap, bool *ok)
{
    size_t n = strlen(s), k = 0;
    *ok = n % 2 == 0 && n / 2 <= cap;
    for (size_t i = 0; *ok && i < n; i += 2) {
        unsigned v;
        if (sscanf(s + i, "%2x", &v) != 1) {
            *ok = false;
            break;
        }
        out[k++] = (uint8_t)v;
    }
    return k;
}

/* One input line; prints one output line. */
static void run_line(char *line)
{
    char *name = strtok(line, " \n"), *kind = strtok(NULL, " \n"), *hex = strtok(NULL, " \n");
    if (hex == NULL)
        hex = "";
    uint8_t msg[1024], out[TW_MSG_MAX_BYTES];
    _Alignas(8) uint8_t st[512];
    bool ok;
    size_t len = parse_hex(hex, msg, sizeof(msg), &ok);
    const struct svc_proto *p = name ? proto_named(name) : NULL;
    if (!ok || p == NULL || kind == NULL) {
        printf("bad input line\n");
        return;
    }
    int rc;
    int64_t n;
    if (strcmp(kind, "req") == 0) {
        const struct svc_method *m;
        rc = svc_decode_request(p, msg, len, &m, st, sizeof(st));
        if (rc < 0) {
            printf("err %d\n", rc);
            return;
        }
        n = svc_encode_request(p, m->number, st, out, sizeof(out));
        printf("ok %u 0 ", m->number);
        dump_msg(stdout, m->req, st);
    } else if (strcmp(kind, "rep") == 0) {
        uint16_t method;
        int32_t status;
        rc = svc_decode_reply(p, msg, len, &method, &status, st, sizeof(st));
        if (rc < 0) {
            printf("err %d\n", rc);
            return;
        }
        n = svc_encode_reply(p, method, status, st, out, sizeof(out));
        printf("ok %u %d ", method, status);
        if (status == TW_OK)
            dump_msg(stdout, svc_method_find(p, method)->rep, st);
        else
            fputc('-', stdout);
    } else if (strcmp(kind, "ev") == 0) {
        struct svc_owner_event ev;
        rc = svc_decode_event_owner(msg, len, &ev);
        if (rc < 0) {
            printf("err %d\n", rc);
            return;
        }
        n = svc_encode_event_owner(&ev, out, sizeof(out));
        printf("ok 0 %d 1=%u;2=%u;3=%d;4=%u", TW_SVC_EV_OWNER, ev.generation, ev.reason,
               ev.kernel ? 1 : 0, ev.owner_task);
    } else {
        printf("bad input line\n");
        return;
    }
    if (n < 0) {
        printf(" re-encode-failed:%lld\n", (long long)n);
        return;
    }
    fputc(' ', stdout);
    put_hex(stdout, out, (size_t)n);
    fputc('\n', stdout);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
            const struct svc_proto *p = protos[i];
            printf("%s 0x%016llx", p->name, (unsigned long long)p->schema_hash);
            for (uint16_t j = 0; j < p->nmethods; j++)
                printf(" %s=%u", p->methods[j].name, p->methods[j].number);
            printf("\n");
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "run") == 0) {
        char line[4096];
        while (fgets(line, sizeof(line), stdin) != NULL) {
            run_line(line);
            fflush(stdout);
        }
        return 0;
    }
    fprintf(stderr, "usage: svc_codec_tool list | run (lines: PROTO req|rep|ev HEX)\n");
    return 2;
}
