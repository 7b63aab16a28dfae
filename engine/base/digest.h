/*
 * digest.h: a running 64-bit digest of the files a run read.
 *
 * A batch's records must all come from the same inputs: a scenario edited
 * between an interrupted batch and its --resume, or shards run on machines
 * holding different copies of the drills, would otherwise merge into
 * figures no single machine wrote. Each run folds the bytes of every file
 * it reads (the scenario, the files it loads, its topology and the CSV
 * shapes that names) into one digest, in the order read, and its record
 * carries it.
 *
 * FNV-1a over each file's length (8 bytes, little-endian) and then its
 * bytes: cheap, the same on every machine, and good at telling an edited
 * file from the original. It is not meant to resist someone forging a
 * collision.
 */
#ifndef FD_DIGEST_H
#define FD_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define FD_DIGEST_INIT UINT64_C(0xcbf29ce484222325)

/* Plain FNV-1a 64 of n bytes, continuing from h (FD_DIGEST_INIT to
 * start): also what base/rng.c hashes stream names with. */
uint64_t fd_fnv1a(uint64_t h, const void *data, size_t n);

/* The digest h with one more file's bytes folded in. */
uint64_t fd_digest_add(uint64_t h, const void *data, size_t len);

/* The digest h with another digest folded in (as its 8 bytes,
 * little-endian): a topology's digest into its scenario's. */
uint64_t fd_digest_fold(uint64_t h, uint64_t other);

#endif
