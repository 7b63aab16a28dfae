/*
 * topo_check.h: what can be known about a topology before simulating it.
 *
 * `firedrill check` answers, from the Topo alone, the questions an incident
 * review asks too late: is there a loop on the request path; is there a
 * loop on the recovery path (the platform that restarts a service needs that
 * service to work: Tencent 2024-04-08); what does each component take down
 * when it fails (NetEase 2024-08-18: one storage tier, several products);
 * which components have no redundancy; and is there capacity for a surge
 * (the ~9x console surge on recovery).
 *
 * Two layers. The analysis functions fill plain structs (a TopoAnalysis, or
 * one part of it) that reports, the graph writer and the scenario layer
 * reuse; they never print. topo_check() runs them all and turns findings
 * into diagnostics located at the YAML objects; report/check_report.c
 * prints the human summary from the analysis it keeps.
 *
 * The rules, each a deliberate simplification documented where it is
 * computed (topo_cycles.c, topo_blast.c, topo_spof.c, topo_headroom.c):
 *   - a failure propagates from a service to its caller when the call is
 *     critical, has no fallback and is made at all (probability > 0);
 *   - bad data in a config item fails every service that reads it; a store
 *     that is merely down does not (readers keep the value they read);
 *   - a platform (runs_on) does not take down the request path: running
 *     instances keep serving; it only stops crashed ones from coming back;
 *   - steady load counts every retry as one attempt and each call in
 *     proportion to its probability; capacity is instances x concurrency /
 *     the mean time a worker is held (own time + expected time on calls).
 *
 * Every function takes a Topo that loaded without errors (all references
 * resolved). Memory: results own their arrays; free them with the matching
 * *_free(). Functions returning int give 0, or -1 when out of memory (the
 * result is then empty and safe to free). None keeps global state; any
 * thread may call them on a Topo nobody is changing.
 */
#ifndef FD_TOPO_CHECK_H
#define FD_TOPO_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include "base/diag.h"
#include "model/topo.h"

typedef struct TopoCheckOptions {
    double surge;          /* F: capacity is checked against F x steady load; default 1 */
    int max_cycles;        /* most cycles of each kind listed; default 50 */
} TopoCheckOptions;

void topo_check_options_init(TopoCheckOptions *o);

/* ---- Cycles -------------------------------------------------------------- */

#define TOPO_EDGE_RUNS_ON (-1)
/* Start-up call k of services[from] (`startup: { calls }`): an edge of the
 * recovery path only, since an instance needs it to serve again. */
#define TOPO_EDGE_STARTUP(k) (-2 - (k))
#define TOPO_EDGE_STARTUP_INDEX(call) (-2 - (call))
#define TOPO_EDGE_IS_STARTUP(call) ((call) <= -2)

/* A runs_on or start-up edge: one that only the way back from a crash
 * takes. */
bool topo_edge_recovery_only(int call);

/* One edge of the dependency graph between services. */
typedef struct TopoEdge {
    int from, to;          /* service indexes */
    int call;              /* index into services[from].calls, TOPO_EDGE_RUNS_ON or
                            * TOPO_EDGE_STARTUP(k) */
} TopoEdge;

/* An elementary cycle: edges[i].to == edges[i + 1].from and the last edge
 * returns to edges[0].from. A request-path cycle starts at its service with
 * the lowest index; a recovery-path cycle starts with a runs_on edge. */
typedef struct TopoCycle {
    TopoEdge *edges;
    int n;
} TopoCycle;

typedef struct TopoCycleList {
    TopoCycle *v;
    int n;
    bool truncated;        /* the limit was reached: there are more cycles */
} TopoCycleList;

/* The elementary cycles of the `calls` graph (calls made with probability
 * > 0), each once, in a deterministic order (Johnson's algorithm over the
 * services in Topo order). At most `limit` are kept. */
int topo_request_cycles(const Topo *t, int limit, TopoCycleList *out);

/* The elementary cycles of the recovery graph that use at least one
 * runs_on edge. Edges: S -> runs_on(S) for every service, and S -> T for
 * every call of S that propagates failure (critical, no fallback, p > 0):
 * a platform schedules only while it and what it critically calls work. */
int topo_recovery_cycles(const Topo *t, int limit, TopoCycleList *out);

void topo_cycle_list_free(TopoCycleList *l);

/* ---- Blast radius -------------------------------------------------------- */

/* Grows a set of failed services (down[nservices]) to everything that fails
 * with it on the request path. With `recovery`, a service whose platform is
 * down counts as down as well: once its instances crash they cannot come
 * back. Allocates nothing; cannot fail. */
void topo_failure_closure(const Topo *t, bool *down, bool recovery);

/* The sources whose entry service is in `down`, in Topo order, written to
 * entries (room for nsources). Returns how many. */
int topo_entries_down(const Topo *t, const bool *down, int *entries);

typedef enum TopoCompKind { TOPO_COMP_SERVICE, TOPO_COMP_CONFIG } TopoCompKind;

/* What one component takes down when it fails entirely (a service) or
 * holds bad data (a config item: all its readers fail). */
typedef struct TopoBlast {
    TopoCompKind kind;
    int index;             /* service or config index */
    bool *down;            /* [nservices] failed on the request path (itself included) */
    int *entries;          /* sources that fail, Topo order */
    int nentries;
    int *recovery;         /* sources that fail if it stays down while instances
                            * crash: `entries` plus what cannot be restarted */
    int nrecovery;
    bool blinds_monitoring;/* the monitoring service is among `down` */
} TopoBlast;

typedef struct TopoBlastList {
    TopoBlast *v;          /* one per service, then one per config item */
    int n;
} TopoBlastList;

int topo_blast_radius(const Topo *t, TopoBlastList *out);
void topo_blast_list_free(TopoBlastList *l);

/* ---- Single points of failure -------------------------------------------- */

/* A component with a non-empty blast radius and no redundancy. */
typedef struct TopoSpof {
    int service;
    int only_region;       /* its one region, while `spread_source` (an entry it
                            * takes down) is served from several; else -1 */
    int spread_source;
    int single_region;     /* first region where it runs exactly one instance
                            * (autoscale.min counted); else -1 */
    int nsingle;           /* how many such regions */
    bool shared;           /* its blast radius covers 2+ entry points */
} TopoSpof;

typedef struct TopoSpofList {
    TopoSpof *v;
    int n;
} TopoSpofList;

/* Needs the blast radius (same Topo). External services are skipped: their
 * redundancy is not described in the topology. */
int topo_spofs(const Topo *t, const TopoBlastList *blast, TopoSpofList *out);
void topo_spof_list_free(TopoSpofList *l);

/* ---- Capacity ------------------------------------------------------------ */

/* Mean seconds a worker of each service is held per request: its own mean
 * service time plus, for every call, probability x the callee's mean
 * latency. Queueing, retries and timeouts are left out (steady state, no
 * overload). A call that closes a request-path cycle counts as 0. */
int topo_mean_latencies(const Topo *t, double *latency /* [nservices] */);

/* Adds the steady load of one source, requests/s, to load[s * nregions + r]
 * and, where it reaches a service with no instances in region r and no
 * cross_region, to unserved[s * nregions + r] (either may be NULL).
 * Requests stay in their region; a cross_region service with no local
 * instance spreads them over its regions by instance count; an external
 * service is everywhere. Each call counts its probability, retries as one. */
int topo_source_load(const Topo *t, int source, double *load, double *unserved);

typedef struct TopoHeadroom {
    int service, region;
    double load;           /* requests/s at steady state (surge 1) */
    double unserved;       /* requests/s that find no instance (see above) */
    double latency;        /* mean seconds a worker is held */
    int instances;         /* deployed */
    int max_instances;     /* autoscale.max when autoscaling, else instances */
    double capacity;       /* instances x concurrency / latency (INFINITY if latency 0) */
    double max_capacity;   /* the same at max_instances */
    double headroom;       /* capacity / load (INFINITY without load) */
    bool short_at_surge;   /* max_capacity < surge x load */
    unsigned char *from;   /* [nsources] which sources bring load here */
} TopoHeadroom;

typedef struct TopoHeadroomList {
    TopoHeadroom *v;       /* services in Topo order, regions in Topo order */
    int n;
    double surge;
} TopoHeadroomList;

/* One row per non-external service and region where it is deployed or
 * receives load. */
int topo_headroom(const Topo *t, double surge, TopoHeadroomList *out);
void topo_headroom_list_free(TopoHeadroomList *l);

/* ---- Everything ---------------------------------------------------------- */

typedef struct TopoAnalysis {
    TopoCycleList request_cycles;
    TopoCycleList recovery_cycles;
    TopoBlastList blast;
    TopoSpofList spofs;
    TopoHeadroomList headroom;
} TopoAnalysis;

/* o may be NULL (defaults). On -1 everything is freed and zeroed. */
int topo_analyse(const Topo *t, const TopoCheckOptions *o, TopoAnalysis *a);
void topo_analysis_free(TopoAnalysis *a);

/* Runs every analysis and adds its findings to dl (request-path cycles are
 * errors; recovery-path cycles, single points of failure, blind monitoring,
 * unserved load and missing headroom are warnings). With `keep`, the
 * analysis is left there for the caller (who frees it with
 * topo_analysis_free), e.g. to print it (report/check_report.h). Returns
 * 0, or -1 when out of memory (then nothing is kept). */
int topo_check(const Topo *t, const TopoCheckOptions *o, DiagList *dl, TopoAnalysis *keep);

/* A rate the way people say it: "18000/s", "12.5/s", "0.35/s",
 * "unbounded". Returns buf. */
const char *topo_fmt_rate(double v, char *buf, size_t size);

/* The text of a cycle, "a -> b -> a" (request) or "a runs on p, p calls a"
 * (recovery), as a new string the caller frees; NULL when out of memory. */
char *topo_cycle_text(const Topo *t, const TopoCycle *c, bool recovery);

#endif
