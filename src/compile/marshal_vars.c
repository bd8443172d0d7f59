/*
 * marshal_vars.c - spartac's own template variables, replaced at compile
 * time: ${spartac:stage} and ${spartac:service} in Fn::Sub strings, and
 * {"Ref": "spartac:stage"} / {"Ref": "spartac:service"}. The stage is the
 * --stage name (MARSHAL_DEFAULT_STAGE without one); the service is the
 * manifest's service after the stage's overrides.
 *
 * A Fn::Sub string left with no ${...} variable becomes a plain string
 * (its ${!x} escapes turned into the ${x} it stands for), as CloudFormation
 * would have made it, so the template has no Fn::Sub that needs none.
 * marshal_refs.c refuses an unknown spartac: name; the names of a Fn::Sub
 * variable map shadow spartac's, as they shadow parameters.
 */
#include <stdlib.h>
#include <string.h>

#include "compile/marshal_int.h"

#define VAR_PREFIX "spartac:"

static const char *const var_names[] = {"spartac:service", "spartac:stage"};

const char *
marshal_var(const struct manifest *m, const char *name)
{
	if (strcmp(name, "spartac:stage") == 0)
		return m->stage ? m->stage : MARSHAL_DEFAULT_STAGE;
	if (strcmp(name, "spartac:service") == 0)
		return m->service;
	return NULL;
}

const char *
marshal_var_suggest(const char *name)
{
	return str_suggest(name, var_names, NELEM(var_names));
}

int
marshal_var_is_ours(const char *name)
{
	return strncmp(name, VAR_PREFIX, strlen(VAR_PREFIX)) == 0;
}

/*
 * s with spartac's variables replaced; *left is set when other ${...}
 * variables remain.
 */
static char *
vars_sub(const struct manifest *m, const char *s,
    const cJSON *shadow, int *left)
{
	struct buf b = {0};
	const char *p = s, *open, *end, *val;
	char *name;

	*left = 0;
	while ((open = strstr(p, "${")) != NULL) {
		buf_append(&b, p, (size_t)(open - p));
		if ((end = strchr(open + 2, '}')) == NULL) {
			p = open;
			break;
		}
		name = xstrndup(open + 2, (size_t)(end - open - 2));
		val = open[2] == '!' || cJSON_GetObjectItemCaseSensitive(shadow,
		    name) ? NULL : marshal_var(m, name);
		if (val != NULL)
			buf_puts(&b, val);
		else {
			buf_append(&b, open, (size_t)(end + 1 - open));
			*left |= open[2] != '!';
		}
		free(name);
		p = end + 1;
	}
	buf_puts(&b, p);
	return buf_take(&b);
}

/* "${!x}" -> "${x}": a Fn::Sub string's literal text. */
static char *
unescape(const char *s)
{
	struct buf b = {0};
	const char *p;

	for (p = s; *p; p++) {
		buf_putc(&b, *p);
		if (p[0] == '$' && p[1] == '{' && p[2] == '!') {
			buf_putc(&b, '{');
			p += 2;
		}
	}
	buf_append(&b, "", 0);
	return buf_take(&b);
}

/* The replacement for item when it is one of spartac's, else NULL. */
static cJSON *
vars_item(struct mctx *c, cJSON *item)
{
	const struct manifest *m = c->m;
	cJSON *v = item->child, *text, *shadow = NULL, *rep;
	const char *val;
	char *s, *lit;
	int left;

	if (!cJSON_IsObject(item) || v == NULL || v->next != NULL)
		return NULL;
	if (strcmp(v->string, "Ref") == 0 && cJSON_IsString(v) &&
	    (val = marshal_var(m, v->valuestring)) != NULL)
		return mj_str(c, val);
	if (strcmp(v->string, "Fn::Sub") != 0)
		return NULL;
	text = v;
	if (cJSON_IsArray(v)) {
		text = cJSON_GetArrayItem(v, 0);
		shadow = cJSON_GetArrayItem(v, 1);
	}
	if (!cJSON_IsString(text) || strstr(text->valuestring,
	    "${" VAR_PREFIX) == NULL)
		return NULL;
	s = vars_sub(m, text->valuestring, shadow, &left);
	if (text != v) { /* [string, variables]: the string alone changes */
		jtree_replace(v, text, mj_take(c, s));
		return NULL;
	}
	if (left) {
		rep = mj_obj(c);
		mj_add(rep, "Fn::Sub", mj_take(c, s));
	} else {
		lit = unescape(s);
		rep = mj_take(c, lit);
		free(s);
	}
	return rep;
}

static void
vars_walk(struct mctx *c, cJSON *node)
{
	cJSON *item, *next, *rep;

	for (item = node ? node->child : NULL; item != NULL; item = next) {
		next = item->next;
		if ((rep = vars_item(c, item)) == NULL) {
			vars_walk(c, item);
			continue;
		}
		jtree_replace(node, item, rep); /* a member keeps its key */
	}
}

/*
 * Whether any scalar under n mentions spartac: at all. The manifest is a
 * tenth of the template's size, so this saves the template walk for the
 * services that use no spartac: variable (most of them).
 */
static int
mentions_vars(const struct node *n)
{
	uint32_t i;

	if (n == NULL)
		return 0;
	switch (n->kind) {
	case NODE_SEQ:
		for (i = 0; i < n->n; i++)
			if (mentions_vars(n->items[i]))
				return 1;
		return 0;
	case NODE_MAP:
		for (i = 0; i < n->n; i++)
			if (mentions_vars(n->pairs[i].value))
				return 1;
		return 0;
	default:
		return n->str != NULL && strstr(n->str, VAR_PREFIX) != NULL;
	}
}

void
marshal_vars_apply(struct mctx *c)
{
	if (!mentions_vars(c->m->root))
		return;
	vars_walk(c, c->resources);
	vars_walk(c, c->outputs);
	vars_walk(c, c->conditions);
}
