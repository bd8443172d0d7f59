/*
 * url.c - the one URL parser of the AWS client (url.h says what it takes).
 *
 * It refuses rather than repairs: anything two parsers could read two ways
 * (user information, a backslash, a percent-encoded or shortened numeric
 * host, a trailing dot) is an error that says what to write instead.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/url.h"
#include "base/util.h"

static int fail(char *why, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int
fail(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Bytes no part of the URL may hold, wherever they are. */
static int
bytes_check(const char *s, char *why, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			return fail(why, n, "contains white space (byte %zu); "
			    "write the URL without it", i + 1);
		if (c < ' ' || c == 0x7f)
			return fail(why, n, "contains a control character "
			    "(byte %zu)", i + 1);
		if (c > 0x7f)
			return fail(why, n, "contains a non-ASCII byte (byte %zu); "
			    "write a Unicode host name in its xn-- form and "
			    "percent-encode the path", i + 1);
		if (c == '\\')
			return fail(why, n, "contains a backslash (byte %zu), which "
			    "URL parsers read differently; write '/'", i + 1);
		if (c == '#')
			return fail(why, n, "has a fragment ('#' at byte %zu), "
			    "which is never sent; remove it", i + 1);
	}
	if (i == 0)
		return fail(why, n, "is empty");
	return 0;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* a.b.c.d, each 0-255 in decimal without a leading zero, and nothing else */
static int
ipv4_canonical(const char *h, size_t len, unsigned char addr[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;
		if (part > 0) {
			if (i >= len || h[i] != '.')
				return 0;
			start = ++i;
		}
		while (i < len && is_digit(h[i]) && i - start < 3)
			v = v * 10 + (unsigned)(h[i++] - '0');
		if (i == start || v > 255 || (h[start] == '0' && i - start > 1))
			return 0;
		addr[part] = (unsigned char)v;
	}
	return i == len;
}

/* A host name's last label decides whether it is meant as a number (as
 * browsers and libcurl decide): all digits, or 0x and hex. */
static int
looks_numeric(const char *label, size_t len)
{
	size_t i;

	if (len >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X'))
		return 1;
	for (i = 0; i < len; i++)
		if (!is_digit(label[i]))
			return 0;
	return 1;
}

static int
name_parse(struct aws_url *u, const char *h, size_t len, char *why, size_t n)
{
	size_t i, label = 0;
	char *p;

	if (len == 0)
		return fail(why, n, "has no host");
	if (len > 253)
		return fail(why, n, "has a host longer than 253 characters");
	for (i = 0; i < len; i++) {
		char c = h[i];
		if (c == '%')
			return fail(why, n, "has a percent-encoded host; write the "
			    "host name plainly");
		if (c == '.') {
			if (i == label)
				return fail(why, n, "has a host, '%.*s', with an "
				    "empty label%s", (int)len, h, i + 1 == len ?
				    " (a trailing dot); remove the dot" : "");
			label = i + 1;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    is_digit(c) || c == '-' || c == '_')) {
			return fail(why, n, "has '%c' in its host, which host "
			    "names do not contain", c);
		} else if (i - label >= 63) {
			return fail(why, n, "has a host label longer than 63 "
			    "characters");
		}
	}
	if (label == len)
		return fail(why, n, "has a host, '%.*s', that ends with a dot; "
		    "remove the dot", (int)len, h);
	u->host = xstrndup(h, len);
	for (p = u->host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	u->host_kind = AWS_URL_NAME;
	if (!looks_numeric(h + label, len - label))
		return 0;
	if (!ipv4_canonical(h, len, u->addr))
		return fail(why, n, "has a host, '%.*s', that reads as a number "
		    "but is not an IPv4 address written as four decimal "
		    "numbers 0-255 without leading zeros (a.b.c.d)", (int)len, h);
	u->host_kind = AWS_URL_IPV4;
	return 0;
}

static int
ipv6_parse(struct aws_url *u, const char *h, size_t len, char *why, size_t n)
{
	char in[48], out[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < len; i++) {
		if (h[i] == '%')
			return fail(why, n, "has an IPv6 zone ('%%' in the "
			    "brackets), which is not accepted");
		if (!is_hex(h[i]) && h[i] != ':' && h[i] != '.')
			return fail(why, n, "has '%c' in the brackets of an IPv6 "
			    "address", h[i]);
	}
	if (len == 0 || len >= sizeof in)
		return fail(why, n, "has no IPv6 address in its brackets");
	memcpy(in, h, len);
	in[len] = '\0';
	if (inet_pton(AF_INET6, in, u->addr) != 1 ||
	    inet_ntop(AF_INET6, u->addr, out, sizeof out) == NULL)
		return fail(why, n, "has '[%s]', which is not an IPv6 address", in);
	u->host = xasprintf("[%s]", out);
	u->host_kind = AWS_URL_IPV6;
	return 0;
}

static int
port_parse(struct aws_url *u, const char *p, size_t len, char *why, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < len && i < 6; i++) {
		if (!is_digit(p[i]))
			break;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (len == 0 || i != len || v == 0 || v > 65535)
		return fail(why, n, "has a port, '%.*s', that is not a number "
		    "from 1 to 65535", (int)(len < 16 ? len : 16), p);
	u->port = v;
	return 0;
}

/* host[:port], already known to hold no '@', '/' or '?' */
static int
authority_parse(struct aws_url *u, const char *a, size_t len, char *why,
    size_t n)
{
	const char *end = a + len, *colon;

	if (len > 0 && a[0] == '[') {
		const char *rb = memchr(a, ']', len);
		if (rb == NULL)
			return fail(why, n, "has a '[' without its ']'");
		if (ipv6_parse(u, a + 1, (size_t)(rb - a - 1), why, n) != 0)
			return -1;
		if (rb + 1 == end)
			return 0;
		if (rb[1] != ':')
			return fail(why, n, "has '%c' after the ']' of its host",
			    rb[1]);
		return port_parse(u, rb + 2, (size_t)(end - rb - 2), why, n);
	}
	colon = memchr(a, ':', len);
	if (name_parse(u, a, colon ? (size_t)(colon - a) : len, why, n) != 0)
		return -1;
	if (colon == NULL)
		return 0;
	return port_parse(u, colon + 1, (size_t)(end - colon - 1), why, n);
}

/* RFC 3986 pchar without '%': unreserved, sub-delims, ':' and '@' */
static int
is_pchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
	    strchr("-._~!$&'()*+,;=:@", c) != NULL;
}

/* The path and query: RFC 3986 characters and well-formed escapes. */
static int
rest_check(const char *p, char *why, size_t n)
{
	int query = 0;
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		int c = (unsigned char)p[i];
		if (c == '?') {
			query = 1;
		} else if (c == '%') {
			if (!is_hex(p[i + 1]) || !is_hex(p[i + 2]))
				return fail(why, n, "has a '%%' in its %s that is "
				    "not followed by two hex digits",
				    query ? "query" : "path");
			i += 2;
		} else if (c != '/' && !is_pchar(c)) {
			return fail(why, n, "has '%c' in its %s; percent-encode "
			    "it", c, query ? "query" : "path");
		}
	}
	return 0;
}

static void
url_build(struct aws_url *u, const char *rest)
{
	unsigned def = u->https ? 443 : 80;
	size_t plen = strcspn(rest, "?");

	if (u->port == 0)
		u->port = def;
	if (u->port == def)
		u->authority = xstrdup(u->host);
	else
		u->authority = xasprintf("%s:%u", u->host, u->port);
	u->path = xstrndup(rest, plen);
	if (rest[plen] == '?')
		u->query = xstrdup(rest + plen + 1);
	u->href = xasprintf("%s://%s%s%s%s", u->https ? "https" : "http",
	    u->authority, u->path, u->query ? "?" : "", u->query ? u->query : "");
}

int
aws_url_parse(struct aws_url *u, const char *s, char *why, size_t n)
{
	const char *a;
	size_t alen;

	memset(u, 0, sizeof *u);
	if (bytes_check(s, why, n) != 0)
		return -1;
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		a = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		a = s + 7;
	} else {
		return fail(why, n, "is not an http:// or https:// URL");
	}
	alen = strcspn(a, "/?");
	if (memchr(a, '@', alen) != NULL)
		return fail(why, n, "has user information (a 'name@' before the "
		    "host), and the host after '@' is the one that would be "
		    "connected to; remove everything from '//' to '@'");
	if (authority_parse(u, a, alen, why, n) != 0 ||
	    rest_check(a + alen, why, n) != 0) {
		aws_url_free(u);
		return -1;
	}
	url_build(u, a + alen);
	return 0;
}

void
aws_url_free(struct aws_url *u)
{
	free(u->href);
	free(u->host);
	free(u->authority);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof *u);
}

char *
aws_url_base(const struct aws_url *u)
{
	size_t n = strlen(u->path);

	while (n > 0 && u->path[n - 1] == '/')
		n--;
	return xasprintf("%s://%s%.*s", u->https ? "https" : "http",
	    u->authority, (int)n, u->path);
}

int
aws_url_is_loopback(const struct aws_url *u)
{
	static const unsigned char v6[16] = {[15] = 1};

	switch (u->host_kind) {
	case AWS_URL_IPV4:
		return u->addr[0] == 127;
	case AWS_URL_IPV6:
		return memcmp(u->addr, v6, sizeof v6) == 0;
	case AWS_URL_NAME:
		return strcmp(u->host, "localhost") == 0;
	}
	return 0;
}
