/*
 * build_stamp.c - incremental builds: build.stamp says whether the whole
 * bootstrap is current, and each object's key whether it must be compiled
 * again. See build.h for what the stamp covers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/embedded.h"
#include "base/path.h"
#include "base/util.h"
#include "compile/build_int.h"

static void
digest_list(struct digest *dg, const char *what, const struct manifest_strlist *l)
{
	size_t i;

	digest_field(dg, what);
	for (i = 0; i < l->n; i++)
		digest_field(dg, l->v[i]);
}

/*
 * The key: everything that decides the bootstrap's bytes except the headers
 * (which the stamp lists separately, from the compiler's dependency output).
 */
int
build_stamp_key(struct build_ctx *c)
{
	const struct manifest_build *b = &c->m->build;
	const struct embedded_file *e;
	struct digest dg;
	char hex[DIGEST_HEX_LEN + 1];
	size_t i;

	digest_init(&dg);
	digest_field(&dg, BUILD_STAMP_FORMAT);
	digest_field(&dg, SPARTAC_VERSION);
	digest_field(&dg, c->cc);
	digest_field(&dg, build_arch_name(b->arch));
	digest_field(&dg, b->link == MANIFEST_LINK_GLIBC ? "glibc" : "static");
	digest_list(&dg, "cflags", &b->cflags);
	digest_list(&dg, "include_dirs", &b->include_dirs);
	digest_list(&dg, "libs", &b->libs);
	for (i = 0; i < c->nlibs; i++) {
		if (c->libs[i][0] == '-')
			continue;
		if (digest_file_hex(c->libs[i], hex, NULL) == 0)
			digest_field(&dg, hex);
	}
	for (e = embedded_files; e->path != NULL; e++) {
		if (!str_has_prefix(e->path, "src/") &&
		    !str_has_prefix(e->path, "include/sparta/"))
			continue;
		digest_field(&dg, e->path);
		digest_sha256_hex(e->data, e->len, hex);
		digest_field(&dg, hex);
	}
	digest_field(&dg, c->table);
	for (i = 0; i < c->nsrcs; i++) {
		char *full;

		if (c->srcs[i].is_runtime)
			continue;
		full = build_proj_abs(c, c->srcs[i].rel);
		if (digest_file_hex(full, hex, NULL) == -1) {
			diag_add(c->d, DIAG_BUILD_IO, c->srcs[i].loc,
			    "build.sources", "cannot read %s: %s",
			    c->srcs[i].rel, strerror(errno));
			free(full);
			digest_final_hex(&dg, c->key);
			return 1;
		}
		free(full);
		digest_field(&dg, c->srcs[i].rel);
		digest_field(&dg, hex);
	}
	digest_final_hex(&dg, c->key);
	return 0;
}

static char *
stamp_path(const struct build_ctx *c)
{
	return xasprintf("%s/build.stamp", c->out->dir);
}

/* Hash of a file named in the stamp (relative to the project, or absolute). */
static int
stamp_file_hex(const struct build_ctx *c, const char *p,
    char hex[DIGEST_HEX_LEN + 1])
{
	char *full = build_proj_abs(c, p);
	int rc = digest_file_hex(full, hex, NULL);

	free(full);
	return rc;
}

/*
 * A toolchain file's identity without reading it (cc1 is tens of MB): its
 * inode, size and modification time, hashed to the stamp's hex width.
 */
static int
tool_fingerprint(const char *path, char hex[DIGEST_HEX_LEN + 1])
{
	struct stat st;
	char *id;

	if (stat(path, &st) == -1)
		return -1;
	id = xasprintf("%llu %llu %lld %lld.%09ld", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	digest_sha256_hex(id, strlen(id), hex);
	free(id);
	return 0;
}

/*
 * Is the last build's stamp still true? Line by line:
 *	spartac-build-stamp 1
 *	key <hex>
 *	tool <hex> <path>    a toolchain file (fingerprint, see above)
 *	out <hex> <path>     an output, relative to the project
 *	dep <hex> <path>     a file the compiler read
 * Nothing here starts a process: an unchanged rebuild costs a few reads.
 */
int
build_stamp_is_current(const struct build_ctx *c)
{
	char *path = stamp_path(c), *text, *line, *next, *sp, *hexp;
	char hex[DIGEST_HEX_LEN + 1];
	size_t len;
	int ok = 0, nout = 0, ntool = 0, rc;

	if (file_read(path, BUILD_MAX_STAMP, &text, &len) == -1) {
		free(path);
		return 0;
	}
	free(path);
	line = text;
	next = strchr(line, '\n');
	if (next == NULL || strncmp(line, BUILD_STAMP_FORMAT "\n",
	    strlen(BUILD_STAMP_FORMAT) + 1) != 0)
		goto out;
	line = next + 1;
	if (strncmp(line, "key ", 4) != 0 ||
	    strncmp(line + 4, c->key, DIGEST_HEX_LEN) != 0 ||
	    line[4 + DIGEST_HEX_LEN] != '\n')
		goto out;
	line += 4 + DIGEST_HEX_LEN + 1;
	for (; *line != '\0'; line = next + 1) {
		if ((next = strchr(line, '\n')) == NULL)
			goto out;
		*next = '\0';
		if ((hexp = strchr(line, ' ')) == NULL)
			goto out;
		*hexp++ = '\0';
		sp = hexp + strnlen(hexp, DIGEST_HEX_LEN);
		if (sp - hexp != DIGEST_HEX_LEN || *sp != ' ')
			goto out;
		*sp = '\0';
		if (strcmp(line, "tool") == 0) {
			rc = tool_fingerprint(sp + 1, hex);
			ntool++;
		} else if (strcmp(line, "out") == 0 || strcmp(line, "dep") == 0) {
			rc = stamp_file_hex(c, sp + 1, hex);
			nout += line[0] == 'o';
		} else {
			goto out;
		}
		if (rc == -1 || strcmp(hex, hexp) != 0)
			goto out;
	}
	ok = nout > 0 && ntool > 0;
out:
	free(text);
	return ok;
}

/* Reads a make-style dependency file; adds each prerequisite to deps. */
static void
depfile_read(const struct build_ctx *c, const char *rel, struct buf *deps)
{
	char *full = build_proj_abs(c, rel);
	char *text, *p, *colon;
	struct buf tok = {0};
	size_t len;

	if (file_read(full, BUILD_MAX_STAMP, &text, &len) == -1) {
		free(full);
		return;
	}
	free(full);
	/* "target: a.c b.h \\\n c.h"; a space in a name is written "\ ". */
	colon = strstr(text, ": ");
	p = colon != NULL ? colon + 2 : text + len;
	for (;;) {
		if (*p == '\\' && p[1] == '\n') {
			p += 2;
			continue;
		}
		if (*p == '\\' && p[1] == ' ') {
			buf_putc(&tok, ' ');
			p += 2;
			continue;
		}
		if (*p == '\0' || *p == ' ' || *p == '\n' || *p == '\t') {
			if (tok.len > 0) {
				buf_puts(deps, tok.data);
				buf_putc(deps, '\n');
				tok.len = 0;
			}
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		buf_putc(&tok, *p++);
	}
	buf_free(&tok);
	free(text);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
build_stamp_write(struct build_ctx *c, char **outs, size_t nouts)
{
	struct buf b = {0}, deps = {0};
	char hex[DIGEST_HEX_LEN + 1], *path, **list, *p;
	size_t i, n = 0, cap = 0;
	int rc;

	buf_printf(&b, "%s\nkey %s\n", BUILD_STAMP_FORMAT, c->key);
	for (i = 0; i < c->ntools; i++) {
		if (tool_fingerprint(c->tools[i], hex) == 0)
			buf_printf(&b, "tool %s %s\n", hex, c->tools[i]);
	}
	for (i = 0; i < nouts; i++) {
		if (stamp_file_hex(c, outs[i], hex) == 0)
			buf_printf(&b, "out %s %s\n", hex, outs[i]);
	}
	for (i = 0; i < c->nsrcs; i++)
		depfile_read(c, c->srcs[i].dep, &deps);
	list = NULL;
	for (p = deps.data; p != NULL && *p != '\0';) {
		char *nl = strchr(p, '\n');

		*nl = '\0';
		list = xgrow(list, &cap, n + 1, sizeof *list);
		list[n++] = p;
		p = nl + 1;
	}
	if (n > 1)
		qsort(list, n, sizeof *list, str_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(list[i], list[i - 1]) == 0)
			continue;
		if (strchr(list[i], '\n') != NULL)
			continue;
		if (stamp_file_hex(c, list[i], hex) == 0)
			buf_printf(&b, "dep %s %s\n", hex, list[i]);
	}
	free(list);
	buf_free(&deps);
	path = stamp_path(c);
	rc = path_write_if_changed(path, b.data, b.len, 0644);
	if (rc == -1)
		log_error("cannot write %s: %s", path, strerror(errno));
	free(path);
	buf_free(&b);
	return rc;
}

/*
 * An object's key: the compiler (its files' fingerprints), the exact
 * command line, and the contents of every file the last compile of it read
 * (its -MD output, which starts with the source). 0, or -1 when there is
 * no earlier compile to compare with.
 */
static int
object_key(struct build_ctx *c, const struct build_src *s,
    char hex[DIGEST_HEX_LEN + 1])
{
	const char **argv = build_compile_argv(c, s);
	struct buf deps = {0};
	struct digest dg;
	char fhex[DIGEST_HEX_LEN + 1], *p, *nl;
	size_t i;
	int rc = 0;

	digest_init(&dg);
	digest_field(&dg, BUILD_STAMP_FORMAT);
	for (i = 0; i < c->ntools; i++) {
		digest_field(&dg, c->tools[i]);
		if (tool_fingerprint(c->tools[i], fhex) == 0)
			digest_field(&dg, fhex);
	}
	for (i = 0; argv[i] != NULL; i++)
		digest_field(&dg, argv[i]);
	free(argv);
	depfile_read(c, s->dep, &deps);
	if (deps.len == 0)
		rc = -1;
	for (p = deps.data; rc == 0 && p != NULL && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (stamp_file_hex(c, p, fhex) == -1) {
			rc = -1;
			break;
		}
		digest_field(&dg, p);
		digest_field(&dg, fhex);
	}
	buf_free(&deps);
	digest_final_hex(&dg, hex);
	return rc;
}

/* Is s's object from an earlier build still what compiling would give? */
int
build_object_is_current(struct build_ctx *c, const struct build_src *s)
{
	char hex[DIGEST_HEX_LEN + 1], *key_path, *obj, *old = NULL;
	size_t len;
	int ok;

	key_path = xasprintf("%s.key", s->obj);
	{
		char *abs = build_proj_abs(c, key_path);

		free(key_path);
		key_path = abs;
	}
	obj = build_proj_abs(c, s->obj);
	ok = access(obj, R_OK) == 0 && object_key(c, s, hex) == 0 &&
	    file_read(key_path, 1024, &old, &len) == 0 &&
	    len == DIGEST_HEX_LEN + 1 && strncmp(old, hex, DIGEST_HEX_LEN) == 0;
	free(old);
	free(obj);
	free(key_path);
	return ok;
}

/* Records s's key after a successful compile (or forgets it after a failure). */
void
build_object_key_write(struct build_ctx *c, const struct build_src *s, int ok)
{
	char hex[DIGEST_HEX_LEN + 1], *rel = xasprintf("%s.key", s->obj);
	char *path = build_proj_abs(c, rel), *line;

	free(rel);
	if (ok && object_key(c, s, hex) == 0) {
		line = xasprintf("%s\n", hex);
		if (file_write_atomic(path, line, strlen(line), 0644) == -1)
			unlink(path);
		free(line);
	} else {
		unlink(path);
	}
	free(path);
}

