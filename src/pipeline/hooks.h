/*
 * hooks.h - Sparta's workflow hooks: prebuild, postbuild, archive,
 * premarshal, postmarshal.
 *
 * A hook is one argv list from the manifest, run without a shell
 * (posix_spawnp) in the project directory. Its stdout and stderr pass
 * through to spartac's stderr (spartac's own stdout stays for results),
 * its stdin is /dev/null. It inherits spartac's environment plus:
 *
 *   SPARTAC_HOOK         the hook's name ("prebuild", ...)
 *   SPARTAC_SERVICE      the service name
 *   SPARTAC_STAGE        the applied stage, empty when none
 *   SPARTAC_PROJECT_DIR  the project directory (absolute)
 *   SPARTAC_BUILD_DIR    the build directory, .spartac/ (absolute)
 *   SPARTAC_TEMPLATE     the template path (absolute), where it will be or is
 *   SPARTAC_ARCHIVE      the code archive path (absolute), where it will be or is
 *   SPARTAC_STAGING_DIR  archive hook only: an empty directory whose files
 *                        go into the ZIP at the same relative paths
 *   SPARTAC_ARCHIVE_DIR  archive hook only: the same directory (an alias,
 *                        kept because the schema once documented it)
 *
 * A hook that cannot be started, exits non-zero or dies from a signal stops
 * the build with a diagnostic at the hook's manifest line that names the
 * hook and its exit status or signal.
 */
#ifndef SPARTAC_HOOKS_H
#define SPARTAC_HOOKS_H

#include "base/diag.h"
#include "front/manifest.h"

struct hook_env {
	const char *project_dir;   /* absolute */
	const char *build_dir;     /* absolute */
	const char *template_path; /* absolute, or NULL */
	const char *archive_path;  /* absolute, or NULL */
	const char *staging_dir;   /* absolute; archive hook only, else NULL */
};

/*
 * Runs m's hook of this kind, if the manifest has one. Returns the number
 * of errors added to d: 0 when there is no hook or it succeeded.
 */
int hooks_run(const struct manifest *m, enum manifest_hook_kind kind,
    const struct hook_env *env, struct diags *d);

/* Has the manifest a hook of this kind? */
int hooks_has(const struct manifest *m, enum manifest_hook_kind kind);

#endif
