/* SPDX-License-Identifier: MIT */
/*
 * providers/kio.c - what the storage providers share (storage.h): positioned I/O on any
 * seekable kernel object (the sub-resource a cache or a FAT volume sits on), and the seek
 * arithmetic of the seekable objects blk://, cache:// and fat:// make.
 */
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/obj.h"
#include "storage.h"

int64_t kio_seek_pos(uint64_t pos, uint64_t end, uint64_t max, int64_t off, int whence)
{
    K_ASSERT(pos <= max && end <= max && max <= (uint64_t)INT64_MAX);
    int64_t base = whence == TW_SEEK_SET ? 0 : whence == TW_SEEK_CUR ? (int64_t)pos : (int64_t)end;
    if ((off < 0 && base + off < 0) || (off > 0 && off > (int64_t)max - base))
        return TW_E_INVAL;
    return base + off;
}

static int kio_at(struct kobj *o, uint64_t off, void *buf, size_t len, bool write)
{
    if (o->ops->seek == NULL || (write ? o->ops->write == NULL : o->ops->read == NULL))
        return TW_E_NOTSUP;
    if (off > (uint64_t)INT64_MAX || o->ops->seek(o, (int64_t)off, TW_SEEK_SET) != (int64_t)off)
        return TW_E_IO;
    uint8_t *b = buf;
    while (len > 0) {
        int64_t r = write ? o->ops->write(o, b, len) : o->ops->read(o, b, len);
        if (r <= 0)
            return TW_E_IO;
        K_ASSERT((uint64_t)r <= len);
        b += r;
        len -= (size_t)r;
    }
    return TW_OK;
}

int kio_pread(struct kobj *o, uint64_t off, void *buf, size_t len)
{
    return kio_at(o, off, buf, len, false);
}

int kio_pwrite(struct kobj *o, uint64_t off, const void *buf, size_t len)
{
    return kio_at(o, off, (void *)(uintptr_t)buf, len, true);
}

int64_t kio_size(struct kobj *o)
{
    if (o->ops->seek == NULL)
        return TW_E_NOTSUP;
    return o->ops->seek(o, 0, TW_SEEK_END);
}

int kio_flush(struct kobj *o)
{
    int64_t r = kobj_invoke_simple(o, TW_BLK_FLUSH);
    return r == TW_E_NOTSUP || r >= 0 ? TW_OK : TW_E_IO;
}
