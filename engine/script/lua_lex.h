/*
 * lua_lex.h: a tokenizer for Lua 5.4 source, for `firedrill check`'s
 * static pass (script_lint.c).
 *
 * Lua's C API compiles a chunk to bytecode and offers no syntax tree, so
 * the pass reads the tokens itself: names, strings (quoted, with their
 * escapes decoded, and long brackets), numbers and punctuation, each with
 * its 1-based line and column; comments and white space are dropped.
 * It does not check the grammar: the file has already been compiled by Lua
 * itself (scenario_open) before the pass looks at it.
 */
#ifndef FD_LUA_LEX_H
#define FD_LUA_LEX_H

#include <stdbool.h>
#include <stddef.h>

typedef enum LxKind { LX_NAME, LX_STRING, LX_NUMBER, LX_OP, LX_EOF } LxKind;

typedef struct LxTok {
    LxKind kind;
    int line, col;
    const char *p;          /* the token's text in the source (not NUL-terminated) */
    size_t len;
    char *str;              /* LX_STRING: the decoded value (NUL-terminated; a string
                               holding a NUL byte is cut there) */
    bool keyword;           /* LX_NAME: a reserved word */
} LxTok;

typedef struct LxToks {
    LxTok *v;
    size_t n, cap;
    char err[160];          /* a lexical error, with err_line:err_col */
    int err_line, err_col;
} LxToks;

/* Tokenizes src[0..n). Returns 0 (the list ends with LX_EOF), -1 on a
 * lexical error (err says what and where), -3 out of memory. */
int lx_lex(const char *src, size_t n, LxToks *out);
void lx_free(LxToks *t);

/* Whether the token is the punctuation or keyword `s`. */
bool lx_is(const LxTok *t, const char *s);

#endif
