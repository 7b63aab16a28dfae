/*
 * outputs.c: a finished run's output folder (outputs.h).
 */
#include "report/outputs.h"

#include <errno.h>
#include <stdio.h>

#include "base/atomic_file.h"
#include "report/html.h"
#include "report/junit.h"
#include "report/run_json.h"

int outputs_copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in) return -errno;
    AtomicFile af;
    FILE *out = afile_open(&af, dst);
    if (!out) {
        int e = -errno;
        fclose(in);
        return e;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) break;
    bool bad = ferror(in) || ferror(out);
    fclose(in);
    if (bad) {
        afile_abort(&af);
        return -EIO;
    }
    return afile_commit(&af);
}

int outputs_write(const RunResult *r, const Topo *topo, const char *dir, MetricsCsv *mc)
{
    char p1[4096], p2[4096], p3[4096], p4[4096], p5[4096], p6[4096];
    snprintf(p1, sizeof p1, "%s/events.jsonl", dir);
    snprintf(p2, sizeof p2, "%s/summary.json", dir);
    snprintf(p3, sizeof p3, "%s/junit.xml", dir);
    snprintf(p4, sizeof p4, "%s/metrics.csv", dir);
    snprintf(p5, sizeof p5, "%s/report.html", dir);
    snprintf(p6, sizeof p6, "%s/topology.yaml", dir);
    int e = metrics_csv_commit(mc);
    if (e == 0) e = run_write_events_jsonl(r, p1);
    if (e == 0) e = run_write_summary(r, p2);
    if (e == 0) e = run_write_junit(r, p3);
    if (e == 0) e = run_write_html(r, topo, p4, p5);
    if (e == 0) e = outputs_copy_file(topo->file, p6);
    return e;
}
