/* batch_stats.c: see batch_stats.h. */
#include "batch/batch_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void batch_sort(double *v, int n)
{
    if (n > 1) qsort(v, (size_t)n, sizeof *v, cmp_double);
}

double batch_pct(const double *sorted, int n, double q)
{
    int k = (int)ceil(q * n - 1e-9) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return sorted[k];
}

int names_add(Names *l, const char *s)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return i;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        const char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = s;
    return l->n++;
}

const char *batch_jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

json_t *batch_find_named(json_t *arr, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *n = batch_jstr(e, "name");
        if (n && strcmp(n, name) == 0) return e;
    }
    return NULL;
}
