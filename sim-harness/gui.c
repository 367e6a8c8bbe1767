/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/gui.c - the SDL2 window (see gui.h): a streaming texture that viz/ draws
 * into, the event loop, and what the keys and the mouse do. The loop runs on the
 * process's main thread; in live mode the scenario runs beside it (gui_live.c).
 */
#include "gui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../viz/describe.h"
#include "../viz/fmt.h"
#include "gui_int.h"
#include "screenshot.h"
#include "trace_file.h"

#define DEFAULT_SPEED 11 /* 5 ms of virtual time a second */
#define FRAME_NS      15000000ull
#define DRAG_SLOP     3 /* pixels a press may move and still be a click */
#define HISTORY_S     4 /* live: seconds of real time the view shows at first */

void gui_log(const struct gui *g, const char *fmt, ...)
{
    if (!g->log)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("gui: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
}

bool gui_can_open(void)
{
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "twain: no display for the window (SDL: %s)\n", SDL_GetError());
        return false;
    }
    /* Without a display SDL falls back to drivers that show nothing: only on request. */
    const char *drv = SDL_GetCurrentVideoDriver(), *want = getenv("SDL_VIDEODRIVER");
    bool invisible = drv != NULL && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0);
    if (invisible && (want == NULL || strcmp(want, drv) != 0)) {
        fprintf(stderr, "twain: no display for the window (SDL found only its '%s' driver)\n", drv);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return false;
    }
    return true;
}

/* (Re)create the pixel buffer and texture for the renderer's current output size. */
static int resize(struct gui *g)
{
    int w, h;
    if (SDL_GetRendererOutputSize(g->ren, &w, &h) != 0)
        SDL_GetWindowSize(g->win, &w, &h);
    w = w < 320 ? 320 : (w > VIZ_MAX_W ? VIZ_MAX_W : w);
    h = h < 240 ? 240 : (h > VIZ_MAX_H ? VIZ_MAX_H : h);
    if (g->px != NULL && w == g->w && h == g->h)
        return 0;
    if (g->tex != NULL)
        SDL_DestroyTexture(g->tex);
    free(g->px);
    g->px = calloc((size_t)w * (size_t)h, sizeof(*g->px));
    g->tex = SDL_CreateTexture(g->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, w, h);
    if (g->px == NULL || g->tex == NULL) {
        fprintf(stderr, "twain gui: cannot make a %dx%d frame: %s\n", w, h, SDL_GetError());
        return 2;
    }
    g->w = w;
    g->h = h;
    viz_fb_init(&g->fb, g->px, w, h, w);
    viz_layout_compute(&g->L, w, h, g->ix.nlanes);
    g->layout_lanes = g->ix.nlanes;
    g->dirty = true;
    return 0;
}

static int open_window(struct gui *g)
{
    char caption[160];
    snprintf(caption, sizeof(caption), "Twain - %s", g->title);
    if (!gui_can_open())
        return 2;
    g->win = SDL_CreateWindow(caption, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                              SHOT_DEFAULT_W, SHOT_DEFAULT_H, SDL_WINDOW_RESIZABLE);
    if (g->win != NULL)
        g->ren = SDL_CreateRenderer(g->win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (g->win != NULL && g->ren == NULL)
        g->ren = SDL_CreateRenderer(g->win, -1, SDL_RENDERER_SOFTWARE);
    if (g->win == NULL || g->ren == NULL) {
        fprintf(stderr, "twain: cannot open the window: %s\n", SDL_GetError());
        return 2;
    }
    g->log = getenv("TWAIN_GUI_LOG") != NULL;
    return resize(g);
}

static void close_window(struct gui *g)
{
    if (g->tex != NULL)
        SDL_DestroyTexture(g->tex);
    if (g->ren != NULL)
        SDL_DestroyRenderer(g->ren);
    if (g->win != NULL)
        SDL_DestroyWindow(g->win);
    free(g->px);
    g->px = NULL;
    /* SDL 2.26 never shuts D-Bus down: LeakSanitizer builds see its connection as leaked
     * (tools/viz-tests suppresses that with tests/viz/lsan.supp) */
    SDL_Quit();
}

/* ---- drawing ------------------------------------------------------------------------ */

static uint64_t produced(struct gui *g);

static bool live_running(const struct gui *g, bool *paused)
{
    if (g->live == NULL)
        return false;
    pthread_mutex_lock(&g->live->mu);
    bool running = !g->live->done;
    *paused = g->live->paused;
    pthread_mutex_unlock(&g->live->mu);
    return running;
}

static void draw(struct gui *g)
{
    bool paused = false, running = live_running(g, &paused);
    char speed[32];
    gui_speed_label(g->speed, speed, sizeof(speed));
    if (g->ix.nlanes != g->layout_lanes) {
        viz_layout_compute(&g->L, g->w, g->h, g->ix.nlanes);
        g->layout_lanes = g->ix.nlanes;
    }
    if (g->v.follow && g->ix.nrecs > 0) {
        uint64_t keep = g->v.span / 10 * 9;
        g->v.t0 = g->ix.t_last > keep ? g->ix.t_last - keep : 0;
    }
    g->v.has_cursor = (running && paused) || (g->live == NULL && g->v.has_cursor);
    if (running && paused && g->nrecs > 0)
        g->v.cursor_rec = (uint32_t)(g->nrecs - 1);
    struct viz_status st = {
        .title = g->title,
        .state = g->live == NULL ? (g->playing ? "REPLAY (playing)" : "REPLAY")
                 : running       ? (paused ? "PAUSED" : "LIVE")
                                 : "ENDED (scrub freely)",
        .speed = speed,
        .console_focus = g->con_focus,
        .console_input = g->con_line,
    };
    viz_render(&g->fb, &g->L, &g->ix, &g->v, &st);
    SDL_UpdateTexture(g->tex, NULL, g->px, g->w * (int)sizeof(uint32_t));
    SDL_RenderClear(g->ren);
    SDL_RenderCopy(g->ren, g->tex, NULL, NULL);
    SDL_RenderPresent(g->ren);
    g->dirty = false;
    g->last_frame_ns = gui_now_ns();
}

static void screenshot(struct gui *g)
{
    char path[64];
    draw(g);
    snprintf(path, sizeof(path), "twain-screenshot-%u.bmp", ++g->shots);
    if (shot_save_bmp(path, g->px, g->w, g->h, g->w) != 0)
        return;
    fprintf(stderr, "twain: screenshot %s\n", path);
    if (g->live != NULL)
        gui_log(g, "screenshot %s at record %llu", path, (unsigned long long)produced(g));
    else
        gui_log(g, "screenshot %s", path);
}

/* ---- controls ----------------------------------------------------------------------- */

static void push_controls(struct gui *g, bool paused, uint32_t steps)
{
    if (g->live != NULL)
        gui_live_set(g->live, paused, steps, g->speed, g->quit);
}

/* Records the simulation has produced so far (the window's copy may lag a frame). */
static uint64_t produced(struct gui *g)
{
    pthread_mutex_lock(&g->live->mu);
    uint64_t n = g->live->produced;
    pthread_mutex_unlock(&g->live->mu);
    return n;
}

static bool is_paused(struct gui *g)
{
    bool paused = false;
    live_running(g, &paused);
    return paused;
}

static void set_speed(struct gui *g, int d)
{
    int s = g->speed + d;
    g->speed = s < 0 ? 0 : (s > GUI_SPEED_MAX ? GUI_SPEED_MAX : s);
    push_controls(g, is_paused(g), 0);
    char label[32];
    gui_speed_label(g->speed, label, sizeof(label));
    gui_log(g, "speed %s", label);
}

/* Keep the cursor's record in view (replay stepping). */
static void show_cursor(struct gui *g)
{
    uint64_t t = g->recs[g->v.cursor_rec].time;
    if (t < g->v.t0 || t >= g->v.t0 + g->v.span)
        g->v.t0 = t > g->v.span / 2 ? t - g->v.span / 2 : 0;
    g->v.follow = false;
}

static void step(struct gui *g, int dir)
{
    bool paused = false;
    if (live_running(g, &paused)) {
        if (dir < 0)
            return;
        uint64_t at = produced(g); /* before the simulation thread moves on */
        push_controls(g, true, paused ? 1 : 0);
        gui_log(g, paused ? "step from record %llu" : "paused at record %llu",
                (unsigned long long)at);
        return;
    }
    if (g->nrecs == 0)
        return;
    if (!g->v.has_cursor) {
        g->v.has_cursor = true; /* the first record in view */
        g->v.cursor_rec = 0;
        while (g->v.cursor_rec + 1 < g->nrecs && g->recs[g->v.cursor_rec].time < g->v.t0)
            g->v.cursor_rec++;
    } else if (dir > 0 && g->v.cursor_rec + 1 < g->nrecs) {
        g->v.cursor_rec++;
    } else if (dir < 0 && g->v.cursor_rec > 0) {
        g->v.cursor_rec--;
    }
    show_cursor(g);
    gui_log(g, "cursor at record %u", g->v.cursor_rec);
}

static void toggle_pause(struct gui *g)
{
    bool paused = false;
    if (live_running(g, &paused)) {
        uint64_t at = produced(g);
        push_controls(g, !paused, 0);
        gui_log(g, paused ? "resumed at record %llu" : "paused at record %llu",
                (unsigned long long)at);
        return;
    }
    if (g->live == NULL && g->nrecs > 0) { /* replay: play the cursor forward */
        g->playing = !g->playing;
        if (g->playing && !g->v.has_cursor) {
            g->v.has_cursor = true;
            g->v.cursor_rec = 0;
        }
        g->play_t = g->recs[g->v.cursor_rec].time;
        g->last_frame_ns = gui_now_ns();
        gui_log(g, g->playing ? "playing" : "stopped");
    }
}

static void select_at(struct gui *g, int x, int y)
{
    uint32_t lane = 0, iv = 0;
    enum viz_hit hit = viz_pick(&g->ix, &g->v, &g->L, x, y, &lane, &iv);
    if (hit == VIZ_HIT_CONSOLE && g->live != NULL) {
        g->con_focus = true;
        SDL_StartTextInput();
        gui_log(g, "console focused");
        return;
    }
    if (g->con_focus) {
        g->con_focus = false;
        SDL_StopTextInput();
    }
    if (hit != VIZ_HIT_SLICE) {
        g->v.has_sel = false;
        return;
    }
    g->v.has_sel = true;
    g->v.sel_lane = lane;
    g->v.sel_iv = iv;
    struct viz_text txt;
    viz_describe(&g->ix, lane, iv, &txt);
    gui_log(g, "selected %s | %s", txt.line[0], txt.n > 1 ? txt.line[1] : "");
}

static void fit(struct gui *g)
{
    viz_view_fit(&g->v, &g->ix);
    g->v.follow = false;
}

/* Keys while typing into the console pane. */
static void console_key(struct gui *g, SDL_Keycode k)
{
    if (k == SDLK_ESCAPE) {
        g->con_focus = false;
        SDL_StopTextInput();
    } else if (k == SDLK_BACKSPACE && g->con_len > 0) {
        g->con_line[--g->con_len] = '\0';
    } else if (k == SDLK_RETURN || k == SDLK_KP_ENTER) {
        g->con_line[g->con_len++] = '\n';
        gui_live_input(g->live, g->con_line, g->con_len);
        gui_log(g, "console input %zu bytes", g->con_len);
        g->con_len = 0;
        g->con_line[0] = '\0';
    }
}

static void key(struct gui *g, const SDL_KeyboardEvent *e)
{
    SDL_Keycode k = e->keysym.sym;
    if (g->con_focus) {
        console_key(g, k);
        return;
    }
    switch (k) {
    case SDLK_SPACE:
        toggle_pause(g);
        break;
    case SDLK_RIGHT:
        step(g, 1);
        break;
    case SDLK_LEFT:
        step(g, -1);
        break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
        set_speed(g, 1);
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        set_speed(g, -1);
        break;
    case SDLK_HOME:
    case SDLK_f:
        fit(g);
        break;
    case SDLK_END:
        g->v.follow = g->live != NULL;
        break;
    case SDLK_UP:
    case SDLK_DOWN:
    case SDLK_PAGEUP:
    case SDLK_PAGEDOWN: {
        int n = k == SDLK_UP ? -1 : k == SDLK_DOWN ? 1 : k == SDLK_PAGEUP ? -8 : 8;
        viz_view_scroll(&g->v, &g->L, &g->ix, n);
        break;
    }
    case SDLK_ESCAPE:
        g->v.has_sel = false;
        break;
    case SDLK_F12:
        screenshot(g);
        break;
    case SDLK_q:
        g->quit = true;
        break;
    default:
        return;
    }
    g->dirty = true;
}

static void mouse(struct gui *g, const SDL_Event *e)
{
    int x, y;
    SDL_GetMouseState(&x, &y);
    if (e->type == SDL_MOUSEWHEEL) {
        if (SDL_GetModState() & KMOD_SHIFT || x < g->L.plot_x0)
            viz_view_scroll(&g->v, &g->L, &g->ix, e->wheel.y > 0 ? -1 : 1);
        else if (e->wheel.y > 0)
            viz_view_zoom(&g->v, &g->L, x, 2, 3);
        else if (e->wheel.y < 0)
            viz_view_zoom(&g->v, &g->L, x, 3, 2);
    } else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        g->pressed = true;
        g->moved = false;
        g->press_x = g->last_x = e->button.x;
        g->press_y = e->button.y;
    } else if (e->type == SDL_MOUSEMOTION && g->pressed) {
        if (abs(e->motion.x - g->press_x) > DRAG_SLOP || abs(e->motion.y - g->press_y) > DRAG_SLOP)
            g->moved = true;
        if (g->moved)
            viz_view_pan(&g->v, &g->L, e->motion.x - g->last_x);
        g->last_x = e->motion.x;
    } else if (e->type == SDL_MOUSEBUTTONUP && e->button.button == SDL_BUTTON_LEFT) {
        if (g->pressed && !g->moved)
            select_at(g, e->button.x, e->button.y);
        g->pressed = false;
    } else {
        return;
    }
    g->dirty = true;
}

static void event(struct gui *g, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        g->quit = true;
        break;
    case SDL_KEYDOWN:
        key(g, &e->key);
        break;
    case SDL_TEXTINPUT:
        for (const char *s = e->text.text; g->con_focus && *s != '\0'; s++)
            if (*s >= 32 && *s < 127 && g->con_len + 2 < sizeof(g->con_line)) {
                g->con_line[g->con_len++] = *s;
                g->con_line[g->con_len] = '\0';
            }
        g->dirty = true;
        break;
    case SDL_WINDOWEVENT:
        if (resize(g) != 0)
            g->quit = true;
        g->dirty = true;
        break;
    case SDL_MOUSEWHEEL:
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
    case SDL_MOUSEMOTION:
        mouse(g, e);
        break;
    default:
        g->dirty = true;
        break;
    }
}

/* ---- the loop ----------------------------------------------------------------------- */

/* Replay play: advance the cursor through the records at the play speed. */
static void play(struct gui *g)
{
    uint64_t now = gui_now_ns(), speed = gui_speed_ns(g->speed);
    uint64_t dt = now - g->last_frame_ns;
    g->play_t += speed == 0 ? g->ix.t_last : (uint64_t)((double)dt * (double)speed / 1e9);
    while (g->v.cursor_rec + 1 < g->nrecs && g->recs[g->v.cursor_rec + 1].time <= g->play_t)
        g->v.cursor_rec++;
    if (g->v.cursor_rec + 1 >= g->nrecs)
        g->playing = false;
    show_cursor(g);
    g->dirty = true;
}

static void loop(struct gui *g)
{
    bool was_running = g->live != NULL;
    while (!g->quit) {
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 15)) {
            event(g, &e);
            while (!g->quit && SDL_PollEvent(&e))
                event(g, &e);
        }
        bool paused = false, running = live_running(g, &paused);
        if (g->live != NULL && gui_live_take(g))
            g->dirty = true;
        if (was_running && !running) { /* the run just ended: show all of it */
            was_running = false;
            if (g->v.follow)
                fit(g);
            gui_log(g, "run ended after %zu records", g->nrecs);
            g->dirty = true;
        }
        if (g->playing)
            play(g);
        if (g->dirty && gui_now_ns() - g->last_frame_ns >= (running ? FRAME_NS : 0))
            draw(g);
    }
}

int gui_run(const struct scn_compiled *c, struct run_opts *o, struct run_result *r)
{
    static struct gui g; /* large; one window a process */
    static struct gui_live lv;
    memset(&g, 0, sizeof(g));
    memset(&lv, 0, sizeof(lv));
    memset(r, 0, sizeof(*r));
    shot_scenario_name(c->text, c->text_len, g.title, sizeof(g.title));
    viz_index_init(&g.ix, &shot_host_alloc);
    g.speed = lv.speed = DEFAULT_SPEED;
    lv.pace_reset = true;
    g.v.span = gui_speed_ns(g.speed) * HISTORY_S;
    g.v.follow = true;
    lv.c = c;
    lv.o = o;
    lv.r = r;
    lv.paused = getenv("TWAIN_GUI_PAUSED") != NULL; /* start paused at the first record */
    g.live = &lv;
    if (open_window(&g) != 0) {
        close_window(&g);
        return r->rc = 2;
    }
    gui_log(&g, "window %dx%d, live%s", g.w, g.h, lv.paused ? ", paused" : "");
    pthread_t th;
    if (gui_live_start(&lv, &th) != 0) {
        close_window(&g);
        return r->rc = 2;
    }
    loop(&g);
    push_controls(&g, false, 0); /* g.quit: the simulation runs out and stops */
    close_window(&g);
    pthread_join(th, NULL);
    host_set_poll(NULL, NULL);
    if (lv.stop_sent)
        fprintf(stderr, "twain: the window was closed: the run was stopped early\n");
    viz_index_free(&g.ix);
    free(g.recs);
    free(lv.pend);
    return r->rc;
}

int gui_view_file(const char *path)
{
    static struct gui g;
    struct trace_file tf;
    uint64_t bad = 0;
    char err[512];
    memset(&g, 0, sizeof(g));
    int rc = trace_file_read(path, &tf, &bad, err, sizeof(err));
    if (rc == 2) {
        fprintf(stderr, "twain: %s\n", err);
        return 2;
    }
    if (rc == 1) /* a broken chain: show the records before the break */
        fprintf(stderr, "twain: %s (showing the records before it)\n", err);
    g.recs = tf.recs;
    g.nrecs = rc == 1 ? bad : tf.h.records;
    shot_scenario_name(tf.text, tf.h.text_len, g.title, sizeof(g.title));
    viz_index_init(&g.ix, &shot_host_alloc);
    viz_index_feed(&g.ix, g.recs, g.nrecs);
    viz_view_fit(&g.v, &g.ix);
    g.speed = DEFAULT_SPEED;
    rc = open_window(&g);
    if (rc == 0) {
        gui_log(&g, "window %dx%d, %zu records", g.w, g.h, g.nrecs);
        loop(&g);
    }
    close_window(&g);
    viz_index_free(&g.ix);
    trace_file_free(&tf);
    return rc;
}
