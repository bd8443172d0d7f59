/*
 * s3notify.c - the built-in custom resource behind s3 events on a bucket
 * that already exists (events: - s3: {bucket: NAME, existing: true}).
 *
 * CloudFormation can only set notifications on buckets it manages, so
 * spartac declares one Custom::SpartaS3Notification per such event, served
 * by this handler in the service's own bootstrap. Its properties:
 *	Bucket       the bucket's name
 *	Id           the configuration's Id, stable for the event
 *	FunctionArn  the function to invoke
 *	Events       ["s3:ObjectCreated:*", ...]
 *	Prefix, Suffix (optional) the key filter
 * Create and Update read the bucket's notification configuration, drop the
 * CloudFunctionConfiguration with that Id (if any), add this one and write
 * it back; every other configuration (topics, queues, other functions,
 * EventBridge) is kept as S3 returned it, byte for byte. Delete drops only
 * the one with the Id; a bucket that is gone by then is not an error. The
 * physical ID is "BUCKET/ID": a change of bucket or Id is a replacement,
 * and CloudFormation then deletes the old entry.
 */
#include <stdio.h>
#include <string.h>

#include "runtime.h"
#include "sparta/aws.h"

#define CFG_OPEN "<CloudFunctionConfiguration>"
#define CFG_CLOSE "</CloudFunctionConfiguration>"

int sparta_s3_notify(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res);

static void
xml_escape(struct rt_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rt_buf_puts(b, "&amp;"); break;
		case '<': rt_buf_puts(b, "&lt;"); break;
		case '>': rt_buf_puts(b, "&gt;"); break;
		case '"': rt_buf_puts(b, "&quot;"); break;
		case '\'': rt_buf_puts(b, "&apos;"); break;
		default: rt_buf_putc(b, *s); break;
		}
	}
}

/* The first occurrence of needle in [s, end), or NULL. */
static const char *
find(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);

	for (; s != NULL && (size_t)(end - s) >= n; s++)
		if (memcmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/*
 * Copies the configuration xml into out without the function
 * configurations whose Id is id; *at is set to where a new function
 * configuration goes in out (after the last one kept, else before an
 * EventBridgeConfiguration, else before the end). Returns the number
 * dropped, or -1 when xml is not a NotificationConfiguration.
 */
static int
config_strip(const char *xml, size_t len, const char *id, struct rt_buf *out,
    size_t *at)
{
	const char *end = xml + len, *p = xml, *root, *open, *close, *eb;
	struct rt_buf want = {0};
	int dropped = 0;

	rt_buf_reset(out);
	if ((root = find(xml, end, "<NotificationConfiguration")) == NULL) {
		/* No configuration in the reply (S3 answers an empty
		 * <NotificationConfiguration/>, moto another empty root). */
		if (find(xml, end, "Configuration>") == NULL) {
			rt_buf_puts(out, "<NotificationConfiguration xmlns=\""
			    "http://s3.amazonaws.com/doc/2006-03-01/\">");
			*at = out->len;
			rt_buf_puts(out, "</NotificationConfiguration>");
			return 0;
		}
		return -1;
	}
	if ((close = find(root, end, ">")) == NULL)
		return -1;
	if (close[-1] == '/') { /* <NotificationConfiguration .../> */
		rt_buf_append(out, xml, (size_t)(close - 1 - xml));
		rt_buf_puts(out, ">");
		*at = out->len;
		rt_buf_puts(out, "</NotificationConfiguration>");
		rt_buf_append(out, close + 1, (size_t)(end - close - 1));
		return 0;
	}
	rt_buf_puts(&want, "<Id>");
	xml_escape(&want, id);
	rt_buf_puts(&want, "</Id>");
	rt_buf_putc(&want, '\0');
	*at = 0;
	while ((open = find(p, end, CFG_OPEN)) != NULL &&
	    (close = find(open, end, CFG_CLOSE)) != NULL) {
		close += strlen(CFG_CLOSE);
		rt_buf_append(out, p, (size_t)(open - p));
		if (find(open, close, want.data) != NULL) {
			dropped++;
		} else {
			rt_buf_append(out, open, (size_t)(close - open));
			*at = out->len;
		}
		p = close;
	}
	if (*at == 0) {
		eb = find(p, end, "<EventBridgeConfiguration");
		if (eb == NULL)
			eb = find(p, end, "</NotificationConfiguration>");
		if (eb == NULL) {
			rt_buf_free(&want);
			return -1;
		}
		rt_buf_append(out, p, (size_t)(eb - p));
		*at = out->len;
		p = eb;
	}
	rt_buf_append(out, p, (size_t)(end - p));
	rt_buf_free(&want);
	return dropped;
}

/* This event's CloudFunctionConfiguration, from the request's properties. */
static void
config_write(struct rt_buf *b, const struct sparta_json *props)
{
	const struct sparta_json *events = sparta_json_get(props, "Events");
	const char *keys[2] = { "Prefix", "Suffix" }, *names[2] = { "prefix",
	    "suffix" }, *v;
	size_t i;
	int filter = 0;

	rt_buf_puts(b, CFG_OPEN "<Id>");
	xml_escape(b, sparta_json_string(sparta_json_get(props, "Id"), NULL));
	rt_buf_puts(b, "</Id><CloudFunction>");
	xml_escape(b, sparta_json_string(sparta_json_get(props, "FunctionArn"),
	    NULL));
	rt_buf_puts(b, "</CloudFunction>");
	for (i = 0; i < sparta_json_count(events); i++) {
		if ((v = sparta_json_string(sparta_json_at(events, i), NULL)) == NULL)
			continue;
		rt_buf_puts(b, "<Event>");
		xml_escape(b, v);
		rt_buf_puts(b, "</Event>");
	}
	for (i = 0; i < 2; i++) {
		v = sparta_json_string(sparta_json_get(props, keys[i]), NULL);
		if (v == NULL || *v == '\0')
			continue;
		if (!filter++)
			rt_buf_puts(b, "<Filter><S3Key>");
		rt_buf_printf(b, "<FilterRule><Name>%s</Name><Value>", names[i]);
		xml_escape(b, v);
		rt_buf_puts(b, "</Value></FilterRule>");
	}
	if (filter)
		rt_buf_puts(b, "</S3Key></Filter>");
	rt_buf_puts(b, CFG_CLOSE);
}

/*
 * Drops the configuration with Id from bucket and, when props is not NULL,
 * adds props' one. 0, or sparta_error's SPARTA_FAIL.
 */
static int
bucket_update(struct sparta_context *ctx, struct sparta_response *res,
    const char *bucket, const char *id, const struct sparta_json *props,
    int gone_ok)
{
	struct sparta_aws_error err;
	struct rt_buf out = {0}, cfg = {0}, doc = {0};
	const char *xml;
	size_t len = 0, at = 0;
	int rc = 0;

	xml = sparta_s3_bucket_get(ctx, bucket, "notification", &len, &err);
	if (xml == NULL) {
		if (gone_ok && strcmp(err.type, "NoSuchBucket") == 0)
			return 0;
		return sparta_error(res, err.type, "reading the notifications "
		    "of bucket %s: %s", bucket, err.message);
	}
	if (config_strip(xml, len, id, &out, &at) < 0) {
		rt_buf_free(&out);
		return sparta_error(res, "S3.BadReply", "bucket %s: the "
		    "notification configuration S3 returned is not one", bucket);
	}
	if (props != NULL)
		config_write(&cfg, props);
	rt_buf_append(&doc, out.data, at);
	if (cfg.len > 0)
		rt_buf_append(&doc, cfg.data, cfg.len);
	rt_buf_append(&doc, out.data + at, out.len - at);
	if (doc.oom)
		rc = sparta_error(res, "Runtime.OutOfMemory", "out of memory");
	else if (sparta_s3_bucket_put(ctx, bucket, "notification", doc.data,
	    doc.len, "application/xml", &err) < 0)
		rc = sparta_error(res, err.type, "writing the notifications of "
		    "bucket %s: %s", bucket, err.message);
	rt_buf_free(&out);
	rt_buf_free(&cfg);
	rt_buf_free(&doc);
	return rc;
}

static const char *
prop(const struct sparta_json *props, const char *key)
{
	const char *s = sparta_json_string(sparta_json_get(props, key), NULL);

	return s != NULL ? s : "";
}

int
sparta_s3_notify(const char *event, size_t len, struct sparta_context *ctx,
    struct sparta_response *res)
{
	struct sparta_cr_request req;
	const char *bucket, *id;
	char *phys;
	size_t n;

	if (sparta_cr_parse(ctx, event, len, &req) < 0)
		return sparta_error(res, "BadRequest", "not a custom resource "
		    "request");
	bucket = prop(req.properties, "Bucket");
	id = prop(req.properties, "Id");
	if (*bucket == '\0' || *id == '\0')
		return sparta_error(res, "BadRequest", "the properties Bucket "
		    "and Id are required");
	n = strlen(bucket) + strlen(id) + 2;
	phys = sparta_alloc(ctx, n);
	snprintf(phys, n, "%s/%s", bucket, id);
	sparta_cr_set_physical_id(res, phys);
	if (strcmp(req.request_type, "Delete") == 0) {
		/* A failed Create has no entry to drop: its physical ID is
		 * the runtime's default, not BUCKET/ID. */
		if (strcmp(req.physical_id, phys) != 0)
			return 0;
		return bucket_update(ctx, res, bucket, id, NULL, 1);
	}
	return bucket_update(ctx, res, bucket, id, req.properties, 0);
}
