/*
 * loader.c - libyaml events -> located tree. See loader.h for the limits.
 *
 * A recursive descent over libyaml's event stream; recursion is bounded by
 * YAML_MAX_DEPTH, checked before descending. Aliases share the anchored
 * node and are charged its expanded size, so a "billion laughs" file is
 * refused after a few thousand events with a few kilobytes of memory.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "front/loader.h"

struct anchor {
	char *name;
	struct node *node;
	size_t size; /* expanded node count */
};

struct loader {
	struct doc *doc;
	struct diags *d;
	yaml_parser_t parser;
	struct anchor *anchors;
	size_t nanchors, anchorcap;
	size_t nodes;       /* expanded nodes so far */
	size_t alias_nodes; /* expanded nodes added by aliases */
	int fatal;          /* a syntax error or a limit: stop */
	int at_key;         /* the next node is a mapping key */
	/*
	 * The children of the open collections, innermost last (a map's as
	 * key, value, key, ...): each collection gets an array of exactly its
	 * size when it closes, instead of doubling arrays left in the arena.
	 */
	struct node **stack;
	size_t nstack, stackcap;
	size_t bom;         /* 3 when the text starts with a UTF-8 BOM */
};

/* CloudFormation short forms, and the shape each one's value must have. */
enum tag_shape {
	SHAPE_STRING,     /* a scalar, kept as a string */
	SHAPE_SEQ,        /* a sequence of min..max items */
	SHAPE_STR_OR_SEQ, /* !Sub: a string or [string, map] */
	SHAPE_STR_OR_MAP, /* !GetAZs, !ImportValue: a string or an intrinsic */
	SHAPE_GETATT,     /* "Resource.Attribute" or [Resource, Attribute] */
};

static const struct cfn_tag {
	const char *tag;
	const char *key;
	enum tag_shape shape;
	unsigned min, max;
} cfn_tags[] = {
	{"!Ref", "Ref", SHAPE_STRING, 0, 0},
	{"!Condition", "Condition", SHAPE_STRING, 0, 0},
	{"!GetAtt", "Fn::GetAtt", SHAPE_GETATT, 2, 2},
	{"!Sub", "Fn::Sub", SHAPE_STR_OR_SEQ, 2, 2},
	{"!Join", "Fn::Join", SHAPE_SEQ, 2, 2},
	{"!Select", "Fn::Select", SHAPE_SEQ, 2, 2},
	{"!Split", "Fn::Split", SHAPE_SEQ, 2, 2},
	{"!If", "Fn::If", SHAPE_SEQ, 3, 3},
	{"!Equals", "Fn::Equals", SHAPE_SEQ, 2, 2},
	{"!Not", "Fn::Not", SHAPE_SEQ, 1, 1},
	{"!And", "Fn::And", SHAPE_SEQ, 2, 10},
	{"!Or", "Fn::Or", SHAPE_SEQ, 2, 10},
	{"!FindInMap", "Fn::FindInMap", SHAPE_SEQ, 3, 3},
	{"!Base64", "Fn::Base64", SHAPE_STR_OR_MAP, 0, 0},
	{"!Cidr", "Fn::Cidr", SHAPE_SEQ, 3, 3},
	{"!GetAZs", "Fn::GetAZs", SHAPE_STR_OR_MAP, 0, 0},
	{"!ImportValue", "Fn::ImportValue", SHAPE_STR_OR_MAP, 0, 0},
};

static struct node *parse_node(struct loader *L, yaml_event_t *ev,
    unsigned depth, size_t *size);

static struct loc
mark_loc(struct loader *L, yaml_mark_t m)
{
	struct loc loc = {L->doc->file, (unsigned)m.line + 1, (unsigned)m.column + 1};

	return loc;
}

/* The line and column (in characters) of a byte offset in the text. */
static struct loc
offset_loc(struct loader *L, size_t off)
{
	struct loc loc = {L->doc->file, 1, 1};
	size_t i;

	if (off > L->doc->len)
		off = L->doc->len;
	for (i = L->bom; i < off; i++) {
		if (L->doc->text[i] == '\n') {
			loc.line++;
			loc.col = 1;
		} else if (((unsigned char)L->doc->text[i] & 0xc0) != 0x80) {
			loc.col++;
		}
	}
	return loc;
}

static void
report_parser_error(struct loader *L)
{
	yaml_parser_t *p = &L->parser;
	const char *problem = p->problem ? p->problem : "malformed YAML";
	struct loc loc;

	L->fatal = 1;
	if (p->error == YAML_READER_ERROR) {
		/* UTF-8 was checked before parsing: this is a control character */
		loc = offset_loc(L, L->bom + p->problem_offset);
		diag_add(L->d, DIAG_YAML_SYNTAX, loc, NULL,
		    "%s (character U+%04X at byte offset %zu)", problem,
		    (unsigned)p->problem_value, L->bom + p->problem_offset);
		return;
	}
	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(L->d, DIAG_YAML_SYNTAX, offset_loc(L, 0), NULL,
		    "the YAML parser ran out of memory");
		return;
	}
	loc = mark_loc(L, p->problem_mark);
	if (p->context)
		diag_add(L->d, DIAG_YAML_SYNTAX, loc, NULL,
		    "%s (%s started at line %u, column %u)", problem, p->context,
		    (unsigned)p->context_mark.line + 1,
		    (unsigned)p->context_mark.column + 1);
	else
		diag_add(L->d, DIAG_YAML_SYNTAX, loc, NULL, "%s", problem);
}

/* Pulls the next event; on a parser error reports it and returns 0. */
static int
next_event(struct loader *L, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&L->parser, ev)) {
		report_parser_error(L);
		return 0;
	}
	return 1;
}

static int
charge(struct loader *L, size_t n, struct loc loc)
{
	L->nodes += n;
	if (L->nodes > YAML_NODE_BUDGET) {
		diag_add(L->d, DIAG_YAML_NODE_BUDGET, loc, NULL,
		    "the document has more than %u nodes", YAML_NODE_BUDGET);
		L->fatal = 1;
		return -1;
	}
	return 0;
}

static const char *
tag_of(yaml_event_t *ev)
{
	yaml_char_t *t = NULL;

	if (ev->type == YAML_SCALAR_EVENT)
		t = ev->data.scalar.tag;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		t = ev->data.sequence_start.tag;
	else if (ev->type == YAML_MAPPING_START_EVENT)
		t = ev->data.mapping_start.tag;
	return (const char *)t;
}

static const char *
anchor_of(yaml_event_t *ev)
{
	yaml_char_t *a = NULL;

	if (ev->type == YAML_SCALAR_EVENT)
		a = ev->data.scalar.anchor;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		a = ev->data.sequence_start.anchor;
	else if (ev->type == YAML_MAPPING_START_EVENT)
		a = ev->data.mapping_start.anchor;
	return (const char *)a;
}

static int
parse_int(const char *s, long long *out)
{
	int base = 10, neg = 0;
	unsigned long long v;
	char *end;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	else if (s[0] == '0' && s[1] == 'o')
		base = 8, s += 2;
	if (*s == '\0')
		return 0;
	for (end = (char *)s; *end; end++) {
		if (base == 10 && !(*end >= '0' && *end <= '9'))
			return 0;
		if (base == 8 && !(*end >= '0' && *end <= '7'))
			return 0;
		if (base == 16 && !((*end >= '0' && *end <= '9') ||
		    (*end >= 'a' && *end <= 'f') || (*end >= 'A' && *end <= 'F')))
			return 0;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE || v > (unsigned long long)LLONG_MAX + neg)
		return -1; /* an integer, but too large: caller makes it a float */
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 1;
}

static int
parse_float(const char *s, double *out)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-' || *p == '+')
		p++;
	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 ||
	    strcmp(p, ".INF") == 0) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 1;
	}
	if (p == s && (strcmp(p, ".nan") == 0 || strcmp(p, ".NaN") == 0 ||
	    strcmp(p, ".NAN") == 0)) {
		*out = NAN;
		return 1;
	}
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (digits == 0)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return 0;
	*out = strtod(s, NULL);
	return 1;
}

static int
is_one_of(const char *s, const char *a, const char *b, const char *c)
{
	return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

/*
 * Resolves a plain scalar as the YAML 1.2 core schema does. Most scalars
 * are names and words: the first character rules out every other type
 * before any comparison is made.
 */
static void
resolve_plain(struct node *n)
{
	const char *s = n->str;
	long long i;
	double f;
	int r;

	switch (*s) {
	case '\0':
		n->kind = NODE_NULL;
		return;
	case '~':
	case 'n':
	case 'N':
		if (strcmp(s, "~") == 0 || is_one_of(s, "null", "Null", "NULL"))
			n->kind = NODE_NULL;
		return;
	case 't':
	case 'T':
		if (is_one_of(s, "true", "True", "TRUE")) {
			n->kind = NODE_BOOL;
			n->v.b = 1;
		}
		return;
	case 'f':
	case 'F':
		if (is_one_of(s, "false", "False", "FALSE")) {
			n->kind = NODE_BOOL;
			n->v.b = 0;
		}
		return;
	case '+':
	case '-':
	case '.':
		break;
	default:
		if (*s < '0' || *s > '9')
			return;
		break;
	}
	if (n->len != strlen(s))
		return; /* holds a NUL: only a string can */
	if ((r = parse_int(s, &i)) != 0) {
		if (r > 0) {
			n->kind = NODE_INT;
			n->v.i = i;
		} else {
			n->kind = NODE_FLOAT;
			n->v.f = strtod(s, NULL);
		}
	} else if (parse_float(s, &f)) {
		n->kind = NODE_FLOAT;
		n->v.f = f;
	}
}

static const struct cfn_tag *
cfn_tag_find(const char *tag)
{
	size_t i;

	for (i = 0; i < NELEM(cfn_tags); i++)
		if (strcmp(cfn_tags[i].tag, tag) == 0)
			return &cfn_tags[i];
	return NULL;
}

static int
is_core_tag(const char *tag, const char *name)
{
	static const char prefix[] = "tag:yaml.org,2002:";

	return strncmp(tag, prefix, sizeof(prefix) - 1) == 0 &&
	    strcmp(tag + sizeof(prefix) - 1, name) == 0;
}

static void
report_unknown_tag(struct loader *L, const char *tag, struct loc loc)
{
	const char *names[NELEM(cfn_tags)];
	size_t i;

	for (i = 0; i < NELEM(cfn_tags); i++)
		names[i] = cfn_tags[i].tag;
	diag_add(L->d, DIAG_YAML_UNKNOWN_TAG, loc, NULL, "unknown tag '%s'%s",
	    tag, diag_suggest(tag, names, NELEM(names)));
}

/* Applies a YAML core tag (!!str, !!int, ...) to a scalar. */
static void
apply_core_tag(struct loader *L, struct node *n, const char *tag)
{
	long long i;
	double f;

	if (is_core_tag(tag, "str")) {
		n->kind = NODE_STRING;
	} else if (is_core_tag(tag, "int")) {
		if (parse_int(n->str, &i) > 0) {
			n->kind = NODE_INT;
			n->v.i = i;
		} else {
			diag_add(L->d, DIAG_YAML_SYNTAX, n->loc, NULL,
			    "'%s' is not an integer, as its !!int tag says", n->str);
		}
	} else if (is_core_tag(tag, "float")) {
		if (parse_float(n->str, &f) || parse_int(n->str, &i) > 0) {
			n->kind = NODE_FLOAT;
			n->v.f = strtod(n->str, NULL);
		} else {
			diag_add(L->d, DIAG_YAML_SYNTAX, n->loc, NULL,
			    "'%s' is not a number, as its !!float tag says", n->str);
		}
	} else if (is_core_tag(tag, "bool") || is_core_tag(tag, "null")) {
		resolve_plain(n);
		if (n->kind != (is_core_tag(tag, "bool") ? NODE_BOOL : NODE_NULL))
			diag_add(L->d, DIAG_YAML_SYNTAX, n->loc, NULL,
			    "'%s' does not match its tag %s", n->str, tag);
	} else {
		report_unknown_tag(L, tag, n->loc);
	}
}

/*
 * Wraps value in the long form of a CloudFormation short-form tag:
 * !Ref x -> {"Ref": x}, !GetAtt a.b -> {"Fn::GetAtt": ["a", "b"]}.
 */
static struct node *
wrap_cfn_tag(struct loader *L, const struct cfn_tag *t, struct node *value)
{
	struct doc *doc = L->doc;
	struct node *map, *key, *seq, *part;
	const char *dot;
	int ok = 1;

	switch (t->shape) {
	case SHAPE_STRING:
		ok = node_is_scalar(value);
		break;
	case SHAPE_SEQ:
		ok = value->kind == NODE_SEQ && value->n >= t->min && value->n <= t->max;
		break;
	case SHAPE_STR_OR_SEQ:
		ok = node_is_scalar(value) || (value->kind == NODE_SEQ && value->n == 2);
		break;
	case SHAPE_STR_OR_MAP:
		ok = node_is_scalar(value) || value->kind == NODE_MAP;
		break;
	case SHAPE_GETATT:
		if (value->kind == NODE_SEQ) {
			ok = value->n == 2;
		} else if (node_is_scalar(value) &&
		    (dot = strchr(value->str, '.')) != NULL && dot != value->str &&
		    dot[1] != '\0') {
			seq = node_new(doc, NODE_SEQ, value->loc);
			part = node_new(doc, NODE_STRING, value->loc);
			part->str = doc_strndup(doc, value->str, (size_t)(dot - value->str));
			part->len = (size_t)(dot - value->str);
			node_seq_push(doc, seq, part);
			part = node_new(doc, NODE_STRING, value->loc);
			part->len = value->len - (size_t)(dot - value->str) - 1;
			part->str = doc_strndup(doc, dot + 1, part->len);
			node_seq_push(doc, seq, part);
			value = seq;
		} else {
			ok = 0;
		}
		break;
	}
	if (!ok) {
		if (t->shape == SHAPE_SEQ && t->min == t->max)
			diag_add(L->d, DIAG_YAML_BAD_TAG_VALUE, value->loc, NULL,
			    "%s takes a list of %u item%s", t->tag, t->min,
			    t->min == 1 ? "" : "s");
		else if (t->shape == SHAPE_SEQ)
			diag_add(L->d, DIAG_YAML_BAD_TAG_VALUE, value->loc, NULL,
			    "%s takes a list of %u to %u items", t->tag, t->min, t->max);
		else if (t->shape == SHAPE_GETATT)
			diag_add(L->d, DIAG_YAML_BAD_TAG_VALUE, value->loc, NULL,
			    "!GetAtt takes 'Resource.Attribute' or [Resource, Attribute]");
		else if (t->shape == SHAPE_STR_OR_SEQ)
			diag_add(L->d, DIAG_YAML_BAD_TAG_VALUE, value->loc, NULL,
			    "%s takes a string or a list of 2 items", t->tag);
		else
			diag_add(L->d, DIAG_YAML_BAD_TAG_VALUE, value->loc, NULL,
			    "%s takes a string", t->tag);
	}
	map = node_new(doc, NODE_MAP, value->loc);
	map->from_tag = 1;
	key = node_new(doc, NODE_STRING, value->loc);
	key->str = t->key;
	key->len = strlen(t->key);
	node_map_put(doc, map, key, value);
	return map;
}

/* yes, no, on, off, y, n in any case: YAML 1.1's booleans that 1.2 dropped. */
static int
is_yaml11_bool(const char *s)
{
	static const char *const words[] = {"yes", "no", "on", "off", "y", "n"};
	size_t i;

	for (i = 0; i < NELEM(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

/* An integer written with a leading zero: 0128, -012 (not 0, 0.5, 0o17). */
static int
has_leading_zero(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] != '0' || s[1] == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static void
warn_leading_zero(struct loader *L, const struct node *n)
{
	const char *digits = n->str + strspn(n->str, "+-0");
	const char *sign = n->str[0] == '-' ? "-" : "";
	char octal[32] = "octal or as a string";

	if (*digits == '\0')
		digits = "0";
	if (n->str[strspn(n->str, "+-01234567")] == '\0' && strlen(digits) < 20)
		snprintf(octal, sizeof(octal), "octal (%s%llu)", sign,
		    strtoull(digits, NULL, 8));
	diag_add(L->d, DIAG_YAML_LEADING_ZERO, n->loc, NULL,
	    "'%s' has a leading zero: read as the decimal %s%s here, but "
	    "YAML 1.1 reads it as %s", n->str, sign, digits, octal);
}

/*
 * Plain values that YAML 1.1 readers (PyYAML, editor plugins, older tools
 * that may read the same manifest) take otherwise than spartac, which reads
 * YAML 1.2. Keys are left alone: a non-string key is an error already.
 */
static void
warn_yaml11(struct loader *L, const struct node *n)
{
	if (n->kind == NODE_STRING && is_yaml11_bool(n->str))
		diag_add(L->d, DIAG_YAML_BOOLEAN_WORD, n->loc, NULL,
		    "'%s' is the string \"%s\" here, but YAML 1.1 reads it as the "
		    "boolean %s", n->str, n->str,
		    strchr("yY", n->str[0]) != NULL ||
		    strcasecmp(n->str, "on") == 0 ? "true" : "false");
	else if ((n->kind == NODE_INT || n->kind == NODE_FLOAT) &&
	    has_leading_zero(n->str))
		warn_leading_zero(L, n);
}

static struct node *
parse_scalar(struct loader *L, yaml_event_t *ev)
{
	struct node *n = node_new(L->doc, NODE_STRING, mark_loc(L, ev->start_mark));
	const char *tag = tag_of(ev);

	n->len = ev->data.scalar.length;
	n->str = doc_strndup(L->doc, (const char *)ev->data.scalar.value, n->len);
	if (tag == NULL) {
		if (ev->data.scalar.plain_implicit) {
			resolve_plain(n);
			if (!L->at_key)
				warn_yaml11(L, n);
		}
	} else if (strcmp(tag, "!") == 0) {
		/* the non-specific tag: a string */
	} else if (cfn_tag_find(tag)) {
		/* the caller wraps it */
	} else {
		apply_core_tag(L, n, tag);
	}
	return n;
}

static int
pair_key_compare(const void *a, const void *b)
{
	const struct node_pair *x = *(const struct node_pair *const *)a;
	const struct node_pair *y = *(const struct node_pair *const *)b;
	int c;

	if ((c = strcmp(x->key->str, y->key->str)) != 0)
		return c;
	/* equal keys: document order, so the first one comes first */
	return x < y ? -1 : x > y;
}

static void
report_duplicate(struct loader *L, const struct node_pair *dup,
    const struct node_pair *first)
{
	diag_add(L->d, DIAG_YAML_DUPLICATE_KEY, dup->key->loc, NULL,
	    "duplicate key '%s' (first defined at line %u, column %u)",
	    dup->key->str, first->key->loc.line, first->key->loc.col);
}

/*
 * Reports every key that repeats an earlier one in the same mapping.
 * Small mappings (nearly all of them) compare pairwise; large ones sort.
 */
static void
check_duplicate_keys(struct loader *L, const struct node *map)
{
	const struct node_pair **v;
	size_t i, j, first = 0;

	if (map->n < 2)
		return;
	if (map->n <= 16) {
		for (i = 1; i < map->n; i++)
			for (j = 0; j < i; j++)
				if (strcmp(map->pairs[i].key->str, map->pairs[j].key->str) == 0) {
					report_duplicate(L, &map->pairs[i], &map->pairs[j]);
					break;
				}
		return;
	}
	v = xmalloc(map->n * sizeof(*v));
	for (i = 0; i < map->n; i++)
		v[i] = &map->pairs[i];
	qsort(v, map->n, sizeof(*v), pair_key_compare);
	for (i = 1; i < map->n; i++) {
		if (strcmp(v[i]->key->str, v[first]->key->str) != 0) {
			first = i;
			continue;
		}
		report_duplicate(L, v[i], v[first]);
	}
	free(v);
}

static void
stack_push(struct loader *L, struct node *n)
{
	L->stack = xgrow(L->stack, &L->stackcap, L->nstack + 1,
	    sizeof(*L->stack));
	L->stack[L->nstack++] = n;
}

/* Moves the children pushed since base into n's own array. */
static void
stack_pop_into(struct loader *L, struct node *n, size_t base)
{
	/* no stack yet when nothing was ever pushed: NULL + 0 is undefined */
	struct node **v = L->stack != NULL ? L->stack + base : NULL;
	size_t k = L->nstack - base, i;

	if (n->kind == NODE_MAP) {
		n->n = n->cap = (uint32_t)(k / 2);
		n->pairs = k ? doc_alloc(L->doc, n->n * sizeof(*n->pairs)) : NULL;
		for (i = 0; i < n->n; i++) {
			n->pairs[i].key = v[2 * i];
			n->pairs[i].value = v[2 * i + 1];
		}
	} else {
		n->n = n->cap = (uint32_t)k;
		n->items = k ? doc_alloc(L->doc, k * sizeof(*n->items)) : NULL;
		if (k)
			memcpy(n->items, v, k * sizeof(*v));
	}
	L->nstack = base;
}

static struct node *
parse_collection(struct loader *L, yaml_event_t *start, unsigned depth,
    size_t *size)
{
	struct loc loc = mark_loc(L, start->start_mark);
	int is_map = start->type == YAML_MAPPING_START_EVENT;
	yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
	struct node *n = node_new(L->doc, is_map ? NODE_MAP : NODE_SEQ, loc);
	struct node *key = NULL, *child;
	yaml_event_t ev;
	size_t childsize, base = L->nstack;
	int plain_key;

	*size = 1;
	if (depth > YAML_MAX_DEPTH) {
		diag_add(L->d, DIAG_YAML_DEPTH, loc, NULL,
		    "nesting deeper than %d levels", YAML_MAX_DEPTH);
		L->fatal = 1;
		return NULL;
	}
	for (;;) {
		if (!next_event(L, &ev))
			return NULL;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		plain_key = is_map && key == NULL && ev.type == YAML_SCALAR_EVENT &&
		    ev.data.scalar.plain_implicit && tag_of(&ev) == NULL;
		L->at_key = is_map && key == NULL;
		child = parse_node(L, &ev, depth + 1, &childsize);
		L->at_key = 0;
		yaml_event_delete(&ev);
		if (L->fatal)
			return NULL;
		*size += childsize;
		if (!is_map) {
			stack_push(L, child);
			continue;
		}
		if (key == NULL) {
			key = child;
			if (key->kind != NODE_STRING) {
				diag_add(L->d, DIAG_YAML_KEY_TYPE, key->loc, NULL,
				    "mapping key is of type %s, not a string",
				    node_kind_name(key->kind));
			} else if (plain_key && strcmp(key->str, "<<") == 0) {
				diag_add(L->d, DIAG_YAML_MERGE_KEY, key->loc, NULL,
				    "merge key '<<' is not supported");
			}
			continue;
		}
		if (key->kind == NODE_STRING) {
			stack_push(L, key);
			stack_push(L, child);
		}
		key = NULL;
	}
	stack_pop_into(L, n, base);
	if (is_map)
		check_duplicate_keys(L, n);
	return n;
}

static struct node *
parse_alias(struct loader *L, yaml_event_t *ev, size_t *size)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct loc loc = mark_loc(L, ev->start_mark);
	size_t i;

	for (i = L->nanchors; i-- > 0;) {
		if (strcmp(L->anchors[i].name, name) != 0)
			continue;
		*size = L->anchors[i].size;
		L->alias_nodes += *size;
		if (L->alias_nodes > YAML_ALIAS_BUDGET) {
			diag_add(L->d, DIAG_YAML_ALIAS_BUDGET, loc, NULL,
			    "aliases expand to more than %u nodes", YAML_ALIAS_BUDGET);
			L->fatal = 1;
			return NULL;
		}
		if (charge(L, *size, loc) == -1)
			return NULL;
		return L->anchors[i].node;
	}
	diag_add(L->d, DIAG_YAML_SYNTAX, loc, NULL, "unknown alias '*%s'", name);
	L->fatal = 1;
	return NULL;
}

static struct node *
parse_node(struct loader *L, yaml_event_t *ev, unsigned depth, size_t *size)
{
	const struct cfn_tag *cfn = NULL;
	const char *tag, *anchor;
	struct node *n;
	struct anchor *a;

	*size = 0;
	if (ev->type == YAML_ALIAS_EVENT)
		return parse_alias(L, ev, size);
	if (charge(L, 1, mark_loc(L, ev->start_mark)) == -1)
		return NULL;
	if ((tag = tag_of(ev)) != NULL && strcmp(tag, "!") != 0)
		cfn = cfn_tag_find(tag);
	if (ev->type == YAML_SCALAR_EVENT) {
		n = parse_scalar(L, ev);
		*size = 1;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT ||
	    ev->type == YAML_MAPPING_START_EVENT) {
		if (tag && cfn == NULL && strcmp(tag, "!") != 0 &&
		    !is_core_tag(tag, ev->type == YAML_MAPPING_START_EVENT ? "map" : "seq"))
			report_unknown_tag(L, tag, mark_loc(L, ev->start_mark));
		n = parse_collection(L, ev, depth, size);
	} else {
		diag_add(L->d, DIAG_YAML_SYNTAX, mark_loc(L, ev->start_mark), NULL,
		    "unexpected YAML event");
		L->fatal = 1;
		return NULL;
	}
	if (n == NULL)
		return NULL;
	if (cfn)
		n = wrap_cfn_tag(L, cfn, n);
	if ((anchor = anchor_of(ev)) != NULL) {
		L->anchors = xgrow(L->anchors, &L->anchorcap, L->nanchors + 1,
		    sizeof(*L->anchors));
		a = &L->anchors[L->nanchors++];
		a->name = xstrdup(anchor);
		a->node = n;
		a->size = *size;
	}
	return n;
}

static void
load_stream(struct loader *L)
{
	yaml_event_t ev;
	size_t size;
	int docs = 0;

	for (;;) {
		if (!next_event(L, &ev))
			return;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return;
		case YAML_DOCUMENT_START_EVENT:
			if (docs++ > 0) {
				diag_add(L->d, DIAG_YAML_MULTI_DOCUMENT,
				    mark_loc(L, ev.start_mark), NULL,
				    "a second YAML document starts here");
				yaml_event_delete(&ev);
				return;
			}
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
		case YAML_ALIAS_EVENT:
			L->doc->root = parse_node(L, &ev, 1, &size);
			if (L->fatal) {
				L->doc->root = NULL;
				yaml_event_delete(&ev);
				return;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
}

/*
 * libyaml's reader reports bad UTF-8 with an offset that depends on its
 * buffering and a value that is not the byte; our own pass names the exact
 * byte, its position and what is wrong with it.
 */
static int
check_utf8(struct loader *L)
{
	const unsigned char *s = (const unsigned char *)L->doc->text;
	const char *why = "";
	size_t i, k, n = L->doc->len;

	for (i = L->bom; i < n; i += k) {
		if (s[i] < 0x80) {
			/* ASCII, most of any manifest: eight bytes at a time */
			uint64_t w;

			for (k = 1; i + k + 8 <= n; k += 8) {
				memcpy(&w, s + i + k, 8);
				if (w & 0x8080808080808080ull)
					break;
			}
			continue;
		}
		if ((k = utf8_seq(s + i, n - i, &why)) == 3 &&
		    memcmp(s + i, "\xef\xbb\xbf", 3) == 0)
			diag_add(L->d, DIAG_YAML_BOM_INSIDE, offset_loc(L, i), NULL,
			    "a byte order mark (U+FEFF) at offset %zu, not at the "
			    "start of the file", i);
		if (k == 0) {
			diag_add(L->d, DIAG_YAML_UTF8, offset_loc(L, i), NULL,
			    "invalid UTF-8: byte 0x%02x at offset %zu is %s",
			    s[i], i, why);
			return -1;
		}
	}
	return 0;
}

/* Loads text (malloc'ed, NUL-terminated, len bytes), which the doc takes. */
static struct doc *
load_owned(const char *name, char *text, size_t len, struct diags *d)
{
	struct loader L;
	struct loc at = {NULL, 0, 0};
	size_t i;

	memset(&L, 0, sizeof(L));
	L.doc = doc_new(name);
	L.d = d;
	L.doc->text = text;
	L.doc->len = len;
	at.file = L.doc->file;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		L.bom = 3;
	diags_add_source(d, L.doc->file, L.doc->text + L.bom, L.doc->len - L.bom);
	if (len > YAML_MAX_BYTES) {
		diag_add(d, DIAG_FILE_TOO_LARGE, at, NULL,
		    "the file is %zu bytes; the limit is %u", len, YAML_MAX_BYTES);
		return L.doc;
	}
	if (check_utf8(&L) == -1)
		return L.doc;
	if (!yaml_parser_initialize(&L.parser)) {
		diag_add(d, DIAG_YAML_SYNTAX, at, NULL, "cannot start the YAML parser");
		return L.doc;
	}
	yaml_parser_set_encoding(&L.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&L.parser,
	    (const unsigned char *)L.doc->text + L.bom, L.doc->len - L.bom);
	load_stream(&L);
	yaml_parser_delete(&L.parser);
	for (i = 0; i < L.nanchors; i++)
		free(L.anchors[i].name);
	free(L.anchors);
	free(L.stack);
	if (L.doc->root && L.doc->root->kind == NODE_NULL)
		L.doc->root = NULL;
	if (L.doc->root == NULL && d->nerrors == 0) {
		at.line = at.col = 1;
		diag_add(d, DIAG_YAML_EMPTY, at, NULL, "the manifest is empty");
	}
	return L.doc;
}

struct doc *
yaml_load_buffer(const char *name, const char *text, size_t len,
    struct diags *d)
{
	return load_owned(name, xstrndup(text, len), len, d);
}

struct doc *
yaml_load_file(const char *path, struct diags *d)
{
	struct doc *doc;
	struct loc at = {NULL, 0, 0};
	char *text;
	size_t len;

	if (file_read(path, YAML_MAX_BYTES, &text, &len) == -1) {
		doc = doc_new(path);
		at.file = doc->file;
		if (errno == EFBIG)
			diag_add(d, DIAG_FILE_TOO_LARGE, at, NULL,
			    "the file is larger than %u bytes", YAML_MAX_BYTES);
		else
			diag_add(d, DIAG_FILE_READ, at, NULL, "cannot read: %s",
			    strerror(errno));
		return doc;
	}
	return load_owned(path, text, len, d);
}
