/*
 * cors.c - the CORS headers of a preflight and of an actual response (see
 * cors.h for the rule; docs/decisions.md for how it matches the deployed
 * API).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/cors.h"

static void
add(struct cors_headers *out, const char *name, const char *value,
    size_t len)
{
	if (out->n >= CORS_MAX_HEADERS)
		return;
	out->name[out->n] = name;
	out->value[out->n] = value;
	out->value_len[out->n] = len;
	out->n++;
}

static void
add_str(struct cors_headers *out, const char *name, const char *value)
{
	add(out, name, value, strlen(value));
}

/* Skips blanks around a list's items; returns the item's end. */
static const char *
item(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = strchr(s, ',');
	if (e == NULL)
		e = s + strlen(s);
	*p = *e ? e + 1 : e;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*len = (size_t)(e - s);
	return s;
}

static void
allow_origin(const struct cors_config *cfg, const char *origin,
    struct cors_headers *out)
{
	const char *list = cfg->origins && *cfg->origins ? cfg->origins : "*";
	const char *p = list, *first, *s;
	size_t n, first_len, count = 0;
	int star = 0, found = 0;

	first = item(&p, &first_len);
	for (p = list; *p;) {
		s = item(&p, &n);
		if (n == 0)
			continue;
		count++;
		if (n == 1 && *s == '*')
			star = 1;
		else if (origin && strlen(origin) == n && strncmp(s, origin, n) == 0)
			found = 1;
	}
	if (star || count == 0) {
		if (cfg->credentials && origin && *origin) {
			add_str(out, "Access-Control-Allow-Origin", origin);
			add_str(out, "Vary", "Origin");
		} else
			add_str(out, "Access-Control-Allow-Origin", "*");
	} else if (count == 1) {
		add(out, "Access-Control-Allow-Origin", first, first_len);
	} else {
		if (found)
			add_str(out, "Access-Control-Allow-Origin", origin);
		else
			add(out, "Access-Control-Allow-Origin", first, first_len);
		add_str(out, "Vary", "Origin");
	}
	if (cfg->credentials)
		add_str(out, "Access-Control-Allow-Credentials", "true");
}

int
cors_preflight(const struct cors_config *cfg, const char *origin,
    struct cors_headers *out)
{
	memset(out, 0, sizeof(*out));
	allow_origin(cfg, origin, out);
	add_str(out, "Access-Control-Allow-Headers",
	    cfg->allow_headers ? cfg->allow_headers : CORS_DEFAULT_HEADERS);
	add_str(out, "Access-Control-Allow-Methods",
	    cfg->allow_methods ? cfg->allow_methods : "*");
	if (cfg->max_age >= 0) {
		snprintf(out->age, sizeof(out->age), "%ld", cfg->max_age);
		add_str(out, "Access-Control-Max-Age", out->age);
	}
	return 200;
}

void
cors_actual(const struct cors_config *cfg, const char *origin,
    struct cors_headers *out)
{
	memset(out, 0, sizeof(*out));
	allow_origin(cfg, origin, out);
	if (cfg->expose_headers && *cfg->expose_headers)
		add_str(out, "Access-Control-Expose-Headers", cfg->expose_headers);
}

int
cors_is_header(const char *name)
{
	return name != NULL && strncasecmp(name, "Access-Control-", 15) == 0;
}
