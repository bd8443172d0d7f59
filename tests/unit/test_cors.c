/*
 * test_cors.c - the one CORS behaviour (base/cors.c), shared by serve and
 * the runtime: the Allow-Origin rule for each kind of origin list, the
 * preflight's headers and an actual response's.
 */
#include <stdlib.h>
#include <string.h>

#include "base/cors.h"

#include "unit.h"

/* "Name: value\n" lines of h, for comparing whole answers. */
static const char *
lines(const struct cors_headers *h)
{
	static char out[2048];
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < h->n; i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s: %.*s\n",
		    h->name[i], (int)h->value_len[i], h->value[i]);
	return out;
}

static void
test_origin_rule(void)
{
	struct cors_config c = {.max_age = -1};
	struct cors_headers h;

	/* "*" (and unset) without credentials: "*", whatever the origin */
	cors_actual(&c, "https://a.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: *\n");
	c.origins = "*";
	cors_actual(&c, NULL, &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: *\n");
	/* "*" with credentials: the origin echoed, and Vary */
	c.credentials = 1;
	cors_actual(&c, "https://a.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://a.example\n"
	    "Vary: Origin\nAccess-Control-Allow-Credentials: true\n");
	cors_actual(&c, NULL, &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: *\n"
	    "Access-Control-Allow-Credentials: true\n");
	/* one origin: always that one */
	c.credentials = 0;
	c.origins = " https://a.example ";
	cors_actual(&c, "https://evil.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://a.example\n");
	/* several: the listed origin echoed, else the first; Vary always */
	c.origins = "https://a.example, https://b.example:8080";
	cors_actual(&c, "https://b.example:8080", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://b.example:8080\n"
	    "Vary: Origin\n");
	cors_actual(&c, "https://b.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://a.example\n"
	    "Vary: Origin\n");
	cors_actual(&c, NULL, &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://a.example\n"
	    "Vary: Origin\n");
	/* a prefix of a listed origin is not that origin */
	c.origins = "https://a.example,https://a.example.evil";
	cors_actual(&c, "https://a.exampl", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://a.example\n"
	    "Vary: Origin\n");
	/* "*" anywhere in the list means any */
	c.origins = "https://a.example,*";
	cors_actual(&c, "https://z.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: *\n");
}

static void
test_preflight(void)
{
	struct cors_config c = {.max_age = -1};
	struct cors_headers h;

	c.allow_methods = "GET,OPTIONS,POST";
	CHECK_INT(cors_preflight(&c, "https://a.example", &h), 200);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: *\n"
	    "Access-Control-Allow-Headers: " CORS_DEFAULT_HEADERS "\n"
	    "Access-Control-Allow-Methods: GET,OPTIONS,POST\n");
	c.origins = "https://a.example,https://b.example";
	c.allow_headers = "Content-Type,X-Tenant";
	c.credentials = 1;
	c.expose_headers = "X-Request-Id";  /* not on a preflight */
	c.max_age = 600;
	CHECK_INT(cors_preflight(&c, "https://b.example", &h), 200);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://b.example\n"
	    "Vary: Origin\nAccess-Control-Allow-Credentials: true\n"
	    "Access-Control-Allow-Headers: Content-Type,X-Tenant\n"
	    "Access-Control-Allow-Methods: GET,OPTIONS,POST\n"
	    "Access-Control-Max-Age: 600\n");
	cors_actual(&c, "https://b.example", &h);
	CHECK_STR(lines(&h), "Access-Control-Allow-Origin: https://b.example\n"
	    "Vary: Origin\nAccess-Control-Allow-Credentials: true\n"
	    "Access-Control-Expose-Headers: X-Request-Id\n");
	CHECK_INT(cors_is_header("access-control-allow-origin"), 1);
	CHECK_INT(cors_is_header("Vary"), 0);
	CHECK_INT(cors_is_header(NULL), 0);
}

int
main(void)
{
	test_origin_rule();
	test_preflight();
	return unit_report("test_cors");
}
