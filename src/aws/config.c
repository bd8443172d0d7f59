/*
 * config.c - the shared ~/.aws/config and ~/.aws/credentials files.
 *
 * The format the AWS CLI and SDKs read: sections, "key = value" lines,
 * comments starting with '#' or ';'. In config, profiles are "[default]"
 * and "[profile NAME]"; other section kinds (sso-session, services) are
 * skipped. Indented lines continue a nested block (such as "s3 =") that
 * spartac does not use, so they are skipped too.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/internal.h"
#include "base/util.h"

static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

void
aws_ini_parse(struct aws_ini *ini, const char *text, int is_config)
{
	struct aws_ini_section *cur = NULL;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\r\n");
		const char *line = p, *eq;
		size_t i = 0;

		p += len;
		while (*p == '\r' || *p == '\n')
			p++;
		if (len == 0)
			continue;
		if (isspace((unsigned char)line[0])) {
			/* a nested block's line, or a blank one */
			continue;
		}
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i == len || line[i] == '#' || line[i] == ';')
			continue;
		if (line[i] == '[') {
			const char *end = memchr(line, ']', len);
			char *name;
			cur = NULL;
			if (end == NULL)
				continue;
			name = trim_dup(line + i + 1, (size_t)(end - line - i - 1));
			if (is_config) {
				if (strncmp(name, "profile", 7) == 0 &&
				    isspace((unsigned char)name[7])) {
					char *n2 = trim_dup(name + 8, strlen(name + 8));
					free(name);
					name = n2;
				} else if (strcmp(name, "default") != 0) {
					free(name);
					continue;
				}
			}
			ini->sec = xgrow(ini->sec, &ini->cap, ini->nsec + 1, sizeof *ini->sec);
			cur = &ini->sec[ini->nsec++];
			memset(cur, 0, sizeof *cur);
			cur->name = name;
			continue;
		}
		if (cur == NULL || (eq = memchr(line, '=', len)) == NULL)
			continue;
		cur->kv = xgrow(cur->kv, &cur->cap, cur->nkv + 1, sizeof *cur->kv);
		cur->kv[cur->nkv].key = trim_dup(line, (size_t)(eq - line));
		cur->kv[cur->nkv].value = trim_dup(eq + 1, (size_t)(line + len - eq - 1));
		cur->nkv++;
	}
}

void
aws_ini_load(struct aws_ini *ini, const char *path, int is_config)
{
	char *text = NULL;
	size_t len;

	memset(ini, 0, sizeof *ini);
	ini->path = xstrdup(path);
	if (file_read(path, 1 << 20, &text, &len) != 0)
		return;
	aws_ini_parse(ini, text, is_config);
	free(text);
}

static const struct aws_ini_section *
ini_section(const struct aws_ini *ini, const char *profile)
{
	size_t i;

	/* a later section of the same name wins, as in the CLI */
	for (i = ini->nsec; i > 0; i--)
		if (strcmp(ini->sec[i - 1].name, profile) == 0)
			return &ini->sec[i - 1];
	return NULL;
}

int
aws_ini_has_profile(const struct aws_ini *ini, const char *profile)
{
	return ini_section(ini, profile) != NULL;
}

const char *
aws_ini_get(const struct aws_ini *ini, const char *profile, const char *key)
{
	const struct aws_ini_section *s = ini_section(ini, profile);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = s->nkv; i > 0; i--)
		if (strcmp(s->kv[i - 1].key, key) == 0)
			return s->kv[i - 1].value[0] ? s->kv[i - 1].value : NULL;
	return NULL;
}

void
aws_ini_free(struct aws_ini *ini)
{
	size_t i, j;

	for (i = 0; i < ini->nsec; i++) {
		for (j = 0; j < ini->sec[i].nkv; j++) {
			free(ini->sec[i].kv[j].key);
			free(ini->sec[i].kv[j].value);
		}
		free(ini->sec[i].kv);
		free(ini->sec[i].name);
	}
	free(ini->sec);
	free(ini->path);
	memset(ini, 0, sizeof *ini);
}
