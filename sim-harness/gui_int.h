/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/gui_int.h - the window's state, shared by gui.c (window, input, drawing)
 * and gui_live.c (the simulation thread, its sink and poll hook, pacing). Private.
 */
#ifndef TWAIN_SIM_HARNESS_GUI_INT_H
#define TWAIN_SIM_HARNESS_GUI_INT_H

#include <SDL.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../viz/fb.h"
#include "../viz/index.h"
#include "../viz/layout.h"
#include "../viz/render.h"
#include "run.h"

#define GUI_SPEEDS    20 /* entries of the speed ladder; GUI_SPEED_MAX is "as fast as possible" */
#define GUI_SPEED_MAX (GUI_SPEEDS - 1)
#define GUI_INPUT_MAX 1024

/* What the simulation thread and the window share, under mu. */
struct gui_live {
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* the simulation waits here while paused or ahead of pace */
    struct trace_rec *pend; /* records produced and not yet taken by the window */
    size_t npend, cap;
    bool paused;
    uint32_t steps;            /* records to let through while paused */
    bool quit;                 /* the window closed: run flat out and stop */
    bool stop_sent;            /* the poll hook asked the kernel to stop */
    bool done;                 /* run_scenario returned */
    int speed;                 /* index into the speed ladder */
    bool pace_reset;           /* re-anchor pacing at the next record */
    uint64_t pace_v, pace_r;   /* virtual and real ns at the anchor */
    char input[GUI_INPUT_MAX]; /* console bytes for the poll hook to deliver */
    size_t ninput;
    uint64_t produced; /* records through the sink */
    /* the run (the simulation thread's) */
    const struct scn_compiled *c;
    struct run_opts *o;
    struct run_result *r;
};

struct gui {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    uint32_t *px;
    int w, h;
    struct viz_fb fb;
    struct viz_layout L;
    uint32_t layout_lanes; /* the lane count L was computed for */
    struct viz_index ix;
    struct viz_view v;
    struct trace_rec *recs; /* live: the window's copy; replay: the file's records */
    size_t nrecs, cap;
    char title[128];
    bool quit, dirty;
    uint64_t last_frame_ns;
    bool pressed, moved; /* left button: a click, or a drag that pans */
    int press_x, press_y, last_x;
    bool con_focus;
    char con_line[200];
    size_t con_len;
    unsigned shots;
    bool log;              /* TWAIN_GUI_LOG: say what happens on stderr (for tests) */
    int speed;             /* replay play speed (live: live->speed) */
    bool playing;          /* replay: the cursor plays forward */
    uint64_t play_t;       /* replay: virtual time the cursor has reached */
    struct gui_live *live; /* NULL when viewing a file */
};

uint64_t gui_now_ns(void);
void gui_log(const struct gui *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Virtual ns per real second of speed i (0 for GUI_SPEED_MAX), and its label. */
uint64_t gui_speed_ns(int i);
void gui_speed_label(int i, char *buf, size_t len);

/* gui_live.c: the simulation thread. */
int gui_live_start(struct gui_live *lv, pthread_t *th);
/* Move produced records into g's copy and index. True when there were new ones. */
bool gui_live_take(struct gui *g);
void gui_live_set(struct gui_live *lv, bool paused, uint32_t steps, int speed, bool quit);
/* Queue typed bytes for console:// readers (delivered at the next kernel boundary). */
void gui_live_input(struct gui_live *lv, const char *bytes, size_t n);

#endif /* TWAIN_SIM_HARNESS_GUI_INT_H */
