/*
 * cmd_replay.c: `firedrill replay DIR`, a game day run again without
 * people, and exported as a playbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "live/gameday.h"

static int cmd_replay(int argc, char **argv);

const CliCommand cli_replay = {
    "replay", "Re-run a game day's session without people; export it as a playbook",
    "usage: firedrill replay DIR [--out OUT] [--lua FILE]\n"
    "\n"
    "Reads DIR/session.jsonl, the journal `firedrill gameday --out DIR` wrote,\n"
    "and runs the session again: the same scenario, seed and params, each\n"
    "command and inject at the simulated time it took effect. The outputs\n"
    "(events.jsonl, summary.json, metrics.csv, ...) are the session's, byte\n"
    "for byte.\n"
    "\n"
    "  --out OUT    where the replay's outputs go (default DIR/replay)\n"
    "  --lua FILE   also write the played teams' response as a playbook: a\n"
    "               scenario file that `firedrill run` and `firedrill batch`\n"
    "               accept, so the game day's response becomes a regression\n"
    "               test over many seeds\n"
    "\n"
    "Exit codes: 0 replayed, 2 a bad journal (file:line says where), 3 a\n"
    "system error.\n",
    cmd_replay,
};

static int cmd_replay(int argc, char **argv)
{
    const char *dir = NULL, *out = NULL, *lua = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) return cli_print_help("replay");
        if (strcmp(a, "--out") == 0 || strcmp(a, "--lua") == 0) {
            if (i + 1 >= argc) {
                cli_usage_error("replay", "%s needs a %s", a, a[2] == 'o' ? "folder" : "file");
                return FD_EXIT_USAGE;
            }
            if (a[2] == 'o') out = argv[++i];
            else lua = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_usage_error("replay", "unknown option %s", a);
            return FD_EXIT_USAGE;
        } else if (!dir) {
            dir = a;
        } else {
            cli_usage_error("replay", "one session folder at a time");
            return FD_EXIT_USAGE;
        }
    }
    if (!dir) {
        cli_usage_error("replay", "name a game day's folder (the --out of firedrill gameday)");
        return FD_EXIT_USAGE;
    }
    char defout[4096];
    if (!out) {
        snprintf(defout, sizeof defout, "%s/replay", dir);
        out = defout;
    }
    DiagList dl;
    diag_list_init(&dl);
    int rc = gameday_replay(dir, out, lua, &dl);
    diag_list_print(&dl, stderr);
    diag_list_free(&dl);
    if (rc == 0) {
        printf("replayed %s into %s\n", dir, out);
        if (lua) printf("playbook: %s\n", lua);
        return FD_EXIT_OK;
    }
    if (rc == -3) fprintf(stderr, "firedrill replay: out of memory\n");
    return rc == -1 ? FD_EXIT_USAGE : FD_EXIT_SYSTEM;
}
