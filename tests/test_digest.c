/*
 * test_digest.c: the input digest of base/digest.c.
 *
 * The values are pinned: a record's "inputs" written by one build must
 * compare equal with one written by the next, or every --resume and merge
 * across an upgrade would be refused. They were computed apart from this
 * code (FNV-1a 64 over the 8-byte little-endian length, then the bytes).
 * Also the SHA-256 of a file (base/sha256.h), the game day journal's
 * scenario digest, against the FIPS 180-2 test vectors.
 */
#include "fdtest.h"

#include "base/digest.h"
#include "base/sha256.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_U64(a, b) CHECK_EQ_INT((long long)(a), (long long)(b))

/* The SHA-256 of a file holding text, or "" when it cannot be hashed. */
static const char *sha_of(const char *text, char hex[65])
{
    char path[] = "/tmp/fd_test_sha256_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return "";
    FILE *f = fdopen(fd, "wb");
    fputs(text, f);
    fclose(f);
    int rc = fd_sha256_file(path, hex);
    unlink(path);
    return rc == 0 ? hex : "";
}

static void sha256_file(void)
{
    char hex[65];
    CHECK_STR(sha_of("abc", hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_STR(sha_of("", hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_STR(sha_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* A million 'a's: many reads of the file. */
    char *m = malloc(1000001);
    memset(m, 'a', 1000000);
    m[1000000] = 0;
    CHECK_STR(sha_of(m, hex), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(m);
    CHECK_EQ_INT(fd_sha256_file("/nonexistent/firedrill", hex), -ENOENT);
}

int main(void)
{
    sha256_file();
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
