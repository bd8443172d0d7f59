/*
 * archive.h - the deterministic code archive (libzip).
 *
 * The same inputs give the same bytes on any machine, in any directory and
 * time zone: entries are sorted by name (bytewise), every entry's DOS time
 * is 1980-01-01 00:00 (zip_file_set_dostime: a DOS time has no zone, unlike
 * zip_file_set_mtime, which converts through localtime), each entry's Unix
 * mode is written explicitly in the external attributes with the Unix host
 * (0755 for bootstrap: Lambda executes it), file contents are read into
 * memory so no file system time or owner leaks in, there are no directory
 * entries, and no archive comment. libzip builds the archive in memory;
 * the bytes are then written with file_write_atomic (temp + fsync + rename),
 * so a reader never sees a partial code.zip.
 */
#ifndef SPARTAC_ARCHIVE_H
#define SPARTAC_ARCHIVE_H

#include <stddef.h>

#include "base/diag.h"
#include "base/digest.h"

struct archive_item {
	char *name;    /* the path inside the ZIP, '/'-separated */
	char *path;    /* the file to read it from */
	unsigned mode; /* permission bits, e.g. 0755 */
};

/* A list of entries to write; zero-initialise it. */
struct archive {
	struct archive_item *v;
	size_t n, cap;
};

/* Adds one file (copies the strings). */
void archive_add_file(struct archive *a, const char *name, const char *path,
    unsigned mode);

/*
 * Adds every regular file under dir, named prefix + its path relative to
 * dir (prefix "" or ending in '/'). Modes are normalised: 0755 when the
 * owner may execute the file, else 0644. Symbolic links and special files
 * are refused (a link could pull in a file from outside the project): each
 * is a diagnostic at loc. Returns the number of errors added to d.
 */
int archive_add_tree(struct archive *a, const char *dir, const char *prefix,
    struct loc loc, struct diags *d);

/*
 * Sorts the entries and checks the names: a duplicate, an empty name, an
 * absolute one or one with a "." or ".." component is a diagnostic at loc.
 * Returns the number of errors added to d.
 */
int archive_check(struct archive *a, struct loc loc, struct diags *d);

/*
 * SHA-256 over what the archive would hold (names, modes, contents) and
 * the archive format version: equal hashes mean an equal code.zip, so an
 * unchanged build need not write it again. Call archive_check first.
 * Returns 0, or -1 (logged) when a file cannot be read.
 */
int archive_inputs_hash(const struct archive *a,
    char hex[DIGEST_HEX_LEN + 1]);

/*
 * Writes the ZIP to zip_path atomically and puts its SHA-256 in hex. Call
 * archive_check first. Returns 0, or -1 after logging the reason.
 */
int archive_write(const struct archive *a, const char *zip_path,
    char hex[DIGEST_HEX_LEN + 1]);

void archive_free(struct archive *a);

#endif
