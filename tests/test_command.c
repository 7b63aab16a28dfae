/*
 * test_command.c: the game day's status_page command, as Lua: a notice
 * that opens with its state says so (an all-clear posted from the console
 * must read as one to the customers), any other is an incident notice; a
 * state written as a label ("resolved: ...") is left out of the text.
 */
#include "fdtest.h"
#include "live/command.h"

static void translate(const char *line, char *lua, size_t n)
{
    Topo t;
    topo_init(&t);
    const char *teams[] = { "sre" };
    CmdNames names = { &t, teams, 1 };
    char err[256] = "";
    int rc = cmd_translate(&names, "sre", line, lua, n, err, sizeof err);
    if (rc != 0) fprintf(stderr, "%s: %d %s\n", line, rc, err);
    CHECK_EQ_INT(rc, 0);
    topo_free(&t);
}

int main(void)
{
    char lua[1024];
    translate("status_page Resolved: all services are back", lua, sizeof lua);
    CHECK(strstr(lua, "state = \"resolved\"") != NULL);
    CHECK(strstr(lua, "act { team = \"sre\", takes = \"2m\"") != NULL);
    /* The label is the state, not part of what customers read. */
    CHECK(strstr(lua, "text = \"all services are back\"") != NULL);
    translate("status_page identified - bad config data", lua, sizeof lua);
    CHECK(strstr(lua, "state = \"identified\"") != NULL);
    CHECK(strstr(lua, "text = \"identified - bad config data\"") != NULL);
    /* A label alone stays the text: a notice is never empty. */
    translate("status_page monitoring:", lua, sizeof lua);
    CHECK(strstr(lua, "text = \"monitoring:\"") != NULL);
    CHECK(strstr(lua, "state = \"monitoring\"") != NULL);
    translate("status_page Console logins failing", lua, sizeof lua);
    CHECK(strstr(lua, "state =") == NULL);
    /* A word that only starts like a state is not one. */
    translate("status_page operationally we are fine", lua, sizeof lua);
    CHECK(strstr(lua, "state =") == NULL);
    return fdt_finish();
}
