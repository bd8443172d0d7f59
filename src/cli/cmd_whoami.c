/*
 * cmd_whoami.c - `spartac whoami`: the account, ARN and region the AWS
 * configuration resolves to, and where the credentials came from; the
 * whole credential chain end to end, like `aws sts get-caller-identity`.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/sts.h"
#include "cli/cli.h"

int
cmd_whoami(struct cli *cli, int argc, char **argv)
{
	const struct verb *self = cli_verb("whoami");
	struct aws_options opt = {0};
	struct aws_error err;
	struct sts_identity id;
	struct aws *aws;
	int c, rc = EXIT_AWS;

	while ((c = cli_getopt(cli, self, argc, argv, "", NULL)) != -1)
		return c == 'h' ? EXIT_OK : EXIT_USAGE;
	if (optind < argc) {
		cli_usage_error(self, "whoami takes no arguments");
		return EXIT_USAGE;
	}
	opt.profile = cli->profile;
	opt.region = cli->region;
	opt.endpoint_url = cli->endpoint_url;
	if ((aws = aws_open(&opt, &err)) == NULL) {
		aws_error_log(&err);
		return EXIT_AWS;
	}
	if (sts_get_caller_identity(aws, &id, &err) != 0) {
		aws_error_log(&err);
		goto out;
	}
	if (cli->format == DIAG_FORMAT_JSON) {
		cJSON *o = cJSON_CreateObject();
		char *s;
		cJSON_AddStringToObject(o, "Account", id.account);
		cJSON_AddStringToObject(o, "Arn", id.arn);
		cJSON_AddStringToObject(o, "UserId", id.user_id ? id.user_id : "");
		cJSON_AddStringToObject(o, "Region", aws_region(aws));
		cJSON_AddStringToObject(o, "Profile", aws_profile(aws));
		cJSON_AddStringToObject(o, "CredentialSource", aws_creds_source(aws));
		s = cJSON_Print(o);
		printf("%s\n", s);
		free(s);
		cJSON_Delete(o);
	} else {
		printf("account:     %s\n", id.account);
		printf("arn:         %s\n", id.arn);
		printf("user id:     %s\n", id.user_id ? id.user_id : "");
		printf("region:      %s\n", aws_region(aws));
		printf("profile:     %s\n", aws_profile(aws));
		printf("credentials: %s\n", aws_creds_source(aws));
	}
	sts_identity_free(&id);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_IO;
out:
	log_debug("aws: %lu API calls, %lu HTTP requests", aws_api_calls(aws),
	    aws_http_requests(aws));
	aws_close(aws);
	return rc;
}
