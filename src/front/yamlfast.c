/*
 * yamlfast.c - see yamlfast.h.
 *
 * The reader goes a line at a time. A stack holds the open block
 * collections with their indentation; a line's indentation closes the
 * deeper ones and says whether it holds a key of the open mapping or an
 * entry of the open sequence. A key or "-" with nothing after it leaves
 * its value pending: the next line must open a deeper collection (or, for
 * a key, a sequence at the key's own indentation). Flow collections must
 * close on the line they open. Whatever does not fit gives up.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "front/yamlfast.h"

struct yf_block {
	size_t indent;      /* bytes from the line start: only spaces and "-" precede */
	uint8_t map;        /* a mapping, else a sequence */
	uint8_t indentless; /* a sequence at the indentation of its key */
};

/* A node's tag and where the node starts (the tag's position). */
struct yf_props {
	uint8_t tag;
	uint32_t line, col;
};

struct yf {
	const char *s;
	size_t n;
	size_t line_start;
	uint32_t line;
	size_t col_pos;     /* col_of's last answer: col_val at col_pos */
	uint32_t col_val;
	const char *const *tags;
	size_t ntags;
	unsigned max_depth;
	struct yf_events *out;
	struct yf_block *stack;
	size_t depth, stackcap;
	int root_seen;
	/* a key or "-" whose value starts on a later line */
	int pending, pending_map;
	size_t pending_indent;
	struct yf_props pending_props;
};

#define FAIL ((size_t)-1)

static int
at_eol(const struct yf *y, size_t p)
{
	return p >= y->n || y->s[p] == '\n';
}

static int
blank_or_eol(const struct yf *y, size_t p)
{
	return at_eol(y, p) || y->s[p] == ' ';
}

static size_t
skip_spaces(const struct yf *y, size_t p)
{
	while (p < y->n && y->s[p] == ' ')
		p++;
	return p;
}

static size_t
line_end(const struct yf *y, size_t p)
{
	const char *nl = memchr(y->s + p, '\n', y->n - p);

	return nl ? (size_t)(nl - y->s) : y->n;
}

/* libyaml counts columns in characters. Marks come mostly in order along
 * a line, so counting goes on from the last one (a long flow line would
 * otherwise cost its length squared). */
static uint32_t
col_of(struct yf *y, size_t p)
{
	size_t i = y->col_pos;
	uint32_t col = y->col_val;

	if (i < y->line_start || i > p) {
		i = y->line_start;
		col = 0;
	}
	for (; i < p; i++)
		col += ((unsigned char)y->s[i] & 0xc0) != 0x80;
	y->col_pos = p;
	y->col_val = col;
	return col;
}

static struct yf_event *
emit_at(struct yf *y, int type, uint32_t line, uint32_t col)
{
	struct yf_events *o = y->out;
	struct yf_event *e;

	o->v = xgrow(o->v, &o->cap, o->n + 1, sizeof(*o->v));
	e = &o->v[o->n++];
	memset(e, 0, sizeof(*e));
	e->type = (uint8_t)type;
	e->line = line;
	e->col = col;
	return e;
}

/* A node starting at p, or at its tag. */
static struct yf_event *
emit_node(struct yf *y, int type, size_t p, const struct yf_props *pr)
{
	struct yf_event *e;

	if (pr != NULL && pr->tag) {
		e = emit_at(y, type, pr->line, pr->col);
		e->tag = pr->tag;
		return e;
	}
	return emit_at(y, type, y->line, col_of(y, p));
}

static void
buf_add(struct yf_events *o, const char *p, size_t n)
{
	o->buf = xgrow(o->buf, &o->bufcap, o->buflen + n, 1);
	memcpy(o->buf + o->buflen, p, n);
	o->buflen += n;
}

static void
buf_add_utf8(struct yf_events *o, unsigned long c)
{
	char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	}
	buf_add(o, u, n);
}

/* A tag at p ("!", letters and digits, then a blank) that is one
 * of the accepted ones; returns the position after it. */
static size_t
parse_tag(const struct yf *y, size_t p, uint8_t *tag)
{
	size_t q = p + 1, i;
	char c;

	while (q < y->n && (((c = y->s[q]) >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9')))
		q++;
	if (q == p + 1 || !blank_or_eol(y, q))
		return FAIL;
	for (i = 0; i < y->ntags; i++)
		if (strlen(y->tags[i]) == q - p && memcmp(y->tags[i], y->s + p, q - p) == 0) {
			*tag = (uint8_t)(i + 1);
			return q;
		}
	return FAIL;
}

/* Can a plain scalar start at p? Indicators and their look-alikes give up. */
static int
plain_start(const struct yf *y, size_t p, int flow)
{
	char c = y->s[p], next;

	if (strchr(",[]{}#&*!|>'\"%@`?:", c) != NULL)
		return 0;
	if (c == '-') {
		if (blank_or_eol(y, p + 1))
			return 0;
		next = y->s[p + 1];
		if (flow && strchr(",[]{}", next) != NULL)
			return 0;
	}
	return 1;
}

static void
scalar_text(struct yf_event *e, size_t from, size_t to, int plain)
{
	e->off = (uint32_t)from;
	e->len = (uint32_t)(to - from);
	e->plain = (uint8_t)plain;
}

static int
hex_value(const struct yf *y, size_t p, int digits, unsigned long *v)
{
	int i, h;

	*v = 0;
	for (i = 0; i < digits; i++) {
		if (p + (size_t)i >= y->n || (h = hex_digit(y->s[p + (size_t)i])) < 0)
			return -1;
		*v = *v * 16 + (unsigned long)h;
	}
	return 0;
}

/* A double-quoted scalar on one line, the escapes JSON knows and a few of
 * YAML's; returns the position after the closing quote. */
static size_t
double_quoted(struct yf *y, size_t p, const struct yf_props *pr)
{
	static const char from[] = "0abtnvfre\"/\\", to[] = "\0\a\b\t\n\v\f\r\x1b\"/\\";
	struct yf_events *o = y->out;
	size_t q, start = p + 1, mark;
	const char *k;
	unsigned long c;
	struct yf_event *e;
	int escaped = 0;

	for (q = start; !at_eol(y, q) && y->s[q] != '"'; q++)
		if (y->s[q] == '\\') {
			escaped = 1;
			if (at_eol(y, ++q))
				return FAIL;
		}
	if (at_eol(y, q))
		return FAIL;
	e = emit_node(y, YAML_SCALAR_EVENT, p, pr);
	if (!escaped) {
		scalar_text(e, start, q, 0);
		return q + 1;
	}
	mark = o->buflen;
	for (q = start; y->s[q] != '"'; q++) {
		if (y->s[q] != '\\') {
			buf_add(o, y->s + q, 1);
			continue;
		}
		q++;
		if (y->s[q] == 'x' || y->s[q] == 'u') {
			int digits = y->s[q] == 'x' ? 2 : 4;

			if (hex_value(y, q + 1, digits, &c) == -1 || (c >= 0xd800 && c <= 0xdfff))
				return FAIL;
			buf_add_utf8(o, c);
			q += (size_t)digits;
		} else if ((k = strchr(from, y->s[q])) != NULL && *k != '\0') {
			buf_add(o, to + (k - from), 1);
		} else {
			return FAIL;
		}
	}
	e = &o->v[o->n - 1];
	scalar_text(e, mark, o->buflen, 0);
	e->in_buf = 1;
	return q + 1;
}

/* A single-quoted scalar on one line ('' is a quote). */
static size_t
single_quoted(struct yf *y, size_t p, const struct yf_props *pr)
{
	struct yf_events *o = y->out;
	size_t q, start = p + 1, mark;
	struct yf_event *e;
	int doubled = 0;

	for (q = start;; q++) {
		if (at_eol(y, q))
			return FAIL;
		if (y->s[q] == '\'') {
			if (q + 1 < y->n && y->s[q + 1] == '\'') {
				doubled = 1;
				q++;
				continue;
			}
			break;
		}
	}
	e = emit_node(y, YAML_SCALAR_EVENT, p, pr);
	if (!doubled) {
		scalar_text(e, start, q, 0);
		return q + 1;
	}
	mark = o->buflen;
	for (q = start;; q++) {
		if (y->s[q] == '\'') {
			if (q + 1 < y->n && y->s[q + 1] == '\'') {
				buf_add(o, "'", 1);
				q++;
				continue;
			}
			break;
		}
		buf_add(o, y->s + q, 1);
	}
	scalar_text(e, mark, o->buflen, 0);
	e->in_buf = 1;
	return q + 1;
}

static size_t
quoted(struct yf *y, size_t p, const struct yf_props *pr)
{
	return y->s[p] == '"' ? double_quoted(y, p, pr) : single_quoted(y, p, pr);
}

/*
 * A plain scalar in a flow collection: it ends at , [ ] { }, at ":"
 * before a blank or one of ,?[]{} (as libyaml has it), or at the line's
 * end; *stop is where it ended. Returns the end of its text.
 */
static size_t
plain_flow(struct yf *y, size_t p, const struct yf_props *pr, size_t *stop)
{
	size_t q, last = p;
	char c, next;

	if (!plain_start(y, p, 1))
		return FAIL;
	for (q = p; !at_eol(y, q); q++) {
		c = y->s[q];
		if (strchr(",[]{}", c) != NULL)
			break;
		if (c == ':') {
			next = q + 1 < y->n ? y->s[q + 1] : '\n';
			if (next == ' ' || next == '\n' || strchr(",?[]{}", next) != NULL)
				break;
		}
		if (c == '#' && y->s[q - 1] == ' ')
			return FAIL;
		if (c != ' ')
			last = q + 1;
	}
	scalar_text(emit_node(y, YAML_SCALAR_EVENT, p, pr), p, last, 1);
	*stop = q;
	return last;
}

static size_t flow_collection(struct yf *y, size_t p, const struct yf_props *pr,
    unsigned depth);

/* A node inside a flow collection; returns the position after it. */
static size_t
flow_node(struct yf *y, size_t p, unsigned depth)
{
	struct yf_props pr = {0, 0, 0};
	size_t q, stop;

	if (y->s[p] == '!') {
		pr.line = y->line;
		pr.col = col_of(y, p);
		if ((q = parse_tag(y, p, &pr.tag)) == FAIL)
			return FAIL;
		p = skip_spaces(y, q);
		if (at_eol(y, p))
			return FAIL;
	}
	if (y->s[p] == '[' || y->s[p] == '{')
		return flow_collection(y, p, &pr, depth + 1);
	if (y->s[p] == '"' || y->s[p] == '\'')
		return quoted(y, p, &pr);
	if (plain_flow(y, p, &pr, &stop) == FAIL)
		return FAIL;
	/* ":" here would make a pair; "[" or "{" without a comma is an error */
	if (at_eol(y, stop) || strchr(",]}", y->s[stop]) == NULL)
		return FAIL;
	return stop;
}

/* A key of a flow mapping and its ": "; returns the position after it. */
static size_t
flow_key(struct yf *y, size_t p)
{
	size_t q, stop;

	if (y->s[p] == '"' || y->s[p] == '\'') {
		if ((q = quoted(y, p, NULL)) == FAIL)
			return FAIL;
	} else {
		if (plain_flow(y, p, NULL, &stop) == FAIL)
			return FAIL;
		q = stop;
	}
	if (q >= y->n || y->s[q] != ':' || !blank_or_eol(y, q + 1))
		return FAIL;
	return q + 1;
}

static size_t
flow_collection(struct yf *y, size_t p, const struct yf_props *pr, unsigned depth)
{
	int map = y->s[p] == '{';
	char close = map ? '}' : ']';
	size_t q;

	if (depth > y->max_depth)
		return FAIL;
	emit_node(y, map ? YAML_MAPPING_START_EVENT : YAML_SEQUENCE_START_EVENT, p, pr);
	q = skip_spaces(y, p + 1);
	if (!at_eol(y, q) && y->s[q] != close) {
		for (;;) {
			if (at_eol(y, q))
				return FAIL;
			if (map && (q = flow_key(y, q)) == FAIL)
				return FAIL;
			q = skip_spaces(y, q);
			if (at_eol(y, q) || (q = flow_node(y, q, depth)) == FAIL)
				return FAIL;
			q = skip_spaces(y, q);
			if (at_eol(y, q))
				return FAIL;
			if (y->s[q] == close)
				break;
			if (y->s[q] != ',')
				return FAIL;
			q = skip_spaces(y, q + 1);
			if (!at_eol(y, q) && (y->s[q] == close || y->s[q] == ','))
				return FAIL; /* a trailing or an empty entry */
		}
	}
	if (at_eol(y, q))
		return FAIL;
	emit_at(y, map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT, y->line,
	    col_of(y, q));
	return q + 1;
}

/* A plain scalar in a block: up to the line's end or a comment. */
static size_t
plain_block(struct yf *y, size_t p, const struct yf_props *pr)
{
	size_t q, last = p;
	char c;

	if (!plain_start(y, p, 0))
		return FAIL;
	for (q = p; !at_eol(y, q); q++) {
		c = y->s[q];
		if (c == ':' && blank_or_eol(y, q + 1))
			return FAIL; /* a mapping where a scalar was expected */
		if (c == '#' && y->s[q - 1] == ' ')
			break;
		if (c != ' ')
			last = q + 1;
	}
	scalar_text(emit_node(y, YAML_SCALAR_EVENT, p, pr), p, last, 1);
	return q;
}

/* Where the ":" of a block mapping key starting at p is, or FAIL. */
static size_t
key_colon(const struct yf *y, size_t p)
{
	size_t q;
	char quote = y->s[p];

	if (quote == '"' || quote == '\'') {
		for (q = p + 1;; q++) {
			if (at_eol(y, q))
				return FAIL;
			if (quote == '"' && y->s[q] == '\\') {
				if (at_eol(y, ++q))
					return FAIL;
			} else if (y->s[q] == quote) {
				if (quote == '"' || q + 1 >= y->n || y->s[q + 1] != '\'')
					break;
				q++; /* '' */
			}
		}
		/* q is the closing quote */
		if (q + 1 >= y->n || y->s[q + 1] != ':' || !blank_or_eol(y, q + 2))
			return FAIL;
		return q + 1;
	}
	if (!plain_start(y, p, 0))
		return FAIL;
	for (q = p; !at_eol(y, q); q++) {
		if (y->s[q] == ':' && blank_or_eol(y, q + 1))
			return q;
		if (y->s[q] == '#' && y->s[q - 1] == ' ')
			return FAIL;
	}
	return FAIL;
}

static size_t open_block(struct yf *y, size_t p, const struct yf_props *pr);

/*
 * What follows a key's ":" or a sequence's "-" at p, owned by the key or
 * dash at column owner: nothing (the value comes on later lines), a
 * nested block (after "-" only), or a one-line node. Returns the line's
 * end.
 */
static size_t
block_value(struct yf *y, size_t p, size_t owner, int after_key)
{
	struct yf_props pr = {0, 0, 0};
	size_t q;

	if (!at_eol(y, p) && y->s[p] == '!') {
		pr.line = y->line;
		pr.col = col_of(y, p);
		if ((q = parse_tag(y, p, &pr.tag)) == FAIL)
			return FAIL;
		p = skip_spaces(y, q);
	}
	if (at_eol(y, p) || y->s[p] == '#') {
		y->pending = 1;
		y->pending_map = after_key;
		y->pending_indent = owner;
		y->pending_props = pr;
		return line_end(y, p);
	}
	if (y->s[p] == '-' && blank_or_eol(y, p + 1)) {
		if (after_key || pr.tag)
			return FAIL;
		return open_block(y, p, NULL);
	}
	/* After a key, "k: v" in the value fails below anyway. */
	if (!after_key && key_colon(y, p) != FAIL) {
		if (pr.tag)
			return FAIL;
		return open_block(y, p, NULL);
	}
	if (y->s[p] == '[' || y->s[p] == '{')
		q = flow_collection(y, p, &pr, (unsigned)y->depth + 1);
	else if (y->s[p] == '"' || y->s[p] == '\'')
		q = quoted(y, p, &pr);
	else
		q = plain_block(y, p, &pr);
	if (q == FAIL)
		return FAIL;
	p = skip_spaces(y, q);
	if (at_eol(y, p))
		return p;
	if (y->s[p] != '#' || y->s[p - 1] != ' ')
		return FAIL; /* more on the line, or a comment without a space */
	return line_end(y, p);
}

/* A key of the open block mapping at p. */
static size_t
map_entry(struct yf *y, size_t p)
{
	size_t colon = key_colon(y, p), last, q;

	if (colon == FAIL || colon - p > 1000)
		return FAIL; /* libyaml's simple keys end within 1024 characters */
	if (y->s[p] == '"' || y->s[p] == '\'') {
		if (quoted(y, p, NULL) != colon)
			return FAIL;
	} else {
		for (last = colon; last > p && y->s[last - 1] == ' '; last--)
			;
		scalar_text(emit_node(y, YAML_SCALAR_EVENT, p, NULL), p, last, 1);
	}
	q = skip_spaces(y, colon + 1);
	return block_value(y, q, p - y->line_start, 1);
}

/* An entry ("-") of the open block sequence at p. */
static size_t
seq_entry(struct yf *y, size_t p)
{
	return block_value(y, skip_spaces(y, p + 1), p - y->line_start, 0);
}

static void
push_block(struct yf *y, size_t indent, int map, int indentless)
{
	y->stack = xgrow(y->stack, &y->stackcap, y->depth + 1, sizeof(*y->stack));
	y->stack[y->depth].indent = indent;
	y->stack[y->depth].map = (uint8_t)map;
	y->stack[y->depth].indentless = (uint8_t)indentless;
	y->depth++;
}

/* A block collection whose first key or "-" is at p. */
static size_t
open_block(struct yf *y, size_t p, const struct yf_props *pr)
{
	int map = !(y->s[p] == '-' && blank_or_eol(y, p + 1));

	if (y->depth + 1 > y->max_depth)
		return FAIL;
	push_block(y, p - y->line_start, map, 0);
	emit_node(y, map ? YAML_MAPPING_START_EVENT : YAML_SEQUENCE_START_EVENT, p, pr);
	return map ? map_entry(y, p) : seq_entry(y, p);
}

static void
close_block(struct yf *y, size_t p)
{
	y->depth--;
	emit_at(y, y->stack[y->depth].map ? YAML_MAPPING_END_EVENT :
	    YAML_SEQUENCE_END_EVENT, y->line, col_of(y, p));
}

/* A line whose content starts at p, indented by ind spaces. */
static size_t
line_content(struct yf *y, size_t p, size_t ind)
{
	int dash = y->s[p] == '-' && blank_or_eol(y, p + 1);
	struct yf_block *top;

	if (y->pending) {
		y->pending = 0;
		if (ind > y->pending_indent)
			return open_block(y, p, &y->pending_props);
		if (ind == y->pending_indent && y->pending_map && dash) {
			if (y->depth + 1 > y->max_depth)
				return FAIL;
			push_block(y, ind, 0, 1);
			emit_node(y, YAML_SEQUENCE_START_EVENT, p, &y->pending_props);
			return seq_entry(y, p);
		}
		return FAIL; /* an empty value */
	}
	while (y->depth > 0) {
		top = &y->stack[y->depth - 1];
		if (top->indent > ind || (top->indent == ind && top->indentless && !dash))
			close_block(y, p);
		else
			break;
	}
	if (y->depth == 0) {
		if (y->root_seen)
			return FAIL;
		y->root_seen = 1;
		return open_block(y, p, NULL);
	}
	top = &y->stack[y->depth - 1];
	if (top->indent != ind || top->map == dash)
		return FAIL;
	return dash ? seq_entry(y, p) : map_entry(y, p);
}

/*
 * Characters the subset leaves to libyaml: tabs, carriage returns and
 * other controls, and what libyaml reads as line breaks or refuses
 * (U+0080-U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF).
 */
static int
has_special_chars(const unsigned char *s, size_t n)
{
	size_t i;
	uint64_t w;

	for (i = 0; i < n; i++) {
		/* printable ASCII, eight bytes at a time */
		while (i + 8 <= n) {
			memcpy(&w, s + i, 8);
			if (((w - 0x2020202020202020ull) | w | (w + 0x0101010101010101ull)) &
			    0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] == '\n' || (s[i] >= 0x20 && s[i] < 0x7f))
			continue;
		if (s[i] < 0x80)
			return 1;
		if (s[i] == 0xc2 && i + 1 < n && s[i + 1] < 0xa0)
			return 1;
		if (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xa8 || s[i + 2] == 0xa9))
			return 1;
		if (s[i] == 0xef && i + 2 < n &&
		    ((s[i + 1] == 0xbb && s[i + 2] == 0xbf) ||
		    (s[i + 1] == 0xbf && (s[i + 2] == 0xbe || s[i + 2] == 0xbf))))
			return 1;
	}
	return 0;
}

/* "---" or "..." at p (a line's start), alone or before a blank. */
static int
document_marker(const struct yf *y, size_t p)
{
	return y->n - p >= 3 && (memcmp(y->s + p, "---", 3) == 0 ||
	    memcmp(y->s + p, "...", 3) == 0) && blank_or_eol(y, p + 3);
}

static int
scan_lines(struct yf *y)
{
	size_t p = 0, q, end;

	while (p < y->n) {
		y->line_start = p;
		q = skip_spaces(y, p);
		if (at_eol(y, q) || y->s[q] == '#') {
			end = line_end(y, q);
		} else {
			if (q == p && (y->s[q] == '%' || document_marker(y, q)))
				return -1;
			if ((end = line_content(y, q, q - p)) == FAIL)
				return -1;
		}
		if (!at_eol(y, end))
			return -1;
		p = end + 1;
		y->line++;
	}
	return y->pending || !y->root_seen ? -1 : 0;
}

int
yf_scan(const char *text, size_t len, const char *const *tags, size_t ntags,
    unsigned max_depth, struct yf_events *out)
{
	struct yf y = {.s = text, .n = len, .tags = tags, .ntags = ntags,
	    .max_depth = max_depth, .out = out};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len >= UINT32_MAX || has_special_chars((const unsigned char *)text, len))
		return -1;
	emit_at(&y, YAML_STREAM_START_EVENT, 0, 0);
	emit_at(&y, YAML_DOCUMENT_START_EVENT, 0, 0);
	if (scan_lines(&y) == 0) {
		y.line_start = y.n;
		while (y.depth > 0)
			close_block(&y, y.n);
		emit_at(&y, YAML_DOCUMENT_END_EVENT, y.line, 0);
		emit_at(&y, YAML_STREAM_END_EVENT, y.line, 0);
		rc = 0;
	}
	free(y.stack);
	if (rc != 0)
		yf_events_free(out);
	return rc;
}

void
yf_events_free(struct yf_events *e)
{
	free(e->v);
	free(e->buf);
	memset(e, 0, sizeof(*e));
}
