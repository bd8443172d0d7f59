/*
 * build_inputs.c - what a build compiles and links: build.sources
 * expanded and checked, build.libs and build.include_dirs as arguments,
 * and spartac's runtime with the dispatch table generated from the
 * manifest's functions.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/path.h"
#include "base/util.h"
#include "compile/build_int.h"

static void
src_add(struct build_ctx *c, const char *rel, struct loc loc, int is_runtime)
{
	struct build_src *s;
	char *flat = xstrdup(rel), *p;

	for (p = flat; *p != '\0'; p++)
		if (*p == '/')
			*p = '_';
	c->srcs = xgrow(c->srcs, &c->srccap, c->nsrcs + 1, sizeof *c->srcs);
	s = &c->srcs[c->nsrcs];
	s->rel = xstrdup(rel);
	/* A stable name per source, so objects survive to the next build; the
	 * hash of the path keeps a_b.c and a/b.c apart. */
	{
		char hex[DIGEST_HEX_LEN + 1];

		digest_sha256_hex(rel, strlen(rel), hex);
		s->obj = xasprintf("%s/obj/%s-%.8s.o", c->work, flat, hex);
		s->dep = xasprintf("%s/obj/%s-%.8s.d", c->work, flat, hex);
	}
	s->loc = loc;
	s->is_runtime = is_runtime;
	c->nsrcs++;
	free(flat);
}

static int
is_compilable(const char *rel)
{
	return str_has_suffix(rel, ".c") || str_has_suffix(rel, ".s") ||
	    str_has_suffix(rel, ".S");
}

/* s with glob(3)'s special characters escaped, to match literally. */
static char *
glob_escape(const char *s)
{
	struct buf b = {0};

	for (; *s != '\0'; s++) {
		if (strchr("*?[]\\", *s) != NULL)
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_take(&b);
}

/* A name, where it was seen first and at which manifest line, to sort
 * names and drop repeats. */
struct name_at {
	const char *name;
	size_t at;
	struct loc loc;
};

/* By name, then by position: the first of a run is the name's first use. */
static int
name_at_cmp(const void *x, const void *y)
{
	const struct name_at *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* Expands build.sources into sorted, unique project-relative paths. */
int
build_sources_collect(struct build_ctx *c)
{
	const struct manifest_strlist *sl = &c->m->build.sources;
	const char *proj = c->out->project_dir;
	size_t plen = strlen(proj), i, j, n = 0, cap = 0;
	struct {
		char *rel;
		struct loc loc;
	} *found = NULL;
	struct name_at *names;
	int errors = 0;
	glob_t g;

	for (i = 0; i < sl->n; i++) {
		const char *pat = sl->v[i];
		struct loc loc = sl->locs != NULL ? sl->locs[i] : c->m->build.loc;
		char *full, *path = xasprintf("build.sources[%zu]", i);

		/* An absolute pattern inside the project is fine; make it relative. */
		if (pat[0] == '/' && strncmp(pat, proj, plen) == 0 &&
		    pat[plen] == '/')
			pat += plen + 1;
		if (path_escapes(pat)) {
			diag_add(c->d, DIAG_BUILD_PATH_ESCAPE, loc, path,
			    "source pattern '%s' leaves the project directory %s",
			    sl->v[i], proj);
			errors++;
			free(path);
			continue;
		}
		{
			/* The project directory's name is literal, not a pattern. */
			char *lit = glob_escape(proj);

			full = xasprintf("%s/%s", lit, pat);
			free(lit);
		}
		memset(&g, 0, sizeof g);
		if (glob(full, 0, NULL, &g) == 0) {
			for (j = 0; j < g.gl_pathc; j++) {
				const char *rel = g.gl_pathv[j] + plen + 1;
				int in = path_inside(proj, g.gl_pathv[j]);

				if (in == 0) {
					diag_add(c->d, DIAG_BUILD_PATH_ESCAPE, loc,
					    path, "source '%s' resolves outside "
					    "the project directory", rel);
					errors++;
					continue;
				}
				if (!is_compilable(rel))
					continue;
				found = xgrow(found, &cap, n + 1, sizeof *found);
				found[n].rel = xstrdup(rel);
				found[n].loc = loc;
				n++;
			}
		}
		globfree(&g);
		free(full);
		free(path);
	}
	/* Sort (glob sorts by locale) and drop repeats: links in a fixed order.
	 * A file matched twice keeps the location of its first match. */
	names = xcalloc(n + 1, sizeof *names);
	for (i = 0; i < n; i++) {
		names[i].name = found[i].rel;
		names[i].at = i;
		names[i].loc = found[i].loc;
	}
	qsort(names, n, sizeof *names, name_at_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(names[i].name, names[i - 1].name) != 0)
			src_add(c, names[i].name, names[i].loc, 0);
	if (c->nsrcs == 0 && errors == 0) {
		diag_add(c->d, DIAG_BUILD_NO_SOURCES,
		    sl->node != NULL ? sl->node->loc : c->m->build.loc,
		    "build.sources", "build.sources matches no .c file under %s",
		    proj);
		errors++;
	}
	for (i = 0; i < n; i++)
		free(found[i].rel);
	free(found);
	free(names);
	return errors;
}

/* build.libs and build.include_dirs: checked, turned into arguments. */
int
build_args_collect(struct build_ctx *c)
{
	const struct manifest_build *b = &c->m->build;
	const char *proj = c->out->project_dir;
	size_t i;
	int errors = 0;

	c->libs = xcalloc(b->libs.n + 1, sizeof *c->libs);
	for (i = 0; i < b->libs.n; i++) {
		const char *l = b->libs.v[i];
		struct loc loc = b->libs.locs != NULL ? b->libs.locs[i] : b->loc;

		if (l[0] == '-') {
			c->libs[c->nlibs++] = xstrdup(l);
		} else if (strchr(l, '/') != NULL || str_has_suffix(l, ".a") ||
		    str_has_suffix(l, ".so")) {
			char *full = xasprintf("%s/%s", proj, l);

			if (path_escapes(l) || path_inside(proj, full) == 0) {
				char *path = xasprintf("build.libs[%zu]", i);

				diag_add(c->d, DIAG_BUILD_PATH_ESCAPE, loc, path,
				    "library '%s' is outside the project directory",
				    l);
				free(path);
				errors++;
			} else {
				c->libs[c->nlibs++] = xstrdup(l);
			}
			free(full);
		} else {
			c->libs[c->nlibs++] = xasprintf("-l%s", l);
		}
	}
	c->incs = xcalloc(b->include_dirs.n + 1, sizeof *c->incs);
	for (i = 0; i < b->include_dirs.n; i++) {
		const char *dir = b->include_dirs.v[i];
		struct loc loc = b->include_dirs.locs != NULL
		    ? b->include_dirs.locs[i] : b->loc;
		char *full = xasprintf("%s/%s", proj, dir);

		if (path_escapes(dir) || path_inside(proj, full) == 0) {
			char *path = xasprintf("build.include_dirs[%zu]", i);

			diag_add(c->d, DIAG_BUILD_PATH_ESCAPE, loc, path,
			    "include directory '%s' is outside the project "
			    "directory", dir);
			free(path);
			errors++;
		} else {
			c->incs[c->nincs++] = xasprintf("-I%s", dir);
		}
		free(full);
	}
	return errors;
}

/*
 * The dispatch table (runtime/dispatch.h), sorted by function name. Each
 * handler symbol is declared once, where its first function is.
 */
void
build_table_generate(struct build_ctx *c)
{
	const struct manifest *m = c->m;
	struct name_at *syms = xcalloc(m->nfunctions + 1, sizeof *syms);
	char *first = xcalloc(m->nfunctions + 1, 1);
	struct buf b = {0};
	size_t i;

	for (i = 0; i < m->nfunctions; i++) {
		syms[i].name = m->functions_sorted[i]->symbol;
		syms[i].at = i;
	}
	qsort(syms, m->nfunctions, sizeof *syms, name_at_cmp);
	for (i = 0; i < m->nfunctions; i++)
		if (i == 0 || strcmp(syms[i].name, syms[i - 1].name) != 0)
			first[syms[i].at] = 1;
	buf_puts(&b, "/* Generated by spartac from the manifest's functions. */\n"
	    "#include \"dispatch.h\"\n\n");
	for (i = 0; i < m->nfunctions; i++)
		if (first[i])
			buf_printf(&b, "sparta_handler_fn %s;\n",
			    m->functions_sorted[i]->symbol);
	/* A custom resource's entry is a wrapper: runtime/cr.c runs the
	 * symbol in a child and PUTs the reply (dispatch.h). */
	for (i = 0; i < m->nfunctions; i++)
		if (m->functions_sorted[i]->custom_resource)
			buf_printf(&b, "\nstatic int\nsparta_cr_%zu(const char *e, "
			    "size_t n, struct sparta_context *c,\n    struct "
			    "sparta_response *r)\n{\n\treturn sparta_cr_serve(%s, "
			    "e, n, c, r);\n}\n", i, m->functions_sorted[i]->symbol);
	if (m->ns3_existing > 0)
		buf_puts(&b, "\nsparta_handler_fn sparta_s3_notify;\n\n"
		    "static int\nsparta_cr_s3(const char *e, size_t n, struct "
		    "sparta_context *c,\n    struct sparta_response *r)\n{\n"
		    "\treturn sparta_cr_serve(sparta_s3_notify, e, n, c, r);\n}\n");
	buf_puts(&b, "\nconst struct sparta_handler_entry sparta_handlers[] = {\n");
	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = m->functions_sorted[i];

		if (f->custom_resource)
			buf_printf(&b, "\t{\"%s\", sparta_cr_%zu},\n", f->name, i);
		else
			buf_printf(&b, "\t{\"%s\", %s},\n", f->name, f->symbol);
	}
	if (m->ns3_existing > 0) /* the built-in one (runtime/s3notify.c) */
		buf_puts(&b, "\t{\"" MANIFEST_S3_NOTIFY_HANDLER "\", sparta_cr_s3},\n");
	buf_puts(&b, "\t{NULL, NULL},\n};\n");
	c->table = buf_take(&b);
	free(first);
	free(syms);
}

/* Writes the runtime sources and the table into work/ (only when changed). */
int
build_runtime_write(struct build_ctx *c)
{
	const struct embedded_file *e;
	char *path, *dir, *slash;
	int errors = 0;

	for (e = embedded_files; e->path != NULL; e++) {
		/* the runtime, and the spartac files it shares (SigV4) */
		if (!str_has_prefix(e->path, "src/") &&
		    !str_has_prefix(e->path, "include/sparta/"))
			continue;
		path = xasprintf("%s/work/%s", c->out->dir, e->path);
		dir = xstrdup(path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (path_mkdir_p(dir) == -1 ||
		    path_write_if_changed(path, e->data, e->len, 0644) == -1) {
			diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
			    "cannot write %s: %s", path, strerror(errno));
			errors++;
		}
		free(dir);
		free(path);
	}
	path = xasprintf("%s/work/dispatch_table.c", c->out->dir);
	if (path_write_if_changed(path, c->table, strlen(c->table), 0644) == -1) {
		diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
		    "cannot write %s: %s", path, strerror(errno));
		errors++;
	}
	free(path);
	dir = xasprintf("%s/work/obj", c->out->dir);
	if (path_mkdir_p(dir) == -1) {
		diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
		    "cannot create %s: %s", dir, strerror(errno));
		errors++;
	}
	free(dir);
	return errors;
}

/* The client (<sparta/aws.h>): its runtime files and the shared ones
 * (but base/cors.c, which every bootstrap compiles). */
static int
is_client_source(const char *path)
{
	static const char *const files[] = {
		"src/runtime/aws.c", "src/runtime/aws_hash.c",
		"src/runtime/cr.c", "src/runtime/ddb.c", "src/runtime/fetch.c",
		"src/runtime/s3notify.c",
		"src/runtime/tls.c",
	};
	size_t i;

	if (strcmp(path, "src/base/cors.c") == 0)
		return 0; /* shared with serve, used by every proxy response */
	if (!str_has_prefix(path, "src/runtime/"))
		return 1; /* src/aws/, src/base/: shared for the signer */
	for (i = 0; i < NELEM(files); i++)
		if (strcmp(path, files[i]) == 0)
			return 1;
	return 0;
}

static void
runtime_sources_add(struct build_ctx *c, int client)
{
	const struct embedded_file *e;
	char *rel;

	for (e = embedded_files; e->path != NULL; e++) {
		if (!str_has_prefix(e->path, "src/") ||
		    !str_has_suffix(e->path, ".c") ||
		    is_client_source(e->path) != client)
			continue;
		rel = xasprintf("%s/%s", c->work, e->path);
		src_add(c, rel, c->m->build.loc, 1);
		free(rel);
	}
}

/* Adds the runtime's .c files and the table to the compile list. */
void
build_runtime_sources_add(struct build_ctx *c)
{
	char *rel;

	runtime_sources_add(c, 0);
	rel = xasprintf("%s/dispatch_table.c", c->work);
	src_add(c, rel, c->m->build.loc, 1);
	free(rel);
}

void
build_client_sources_add(struct build_ctx *c)
{
	runtime_sources_add(c, 1);
}

int
build_uses_client(struct build_ctx *c)
{
	char *full, *text;
	size_t i, len;
	/* a custom resource's reply is an HTTPS PUT */
	int uses = c->m->ncustom_resources > 0 || c->m->ns3_existing > 0;

	for (i = 0; i < c->nsrcs && !uses; i++) {
		if (c->srcs[i].is_runtime)
			continue;
		full = build_proj_abs(c, c->srcs[i].dep);
		if (file_read(full, BUILD_MAX_STAMP, &text, &len) == 0) {
			uses = strstr(text, "sparta/aws.h") != NULL;
			free(text);
		}
		free(full);
	}
	return uses;
}
