/* digest.c: see digest.h. */
#include "base/digest.h"

#define FNV_PRIME UINT64_C(0x100000001b3)

uint64_t fd_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return fd_fnv1a(h, b, sizeof b);
}

uint64_t fd_digest_add(uint64_t h, const void *data, size_t len)
{
    /* The length first, so that where one file ends and the next begins is
     * part of the digest. */
    return fd_fnv1a(fnv_u64(h, (uint64_t)len), data, len);
}

uint64_t fd_digest_fold(uint64_t h, uint64_t other) { return fnv_u64(h, other); }
