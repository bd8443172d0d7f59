/*
 * cfn_types.c - the CloudFormation type table (schema/cfn-types.tsv, see
 * tools/gen_cfn_types.py for its format), read from the binary on first use.
 *
 * The table is copied once and split in place: every name is a pointer
 * into the copy; a type's columns are split on its first look-up, each
 * list a run of the type's one pointer array. The generator writes types
 * and lists sorted, so look-ups are binary searches.
 */
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/util.h"
#include "compile/cfn_types.h"

#define CFN_TYPES_PATH "schema/cfn-types.tsv"
#define CUSTOM_RESOURCE "AWS::CloudFormation::CustomResource"

struct cfn_table {
	char *text;              /* the table's copy, split in place */
	struct cfn_type *types;  /* sorted by name */
	char **rest;             /* [i]: types[i]'s other columns, until parsed */
	size_t ntypes;
	const char *source;      /* the header's "source:" line */
};

static struct cfn_table *table;

/*
 * Splits the space-separated list s into names taken from *names; returns
 * the count.
 */
static size_t
split_list(const char ***names, char *s, const char *const **list)
{
	size_t n = 0;
	char *word;

	*list = *names;
	while ((word = strsep(&s, " ")) != NULL) {
		if (*word == '\0')
			continue;
		*(*names)++ = word;
		n++;
	}
	return n;
}

/*
 * The columns after the name (NUL-terminated, tab-separated) into t. The
 * table holds some 1,600 types and a run uses a handful: each is split on
 * first use, into one pointer array that t owns.
 */
static void
parse_columns(struct cfn_type *t, char *line)
{
	const char **names;
	char *field[5];
	size_t i, words = 1;

	for (i = 0; line[i] != '\0'; i++)
		words += line[i] == ' ' || line[i] == '\t';
	names = xcalloc(words, sizeof(*names));
	t->names = names;
	for (i = 0; i < 5; i++)
		if ((field[i] = strsep(&line, "\t")) == NULL)
			return; /* not a line the generator writes */
	t->nattrs = split_list(&names, field[0], &t->attrs);
	t->nrequired = split_list(&names, field[1], &t->required);
	t->ncreate_only = split_list(&names, field[2], &t->create_only);
	t->nproperties = split_list(&names, field[3], &t->properties);
	t->kinds = strlen(field[4]) == t->nproperties ? field[4] : NULL;
}

/* Only the lines and the type names: the rest waits for cfn_type_find. */
static struct cfn_table *
table_read(void)
{
	const struct embedded_file *f = embedded_find(CFN_TYPES_PATH);
	struct cfn_table *tb = xcalloc(1, sizeof(*tb));
	size_t lines = 1;
	char *s, *line, *tab;

	tb->source = "an empty table";
	if (f == NULL)
		return tb;
	tb->text = xstrndup((const char *)f->data, f->len);
	for (s = tb->text; (s = memchr(s, '\n', f->len - (size_t)(s -
	    tb->text))) != NULL; s++)
		lines++;
	tb->types = xcalloc(lines, sizeof(*tb->types));
	tb->rest = xcalloc(lines, sizeof(*tb->rest));
	s = tb->text;
	while ((line = strsep(&s, "\n")) != NULL) {
		if (str_has_prefix(line, "# source: "))
			tb->source = line + strlen("# source: ");
		else if (*line != '#' && (tab = strchr(line, '\t')) != NULL) {
			*tab = '\0';
			tb->types[tb->ntypes].name = line;
			tb->rest[tb->ntypes++] = tab + 1;
		}
	}
	return tb;
}

static int
type_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cfn_type *)elem)->name);
}

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

const struct cfn_type *
cfn_type_find(const char *type)
{
	struct cfn_type *t;

	if (table == NULL)
		table = table_read();
	if (str_has_prefix(type, "Custom::"))
		type = CUSTOM_RESOURCE;
	t = bsearch(type, table->types, table->ntypes, sizeof(*table->types),
	    type_cmp);
	if (t != NULL && table->rest[t - table->types] != NULL) {
		parse_columns(t, table->rest[t - table->types]);
		table->rest[t - table->types] = NULL;
	}
	return t;
}

const char *
cfn_type_suggest(const char *type)
{
	const char **names, *hint;
	size_t i;

	if (table == NULL)
		table = table_read();
	names = xcalloc(table->ntypes + 1, sizeof(*names));
	for (i = 0; i < table->ntypes; i++)
		names[i] = table->types[i].name;
	hint = str_suggest(type, names, table->ntypes);
	free(names);
	return hint;
}

/* Whether s matches pat, where a '*' is one or more characters of any kind. */
static int
glob_match(const char *pat, const char *s)
{
	for (; *pat != '*'; pat++, s++) {
		if (*pat != *s)
			return 0;
		if (*pat == '\0')
			return 1;
	}
	if (*s == '\0')
		return 0;
	for (s++;; s++) {
		if (glob_match(pat + 1, s))
			return 1;
		if (*s == '\0')
			return 0;
	}
}

int
cfn_type_has_attribute(const struct cfn_type *t, const char *attr)
{
	size_t i;

	if (bsearch(attr, t->attrs, t->nattrs, sizeof(*t->attrs), name_cmp))
		return 1;
	for (i = 0; i < t->nattrs; i++)
		if (strchr(t->attrs[i], '*') && glob_match(t->attrs[i], attr))
			return 1;
	return 0;
}

int
cfn_type_property(const struct cfn_type *t, const char *name)
{
	const char *const *hit;

	if (t->nproperties == 1 && strcmp(t->properties[0], "*") == 0)
		return '-';
	hit = bsearch(name, t->properties, t->nproperties,
	    sizeof(*t->properties), name_cmp);
	if (hit == NULL)
		return 0;
	return t->kinds != NULL ? t->kinds[hit - t->properties] : '-';
}

const char *
cfn_types_source(void)
{
	if (table == NULL)
		table = table_read();
	return table->source;
}

void
cfn_types_free(void)
{
	size_t i;

	if (table == NULL)
		return;
	for (i = 0; i < table->ntypes; i++)
		free(table->types[i].names);
	free(table->text);
	free(table->types);
	free(table->rest);
	free(table);
	table = NULL;
}
