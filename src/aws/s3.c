/*
 * s3.c - S3 over REST-XML (shapes from botocore's s3/2006-03-01 model).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "aws/internal.h"
#include "aws/s3.h"
#include "base/util.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

static int
bucket_is_dns(const char *b)
{
	size_t n = strlen(b), i;

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = b[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return b[0] != '-' && b[n - 1] != '-';
}

/* The URL of a bucket or object; query is already encoded (or NULL). */
char *
s3_url(struct aws *aws, const char *bucket, const char *key, const char *query,
    struct aws_error *err, const char *op)
{
	struct buf b = {0};
	int custom;
	char *base = aws_endpoint(aws, "s3", &custom, err);

	if (base == NULL) {
		snprintf(err->service, sizeof err->service, "s3");
		snprintf(err->operation, sizeof err->operation, "%s", op);
		return NULL;
	}
	if (!custom && bucket_is_dns(bucket)) {
		buf_printf(&b, "https://%s.s3.%s.%s/", bucket, aws->region,
		    aws_partition_suffix(aws->region));
	} else {
		buf_printf(&b, "%s/", base);
		aws_uri_encode(&b, bucket, strlen(bucket), NULL);
		if (key)
			buf_putc(&b, '/');
	}
	if (key)
		aws_uri_encode(&b, key, strlen(key), "/~");
	if (query && *query) {
		buf_putc(&b, '?');
		buf_puts(&b, query);
	}
	free(base);
	return buf_take(&b);
}

char *
s3_object_url(struct aws *aws, const char *bucket, const char *key,
    struct aws_error *err)
{
	return s3_url(aws, bucket, key, NULL, err, "GetObject");
}

static void
base64(const unsigned char *p, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static int
s3_send(struct aws *aws, const char *op, const char *method, char *url,
    const struct sigv4_header *hdr, size_t nhdr, const void *body, size_t len,
    int content_md5, struct aws_response *resp, struct aws_error *err)
{
	struct aws_request req;
	char md5b64[32];
	unsigned char md[MD5_DIGEST_LENGTH];
	size_t i;
	int rc;

	memset(&req, 0, sizeof req);
	req.service = "s3";
	req.operation = op;
	req.method = method;
	req.url = url;
	req.is_s3 = 1;
	req.body = body;
	req.body_len = len;
	for (i = 0; i < nhdr && req.nhdr < NELEM(req.hdr) - 1; i++)
		req.hdr[req.nhdr++] = hdr[i];
	if (content_md5) {
		/* S3 requires Content-MD5 on these configuration calls */
		EVP_Digest(body, len, md, NULL, EVP_md5(), NULL);
		base64(md, sizeof md, md5b64);
		req.hdr[req.nhdr].name = "Content-MD5";
		req.hdr[req.nhdr++].value = md5b64;
	}
	rc = aws_send(aws, &req, resp, err);
	free(url);
	return rc;
}

int
s3_head_bucket(struct aws *aws, const char *bucket, char **region,
    struct aws_error *err)
{
	struct aws_response resp = {0};
	char *url = s3_url(aws, bucket, NULL, NULL, err, "HeadBucket");
	const char *r;
	int rc;

	if (region)
		*region = NULL;
	if (url == NULL)
		return -1;
	rc = s3_send(aws, "HeadBucket", "HEAD", url, NULL, 0, NULL, 0, 0, &resp, err);
	if (region && (r = aws_response_header(&resp, "x-amz-bucket-region")) != NULL)
		*region = xstrdup(r);
	if (rc != 0 && resp.status == 404) {
		snprintf(err->code, sizeof err->code, "NoSuchBucket");
		rc = 1;
	}
	aws_response_free(&resp);
	return rc;
}

void
s3_object_free(struct s3_object *o)
{
	free(o->key);
	free(o->etag);
	free(o->checksum_sha256);
	memset(o, 0, sizeof *o);
}

int
s3_head_object(struct aws *aws, const char *bucket, const char *key,
    struct s3_object *out, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct sigv4_header h[] = {{"x-amz-checksum-mode", "ENABLED"}};
	char *url = s3_url(aws, bucket, key, NULL, err, "HeadObject");
	const char *v;
	int rc;

	memset(out, 0, sizeof *out);
	if (url == NULL)
		return -1;
	rc = s3_send(aws, "HeadObject", "HEAD", url, h, 1, NULL, 0, 0, &resp, err);
	if (rc == 0) {
		out->key = xstrdup(key);
		if ((v = aws_response_header(&resp, "ETag")) != NULL)
			out->etag = xstrdup(v);
		if ((v = aws_response_header(&resp, "x-amz-checksum-sha256")) != NULL)
			out->checksum_sha256 = xstrdup(v);
		if ((v = aws_response_header(&resp, "Content-Length")) != NULL)
			out->size = strtoll(v, NULL, 10);
	} else if (resp.status == 404) {
		snprintf(err->code, sizeof err->code, "NoSuchKey");
		rc = 1;
	}
	aws_response_free(&resp);
	return rc;
}

int
s3_put_object(struct aws *aws, const char *bucket, const char *key,
    const void *data, size_t len, const char *content_type, char **etag,
    struct aws_error *err)
{
	struct aws_response resp = {0};
	unsigned char md[SHA256_DIGEST_LENGTH];
	char b64[48], hex[65];
	struct sigv4_header h[2];
	struct aws_request req;
	const char *v;
	int rc;

	if (etag)
		*etag = NULL;
	memset(&req, 0, sizeof req);
	if ((req.url = s3_url(aws, bucket, key, NULL, err, "PutObject")) == NULL)
		return -1;
	SHA256(data, len, md);
	base64(md, sizeof md, b64);
	aws_sha256_hex(data, len, hex);
	h[0].name = "Content-Type";
	h[0].value = content_type ? content_type : "application/octet-stream";
	h[1].name = "x-amz-checksum-sha256";
	h[1].value = b64;
	req.service = "s3";
	req.operation = "PutObject";
	req.method = "PUT";
	req.is_s3 = 1;
	req.body = data;
	req.body_len = len;
	req.payload_hash = hex;
	req.hdr[0] = h[0];
	req.hdr[1] = h[1];
	req.nhdr = 2;
	/* an upload may be large: allow a minute per 8 MiB beyond the default */
	req.timeout_ms = aws->timeout_ms + (long)(len / (8u << 20)) * 60000L;
	rc = aws_send(aws, &req, &resp, err);
	if (rc == 0 && etag && (v = aws_response_header(&resp, "ETag")) != NULL)
		*etag = xstrdup(v);
	free(req.url);
	aws_response_free(&resp);
	return rc;
}

int
s3_list_objects(struct aws *aws, const char *bucket, const char *prefix,
    struct s3_objects *out, struct aws_error *err)
{
	char *token = NULL;
	int page;

	memset(out, 0, sizeof *out);
	for (page = 0; page < 100000; page++) {
		struct aws_response resp = {0};
		struct buf q = {0};
		struct xml_node *x;
		const struct xml_node *c;
		char why[160], *url;
		const char *trunc;

		buf_puts(&q, "list-type=2");
		if (prefix && *prefix) {
			buf_puts(&q, "&prefix=");
			aws_uri_encode(&q, prefix, strlen(prefix), NULL);
		}
		if (token) {
			buf_puts(&q, "&continuation-token=");
			aws_uri_encode(&q, token, strlen(token), NULL);
		}
		url = s3_url(aws, bucket, NULL, q.data, err, "ListObjectsV2");
		buf_free(&q);
		if (url == NULL ||
		    s3_send(aws, "ListObjectsV2", "GET", url, NULL, 0, NULL, 0, 0,
		    &resp, err) != 0) {
			aws_response_free(&resp);
			goto fail;
		}
		x = xml_parse(resp.body.data ? resp.body.data : "", resp.body.len,
		    why, sizeof why);
		aws_response_free(&resp);
		if (x == NULL) {
			aws_error_set(err, "s3", "ListObjectsV2", "MalformedResponse",
			    "%s", why);
			goto fail;
		}
		for (c = xml_first(x, "Contents"); c; c = xml_next(c)) {
			struct s3_object *o;
			const char *sz = xml_get(c, "Size");
			out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof *out->v);
			o = &out->v[out->n++];
			memset(o, 0, sizeof *o);
			o->key = xml_dup(c, "Key");
			o->etag = xml_dup(c, "ETag");
			o->size = sz ? strtoll(sz, NULL, 10) : 0;
			o->last_modified = aws_time_parse(xml_get(c, "LastModified"));
		}
		free(token);
		token = NULL;
		trunc = xml_get(x, "IsTruncated");
		if (trunc && strcmp(trunc, "true") == 0)
			token = xml_dup(x, "NextContinuationToken");
		xml_free(x);
		if (token == NULL)
			break;
	}
	return 0;
fail:
	free(token);
	s3_objects_free(out);
	return -1;
}

void
s3_objects_free(struct s3_objects *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		s3_object_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int
s3_delete_objects(struct aws *aws, const char *bucket, const char *const *keys,
    size_t n, struct aws_error *err)
{
	size_t start = 0, i;

	while (start < n) {
		size_t end = start + 1000 < n ? start + 1000 : n;
		struct aws_response resp = {0};
		struct buf body = {0};
		struct sigv4_header h[] = {{"Content-Type", "application/xml"}};
		struct xml_node *x;
		const struct xml_node *e;
		char why[160], *url;

		buf_puts(&body, "<Delete xmlns=\"" S3_NS "\">");
		for (i = start; i < end; i++) {
			buf_puts(&body, "<Object><Key>");
			xml_escape(&body, keys[i]);
			buf_puts(&body, "</Key></Object>");
		}
		buf_puts(&body, "<Quiet>true</Quiet></Delete>");
		url = s3_url(aws, bucket, NULL, "delete", err, "DeleteObjects");
		if (url == NULL || s3_send(aws, "DeleteObjects", "POST", url, h, 1,
		    body.data, body.len, 1, &resp, err) != 0) {
			buf_free(&body);
			aws_response_free(&resp);
			return -1;
		}
		buf_free(&body);
		x = xml_parse(resp.body.data ? resp.body.data : "", resp.body.len,
		    why, sizeof why);
		if (x == NULL && resp.body.len > 0) {
			aws_error_set(err, "s3", "DeleteObjects", "MalformedResponse",
			    "%s", why);
			aws_response_free(&resp);
			return -1;
		}
		aws_response_free(&resp);
		if ((e = xml_first(x, "Error")) != NULL) {
			aws_error_set(err, "s3", "DeleteObjects",
			    xml_get(e, "Code") ? xml_get(e, "Code") : "DeleteFailed",
			    "%s: %s", xml_get(e, "Key") ? xml_get(e, "Key") : "?",
			    xml_get(e, "Message") ? xml_get(e, "Message") : "");
			xml_free(x);
			return -1;
		}
		xml_free(x);
		start = end;
	}
	return 0;
}

static int
s3_put_config(struct aws *aws, const char *bucket, const char *op,
    const char *query, const char *xml, int md5, struct aws_error *err)
{
	struct aws_response resp = {0};
	struct sigv4_header h[] = {{"Content-Type", "application/xml"}};
	char *url = s3_url(aws, bucket, NULL, query, err, op);
	int rc;

	if (url == NULL)
		return -1;
	rc = s3_send(aws, op, "PUT", url, xml ? h : NULL, xml ? 1 : 0, xml,
	    xml ? strlen(xml) : 0, md5, &resp, err);
	aws_response_free(&resp);
	return rc;
}

int
s3_create_bucket(struct aws *aws, const char *bucket, struct aws_error *err)
{
	char *xml = NULL;
	int rc;

	if (strcmp(aws->region, "us-east-1") != 0)
		xml = xasprintf("<CreateBucketConfiguration xmlns=\"" S3_NS "\">"
		    "<LocationConstraint>%s</LocationConstraint>"
		    "</CreateBucketConfiguration>", aws->region);
	rc = s3_put_config(aws, bucket, "CreateBucket", NULL, xml, 0, err);
	free(xml);
	if (rc != 0 && strcmp(err->code, "BucketAlreadyOwnedByYou") == 0)
		rc = 0;
	return rc;
}

int
s3_put_bucket_encryption(struct aws *aws, const char *bucket,
    struct aws_error *err)
{
	return s3_put_config(aws, bucket, "PutBucketEncryption", "encryption",
	    "<ServerSideEncryptionConfiguration xmlns=\"" S3_NS "\"><Rule>"
	    "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
	    "</ApplyServerSideEncryptionByDefault>"
	    "<BucketKeyEnabled>true</BucketKeyEnabled></Rule>"
	    "</ServerSideEncryptionConfiguration>", 1, err);
}

int
s3_put_public_access_block(struct aws *aws, const char *bucket,
    struct aws_error *err)
{
	return s3_put_config(aws, bucket, "PutPublicAccessBlock",
	    "publicAccessBlock",
	    "<PublicAccessBlockConfiguration xmlns=\"" S3_NS "\">"
	    "<BlockPublicAcls>true</BlockPublicAcls>"
	    "<IgnorePublicAcls>true</IgnorePublicAcls>"
	    "<BlockPublicPolicy>true</BlockPublicPolicy>"
	    "<RestrictPublicBuckets>true</RestrictPublicBuckets>"
	    "</PublicAccessBlockConfiguration>", 1, err);
}

int
s3_put_bucket_lifecycle(struct aws *aws, const char *bucket,
    const char *rule_id, const char *prefix, int days, struct aws_error *err)
{
	struct buf b = {0};
	int rc;

	buf_puts(&b, "<LifecycleConfiguration xmlns=\"" S3_NS "\"><Rule><ID>");
	xml_escape(&b, rule_id);
	buf_puts(&b, "</ID><Filter><Prefix>");
	xml_escape(&b, prefix ? prefix : "");
	buf_printf(&b, "</Prefix></Filter><Status>Enabled</Status>"
	    "<Expiration><Days>%d</Days></Expiration>"
	    "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1"
	    "</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
	    "</Rule></LifecycleConfiguration>", days);
	rc = s3_put_config(aws, bucket, "PutBucketLifecycleConfiguration",
	    "lifecycle", b.data, 1, err);
	buf_free(&b);
	return rc;
}
