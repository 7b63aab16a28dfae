/*
 * debrief_json.c: DIR/debrief.json (docs/outputs.md, "debrief.json";
 * schemas/debrief.schema.json).
 *
 * Keys in a fixed order, times in seconds to the millisecond, shares and
 * availabilities to 6 decimals, reals with 10 significant digits: the same
 * Debrief gives the same bytes. Written atomically.
 */
#include "report/debrief.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "base/atomic_file.h"

static void put(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, k, v) != 0) *ok = false;
}

static void push(json_t *a, json_t *v, bool *ok)
{
    if (!v || json_array_append_new(a, v) != 0) *ok = false;
}

static json_t *jsec(int64_t ms) { return ms < 0 ? json_null() : json_real((double)ms / 1e3); }

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static double r6(double x)
{
    double v = round(x * 1e6) / 1e6;
    return v == 0 ? 0 : v;
}

static double floor6(double x)
{
    double v = floor(x * 1e6 + 1e-6) / 1e6;
    return v == 0 ? 0 : v;
}

static json_t *moment(const RunResult *r, SimTime t)
{
    (void)r;
    if (t < 0) return json_null();
    return json_real(round(fd_time_sec(t) * 1e3) / 1e3);
}

static json_t *side(const DebriefFigures *f, const RunResult *r, bool *ok)
{
    json_t *o = json_object();
    if (!o) {
        *ok = false;
        return NULL;
    }
    json_t *inc = json_object();
    if (inc) {
        put(inc, "start", moment(r, r->t_start), ok);
        put(inc, "detected", moment(r, r->t_detected), ok);
        put(inc, "mitigated", moment(r, r->t_mitigated), ok);
        put(inc, "recovered", moment(r, r->t_recovered), ok);
        put(inc, "detected_by", jstr(r->detected_by), ok);
    }
    put(o, "incident", inc, ok);
    put(o, "detect_s", jsec(f->detect_ms), ok);
    put(o, "mitigate_s", jsec(f->mitigate_ms), ok);
    put(o, "outage_s", f->incident ? jsec(f->outage_ms) : json_real(0), ok);
    put(o, "response_from_s", jsec(f->respond_from_ms), ok);
    put(o, "response_s", jsec(f->respond_ms), ok);
    put(o, "customers_affected", json_integer((json_int_t)llround(f->customers_affected)), ok);
    json_t *ex = json_object();
    if (ex) {
        put(ex, "held", json_integer(f->expects_held), ok);
        put(ex, "declared", json_integer(f->expects), ok);
    }
    put(o, "expectations", ex, ok);
    json_t *cm = f->page ? json_object() : json_null();
    if (f->page && cm) {
        put(cm, "notice_s", jsec(f->notice_ms), ok);
        put(cm, "misinformed_s", jsec(f->misinformed_ms), ok);
        put(cm, "notices", json_integer(r->comms.nposts), ok);
        put(cm, "failed_posts", json_integer(r->comms.failed), ok);
    }
    put(o, "communication", cm, ok);
    json_t *es = json_array();
    for (int i = 0; es && i < r->nentries; i++) {
        const EntryResult *e = &r->entries[i];
        json_t *x = json_object();
        if (!x) {
            *ok = false;
            break;
        }
        double slo = r6(e->slo), avail = isfinite(e->availability) ? floor6(e->availability) : NAN;
        put(x, "name", jstr(e->name), ok);
        put(x, "slo", json_real(slo), ok);
        put(x, "availability", isfinite(avail) ? json_real(avail) : json_null(), ok);
        put(x, "bad_fraction", isfinite(avail) ? json_real(r6(1 - avail)) : json_null(), ok);
        put(x, "error_budget_burned",
            isfinite(avail) && slo < 1 ? json_real(r6((1 - avail) / (1 - slo))) : json_null(), ok);
        put(x, "customers_affected",
            json_integer(isfinite(e->customers_affected) ? (json_int_t)llround(e->customers_affected) : 0),
            ok);
        push(es, x, ok);
    }
    put(o, "entries", es, ok);
    return o;
}

static json_t *build(const Debrief *d)
{
    bool ok = true;
    const DebriefSession *s = &d->session;
    json_t *o = json_object();
    if (!o) return NULL;
    put(o, "version", json_integer(1), &ok);
    put(o, "scenario", jstr(d->ref.scenario), &ok);
    put(o, "path", jstr(s->scenario), &ok);
    if (s->seed <= (UINT64_C(1) << 53)) {
        put(o, "seed", json_integer((json_int_t)s->seed), &ok);
    } else {
        char b[32];
        snprintf(b, sizeof b, "%llu", (unsigned long long)s->seed);
        put(o, "seed", json_string(b), &ok);
    }
    json_t *a = json_array();
    for (int i = 0; a && i < s->nparams; i++) push(a, jstr(s->params[i]), &ok);
    put(o, "params", a, &ok);
    a = json_array();
    for (int i = 0; a && i < s->nplay; i++) push(a, jstr(s->play[i]), &ok);
    put(o, "play", a, &ok);
    put(o, "digest", json_string(d->digest_ok < 0 ? "unknown" : d->digest_ok ? "matches" : "differs"),
        &ok);
    json_t *rs = json_object();
    if (rs) {
        put(rs, "first", json_integer((json_int_t)d->first_seed), &ok);
        put(rs, "count", json_integer(d->nseeds), &ok);
    }
    put(o, "reference_seeds", rs, &ok);
    put(o, "team", side(&d->team_fig, &d->team, &ok), &ok);
    put(o, "reference", side(&d->ref_fig, &d->ref, &ok), &ok);

    json_t *dist = json_object();
    if (dist) {
        json_t *v = json_array();
        int64_t *ms = malloc(sizeof *ms * (size_t)(d->nseeds ? d->nseeds : 1));
        int rec = 0;
        if (ms && v) {
            for (int i = 0; i < d->nseeds; i++) ms[i] = d->seeds[i].outage_ms;
            /* sorted, never-recovered last */
            for (int i = 1; i < d->nseeds; i++) {
                int64_t x = ms[i];
                int j = i - 1;
                while (j >= 0 && (ms[j] < 0 ? x >= 0 : (x >= 0 && x < ms[j]))) {
                    ms[j + 1] = ms[j];
                    j--;
                }
                ms[j + 1] = x;
            }
            for (int i = 0; i < d->nseeds; i++) {
                push(v, jsec(ms[i]), &ok);
                rec += ms[i] >= 0;
            }
        } else {
            ok = false;
        }
        free(ms);
        put(dist, "outage_s", v, &ok);
        put(dist, "recovered", json_integer(rec), &ok);
        put(dist, "never_recovered", json_integer(d->nseeds - rec), &ok);
        put(dist, "median_outage_s", jsec(d->med_outage_ms), &ok);
        put(dist, "median_mitigate_s", jsec(d->med_mitigate_ms), &ok);
        put(dist, "median_detect_s", jsec(d->med_detect_ms), &ok);
        put(dist, "median_response_s", jsec(d->med_respond_ms), &ok);
        put(dist, "median_notice_s", jsec(d->med_notice_ms), &ok);
        put(dist, "median_customers_affected", json_integer((json_int_t)llround(d->med_customers)),
            &ok);
    }
    put(o, "distribution", dist, &ok);

    json_t *pc = json_object();
    if (pc) {
        put(pc, "team_outage_s",
            d->team_fig.incident ? jsec(d->team_fig.outage_ms) : json_real(0), &ok);
        put(pc, "longer", json_integer(d->longer), &ok);
        put(pc, "runs", json_integer(d->nseeds), &ok);
        put(pc, "faster_than", json_real(r6(d->faster_than)), &ok);
    }
    put(o, "percentile", pc, &ok);

    json_t *cmds = json_array();
    for (int i = 0; cmds && i < s->ncmds; i++) {
        const DebriefCmd *c = &s->cmds[i];
        json_t *x = json_object();
        if (!x) {
            ok = false;
            break;
        }
        char clock[16];
        result_clock(&d->team, fd_time_from_sec((double)c->ms / 1e3), true, clock, sizeof clock);
        put(x, "t", json_real((double)c->ms / 1e3), &ok);
        put(x, "clock", json_string(clock), &ok);
        put(x, "player", jstr(c->player), &ok);
        put(x, "team", jstr(c->team), &ok);
        put(x, "line", jstr(c->line), &ok);
        put(x, "ok", json_boolean(c->ok), &ok);
        push(cmds, x, &ok);
    }
    put(o, "commands", cmds, &ok);

    json_t *sc = json_object();
    if (sc) {
        put(sc, "total", json_real(d->total), &ok);
        put(sc, "max", json_integer(100), &ok);
        json_t *ls = json_array();
        for (int i = 0; ls && i < DEBRIEF_NLINES; i++) {
            const DebriefScoreLine *l = &d->lines[i];
            json_t *x = json_object();
            if (!x) {
                ok = false;
                break;
            }
            put(x, "name", jstr(l->name), &ok);
            put(x, "max", json_real(l->max), &ok);
            put(x, "points", json_real(l->points), &ok);
            put(x, "measured", jstr(l->measured), &ok);
            put(x, "reference", jstr(l->reference), &ok);
            put(x, "rule", jstr(l->rule), &ok);
            push(ls, x, &ok);
        }
        put(sc, "lines", ls, &ok);
    }
    put(o, "score", sc, &ok);

    json_t *fm = json_object();
    if (fm) {
        put(fm, "error_budget_burned", json_string("(1 - availability) / (1 - slo), per entry point, "
                                                   "availability over the whole run"), &ok);
        put(fm, "faster_than", json_string("reference seeds whose outage (recovered - start) was "
                                           "longer than the team's, over all reference seeds; a "
                                           "run that never recovered is longer than any that did"),
            &ok);
        put(fm, "points", json_string("max / (1 + (x / ref)^2 / 2) for times and customers "
                                      "(x the team's figure, ref the reference median, at least "
                                      "60 s or 1 customer); 0 when the team never got there; "
                                      "expectations: max x held / declared; communication: "
                                      "the first notice's delay on the time curve, times 1 "
                                      "minus the share of the outage the page was wrong or "
                                      "unreachable"), &ok);
    }
    put(o, "formulas", fm, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int debrief_write_json(const Debrief *d, const char *path)
{
    json_t *o = build(d);
    if (!o) return -ENOMEM;
    AtomicFile af;
    FILE *f = afile_open(&af, path);
    if (!f) {
        int e = errno ? -errno : -EIO;
        json_decref(o);
        return e;
    }
    int rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (rc != 0 || fputc('\n', f) == EOF || ferror(f)) {
        afile_abort(&af);
        return -EIO;
    }
    return afile_commit(&af);
}
