/*
 * test_digest.c: the input digest of base/digest.c.
 *
 * The values are pinned: a record's "inputs" written by one build must
 * compare equal with one written by the next, or every --resume and merge
 * across an upgrade would be refused. They were computed apart from this
 * code (FNV-1a 64 over the 8-byte little-endian length, then the bytes).
 */
#include "fdtest.h"

#include "base/digest.h"

#include <string.h>

#define CHECK_U64(a, b) CHECK_EQ_INT((long long)(a), (long long)(b))

int main(void)
{
    /* FNV-1a itself: the length prefix of an empty file, and a file. */
    CHECK_U64(fd_digest_add(FD_DIGEST_INIT, "", 0), UINT64_C(0xa8c7f832281a39c5));
    CHECK_U64(fd_digest_add(FD_DIGEST_INIT, "firedrill", 9), UINT64_C(0xcc405eb2b0e54189));
    uint64_t abc = fd_digest_add(fd_digest_add(FD_DIGEST_INIT, "ab", 2), "c", 1);
    CHECK_U64(abc, UINT64_C(0x7e60470bf599cad6));
    /* Where one file ends and the next begins is part of the digest. */
    CHECK(abc != fd_digest_add(fd_digest_add(FD_DIGEST_INIT, "a", 1), "bc", 2));
    CHECK(abc != fd_digest_add(FD_DIGEST_INIT, "abc", 3));
    /* So is the order of the files. */
    CHECK(abc != fd_digest_add(fd_digest_add(FD_DIGEST_INIT, "c", 1), "ab", 2));
    /* One byte changed anywhere changes it. */
    char text[256];
    for (int i = 0; i < 256; i++) text[i] = (char)i;
    uint64_t whole = fd_digest_add(FD_DIGEST_INIT, text, sizeof text);
    int same = 0;
    for (int i = 0; i < 256; i++) {
        text[i] ^= 1;
        if (fd_digest_add(FD_DIGEST_INIT, text, sizeof text) == whole) same++;
        text[i] ^= 1;
    }
    CHECK_EQ_INT(same, 0);
    /* A folded digest counts as its eight bytes. */
    CHECK(fd_digest_fold(FD_DIGEST_INIT, whole) != fd_digest_fold(FD_DIGEST_INIT, whole ^ 1));
    CHECK(fd_digest_fold(abc, whole) != fd_digest_fold(whole, abc));
    return fdt_finish();
}
