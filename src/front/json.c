/*
 * json.c - strict JSON parser into the located tree, and tree -> cJSON.
 *
 * We parse JSON ourselves rather than through cJSON because cJSON keeps no
 * positions, cannot tell 1 from 1.0, and accepts duplicate keys; the schema
 * validator and its diagnostics need all three.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/jtree.h"
#include "front/json.h"
#include "base/util.h"

struct jp {
	struct doc *doc;
	struct diags *d;
	const char *s;
	size_t len, pos;
	unsigned line;
	size_t line_start;
	/* Column cache, so a long one-line document is not O(n^2). */
	size_t col_pos, col_line_start;
	unsigned col;
	int failed;
};

static struct loc
jp_loc(struct jp *p, size_t pos)
{
	struct loc loc;
	size_t i = p->line_start;
	unsigned col = 1;

	if (p->col_line_start == p->line_start && p->col_pos <= pos &&
	    p->col_pos >= p->line_start && p->col > 0) {
		i = p->col_pos;
		col = p->col;
	}
	for (; i < pos && i < p->len; i++)
		if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			col++;
	p->col_pos = pos;
	p->col_line_start = p->line_start;
	p->col = col;
	loc.file = p->doc->file;
	loc.line = p->line;
	loc.col = col;
	return loc;
}

static void PRINTF_LIKE(4, 5)
jp_error(struct jp *p, enum diag_code code, size_t pos, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(p->d, code, jp_loc(p, pos), NULL, "%s", msg);
	free(msg);
}

static void
jp_skip_ws(struct jp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		p->pos++;
	}
}

static void
utf8_put(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_putc(b, (int)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (int)(0xc0 | cp >> 6));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (int)(0xe0 | cp >> 12));
		buf_putc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (int)(0xf0 | cp >> 18));
		buf_putc(b, (int)(0x80 | (cp >> 12 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

static int
jp_hex4(struct jp *p, size_t at, uint32_t *out)
{
	uint32_t v = 0;

	if (at + 4 > p->len)
		return -1;
	for (size_t i = at; i < at + 4; i++) {
		char c = p->s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Parses the string at p->pos (an opening quote) into a NODE_STRING. */
static struct node *
jp_string(struct jp *p)
{
	struct buf b = {0};
	size_t start = p->pos;
	struct node *n;

	n = node_new(p->doc, NODE_STRING, jp_loc(p, start));
	p->pos++;
	buf_puts(&b, "");
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			jp_error(p, DIAG_JSON_SYNTAX, start, "unterminated string");
			goto fail;
		}
		c = (unsigned char)p->s[p->pos];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			/* A run of plain ASCII goes in with one append. */
			size_t end = p->pos + 1;

			while (end < p->len && (unsigned char)p->s[end] >= 0x20 &&
			    (unsigned char)p->s[end] < 0x80 && p->s[end] != '"' &&
			    p->s[end] != '\\')
				end++;
			buf_append(&b, p->s + p->pos, end - p->pos);
			p->pos = end;
			continue;
		}
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			jp_error(p, DIAG_JSON_SYNTAX, p->pos,
			    "control character U+%04X in a string must be escaped", c);
			goto fail;
		}
		if (c == '\\') {
			uint32_t cp, lo;
			char e;

			if (p->pos + 1 >= p->len) {
				jp_error(p, DIAG_JSON_SYNTAX, start, "unterminated string");
				goto fail;
			}
			e = p->s[p->pos + 1];
			switch (e) {
			case '"': case '\\': case '/':
				buf_putc(&b, e);
				break;
			case 'b': buf_putc(&b, '\b'); break;
			case 'f': buf_putc(&b, '\f'); break;
			case 'n': buf_putc(&b, '\n'); break;
			case 'r': buf_putc(&b, '\r'); break;
			case 't': buf_putc(&b, '\t'); break;
			case 'u':
				if (jp_hex4(p, p->pos + 2, &cp) < 0) {
					jp_error(p, DIAG_JSON_SYNTAX, p->pos,
					    "\\u must be followed by 4 hex digits");
					goto fail;
				}
				if (cp >= 0xdc00 && cp <= 0xdfff)
					goto lone;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (p->pos + 7 >= p->len ||
					    p->s[p->pos + 6] != '\\' ||
					    p->s[p->pos + 7] != 'u' ||
					    jp_hex4(p, p->pos + 8, &lo) < 0 ||
					    lo < 0xdc00 || lo > 0xdfff)
						goto lone;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
					p->pos += 6;
				}
				utf8_put(&b, cp);
				p->pos += 4;
				break;
			default:
				jp_error(p, DIAG_JSON_SYNTAX, p->pos,
				    "invalid escape '\\%c' in a string", e);
				goto fail;
			}
			p->pos += 2;
			continue;
lone:
			jp_error(p, DIAG_JSON_SYNTAX, p->pos,
			    "unpaired UTF-16 surrogate escape");
			goto fail;
		}
		if (c >= 0x80) {
			size_t l = utf8_seq((const unsigned char *)p->s + p->pos,
			    p->len - p->pos, NULL);

			if (l == 0) {
				jp_error(p, DIAG_JSON_SYNTAX, p->pos,
				    "invalid UTF-8 byte 0x%02X", c);
				goto fail;
			}
			buf_append(&b, p->s + p->pos, l);
			p->pos += l;
			continue;
		}
		buf_putc(&b, (int)c);
		p->pos++;
	}
	n->str = doc_strndup(p->doc, b.data, b.len);
	n->len = b.len;
	buf_free(&b);
	return n;
fail:
	buf_free(&b);
	return NULL;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct node *
jp_number(struct jp *p)
{
	size_t start = p->pos, i = p->pos;
	int is_int = 1;
	struct node *n;
	char *text, *end;

	if (i < p->len && p->s[i] == '-')
		i++;
	if (i < p->len && p->s[i] == '0') {
		i++;
	} else if (i < p->len && is_digit(p->s[i])) {
		while (i < p->len && is_digit(p->s[i]))
			i++;
	} else {
		jp_error(p, DIAG_JSON_SYNTAX, start, "invalid number");
		return NULL;
	}
	if (i < p->len && p->s[i] == '.') {
		is_int = 0;
		i++;
		if (i >= p->len || !is_digit(p->s[i])) {
			jp_error(p, DIAG_JSON_SYNTAX, start,
			    "a digit must follow the decimal point");
			return NULL;
		}
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		is_int = 0;
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(p->s[i])) {
			jp_error(p, DIAG_JSON_SYNTAX, start,
			    "a digit must follow the exponent");
			return NULL;
		}
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	text = (char *)doc_strndup(p->doc, p->s + start, i - start);
	n = node_new(p->doc, NODE_INT, jp_loc(p, start));
	n->str = text;
	n->len = i - start;
	p->pos = i;
	if (is_int) {
		errno = 0;
		n->v.i = strtoll(text, &end, 10);
		if (errno != ERANGE)
			return n;
	}
	/* Too large for a long long, or not an integer: keep it as a double. */
	n->kind = NODE_FLOAT;
	n->v.f = strtod(text, &end);
	return n;
}

static int
jp_word(struct jp *p, const char *w)
{
	size_t n = strlen(w);

	return p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0;
}

static int
pair_cmp(const void *a, const void *b)
{
	const struct node_pair *x = *(const struct node_pair *const *)a;
	const struct node_pair *y = *(const struct node_pair *const *)b;
	size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
	int c = memcmp(x->key->str, y->key->str, n);

	if (c != 0)
		return c;
	if (x->key->len != y->key->len)
		return x->key->len < y->key->len ? -1 : 1;
	/* Equal keys: document order, so the later one is reported. */
	return x < y ? -1 : x > y;
}

/* Reports the first duplicate key of map (by its later occurrence). */
static void
jp_check_duplicates(struct jp *p, const struct node *map)
{
	const struct node_pair **v;
	const struct node_pair *dup = NULL;

	if (map->n < 2)
		return;
	v = xmalloc(map->n * sizeof(*v));
	for (size_t i = 0; i < map->n; i++)
		v[i] = &map->pairs[i];
	qsort(v, map->n, sizeof(*v), pair_cmp);
	for (size_t i = 1; i < map->n; i++) {
		const struct node *a = v[i - 1]->key, *b = v[i]->key;

		if (a->len == b->len && memcmp(a->str, b->str, a->len) == 0 &&
		    (dup == NULL || v[i] < dup))
			dup = v[i];
	}
	if (dup != NULL) {
		diag_add(p->d, DIAG_JSON_DUPLICATE_KEY, dup->key->loc, NULL,
		    "duplicate key '%s'", dup->key->str);
		p->failed = 1;
	}
	free(v);
}

static struct node *
jp_value(struct jp *p, unsigned depth)
{
	struct node *n, *key, *val;
	size_t start;
	char c;

	jp_skip_ws(p);
	if (p->pos >= p->len) {
		jp_error(p, DIAG_JSON_SYNTAX, p->pos, "unexpected end of input");
		return NULL;
	}
	start = p->pos;
	c = p->s[p->pos];
	if ((c == '[' || c == '{') && depth >= JSON_MAX_DEPTH) {
		jp_error(p, DIAG_JSON_DEPTH, start,
		    "nesting deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	switch (c) {
	case '"':
		return jp_string(p);
	case '[':
		n = node_new(p->doc, NODE_SEQ, jp_loc(p, start));
		p->pos++;
		jp_skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ']') {
			p->pos++;
			return n;
		}
		for (;;) {
			if ((val = jp_value(p, depth + 1)) == NULL)
				return NULL;
			node_seq_push(p->doc, n, val);
			jp_skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->pos < p->len && p->s[p->pos] == ']') {
				p->pos++;
				return n;
			}
			jp_error(p, DIAG_JSON_SYNTAX, p->pos,
			    "expected ',' or ']' in the array opened at line %u",
			    n->loc.line);
			return NULL;
		}
	case '{':
		n = node_new(p->doc, NODE_MAP, jp_loc(p, start));
		p->pos++;
		jp_skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == '}') {
			p->pos++;
			return n;
		}
		for (;;) {
			jp_skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				jp_error(p, DIAG_JSON_SYNTAX, p->pos,
				    "expected a string key");
				return NULL;
			}
			if ((key = jp_string(p)) == NULL)
				return NULL;
			jp_skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				jp_error(p, DIAG_JSON_SYNTAX, p->pos,
				    "expected ':' after the key");
				return NULL;
			}
			p->pos++;
			if ((val = jp_value(p, depth + 1)) == NULL)
				return NULL;
			node_map_put(p->doc, n, key, val);
			jp_skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ',') {
				p->pos++;
				continue;
			}
			if (p->pos < p->len && p->s[p->pos] == '}') {
				p->pos++;
				jp_check_duplicates(p, n);
				return p->failed ? NULL : n;
			}
			jp_error(p, DIAG_JSON_SYNTAX, p->pos,
			    "expected ',' or '}' in the object opened at line %u",
			    n->loc.line);
			return NULL;
		}
	case 't':
	case 'f':
	case 'n':
		if (jp_word(p, "true") || jp_word(p, "false")) {
			n = node_new(p->doc, NODE_BOOL, jp_loc(p, start));
			n->v.b = c == 't';
		} else if (jp_word(p, "null")) {
			n = node_new(p->doc, NODE_NULL, jp_loc(p, start));
		} else {
			break;
		}
		n->len = c == 'f' ? 5 : 4;
		n->str = doc_strndup(p->doc, p->s + start, n->len);
		p->pos += n->len;
		return n;
	default:
		if (c == '-' || is_digit(c))
			return jp_number(p);
		break;
	}
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		jp_error(p, DIAG_JSON_SYNTAX, start, "unexpected character '%c'", c);
	else
		jp_error(p, DIAG_JSON_SYNTAX, start,
		    "unexpected byte 0x%02X", (unsigned char)c);
	return NULL;
}

struct doc *
json_load_buffer(const char *name, const char *text, size_t len,
    struct diags *d)
{
	struct doc *doc = doc_new(name);
	struct jp p = {0};
	struct node *root;

	doc->text = xmalloc(len + 1);
	memcpy(doc->text, text, len);
	doc->text[len] = '\0';
	doc->len = len;
	diags_add_source(d, doc->file, doc->text, doc->len);
	p.doc = doc;
	p.d = d;
	p.s = doc->text;
	p.len = len;
	p.line = 1;
	/* A UTF-8 byte order mark is tolerated, as RFC 8259 allows parsers to. */
	if (len >= 3 && memcmp(p.s, "\xef\xbb\xbf", 3) == 0)
		p.pos = p.line_start = 3;
	root = jp_value(&p, 0);
	if (root != NULL) {
		jp_skip_ws(&p);
		if (p.pos < p.len) {
			jp_error(&p, DIAG_JSON_SYNTAX, p.pos,
			    "unexpected text after the JSON value");
			root = NULL;
		}
	}
	doc->root = p.failed ? NULL : root;
	return doc;
}

/*
 * cJSON prints a number with %1.15g when that reads back *approximately*
 * equal, so 0.30000000000000004 or a 16-digit integer would silently change.
 * Numbers that %1.15g does not hold exactly become raw items carrying the
 * shortest text that reads back as the same double (or the exact digits).
 */
static cJSON *
json_number(struct arena *a, double d)
{
	char tmp[40];

	snprintf(tmp, sizeof(tmp), "%1.15g", d);
	if (strtod(tmp, NULL) == d)
		return jtree_number(a, d);
	for (int prec = 16; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%1.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	return jtree_raw(a, tmp);
}

cJSON *
node_to_cjson(struct arena *a, const struct node *n)
{
	cJSON *j;
	char tmp[32];

	if (n == NULL)
		return jtree_null(a);
	switch (n->kind) {
	case NODE_NULL:
		break;
	case NODE_BOOL:
		return jtree_bool(a, n->v.b);
	case NODE_INT:
		/* 15 digits always survive %1.15g; longer ones keep their digits. */
		if (n->v.i > -1000000000000000LL && n->v.i < 1000000000000000LL)
			return jtree_number(a, (double)n->v.i);
		snprintf(tmp, sizeof(tmp), "%lld", n->v.i);
		return jtree_raw(a, tmp);
	case NODE_FLOAT:
		if (isfinite(n->v.f))
			return json_number(a, n->v.f);
		return jtree_string(a, n->str != NULL ? n->str : "");
	case NODE_STRING:
		return jtree_string(a, n->str != NULL ? n->str : "");
	case NODE_SEQ:
		j = jtree_array(a);
		for (size_t i = 0; i < n->n; i++)
			jtree_push(j, node_to_cjson(a, n->items[i]));
		return j;
	case NODE_MAP:
		j = jtree_object(a);
		for (size_t i = 0; i < n->n; i++)
			jtree_add(a, j, n->pairs[i].key->str,
			    node_to_cjson(a, n->pairs[i].value));
		return j;
	}
	return jtree_null(a);
}
