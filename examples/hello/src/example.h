/*
 * example.h - helpers shared by the example's handlers (found through
 * build.include_dirs in sparta.yaml.example).
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <sparta/lambda.h>

/* s, or "" when s is NULL: for optional values read from an event. */
static inline const char *
example_str(const char *s)
{
	return s != NULL ? s : "";
}

/* The number of elements of the event's "Records" array (0 when absent). */
size_t example_record_count(const struct sparta_json *event);

#endif
