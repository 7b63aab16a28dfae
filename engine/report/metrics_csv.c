/*
 * metrics_csv.c: see metrics_csv.h. Numbers are printed with %.9g, which
 * is the same text for the same double on every run and machine.
 */
#include "report/metrics_csv.h"

#include <errno.h>
#include <math.h>
#include <string.h>

const char *const metrics_csv_pool_metrics[] = {
    "offered", "ok", "degraded", "failed_rejected", "failed_timeout", "failed_dependency",
    "failed_bad_config", "failed_no_instance", "failed_error", "wasted", "latency_mean",
    "latency_p50", "latency_p90", "latency_p99", "utilisation", "queue", "capacity",
    "instances_up", "instances_starting", "instances_waiting", "instances_stopped",
    "instances_hung", NULL,
};

const char *const metrics_csv_entry_metrics[] = {
    "intents", "intents_ok", "intents_degraded", "intents_failed", "user_failures",
    "attempts", "attempts_ok", "attempts_failed", "availability", "attempt_availability",
    "customers_affected", NULL,
};

int metrics_csv_open(MetricsCsv *mc, const char *path)
{
    memset(mc, 0, sizeof *mc);
    mc->f = afile_open(&mc->af, path);
    if (!mc->f) return errno ? -errno : -EIO;
    if (fputs("t,service,region,metric,value\n", mc->f) < 0) mc->failed = true;
    return 0;
}

void csv_put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Most of the file is counts, whole numbers that %.9g prints as plain
 * digits below 10^9: those are written here without going through printf's
 * floating-point conversion (the same bytes, several times faster); -0 and
 * everything else go to printf. */
void csv_put_number(FILE *f, double v)
{
    if (!(v > -1e9 && v < 1e9) || v != (double)(long)v || (v == 0 && signbit(v))) {
        fprintf(f, "%.9g", v);
        return;
    }
    char b[16];
    int n = (int)sizeof b;
    long x = (long)v;
    unsigned long u = x < 0 ? 0ul - (unsigned long)x : (unsigned long)x;
    do b[--n] = (char)('0' + u % 10); while ((u /= 10) > 0);
    if (x < 0) b[--n] = '-';
    fwrite(b + n, 1, sizeof b - (size_t)n, f);
}

/* t is the interval's end, already printed as "%.9g,". */
static void row(MetricsCsv *mc, const char *t, const char *prefix, const char *name,
                const char *region, const char *metric, double v)
{
    FILE *f = mc->f;
    fputs(t, f);
    if (prefix) fputs(prefix, f);
    csv_put_field(f, name);
    fputc(',', f);
    csv_put_field(f, region);
    fputc(',', f);
    fputs(metric, f);
    fputc(',', f);
    csv_put_number(f, v);
    if (fputc('\n', f) == EOF) mc->failed = true;
}

void metrics_csv_interval(void *ud, const ModelInterval *iv)
{
    MetricsCsv *mc = ud;
    if (!mc || !mc->f || mc->failed) return;
    const Topo *topo = iv->topo;
    char t[40];
    snprintf(t, sizeof t, "%.9g,", fd_time_sec(iv->end));
    for (int i = 0; i < iv->npools; i++) {
        const PoolStats *p = &iv->pools[i];
        const char *svc = topo->services[p->service].name;
        const char *region = p->region >= 0 ? topo->regions[p->region].name : "-";
        const double v[] = {
            p->offered, p->ok, p->degraded, p->failed[FAIL_REJECTED], p->failed[FAIL_TIMEOUT],
            p->failed[FAIL_DEPENDENCY], p->failed[FAIL_BAD_CONFIG], p->failed[FAIL_NO_INSTANCE],
            p->failed[FAIL_ERROR], p->wasted, p->latency_mean,
            fd_time_sec(hist_quantile(&p->latency, 0.5)),
            fd_time_sec(hist_quantile(&p->latency, 0.9)),
            fd_time_sec(hist_quantile(&p->latency, 0.99)), p->utilisation, p->queue, p->capacity,
            p->instances[INST_UP], p->instances[INST_STARTING], p->instances[INST_WAITING],
            p->instances[INST_STOPPED], p->hung,
        };
        for (int k = 0; metrics_csv_pool_metrics[k]; k++)
            row(mc, t, NULL, svc, region, metrics_csv_pool_metrics[k], v[k]);
    }
    for (int i = 0; i < iv->nsources; i++) {
        const SourceStats *s = &iv->sources[i];
        double good = s->intents_ok + s->intents_degraded;
        double avail = good + s->user_failures > 0 ? good / (good + s->user_failures) : 1;
        const double v[] = {
            s->intents, s->intents_ok, s->intents_degraded, s->intents_failed, s->user_failures,
            s->attempts, s->attempts_ok, s->attempts_failed, avail,
            s->attempts_ok + s->attempts_failed > 0
                ? s->attempts_ok / (s->attempts_ok + s->attempts_failed) : 1,
            s->customers_affected,
        };
        for (int k = 0; metrics_csv_entry_metrics[k]; k++)
            row(mc, t, "entry:", topo->sources[s->source].name, "-",
                metrics_csv_entry_metrics[k], v[k]);
    }
    if (ferror(mc->f)) mc->failed = true;
}

int metrics_csv_commit(MetricsCsv *mc)
{
    if (!mc->f) return 0;
    if (mc->failed) {
        metrics_csv_abort(mc);
        return -EIO;
    }
    mc->f = NULL;
    return afile_commit(&mc->af);
}

void metrics_csv_abort(MetricsCsv *mc)
{
    if (!mc->f) return;
    mc->f = NULL;
    afile_abort(&mc->af);
}
