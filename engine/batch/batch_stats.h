/*
 * batch_stats.h: the small pieces summary.json and report.html of a batch
 * share, so the two pages always agree: the nearest-rank percentile, a
 * list of distinct names, and readers for the run records' JSON.
 */
#ifndef FD_BATCH_STATS_H
#define FD_BATCH_STATS_H

#include <jansson.h>

/* Sorts n doubles ascending. */
void batch_sort(double *v, int n);

/* Nearest rank over sorted values (n > 0): the smallest value with at
 * least q of the values at or below it. */
double batch_pct(const double *sorted, int n, double q);

/* Distinct names in first-seen order; the strings are borrowed. */
typedef struct Names {
    const char **v;
    int n, cap;
} Names;

/* The index of s in the list, adding it when absent; -1 on ENOMEM. */
int names_add(Names *l, const char *s);

/* o[k] as a string, or NULL. */
const char *batch_jstr(json_t *o, const char *k);

/* The element of arr whose "name" is name, or NULL. */
json_t *batch_find_named(json_t *arr, const char *name);

#endif
