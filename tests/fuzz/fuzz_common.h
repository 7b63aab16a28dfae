/*
 * fuzz_common.h: what the libFuzzer targets share.
 *
 * Each target is a file's worth of code that feeds one reader of untrusted
 * input with the bytes libFuzzer makes up; the readers are the ones a user
 * reaches (topology loader, scenario API, JSON readers, unit parser). The
 * readers that take a path get the bytes through a private temporary
 * folder, made once per process and removed at exit.
 */
#ifndef FD_FUZZ_COMMON_H
#define FD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The target's folder, created on first use ("/tmp/fd_fuzz_XXXXXX"). */
const char *fuzz_dir(void);

/* Writes len bytes into fuzz_dir()/name; 0 or -1. */
int fuzz_write(const char *name, const void *data, size_t len);

/* A copy of data, NUL-terminated (readers that take C strings). */
char *fuzz_cstr(const uint8_t *data, size_t size);

#endif
