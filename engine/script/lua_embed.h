/*
 * lua_embed.h: the standard library in lua/, built into the binary.
 *
 * Each module keeps a chunk name that points at its real file
 * ("@lua/firedrill/deploy.lua"), so errors and tracebacks name the file a
 * reader can open. The table ends with a zeroed entry.
 */
#ifndef FD_LUA_EMBED_H
#define FD_LUA_EMBED_H

#include <stddef.h>

typedef struct FdLuaModule {
    const char *name;       /* "firedrill.deploy" */
    const char *chunkname;  /* "@lua/firedrill/deploy.lua" */
    const char *source;
    size_t len;
} FdLuaModule;

extern const FdLuaModule fd_lua_modules[];

#endif
