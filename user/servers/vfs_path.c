/* SPDX-License-Identifier: MIT */
/*
 * user/servers/vfs_path.c - path normalisation and mount matching (see vfs_path.h). No
 * recursion, bounded by VFS_PATH_MAX and VFS_DEPTH_MAX.
 */
#include "vfs_path.h"
#include "../../core/klib.h"

int vfs_normalize(const char *in, size_t len, char *out)
{
    if (len == 0 || in[0] != '/' || len >= VFS_PATH_MAX)
        return -1;
    size_t starts[VFS_DEPTH_MAX]; /* where each kept component begins in out */
    size_t depth = 0, o = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && in[i] == '/')
            i++;
        size_t b = i;
        while (i < len && in[i] != '/')
            i++;
        size_t n = i - b;
        if (n == 0 || (n == 1 && in[b] == '.'))
            continue;
        if (n == 2 && in[b] == '.' && in[b + 1] == '.') {
            if (depth > 0) /* at the root, ".." stays at the root */
                o = starts[--depth];
            continue;
        }
        if (depth == VFS_DEPTH_MAX)
            return -1;
        starts[depth++] = o;
        out[o++] = '/';
        k_memcpy(out + o, in + b, n);
        o += n;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return (int)o;
}

bool vfs_under(const char *path, const char *point)
{
    size_t n = k_strlen(point);
    if (n == 1 && point[0] == '/')
        return true;
    return k_memcmp(path, point, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
