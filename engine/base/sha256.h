/*
 * sha256.h: SHA-256 of a file, as lowercase hex.
 *
 * The game day's journal records the SHA-256 of the scenario and of its
 * topology (docs/gameday.md), so that a debrief run later can tell when a
 * file changed since the session. FIPS 180-4, plain C, no dependencies.
 */
#ifndef FD_SHA256_H
#define FD_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct FdSha256 {
    uint32_t h[8];
    uint64_t len;            /* bytes so far */
    unsigned char buf[64];
    size_t nbuf;
} FdSha256;

void fd_sha256_init(FdSha256 *c);
void fd_sha256_update(FdSha256 *c, const void *data, size_t n);
/* Finishes and writes 64 hex digits and a NUL into hex. */
void fd_sha256_hex(FdSha256 *c, char hex[65]);

/* The SHA-256 of the file at path into hex. Returns 0 or -errno. */
int fd_sha256_file(const char *path, char hex[65]);

#endif
