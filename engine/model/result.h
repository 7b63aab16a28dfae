/*
 * result.h: what a run leaves behind, as plain data.
 *
 * The scenario layer fills a RunResult while the simulation runs (timeline
 * events as they happen, the incident clock and per-entry figures at the
 * end); the report layer prints and writes it. Nothing here refers to Lua
 * or to the live model, so a RunResult can also be rebuilt from files. It
 * lives in model/ so that both the scenario layer above it and the report
 * layer above that include it downward.
 *
 * Ownership: a RunResult owns every string and array in it;
 * result_free() releases them. result_add_event() copies its text.
 */
#ifndef FD_RESULT_H
#define FD_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/fd_time.h"

typedef enum RunEventKind {
    RE_NOTE,          /* a note from the scenario or a responder */
    RE_FAULT,         /* a fault injected by the scenario */
    RE_CHANGE,        /* a deploy, config write or traffic change */
    RE_ACTION,        /* a response: rollback, repair, restart, scale, shift */
    RE_ALERT,         /* an alert fired */
    RE_RESOLVED,      /* an alert stopped firing */
    RE_INCIDENT,      /* an incident declared, acknowledged, diagnosed */
    RE_STATUS,        /* a status-page post (or its failure) */
    RE_HEALTH,        /* a service in a region became unhealthy or healthy again */
    RE_DEADLOCK,      /* a circular wait among schedulers */
    RE_CLOCK,         /* the incident clock: start, detected, mitigated, recovered */
    RE_NKINDS
} RunEventKind;

const char *run_event_kind_name(RunEventKind k);

typedef struct RunEvent {
    SimTime t;
    RunEventKind kind;
    char *text;           /* one line, for the timeline */
    char *subject;        /* the service, alert or team it is about, or NULL */
    char *region;         /* or NULL */
} RunEvent;

typedef struct EntryResult {
    char *name;           /* the traffic source */
    double slo;
    double availability;          /* intents answered ok or degraded / resolved */
    double attempt_availability;  /* attempts answered ok or degraded / answered (in flight at
                                     the end not counted) */
    double incident_availability; /* availability of intents from the incident's start to its
                                     recovery (or the end); NAN when no incident started */
    double degraded;              /* share of resolved intents answered degraded */
    /* Users' traffic: attempts users made (first attempts, re-attempts,
     * deferred work coming back), automatic client retries left out. */
    double baseline_rate;         /* users' attempts/s before the incident */
    double peak_rate;             /* highest users' attempts/s in an interval after the start */
    double peak_to_baseline;
    SimTime peak_at;              /* the start of that interval, or -1 */
    double peak_attempts_to_baseline;  /* all attempts, retries included */
    double capacity_to_baseline;  /* the workers the entry service needed at the peak (busy, plus the
                                   * work of what it turned away) over its busy workers before */
    SimTime capacity_peak_at;     /* or -1 */
    double intents, attempts;
    double customers;             /* population */
    double customers_affected;
    double customers_reported;
} EntryResult;

typedef struct DeadlockResult {
    SimTime at;
    char *region;
    char *cycle;          /* "cloud-api -> tke -> cloud-api" */
} DeadlockResult;

typedef struct ExpectResult {
    char *name;           /* e.g. "availability(console) >= 0.5" */
    bool ok;
    char *detail;
    double pass_rate;     /* the pass rate a batch needs; 1 unless declared */
} ExpectResult;

/* Communication: what the status page said and when (script_comms.c).
 * `modelled` is false for a run that never posted and names no page; the
 * reports then leave the section out. */
typedef struct CommsResult {
    bool modelled;
    SimTime *posts;       /* times of the notices that went out, in order */
    int nposts;
    int failed;           /* posts that could not go out */
    SimTime first_notice; /* the first notice from the incident's start on, or -1 */
    SimTime longest_gap;  /* the longest time without a notice while the incident lasted
                           * (first notice to recovery, or the end); -1 without a notice */
    double wrong_min;     /* minutes the page said all was well while an entry point was
                           * below its objective */
    double unreachable_min;   /* minutes customers could not read it (its host down) */
    double accurate_min;  /* minutes an up-to-date incident notice was read during the outage */
} CommsResult;

typedef struct RunResult {
    char *scenario;       /* the scenario's name */
    char *path;           /* the scenario file */
    uint64_t seed;
    int64_t wall_start;   /* Unix seconds of simulated time 0 */
    int tz_minutes;       /* the scenario's UTC offset, for printing local times */
    SimTime duration;
    double sampling;
    /* The incident clock; -1 when the moment never came. */
    SimTime t_start, t_detected, t_mitigated, t_recovered;
    char *detected_by;    /* "alert api-5xx", "declared", "customer reports", or NULL */
    RunEvent *events;
    int nevents, capevents;
    EntryResult *entries;
    int nentries;
    DeadlockResult *deadlocks;
    int ndeadlocks;
    ExpectResult *expects;
    int nexpects;
    char **params;        /* "name=value" as the run saw them */
    int nparams;
    CommsResult comms;
    uint64_t events_run;  /* kernel events, for the curious */
    uint64_t inputs;      /* base/digest.h of every file the run read, in order */
} RunResult;

void result_init(RunResult *r);
void result_free(RunResult *r);

/* Appends a timeline event; returns 0, or -1 when memory runs out. */
int result_add_event(RunResult *r, SimTime t, RunEventKind kind, const char *subject,
                     const char *region, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* "15:23" (or "15:23:40" with seconds) in the scenario's local time. */
void result_clock(const RunResult *r, SimTime t, bool seconds, char *buf, size_t size);

/* The local date and time of t with the scenario's UTC offset:
 * "2024-04-08T15:00:00+08:00" (ISO 8601) when iso, else
 * "2024-04-08 15:00:00 UTC+08:00". Seconds are truncated like result_clock's. */
void result_datetime(const RunResult *r, SimTime t, bool iso, char *buf, size_t size);

/* Local calendar days since 1970-01-01 at t: two times fall on the same
 * local date exactly when their days are equal. */
int64_t result_local_day(const RunResult *r, SimTime t);

/* result_clock without seconds, with " +1d" (or " -1d") appended when t
 * falls on another local day than the start, as the timeline writes it. */
void result_clock_day(const RunResult *r, SimTime t, char *buf, size_t size);

/* Sorts events by time, keeping the order of equal times (stable). */
void result_sort_events(RunResult *r);

/* The events' indexes in time order (equal times in the order they were
 * added), without moving them: for readers that hold a const RunResult.
 * Returns a malloc'd array of nevents ints that the caller frees, or NULL
 * when memory runs out (never for a run without events). */
int *result_event_order(const RunResult *r);

bool result_all_ok(const RunResult *r);

/* When the incident counts as under way for communication: its detection,
 * or its start when nobody detected it or it was detected before it
 * started; -1 without an incident. The first notice is timed from here and
 * the update cadence runs from here to the recovery. */
SimTime result_incident_known(const RunResult *r);

#endif
