/*
 * manifest_check_names.c - the names a manifest gives: the service (a stack
 * name), functions and roles (resource names whose logical IDs must not
 * clash), the keys of the raw sections (logical IDs as written) and the C
 * symbols the functions name.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "front/manifest_int.h"

/* ---- names and logical IDs ---- */

static int
is_stack_name(const char *s)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80)
		return 0;
	for (; *s; s++, n++)
		if (!(isalnum((unsigned char)*s) || *s == '-') ||
		    (unsigned char)*s >= 0x80)
			return 0;
	return n <= 128;
}

static int
is_resource_name(const char *s)
{
	size_t n = 0;
	int alnum = 0;

	for (; *s; s++, n++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
		if (isalnum((unsigned char)*s))
			alnum = 1;
		else if (*s != '-' && *s != '_')
			return 0;
	}
	return alnum && n <= 64;
}

static int
is_logical_id(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80)
			return 0;
	return n >= 1 && n <= 255;
}

struct idref {
	const char *id, *name;
	struct loc loc;
};

static int
cmp_idref(const void *a, const void *b)
{
	const struct idref *x = a, *y = b;
	int r = strcmp(x->id, y->id);

	if (r)
		return r;
	/* Stable: the first in manifest order sorts first. */
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	return x->loc.col < y->loc.col ? -1 : x->loc.col > y->loc.col;
}

/* Reports each name whose ID an earlier name already gave. */
static void
check_id_clashes(struct mf_ctx *c, struct idref *v, size_t n,
    const char *what)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_idref);
	for (i = 1; i < n; i++) {
		size_t first = i - 1;

		if (strcmp(v[i].id, v[first].id) != 0 || v[i].id[0] == '\0')
			continue;
		while (first > 0 && strcmp(v[first - 1].id, v[i].id) == 0)
			first--;
		diag_add(c->d, DIAG_LOGICAL_ID_CLASH, v[i].loc,
		    mf_path(c, what, v[i].name, NULL),
		    "%s '%s' and '%s' (line %u) both become the logical ID '%s'",
		    what, v[i].name, v[first].name, v[first].loc.line, v[i].id);
	}
}

/* The keys of a raw section (parameters:, outputs:, mappings:, ...) are
 * logical IDs as written. */
static void
check_section_ids(struct mf_ctx *c, const struct node *section,
    const char *key, const char *what)
{
	size_t i;

	for (i = 0; section && i < section->n; i++)
		if (!is_logical_id(section->pairs[i].key->str))
			diag_add(c->d, DIAG_LOGICAL_ID, section->pairs[i].key->loc,
			    mf_path(c, key, section->pairs[i].key->str, NULL),
			    "%s '%s' is not a valid logical ID", what,
			    section->pairs[i].key->str);
}

/*
 * What S3 refuses in a bucket name beyond the schema's pattern (3..63 of
 * [a-z0-9.-], a letter or digit at each end), or NULL.
 */
static const char *
bucket_name_problem(const char *s)
{
	static const char *const prefixes[] = {"xn--", "sthree-",
	    "amzn-s3-demo-"};
	static const char *const suffixes[] = {"-s3alias", "--ol-s3", ".mrap",
	    "--x-s3", "--table-s3"};
	size_t i, len = strlen(s), dots = 0, digits = 0;

	if (strstr(s, "..") != NULL)
		return "has two adjacent periods";
	if (strstr(s, ".-") != NULL || strstr(s, "-.") != NULL)
		return "has a period next to a hyphen";
	for (i = 0; i < len; i++) {
		if (s[i] == '.')
			dots++;
		else if (isdigit((unsigned char)s[i]))
			digits++;
	}
	if (dots == 3 && dots + digits == len)
		return "is shaped like an IP address";
	for (i = 0; i < NELEM(prefixes); i++)
		if (str_has_prefix(s, prefixes[i]))
			return "starts with a prefix S3 reserves";
	for (i = 0; i < NELEM(suffixes); i++)
		if (len >= strlen(suffixes[i]) &&
		    strcmp(s + len - strlen(suffixes[i]), suffixes[i]) == 0)
			return "ends with a suffix S3 reserves";
	return NULL;
}

static void
check_bucket_name(struct mf_ctx *c, const struct node *n, const char *path)
{
	const char *problem;

	if (n == NULL || n->kind != NODE_STRING)
		return; /* an intrinsic, or the schema reported it */
	if ((problem = bucket_name_problem(n->str)) != NULL)
		diag_add(c->d, DIAG_BUCKET_NAME, n->loc, path,
		    "bucket name '%s' %s", n->str, problem);
}

/* A name of a function (a physical name, a C symbol), for sorting. */
struct nameref {
	const char *name;
	size_t index; /* into m->functions */
};

static int
cmp_nameref(const void *a, const void *b)
{
	const struct nameref *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Two functions may not give the same literal physical name. */
static void
check_physical_names(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	struct nameref *v = xcalloc(m->nfunctions + 1, sizeof(*v));
	size_t i, n = 0;

	for (i = 0; i < m->nfunctions; i++) {
		const struct node *pn = m->functions[i].physical_name;

		if (pn == NULL || pn->kind != NODE_STRING)
			continue;
		v[n].name = pn->str;
		v[n++].index = i;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_nameref);
	for (i = 1; i < n; i++) {
		const struct manifest_function *f = &m->functions[v[i].index];
		const struct manifest_function *g = &m->functions[v[i - 1].index];

		if (strcmp(v[i].name, v[i - 1].name) != 0)
			continue;
		diag_add(c->d, DIAG_FUNCTION_NAME, f->physical_name->loc,
		    mf_path(c, "functions", f->name, ".name"),
		    "function '%s' has the physical name '%s', which function '%s' (line %u) has too",
		    f->name, v[i].name, g->name, g->physical_name->loc.line);
	}
	free(v);
}

void
mf_check_names(struct mf_ctx *c, const struct node *root)
{
	struct manifest *m = c->m;
	const struct node *params = get_map(root, "parameters");
	const struct node *res = get_map(root, "resources");
	const struct node *outs = get_map(root, "outputs");
	struct idref *ids;
	size_t i, n;

	if (m->service && !is_stack_name(m->service))
		diag_add(c->d, DIAG_SERVICE_NAME, m->service_loc, "service",
		    "service name '%s' is not a valid CloudFormation stack name",
		    m->service);

	n = m->nfunctions > m->nroles ? m->nfunctions : m->nroles;
	ids = xcalloc(n + 1, sizeof(*ids));
	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = &m->functions[i];

		if (!is_resource_name(f->name))
			diag_add(c->d, DIAG_NAME_INVALID, f->key_loc,
			    mf_path(c, "functions", f->name, NULL),
			    "function name '%s' is not valid for Lambda and CloudFormation",
			    f->name);
		ids[i] = (struct idref){f->id, f->name, f->key_loc};
	}
	check_id_clashes(c, ids, m->nfunctions, "functions");
	for (i = 0; i < m->nroles; i++) {
		const struct manifest_role *r = &m->roles[i];

		if (!is_resource_name(r->name))
			diag_add(c->d, DIAG_NAME_INVALID, r->key_loc,
			    mf_path(c, "roles", r->name, NULL),
			    "role name '%s' is not valid for IAM and CloudFormation",
			    r->name);
		ids[i] = (struct idref){r->id, r->name, r->key_loc};
	}
	check_id_clashes(c, ids, m->nroles, "roles");
	free(ids);

	/* Raw sections: keys are logical IDs as written. Mappings and
	 * conditions have namespaces of their own (cfn-lint accepts a condition
	 * named like a resource), so only their syntax is checked. */
	check_section_ids(c, params, "parameters", "parameter");
	check_section_ids(c, get_map(root, "mappings"), "mappings", "mapping");
	check_section_ids(c, get_map(root, "conditions"), "conditions",
	    "condition");
	for (i = 0; res && i < res->n; i++) {
		const struct node_pair *p = &res->pairs[i];
		const struct node_pair *q = node_find(params, p->key->str);

		if (!is_logical_id(p->key->str))
			diag_add(c->d, DIAG_LOGICAL_ID, p->key->loc,
			    mf_path(c, "resources", p->key->str, NULL),
			    "resource '%s' is not a valid logical ID",
			    p->key->str);
		if (q)
			diag_add(c->d, DIAG_LOGICAL_ID_CLASH, p->key->loc,
			    mf_path(c, "resources", p->key->str, NULL),
			    "resource '%s' has the logical ID of the parameter at line %u",
			    p->key->str, q->key->loc.line);
	}
	check_section_ids(c, outs, "outputs", "output");
	check_physical_names(c);
	if (m->site && m->site->bucket_name)
		check_bucket_name(c, m->site->bucket_name, "site.bucket_name");
}

/* ---- C symbols ---- */

static const char *const c_keywords[] = {
	"_Alignas", "_Alignof", "_Atomic", "_BitInt", "_Bool", "_Complex",
	"_Decimal128", "_Decimal32", "_Decimal64", "_Generic", "_Imaginary",
	"_Noreturn", "_Static_assert", "_Thread_local", "alignas", "alignof",
	"auto", "bool", "break", "case", "char", "const", "constexpr",
	"continue", "default", "do", "double", "else", "enum", "extern",
	"false", "float", "for", "goto", "if", "inline", "int", "long",
	"nullptr", "register", "restrict", "return", "short", "signed",
	"sizeof", "static", "static_assert", "struct", "switch",
	"thread_local", "true", "typedef", "typeof", "typeof_unqual", "union",
	"unsigned", "void", "volatile", "while",
};

static int
is_c_identifier(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_') ||
	    (unsigned char)*s >= 0x80)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_') ||
		    (unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static int
is_c_keyword(const char *s)
{
	return bsearch(&s, c_keywords, NELEM(c_keywords), sizeof(*c_keywords),
	    mf_cmp_str) != NULL;
}

static int
is_reserved_symbol(const char *s)
{
	return strcmp(s, "main") == 0 || str_has_prefix(s, "sparta_") ||
	    str_has_prefix(s, "spartac_") || str_has_prefix(s, "__") ||
	    (s[0] == '_' && isupper((unsigned char)s[1]));
}

void
mf_check_symbols(struct mf_ctx *c)
{
	struct manifest *m = c->m;
	struct nameref *v = xcalloc(m->nfunctions + 1, sizeof(*v));
	size_t i, n = 0, first = 0;

	for (i = 0; i < m->nfunctions; i++) {
		const struct manifest_function *f = &m->functions[i];

		if (f->symbol == NULL)
			continue;
		if (!is_c_identifier(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_INVALID, f->symbol_loc,
			    mf_path(c, "functions", f->name, ".symbol"),
			    "symbol '%s' is not a C identifier", f->symbol);
			continue;
		}
		if (is_c_keyword(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_KEYWORD, f->symbol_loc,
			    mf_path(c, "functions", f->name, ".symbol"),
			    "symbol '%s' is a C keyword", f->symbol);
			continue;
		}
		if (is_reserved_symbol(f->symbol)) {
			diag_add(c->d, DIAG_SYMBOL_RESERVED, f->symbol_loc,
			    mf_path(c, "functions", f->name, ".symbol"),
			    "symbol '%s' is reserved", f->symbol);
			continue;
		}
		v[n].name = f->symbol;
		v[n++].index = i;
	}
	qsort(v, n, sizeof(*v), cmp_nameref);
	for (i = 1; i < n; i++) {
		const struct manifest_function *f = &m->functions[v[i].index];
		const struct manifest_function *g;

		if (strcmp(v[i].name, v[i - 1].name) != 0) {
			first = i;
			continue;
		}
		if (f->share_symbol)
			continue;
		g = &m->functions[v[first].index];
		diag_add(c->d, DIAG_SYMBOL_DUPLICATE, f->symbol_loc,
		    mf_path(c, "functions", f->name, ".symbol"),
		    "function '%s' uses symbol '%s', which function '%s' (line %u) already uses",
		    f->name, f->symbol, g->name, g->symbol_loc.line);
	}
	free(v);
}

