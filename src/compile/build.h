/*
 * build.h - compiling the bootstrap and packing the code archive.
 *
 * The pipeline (pipeline.h) runs these steps, and the hooks between them,
 * in this order:
 *
 *	build_out_init(&out, manifest_path)   paths under <project>/.spartac
 *	build_lock(&out)                      one build of a directory at once
 *	  prebuild hook
 *	build_bootstrap(m, &out, &d)          compile and link
 *	  postbuild hook
 *	build_staging_alloc(m, &out, &d)      only with an archive hook,
 *	  archive hook                        which fills the staging dir
 *	build_archive(m, &out, staging, &d)   code.zip + code.sha256
 *	site_hash(...)                        site.json (site.h)
 *	build_unlock(lock)
 *	build_out_free(&out)
 *
 * Each step returns the number of errors it added to d (0: go on).
 *
 * The project directory is the manifest's directory; build.sources,
 * include_dirs and library paths are relative to it and may not leave it.
 * Everything spartac writes goes under .spartac/:
 *
 *	bootstrap       the executable Lambda runs (0755)
 *	lib/            glibc link mode: the bundled shared objects
 *	code.zip        bootstrap [+ lib/] [+ archive hook files], deterministic
 *	code.sha256     code.zip's SHA-256 in hex and a newline (the S3 key)
 *	site.json       the site's files with size, SHA-256 and content type
 *	build.stamp     what the last bootstrap was built from
 *	work/           runtime sources, dispatch table, objects, staging/
 *
 * Builds are reproducible: compilers run in the project directory on
 * relative paths with -ffile-prefix-map, the output is stripped, objects
 * are linked in sorted order and the archive is deterministic (archive.h),
 * so the same sources give the same bytes in any directory or time zone.
 *
 * Builds are incremental: build.stamp holds a SHA-256 over everything the
 * bootstrap depends on (build_stamp.c: build_stamp_key) plus every header
 * the compiler read (from its -MD dependency output). When they all match and
 * the outputs are intact, nothing is compiled or written (file times stay).
 * Otherwise only the objects whose own key changed are recompiled (key:
 * toolchain, command line, and every file the object's last compile read).
 *
 * Every program is run with posix_spawnp, never through a shell. The
 * files of the build are listed in build_int.h.
 */
#ifndef SPARTAC_BUILD_H
#define SPARTAC_BUILD_H

#include "base/diag.h"
#include "base/digest.h"
#include "front/manifest.h"

struct build_out {
	char *project_dir;    /* absolute and resolved: the manifest's directory */
	char *dir;            /* <project>/.spartac */
	char *bootstrap_path; /* <dir>/bootstrap */
	char *archive_path;   /* <dir>/code.zip */
	char *sha256_path;    /* <dir>/code.sha256 */
	char *template_path;  /* <dir>/template.json: the marshaller writes it */
	char *site_path;      /* <dir>/site.json */
	char **child_paths;   /* <dir>/stacks/<Id>.json: the nested stacks, */
	size_t n_children;    /* once the template is written (0: not split) */
	char code_sha256[DIGEST_HEX_LEN + 1]; /* after build_archive */
	char site_sha256[DIGEST_HEX_LEN + 1]; /* "" when there is no site */
	int compiled;         /* build_bootstrap compiled (0: was up to date) */
	int archived;         /* build_archive wrote code.zip (0: was up to date) */
};

/*
 * Fills out for the manifest at manifest_path and creates .spartac/ and
 * .spartac/work/. Returns 0, or -1 after logging why (bad path, mkdir);
 * out then holds nothing to free.
 */
int build_out_init(struct build_out *out, const char *manifest_path);
/*
 * The same with the output directory dir (created with its parents, then
 * resolved) instead of <project>/.spartac when dir is not NULL; work/ is
 * created only when make_work is set.
 */
int build_out_init_in(struct build_out *out, const char *manifest_path,
    const char *dir, int make_work);
void build_out_free(struct build_out *out);

/*
 * Compiles the manifest's sources with the embedded runtime and a
 * generated dispatch table into out->bootstrap_path, or does nothing when
 * build.stamp says it is up to date. Missing handler symbols are reported
 * at their manifest line before linking; compiler output passes through to
 * stderr. Does not run hooks.
 */
int build_bootstrap(const struct manifest *m, struct build_out *out,
    struct diags *d);

/*
 * An empty staging directory, <dir>/work/staging, for the archive hook.
 * Returns its path (the caller frees it), or NULL after a diagnostic at
 * the hook.
 */
char *build_staging_alloc(const struct manifest *m,
    const struct build_out *out, struct diags *d);

/*
 * Writes code.zip (bootstrap, lib/ and the files under staging, which may
 * be NULL) and code.sha256 unless their inputs are unchanged. Fills
 * out->code_sha256 either way.
 */
int build_archive(const struct manifest *m, struct build_out *out,
    const char *staging, struct diags *d);

/*
 * Serialises builds of one output directory (`spartac serve` rebuilding
 * while `spartac invoke` runs, two CI steps): they share work/. Takes an
 * exclusive flock on <dir>/work/lock and returns its descriptor for
 * build_unlock, or -1 (then the build goes on unlocked). A hook must not
 * build the same directory again.
 */
int build_lock(const struct build_out *out);
void build_unlock(int lock);

/* The compiler spartac uses for arch and link mode ("musl-gcc", ...). */
const char *build_compiler(enum manifest_arch arch, enum manifest_link link);

#endif
