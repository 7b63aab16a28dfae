/*
 * topo_load_csv.c: a traffic shape read from a CSV file
 * (shape: { kind: csv, file: rate.csv }; see topo_load_internal.h).
 *
 * The file must lie inside the topology's folder, links resolved. It is
 * read once however many sources name it (through an alias), and copied;
 * rows read and copied count against MAX_CSV_ROWS in all. Diagnostics
 * about its contents name the CSV file at its own line and column, and
 * sort where the topology names it.
 */
#include "load/topo_load_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/fspath.h"
#include "base/units.h"

static bool csv_space(char c)
{
    return c == ' ' || c == '\t';
}

/* One CSV field, trimmed, as a C string in buf; false when too long or
 * holding a NUL byte. *col is its 1-based column. */
static bool csv_field(const char *b, const char *e, const char *line, char *buf, size_t size,
                      int *col)
{
    while (b < e && csv_space(*b)) b++;
    while (e > b && csv_space(e[-1])) e--;
    *col = ld_to_int((size_t)(b - line) + 1);
    size_t n = (size_t)(e - b);
    if (n >= size || memchr(b, '\0', n)) return false;
    memcpy(buf, b, n);
    buf[n] = '\0';
    return true;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (x != *b) return false;
    }
    return !*a && !*b;
}

/* shape: { kind: csv, file: rate.csv }: columns time,factor after a header
 * line; time in seconds or as a duration. Errors point into the CSV file. */
void ld_read_csv(Ld *ld, const Node *fv, TopoShape *sh)
{
    const char *name = ld_name(ld, fv, "file", "a file name");
    if (!name) return;
    /* The file must lie inside the topology's folder, links resolved
     * (base/fspath.h): a topology is shared, so it must not read
     * /etc/shadow into a rate. Messages name it as written. */
    char b[200];
    char *real = NULL;
    int pe = fd_path_inside(ld->dir, name, &real);
    if (pe == FD_PATH_OUTSIDE) {
        ld_err(ld, ld_node_loc(ld, fv), "file: '%s' is outside the topology's folder",
               ld_show(name, b, sizeof b));
        return;
    }
    if (pe == ENOMEM) {
        ld_oom(ld);
        return;
    }
    if (pe) {
        ld_err(ld, ld_node_loc(ld, fv), "file: cannot read '%s': %s", ld_show(name, b, sizeof b),
               strerror(pe));
        return;
    }
    size_t dl = strlen(ld->dir), nl = strlen(name);
    char *path = malloc(dl + nl + 2);
    if (!path) {
        free(real);
        ld_oom(ld);
        return;
    }
    if (dl == 0) memcpy(path, name, nl + 1);
    else {
        memcpy(path, ld->dir, dl);
        path[dl] = '/';
        memcpy(path + dl + 1, name, nl + 1);
    }
    for (int j = 0; j < ld->ncsv; j++) {
        if (strcmp(ld->csv[j].path, path) != 0) continue;
        free(path);
        free(real);
        sh->csv_path = ld_xstrdup(ld, ld->csv[j].path);
        const TopoShape *first = ld->csv[j].shape;
        if (!first) return;                  /* its errors are reported */
        if (first->npoints > MAX_CSV_ROWS - ld->csv_rows) {
            ld_err(ld, ld_node_loc(ld, fv), "file: too many CSV rows: at most %d in all", MAX_CSV_ROWS);
            return;
        }
        sh->points = ld_xcalloc(ld, (size_t)first->npoints, sizeof *sh->points);
        if (!sh->points) return;
        memcpy(sh->points, first->points, (size_t)first->npoints * sizeof *sh->points);
        sh->npoints = first->npoints;
        ld->csv_rows += first->npoints;
        return;
    }
    CsvFile *csv = realloc(ld->csv, ((size_t)ld->ncsv + 1) * sizeof *csv);
    if (!csv) {
        free(path);
        free(real);
        ld_oom(ld);
        return;
    }
    ld->csv = csv;
    CsvFile *entry = &ld->csv[ld->ncsv++];
    *entry = (CsvFile){ path, NULL };
    sh->csv_path = ld_xstrdup(ld, path);
    size_t len = 0, errors = ld->errors;
    int e = 0;
    char *text = ld_slurp(real, MAX_CSV_BYTES, true, &len, &e);
    free(real);
    if (!text) {
        ld_err(ld, ld_node_loc(ld, fv), "file: cannot read '%s': %s", ld_show(path, b, sizeof b),
               e == NOT_REGULAR ? "not a regular file" : strerror(e));
        return;
    }
    ld->t->inputs = fd_digest_add(ld->t->inputs, text, len);
    ld->in_csv = true;
    ld->csv_anchor = ld_node_loc(ld, fv);
    size_t cap = 0;
    bool header = false;
    int line = 0;
    SimTime prev = 0;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;   /* a spreadsheet's BOM */
    while (p < end && !ld->stop) {
        line++;
        const char *ls = p, *le = memchr(p, '\n', (size_t)(end - p));
        if (!le) le = end;
        p = le + 1;
        if (le > ls && le[-1] == '\r') le--;
        const char *q = ls;
        while (q < le && csv_space(*q)) q++;
        if (q == le || *q == '#') continue;
        const char *comma[3] = { NULL, NULL, NULL };
        int ncomma = 0;
        for (const char *c = ls; c < le && ncomma < 3; c++)
            if (*c == ',') comma[ncomma++] = c;
        char f0[64], f1[64];
        int c0, c1;
        if (!header) {
            header = true;
            bool ok = ncomma == 1 && csv_field(ls, comma[0], ls, f0, sizeof f0, &c0) &&
                      csv_field(comma[0] + 1, le, ls, f1, sizeof f1, &c1) && ieq(f0, "time") &&
                      ieq(f1, "factor");
            if (!ok)
                ld_err(ld, (FdLoc){ path, line, 1 }, "expected the header line 'time,factor'");
            continue;
        }
        if (ncomma != 1) {
            int col = ncomma == 0 ? ld_to_int((size_t)(le - ls) + 1) : ld_to_int((size_t)(comma[1] - ls) + 1);
            ld_err(ld, (FdLoc){ path, line, col }, "expected 2 columns (time,factor), got %s",
                   ncomma == 0 ? "1" : "more");
            continue;
        }
        const char *why;
        SimTime at = 0;
        double factor = 0, sec;
        bool ok = true;
        if (!csv_field(ls, comma[0], ls, f0, sizeof f0, &c0)) {
            ld_err(ld, (FdLoc){ path, line, c0 }, "time: is not a time (seconds, or a duration like 10m)");
            ok = false;
        } else if (units_parse_number(f0, &sec, NULL) == 0) {
            if (sec < 0) {
                ld_err(ld, (FdLoc){ path, line, c0 }, "time: '%s' must not be negative", ld_show(f0, b, 64));
                ok = false;
            } else if (sec > fd_time_sec(FD_UNITS_MAX_DURATION)) {
                ld_err(ld, (FdLoc){ path, line, c0 }, "time: '%s' is longer than a year", ld_show(f0, b, 64));
                ok = false;
            } else {
                at = fd_time_from_sec(sec);
            }
        } else if (units_parse_duration(f0, &at, &why) < 0) {
            ld_err(ld, (FdLoc){ path, line, c0 }, "time: '%s' %s", ld_show(f0, b, 64), why);
            ok = false;
        }
        if (!csv_field(comma[0] + 1, le, ls, f1, sizeof f1, &c1)) {
            ld_err(ld, (FdLoc){ path, line, c1 }, "factor: is not a number");
            ok = false;
        } else if (units_parse_number(f1, &factor, &why) < 0) {
            ld_err(ld, (FdLoc){ path, line, c1 }, "factor: '%s' %s", ld_show(f1, b, 64), why);
            ok = false;
        } else if (factor < 0 || factor > 1e6) {
            ld_err(ld, (FdLoc){ path, line, c1 }, "factor: '%s' must be between 0 and 1e6",
                   ld_show(f1, b, 64));
            ok = false;
        }
        if (!ok) continue;
        if (sh->npoints > 0 && at < prev) {
            ld_err(ld, (FdLoc){ path, line, c0 }, "time: '%s' is before the row above it",
                   ld_show(f0, b, 64));
            continue;
        }
        if (ld->csv_rows == MAX_CSV_ROWS) {
            ld_err(ld, (FdLoc){ path, line, 1 }, "too many CSV rows: at most %d in all", MAX_CSV_ROWS);
            break;
        }
        if ((size_t)sh->npoints == cap) {
            cap = cap ? cap * 2 : 64;
            ShapePoint *np = realloc(sh->points, cap * sizeof *np);
            if (!np) {
                ld_oom(ld);
                break;
            }
            sh->points = np;
        }
        sh->points[sh->npoints++] = (ShapePoint){ at, factor };
        ld->csv_rows++;
        prev = at;
    }
    if (sh->npoints == 0 && !ld->stop)
        ld_err(ld, (FdLoc){ path, line > 0 ? 1 : 0, line > 0 ? 1 : 0 }, "the CSV file has no data rows");
    ld->in_csv = false;
    free(text);
    if (ld->errors == errors) entry->shape = sh;
}
