/*
 * test_lua_lex.c: the Lua tokenizer behind `firedrill check`'s static pass.
 *
 * Strings (quotes, escapes, long brackets of any level), comments (line and
 * long), numbers, names and keywords, punctuation, each token's line and
 * column, and located errors for what does not lex.
 */
#include "fdtest.h"

#include "script/lua_lex.h"

static LxToks lex(const char *src)
{
    LxToks t;
    int rc = lx_lex(src, strlen(src), &t);
    CHECK(rc == 0);
    return t;
}

static bool text_is(const LxTok *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static void test_tokens(void)
{
    LxToks t = lex("crash { service = \"db\", count = 2 } -- crash{ servic = 1 }\n"
                   "x.y:z(...) a ~= b // 0x1Fp-2 3.5e+2 .5");
    const char *want[] = { "crash", "{", "service", "=", "\"db\"", ",", "count", "=", "2", "}",
                           "x", ".", "y", ":", "z", "(", "...", ")", "a", "~=", "b", "//",
                           "0x1Fp-2", "3.5e+2", ".5" };
    size_t n = sizeof want / sizeof want[0];
    CHECK_EQ_INT(t.n, n + 1);
    for (size_t i = 0; i < n && i < t.n; i++) CHECK(text_is(&t.v[i], want[i]));
    CHECK(t.v[t.n - 1].kind == LX_EOF);
    CHECK_STR(t.v[4].str, "db");
    CHECK(t.v[8].kind == LX_NUMBER && t.v[22].kind == LX_NUMBER && t.v[24].kind == LX_NUMBER);
    /* lines and columns, 1-based; the comment is gone */
    CHECK_EQ_INT(t.v[10].line, 2);
    CHECK_EQ_INT(t.v[10].col, 1);
    CHECK_EQ_INT(t.v[2].col, 9);
    lx_free(&t);
}

static void test_strings(void)
{
    LxToks t = lex("'a\\tb\\'' \"\\x41\\65\\u{48}\\z\n   c\" [[\nlong]] [==[a]]b]=]c]==] 'line\\\nbreak'");
    CHECK_EQ_INT(t.n, 6);
    CHECK_STR(t.v[0].str, "a\tb'");
    CHECK_STR(t.v[1].str, "AAHc");
    CHECK_STR(t.v[2].str, "long");           /* the first newline is dropped */
    CHECK_STR(t.v[3].str, "a]]b]=]c");        /* only the matching level closes */
    CHECK_STR(t.v[4].str, "line\nbreak");
    CHECK_EQ_INT(t.v[3].line, 3);
    CHECK_EQ_INT(t.v[4].line, 3);
    lx_free(&t);
}

static void test_comments_and_keywords(void)
{
    LxToks t = lex("#!/usr/bin/lua\n--[==[ crash { servce = 1 }\n]] still comment ]==] local function f() end");
    CHECK_EQ_INT(t.n, 7);
    CHECK(t.v[0].keyword && lx_is(&t.v[0], "local"));
    CHECK(lx_is(&t.v[1], "function"));
    CHECK(t.v[2].kind == LX_NAME && !t.v[2].keyword);
    CHECK(lx_is(&t.v[5], "end"));
    CHECK_EQ_INT(t.v[0].line, 3);
    lx_free(&t);
    /* CRLF counts as one line break */
    t = lex("a\r\nb\n\rc");
    CHECK_EQ_INT(t.v[1].line, 2);
    CHECK_EQ_INT(t.v[2].line, 3);
    lx_free(&t);
}

static void test_errors(void)
{
    const struct { const char *src; const char *msg; int line, col; } cases[] = {
        { "x = 'abc\n'", "unfinished string", 1, 5 },
        { "x = [==[ abc ]=]", "unfinished long string", 1, 5 },
        { "\n--[[ never closed", "unfinished long comment", 2, 3 },
        { "x = '\\q'", "invalid escape sequence", 1, 6 },
        { "x = '\\300'", "decimal escape too large", 1, 6 },
        { "x = 1 $ 2", "unexpected symbol", 1, 7 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        LxToks t;
        int rc = lx_lex(cases[i].src, strlen(cases[i].src), &t);
        CHECK_EQ_INT(rc, -1);
        CHECK_STR(t.err, cases[i].msg);
        CHECK_EQ_INT(t.err_line, cases[i].line);
        CHECK_EQ_INT(t.err_col, cases[i].col);
        lx_free(&t);
    }
}

int main(void)
{
    test_tokens();
    test_strings();
    test_comments_and_keywords();
    test_errors();
    return fdt_finish();
}
