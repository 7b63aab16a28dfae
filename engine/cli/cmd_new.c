/*
 * cmd_new.c: `firedrill new NAME`, a drill folder to start from.
 *
 * Writes NAME/topology.yaml, NAME/scenario.lua and NAME/README.md: a small
 * system (an API in front of a database, in two regions), a fault, an
 * alert, a team that responds, and expectations, each commented with the
 * idea it shows. The drill passes `check` and `run` as it is
 * (tests/cli/new.sh). The folder appears whole or not at all: the files go
 * into a temporary folder beside it, renamed into place at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"

static int cmd_new(int argc, char **argv);

const CliCommand cli_new = {
    "new", "Make a drill folder to start from (topology, scenario, README)",
    "usage: firedrill new NAME\n"
    "\n"
    "Creates the folder NAME with a topology.yaml, a scenario.lua and a\n"
    "README.md: a small drill that passes `firedrill check NAME` and\n"
    "`firedrill run NAME` as it is, commented with the main ideas (the\n"
    "topology, a fault in simulated time, an alert and the team it pages,\n"
    "the response, expectations). NAME must not exist yet.\n"
    "\n"
    "Exit: 0 written; 2 bad usage or NAME exists; 3 a system error.\n",
    cmd_new,
};

static const char topology_yaml[] =
    "# The system under drill: who calls whom, how many instances where, how\n"
    "# fast each one answers. Every key is in docs/topology.md.\n"
    "regions: [east, west]\n"
    "\n"
    "settings:\n"
    "  interval: 10s            # metrics (and alerts, and the incident clock) per 10s\n"
    "\n"
    "services:\n"
    "  api:                     # the entry point users call\n"
    "    deploy: { east: 3, west: 3 }\n"
    "    concurrency: 32        # workers per instance\n"
    "    queue: 64              # requests that may wait per instance\n"
    "    service_time: { dist: lognormal, median: 5ms, p99: 40ms }\n"
    "    calls:\n"
    "      - { to: db, timeout: 500ms, retries: 1 }\n"
    "    owner: app-team\n"
    "\n"
    "  db:\n"
    "    kind: storage\n"
    "    deploy: { east: 2, west: 2 }\n"
    "    concurrency: 16\n"
    "    queue: 200\n"
    "    service_time: { dist: exp, mean: 10ms }\n"
    "    owner: app-team\n"
    "\n"
    "sources:\n"
    "  web:                     # the users: how often they want something done\n"
    "    entry: api\n"
    "    rate: 400/s\n"
    "    regions: { east: 50%, west: 50% }\n"
    "    client: { timeout: 2s, retries: 1 }\n";

static const char scenario_lua[] =
    "-- A drill: what breaks, when, and how the people on call respond. The\n"
    "-- whole API is in docs/api.md; `firedrill check .` finds typos anywhere in\n"
    "-- this file, callbacks included, before you run it.\n"
    "\n"
    "scenario {\n"
    "  name = \"%NAME%: db slows down\",\n"
    "  topology = \"topology.yaml\",        -- beside this file\n"
    "  start = \"2025-01-15 10:00 +00:00\", -- times below are in this offset\n"
    "  duration = \"1h\",\n"
    "}\n"
    "\n"
    "-- A knob: firedrill run . --param extra=2s tries another value.\n"
    "local extra = param(\"extra\", \"800ms\")\n"
    "\n"
    "-- The responders, and what pages them.\n"
    "team { name = \"app-team\", skills = { \"api\", \"db\" }, oncall = 1, ack = \"3m\", diagnose = \"10m\" }\n"
    "alert { name = \"api-errors\", service = \"api\", when = \"error_rate > 5%\", hold = \"1m\" }\n"
    "\n"
    "-- The fault: at 10:10 every db request takes `extra` longer. The model does\n"
    "-- the rest: api's calls time out, retries pile on, users see errors.\n"
    "at(\"10:10\", function()\n"
    "  latency { service = \"db\", add = extra }\n"
    "end)\n"
    "\n"
    "-- The response, in simulated time: page, diagnose, then repair.\n"
    "on_alert(\"api-errors\", function()\n"
    "  declare(\"P2\", \"api errors\")\n"
    "  page(\"app-team\")\n"
    "  diagnose { component = \"db\", team = \"app-team\" }\n"
    "  latency { service = \"db\", add = 0 }   -- the repair: the slow path is gone\n"
    "  note(\"db latency back to normal\")\n"
    "end)\n"
    "\n"
    "-- What the drill must show. A failed expectation makes the run exit 1.\n"
    "expect.detected_within(\"5m\")\n"
    "expect.mitigated_within(\"30m\")\n"
    "expect.availability { entry = \"web\", min = 0.7 }\n";

static const char readme_md[] =
    "# %NAME%\n"
    "\n"
    "A firedrill drill, made by `firedrill new`. It passes as it is:\n"
    "\n"
    "    firedrill check %DIR%\n"
    "    firedrill run %DIR%\n"
    "    firedrill run %DIR% --out out\n"
    "\n"
    "`check` runs the topology's analyses and finds typos anywhere in the\n"
    "scenario; `run` plays the drill (timeline, incident clock,\n"
    "expectations); `--out out` also writes events.jsonl, summary.json,\n"
    "metrics.csv, junit.xml and report.html (open it in a browser).\n"
    "\n"
    "- `topology.yaml`: the system (services, calls, instances per region,\n"
    "  traffic). Reference: docs/topology.md.\n"
    "- `scenario.lua`: the outage and the response to it, in simulated time, and\n"
    "  the expectations the run must meet. Reference: docs/api.md; the guide is\n"
    "  docs/scenarios.md.\n"
    "\n"
    "Make it yours: describe your own system in the topology, replace the fault\n"
    "with the one you want to rehearse, write the response your runbook\n"
    "prescribes, and state what the drill must show as expectations.\n";

/* Writes `text` into dir/file with every "%NAME%" and "%DIR%" replaced. */
static int write_file(const char *dir, const char *file, const char *text, const char *name,
                      const char *path)
{
    char full[4096];
    if (snprintf(full, sizeof full, "%s/%s", dir, file) >= (int)sizeof full) return -1;
    FILE *f = fopen(full, "w");
    if (!f) return -1;
    for (const char *p = text; *p;) {
        if (strncmp(p, "%NAME%", 6) == 0) {
            fputs(name, f);
            p += 6;
        } else if (strncmp(p, "%DIR%", 5) == 0) {
            fputs(path, f);
            p += 5;
        } else {
            fputc(*p++, f);
        }
    }
    if (ferror(f)) {
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static void remove_partial(const char *tmp)
{
    const char *files[] = { "topology.yaml", "scenario.lua", "README.md" };
    char full[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(full, sizeof full, "%s/%s", tmp, files[i]);
        unlink(full);
    }
    rmdir(tmp);
}

static int cmd_new(int argc, char **argv)
{
    if (argc != 1 || argv[0][0] == '-') {
        cli_usage_error("new", argc == 0 ? "expected the new drill's folder, e.g. firedrill new my-drill"
                                         : "expected one folder name");
        return FD_EXIT_USAGE;
    }
    const char *path = argv[0];
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/') len--;
    char dir[2048];
    if (len == 0 || len >= sizeof dir - 32) {
        cli_usage_error("new", "the folder name is empty or too long");
        return FD_EXIT_USAGE;
    }
    memcpy(dir, path, len);
    dir[len] = 0;
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    /* The name goes into a Lua string and a heading: keep it plain. */
    for (const char *p = base; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) {
            cli_usage_error("new", "'%s': use a name without quotes, backslashes or control characters",
                            base);
            return FD_EXIT_USAGE;
        }
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
        cli_usage_error("new", "give the new folder a name, e.g. firedrill new my-drill");
        return FD_EXIT_USAGE;
    }
    struct stat st;
    if (stat(dir, &st) == 0 || errno != ENOENT) {
        fprintf(stderr, "firedrill new: '%s' already exists; pick a new name\n", dir);
        return FD_EXIT_USAGE;
    }
    char tmp[2100];
    snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", dir);
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "firedrill new: cannot create a folder beside '%s': %s\n", dir, strerror(errno));
        return FD_EXIT_SYSTEM;
    }
    if (chmod(tmp, 0755) != 0 || write_file(tmp, "topology.yaml", topology_yaml, base, dir) != 0 ||
        write_file(tmp, "scenario.lua", scenario_lua, base, dir) != 0 ||
        write_file(tmp, "README.md", readme_md, base, dir) != 0 || rename(tmp, dir) != 0) {
        fprintf(stderr, "firedrill new: cannot write '%s': %s\n", dir, strerror(errno));
        remove_partial(tmp);
        return FD_EXIT_SYSTEM;
    }
    printf("firedrill: wrote %s/topology.yaml, %s/scenario.lua and %s/README.md\n", dir, dir, dir);
    printf("Next:\n");
    printf("  firedrill check %s              # typos and the topology's analyses\n", dir);
    printf("  firedrill run %s --out out      # the drill; then open out/report.html\n", dir);
    printf("  docs/scenarios.md: the guide; docs/api.md: every function\n");
    return FD_EXIT_OK;
}
