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
		mj_add(props, "BucketName", mj_node(c, site->bucket_name));
	o = mj_add_obj(c, props, "OwnershipControls");
	st = mj_obj(c);
	mj_add_lit(c, st, "ObjectOwnership", "BucketOwnerEnforced");
	jtree_push(mj_add_arr(c, o, "Rules"), st);
	o = mj_add_obj(c, props, "PublicAccessBlockConfiguration");
	mj_add_bool(c, o, "BlockPublicAcls", 1);
	mj_add_bool(c, o, "BlockPublicPolicy", 0);
	mj_add_bool(c, o, "IgnorePublicAcls", 1);
	mj_add_bool(c, o, "RestrictPublicBuckets", 0);
	o = mj_add_obj(c, props, "WebsiteConfiguration");
	if (site->error_document != NULL)
		mj_add_str(c, o, "ErrorDocument", site->error_document);
	mj_add_str(c, o, "IndexDocument", site->index);

	mres_add(c, "SiteBucketPolicy", "AWS::S3::BucketPolicy", site->loc,
	    "the site bucket's policy", NULL, &props);
	mj_add(props, "Bucket", mj_ref(c, MARSHAL_SITE_BUCKET_ID));
	pol = mj_add_obj(c, props, "PolicyDocument");
	mj_add_lit(c, pol, "Version", "2012-10-17");
	st = mj_obj(c);
	mj_add_lit(c, st, "Sid", "PublicRead");
	mj_add_lit(c, st, "Effect", "Allow");
	mj_add_lit(c, st, "Principal", "*");
	mj_add_lit(c, st, "Action", "s3:GetObject");
	mj_add(st, "Resource", mj_sub(c, "${SiteBucket.Arn}/*"));
	jtree_push(mj_add_arr(c, pol, "Statement"), st);

	mid_claim_output(c, MARSHAL_OUTPUT_SITE_URL, site->loc, "the site URL output",
	    NULL);
	o = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_SITE_URL, mj_obj(c));
	mj_add_lit(c, o, "Description", "The website's URL");
	mj_add(o, "Value", mj_getatt(c, MARSHAL_SITE_BUCKET_ID,
	    "WebsiteURL"));
	mid_claim_output(c, MARSHAL_OUTPUT_SITE_BUCKET, site->loc,
	    "the site bucket output", NULL);
	o = jtree_add(c->a, c->outputs, MARSHAL_OUTPUT_SITE_BUCKET, mj_obj(c));
	mj_add_str(c, o, "Description",
	    "The bucket deploy uploads the site's files to");
	mj_add(o, "Value", mj_ref(c, MARSHAL_SITE_BUCKET_ID));
}
