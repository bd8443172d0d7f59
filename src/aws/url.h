/*
 * url.h - the one URL parser of the AWS client.
 *
 * Every URL spartac connects to (configured endpoints, container and
 * instance-metadata credentials, every request) goes through aws_url_parse,
 * and the wire sends its canonical form. So the host a check looked
 * at is the host that is connected to, and the host and path SigV4 signs are
 * the ones sent.
 *
 * The grammar is narrow on purpose, so that no other parser (a library's, a
 * proxy's, the server's) can read a URL differently: http or https (any
 * case); no user information ("name@" before the host); no fragment; no
 * backslash, white space, control or non-ASCII byte; a host that is a DNS
 * name (letters, digits, '-' and '_' in non-empty labels, no trailing dot),
 * a dotted-decimal IPv4 address in its one canonical spelling (so 127.1,
 * 0x7f.0.0.1 and 127.000.0.1 are refused, not guessed at), or a bracketed
 * IPv6 address without a zone; a decimal port 1-65535; a path and query of
 * RFC 3986 characters with well-formed %XX escapes.
 */
#ifndef SPARTAC_AWS_URL_H
#define SPARTAC_AWS_URL_H

#include <stddef.h>

enum aws_url_host {
	AWS_URL_NAME,
	AWS_URL_IPV4,
	AWS_URL_IPV6,
};

struct aws_url {
	char *href;      /* scheme://authority path [?query]: what is sent */
	int https;       /* 0: plain http */
	enum aws_url_host host_kind;
	char *host;      /* lower case; IPv6 as "[...]" in inet_ntop's form */
	unsigned port;   /* given, or the scheme's default */
	char *authority; /* host, and ":port" unless the default: the Host header */
	char *path;      /* "" or from the first '/', as given */
	char *query;     /* what follows '?', or NULL when there is no '?' */
	unsigned char addr[16]; /* the address of an IPv4 (4 bytes) or IPv6 host */
};

/*
 * Parses s into u (owned by the caller: aws_url_free). Returns 0, or -1 with
 * u zeroed and why set to a phrase that reads after the URL's name ("has
 * user information ..."). why never repeats the URL itself, which may hold
 * a password before '@'. parse(u.href) gives u again.
 */
int aws_url_parse(struct aws_url *u, const char *s, char *why, size_t n);
void aws_url_free(struct aws_url *u);
/* scheme://authority and the path without trailing slashes: a base URL to
 * append "/..." to. Owned by the caller. */
char *aws_url_base(const struct aws_url *u);
/* 1 when the host is in 127.0.0.0/8, is ::1 or is "localhost". */
int aws_url_is_loopback(const struct aws_url *u);

#endif
