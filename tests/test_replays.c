/*
 * test_replays.c: the two seed incidents, replayed, against their published
 * timelines; and each mechanism switched off by removing its cause.
 *
 * Published timelines (local time):
 *   Tencent Cloud 2024-04-08: detected 15:23; rollback found not to help
 *   15:47; root cause 15:57; data repair 16:02; every region but Shanghai
 *   back 16:05; circular dependency found 16:25; Shanghai back 16:45; stable
 *   16:50; about 87 minutes; a console surge near 9x.
 *   NetEase Cloud Music 2024-08-18: 14:44 to 17:11.
 * Each listed moment must come out within 5 minutes.
 */
#include "fdtest.h"
#include "script/scenario.h"

#define TOL (5 * FD_MIN)

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

/* Simulated time of a local wall-clock time "HH:MM" on the run's day. */
static SimTime at(const Replay *r, int hh, int mm)
{
    int64_t local0 = r->res.wall_start + (int64_t)r->res.tz_minutes * 60;
    int64_t day0 = ((local0 % 86400) + 86400) % 86400;
    return ((int64_t)(hh * 3600 + mm * 60) - day0) * FD_SEC;
}

/* The first event whose text contains all of the given fragments. */
static const RunEvent *find(const Replay *r, const char *a, const char *b)
{
    for (int i = 0; i < r->res.nevents; i++) {
        const char *t = r->res.events[i].text;
        if (strstr(t, a) && (!b || strstr(t, b))) return &r->res.events[i];
    }
    return NULL;
}

static void check_near(const Replay *r, SimTime got, int hh, int mm, const char *what)
{
    SimTime want = at(r, hh, mm);
    double off = fd_time_sec(got - want) / 60;
    printf("  %-44s %02d:%02d published, %+5.1f min\n", what, hh, mm, got >= 0 ? off : 999.0);
    CHECK(got >= 0);
    CHECK(got >= want - TOL && got <= want + TOL);
}

static void check_event(const Replay *r, const char *a, const char *b, int hh, int mm)
{
    const RunEvent *e = find(r, a, b);
    char what[128];
    snprintf(what, sizeof what, "%s%s%s", a, b ? " / " : "", b ? b : "");
    if (!e) {
        fprintf(stderr, "no timeline event matching '%s'\n", what);
        CHECK(e != NULL);
        return;
    }
    check_near(r, e->t, hh, mm, what);
}

static const EntryResult *entry(const Replay *r, const char *name)
{
    for (int i = 0; i < r->res.nentries; i++)
        if (strcmp(r->res.entries[i].name, name) == 0) return &r->res.entries[i];
    fprintf(stderr, "no entry %s\n", name);
    exit(1);
}

#define TENCENT "scenarios/tencent-2024-04-08/scenario.lua"
#define NETEASE "scenarios/netease-2024-08-18/scenario.lua"

static void tencent(void)
{
    Replay r;
    printf("Tencent Cloud 2024-04-08\n");
    run(&r, TENCENT, NULL, 0);
    check_near(&r, r.res.t_detected, 15, 23, "detected");
    check_event(&r, "did not restore", NULL, 15, 47);
    check_event(&r, "root cause", NULL, 15, 57);
    check_event(&r, "api-config repaired", NULL, 16, 2);
    const char *others[] = { "guangzhou", "beijing", "chengdu" };
    for (int i = 0; i < 3; i++) {
        /* The last time cloud-api comes back in each other region. */
        const RunEvent *last = NULL;
        for (int k = 0; k < r.res.nevents; k++) {
            const RunEvent *e = &r.res.events[k];
            if (strstr(e->text, "cloud-api in") && strstr(e->text, others[i]) &&
                strstr(e->text, "serving normally again"))
                last = e;
        }
        CHECK(last != NULL);
        if (last) check_near(&r, last->t, 16, 5, others[i]);
    }
    check_event(&r, "circular dependency in shanghai", NULL, 16, 25);
    check_event(&r, "cloud-api in shanghai", "serving normally again", 16, 45);
    check_near(&r, r.res.t_recovered, 16, 50, "stable (recovered)");
    double dur = fd_time_sec(r.res.t_recovered - r.res.t_start) / 60;
    printf("  duration %.1f min (published about 87)\n", dur);
    CHECK_NEAR(dur, 87, 5);
    /* Shanghai stalled because of the recovery cycle. */
    CHECK_EQ_INT(r.res.ndeadlocks, 1);
    if (r.res.ndeadlocks) {
        CHECK_STR(r.res.deadlocks[0].region, "shanghai");
        CHECK_STR(r.res.deadlocks[0].cycle, "cloud-api -> tke -> cloud-api");
    }
    /* The rollback did not help: bad data, not code. */
    const RunEvent *rb = find(&r, "rolled back to v1", NULL);
    CHECK(rb && rb->t < at(&r, 15, 47));
    double surge = entry(&r, "console")->peak_to_baseline;
    printf("  console peak %.1fx baseline (published: a nine-fold expansion)\n", surge);
    CHECK(surge >= 6 && surge <= 12);
    double avail = entry(&r, "console")->availability;
    double start = fd_time_sec(r.res.t_start);

    printf("ablation: gray release of the configuration data\n");
    Replay g;
    const char *gray[] = { "gray_release=true" };
    run(&g, TENCENT, gray, 1);
    double g_avail = entry(&g, "console")->availability;
    printf("  console availability %.3f (without gray release %.3f)\n", g_avail, avail);
    CHECK(g_avail > avail + 0.3);
    CHECK(find(&g, "rollout of cloud-api v2 halted", NULL) != NULL);
    CHECK(find(&g, "api-config in shanghai", NULL) == NULL);   /* the bad data stayed put */

    printf("ablation: the recovery cycle broken\n");
    Replay c;
    const char *cyc[] = { "break_cycle=true" };
    run(&c, TENCENT, cyc, 1);
    CHECK_EQ_INT(c.res.ndeadlocks, 0);
    const RunEvent *sh = find(&c, "cloud-api in shanghai", "serving normally again");
    CHECK(sh != NULL);
    if (sh) check_near(&c, sh->t, 16, 5, "shanghai back with the others");
    CHECK(c.res.t_recovered >= 0 && c.res.t_recovered < at(&c, 16, 30));

    printf("ablation: no client retries or user re-attempts\n");
    Replay n;
    const char *nr[] = { "client_retries=false" };
    run(&n, TENCENT, nr, 1);
    double n_surge = entry(&n, "console")->peak_to_baseline;
    printf("  console peak %.2fx baseline (with retries %.1fx)\n", n_surge, surge);
    CHECK(n_surge < 1.5);
    CHECK_NEAR(fd_time_sec(n.res.t_start), start, 60);

    result_free(&r.res);
    result_free(&g.res);
    result_free(&c.res);
    result_free(&n.res);
}

static void netease(void)
{
    Replay r;
    printf("NetEase Cloud Music 2024-08-18\n");
    run(&r, NETEASE, NULL, 0);
    check_near(&r, r.res.t_start, 14, 44, "outage starts");
    check_near(&r, r.res.t_recovered, 17, 11, "recovered");
    /* Web 502s: the gateway fails because what is behind it does. */
    CHECK(find(&r, "music-gateway in guizhou is failing", "dependency") ||
          find(&r, "music-gateway in guizhou is failing", "timeout"));
    CHECK(entry(&r, "music-web")->availability < 0.3);
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
    double dur = fd_time_sec(r.res.t_recovered - r.res.t_start) / 60;

    printf("ablation: storage staff on call\n");
    Replay s;
    const char *oncall[] = { "storage_oncall=1" };
    run(&s, NETEASE, oncall, 1);
    double s_dur = fd_time_sec(s.res.t_recovered - s.res.t_start) / 60;
    printf("  outage %.0f min (without storage staff %.0f min)\n", s_dur, dur);
    CHECK(s.res.t_recovered >= 0);
    CHECK(s_dur < dur / 2);
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
