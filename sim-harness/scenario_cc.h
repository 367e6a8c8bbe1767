/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_cc.h - what the scenario compiler's three files share (internal to
 * the compiler): its state for one scenario (struct cc); the checked access to JSON values
 * that reports every problem once with the offender's JSON path, the string table and the
 * handle names (scenario_cc.c); and the step compiler (scenario_steps.c), which
 * scenario_compile.c calls for every script.
 */
#ifndef TWAIN_SIM_HARNESS_SCENARIO_CC_H
#define TWAIN_SIM_HARNESS_SCENARIO_CC_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../user/scenario_bc.h"
#include "scenario_compile.h"

#define PATH_MAX_LEN 512
#define KEY_SHOWN    64         /* bytes of a key shown in a path */
#define FILE_MAX     (4u << 20) /* bytes of JSON text accepted */
#define NUL_MARK     "\xc0\x80" /* what a \u0000 escape becomes before cJSON sees it */
#define DEFAULT_PRIO 10

/* A growing byte buffer, capped at the blob limit. */
struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

/* One task as the compiler builds it. */
struct ctask {
    const char *name;
    size_t name_len;
    struct scn_str name_ref;
    uint32_t priority;
    uint32_t code_off; /* in the code buffer */
    uint32_t code_len;
    uint32_t nsteps;
    uint32_t nspawn;
    uint32_t paths_cap;
    uint8_t flags;        /* SCN_TASK_RAW_MEMORY */
    uint8_t nthreads;     /* "threads": bodies; 0 for a script */
    uint8_t boot_threads; /* "boot_threads" */
    bool raw_off;         /* "raw_memory": false */
};

/* The compiler's state for one scenario. */
struct cc {
    const char *file;
    char *err;
    size_t errlen;
    char path[PATH_MAX_LEN];
    size_t plen;
    struct scn_compiled *out;
    struct buf strtab;
    struct buf code;
    uint8_t hdr[SCN_HDR_SIZE]; /* name, seed and config filled as they are compiled */
    uint32_t ntasks;
    struct ctask *cur; /* the task whose script is being compiled */
    uint32_t nnames;   /* its handle names bound so far (program order) */
    char names[SCN_MAX_SLOTS][SCN_MAX_NAME];
    struct ctask tasks[SCN_MAX_TASKS];
    cJSON *init_task; /* the task the "init" key made (scenario_init.c), freed at the end */
    uint32_t nfaults;
    struct {
        uint64_t at_ns;
        uint32_t kind; /* enum scn_fault_kind */
        uint32_t task;
        struct scn_str target; /* kill_server, campaign */
        uint32_t count;        /* campaign */
        uint64_t to_ns;
    } faults[SCN_MAX_FAULTS];
    struct cexpect {
        uint32_t flags;
        uint32_t nexit;
        uint32_t ncontains;
        uint32_t norder;
        uint64_t max_ns;
        uint64_t min_ns;
        struct {
            uint32_t task;
            int32_t status;
        } exit[SCN_MAX_TASKS];
        struct scn_str contains[SCN_MAX_CONTAINS];
        uint32_t order[SCN_MAX_TASKS];
        uint64_t share_from_ns, share_to_ns; /* cpu_share, with SCN_EXPECT_CPU_SHARE */
        uint32_t nshare;
        struct {
            uint32_t task, min_bp, max_bp;
        } share[SCN_MAX_TASKS];
    } ex;
};

/* ---- scenario_cc.c: errors and JSON paths, checked access, strings, handles ---- */

/* The names of the signals and rights in bit order, NULL-terminated (the scenario language's). */
extern const char *const cc_signal_names[];
extern const char *const cc_right_names[];

int cc_fail(struct cc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t cc_push_key(struct cc *c, const char *key);
size_t cc_push_index(struct cc *c, int i);
void cc_pop(struct cc *c, size_t mark);
const char *cc_shown(const char *s, char *buf, size_t cap);
int cc_check_object(struct cc *c, const cJSON *obj, const char *const *allowed);
int cc_int_at(struct cc *c, const cJSON *v, int64_t min, int64_t max, int64_t *out);
int cc_get_int(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
               const int64_t *dflt, int64_t *out);
int cc_get_u64(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
               int64_t dflt, uint64_t *out);
int cc_text_at(struct cc *c, const cJSON *v, size_t min, size_t max, const char **s, size_t *len);
int cc_get_text(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
                bool required, const char **s, size_t *len);
int cc_enum_at(struct cc *c, const cJSON *v, const char *const *names, uint32_t *out);
int cc_get_enum(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                uint32_t dflt, uint32_t *out);
int cc_get_mask(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                bool required, uint32_t dflt, uint32_t *out);
int cc_get_bool(struct cc *c, const cJSON *obj, const char *key, bool *out);
int cc_get_array(struct cc *c, const cJSON *obj, const char *key, int min, int max, bool required,
                 const cJSON **out);
int cc_buf_put(struct cc *c, struct buf *b, const void *p, size_t n);
int cc_add_str(struct cc *c, const char *s, size_t len, struct scn_str *ref);
int cc_get_str(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
               bool required, struct scn_str *ref, bool *present);
int cc_get_handle(struct cc *c, const cJSON *obj, const char *key, bool bind, uint8_t *slot);
int cc_get_handles(struct cc *c, const cJSON *obj, const char *key, uint32_t max, bool bind,
                   bool self_ok, uint8_t *slots, uint32_t *n);

/* ---- scenario_steps.c: the steps and their encoding ---- */

/* The string reference s at p (a str field); fields are written with SCN_PUT. */
void cc_put_str(uint8_t *p, struct scn_str s);
/* Append instruction in to the code; *at gets its offset there. */
int cc_emit(struct cc *c, const struct scn_insn *in, size_t *at);
/* Set the body length of the repeat, spawn or thread instruction emitted at at. */
void cc_patch_body_len(struct cc *c, size_t at, uint32_t len);
int cc_new_step(struct cc *c, uint32_t *step);
int cc_compile_steps(struct cc *c, const cJSON *arr, const char *key, uint32_t depth);

/* ---- scenario_init.c: the "init" key ---- */

/* The task the "init" object (at the current path) makes, in *out (the caller frees it,
 * also on failure): 0, or -1 with the error reported. */
int cc_init_task(struct cc *c, const cJSON *init, cJSON **out);

#endif /* TWAIN_SIM_HARNESS_SCENARIO_CC_H */
