/*
 * test_replays.c: the two seed incidents, replayed, checked by their
 * mechanisms rather than by their clocks.
 *
 * The responders' times are distributions, so when a moment comes is a
 * draw; how long the outages last over many seeds is checked against the
 * published lengths by tests/cli/replay_spread.sh. Here one seed is run
 * and the checks are about what happens and in which order, each of which
 * the model could get wrong:
 *
 *   Tencent Cloud 2024-04-08: the code rollback leaves the configuration
 *   data bad, so the service stays down until the data is repaired; the
 *   recovery deadlock is in Shanghai (the container platform needs the API
 *   to schedule the API) and needs a manual restart; the console's surge
 *   comes after the API is back, from users bringing back the work they
 *   put aside, and needs several times the console's capacity; without the
 *   pent-up work there is no surge. The replay posts no notice (none is
 *   quoted); the promised notices from a page hosted on the cloud API
 *   fail to go out.
 *   NetEase Cloud Music 2024-08-18: a hanging disk stalls the databases
 *   (the DBAs, paged by SRE, find it from what the database waits on),
 *   offline playback and the portal's fallback keep part of the service,
 *   and nobody on call owns the storage; the apology on the Zhihu account
 *   goes out only after the recovery.
 */
#include "fdtest.h"
#include "script/scenario.h"

typedef struct Replay {
    RunResult res;
    int rc;
} Replay;

static void run(Replay *r, const char *path, const char *const *params, int nparams)
{
    result_init(&r->res);
    DiagList dl;
    diag_list_init(&dl);
    ScenarioOptions o = { .path = path, .seed = 1, .params = params, .nparams = nparams };
    r->rc = scenario_run(&o, &r->res, &dl);
    if (r->rc < 0) diag_list_print(&dl, stderr);
    diag_list_free(&dl);
    CHECK_EQ_INT(r->rc, 0);
}

/* The first (or last) event whose text contains both fragments. */
static const RunEvent *find_ex(const Replay *r, const char *a, const char *b, bool last)
{
    const RunEvent *found = NULL;
    for (int i = 0; i < r->res.nevents; i++) {
        const char *t = r->res.events[i].text;
        if (strstr(t, a) && (!b || strstr(t, b))) {
            found = &r->res.events[i];
            if (!last) break;
        }
    }
    return found;
}

static const RunEvent *find(const Replay *r, const char *a, const char *b)
{
    return find_ex(r, a, b, false);
}

static SimTime when(const Replay *r, const char *a, const char *b)
{
    const RunEvent *e = find(r, a, b);
    if (!e) fprintf(stderr, "no timeline event matching '%s'%s%s\n", a, b ? " / " : "", b ? b : "");
    CHECK(e != NULL);
    return e ? e->t : -1;
}

static const EntryResult *entry(const Replay *r, const char *name)
{
    for (int i = 0; i < r->res.nentries; i++)
        if (strcmp(r->res.entries[i].name, name) == 0) return &r->res.entries[i];
    fprintf(stderr, "no entry %s\n", name);
    exit(1);
}

static void clockstr(const Replay *r, SimTime t, char *buf, size_t n)
{
    if (t < 0) snprintf(buf, n, "never");
    else result_clock(&r->res, t, false, buf, n);
}

#define TENCENT "scenarios/tencent-2024-04-08/scenario.lua"
#define NETEASE "scenarios/netease-2024-08-18/scenario.lua"

static void tencent(void)
{
    Replay r;
    char a[16], b[16];
    printf("Tencent Cloud 2024-04-08\n");
    run(&r, TENCENT, NULL, 0);

    /* The rollback went out, and the service was still failing after it:
     * the bad data is in the store, not in the code. The repair of the
     * data, not the rollback, brings the other regions back. */
    SimTime rolled = when(&r, "rolled back to v1", NULL);
    SimTime not_fixed = when(&r, "rolling back the version did not restore the service", NULL);
    SimTime cause = when(&r, "root cause: erroneous configuration data", NULL);
    SimTime repaired = when(&r, "configuration data of api-config repaired", NULL);
    const RunEvent *gz = find(&r, "cloud-api in guangzhou is serving normally again", NULL);
    CHECK(rolled < not_fixed && not_fixed < cause && cause <= repaired);
    CHECK(gz && gz->t >= repaired);
    clockstr(&r, rolled, a, sizeof a);
    clockstr(&r, repaired, b, sizeof b);
    printf("  rolled back at %s, still failing; back only after the data repair at %s\n", a, b);

    /* The recovery deadlock: in Shanghai, the cycle through the platform. */
    CHECK_EQ_INT(r.res.ndeadlocks, 1);
    if (r.res.ndeadlocks) {
        CHECK_STR(r.res.deadlocks[0].region, "shanghai");
        CHECK_STR(r.res.deadlocks[0].cycle, "cloud-api -> tke -> cloud-api");
    }
    /* Shanghai comes back by hand, after the platform team was handed the
     * incident and found the cycle: not with the other regions. */
    SimTime handed = when(&r, "platform paged by api", NULL);
    SimTime cycle = when(&r, "circular dependency in shanghai", NULL);
    SimTime by_hand = when(&r, "every cloud-api restarted in shanghai by hand", NULL);
    SimTime sh = when(&r, "cloud-api in shanghai is serving normally again", NULL);
    CHECK(repaired < handed && handed < cycle && cycle <= by_hand && by_hand < sh);
    CHECK(gz && sh > gz->t + 10 * FD_MIN);
    /* The platform team never acts before it is paged and briefed. */
    CHECK(find(&r, "platform is briefed by api", NULL) != NULL);

    /* The surge: users' traffic and the console's needed capacity peak
     * after the API is back, at several times the baseline. */
    const EntryResult *con = entry(&r, "console");
    clockstr(&r, con->peak_at, a, sizeof a);
    clockstr(&r, con->capacity_peak_at, b, sizeof b);
    printf("  console users' peak %.1fx baseline at %s; capacity needed %.1fx at %s; "
           "with retries %.1fx\n", con->peak_to_baseline, a, con->capacity_to_baseline, b,
           con->peak_attempts_to_baseline);
    CHECK(con->peak_at >= sh - FD_MIN && con->peak_at <= sh + 10 * FD_MIN);
    CHECK(con->capacity_peak_at >= sh - FD_MIN && con->capacity_peak_at <= sh + 10 * FD_MIN);
    CHECK(con->peak_to_baseline >= 6 && con->peak_to_baseline <= 12);
    CHECK(con->capacity_to_baseline >= 6 && con->capacity_to_baseline <= 12);
    /* Recovered once the surge has passed. */
    CHECK(r.res.t_recovered > con->peak_at);
    CHECK(r.res.detected_by && strncmp(r.res.detected_by, "alert ", 6) == 0);
    double avail = con->availability;
    double paas = entry(&r, "paas")->availability;

    printf("ablation: no pent-up work\n");
    Replay p;
    const char *np[] = { "pent_up=false" };
    run(&p, TENCENT, np, 1);
    const EntryResult *pc = entry(&p, "console");
    SimTime psh = when(&p, "cloud-api in shanghai is serving normally again", NULL);
    printf("  console users' peak %.1fx baseline; capacity needed %.1fx\n", pc->peak_to_baseline,
           pc->capacity_to_baseline);
    /* Whatever peak there is, none comes after recovery, and nothing needs
     * several times the console. */
    CHECK(pc->peak_at < psh || pc->peak_to_baseline < 2);
    CHECK(pc->capacity_to_baseline < 2.5);

    printf("ablation: gray release of the configuration data\n");
    Replay g;
    const char *gray[] = { "gray_release=true" };
    run(&g, TENCENT, gray, 1);
    double g_avail = entry(&g, "console")->availability;
    double g_paas = entry(&g, "paas")->availability;
    /* The PaaS products call their own region's API: with the data held in
     * one region, most of them keep working. The console asks every
     * region's API, so one bad region still fails it, for less long. */
    printf("  paas availability %.3f (without gray release %.3f); console %.3f (%.3f)\n", g_paas,
           paas, g_avail, avail);
    CHECK(find(&g, "rollout of cloud-api v2 halted", NULL) != NULL);
    CHECK(find(&g, "writes bad data to api-config in guangzhou, shanghai", NULL) == NULL);
    CHECK(g_paas > paas + 0.15);
    CHECK(g_avail > avail);

    printf("ablation: the recovery cycle broken\n");
    Replay c;
    const char *cyc[] = { "break_cycle=true" };
    run(&c, TENCENT, cyc, 1);
    CHECK_EQ_INT(c.res.ndeadlocks, 0);
    CHECK(find(&c, "restarted in shanghai by hand", NULL) == NULL);
    const RunEvent *csh = find(&c, "cloud-api in shanghai", "serving normally again");
    const RunEvent *cgz = find(&c, "cloud-api in guangzhou", "serving normally again");
    CHECK(csh && cgz && csh->t - cgz->t < 5 * FD_MIN);

    printf("ablation: nobody restarts Shanghai by hand\n");
    Replay m;
    const char *nm[] = { "manual_restart=false" };
    run(&m, TENCENT, nm, 1);
    CHECK(m.res.t_recovered < 0);
    CHECK(find(&m, "cloud-api in shanghai is serving normally again", NULL) == NULL);

    /* The write-up quotes no notice during the incident: the replay posts
     * none, and its page (hosted apart) is never unreachable. */
    CHECK(r.res.comms.modelled);
    CHECK_EQ_INT(r.res.comms.nposts, 0);
    CHECK(r.res.comms.unreachable_min == 0);

    printf("ablation: the promised notices, from a page hosted on the cloud API\n");
    Replay sp;
    const char *onapi[] = { "notify=true", "status_host=cloud-api" };
    run(&sp, TENCENT, onapi, 2);
    const RunEvent *pf = find(&sp, "status page post fails: the page is hosted on cloud-api, which is down",
                              "investigating");
    CHECK(pf != NULL);
    CHECK(pf && pf->t >= sp.res.t_detected && pf->t < sp.res.t_recovered);
    CHECK(find(&sp, "status page unreachable", NULL) != NULL);
    printf("  %d posts failed; unreachable %.0f min; first notice %.0f min after detection\n",
           sp.res.comms.failed, sp.res.comms.unreachable_min,
           fd_time_sec(sp.res.comms.first_notice - sp.res.t_detected) / 60);
    CHECK(sp.res.comms.failed >= 2);
    CHECK(sp.res.comms.longest_gap < 0);    /* nothing went out while it lasted */
    CHECK(sp.res.comms.unreachable_min > 30);
    /* Customers read nothing: they report as in the replay. */
    CHECK(fabs(entry(&sp, "console")->customers_reported - entry(&r, "console")->customers_reported) <
          0.02 * entry(&r, "console")->customers_reported);
    for (int i = 0; i < sp.res.nexpects; i++)
        if (strstr(sp.res.expects[i].name, "status page updated")) CHECK(!sp.res.expects[i].ok);
    result_free(&sp.res);

    result_free(&r.res);
    result_free(&p.res);
    result_free(&g.res);
    result_free(&c.res);
    result_free(&m.res);
}

static void netease(void)
{
    Replay r;
    printf("NetEase Cloud Music 2024-08-18\n");
    run(&r, NETEASE, NULL, 0);
    /* Web 502s: the gateway fails because what is behind it does. */
    CHECK(find(&r, "music-gateway in guizhou is failing", "dependency") ||
          find(&r, "music-gateway in guizhou is failing", "timeout"));
    CHECK(entry(&r, "music-web")->availability < 0.3);
    /* The DBAs are paged (a hand-off from SRE) before they diagnose, and
     * what they find comes from the model: the database waits on its disk. */
    SimTime paged = when(&r, "dba paged by sre", NULL);
    SimTime diag = when(&r, "dba starts diagnosing music-db", NULL);
    SimTime found = when(&r, "stalled on their block storage (cloud-disk)", NULL);
    CHECK(paged < diag && diag < found);
    /* Offline playback unaffected: answered from the cache, as degraded. */
    printf("  app intents answered offline: %.1f%%\n", 100 * entry(&r, "music-app")->degraded);
    CHECK(entry(&r, "music-app")->degraded > 0.2);
    /* The portal falls back to its mobile version. */
    CHECK(find(&r, "portal-web answers with its fallback", NULL) != NULL);
    CHECK(entry(&r, "portal")->degraded > 0.3);
    CHECK(entry(&r, "portal")->availability > 0.8);
    /* Other products hit through the shared storage. */
    CHECK(entry(&r, "news")->availability < 0.5);
    /* Slow troubleshooting for want of storage staff. */
    CHECK(find(&r, "diagnosing cloud-disk (no one on call owns it)", NULL) != NULL);
    CHECK(r.res.t_recovered > when(&r, "block storage restored", NULL) - FD_MIN);
    double dur = fd_time_sec(r.res.t_recovered - r.res.t_start) / 60;
    /* Nothing posted while it was down; the apology on the Zhihu account
     * (hosted apart) went out after the recovery, as an all-clear. */
    CHECK_EQ_INT(r.res.comms.nposts, 1);
    CHECK(r.res.comms.posts[0] > r.res.t_recovered);
    CHECK(r.res.comms.longest_gap < 0);
    CHECK(find(&r, "status page: NetEase Cloud Music has recovered", NULL) != NULL);

    printf("ablation: storage staff on call\n");
    Replay s;
    const char *oncall[] = { "storage_oncall=1" };
    run(&s, NETEASE, oncall, 1);
    double s_dur = fd_time_sec(s.res.t_recovered - s.res.t_start) / 60;
    printf("  outage %.0f min (without storage staff %.0f min)\n", s_dur, dur);
    CHECK(s.res.t_recovered >= 0);
    CHECK(s_dur < dur / 2);
    CHECK(find(&s, "storage paged by dba", NULL) != NULL);
    CHECK(find(&s, "storage starts diagnosing cloud-disk", NULL) != NULL);
    /* A shorter outage, the same story: the portal still falls back rather
     * than fail, for less of the window, and every expectation holds. */
    CHECK(find(&s, "portal-web answers with its fallback", NULL) != NULL);
    CHECK(entry(&s, "portal")->degraded < entry(&r, "portal")->degraded);
    for (int i = 0; i < s.res.nexpects; i++) {
        if (!s.res.expects[i].ok) printf("  expectation failed: %s: %s\n",
                                         s.res.expects[i].name, s.res.expects[i].detail);
        CHECK(s.res.expects[i].ok);
    }
    CHECK(s.res.nexpects == 5);

    printf("ablation: the databases off the cloud disk\n");
    Replay d;
    const char *local[] = { "db_on_cloud_disk=false" };
    run(&d, NETEASE, local, 1);
    printf("  incident start: %s; music-app availability %.4f\n",
           d.res.t_start < 0 ? "none" : "yes", entry(&d, "music-app")->availability);
    CHECK(d.res.t_start < 0);
    CHECK(entry(&d, "music-app")->availability > 0.99);
    CHECK(entry(&d, "news")->availability > 0.99);

    result_free(&r.res);
    result_free(&s.res);
    result_free(&d.res);
}

int main(void)
{
    tencent();
    netease();
    return fdt_finish();
}
