/*
 * ddb.c - DynamoDB attribute values for <sparta/aws.h>: one member
 * "name": {"TYPE": "value"} written into a request, and one read back from
 * an item. DynamoDB sends numbers as strings ("N": "12"); they are read as
 * integers only when they are written as one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sparta/aws.h"
#include "sparta/lambda.h"

int
sparta_ddb_write(struct sparta_response *w, const char *name,
    const char *type, const char *value)
{
	if (type == NULL || value == NULL)
		return sparta_write_key(w, NULL); /* marks the writer misused */
	if (name != NULL && sparta_write_key(w, name) < 0)
		return SPARTA_FAIL;
	if (sparta_write_object_begin(w) < 0 || sparta_write_key(w, type) < 0 ||
	    sparta_write_string(w, value) < 0)
		return SPARTA_FAIL;
	return sparta_write_object_end(w);
}

int
sparta_ddb_write_int(struct sparta_response *w, const char *name,
    long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	return sparta_ddb_write(w, name, "N", num);
}

const char *
sparta_ddb_get(const struct sparta_json *item, const char *name,
    const char *type, size_t *len)
{
	if (type == NULL)
		return NULL;
	return sparta_json_string(sparta_json_get(sparta_json_get(item,
	    name), type), len);
}

int
sparta_ddb_get_int(const struct sparta_json *item, const char *name,
    long long *out)
{
	const char *n = sparta_ddb_get(item, name, "N", NULL);
	const char *d;
	char *end;
	long long v;

	if (n == NULL)
		return -1;
	d = *n == '-' ? n + 1 : n;
	if (*d < '0' || *d > '9')
		return -1;	/* "", "+1", " 1", ".5" */
	errno = 0;
	v = strtoll(n, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;	/* out of range, "1.5", "1E+2" */
	*out = v;
	return 0;
}
