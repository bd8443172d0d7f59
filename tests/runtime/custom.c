/*
 * A custom resource for tests/test_custom_resources.py: what it does is
 * told by ResourceProperties.Mode.
 *   ok        SUCCESS, physical ID "res-" + Name, Data {Type, Name, Old}
 *   keep      SUCCESS with the default physical ID and no Data
 *   secret    SUCCESS with NoEcho
 *   fail      sparta_error: FAILED with that reason
 *   long      sparta_error with a 10,000-byte message (cut to fit)
 *   bigdata   SUCCESS with 8 KB of Data (over CloudFormation's limit)
 *   notobject writes an array (Data must be an object)
 *   crash     SIGSEGV in the handler
 *   exit      _exit(3) without a reply
 *   hang      never returns (killed before the deadline)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sparta/lambda.h>

int t_custom(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

static const char *
prop(const struct sparta_json *props, const char *key)
{
	const char *s = sparta_json_string(sparta_json_get(props, key), NULL);

	return s ? s : "";
}

static int
fill(struct sparta_response *res, char c, size_t n)
{
	char *s = malloc(n + 1);
	int rc;

	if (s == NULL)
		return SPARTA_FAIL;
	memset(s, c, n);
	s[n] = '\0';
	rc = sparta_write_string(res, s);
	free(s);
	return rc;
}

int
t_custom(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_cr_request req;
	const char *mode, *name;
	char id[256];

	if (sparta_cr_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not a custom resource request");
	mode = prop(req.properties, "Mode");
	name = prop(req.properties, "Name");
	if (strcmp(mode, "crash") == 0)
		raise(SIGSEGV);
	if (strcmp(mode, "exit") == 0)
		_exit(3);
	if (strcmp(mode, "hang") == 0)
		for (;;)
			pause();
	if (strcmp(mode, "fail") == 0)
		return sparta_error(res, "Refused", "cannot %s '%s'",
		    req.request_type, name);
	if (strcmp(mode, "long") == 0) {
		char *msg = sparta_alloc(ctx, 10001);

		memset(msg, 'x', 10000);
		memcpy(msg + 9990, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10);
		msg[10000] = '\0';
		return sparta_error(res, "TooLong", "%s", msg);
	}
	if (strcmp(mode, "notobject") == 0) {
		sparta_write_array_begin(res);
		sparta_write_array_end(res);
		return 0;
	}
	if (strcmp(mode, "keep") == 0)
		return 0;
	if (strcmp(mode, "secret") == 0)
		sparta_cr_set_no_echo(res, 1);
	snprintf(id, sizeof(id), "res-%s", name);
	sparta_cr_set_physical_id(res, id);
	sparta_write_object_begin(res);
	sparta_write_key(res, "Type");
	sparta_write_string(res, req.request_type);
	sparta_write_key(res, "Name");
	sparta_write_string(res, name);
	sparta_write_key(res, "Old");
	sparta_write_string(res, prop(req.old_properties, "Name"));
	if (strcmp(mode, "bigdata") == 0) {
		sparta_write_key(res, "Blob");
		fill(res, 'b', 8192);
	}
	sparta_write_object_end(res);
	return 0;
}
