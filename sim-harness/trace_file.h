/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/trace_file.h - trace files (docs/trace-format.md): a header that embeds the
 * scenario text and seed, then the kernel's 48-byte records. One file is enough to replay.
 */
#ifndef TWAIN_SIM_HARNESS_TRACE_FILE_H
#define TWAIN_SIM_HARNESS_TRACE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/trace.h"

#define TRACE_FILE_MAGIC   "TWAINTRC"
#define TRACE_FILE_VERSION 1
#define TRACE_HEADER_SIZE  64
#define TRACE_MAX_TEXT     (4u << 20)

struct trace_header {
    uint64_t seed;
    uint64_t text_len;
    uint64_t records;
    uint64_t final_hash;
};

/* A trace being written: the header is rewritten with the totals at the end. */
struct trace_writer {
    FILE *f;
    const char *path;
    uint64_t seed;
    uint64_t text_len;
    uint64_t records;
    bool failed;
};

/* Create path and write the header and scenario text. 0, or 2 with a message on stderr. */
int trace_writer_open(struct trace_writer *w, const char *path, uint64_t seed, const char *text,
                      size_t text_len);
/* The host trace sink callback (host_trace_fn) for a writer. */
void trace_writer_sink(void *ctx, const void *records, size_t len);
/* Write the totals and close. 0, or 2 with a message. */
int trace_writer_close(struct trace_writer *w, uint64_t final_hash);

/* A trace file read whole into memory. */
struct trace_file {
    struct trace_header h;
    char *text;             /* NUL-terminated copy of the scenario text */
    struct trace_rec *recs; /* h.records records */
};

/*
 * Read and validate path: magic, version, lengths against the file size (a truncated file
 * is an error naming the byte offset where data is missing), and the hash chain of every
 * record (a corrupted record is reported by index and offset). Returns 0; 2 for an
 * unreadable or malformed file (message in err); 1 when only the chain check failed (the
 * file is still returned, with *bad_record set).
 */
int trace_file_read(const char *path, struct trace_file *tf, uint64_t *bad_record, char *err,
                    size_t errlen);
/* The same, over a file's bytes already in memory (name only prefixes messages). */
int trace_file_parse(const uint8_t *data, uint64_t size, const char *name, struct trace_file *tf,
                     uint64_t *bad_record, char *err, size_t errlen);
void trace_file_free(struct trace_file *tf);
/* Byte offset of record i in the file. */
uint64_t trace_file_record_offset(const struct trace_file *tf, uint64_t i);
/* One record as a line of text (no newline). */
void trace_format_record(const struct trace_rec *r, char *buf, size_t len);

#endif /* TWAIN_SIM_HARNESS_TRACE_FILE_H */
