/*
 * topo_load.c: reads a topology file (YAML) into a Topo (see topo_load.h).
 *
 * How it works, and why:
 *
 * - libyaml's document API (yaml_parser_load) turns the text into a graph
 *   of nodes with positions; we walk that graph by hand against the schema
 *   (docs/topology.md). Aliases make the graph a DAG, even a cycle, so the
 *   walk fetches every node through ld_get(), which counts visits against a
 *   budget, and merge keys (the one place the walk recurses) count depth. An
 *   alias bomb costs one error, not the machine. Everything else the walk
 *   does is linear in what it visits: duplicate names are found by sorting,
 *   references are resolved by binary search, a repeated error skips its
 *   "did you mean" search, and those searches share a fixed budget.
 *
 * - libyaml itself is quadratic in flow nesting (its scanner walks every
 *   open level on each token) and in anchors (looked up one by one), so a
 *   first pass over its events (prescan()) caps both before the document is
 *   built, and reports the syntax error, if any.
 *
 * - All errors of a file are reported in one pass. A bad value is reported
 *   and leaves the default in place, and the walk goes on. Only a syntax
 *   error (there is no document to walk), the visit budget and the error
 *   cap end it early. An error that the same node already produced (an
 *   anchor used twice) is reported once.
 *
 * - Names come first: the regions, services, configs and sources are
 *   collected (and duplicates reported) before any section is walked, so
 *   references may point forward. Each mapping is read by ld_collect() into a
 *   table of its known keys, then the values are read in a fixed order; the
 *   diagnostics are put back in file order at the end (finish()), keeping
 *   each error with its notes.
 *
 * - Checks that need every service read (a call's `region:` must be one its
 *   target is deployed in) run once the sections are walked; that pass
 *   (ld_call_regions()) also expands `regions: all` into one call per region,
 *   so the Topo holds only plain calls.
 *
 * - Locations: libyaml's marks are 0-based; ld_mark_loc() adds 1, and is the
 *   only place that does (CSV lines are counted 1-based as they are read).
 *
 * - t->file: every topology FdLoc points at it. Diagnostics about a CSV
 *   file point at that file's path, and on failure the Topo is emptied, so
 *   finish() copies those paths into the same allocation as t->file, after
 *   its NUL: the diagnostics stay valid for as long as t->file does.
 *
 * - The loader is split by job: topo_load_internal.h lists the files and
 *   what each one does; this one holds the load itself and the public API.
 */
#include "load/topo_load_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads a whole file of at most max bytes. NULL with *err set (an errno
 * value, or NOT_REGULAR) when it cannot. A file named inside a topology
 * must be a regular file (regular_only): a FIFO or a device could block or
 * never end. It is opened without blocking to find out. */
char *ld_slurp(const char *path, long max, bool regular_only, size_t *len, int *err)
{
    int fd = open(path, O_RDONLY | (regular_only ? O_NONBLOCK : 0));
    if (fd < 0) {
        *err = errno;
        return NULL;
    }
    struct stat st;
    if (regular_only && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        *err = NOT_REGULAR;
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *err = errno;
        close(fd);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        *err = ENOMEM;
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap >= (size_t)max) {
                free(buf);
                fclose(f);
                *err = EFBIG;
                return NULL;
            }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                *err = ENOMEM;
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        *err = errno ? errno : EIO;
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    if (n > (size_t)max) {
        free(buf);
        *err = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* ------------------------------------------------------------------ */
/* The load */

/* libyaml gave up: say where and why. A reader error (bytes that are not
 * UTF-8) comes with a byte offset instead of a mark. */
static void syntax_error(Ld *ld, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *file = ld->t->file;
    if (p->error == YAML_MEMORY_ERROR) {
        ld_oom(ld);
        return;
    }
    const char *problem = p->problem ? p->problem : "the parser gave up";
    if (p->error == YAML_READER_ERROR) {
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        int line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (text[i] == '\n') line++, col = 1;
            else if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
        }
        if (p->problem_value >= 0)
            ld_err(ld, (FdLoc){ file, line, col }, "syntax error: %s (byte 0x%02X)", problem,
                   (unsigned)p->problem_value);
        else
            ld_err(ld, (FdLoc){ file, line, col }, "syntax error: %s", problem);
        return;
    }
    if (p->error == YAML_COMPOSER_ERROR) {
        /* Aliases and anchors: libyaml words a repeated anchor as a context
         * ("found duplicate anchor; first occurrence") and a problem. */
        if (p->context && strstr(p->context, "duplicate anchor")) {
            ld_err(ld, ld_mark_loc(ld, p->problem_mark), "anchor defined twice");
            ld_note(ld, ld_mark_loc(ld, p->context_mark), "first defined here");
        } else {
            ld_err(ld, ld_mark_loc(ld, p->problem_mark), "%s", problem);
        }
        return;
    }
    ld_err(ld, ld_mark_loc(ld, p->problem_mark), "syntax error: %s", problem);
    if (p->context) ld_note(ld, ld_mark_loc(ld, p->context_mark), "%s", p->context);
}

/* A first pass over libyaml's events, before it builds the document. It
 * reports the syntax error libyaml stops at, and caps what libyaml itself
 * pays for with the square of its count: its scanner walks every open flow
 * level on every token, and its composer looks anchors up one by one.
 * Returns false when the document must not be built. */
static bool prescan(Ld *ld, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        ld_oom(ld);
        return false;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, docs = 0;
    size_t anchors = 0, aliases = 0;
    bool ok = true, end = false;
    while (ok && !end) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            syntax_error(ld, &p, text, len);
            ok = false;
            break;
        }
        FdLoc at = ld_mark_loc(ld, ev.start_mark);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            end = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            /* Only the first document is read: a second would be ignored. */
            if (++docs == 2)
                ld_err(ld, at, "a topology file holds one YAML document; this is a second one");
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor != NULL
                                                     : ev.data.mapping_start.anchor != NULL)
                anchors++;
            if (++depth > MAX_NESTING) {
                ld_err(ld, at, "nested too deeply: more than %d levels", MAX_NESTING);
                ok = false;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.anchor) anchors++;
            break;
        case YAML_ALIAS_EVENT:
            aliases++;
            break;
        default:
            break;
        }
        if (anchors > MAX_ANCHORS) {
            ld_err(ld, at, "too many anchors (&name): at most %d", MAX_ANCHORS);
            ok = false;
        } else if (aliases > MAX_ALIASES) {
            ld_err(ld, at, "too many aliases (*name): at most %d", MAX_ALIASES);
            ok = false;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return ok;
}

/* Sorts the diagnostics and, on failure, empties t but for t->file, into
 * which the names of the CSV files the diagnostics mention are copied. */
static int finish(Ld *ld)
{
    Topo *t = ld->t;
    DiagList *dl = ld->dl;
    ld_sort_diags(ld);
    if (ld->errors == 0) return 0;
    size_t tl = strlen(t->file) + 1, total = tl;
    for (int j = 0; j < ld->ncsv; j++) total += strlen(ld->csv[j].path) + 1;
    char *blob = malloc(total);
    if (blob) {
        memcpy(blob, t->file, tl);
        for (size_t i = ld->start; i < dl->n; i++)
            if (dl->v[i].loc.file == t->file) dl->v[i].loc.file = blob;
    }
    size_t off = tl;
    for (int j = 0; j < ld->ncsv; j++) {
        const char *path = ld->csv[j].path;
        size_t fl = strlen(path) + 1;
        /* Without the copy, a CSV diagnostic falls back to the topology's name. */
        const char *to = blob ? blob + off : t->file;
        if (blob) memcpy(blob + off, path, fl);
        for (size_t i = ld->start; i < dl->n; i++)
            if (dl->v[i].loc.file == path) dl->v[i].loc.file = to;
        off += fl;
    }
    char *file = t->file;
    t->file = NULL;
    topo_free(t);
    if (blob) {
        free(file);
        file = blob;
    }
    t->file = file;
    return -1;
}

static int load(Topo *t, const char *text, size_t len, DiagList *dl)
{
    t->inputs = fd_digest_add(t->inputs, text, len);
    Ld ld;
    memset(&ld, 0, sizeof ld);
    ld.t = t;
    ld.dl = dl;
    ld.start = dl->n;
    const char *slash = strrchr(t->file, '/');
    size_t dirlen = slash ? (size_t)(slash - t->file) : 0;
    if (slash && dirlen == 0) dirlen = 1;     /* "/topology.yaml": the root folder */
    ld.dir = malloc(dirlen + 1);
    if (ld.dir) {
        memcpy(ld.dir, t->file, dirlen);
        ld.dir[dirlen] = '\0';
    }
    yaml_parser_t p;
    if (!ld.dir) {
        ld_oom(&ld);
    } else if (!prescan(&ld, text, len)) {
        /* reported */
    } else if (!yaml_parser_initialize(&p)) {
        ld_oom(&ld);
    } else {
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        yaml_document_t doc;
        if (!yaml_parser_load(&p, &doc)) {
            syntax_error(&ld, &p, text, len);
        } else {
            Node *root = yaml_document_get_root_node(&doc);
            if (!root) {
                ld_err(&ld, (FdLoc){ t->file, 1, 1 },
                       "the file is empty: a topology needs regions, services and sources");
            } else {
                ld.doc = &doc;
                size_t nodes = (size_t)(doc.nodes.top - doc.nodes.start);
                ld.max_visits = MAX_VISITS + MAX_VISITS_PER_NODE * nodes;
                ld_walk_root(&ld, root);
            }
            yaml_document_delete(&doc);
        }
        yaml_parser_delete(&p);
    }
    int rc = finish(&ld);
    if (ld.oom || dl->oom) rc = -3;
    free(ld.dir);
    free(ld.anchor);
    ld_table_free(&ld.reg);
    ld_table_free(&ld.svc);
    ld_table_free(&ld.cfg);
    free(ld.svc_skip);
    free(ld.cfg_skip);
    free(ld.src_skip);
    free(ld.weights_given);
    for (int j = 0; j < ld.ncsv; j++) free(ld.csv[j].path);
    free(ld.csv);
    return rc;
}

int topo_load_string(Topo *t, const char *name, const char *text, size_t len, DiagList *dl)
{
    topo_init(t);
    t->file = strdup(name);
    if (!t->file) {
        FdLoc nowhere = { NULL, 0, 0 };
        diag_error(dl, nowhere, "out of memory");
        return -3;
    }
    return load(t, text, len, dl);
}

int topo_load_file(Topo *t, const char *path, DiagList *dl)
{
    topo_init(t);
    t->file = strdup(path);
    if (!t->file) {
        FdLoc nowhere = { NULL, 0, 0 };
        diag_error(dl, nowhere, "out of memory");
        return -3;
    }
    size_t len = 0;
    int e = 0;
    char *text = ld_slurp(path, MAX_FILE_BYTES, false, &len, &e);
    if (!text) {
        FdLoc at = { t->file, 0, 0 };
        diag_error(dl, at, "cannot read the topology file: %s", strerror(e));
        return e == ENOMEM ? -3 : -2;
    }
    int rc = load(t, text, len, dl);
    free(text);
    return rc;
}
