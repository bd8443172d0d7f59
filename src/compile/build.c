/* build.c - see build.h. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "compile/archive.h"
#include "compile/build.h"
#include "base/meter.h"
#include "compile/elfsym.h"
#include "base/embedded.h"
#include "base/proc.h"
#include "compile/site.h"
#include "base/util.h"

/* Bump when what goes into a bootstrap changes in a way the key misses. */
#define BUILD_STAMP_FORMAT "spartac-build-stamp 1"

/* Amazon Linux 2023's glibc: no symbol may need a newer one. */
#define BUILD_GLIBC_MAX_MAJOR 2
#define BUILD_GLIBC_MAX_MINOR 34

#define BUILD_MAX_SOURCE ((size_t)64 * 1024 * 1024)
#define BUILD_MAX_STAMP ((size_t)4 * 1024 * 1024)

/* Flags the runtime is compiled with (the contract in runtime/dispatch.h). */
static const char *const runtime_cflags[] = {
	"-std=c11", "-O2", "-D_POSIX_C_SOURCE=200809L",
};

/* Added to every compile: dead-code removal at link keeps the ZIP small. */
static const char *const common_cflags[] = {
	"-ffunction-sections", "-fdata-sections",
};

/* Shared objects that are part of glibc: the target system provides them. */
static const char *const glibc_sonames[] = {
	"ld-linux-aarch64.so.1", "ld-linux-x86-64.so.2", "libBrokenLocale.so.1",
	"libanl.so.1", "libc.so.6", "libc_malloc_debug.so.0", "libdl.so.2",
	"libm.so.6", "libmvec.so.1", "libpthread.so.0", "libresolv.so.2",
	"librt.so.1", "libthread_db.so.1", "libutil.so.1",
};

/* One file to compile. */
struct build_src {
	char *rel;      /* relative to the project */
	char *obj;      /* relative to the project: .spartac/work/obj/... */
	char *dep;      /* its -MD output */
	struct loc loc; /* the build.sources entry that matched it */
	int is_runtime; /* spartac's runtime or the dispatch table */
};

/* What one build works with; freed by ctx_free. */
struct build_ctx {
	const struct manifest *m;
	struct build_out *out;
	struct diags *d;
	const char *cc;
	char **tools;    /* files that identify the toolchain (stat-checked) */
	size_t ntools, toolcap;
	char *work;     /* relative to the project: .spartac/work */
	char *table;    /* the generated dispatch table source */
	struct build_src *srcs;
	size_t nsrcs, srccap;
	char **libs;    /* link arguments for build.libs */
	size_t nlibs;
	char **incs;    /* -I arguments for build.include_dirs */
	size_t nincs;
	char *prefix_map; /* -ffile-prefix-map=<project>=. */
	char *out_map;    /* -ffile-prefix-map=<out dir>=.spartac */
	char *inc_api;    /* -I<work>/include: sparta/lambda.h */
	char *inc_rt;     /* -I<work>/src/runtime: the runtime's headers */
	char key[DIGEST_HEX_LEN + 1];
};

static const char *
arch_name(enum manifest_arch arch)
{
	return arch == MANIFEST_ARCH_ARM64 ? "arm64" : "x86_64";
}

static int
host_is_arm64(void)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0;
}

const char *
build_compiler(enum manifest_arch arch, enum manifest_link link)
{
	const char *cc = getenv("SPARTAC_CC");
	int native = (arch == MANIFEST_ARCH_ARM64) == host_is_arm64();

	if (cc != NULL && *cc != '\0')
		return cc;
	if (link == MANIFEST_LINK_STATIC)
		/* Debian: musl-tools gives musl-gcc; musl-dev:arm64 gives
		 * aarch64-linux-musl-gcc, a wrapper over gcc-aarch64-linux-gnu. */
		return native ? "musl-gcc"
		    : arch == MANIFEST_ARCH_ARM64 ? "aarch64-linux-musl-gcc"
		    : "x86_64-linux-musl-gcc";
	return native ? "gcc"
	    : arch == MANIFEST_ARCH_ARM64 ? "aarch64-linux-gnu-gcc"
	    : "x86_64-linux-gnu-gcc";
}

int
build_path_inside(const char *root_real, const char *path)
{
	char *real = realpath(path, NULL);
	size_t n = strlen(root_real);
	int inside;

	if (real == NULL)
		return -1;
	inside = strcmp(real, root_real) == 0 ||
	    (strncmp(real, root_real, n) == 0 &&
	    (real[n] == '/' || (n == 1 && root_real[0] == '/')));
	free(real);
	return inside;
}

/* A path written in the manifest that lexically leaves the project. */
static int
path_escapes(const char *p)
{
	const char *s = p;

	if (*p == '/')
		return 1;
	while (*s != '\0') {
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0'))
			return 1;
		s = strchr(s, '/');
		if (s == NULL)
			break;
		s++;
	}
	return 0;
}

static int
mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0755) == -1 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Writes data unless the file already holds exactly it (file times stay). */
static int
write_if_changed(const char *path, const void *data, size_t len, int mode)
{
	struct stat st;
	char *old;
	size_t oldlen;
	int same = 0;

	if (stat(path, &st) == 0 && (size_t)st.st_size == len &&
	    file_read(path, len + 1, &old, &oldlen) == 0) {
		same = oldlen == len && memcmp(old, data, len) == 0;
		free(old);
		if (same && (st.st_mode & 07777) != (mode_t)mode)
			same = chmod(path, (mode_t)mode) == 0;
	}
	return same ? 0 : file_write_atomic(path, data, len, mode);
}

/* Removes a directory tree (ours: .spartac/work/staging, .spartac/lib). */
static int
remove_tree(const char *path)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	char *p;
	int rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", path, de->d_name);
		if (remove_tree(p) == -1)
			rc = -1;
		free(p);
	}
	closedir(dp);
	if (rmdir(path) == -1)
		rc = -1;
	return rc;
}

/* ---- paths ---- */

int
build_out_init(struct build_out *out, const char *manifest_path)
{
	char *copy = xstrdup(manifest_path), *slash, *dir;

	memset(out, 0, sizeof *out);
	slash = strrchr(copy, '/');
	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == copy)
		dir = xstrdup("/");
	else
		dir = xstrndup(copy, (size_t)(slash - copy));
	free(copy);
	out->project_dir = realpath(dir, NULL);
	if (out->project_dir == NULL) {
		log_error("cannot resolve the project directory %s: %s", dir,
		    strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	out->dir = xasprintf("%s/.spartac", out->project_dir);
	out->bootstrap_path = xasprintf("%s/bootstrap", out->dir);
	out->archive_path = xasprintf("%s/code.zip", out->dir);
	out->sha256_path = xasprintf("%s/code.sha256", out->dir);
	out->template_path = xasprintf("%s/template.json", out->dir);
	out->site_path = xasprintf("%s/site.json", out->dir);
	{
		char *work = xasprintf("%s/work", out->dir);
		int rc = mkdir_p(work);

		if (rc == -1)
			log_error("cannot create %s: %s", work, strerror(errno));
		free(work);
		if (rc == -1)
			return -1;
	}
	return 0;
}

void
build_out_free(struct build_out *out)
{
	free(out->project_dir);
	free(out->dir);
	free(out->bootstrap_path);
	free(out->archive_path);
	free(out->sha256_path);
	free(out->template_path);
	free(out->site_path);
	memset(out, 0, sizeof *out);
}

void
build_hook_env(const struct build_out *out, struct hook_env *env)
{
	memset(env, 0, sizeof *env);
	env->project_dir = out->project_dir;
	env->build_dir = out->dir;
	env->template_path = out->template_path;
	env->archive_path = out->archive_path;
}

/* ---- context ---- */

static void
ctx_free(struct build_ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsrcs; i++) {
		free(c->srcs[i].rel);
		free(c->srcs[i].obj);
		free(c->srcs[i].dep);
	}
	free(c->srcs);
	for (i = 0; i < c->nlibs; i++)
		free(c->libs[i]);
	free(c->libs);
	for (i = 0; i < c->nincs; i++)
		free(c->incs[i]);
	free(c->incs);
	for (i = 0; i < c->ntools; i++)
		free(c->tools[i]);
	free(c->tools);
	free(c->work);
	free(c->table);
	free(c->prefix_map);
	free(c->out_map);
	free(c->inc_api);
	free(c->inc_rt);
}

/* A path as the compiler sees it (relative to the project) made absolute. */
static char *
proj_abs(const struct build_ctx *c, const char *p)
{
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", c->out->project_dir, p);
}

/*
 * The path to give the compiler and the stamp for an absolute path:
 * relative to the project when inside it (so no build directory leaks
 * into the output), else absolute (-o DIR elsewhere; out_map covers it).
 */
static char *
proj_rel(const struct build_ctx *c, const char *abs)
{
	size_t n = strlen(c->out->project_dir);

	if (strncmp(abs, c->out->project_dir, n) == 0 && abs[n] == '/')
		return xstrdup(abs + n + 1);
	return xstrdup(abs);
}

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
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
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

/* Expands build.sources into sorted, unique project-relative paths. */
static int
sources_collect(struct build_ctx *c)
{
	const struct manifest_strlist *sl = &c->m->build.sources;
	const char *proj = c->out->project_dir;
	size_t plen = strlen(proj), i, j, n = 0, cap = 0;
	struct {
		char *rel;
		struct loc loc;
	} *found = NULL;
	char **names;
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
				int in = build_path_inside(proj, g.gl_pathv[j]);

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
	/* Sort (glob sorts by locale) and drop repeats: links in a fixed order. */
	names = xcalloc(n + 1, sizeof *names);
	for (i = 0; i < n; i++)
		names[i] = found[i].rel;
	qsort(names, n, sizeof *names, str_cmp);
	for (i = 0; i < n; i++) {
		struct loc loc = c->m->build.loc;

		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		for (j = 0; j < n; j++)
			if (found[j].rel == names[i])
				loc = found[j].loc;
		src_add(c, names[i], loc, 0);
	}
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
static int
args_collect(struct build_ctx *c)
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

			if (path_escapes(l) || build_path_inside(proj, full) == 0) {
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

		if (path_escapes(dir) || build_path_inside(proj, full) == 0) {
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

/* The executable name would run: itself when it has a '/', else PATH's. */
static char *
path_lookup(const char *name)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *cand;

	if (strchr(name, '/') != NULL)
		return realpath(name, NULL);
	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		cand = xasprintf("%.*s/%s", (int)(colon - p), colon > p ? p : ".",
		    name);
		if (access(cand, X_OK) == 0) {
			char *real = realpath(cand, NULL);

			free(cand);
			return real;
		}
		free(cand);
		if (*colon == '\0')
			return NULL;
	}
}

static void
tool_add(struct build_ctx *c, char *real)
{
	size_t i;

	if (real == NULL)
		return;
	for (i = 0; i < c->ntools; i++)
		if (strcmp(c->tools[i], real) == 0) {
			free(real);
			return;
		}
	c->tools = xgrow(c->tools, &c->toolcap, c->ntools + 1, sizeof *c->tools);
	c->tools[c->ntools++] = real;
}

/* Runs cc with one argument; its output (stdout and stderr) or NULL. */
static char *
compiler_query(struct build_ctx *c, const char *arg)
{
	const char *argv[] = {c->cc, arg, NULL};
	struct buf b = {0};
	int status;

	if (proc_run(argv, NULL, NULL, PROC_CAPTURE_STDERR | PROC_NULL_STDIN,
	    &b, &status) == -1 || !proc_status_ok(status)) {
		buf_free(&b);
		return NULL;
	}
	return b.data != NULL ? buf_take(&b) : xstrdup("");
}

/*
 * Finds the files that make up the toolchain: the compiler command (often
 * a wrapper script such as musl-gcc), the gcc driver it runs, cc1, and the
 * specs files. The stamp records their sizes and times, so an unchanged
 * rebuild can tell a compiler upgrade without starting the compiler.
 */
static int
compiler_identify(struct build_ctx *c)
{
	char *v, *p, *e, *cc1, *real;

	if ((v = compiler_query(c, "-v")) == NULL) {
		real = path_lookup(c->cc);
		diag_add(c->d, DIAG_BUILD_TOOLCHAIN, c->m->build.loc, "build",
		    "compiler '%s' for %s %s builds %s", c->cc,
		    arch_name(c->m->build.arch),
		    c->m->build.link == MANIFEST_LINK_GLIBC ? "glibc" : "static",
		    real != NULL ? "does not run" : "is not installed");
		free(real);
		return 1;
	}
	tool_add(c, path_lookup(c->cc));
	/* Lines such as "Reading specs from X" and "COLLECT_GCC=Y". */
	for (p = v; *p != '\0'; p = e) {
		e = p + strcspn(p, "\n");
		if (*e != '\0')
			*e++ = '\0';
		if (str_has_prefix(p, "Reading specs from "))
			tool_add(c, realpath(p + strlen("Reading specs from "), NULL));
		else if (str_has_prefix(p, "COLLECT_GCC="))
			tool_add(c, path_lookup(p + strlen("COLLECT_GCC=")));
	}
	free(v);
	if ((cc1 = compiler_query(c, "-print-prog-name=cc1")) != NULL) {
		cc1[strcspn(cc1, "\n")] = '\0';
		tool_add(c, realpath(cc1, NULL));
	}
	free(cc1);
	return 0;
}

/* The dispatch table (runtime/dispatch.h), sorted by function name. */
static void
table_generate(struct build_ctx *c)
{
	const struct manifest *m = c->m;
	struct buf b = {0};
	size_t i, j;

	buf_puts(&b, "/* Generated by spartac from the manifest's functions. */\n"
	    "#include \"dispatch.h\"\n\n");
	for (i = 0; i < m->nfunctions; i++) {
		const char *sym = m->functions_sorted[i]->symbol;
		int seen = 0;

		for (j = 0; j < i; j++)
			if (strcmp(m->functions_sorted[j]->symbol, sym) == 0)
				seen = 1;
		if (!seen)
			buf_printf(&b, "sparta_handler_fn %s;\n", sym);
	}
	buf_puts(&b, "\nconst struct sparta_handler_entry sparta_handlers[] = {\n");
	for (i = 0; i < m->nfunctions; i++)
		buf_printf(&b, "\t{\"%s\", %s},\n", m->functions_sorted[i]->name,
		    m->functions_sorted[i]->symbol);
	buf_puts(&b, "\t{NULL, NULL},\n};\n");
	c->table = buf_take(&b);
}

/* Writes the runtime sources and the table into work/ (only when changed). */
static int
runtime_write(struct build_ctx *c)
{
	const struct embedded_file *e;
	char *path, *dir, *slash;
	int errors = 0;

	for (e = embedded_files; e->path != NULL; e++) {
		if (!str_has_prefix(e->path, "src/runtime/") &&
		    !str_has_prefix(e->path, "include/sparta/"))
			continue;
		path = xasprintf("%s/work/%s", c->out->dir, e->path);
		dir = xstrdup(path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (mkdir_p(dir) == -1 ||
		    write_if_changed(path, e->data, e->len, 0644) == -1) {
			diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
			    "cannot write %s: %s", path, strerror(errno));
			errors++;
		}
		free(dir);
		free(path);
	}
	path = xasprintf("%s/work/dispatch_table.c", c->out->dir);
	if (write_if_changed(path, c->table, strlen(c->table), 0644) == -1) {
		diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
		    "cannot write %s: %s", path, strerror(errno));
		errors++;
	}
	free(path);
	dir = xasprintf("%s/work/obj", c->out->dir);
	if (mkdir_p(dir) == -1) {
		diag_add(c->d, DIAG_BUILD_IO, c->m->build.loc, "build",
		    "cannot create %s: %s", dir, strerror(errno));
		errors++;
	}
	free(dir);
	return errors;
}

/* Adds the runtime's .c files and the table to the compile list. */
static void
runtime_sources_add(struct build_ctx *c)
{
	const struct embedded_file *e;
	char *rel;

	for (e = embedded_files; e->path != NULL; e++) {
		if (!str_has_prefix(e->path, "src/runtime/") ||
		    !str_has_suffix(e->path, ".c"))
			continue;
		rel = xasprintf("%s/%s", c->work, e->path);
		src_add(c, rel, c->m->build.loc, 1);
		free(rel);
	}
	rel = xasprintf("%s/dispatch_table.c", c->work);
	src_add(c, rel, c->m->build.loc, 1);
	free(rel);
}

/* ---- the stamp ---- */

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
static int
stamp_key(struct build_ctx *c)
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
	digest_field(&dg, arch_name(b->arch));
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
		if (!str_has_prefix(e->path, "src/runtime/") &&
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
		full = proj_abs(c, c->srcs[i].rel);
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
	char *full = proj_abs(c, p);
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
static int
stamp_is_current(const struct build_ctx *c)
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
	char *full = proj_abs(c, rel);
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
stamp_write(struct build_ctx *c, char **outs, size_t nouts)
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
	rc = write_if_changed(path, b.data, b.len, 0644);
	if (rc == -1)
		log_error("cannot write %s: %s", path, strerror(errno));
	free(path);
	buf_free(&b);
	return rc;
}

/* ---- compile and link ---- */

/* Runs argv in the project directory, output to stderr. 0: success. */
static int
run_tool(struct build_ctx *c, const char **argv, int *status)
{
	char *cmd;

	if (log_get_level() >= LOG_DEBUG) {
		cmd = proc_argv_join(argv);
		log_debug("%s", cmd);
		free(cmd);
	}
	fflush(stdout);
	fflush(stderr);
	if (proc_run(argv, c->out->project_dir, NULL,
	    PROC_STDOUT_TO_STDERR | PROC_NULL_STDIN, NULL, status) == -1)
		return -1;
	return proc_status_ok(*status) ? 0 : 1;
}

/* The compiler's argv for one source; free the array (not its strings). */
static const char **
compile_argv(struct build_ctx *c, const struct build_src *s)
{
	const struct manifest_build *b = &c->m->build;
	const char **argv;
	size_t n = 0, i;

	argv = xcalloc(32 + b->cflags.n + c->nincs, sizeof *argv);
	argv[n++] = c->cc;
	if (s->is_runtime) {
		for (i = 0; i < NELEM(runtime_cflags); i++)
			argv[n++] = runtime_cflags[i];
	} else {
		for (i = 0; i < b->cflags.n; i++)
			argv[n++] = b->cflags.v[i];
	}
	for (i = 0; i < NELEM(common_cflags); i++)
		argv[n++] = common_cflags[i];
	/* GCC applies the last matching map: the out dir's, when inside. */
	argv[n++] = c->prefix_map;
	argv[n++] = c->out_map;
	argv[n++] = c->inc_api;
	if (s->is_runtime)
		argv[n++] = c->inc_rt;
	else
		for (i = 0; i < c->nincs; i++)
			argv[n++] = c->incs[i];
	argv[n++] = "-MD";
	argv[n++] = "-MF";
	argv[n++] = s->dep;
	argv[n++] = "-c";
	argv[n++] = s->rel;
	argv[n++] = "-o";
	argv[n++] = s->obj;
	argv[n] = NULL;
	return argv;
}

/* Copies a compile log to stderr, as the compiler wrote it. */
static void
log_pass_through(const char *path)
{
	char *text;
	size_t len;

	if (file_read(path, (size_t)16 << 20, &text, &len) == 0) {
		fflush(stderr);
		if (len > 0)
			fwrite(text, 1, len, stderr);
		fflush(stderr);
		free(text);
	}
	unlink(path);
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
	const char **argv = compile_argv(c, s);
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
static int
object_is_current(struct build_ctx *c, const struct build_src *s)
{
	char hex[DIGEST_HEX_LEN + 1], *key_path, *obj, *old = NULL;
	size_t len;
	int ok;

	key_path = xasprintf("%s.key", s->obj);
	{
		char *abs = proj_abs(c, key_path);

		free(key_path);
		key_path = abs;
	}
	obj = proj_abs(c, s->obj);
	ok = access(obj, R_OK) == 0 && object_key(c, s, hex) == 0 &&
	    file_read(key_path, 1024, &old, &len) == 0 &&
	    len == DIGEST_HEX_LEN + 1 && strncmp(old, hex, DIGEST_HEX_LEN) == 0;
	free(old);
	free(obj);
	free(key_path);
	return ok;
}

/* Records s's key after a successful compile (or forgets it after a failure). */
static void
object_key_write(struct build_ctx *c, const struct build_src *s, int ok)
{
	char hex[DIGEST_HEX_LEN + 1], *rel = xasprintf("%s.key", s->obj);
	char *path = proj_abs(c, rel), *line;

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

/*
 * Compiles every source whose object is not current, up to one job per CPU
 * (at most 8) at a time. Each job's output goes to its own log, printed
 * whole and in source order when the job ends, so two compilers' messages
 * never interleave. Every file is compiled even after a failure, to
 * report all errors at once.
 */
static int
compile_all(struct build_ctx *c)
{
	size_t *stale = xcalloc(c->nsrcs + 1, sizeof *stale);
	long *pids = xcalloc(c->nsrcs + 1, sizeof *pids);
	char **logs = xcalloc(c->nsrcs + 1, sizeof *logs);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t jobs = ncpu < 1 ? 1 : ncpu > 8 ? 8 : (size_t)ncpu;
	size_t next = 0, done, i, nstale = 0;
	int errors = 0, status;
	struct meter meter;

	for (i = 0; i < c->nsrcs; i++)
		if (!object_is_current(c, &c->srcs[i]))
			stale[nstale++] = i;
	log_info("compiling %zu of %zu files with %s (%s, %s)", nstale, c->nsrcs,
	    c->cc, arch_name(c->m->build.arch),
	    c->m->build.link == MANIFEST_LINK_GLIBC ? "glibc" : "static");
	meter_begin(&meter, "compiling", nstale, 0);
	for (done = 0; done < nstale; meter_update(&meter, ++done)) {
		for (; next < nstale && next < done + jobs; next++) {
			const struct build_src *s = &c->srcs[stale[next]];
			const char **argv = compile_argv(c, s);
			char *rel = xasprintf("%s.log", s->obj);

			logs[next] = proj_abs(c, rel);
			free(rel);
			if (log_get_level() >= LOG_DEBUG) {
				char *cmd = proc_argv_join(argv);

				log_debug("%s", cmd);
				free(cmd);
			}
			pids[next] = proc_spawn(argv, c->out->project_dir, logs[next]);
			free(argv);
		}
		i = stale[done];
		if (pids[done] == -1 || proc_wait(pids[done], &status) == -1) {
			diag_add(c->d, DIAG_BUILD_COMPILE, c->srcs[i].loc,
			    c->srcs[i].is_runtime ? "build" : "build.sources",
			    "compiling %s failed (%s could not run: %s)",
			    c->srcs[i].rel, c->cc, strerror(errno));
			object_key_write(c, &c->srcs[i], 0);
			errors++;
			continue;
		}
		meter_clear(&meter);
		log_pass_through(logs[done]);
		object_key_write(c, &c->srcs[i], proc_status_ok(status));
		if (!proc_status_ok(status)) {
			char *how = proc_status_describe(status);

			diag_add(c->d, DIAG_BUILD_COMPILE, c->srcs[i].loc,
			    c->srcs[i].is_runtime ? "build" : "build.sources",
			    "compiling %s failed (%s %s)", c->srcs[i].rel, c->cc,
			    how);
			free(how);
			errors++;
		}
	}
	meter_end(&meter, NULL);
	for (i = 0; i < nstale; i++)
		free(logs[i]);
	free(logs);
	free(pids);
	free(stale);
	return errors;
}

/* Every handler symbol must be a global function of the user's objects. */
static int
symbols_check(struct build_ctx *c)
{
	const struct manifest *m = c->m;
	struct elf_info *infos;
	const char **funcs = NULL;
	size_t i, j, k, nfuncs = 0, cap = 0;
	int errors = 0, unreadable = 0;

	infos = xcalloc(c->nsrcs, sizeof *infos);
	for (i = 0; i < c->nsrcs; i++) {
		char *err = NULL, *full;

		if (c->srcs[i].is_runtime)
			continue;
		full = proj_abs(c, c->srcs[i].obj);
		if (elf_info_read(full, ELFSYM_STATIC, &infos[i], &err) == -1) {
			diag_add(c->d, DIAG_BUILD_IO, c->srcs[i].loc,
			    "build.sources", "cannot read %s: %s",
			    c->srcs[i].obj, err);
			errors++;
			unreadable = 1;
		}
		free(err);
		free(full);
		for (j = 0; j < infos[i].nsyms; j++) {
			const struct elf_sym *s = &infos[i].syms[j];

			if (s->defined && s->bind != STB_LOCAL &&
			    s->type == STT_FUNC) {
				funcs = xgrow(funcs, &cap, nfuncs + 1, sizeof *funcs);
				funcs[nfuncs++] = s->name;
			}
		}
	}
	for (i = 0; i < m->nfunctions && !unreadable; i++) {
		const struct manifest_function *f = &m->functions[i];
		const char *why = NULL, *near;
		char *path;
		int found = 0;

		for (k = 0; k < nfuncs && !found; k++)
			found = strcmp(funcs[k], f->symbol) == 0;
		if (found)
			continue;
		/* Say why when the name is there but unusable. */
		for (j = 0; j < c->nsrcs && why == NULL; j++)
			for (k = 0; k < infos[j].nsyms && why == NULL; k++) {
				const struct elf_sym *s = &infos[j].syms[k];

				if (!s->defined || strcmp(s->name, f->symbol) != 0)
					continue;
				if (s->bind == STB_LOCAL && s->type == STT_FUNC)
					why = "is static in";
				else if (s->type != STT_FUNC)
					why = "is not a function in";
			}
		path = xasprintf("functions.%s.symbol", f->name);
		if (why != NULL) {
			diag_add(c->d, DIAG_BUILD_SYMBOL_MISSING, f->symbol_loc,
			    path, "symbol '%s' %s build.sources; a handler must "
			    "be a non-static function", f->symbol, why);
		} else if ((near = str_suggest(f->symbol, funcs, nfuncs)) != NULL) {
			diag_add(c->d, DIAG_BUILD_SYMBOL_MISSING, f->symbol_loc,
			    path, "symbol '%s' is not defined in build.sources "
			    "(did you mean '%s'?)", f->symbol, near);
		} else {
			diag_add(c->d, DIAG_BUILD_SYMBOL_MISSING, f->symbol_loc,
			    path, "symbol '%s' is not defined in build.sources",
			    f->symbol);
		}
		free(path);
		errors++;
	}
	for (i = 0; i < c->nsrcs; i++)
		elf_info_free(&infos[i]);
	free(infos);
	free(funcs);
	return errors;
}

static int
link_bootstrap(struct build_ctx *c, const char *out_rel)
{
	const char **argv;
	size_t n = 0, i;
	int status, rc;

	argv = xcalloc(16 + c->nsrcs + c->nlibs, sizeof *argv);
	argv[n++] = c->cc;
	if (c->m->build.link == MANIFEST_LINK_STATIC) {
		argv[n++] = "-static";
	} else {
		/* DT_RPATH, not RUNPATH: it also applies to the bundled
		 * libraries' own dependencies. */
		argv[n++] = "-Wl,-rpath,$ORIGIN/lib";
		argv[n++] = "-Wl,--disable-new-dtags";
	}
	argv[n++] = "-s";
	argv[n++] = "-Wl,--gc-sections";
	argv[n++] = "-o";
	argv[n++] = out_rel;
	for (i = 0; i < c->nsrcs; i++)
		argv[n++] = c->srcs[i].obj;
	for (i = 0; i < c->nlibs; i++)
		argv[n++] = c->libs[i];
	argv[n] = NULL;
	rc = run_tool(c, argv, &status);
	if (rc != 0) {
		char *how = rc == -1 ? xasprintf("could not run: %s",
		    strerror(errno)) : proc_status_describe(status);

		diag_add(c->d, DIAG_BUILD_LINK, c->m->build.loc, "build",
		    "linking the bootstrap failed (%s %s)", c->cc, how);
		free(how);
	}
	free(argv);
	return rc != 0;
}

/* ---- glibc link mode ---- */

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
static int
glibc_bundle(struct build_ctx *c, const char *linked, char ***outs,
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
	remove_tree(libdir);
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
		if (mkdir_p(libdir) == -1 ||
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
			(*outs)[(*nouts)++] = proj_rel(c, dest);
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

int
build_bootstrap(const struct manifest *m, struct build_out *out,
    struct diags *d)
{
	struct build_ctx c = {0};
	char **outs = NULL, *linked_rel = NULL, *linked = NULL, *data;
	size_t i, nouts = 0, len;
	int errors = 0;

	c.m = m;
	c.out = out;
	c.d = d;
	c.cc = build_compiler(m->build.arch, m->build.link);
	{
		char *w = xasprintf("%s/work", out->dir);

		c.work = proj_rel(&c, w);
		free(w);
	}
	c.prefix_map = xasprintf("-ffile-prefix-map=%s=.", out->project_dir);
	c.out_map = xasprintf("-ffile-prefix-map=%s=.spartac", out->dir);
	c.inc_api = xasprintf("-I%s/include", c.work);
	c.inc_rt = xasprintf("-I%s/src/runtime", c.work);
	out->compiled = 0;
	if ((errors = sources_collect(&c) + args_collect(&c)) > 0)
		goto out;
	table_generate(&c);
	runtime_sources_add(&c);
	if ((errors = stamp_key(&c)) > 0)
		goto out;
	if (stamp_is_current(&c)) {
		log_debug("bootstrap is up to date");
		goto out;
	}
	if ((errors = compiler_identify(&c)) > 0)
		goto out;
	if ((errors = runtime_write(&c)) > 0)
		goto out;
	if ((errors = compile_all(&c)) > 0)
		goto out;
	if ((errors = symbols_check(&c)) > 0)
		goto out;
	linked_rel = xasprintf("%s/bootstrap", c.work);
	linked = proj_abs(&c, linked_rel);
	if ((errors = link_bootstrap(&c, linked_rel)) > 0)
		goto out;
	outs = xcalloc(1, sizeof *outs);
	outs[nouts++] = proj_rel(&c, out->bootstrap_path);
	if (m->build.link == MANIFEST_LINK_GLIBC) {
		if ((errors = glibc_bundle(&c, linked, &outs, &nouts)) > 0)
			goto out;
	} else {
		char *libdir = xasprintf("%s/lib", out->dir);

		remove_tree(libdir);
		free(libdir);
	}
	if (file_read(linked, (size_t)1 << 30, &data, &len) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot read %s: %s", linked, strerror(errno));
		errors++;
		goto out;
	}
	if (write_if_changed(out->bootstrap_path, data, len, 0755) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot write %s: %s", out->bootstrap_path, strerror(errno));
		errors++;
	}
	free(data);
	if (errors == 0 && stamp_write(&c, outs, nouts) == -1)
		errors++;
	out->compiled = errors == 0;
out:
	for (i = 0; i < nouts; i++)
		free(outs[i]);
	free(outs);
	free(linked_rel);
	free(linked);
	ctx_free(&c);
	return errors;
}

/* ---- archive ---- */

/* Adds bootstrap and the bundled lib/ files (glibc mode) to a. */
static void
archive_add_outputs(struct archive *a, const struct manifest *m,
    const struct build_out *out)
{
	struct dirent *de;
	char *libdir;
	DIR *dp;

	archive_add_file(a, "bootstrap", out->bootstrap_path, 0755);
	if (m->build.link != MANIFEST_LINK_GLIBC)
		return;
	/* archive_check sorts the entries; readdir's order does not matter. */
	libdir = xasprintf("%s/lib", out->dir);
	if ((dp = opendir(libdir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			char *name, *path;

			if (de->d_name[0] == '.')
				continue;
			name = xasprintf("lib/%s", de->d_name);
			path = xasprintf("%s/%s", libdir, de->d_name);
			archive_add_file(a, name, path, 0755);
			free(name);
			free(path);
		}
		closedir(dp);
	}
	free(libdir);
}

int
build_archive(const struct manifest *m, struct build_out *out,
    struct diags *d)
{
	struct archive a = {0};
	struct hook_env env;
	const struct loc hook_loc = m->hooks[MANIFEST_HOOK_ARCHIVE].loc;
	char *staging = NULL, *stamp_path = NULL, *old = NULL, *line = NULL;
	char inputs[DIGEST_HEX_LEN + 1], zhex[DIGEST_HEX_LEN + 1];
	size_t len;
	int errors = 0;

	out->archived = 0;
	out->code_sha256[0] = '\0';
	archive_add_outputs(&a, m, out);
	if (hooks_has(m, MANIFEST_HOOK_ARCHIVE)) {
		staging = xasprintf("%s/work/staging", out->dir);
		if (remove_tree(staging) == -1 || mkdir_p(staging) == -1) {
			diag_add(d, DIAG_BUILD_IO, hook_loc, "hooks.archive",
			    "cannot prepare %s: %s", staging, strerror(errno));
			errors++;
			goto out;
		}
		build_hook_env(out, &env);
		env.staging_dir = staging;
		if ((errors = hooks_run(m, MANIFEST_HOOK_ARCHIVE, &env, d)) > 0)
			goto out;
		if ((errors = archive_add_tree(&a, staging, "", hook_loc, d)) > 0)
			goto out;
	}
	if ((errors = archive_check(&a, hook_loc, d)) > 0)
		goto out;
	if (archive_inputs_hash(&a, inputs) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot read the archive's files");
		errors++;
		goto out;
	}
	/* code.stamp: "<inputs> <zip sha256>"; both must still hold. */
	stamp_path = xasprintf("%s/work/code.stamp", out->dir);
	if (file_read(stamp_path, 1024, &old, &len) == 0 &&
	    len == 2 * DIGEST_HEX_LEN + 2 &&
	    strncmp(old, inputs, DIGEST_HEX_LEN) == 0 &&
	    digest_file_hex(out->archive_path, zhex, NULL) == 0 &&
	    strncmp(old + DIGEST_HEX_LEN + 1, zhex, DIGEST_HEX_LEN) == 0) {
		memcpy(out->code_sha256, zhex, sizeof zhex);
	} else {
		if (archive_write(&a, out->archive_path, zhex) == -1) {
			diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
			    "cannot write %s", out->archive_path);
			errors++;
			goto out;
		}
		memcpy(out->code_sha256, zhex, sizeof zhex);
		out->archived = 1;
		line = xasprintf("%s %s\n", inputs, zhex);
		if (write_if_changed(stamp_path, line, strlen(line), 0644) == -1)
			log_warn("cannot write %s: %s", stamp_path, strerror(errno));
		free(line);
	}
	line = xasprintf("%s\n", out->code_sha256);
	if (write_if_changed(out->sha256_path, line, strlen(line), 0644) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot write %s: %s", out->sha256_path, strerror(errno));
		errors++;
	}
out:
	free(line);
	free(old);
	free(stamp_path);
	free(staging);
	archive_free(&a);
	return errors;
}

/*
 * Serialises builds of one output directory (`spartac serve` rebuilding
 * while `spartac invoke` runs, two CI steps): they share work/. Returns
 * the lock's descriptor, or -1 (then the build goes on unlocked).
 */
static int
build_lock(const struct build_out *out)
{
	char *path = xasprintf("%s/work/lock", out->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	free(path);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
build_code(const struct manifest *m, struct build_out *out, struct diags *d)
{
	struct hook_env env;
	int errors, lock = build_lock(out);

	build_hook_env(out, &env);
	out->site_sha256[0] = '\0';
	if ((errors = hooks_run(m, MANIFEST_HOOK_PREBUILD, &env, d)) > 0)
		goto out;
	if ((errors = build_bootstrap(m, out, d)) > 0)
		goto out;
	if ((errors = hooks_run(m, MANIFEST_HOOK_POSTBUILD, &env, d)) > 0)
		goto out;
	if ((errors = build_archive(m, out, d)) > 0)
		goto out;
	if (m->site != NULL)
		errors = site_hash(m->site, out->project_dir, out->site_path,
		    out->site_sha256, d);
out:
	if (lock != -1)
		close(lock); /* releases the lock */
	return errors;
}
