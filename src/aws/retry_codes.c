/*
 * retry_codes.c - the error codes the SDKs' standard retry mode retries.
 * Shared by spartac's client (http.c) and the bootstrap's (runtime/aws.c).
 */
#include <string.h>

#include "aws/retry_codes.h"
#include "base/util.h"

int
aws_code_in(const char *code, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

int
aws_error_code_is_throttle(const char *code)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded",
		"BandwidthLimitExceeded", "LimitExceededException",
		"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException",
	};
	return aws_code_in(code, codes, NELEM(codes));
}

int
aws_error_code_is_transient(const char *code)
{
	static const char *const codes[] = {
		"RequestTimeout", "RequestTimeoutException", "InternalError",
		"InternalFailure", "ServiceUnavailable", "IDPCommunicationError",
	};
	return aws_code_in(code, codes, NELEM(codes));
}
