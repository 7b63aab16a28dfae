/*
 * fspath.h: a file named by a scenario or topology, kept inside its folder.
 *
 * Scenarios and topologies are shared between teams and run in CI, so the
 * names they give (require("lib"), read_file("data.txt"), a topology's CSV
 * shape file) are untrusted. A name is refused when it is absolute, has a
 * ".." component, or when its real location, every symbolic link followed,
 * is not inside the real location of the folder it is relative to. A link
 * from one file of the folder to another stays fine.
 *
 * The check resolves the name once and hands back the resolved path, which
 * the caller opens: the folder is the user's own, so no one races it.
 */
#ifndef FD_FSPATH_H
#define FD_FSPATH_H

/* Resolves `name` relative to the folder `dir` ("" or NULL: the current
 * one). Returns 0 and a malloc'd real path in *real; FD_PATH_OUTSIDE when
 * the name leaves the folder; otherwise a positive errno (ENOENT when the
 * file does not exist, ENOMEM). */
#define FD_PATH_OUTSIDE (-1)
int fd_path_inside(const char *dir, const char *name, char **real);

#endif
