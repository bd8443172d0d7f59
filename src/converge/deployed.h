/*
 * deployed.h - what the last successful deploy of a stack from this
 * directory was: one record per stack and region under the output
 * directory, which plan --offline compares against.
 *
 *	.spartac/deployed/<stack>@<region>.json
 *	{"stack": ..., "region": ..., "code": <code.zip's SHA-256>,
 *	 "site": <site.json's SHA-256 or "">, "bucket": <artifact bucket>,
 *	 "template": {...}}
 *
 * A split service's children are kept beside, content-addressed, as
 *	.spartac/deployed/stacks/<sha256>.json
 * (nested.h: the record's root template names each child's SHA-256).
 *
 * A stage that names another stack (stages.NAME.service), or another
 * region, has its own record, so deploying one never changes what plan
 * --offline says about another. The code digest is what tells a C edit
 * apart: the template names the code only through its CodeKey parameter.
 */
#ifndef SPARTAC_CONVERGE_DEPLOYED_H
#define SPARTAC_CONVERGE_DEPLOYED_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct deployed {
	char *path;       /* the record read */
	char *region;
	char *code;       /* "" when the record has none */
	char *site;       /* "" when there is no site */
	char *bucket;     /* the artifact bucket; "" when not recorded */
	cJSON *template;  /* owned */
};

/* What a record holds besides its stack and region; NULL members: "". */
struct deployed_facts {
	const char *code;
	const char *site;
	const char *bucket;
};

/*
 * Writes the record of stack in region under dir (creating dir/deployed/).
 * Returns 0, or -1 with errno set.
 */
int deployed_save(const char *dir, const char *stack, const char *region,
    const char *tpl, size_t tpl_len, const struct deployed_facts *f);

/*
 * Reads the record of stack in region. With region NULL (none configured),
 * the stack's only record, whatever its region. Returns 0 when read, 1
 * when there is none (never deployed from here), -1 after logging why
 * (unreadable, not a record, several regions and no region given).
 */
int deployed_load(const char *dir, const char *stack, const char *region,
    struct deployed *out);
void deployed_free(struct deployed *d);

#endif
