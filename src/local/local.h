/*
 * local.h - how a manifest function runs on this machine: the emulator
 * configuration shared by `spartac invoke` and `spartac serve` (its
 * environment, memory, timeout, region, and qemu for arm64 on x86_64).
 */
#ifndef SPARTAC_LOCAL_H
#define SPARTAC_LOCAL_H

#include "local/emulator.h"
#include "front/manifest.h"

struct params;

/*
 * The values given on the command line for running functions here:
 * --parameter values (checked), and --env NAME=VALUE settings (--env-file
 * lines first, the command line after; a later one wins).
 */
struct local_values {
	const struct params *params; /* or NULL */
	const char *const *env;      /* NAME=VALUE */
	size_t nenv;
};

struct local_function {
	struct emulator_config cfg; /* points into the fields below */
	const char *argv[3];
	char **env;                 /* KEY=VALUE, NULL-terminated */
	char *function_name;        /* SERVICE-FUNCTION, as deployed */
};

/*
 * Fills lf for f, running bootstrap in task_root (may be NULL). The model,
 * bootstrap and task_root must outlive lf. Environment values that are
 * intrinsics only have a value once deployed: they are left out, with a
 * warning.
 */
void local_function_init(struct local_function *lf, const struct manifest *m,
    const struct manifest_function *f, const char *bootstrap,
    const char *task_root, const char *region, int log_fd,
    const struct local_values *vals);
void local_function_free(struct local_function *lf);

/* region (--region) if set, else AWS_REGION, AWS_DEFAULT_REGION, us-east-1. */
const char *local_region(const char *region);

#endif
