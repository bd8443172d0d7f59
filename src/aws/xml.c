/*
 * xml.c - AWS responses (Query protocol and S3 REST-XML) parsed with expat
 * into a small element tree that the typed calls read from.
 *
 * A tree rather than per-call SAX handlers: the responses are small, and
 * reading "DescribeStacksResult/Stacks/member" from a tree keeps each call a
 * few lines that mirror botocore's shapes. Document type declarations are
 * refused (no entity tricks), and depth and size are bounded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "aws/internal.h"
#include "base/util.h"

#define XML_MAX_DEPTH 64
#define XML_MAX_BYTES (64u << 20)

struct xml_parser {
	XML_Parser p;
	struct xml_node *root;
	struct xml_node *stack[XML_MAX_DEPTH];
	struct buf text[XML_MAX_DEPTH];
	int depth;
	int failed;
	char why[128];
};

static void
xml_fail(struct xml_parser *xp, const char *why)
{
	if (!xp->failed) {
		xp->failed = 1;
		snprintf(xp->why, sizeof xp->why, "%s", why);
	}
	XML_StopParser(xp->p, XML_FALSE);
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_parser *xp = ud;
	struct xml_node *n;

	(void)attrs;
	if (xp->failed)
		return;
	if (xp->depth >= XML_MAX_DEPTH) {
		xml_fail(xp, "nested too deeply");
		return;
	}
	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(name);
	if (xp->depth == 0) {
		if (xp->root != NULL) {
			xml_free(n);
			xml_fail(xp, "more than one root element");
			return;
		}
		xp->root = n;
	} else {
		struct xml_node *parent = xp->stack[xp->depth - 1];
		if (parent->last)
			parent->last->next = n;
		else
			parent->child = n;
		parent->last = n;
	}
	xp->stack[xp->depth] = n;
	xp->text[xp->depth].len = 0;
	xp->depth++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xml_parser *xp = ud;
	struct buf *t;

	(void)name;
	if (xp->failed || xp->depth == 0)
		return;
	xp->depth--;
	t = &xp->text[xp->depth];
	xp->stack[xp->depth]->text = xstrndup(t->data ? t->data : "", t->len);
	t->len = 0;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_parser *xp = ud;

	if (xp->failed || xp->depth == 0)
		return;
	buf_append(&xp->text[xp->depth - 1], s, (size_t)len);
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	xml_fail(ud, "document type declarations are not accepted");
}

struct xml_node *
xml_parse(const char *data, size_t len, char *err, size_t errlen)
{
	struct xml_parser xp;
	int i;

	memset(&xp, 0, sizeof xp);
	if (len > XML_MAX_BYTES) {
		snprintf(err, errlen, "XML response larger than %u bytes", XML_MAX_BYTES);
		return NULL;
	}
	xp.p = XML_ParserCreate("UTF-8");
	if (xp.p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	XML_SetUserData(xp.p, &xp);
	XML_SetElementHandler(xp.p, on_start, on_end);
	XML_SetCharacterDataHandler(xp.p, on_text);
	XML_SetStartDoctypeDeclHandler(xp.p, on_doctype);
	if (XML_Parse(xp.p, data, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
	    !xp.failed) {
		xp.failed = 1;
		snprintf(xp.why, sizeof xp.why, "line %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(xp.p),
		    XML_ErrorString(XML_GetErrorCode(xp.p)));
	}
	if (!xp.failed && (xp.root == NULL || xp.depth != 0)) {
		xp.failed = 1;
		snprintf(xp.why, sizeof xp.why, "no complete root element");
	}
	XML_ParserFree(xp.p);
	for (i = 0; i < XML_MAX_DEPTH; i++)
		buf_free(&xp.text[i]);
	if (xp.failed) {
		snprintf(err, errlen, "malformed XML: %s", xp.why);
		xml_free(xp.root);
		return NULL;
	}
	return xp.root;
}

void
xml_free(struct xml_node *n)
{
	while (n != NULL) {
		struct xml_node *next = n->next;
		xml_free(n->child);
		free(n->name);
		free(n->text);
		free(n);
		n = next;
	}
}

const struct xml_node *
xml_first(const struct xml_node *n, const char *name)
{
	const struct xml_node *c;

	if (n == NULL)
		return NULL;
	for (c = n->child; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct xml_node *
xml_next(const struct xml_node *n)
{
	const struct xml_node *c;

	for (c = n->next; c; c = c->next)
		if (strcmp(c->name, n->name) == 0)
			return c;
	return NULL;
}

const struct xml_node *
xml_find(const struct xml_node *n, const char *path)
{
	char name[128];

	while (n != NULL && *path) {
		size_t len = strcspn(path, "/");
		if (len >= sizeof name)
			return NULL;
		memcpy(name, path, len);
		name[len] = '\0';
		n = xml_first(n, name);
		path += len;
		if (*path == '/')
			path++;
	}
	return n;
}

const char *
xml_get(const struct xml_node *n, const char *path)
{
	n = xml_find(n, path);
	return n && n->text ? n->text : NULL;
}

char *
xml_dup(const struct xml_node *n, const char *path)
{
	const char *s = xml_get(n, path);

	return s ? xstrdup(s) : NULL;
}

const struct xml_node *
xml_search(const struct xml_node *n, const char *name)
{
	const struct xml_node *c, *r;

	if (n == NULL)
		return NULL;
	if (strcmp(n->name, name) == 0)
		return n;
	for (c = n->child; c; c = c->next)
		if ((r = xml_search(c, name)) != NULL)
			return r;
	return NULL;
}

void
xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		default: buf_putc(b, *s);
		}
	}
}

time_t
aws_time_parse(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	long off = 0;
	const char *p;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
	    &mi, &sec, &n) != 6)
		return 0;
	p = s + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		int oh = 0, om = 0;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) >= 1)
			off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return timegm(&tm) - off;
}
