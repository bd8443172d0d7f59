/* report.c - the scheduled report: says which schedule fired it. */
#include <sparta/lambda.h>

#include "example.h"

int
nightly_report(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	const struct sparta_json *ev = sparta_json_parse(ctx, event, len);
	const char *kind = sparta_json_string(sparta_json_get(ev, "kind"), NULL);

	sparta_write_object_begin(res);
	sparta_write_key(res, "report");
	sparta_write_string(res, kind != NULL ? kind : "nightly");
	sparta_write_key(res, "time");
	sparta_write_string(res, example_str(
	    sparta_json_string(sparta_json_get(ev, "time"), NULL)));
	sparta_write_object_end(res);
	return 0;
}
