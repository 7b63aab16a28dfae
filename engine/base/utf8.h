/*
 * utf8.h: the one UTF-8 rule every output uses.
 *
 * Text from scenarios and topologies ends up in JSON, XML and HTML; each
 * writer replaces what is not valid UTF-8 with U+FFFD, and they must agree
 * on what "valid" means, so that the same bytes read the same in every file.
 */
#ifndef FD_UTF8_H
#define FD_UTF8_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 when it is not one. Stops at a
 * NUL, which is never a continuation byte. When cp is not NULL and the
 * sequence is valid, *cp is its code point. */
size_t fd_utf8_seq(const unsigned char *p, unsigned *cp);

#endif
