/*
 * curl_lazy.c - libcurl, loaded when the first AWS client opens.
 *
 * libcurl pulls in TLS, Kerberos, LDAP, SSH and more: loading it costs
 * about 9 million instructions at every start (callgrind), which was a
 * tenth of `spartac validate` on a 1,000-function manifest. Only the verbs
 * that talk to AWS need it, so the few libcurl functions spartac calls are
 * defined here and forwarded to the library, opened on first use
 * (docs/decisions.md).
 */
#include <stdarg.h>

/* our definitions below, not the type-checking macros of the same names */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "aws/internal.h"
#include "base/util.h"

#define CURL_SONAME "libcurl.so.4"

static struct {
	void *lib;
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	void (*easy_reset)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	time_t (*getdate)(const char *, const time_t *);
} lib;

int
curl_lazy_load(char *why, size_t n)
{
	void **slots[] = {
		(void **)&lib.global_init, (void **)&lib.easy_init,
		(void **)&lib.easy_cleanup, (void **)&lib.easy_reset,
		(void **)&lib.easy_setopt, (void **)&lib.easy_perform,
		(void **)&lib.easy_getinfo, (void **)&lib.easy_strerror,
		(void **)&lib.slist_append, (void **)&lib.slist_free_all,
		(void **)&lib.getdate,
	};
	static const char *const names[] = {
		"curl_global_init", "curl_easy_init", "curl_easy_cleanup",
		"curl_easy_reset", "curl_easy_setopt", "curl_easy_perform",
		"curl_easy_getinfo", "curl_easy_strerror", "curl_slist_append",
		"curl_slist_free_all", "curl_getdate",
	};

	if (lib.lib != NULL)
		return 0;
	lib.lib = lazy_open(CURL_SONAME, "libcurl4", names, slots,
	    sizeof(names) / sizeof(names[0]), why, n);
	return lib.lib != NULL ? 0 : -1;
}

CURLcode
curl_global_init(long flags)
{
	return lib.lib ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init(void)
{
	return lib.lib ? lib.easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *c)
{
	lib.easy_cleanup(c);
}

void
curl_easy_reset(CURL *c)
{
	lib.easy_reset(c);
}

/*
 * The option number says the argument's type, as libcurl itself decides:
 * a long below CURLOPTTYPE_OBJECTPOINT, a curl_off_t from CURLOPTTYPE_OFF_T
 * to CURLOPTTYPE_BLOB, a pointer otherwise.
 */
CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = lib.easy_setopt(c, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		rc = lib.easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		rc = lib.easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode
curl_easy_perform(CURL *c)
{
	return lib.easy_perform(c);
}

/* Every CURLINFO argument is a pointer to where the value goes. */
CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	va_start(ap, info);
	rc = lib.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return lib.lib ? lib.easy_strerror(rc) : "libcurl is not loaded";
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return lib.slist_append(l, s);
}

void
curl_slist_free_all(struct curl_slist *l)
{
	lib.slist_free_all(l);
}

time_t
curl_getdate(const char *s, const time_t *unused)
{
	return lib.lib ? lib.getdate(s, unused) : -1;
}
