/*
 * cfn_types.c - the CloudFormation type table (schema/cfn-types.tsv, see
 * tools/gen_cfn_types.py for its format), read from the binary on first use.
 *
 * The table is copied once and split in place: every name is a pointer
 * into the copy, every list a run of one pointer array. The generator
 * writes types and lists sorted, so look-ups are binary searches.
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
	size_t ntypes;
	const char **names;      /* every list's entries, back to back */
	size_t nnames;
	const char *source;      /* the header's "source:" line */
};

static struct cfn_table *table;

/* Splits the space-separated list s into t's names; returns the count. */
static size_t
split_list(struct cfn_table *tb, char *s, const char *const **list)
{
	size_t n = 0;
	char *word;

	*list = tb->names + tb->nnames;
	while ((word = strsep(&s, " ")) != NULL) {
		if (*word == '\0')
			continue;
		tb->names[tb->nnames++] = word;
		n++;
	}
	return n;
}

/* One data line (NUL-terminated, without its newline) into a type. */
static void
parse_line(struct cfn_table *tb, char *line)
{
	struct cfn_type *t;
	char *field[6];
	size_t i;

	for (i = 0; i < 6; i++)
		if ((field[i] = strsep(&line, "\t")) == NULL)
			return; /* not a line the generator writes */
	t = &tb->types[tb->ntypes++];
	t->name = field[0];
	t->nattrs = split_list(tb, field[1], &t->attrs);
	t->nrequired = split_list(tb, field[2], &t->required);
	t->ncreate_only = split_list(tb, field[3], &t->create_only);
	t->nproperties = split_list(tb, field[4], &t->properties);
	t->kinds = strlen(field[5]) == t->nproperties ? field[5] : NULL;
}

static struct cfn_table *
table_read(void)
{
	const struct embedded_file *f = embedded_find(CFN_TYPES_PATH);
	struct cfn_table *tb = xcalloc(1, sizeof(*tb));
	size_t lines = 0, words = 0, i;
	char *s, *line;

	tb->source = "an empty table";
	if (f == NULL)
		return tb;
	tb->text = xstrndup((const char *)f->data, f->len);
	for (i = 0; i < f->len; i++) {
		lines += tb->text[i] == '\n';
		words += tb->text[i] == ' ' || tb->text[i] == '\t';
	}
	tb->types = xcalloc(lines + 1, sizeof(*tb->types));
	tb->names = xcalloc(words + lines + 1, sizeof(*tb->names));
	s = tb->text;
	while ((line = strsep(&s, "\n")) != NULL) {
		if (str_has_prefix(line, "# source: "))
			tb->source = line + strlen("# source: ");
		else if (*line != '#' && *line != '\0')
			parse_line(tb, line);
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
	if (table == NULL)
		table = table_read();
	if (str_has_prefix(type, "Custom::"))
		type = CUSTOM_RESOURCE;
	return bsearch(type, table->types, table->ntypes, sizeof(*table->types),
	    type_cmp);
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
	if (table == NULL)
		return;
	free(table->text);
	free(table->types);
	free(table->names);
	free(table);
	table = NULL;
}
