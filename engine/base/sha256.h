/*
 * sha256.h: SHA-256 of a file, as lowercase hex.
 *
 * The game day's journal records the SHA-256 of the scenario
 * (docs/gameday.md), so that a debrief run later can tell when the file
 * changed since the session. The hash is OpenSSL's (libcrypto).
 */
#ifndef FD_SHA256_H
#define FD_SHA256_H

/* The SHA-256 of the file at path into hex (64 digits and a NUL).
 * Returns 0, -errno when the file cannot be read, or -EIO. */
int fd_sha256_file(const char *path, char hex[65]);

#endif
