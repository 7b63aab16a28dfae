/*
 * topo_graph.h: a topology as a Graphviz (DOT) digraph, for `firedrill graph`.
 *
 * Nodes: services (box; storage a cylinder; external a dashed ellipse) with
 * their regions and instances, config items (note), traffic sources
 * (invhouse). Edges: calls (solid, labelled with timeout, retries and
 * probability; dashed when optional or with a fallback), runs_on (dotted,
 * "runs on"), reads (reader -> config item) and where an item is stored
 * (item -> store), and each source to its entry service. Edges on a
 * request-path cycle are red and bold, edges on a recovery-path cycle orange
 * and bold (red wins on an edge on both), using topo_check's cycle analyses.
 *
 * Node ids are the names, quoted; config items and sources are prefixed
 * "config:" and "source:" so they cannot meet a service of the same name.
 * The output follows the Topo's array order: the same Topo gives the same
 * bytes.
 */
#ifndef FD_TOPO_GRAPH_H
#define FD_TOPO_GRAPH_H

#include <stdio.h>
#include "model/topo.h"

/* Writes the DOT for t (which loaded without errors) to out. Returns 0, -1
 * when out of memory (output incomplete), or -2 when the stream reported a
 * write error. */
int topo_graph_write(const Topo *t, FILE *out);

#endif
