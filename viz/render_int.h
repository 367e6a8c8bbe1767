/* SPDX-License-Identifier: MIT */
/*
 * viz/render_int.h - the parts of a frame, shared between render.c (the time plot) and
 * render_marks.c / render_panels.c. Private to viz/.
 */
#ifndef TWAIN_VIZ_RENDER_INT_H
#define TWAIN_VIZ_RENDER_INT_H

#include "fb.h"
#include "index.h"
#include "layout.h"
#include "render.h"

uint64_t viz_r_data_end(const struct viz_index *ix);
void viz_r_marks(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                 const struct viz_view *v);
void viz_r_arrows(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v);
void viz_r_selection(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                     const struct viz_view *v);
void viz_r_labels(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v);
void viz_r_header(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                  const struct viz_view *v, const struct viz_status *st);
void viz_r_console(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                   const struct viz_view *v, const struct viz_status *st);
void viz_r_details(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                   const struct viz_view *v);
void viz_r_stats(struct viz_fb *fb, const struct viz_layout *L, const struct viz_index *ix,
                 const struct viz_view *v);

#endif /* TWAIN_VIZ_RENDER_INT_H */
