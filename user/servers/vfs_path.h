/* SPDX-License-Identifier: MIT */
/*
 * user/servers/vfs_path.h - path handling of the file server: lexical normalisation that
 * never climbs above "/", and mount lookup by longest prefix.
 */
#ifndef TWAIN_USER_SERVERS_VFS_PATH_H
#define TWAIN_USER_SERVERS_VFS_PATH_H

#include <stdbool.h>
#include <stddef.h>

#define VFS_PATH_MAX  256
#define VFS_DEPTH_MAX 32

/*
 * Normalise in[0..len) (absolute; "." and empty components dropped, ".." removes the
 * previous component and stops at "/") into out (VFS_PATH_MAX bytes, NUL-terminated).
 * Returns its length, or -1 when the path is not absolute, too long or too deep.
 */
int vfs_normalize(const char *in, size_t len, char *out);

/* True when path lies at or under mount point (both normalised): "/d" holds "/d", "/d/x". */
bool vfs_under(const char *path, const char *point);

#endif /* TWAIN_USER_SERVERS_VFS_PATH_H */
