/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_compile.h - the host-side scenario compiler: JSON text in, the
 * binary blob out (both in docs/scenario-format.md), plus the table that maps
 * each step id back to its JSON path for failure reports; and `twain lint`.
 *
 * Host code (libc, cJSON). The blob it produces is what user/scenario_decode.c accepts; the
 * compiler decodes its own output before returning it.
 */
#ifndef TWAIN_SIM_HARNESS_SCENARIO_COMPILE_H
#define TWAIN_SIM_HARNESS_SCENARIO_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../user/scenario.h"

/* Exit codes of the compile functions and of `twain lint` (docs/contracts.md). */
#define SCN_COMPILE_OK  0
#define SCN_COMPILE_BAD 2

/* Where each step of one task came from. */
struct scn_step_paths {
    uint32_t nsteps;
    char **path; /* path[step id], e.g. "tasks[1].script[3].do[0]" */
};

/*
 * A disk the scenario names under "disks" (docs/storage.md). The simulator loads the image
 * before boot (copy-on-write unless write_through); a relative path is relative to the
 * directory twain runs in, the repository root for every make target and script.
 */
#define SCN_MAX_DISKS 8
struct scn_disk {
    char name[16];
    char *path;
    bool write_through;
};

/* A compiled scenario. Owns every pointer; release with scn_compiled_free(). */
struct scn_compiled {
    uint8_t *blob; /* the binary scenario, len bytes */
    size_t len;
    char *text; /* a copy of the JSON text it was compiled from (for trace headers) */
    size_t text_len;
    uint32_t ntasks;
    struct scn_step_paths tasks[SCN_MAX_TASKS];
    uint32_t ndisks;
    struct scn_disk disks[SCN_MAX_DISKS];
};

/*
 * Compile json[0..len) (need not be NUL-terminated). file_name only prefixes messages.
 * Returns SCN_COMPILE_OK with *out filled, or SCN_COMPILE_BAD with *out empty and err set to
 * one line naming the place: "FILE:LINE:COL: ..." for JSON syntax, "FILE: JSON.PATH: ..."
 * for everything else (e.g. "x.json: tasks[0].script[2].url: bad URL at byte 7: port too
 * long").
 */
int scn_compile_text(const char *file_name, const char *json, size_t len, struct scn_compiled *out,
                     char *err, size_t errlen);

/* Read path and compile it (SCN_COMPILE_BAD also when the file cannot be read). */
int scn_compile_file(const char *path, struct scn_compiled *out, char *err, size_t errlen);

/* Release what a successful compile allocated; *c is left empty. Safe on an empty *c. */
void scn_compiled_free(struct scn_compiled *c);

/* The JSON path of a step ("tasks[1].script[3]"), or NULL for an unknown task or step. */
const char *scn_step_path(const struct scn_compiled *c, uint32_t task, uint32_t step);

/* Override the scenario's seed (the command line's --seed) in the compiled blob. */
void scn_compiled_set_seed(struct scn_compiled *c, uint64_t seed);

/*
 * `twain lint FILE...`: argv[0] is the subcommand name. Prints "FILE: ok" per good file on
 * stdout and each error on stderr. Returns 0 when every file is good, 2 otherwise (and for
 * a usage error); --help prints the usage and returns 0.
 */
int cmd_lint(int argc, char **argv);

#endif /* TWAIN_SIM_HARNESS_SCENARIO_COMPILE_H */
