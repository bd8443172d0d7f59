/*
 * build_int.h - what the files of the build share; callers use build.h.
 *
 *	build.c          paths under .spartac, the archive, the lock
 *	build_inputs.c   build.sources, libs, include dirs, the runtime and
 *	                 the generated dispatch table: what is compiled
 *	build_compile.c  the toolchain, compiling, checking handler symbols,
 *	                 linking: build_bootstrap
 *	build_stamp.c    build.stamp and the per-object keys: what is current
 *	build_glibc.c    glibc link mode: the symbol-version ceiling and the
 *	                 bundled shared objects
 *
 * Paths in a build_ctx are relative to the project directory (the
 * compiler runs there), so no build directory leaks into the output.
 */
#ifndef SPARTAC_BUILD_INT_H
#define SPARTAC_BUILD_INT_H

#include "compile/build.h"

/* Bump when what goes into a bootstrap changes in a way the key misses. */
#define BUILD_STAMP_FORMAT "spartac-build-stamp 1"

/* The largest stamp or dependency file read. */
#define BUILD_MAX_STAMP ((size_t)4 * 1024 * 1024)

/* One file to compile. */
struct build_src {
	char *rel;      /* relative to the project */
	char *obj;      /* relative to the project: .spartac/work/obj/... */
	char *dep;      /* its -MD output */
	struct loc loc; /* the build.sources entry that matched it */
	int is_runtime; /* spartac's runtime or the dispatch table */
};

/* What one build works with; freed by build_ctx_free. */
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
	char *inc_src;    /* -I<work>/src: the spartac headers it shares */
	char key[DIGEST_HEX_LEN + 1];
};

/* build_compile.c */
void build_ctx_free(struct build_ctx *c);
const char *build_arch_name(enum manifest_arch arch);
/* A path as the compiler sees it (relative to the project) made absolute. */
char *build_proj_abs(const struct build_ctx *c, const char *p);
/*
 * The path to give the compiler and the stamp for an absolute path:
 * relative to the project when inside it, else absolute (-o DIR elsewhere;
 * out_map covers it).
 */
char *build_proj_rel(const struct build_ctx *c, const char *abs);
/* The compiler's argv for one source; free the array (not its strings). */
const char **build_compile_argv(struct build_ctx *c, const struct build_src *s);

/*
 * build_inputs.c. Those that return int return the number of errors they
 * added to c->d.
 */
int build_sources_collect(struct build_ctx *c);  /* c->srcs */
int build_args_collect(struct build_ctx *c);     /* c->libs, c->incs */
void build_table_generate(struct build_ctx *c);  /* c->table */
int build_runtime_write(struct build_ctx *c);    /* into work/ */
void build_runtime_sources_add(struct build_ctx *c);
/* 1 when a compiled user source included <sparta/aws.h> (its -MD file says
 * so); then build_client_sources_add adds the runtime's HTTPS and AWS
 * client, which a bootstrap without it neither compiles nor links. */
int build_uses_client(struct build_ctx *c);
void build_client_sources_add(struct build_ctx *c);

/* build_stamp.c */
int build_stamp_key(struct build_ctx *c);        /* c->key; errors */
int build_stamp_is_current(const struct build_ctx *c); /* 1 or 0 */
/* outs: the outputs (project-relative) the stamp vouches for. 0 or -1. */
int build_stamp_write(struct build_ctx *c, char **outs, size_t nouts);
int build_object_is_current(struct build_ctx *c, const struct build_src *s);
void build_object_key_write(struct build_ctx *c, const struct build_src *s,
    int ok);

/* build_glibc.c: errors; appends the copies in .spartac/lib to outs. */
int build_glibc_bundle(struct build_ctx *c, const char *linked, char ***outs,
    size_t *nouts);

#endif
