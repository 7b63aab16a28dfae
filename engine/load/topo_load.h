/*
 * topo_load.h: reading a topology file (YAML) into a Topo.
 *
 * The format is documented in docs/topology.md; docs/topology-example.yaml
 * shows every key. The loader checks everything a file alone can tell:
 * syntax, types, units and ranges, unknown keys (with "did you mean"),
 * duplicate keys and names, references between objects, and the rules that
 * tie values together (region weights summing to 1, a deployed service
 * having instances). Graph-level analyses (cycles, single points of failure)
 * belong to model/topo_check.c.
 *
 * Contract:
 * - t is overwritten without being freed: pass a Topo that is fresh or
 *   topo_free'd. name and path must not be NULL.
 * - Returns 0 when t now holds a complete topology (warnings may have been
 *   added to dl); -1 when the file had errors, all of them recorded in dl in
 *   file order, each at file:line:col (1-based) with its notes; -2 when the
 *   file could not be read (recorded in dl as "path: error: ...: strerror");
 *   -3 when memory ran out (also recorded in dl), a system error.
 * - On failure t holds nothing but t->file, which the diagnostics point at
 *   (so a CSV file a topology referenced is named there too, after the
 *   topology path's NUL). Print dl first, then topo_free(t); topo_free is
 *   always safe.
 * - On success every FdLoc in t points at t->file.
 * - No global state: calls on different Topos and DiagLists may run on
 *   different threads at once.
 *
 * Untrusted input is fine: any bytes give a result in time linear in their
 * size (alias expansion and nesting are capped), and never crash.
 */
#ifndef FD_TOPO_LOAD_H
#define FD_TOPO_LOAD_H

#include <stddef.h>
#include "base/diag.h"
#include "model/topo.h"

/* Reads and loads the file at path. A shape's CSV file is found relative
 * to the topology file's folder. */
int topo_load_file(Topo *t, const char *path, DiagList *dl);

/* Loads len bytes of text (need not be NUL-terminated). name stands for
 * the file in diagnostics and locations, and its folder is where CSV files
 * are looked for. */
int topo_load_string(Topo *t, const char *name, const char *text, size_t len, DiagList *dl);

#endif
