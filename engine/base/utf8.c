/* utf8.c: see utf8.h. */
#include "base/utf8.h"

size_t fd_utf8_seq(const unsigned char *p, unsigned *cpp)
{
    unsigned c = p[0];
    if (c < 0x80) {
        if (cpp) *cpp = c;
        return 1;
    }
    size_t n;
    unsigned cp, min;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    if (cpp) *cpp = cp;
    return n;
}
