/*
 * retry_codes.h - which AWS error codes are throttling or transient (the
 * standard retry mode's lists), for spartac and the bootstrap alike.
 */
#ifndef SPARTAC_AWS_RETRY_CODES_H
#define SPARTAC_AWS_RETRY_CODES_H

#include <stddef.h>

/* 1 when code is one of list[0..n). */
int aws_code_in(const char *code, const char *const *list, size_t n);
int aws_error_code_is_throttle(const char *code);
int aws_error_code_is_transient(const char *code);

#endif
