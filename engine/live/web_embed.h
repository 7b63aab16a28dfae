/*
 * web_embed.h: the dashboard's files (web/), compiled into the binary.
 *
 * cmake/embed_web.cmake generates the table from every file under web/
 * at build time; web.c serves it. The table ends with an entry whose
 * name is NULL; it is only that entry when web/ is empty or missing.
 */
#ifndef FD_WEB_EMBED_H
#define FD_WEB_EMBED_H

#include <stddef.h>

typedef struct FdWebFile {
    const char *name;           /* path under web/, e.g. "index.html" */
    const char *type;           /* Content-Type, from the extension */
    const unsigned char *data;
    size_t len;
} FdWebFile;

extern const FdWebFile fd_web_files[];

#endif
