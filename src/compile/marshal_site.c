/*
 * marshal_site.c - the S3 static website: a bucket with website hosting,
 * the public-read policy a website endpoint needs, and the outputs deploy
 * and users read (the site URL, the bucket name for the upload).
 *
 * The site's files are not in the template: deploy uploads them, named by
 * content hash, after the stack exists. Sparta used a custom-resource
 * Lambda for that; spartac needs none.
 *
 * The website endpoint serves anonymous readers, so the policy's principal
 * is "*" and its resource every object of this bucket (the bucket ARN, slash, star):
 * the one documented wildcard of the site (docs/logical-ids.md). Public
 * access blocks stay on for ACLs; only the bucket policy may grant reads.
 */
#include <stdlib.h>

#include "compile/marshal_int.h"

void
marshal_site(struct mctx *c)
{
	const struct manifest_site *site = c->m->site;
	cJSON *props, *o, *pol, *st;

	if (site == NULL)
		return;
	mres_add(c, MARSHAL_SITE_BUCKET_ID, "AWS::S3::Bucket", site->loc,
	    "the site bucket", NULL, &props);
	if (site->bucket_name != NULL)
		cJSON_AddItemToObjectCS(props, "BucketName",
		    mj_node(site->bucket_name));
	o = mj_add_obj(props, "OwnershipControls");
	st = cJSON_CreateObject();
	mj_add_lit(st, "ObjectOwnership", "BucketOwnerEnforced");
	cJSON_AddItemToArray(mj_add_arr(o, "Rules"), st);
	o = mj_add_obj(props, "PublicAccessBlockConfiguration");
	mj_add_bool(o, "BlockPublicAcls", 1);
	mj_add_bool(o, "BlockPublicPolicy", 0);
	mj_add_bool(o, "IgnorePublicAcls", 1);
	mj_add_bool(o, "RestrictPublicBuckets", 0);
	o = mj_add_obj(props, "WebsiteConfiguration");
	if (site->error_document != NULL)
		mj_add_str(o, "ErrorDocument", site->error_document);
	mj_add_str(o, "IndexDocument", site->index);

	mres_add(c, "SiteBucketPolicy", "AWS::S3::BucketPolicy", site->loc,
	    "the site bucket's policy", NULL, &props);
	cJSON_AddItemToObjectCS(props, "Bucket", mj_ref(MARSHAL_SITE_BUCKET_ID));
	pol = mj_add_obj(props, "PolicyDocument");
	mj_add_lit(pol, "Version", "2012-10-17");
	st = cJSON_CreateObject();
	mj_add_lit(st, "Sid", "PublicRead");
	mj_add_lit(st, "Effect", "Allow");
	mj_add_lit(st, "Principal", "*");
	mj_add_lit(st, "Action", "s3:GetObject");
	cJSON_AddItemToObjectCS(st, "Resource", mj_sub("${SiteBucket.Arn}/*"));
	cJSON_AddItemToArray(mj_add_arr(pol, "Statement"), st);

	mid_claim_output(c, MARSHAL_OUTPUT_SITE_URL, site->loc, "the site URL output",
	    NULL);
	o = cJSON_AddObjectToObject(c->outputs, MARSHAL_OUTPUT_SITE_URL);
	mj_add_lit(o, "Description", "The website's URL");
	cJSON_AddItemToObjectCS(o, "Value", mj_getatt(MARSHAL_SITE_BUCKET_ID,
	    "WebsiteURL"));
	mid_claim_output(c, MARSHAL_OUTPUT_SITE_BUCKET, site->loc,
	    "the site bucket output", NULL);
	o = cJSON_AddObjectToObject(c->outputs, MARSHAL_OUTPUT_SITE_BUCKET);
	mj_add_str(o, "Description",
	    "The bucket deploy uploads the site's files to");
	cJSON_AddItemToObjectCS(o, "Value", mj_ref(MARSHAL_SITE_BUCKET_ID));
}
