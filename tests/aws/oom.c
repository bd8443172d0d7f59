/*
 * oom.c - a handler that asks for a request buffer when memory has run
 * out, then writes into it as <sparta/aws.h>'s example does (no NULL
 * check): tests/test_runtime_aws.py expects the process to end with the
 * runtime's out-of-memory message, not a crash in the writer.
 *
 * The address space is capped a little above what the process uses, and
 * filled with blocks (halving their size down to 16 bytes) until malloc
 * fails everywhere; the blocks are freed again after the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <sparta/aws.h>
#include <sparta/lambda.h>

int t_oom(const char *, size_t, struct sparta_context *,
    struct sparta_response *);

int
t_oom(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct rlimit rl;
	struct sparta_response *in;
	unsigned long pages = 0;
	size_t size;
	void **hoard = NULL, **p;
	FILE *f;

	(void)event;
	(void)len;
	if ((f = fopen("/proc/self/statm", "r")) == NULL ||
	    fscanf(f, "%lu", &pages) != 1)
		return sparta_error(res, "Setup", "cannot read /proc/self/statm");
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * 4096 + (4 << 20);
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return sparta_error(res, "Setup", "setrlimit failed");
	for (size = 1 << 20; size >= 16; size /= 2)
		while ((p = malloc(size)) != NULL) {
			*p = hoard;
			hoard = p;
		}
	in = sparta_json_buffer(ctx);
	while (hoard != NULL) {
		p = *hoard;
		free(hoard);
		hoard = p;
	}
	sparta_write_object_begin(in);
	sparta_write_object_end(in);
	return sparta_error(res, "NotReached", "sparta_json_buffer returned");
}
