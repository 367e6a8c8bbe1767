/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_scenario_json.c - libFuzzer target for the host scenario compiler
 * (sim-harness/scenario_compile.c): arbitrary bytes as JSON text.
 *
 * Invariants: the compiler never crashes, leaks or reads out of bounds; a rejection always
 * comes with a message naming the file; an accepted scenario's blob decodes
 * (user/scenario_decode.c) and every step of every task has a JSON path (under "init" for
 * the task the init key makes).
 * Links: the Twain library, sim-harness/scenario_compile.c, -lcjson -lm.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim-harness/scenario_compile.h"
#include "../../user/scenario.h"
#include "../../user/scenario_bc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_compiled(const struct scn_compiled *sc)
{
    static struct scn_view v;
    struct scn_error e;
    if (scn_decode(sc->blob, sc->len, &v, &e) != 0)
        abort();
    if (v.ntasks != sc->ntasks || sc->text_len == 0)
        abort();
    for (uint32_t t = 0; t < v.ntasks; t++) {
        uint32_t nsteps, nspawn;
        scn_task_counts(&v, t, &nsteps, &nspawn);
        if (nsteps != sc->tasks[t].nsteps || scn_step_path(sc, t, nsteps) != NULL)
            abort();
        for (uint32_t s = 0; s < nsteps; s++) {
            const char *path = scn_step_path(sc, t, s);
            if (path == NULL || (strncmp(path, "tasks[", 6) != 0 &&
                                 strncmp(path, "init.script[", 12) != 0)) /* the init key's */
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scn_compiled sc;
    char err[512];
    err[0] = '\0';
    if (scn_compile_text("fuzz.json", (const char *)data, size, &sc, err, sizeof(err)) !=
        SCN_COMPILE_OK) {
        if (strncmp(err, "fuzz.json", 9) != 0 || sc.blob != NULL)
            abort();
        return 0;
    }
    check_compiled(&sc);
    scn_compiled_free(&sc);
    return 0;
}
