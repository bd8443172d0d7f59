/* hooks.c - see hooks.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/hooks.h"
#include "base/proc.h"
#include "base/util.h"

extern char **environ;

/*
 * The variables we set; inherited ones of the same name are dropped.
 * SPARTAC_ARCHIVE_DIR is an alias of SPARTAC_STAGING_DIR: the schema's
 * description of the archive hook named it before it was ever set.
 */
static const char *const hook_vars[] = {
	"SPARTAC_HOOK", "SPARTAC_SERVICE", "SPARTAC_STAGE",
	"SPARTAC_PROJECT_DIR", "SPARTAC_BUILD_DIR", "SPARTAC_TEMPLATE",
	"SPARTAC_ARCHIVE", "SPARTAC_STAGING_DIR", "SPARTAC_ARCHIVE_DIR",
};

static int
is_hook_var(const char *entry)
{
	size_t i, n;

	for (i = 0; i < NELEM(hook_vars); i++) {
		n = strlen(hook_vars[i]);
		if (strncmp(entry, hook_vars[i], n) == 0 && entry[n] == '=')
			return 1;
	}
	return 0;
}

/* A NULL-terminated environment: ours minus hook_vars, plus the values. */
static char **
hook_envp_alloc(const struct manifest *m, enum manifest_hook_kind kind,
    const struct hook_env *env)
{
	const char *vals[NELEM(hook_vars)];
	size_t n = 0, i, k = 0;
	char **envp;

	vals[0] = manifest_hook_name(kind);
	vals[1] = m->service;
	vals[2] = m->stage != NULL ? m->stage : "";
	vals[3] = env->project_dir;
	vals[4] = env->build_dir;
	vals[5] = env->template_path;
	vals[6] = env->archive_path;
	vals[7] = kind == MANIFEST_HOOK_ARCHIVE ? env->staging_dir : NULL;
	vals[8] = vals[7];
	while (environ[n] != NULL)
		n++;
	envp = xcalloc(n + NELEM(hook_vars) + 1, sizeof *envp);
	for (i = 0; i < n; i++)
		if (!is_hook_var(environ[i]))
			envp[k++] = xstrdup(environ[i]);
	for (i = 0; i < NELEM(hook_vars); i++)
		if (vals[i] != NULL)
			envp[k++] = xasprintf("%s=%s", hook_vars[i], vals[i]);
	envp[k] = NULL;
	return envp;
}

static void
hook_envp_free(char **envp)
{
	size_t i;

	for (i = 0; envp[i] != NULL; i++)
		free(envp[i]);
	free(envp);
}

/*
 * Can argv0 be started from dir? posix_spawnp reports a missing program as
 * ENOENT, except where the exec failure only shows as exit status 127 (as
 * under valgrind); looking first gives the same diagnostic everywhere.
 */
static int
program_exists(const char *argv0, const char *dir)
{
	const char *path = getenv("PATH"), *p, *colon;
	char *cand;
	int found = 0;

	if (strchr(argv0, '/') != NULL) {
		cand = argv0[0] == '/' ? xstrdup(argv0)
		    : xasprintf("%s/%s", dir, argv0);
		found = access(cand, X_OK) == 0;
		free(cand);
		return found;
	}
	for (p = path != NULL ? path : "/usr/bin:/bin"; !found; p = colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		/* An empty PATH entry means the current directory: the project's. */
		cand = colon > p ? xasprintf("%.*s/%s", (int)(colon - p), p, argv0)
		    : xasprintf("%s/%s", dir, argv0);
		found = access(cand, X_OK) == 0;
		free(cand);
		if (*colon == '\0')
			break;
	}
	return found;
}

int
hooks_has(const struct manifest *m, enum manifest_hook_kind kind)
{
	return kind < MANIFEST_HOOK__COUNT && m->hooks[kind].argv.n > 0;
}

int
hooks_run(const struct manifest *m, enum manifest_hook_kind kind,
    const struct hook_env *env, struct diags *d)
{
	const struct manifest_hook *h;
	const char *name = manifest_hook_name(kind);
	const char **argv;
	char **envp, *cmd, *how, *path;
	size_t i;
	int status, rc, saved, timed_out = 0, errors = 0;

	if (!hooks_has(m, kind))
		return 0;
	h = &m->hooks[kind];
	argv = xcalloc(h->argv.n + 1, sizeof *argv);
	for (i = 0; i < h->argv.n; i++)
		argv[i] = h->argv.v[i];
	cmd = proc_argv_join(argv);
	path = xasprintf("hooks.%s", name);
	envp = hook_envp_alloc(m, kind, env);
	log_info("hook %s: %s", name, cmd);
	fflush(stdout);
	fflush(stderr);
	if (!program_exists(argv[0], env->project_dir)) {
		rc = -1;
		saved = ENOENT;
	} else {
		rc = proc_run_limit(argv, env->project_dir, envp,
		    PROC_STDOUT_TO_STDERR | PROC_NULL_STDIN, h->timeout,
		    &status, &timed_out);
		saved = errno;
	}
	if (rc == -1) {
		diag_add(d, DIAG_HOOK_NOT_FOUND, h->loc, path,
		    "hook '%s' could not run '%s': %s", name, argv[0],
		    strerror(saved));
		errors++;
	} else if (timed_out) {
		diag_add(d, DIAG_HOOK_TIMEOUT, h->loc, path,
		    "hook '%s' (%s) was still running after %ld s; it was "
		    "ended", name, cmd, h->timeout);
		errors++;
	} else if (!proc_status_ok(status)) {
		how = proc_status_describe(status);
		diag_add(d, DIAG_HOOK_FAILED, h->loc, path,
		    "hook '%s' (%s) %s", name, cmd, how);
		free(how);
		errors++;
	}
	hook_envp_free(envp);
	free(path);
	free(cmd);
	free(argv);
	return errors;
}
