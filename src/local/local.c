/* local.c - running a manifest function on this machine. See local.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "local/local.h"

static int
host_is_arm64(void)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.machine, "aarch64") == 0;
}

void
local_function_init(struct local_function *lf, const struct manifest *m,
    const struct manifest_function *f, const char *bootstrap,
    const char *task_root, const char *region, int log_fd,
    struct local_values *vals)
{
	size_t i = 0;

	memset(lf, 0, sizeof(*lf));
	/* An arm64 bootstrap on an x86_64 host runs under qemu user mode. */
	if (m->build.arch == MANIFEST_ARCH_ARM64 && !host_is_arm64())
		lf->argv[i++] = "qemu-aarch64";
	lf->argv[i++] = bootstrap;
	lf->argv[i] = NULL;
	lf->env = local_env_build(m, f, region ? region : "us-east-1", vals);
	lf->function_name = xasprintf("%s-%s", m->service, f->name);
	lf->cfg.argv = lf->argv;
	lf->cfg.task_root = task_root;
	lf->cfg.handler = f->name;
	lf->cfg.function_name = lf->function_name;
	lf->cfg.memory_mb = f->memory;
	lf->cfg.timeout_s = f->timeout;
	lf->cfg.region = region;
	lf->cfg.env = (const char *const *)lf->env;
	lf->cfg.log_fd = log_fd;
}

void
local_function_free(struct local_function *lf)
{
	size_t i;

	for (i = 0; lf->env != NULL && lf->env[i] != NULL; i++)
		free(lf->env[i]);
	free(lf->env);
	free(lf->function_name);
	memset(lf, 0, sizeof(*lf));
}

const char *
local_region(const char *region)
{
	const char *r;

	if (region)
		return region;
	if ((r = getenv("AWS_REGION")) != NULL && *r)
		return r;
	if ((r = getenv("AWS_DEFAULT_REGION")) != NULL && *r)
		return r;
	return "us-east-1";
}
