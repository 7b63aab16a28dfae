/*
 * cmd_graph.c: `firedrill graph`, a topology as a Graphviz (DOT) digraph.
 *
 * The DOT comes from model/topo_graph. With -o, the file is replaced
 * atomically: written to a temporary file in the same directory (so the
 * rename cannot cross file systems), flushed to disk, then renamed over
 * OUT. A reader (a `dot` in a watch loop, an editor preview) never sees a
 * half-written graph, and a failed run leaves the old one in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "load/topo_load.h"
#include "model/topo_graph.h"

static int cmd_graph(int argc, char **argv);

const CliCommand cli_graph = {
    "graph", "Write a topology's dependency graph as Graphviz DOT",
    "usage: firedrill graph FILE [-o OUT]\n"
    "\n"
    "Loads the topology FILE and writes its graph in DOT to stdout, or to OUT\n"
    "(replaced atomically). Render it with e.g. `dot -Tsvg -o graph.svg OUT`.\n"
    "\n"
    "Services are boxes (storage a cylinder, external a dashed ellipse) with\n"
    "their instances per region; config items are notes; traffic sources\n"
    "point at their entry service. Calls are solid arrows labelled with\n"
    "timeout and retries (dashed when optional or with a fallback); runs_on\n"
    "is dotted. Edges on a request-path cycle are red, on a recovery-path\n"
    "cycle orange.\n"
    "\n"
    "  -o OUT   write to OUT instead of stdout ('-' is stdout)\n"
    "\n"
    "Exit: 0 written; 2 errors in FILE, an unreadable file or bad usage;\n"
    "3 OUT could not be written.\n",
    cmd_graph,
};

/* Writes the DOT to a temporary file beside out, then renames it over out.
 * Returns 0, or an exit code after saying what went wrong. */
static int write_atomically(const Topo *t, const char *out)
{
    size_t len = strlen(out);
    char *tmp = malloc(len + sizeof ".XXXXXX");
    if (!tmp) {
        fprintf(stderr, "firedrill graph: out of memory\n");
        return FD_EXIT_SYSTEM;
    }
    memcpy(tmp, out, len);
    memcpy(tmp + len, ".XXXXXX", sizeof ".XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "firedrill graph: cannot create a file beside %s: %s\n", out,
                strerror(errno));
        free(tmp);
        return FD_EXIT_SYSTEM;
    }
    /* mkstemp makes the file 0600; give it the mode a plain create would. */
    mode_t mask = umask(0);
    umask(mask);
    int err = fchmod(fd, 0666 & ~mask) < 0 ? errno : 0;
    FILE *f = err ? NULL : fdopen(fd, "w");
    if (!f && !err) err = errno;
    int grc = 0;
    if (f) {
        errno = 0;
        grc = topo_graph_write(t, f);
        if (grc == -2 || fflush(f) != 0 || fsync(fileno(f)) != 0) err = errno ? errno : EIO;
        if (fclose(f) != 0 && !err) err = errno;
    } else {
        close(fd);
    }
    if (!err && grc == 0 && rename(tmp, out) != 0) err = errno;
    if (err || grc != 0) {
        unlink(tmp);
        if (grc == -1) fprintf(stderr, "firedrill graph: out of memory\n");
        else fprintf(stderr, "firedrill graph: cannot write %s: %s\n", out, strerror(err));
        free(tmp);
        return FD_EXIT_SYSTEM;
    }
    free(tmp);
    return FD_EXIT_OK;
}

static int cmd_graph(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                cli_usage_error("graph", "%s needs a file name", argv[i]);
                return FD_EXIT_USAGE;
            }
            out = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("graph", "unknown option '%s'", argv[i]);
            return FD_EXIT_USAGE;
        } else if (path) {
            cli_usage_error("graph", "expected one file, got '%s' and '%s'", path, argv[i]);
            return FD_EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        cli_usage_error("graph", "expected a topology file");
        return FD_EXIT_USAGE;
    }

    Topo t;
    topo_init(&t);
    DiagList dl;
    diag_list_init(&dl);
    int rc;
    int lrc = topo_load_file(&t, path, &dl);
    diag_list_print(&dl, stderr);
    if (lrc == -3) {
        fprintf(stderr, "firedrill graph: out of memory\n");
        rc = FD_EXIT_SYSTEM;
    } else if (lrc != 0 || dl.errors > 0) {
        rc = FD_EXIT_USAGE;
    } else if (out && strcmp(out, "-") != 0) {
        rc = write_atomically(&t, out);
    } else {
        int grc = topo_graph_write(&t, stdout);
        rc = grc == 0 ? FD_EXIT_OK : FD_EXIT_SYSTEM;
        if (grc == -1) fprintf(stderr, "firedrill graph: out of memory\n");
        else if (grc == -2) fprintf(stderr, "firedrill graph: error writing output\n");
    }
    diag_list_free(&dl);
    topo_free(&t);
    return rc;
}
