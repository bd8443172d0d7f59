/*
 * build_glibc.c - glibc link mode: no symbol of the bootstrap or of a
 * bundled library may need a glibc newer than Amazon Linux 2023's, and
 * every shared object the bootstrap needs that is not part of glibc is
 * copied into .spartac/lib/ (the bootstrap's rpath is $ORIGIN/lib).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/path.h"
#include "base/proc.h"
#include "base/util.h"
#include "compile/build_int.h"
#include "compile/elfsym.h"

/* Amazon Linux 2023's glibc: no symbol may need a newer one. */
#define BUILD_GLIBC_MAX_MAJOR 2
#define BUILD_GLIBC_MAX_MINOR 34

/* Shared objects that are part of glibc: the target system provides them. */
static const char *const glibc_sonames[] = {
	"ld-linux-aarch64.so.1", "ld-linux-x86-64.so.2", "libBrokenLocale.so.1",
	"libanl.so.1", "libc.so.6", "libc_malloc_debug.so.0", "libdl.so.2",
	"libm.so.6", "libmvec.so.1", "libpthread.so.0", "libresolv.so.2",
	"librt.so.1", "libthread_db.so.1", "libutil.so.1",
};

static int
is_glibc_soname(const char *name)
{
	size_t i;

	if (str_has_prefix(name, "libnss_"))
		return 1;
	for (i = 0; i < NELEM(glibc_sonames); i++)
		if (strcmp(name, glibc_sonames[i]) == 0)
			return 1;
	return 0;
}

/* Is "GLIBC_x.y[.z]" newer than the ceiling? Named non-numeric ones are. */
static int
glibc_version_too_new(const char *v)
{
	unsigned long major, minor;
	char *end;

	if (!str_has_prefix(v, "GLIBC_"))
		return 0;
	v += 6;
	if (*v < '0' || *v > '9')
		return 1; /* GLIBC_PRIVATE, GLIBC_ABI_DT_RELR (2.36) */
	major = strtoul(v, &end, 10);
	minor = *end == '.' ? strtoul(end + 1, &end, 10) : 0;
	return major > BUILD_GLIBC_MAX_MAJOR ||
	    (major == BUILD_GLIBC_MAX_MAJOR && minor > BUILD_GLIBC_MAX_MINOR);
}

/* Reports every symbol (or bare version need) of file above the ceiling. */
static int
glibc_check(struct build_ctx *c, const char *what, const struct elf_info *info)
{
	size_t i, j;
	int errors = 0, named;

	for (i = 0; i < info->nverneed; i++) {
		const struct elf_verneed *v = &info->verneed[i];

		if (!is_glibc_soname(v->file) || !glibc_version_too_new(v->version))
			continue;
		named = 0;
		for (j = 0; j < info->nsyms; j++) {
			const struct elf_sym *s = &info->syms[j];

			if (s->defined || s->version == NULL ||
			    strcmp(s->version, v->version) != 0)
				continue;
			diag_add(c->d, DIAG_BUILD_GLIBC_SYMBOL, c->m->build.loc,
			    "build", "%s needs %s@%s from %s; Amazon Linux 2023 "
			    "has glibc %d.%d", what, s->name, v->version, v->file,
			    BUILD_GLIBC_MAX_MAJOR, BUILD_GLIBC_MAX_MINOR);
			errors++;
			named = 1;
		}
		if (!named) {
			diag_add(c->d, DIAG_BUILD_GLIBC_SYMBOL, c->m->build.loc,
			    "build", "%s needs version %s of %s; Amazon Linux 2023 "
			    "has glibc %d.%d", what, v->version, v->file,
			    BUILD_GLIBC_MAX_MAJOR, BUILD_GLIBC_MAX_MINOR);
			errors++;
		}
	}
	return errors;
}

/* The compiler's library directories, plus -L directories of build.libs. */
static char **
libdirs_alloc(struct build_ctx *c, size_t *n)
{
	const char *argv[] = {c->cc, "-print-search-dirs", NULL};
	struct buf b = {0};
	char **dirs = NULL, *line, *p, *colon;
	size_t cap = 0, i;
	int status;

	*n = 0;
	for (i = 0; i < c->nlibs; i++) {
		if (str_has_prefix(c->libs[i], "-L") && c->libs[i][2] != '\0') {
			dirs = xgrow(dirs, &cap, *n + 1, sizeof *dirs);
			dirs[(*n)++] = c->libs[i][2] == '/' ? xstrdup(c->libs[i] + 2)
			    : xasprintf("%s/%s", c->out->project_dir, c->libs[i] + 2);
		}
	}
	if (proc_run(argv, NULL, NULL, PROC_NULL_STDIN, &b, &status) == 0 &&
	    proc_status_ok(status) && b.data != NULL &&
	    (line = strstr(b.data, "libraries: =")) != NULL) {
		line += strlen("libraries: =");
		if ((p = strchr(line, '\n')) != NULL)
			*p = '\0';
		for (p = line; *p != '\0'; p = colon + 1) {
			colon = strchr(p, ':');
			if (colon == NULL)
				colon = p + strlen(p);
			if (colon > p) {
				dirs = xgrow(dirs, &cap, *n + 1, sizeof *dirs);
				dirs[(*n)++] = xstrndup(p, (size_t)(colon - p));
			}
			if (*colon == '\0')
				break;
		}
	}
	buf_free(&b);
	return dirs;
}

/*
 * glibc mode: refuses symbols newer than the ceiling, then copies every
 * non-glibc shared object the bootstrap needs (transitively) into
 * .spartac/lib/. The names of the copies are appended to outs.
 */
int
build_glibc_bundle(struct build_ctx *c, const char *linked, char ***outs,
    size_t *nouts)
{
	struct elf_info info;
	char **queue = NULL, **dirs, *err = NULL, *libdir;
	size_t nq = 0, qcap = 0, ndirs, i, j, k, ocap = *nouts;
	int errors = 0;

	if (elf_info_read(linked, ELFSYM_DYNAMIC, &info, &err) == -1) {
		diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
		    "cannot read %s: %s", linked, err);
		free(err);
		return 1;
	}
	errors += glibc_check(c, "the bootstrap", &info);
	for (i = 0; i < info.nneeded; i++) {
		queue = xgrow(queue, &qcap, nq + 1, sizeof *queue);
		queue[nq++] = xstrdup(info.needed[i]);
	}
	elf_info_free(&info);
	dirs = libdirs_alloc(c, &ndirs);
	libdir = xasprintf("%s/lib", c->out->dir);
	path_remove_tree(libdir);
	for (i = 0; i < nq; i++) {
		char *found = NULL, *data, *dest;
		size_t len;
		int dup = 0;

		for (j = 0; j < i; j++)
			dup |= strcmp(queue[j], queue[i]) == 0;
		if (dup || is_glibc_soname(queue[i]))
			continue;
		for (j = 0; j < ndirs && found == NULL; j++) {
			char *cand = xasprintf("%s/%s", dirs[j], queue[i]);

			if (access(cand, R_OK) == 0)
				found = cand;
			else
				free(cand);
		}
		if (found == NULL) {
			diag_add(c->d, DIAG_BUILD_LIBRARY, c->m->build.loc,
			    "build.libs", "shared library %s, needed by the "
			    "bootstrap, was not found in the compiler's library "
			    "directories", queue[i]);
			errors++;
			continue;
		}
		if (elf_info_read(found, ELFSYM_DYNAMIC, &info, &err) == -1) {
			diag_add(c->d, DIAG_BUILD_LIBRARY, c->m->build.loc,
			    "build.libs", "cannot read %s: %s", found, err);
			free(err);
			err = NULL;
			free(found);
			errors++;
			continue;
		}
		{
			char *what = xasprintf("bundled library %s", queue[i]);

			errors += glibc_check(c, what, &info);
			free(what);
		}
		for (k = 0; k < info.nneeded; k++) {
			queue = xgrow(queue, &qcap, nq + 1, sizeof *queue);
			queue[nq++] = xstrdup(info.needed[k]);
		}
		elf_info_free(&info);
		dest = xasprintf("%s/%s", libdir, queue[i]);
		if (path_mkdir_p(libdir) == -1 ||
		    file_read(found, (size_t)1 << 30, &data, &len) == -1) {
			diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
			    "cannot copy %s: %s", found, strerror(errno));
			errors++;
		} else {
			if (file_write_atomic(dest, data, len, 0755) == -1) {
				diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc,
				    "build", "cannot write %s: %s", dest,
				    strerror(errno));
				errors++;
			}
			free(data);
			*outs = xgrow(*outs, &ocap, *nouts + 1, sizeof **outs);
			(*outs)[(*nouts)++] = build_proj_rel(c, dest);
		}
		free(dest);
		free(found);
	}
	for (i = 0; i < nq; i++)
		free(queue[i]);
	free(queue);
	for (i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(libdir);
	return errors;
}

