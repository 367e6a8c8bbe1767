/* SPDX-License-Identifier: MIT */
/*
 * user/servers/local_demo.c - a program with a process-local provider: it
 * serves mem:// itself (a note kept in its own memory), so opening mem://note makes no
 * system call, while console:// opened through the same tw_local_open goes to the kernel.
 * Prints what it read back through both.
 */
#include "../../core/klib.h"
#include "../localprov.h"
#include "../programs.h"
#include "../twain.h"

struct note {
    char text[128];
    size_t len, pos;
};

static int64_t mem_open(void *ctx, const char *url, size_t len, uint32_t flags)
{
    (void)url;
    (void)len;
    (void)flags;
    struct note *n = ctx;
    n->pos = 0;
    return 0;
}

static int64_t mem_read(void *ctx, int64_t rid, void *buf, size_t len)
{
    (void)rid;
    struct note *n = ctx;
    size_t take = K_MIN(len, n->len - n->pos);
    k_memcpy(buf, n->text + n->pos, take);
    n->pos += take;
    return (int64_t)take;
}

static int64_t mem_write(void *ctx, int64_t rid, const void *buf, size_t len)
{
    (void)rid;
    struct note *n = ctx;
    size_t take = K_MIN(len, sizeof(n->text) - n->len);
    k_memcpy(n->text + n->len, buf, take);
    n->len += take;
    return (int64_t)take;
}

static const struct tw_local_ops mem_ops = {
    .open = mem_open, .read = mem_read, .write = mem_write, .close = NULL};

int64_t local_demo_main(const char *args, size_t len)
{
    (void)args;
    (void)len;
    struct tw_local lp;
    struct note note;
    tw_local_init(&lp);
    k_memset(&note, 0, sizeof(note));
    char mem_url[] = "mem://note", con_url[] = "console://", scheme[] = "mem";
    char text[] = "kept in this program", line[160], back[64];
    int64_t rc = tw_local_register(&lp, scheme, &mem_ops, &note);
    int64_t m = rc < 0 ? rc : tw_local_open(&lp, mem_url, 0);
    if (m < 0)
        return m;
    tw_local_write(&lp, (int32_t)m, text, sizeof(text) - 1);
    int64_t got = tw_local_read(&lp, (int32_t)m, back, sizeof(back) - 1);
    back[got > 0 ? got : 0] = '\0';
    int64_t c = tw_local_open(&lp, con_url, 0); /* not local: a system call */
    if (c < 0)
        return c;
    size_t n = k_snprintf(line, sizeof(line),
                          "local-demo: mem:// (local, handle 0x%llx) gave \"%s\"; "
                          "console:// is kernel handle %lld\n",
                          (unsigned long long)m, back, (long long)c);
    tw_local_write(&lp, (int32_t)c, line, n);
    tw_local_close(&lp, (int32_t)m);
    tw_local_close(&lp, (int32_t)c);
    return 0;
}
