/*
 * fuzz_scenario.c: the scenario loader and API (script/scenario.h). The
 * input is a scenario.lua in a private folder beside a small topology
 * (services web and db, region east, source users) and a helper module;
 * it runs for at most 10 minutes of simulated time, under a small
 * instruction budget and memory cap, then finishes (incident clock,
 * expectations) like a real run.
 *
 * Inputs that call the pattern functions (find, match, gmatch, gsub) are
 * skipped: a backtracking match is bounded only by the command's
 * wall-clock limit (cli/limits.c), which ends the process, and would read
 * here as a timeout.
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "script/scenario.h"

static const char topology[] =
    "regions: [east]\n"
    "services:\n"
    "  web: { deploy: { east: 2 }, concurrency: 20, service_time: 2ms,\n"
    "         calls: [ { to: db, timeout: 500ms } ] }\n"
    "  db: { kind: storage, deploy: { east: 1 }, concurrency: 20, service_time: 1ms }\n"
    "sources:\n"
    "  users: { entry: web, rate: 20/s }\n";

static const char helper[] = "return { answer = 42 }\n";

static bool has(const uint8_t *data, size_t size, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, word, n) == 0) return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[512];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s/scenario.lua", fuzz_dir());
        if (fuzz_write("topology.yaml", topology, sizeof topology - 1) != 0 ||
            fuzz_write("helper.lua", helper, sizeof helper - 1) != 0)
            abort();
    }
    if (size > 65536 || has(data, size, "find") || has(data, size, "match") ||
        has(data, size, "gsub"))
        return 0;
    if (fuzz_write("scenario.lua", data, size) != 0) abort();
    static const char *const params[] = { "n=3", "mode=fast" };
    ScenarioOptions o = { .path = path, .seed = 7, .params = params, .nparams = 2,
                          .instr_budget = 2000000, .mem_cap = (size_t)32 << 20 };
    RunResult res;
    result_init(&res);
    DiagList dl;
    diag_list_init(&dl);
    Scenario *s = NULL;
    int rc = scenario_open(&s, &o, &res, &dl);
    if (rc == 0) {
        SimTime end = 10 * FD_MIN;
        while ((rc = scenario_advance(s, end)) == 0 && scenario_now(s) < end) {}
        if (rc >= 0) scenario_finish(s);
    }
    scenario_close(s);
    result_free(&res);
    diag_list_free(&dl);
    return 0;
}
