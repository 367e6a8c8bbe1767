/* SPDX-License-Identifier: MIT */
/*
 * core/console.c - the kernel console (see console.h).
 */
#include "optable.h"
#include "console.h"
#include "../hal/hal.h"
#include "kassert.h"
#include "kentry.h"
#include "klib.h"
#include "limits.h"
#include "obj.h"
#include "trace.h"

static struct {
    char capture[K_CONSOLE_CAPTURE];
    uint64_t total;
    char input[K_CONSOLE_INPUT];
    uint32_t in_head; /* next byte to read */
    uint32_t in_len;
    struct kobj input_obj; /* a static object: waiters on console input hang here */
} con;

static uint32_t input_signals(struct kobj *o)
{
    (void)o;
    return (con.in_len > 0 ? TW_SIG_READABLE : 0) | TW_SIG_WRITABLE;
}

static void input_destroy(struct kobj *o)
{
    (void)o;
    k_panic("the console object is static");
}

static int64_t console_obj_read(struct kobj *o, void *buf, size_t len)
{
    (void)o;
    if (len == 0)
        return 0;
    size_t n = console_read_input(buf, len);
    return n > 0 ? (int64_t)n : TW_E_WOULDBLOCK;
}

static int64_t console_obj_write(struct kobj *o, const void *buf, size_t len)
{
    (void)o;
    console_write(buf, len);
    return (int64_t)len;
}

/* console:// is one static object: every open returns a handle to it. */
static const struct kobj_ops console_ops = {
    .name = "console",
    .kind = TW_KIND_CONSOLE,
    .default_rights =
        TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_WAIT | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = input_signals,
    .read = console_obj_read,
    .write = console_obj_write,
    .destroy = input_destroy,
};

void console_init(void)
{
    con.total = 0;
    con.in_head = 0;
    con.in_len = 0;
    /* Not counted as a live object: it is part of the kernel, not of any run. */
    con.input_obj.ops = &console_ops;
    con.input_obj.id = 0;
    con.input_obj.refs = 1;
    con.input_obj.handles = 0;
    list_init(&con.input_obj.waiters);
}

void console_write(const char *bytes, size_t len)
{
    hal_console_write(bytes, len);
    for (size_t i = 0; i < len; i++)
        con.capture[(con.total + i) & (K_CONSOLE_CAPTURE - 1)] = bytes[i];
    con.total += len;
    for (size_t off = 0; off < len; off += 16) {
        size_t n = K_MIN(len - off, (size_t)16);
        uint64_t w[2] = {0, 0};
        k_memcpy(w, bytes + off, n);
        trace_emit(TR_CONSOLE, n, w[0], w[1]);
    }
}

size_t console_captured(char *buf, size_t cap)
{
    size_t have = con.total < K_CONSOLE_CAPTURE ? (size_t)con.total : K_CONSOLE_CAPTURE;
    size_t n = K_MIN(have, cap);
    uint64_t start = con.total - n;
    for (size_t i = 0; i < n; i++)
        buf[i] = con.capture[(start + i) & (K_CONSOLE_CAPTURE - 1)];
    return n;
}

uint64_t console_total(void)
{
    return con.total;
}

void k_console_input(const char *bytes, size_t len)
{
    for (size_t i = 0; i < len && con.in_len < K_CONSOLE_INPUT; i++) {
        con.input[(con.in_head + con.in_len) % K_CONSOLE_INPUT] = bytes[i];
        con.in_len++;
    }
    kobj_notify(&con.input_obj);
}

size_t console_read_input(char *buf, size_t len)
{
    size_t n = 0;
    while (n < len && con.in_len > 0) {
        buf[n++] = con.input[con.in_head];
        con.in_head = (con.in_head + 1) % K_CONSOLE_INPUT;
        con.in_len--;
    }
    return n;
}

size_t console_input_pending(void)
{
    return con.in_len;
}

struct kobj *console_obj(void)
{
    return &con.input_obj;
}
