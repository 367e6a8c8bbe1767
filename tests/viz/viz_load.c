/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_load.c - the other inputs of `viz_tool pixels`, for the UEFI view's boot
 * test (tools/boot-tests): a trace given as a serial log of the UEFI kernel's `trace`
 * switch (`T <index> <time> <event> <thread> <a> <b> <c> <chain>` lines, other lines
 * ignored), and a screenshot given as a binary PPM (P6, what QEMU's monitor `screendump`
 * writes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz_tool.h"

static int event_type(const char *name)
{
    for (uint32_t t = 1; t <= TR_EVENT_MAX; t++)
        if (strcmp(trace_event_name(t), name) == 0)
            return (int)t;
    return -1;
}

int vt_load_serial(const char *path, struct trace_file *tf)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return 2;
    }
    memset(tf, 0, sizeof(*tf));
    size_t cap = 0;
    char line[512], name[32];
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long long idx, time, a, b, c, chain;
        unsigned tid;
        if (sscanf(line, "T %llu %llu %31s %u %llx %llx %llx %llx", &idx, &time, name, &tid, &a, &b,
                   &c, &chain) != 8)
            continue;
        int type = event_type(name);
        if (type < 0 || idx != tf->h.records) {
            fprintf(stderr, "%s: record %llu (%s) out of sequence or unknown\n", path, idx, name);
            fclose(f);
            trace_file_free(tf);
            return 2;
        }
        if (tf->h.records == cap) {
            cap = cap * 2 + 4096;
            struct trace_rec *p = realloc(tf->recs, cap * sizeof(*p));
            if (p == NULL) {
                fclose(f);
                trace_file_free(tf);
                return 2;
            }
            tf->recs = p;
        }
        tf->recs[tf->h.records++] = (struct trace_rec){.time = time,
                                                       .type = (uint32_t)type,
                                                       .tid = tid,
                                                       .a = a,
                                                       .b = b,
                                                       .c = c,
                                                       .chain = chain};
    }
    fclose(f);
    tf->text = calloc(1, 1);
    if (tf->h.records == 0) {
        fprintf(stderr, "%s: no trace records (T lines)\n", path);
        trace_file_free(tf);
        return 2;
    }
    return 0;
}

/* A P6 header field: skips whitespace and # comments. */
static long ppm_field(FILE *f)
{
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '#')
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
        else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
    }
    long v = 0;
    while (ch >= '0' && ch <= '9') {
        v = v * 10 + (ch - '0');
        ch = fgetc(f);
    }
    return v;
}

SDL_Surface *vt_load_ppm(const char *path)
{
    FILE *f = fopen(path, "rb");
    char magic[2];
    if (f == NULL || fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || magic[1] != '6') {
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    long w = ppm_field(f), h = ppm_field(f), max = ppm_field(f);
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384 || max != 255) {
        fclose(f);
        return NULL;
    }
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, (int)w, (int)h, 24, SDL_PIXELFORMAT_RGB24);
    bool ok = s != NULL;
    for (long y = 0; ok && y < h; y++)
        ok = fread((uint8_t *)s->pixels + y * s->pitch, 3, (size_t)w, f) == (size_t)w;
    fclose(f);
    if (!ok && s != NULL) {
        SDL_FreeSurface(s);
        s = NULL;
    }
    return s;
}

bool vt_is_ppm(const char *path)
{
    FILE *f = fopen(path, "rb");
    char m[2] = {0};
    bool ppm = f != NULL && fread(m, 1, 2, f) == 2 && m[0] == 'P' && m[1] == '6';
    if (f != NULL)
        fclose(f);
    return ppm;
}

bool vt_is_trace_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char m[8] = {0};
    bool trc = f != NULL && fread(m, 1, 8, f) == 8 && memcmp(m, TRACE_FILE_MAGIC, 8) == 0;
    if (f != NULL)
        fclose(f);
    return trc;
}
