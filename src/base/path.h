/*
 * path.h - paths and directory trees on the local file system: resolving
 * a path inside a project root, mkdir -p, rm -r, and writing a file only
 * when its content changes.
 */
#ifndef SPARTAC_PATH_H
#define SPARTAC_PATH_H

#include <stddef.h>

/*
 * Resolves path (symbolic links included) and says whether it lies inside
 * root_real (an already resolved directory): 1 inside, 0 outside, -1 when
 * the path does not exist or cannot be resolved.
 */
int path_inside(const char *root_real, const char *path);

/*
 * Does a relative path written by the user lexically leave its directory
 * (absolute, or a ".." component)? Symbolic links are path_inside's job.
 */
int path_escapes(const char *p);

/* The directory part of path: "." without a '/', "/" for "/x". */
char *path_dir_alloc(const char *path);

/*
 * The executable a name runs: itself resolved when it has a '/', else the
 * first executable match in PATH (default "/usr/bin:/bin"), resolved.
 * NULL when there is none.
 */
char *path_exec_lookup(const char *name);

/* mkdir -p with mode 0755. 0, or -1 with errno set by the failing mkdir. */
int path_mkdir_p(const char *path);

/* rm -r: 0 when path is gone (or never was), -1 when something stayed. */
int path_remove_tree(const char *path);

/*
 * Writes data to path atomically (file_write_atomic) unless the file
 * already holds exactly it, so unchanged files keep their times; a file
 * with the right content and another mode is only chmod'ed. 0 or -1.
 */
int path_write_if_changed(const char *path, const void *data, size_t len,
    int mode);

#endif
