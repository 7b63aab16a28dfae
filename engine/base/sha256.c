/*
 * sha256.c: SHA-256 of a file through OpenSSL's EVP interface (see sha256.h).
 */
#include "base/sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>

int fd_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return -errno;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
    unsigned char buf[16384];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (EVP_DigestUpdate(ctx, buf, n) != 1) rc = -EIO;
    if (rc == 0 && ferror(f)) rc = -EIO;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (rc == 0 && (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)) rc = -EIO;
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (rc < 0) return rc;
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    return 0;
}
