/*
 * build_compile.c - build_bootstrap: the toolchain, compiling every stale
 * object (in parallel, logs kept apart), checking the handler symbols and
 * linking the bootstrap.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/meter.h"
#include "base/path.h"
#include "base/proc.h"
#include "base/util.h"
#include "compile/build_int.h"
#include "compile/elfsym.h"

/* Flags the runtime is compiled with (the contract in runtime/dispatch.h). */
static const char *const runtime_cflags[] = {
	"-std=c11", "-O2", "-D_POSIX_C_SOURCE=200809L",
};

/* Added to every compile: dead-code removal at link keeps the ZIP small. */
static const char *const common_cflags[] = {
	"-ffunction-sections", "-fdata-sections",
};

/*
 * BearSSL (Debian's libbearssl-dev, or the same paths from tools/setup.sh)
 * for the runtime's HTTPS client: its headers for the runtime's objects,
 * its archive last on the link line, from which the linker takes members
 * only when a handler calls sparta_fetch. Without them the runtime builds
 * and HTTPS fails at run time with a reason (runtime/tls.c).
 */
#define BEARSSL_INC "-I/usr/include/bearssl"

static const char *
bearssl_archive(enum manifest_arch arch)
{
	const char *p = arch == MANIFEST_ARCH_ARM64
	    ? "/usr/lib/aarch64-linux-gnu/libbearssl.a"
	    : "/usr/lib/x86_64-linux-gnu/libbearssl.a";

	return access(p, R_OK) == 0 ? p : NULL;
}

const char *
build_arch_name(enum manifest_arch arch)
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

void
build_ctx_free(struct build_ctx *c)
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
	free(c->inc_src);
}

char *
build_proj_abs(const struct build_ctx *c, const char *p)
{
	return p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", c->out->project_dir, p);
}

char *
build_proj_rel(const struct build_ctx *c, const char *abs)
{
	size_t n = strlen(c->out->project_dir);

	if (strncmp(abs, c->out->project_dir, n) == 0 && abs[n] == '/')
		return xstrdup(abs + n + 1);
	return xstrdup(abs);
}

/* ---- the toolchain ---- */

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
		real = path_exec_lookup(c->cc);
		diag_add(c->d, DIAG_BUILD_TOOLCHAIN, c->m->build.loc, "build",
		    "compiler '%s' for %s %s builds %s", c->cc,
		    build_arch_name(c->m->build.arch),
		    c->m->build.link == MANIFEST_LINK_GLIBC ? "glibc" : "static",
		    real != NULL ? "does not run" : "is not installed");
		free(real);
		return 1;
	}
	tool_add(c, path_exec_lookup(c->cc));
	/* Lines such as "Reading specs from X" and "COLLECT_GCC=Y". */
	for (p = v; *p != '\0'; p = e) {
		e = p + strcspn(p, "\n");
		if (*e != '\0')
			*e++ = '\0';
		if (str_has_prefix(p, "Reading specs from "))
			tool_add(c, realpath(p + strlen("Reading specs from "), NULL));
		else if (str_has_prefix(p, "COLLECT_GCC="))
			tool_add(c, path_exec_lookup(p + strlen("COLLECT_GCC=")));
	}
	free(v);
	if ((cc1 = compiler_query(c, "-print-prog-name=cc1")) != NULL) {
		cc1[strcspn(cc1, "\n")] = '\0';
		tool_add(c, realpath(cc1, NULL));
	}
	free(cc1);
	return 0;
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

const char **
build_compile_argv(struct build_ctx *c, const struct build_src *s)
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
	if (s->is_runtime) {
		argv[n++] = c->inc_rt;
		argv[n++] = c->inc_src;
		argv[n++] = BEARSSL_INC;
	} else
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
		if (!build_object_is_current(c, &c->srcs[i]))
			stale[nstale++] = i;
	log_info("compiling %zu of %zu files with %s (%s, %s)", nstale, c->nsrcs,
	    c->cc, build_arch_name(c->m->build.arch),
	    c->m->build.link == MANIFEST_LINK_GLIBC ? "glibc" : "static");
	meter_begin(&meter, "compiling", nstale, 0);
	for (done = 0; done < nstale; meter_update(&meter, ++done)) {
		for (; next < nstale && next < done + jobs; next++) {
			const struct build_src *s = &c->srcs[stale[next]];
			const char **argv = build_compile_argv(c, s);
			char *rel = xasprintf("%s.log", s->obj);

			logs[next] = build_proj_abs(c, rel);
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
			build_object_key_write(c, &c->srcs[i], 0);
			errors++;
			continue;
		}
		meter_clear(&meter);
		log_pass_through(logs[done]);
		build_object_key_write(c, &c->srcs[i], proc_status_ok(status));
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

static int
str_ptr_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * Every handler symbol must be a global function of the user's objects.
 * The global functions are sorted once and each handler is looked up by
 * bisection: a scan per handler was quadratic in the number of functions.
 */
static int
symbols_check(struct build_ctx *c)
{
	const struct manifest *m = c->m;
	struct elf_info *infos;
	const char **funcs = NULL, **sorted;
	size_t i, j, k, nfuncs = 0, cap = 0;
	int errors = 0, unreadable = 0;

	infos = xcalloc(c->nsrcs, sizeof *infos);
	for (i = 0; i < c->nsrcs; i++) {
		char *err = NULL, *full;

		if (c->srcs[i].is_runtime)
			continue;
		full = build_proj_abs(c, c->srcs[i].obj);
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
	/* A sorted copy: the suggestion below keeps the objects' order. */
	sorted = xcalloc(nfuncs + 1, sizeof *sorted);
	if (nfuncs > 0)
		memcpy(sorted, funcs, nfuncs * sizeof *funcs);
	qsort(sorted, nfuncs, sizeof *sorted, str_ptr_cmp);
	for (i = 0; i < m->nfunctions && !unreadable; i++) {
		const struct manifest_function *f = &m->functions[i];
		const char *why = NULL;
		char *path;

		if (bsearch(&f->symbol, sorted, nfuncs, sizeof *sorted,
		    str_ptr_cmp) != NULL)
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
		} else {
			diag_add(c->d, DIAG_BUILD_SYMBOL_MISSING, f->symbol_loc,
			    path, "symbol '%s' is not defined in build.sources%s",
			    f->symbol, diag_suggest(f->symbol, funcs, nfuncs));
		}
		free(path);
		errors++;
	}
	for (i = 0; i < c->nsrcs; i++)
		elf_info_free(&infos[i]);
	free(infos);
	free(sorted);
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
	if (bearssl_archive(c->m->build.arch) != NULL)
		argv[n++] = bearssl_archive(c->m->build.arch);
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

		c.work = build_proj_rel(&c, w);
		free(w);
	}
	c.prefix_map = xasprintf("-ffile-prefix-map=%s=.", out->project_dir);
	c.out_map = xasprintf("-ffile-prefix-map=%s=.spartac", out->dir);
	c.inc_api = xasprintf("-I%s/include", c.work);
	c.inc_rt = xasprintf("-I%s/src/runtime", c.work);
	c.inc_src = xasprintf("-I%s/src", c.work);
	out->compiled = 0;
	if ((errors = build_sources_collect(&c) + build_args_collect(&c)) > 0)
		goto out;
	build_table_generate(&c);
	build_runtime_sources_add(&c);
	if ((errors = build_stamp_key(&c)) > 0)
		goto out;
	if (build_stamp_is_current(&c)) {
		log_debug("bootstrap is up to date");
		goto out;
	}
	if ((errors = compiler_identify(&c)) > 0)
		goto out;
	if ((errors = build_runtime_write(&c)) > 0)
		goto out;
	if ((errors = compile_all(&c)) > 0)
		goto out;
	if (build_uses_client(&c)) {
		build_client_sources_add(&c);
		if ((errors = compile_all(&c)) > 0)
			goto out;
	}
	if ((errors = symbols_check(&c)) > 0)
		goto out;
	linked_rel = xasprintf("%s/bootstrap", c.work);
	linked = build_proj_abs(&c, linked_rel);
	if ((errors = link_bootstrap(&c, linked_rel)) > 0)
		goto out;
	outs = xcalloc(1, sizeof *outs);
	outs[nouts++] = build_proj_rel(&c, out->bootstrap_path);
	if (m->build.link == MANIFEST_LINK_GLIBC) {
		if ((errors = build_glibc_bundle(&c, linked, &outs, &nouts)) > 0)
			goto out;
	} else {
		char *libdir = xasprintf("%s/lib", out->dir);

		path_remove_tree(libdir);
		free(libdir);
	}
	if (file_read(linked, (size_t)1 << 30, &data, &len) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot read %s: %s", linked, strerror(errno));
		errors++;
		goto out;
	}
	if (path_write_if_changed(out->bootstrap_path, data, len, 0755) == -1) {
		diag_add(d, DIAG_BUILD_IO, m->build.loc, "build",
		    "cannot write %s: %s", out->bootstrap_path, strerror(errno));
		errors++;
	}
	free(data);
	if (errors == 0 && build_stamp_write(&c, outs, nouts) == -1)
		errors++;
	out->compiled = errors == 0;
out:
	for (i = 0; i < nouts; i++)
		free(outs[i]);
	free(outs);
	free(linked_rel);
	free(linked);
	build_ctx_free(&c);
	return errors;
}

