/* SPDX-License-Identifier: MIT */
/*
 * core/klib.c - memory/string helpers and bounded formatting (see klib.h).
 * Freestanding: the compiler may still emit calls to memcpy/memset, which each backend's
 * link provides (libc in the simulator, hal/x86_64-efi/libc_min.c on UEFI).
 */
#include "klib.h"

void *k_memcpy(void *dst, const void *src, size_t n)
{
    return __builtin_memcpy(dst, src, n);
}

void *k_memmove(void *dst, const void *src, size_t n)
{
    return __builtin_memmove(dst, src, n);
}

void *k_memset(void *dst, int c, size_t n)
{
    return __builtin_memset(dst, c, n);
}

int k_memcmp(const void *a, const void *b, size_t n)
{
    return __builtin_memcmp(a, b, n);
}

size_t k_strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    return n;
}

size_t k_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0')
        n++;
    return n;
}

bool k_memeq_str(const char *a, size_t len, const char *b)
{
    return k_strnlen(b, len + 1) == len && k_memcmp(a, b, len) == 0;
}

bool k_streq(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] != '\0' && a[i] == b[i])
        i++;
    return a[i] == b[i];
}

bool k_parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Output cursor for k_vsnprintf: counts every byte, stores those that fit. */
struct fmt_out {
    char *buf;
    size_t size;
    size_t len;
};

static void out_char(struct fmt_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
    for (int i = 0; i < n; i++)
        out_char(o, c);
}

struct fmt_spec {
    int width;
    int prec; /* -1: none */
    bool left;
    bool zero;
};

static void out_str(struct fmt_out *o, const char *s, const struct fmt_spec *sp)
{
    size_t n = sp->prec >= 0 ? k_strnlen(s, (size_t)sp->prec) : k_strlen(s);
    int pad = sp->width > (int)n ? sp->width - (int)n : 0;
    if (!sp->left)
        out_pad(o, ' ', pad);
    for (size_t i = 0; i < n; i++)
        out_char(o, s[i]);
    if (sp->left)
        out_pad(o, ' ', pad);
}

static void out_num(struct fmt_out *o, uint64_t v, bool neg, unsigned base, bool upper,
                    const struct fmt_spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    int len = n + (neg ? 1 : 0);
    int pad = sp->width > len ? sp->width - len : 0;
    if (!sp->left && !sp->zero)
        out_pad(o, ' ', pad);
    if (neg)
        out_char(o, '-');
    if (!sp->left && sp->zero)
        out_pad(o, '0', pad);
    while (n > 0)
        out_char(o, tmp[--n]);
    if (sp->left)
        out_pad(o, ' ', pad);
}

/* Parse flags, width and precision at *fmt; returns the format past them. */
static const char *parse_spec(const char *fmt, struct fmt_spec *sp, va_list *ap)
{
    sp->width = 0;
    sp->prec = -1;
    sp->left = false;
    sp->zero = false;
    for (;; fmt++) {
        if (*fmt == '-')
            sp->left = true;
        else if (*fmt == '0')
            sp->zero = true;
        else
            break;
    }
    while (*fmt >= '0' && *fmt <= '9' && sp->width < 1000)
        sp->width = sp->width * 10 + (*fmt++ - '0');
    if (*fmt == '.') {
        fmt++;
        sp->prec = 0;
        if (*fmt == '*') {
            sp->prec = va_arg(*ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9' && sp->prec < 100000)
                sp->prec = sp->prec * 10 + (*fmt++ - '0');
        }
    }
    return fmt;
}

/* Length modifier: 0 int, 1 long, 2 long long, 3 size_t. */
static const char *parse_length(const char *fmt, int *lm)
{
    *lm = 0;
    if (*fmt == 'z') {
        *lm = 3;
        return fmt + 1;
    }
    while (*fmt == 'l' && *lm < 2) {
        (*lm)++;
        fmt++;
    }
    return fmt;
}

static uint64_t arg_unsigned(va_list *ap, int lm)
{
    switch (lm) {
    case 1:
        return va_arg(*ap, unsigned long);
    case 2:
        return va_arg(*ap, unsigned long long);
    case 3:
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

static int64_t arg_signed(va_list *ap, int lm)
{
    switch (lm) {
    case 1:
        return va_arg(*ap, long);
    case 2:
        return va_arg(*ap, long long);
    case 3:
        return (int64_t)va_arg(*ap, size_t);
    default:
        return va_arg(*ap, int);
    }
}

static void format_one(struct fmt_out *o, char conv, const struct fmt_spec *sp, int lm, va_list *ap)
{
    switch (conv) {
    case 'd':
    case 'i': {
        int64_t v = arg_signed(ap, lm);
        uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        out_num(o, mag, v < 0, 10, false, sp);
        break;
    }
    case 'u':
        out_num(o, arg_unsigned(ap, lm), false, 10, false, sp);
        break;
    case 'x':
    case 'X':
        out_num(o, arg_unsigned(ap, lm), false, 16, conv == 'X', sp);
        break;
    case 'c': {
        int pad = sp->width > 1 ? sp->width - 1 : 0;
        if (!sp->left)
            out_pad(o, ' ', pad);
        out_char(o, (char)va_arg(*ap, int));
        if (sp->left)
            out_pad(o, ' ', pad);
        break;
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);
        out_str(o, s != NULL ? s : "(null)", sp);
        break;
    }
    case '%':
        out_char(o, '%');
        break;
    default:
        out_char(o, '?');
        break;
    }
}

size_t k_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_out o = {buf, size, 0};
    va_list args;
    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt != '%') {
            out_char(&o, *fmt++);
            continue;
        }
        struct fmt_spec sp;
        int lm;
        fmt = parse_spec(fmt + 1, &sp, &args);
        fmt = parse_length(fmt, &lm);
        if (*fmt == '\0')
            break;
        format_one(&o, *fmt++, &sp, lm, &args);
    }
    va_end(args);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

size_t k_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = k_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
