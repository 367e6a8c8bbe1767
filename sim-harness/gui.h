/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/gui.h - the SDL2 window of the scheduling view (docs/viz.md): live while a
 * scenario runs (`twain run SCENARIO --gui`) and over a recorded trace (`twain replay
 * TRACE --gui`). The drawing itself is viz/'s; this is the window, the keys and the mouse,
 * and pacing the simulation to a speed in virtual time per real second.
 */
#ifndef TWAIN_SIM_HARNESS_GUI_H
#define TWAIN_SIM_HARNESS_GUI_H

#include <stdbool.h>

#include "run.h"
#include "scenario_compile.h"

/* True when a window can be opened (SDL's video initialises); otherwise says why on stderr. */
bool gui_can_open(void);

/*
 * Run c with the window drawing live (o's extra sink and trace batch are taken over; the
 * rest of o applies). The kernel runs in a second host thread so that the window stays
 * responsive and SDL never runs on a simulated thread's small stack; the trace sink
 * blocks it to pause, step and pace. Returns when the window is closed, with the run's
 * result in *r (closing the window early stops the run).
 */
int gui_run(const struct scn_compiled *c, struct run_opts *o, struct run_result *r);

/* Open a recorded trace file in the window. 0, or 2 (unreadable trace, no display). */
int gui_view_file(const char *path);

#endif /* TWAIN_SIM_HARNESS_GUI_H */
