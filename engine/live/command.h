/*
 * command.h: what people type in a game day, as the scenario API's Lua.
 *
 * A command is a verb and words: `rollback cloud-api shanghai`. Each verb
 * is one of the response API's functions (docs/api.md), done by a person
 * of the player's team: the translation names the team, and a verb whose
 * API call is instant is preceded by an act{} for the time a person takes
 * to do it (docs/gameday.md, "Commands"). The Lua is what runs, what the
 * session journal keeps, and what an exported playbook replays.
 *
 * Names (services, regions, configuration items, teams) are checked here,
 * with a suggestion for a near miss, so a typo costs no simulated time.
 *
 * Pure functions of their arguments; no state.
 */
#ifndef FD_COMMAND_H
#define FD_COMMAND_H

#include <stddef.h>
#include "model/topo.h"

typedef struct CmdVerb {
    const char *verb;
    const char *usage;      /* "rollback SERVICE [REGION...]" */
    const char *help;       /* one line, with the time it takes */
} CmdVerb;

/* Every verb, in the order help lists them. */
const CmdVerb *cmd_verbs(size_t *n);

typedef struct CmdNames {
    const Topo *topo;
    const char *const *teams;
    int nteams;
} CmdNames;

/* Translates `line`, typed by a player of `team`, into Lua. Returns 0
 * with the chunk in lua; 1 for `help` (its text in lua, nothing to run);
 * -1 with a message for the player in err. */
int cmd_translate(const CmdNames *names, const char *team, const char *line, char *lua,
                  size_t luasize, char *err, size_t errsize);

/* Whole lines that complete `line` (a verb, then names as the verb's
 * arguments take them), sorted. Writes up to max malloc'd strings to out
 * and returns how many; the caller frees them. */
int cmd_complete(const CmdNames *names, const char *line, char **out, int max);

#endif
