/*
 * fuzz_topology.c: the topology loader (load/topo_load.h) and, on what it
 * accepts, the static checks of `firedrill check` (model/topo_check.h).
 * The text is loaded from a file in a private folder, so CSV shape files
 * it names resolve there (and nowhere else).
 */
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include "load/topo_load.h"
#include "model/topo_check.h"
#include "report/check_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[512];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s/topology.yaml", fuzz_dir());
        /* A CSV file beside it, for shapes that name one. */
        static const char csv[] = "time,factor\n0,1\n60,2\n5m,0.5\n";
        if (fuzz_write("rate.csv", csv, sizeof csv - 1) != 0) abort();
    }
    if (fuzz_write("topology.yaml", data, size) != 0) abort();
    Topo t;
    DiagList dl;
    diag_list_init(&dl);
    int rc = topo_load_file(&t, path, &dl);
    if (rc == 0) {
        TopoCheckOptions o;
        topo_check_options_init(&o);
        FILE *sink = fopen("/dev/null", "w");
        TopoAnalysis an;
        if (sink && topo_check(&t, &o, &dl, &an) == 0) {
            check_report_write(sink, &t, &an, o.surge, &dl);
            topo_analysis_free(&an);
        }
        if (sink) fclose(sink);
    }
    topo_free(&t);
    diag_list_free(&dl);
    return 0;
}
