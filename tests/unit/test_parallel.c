/*
 * test_parallel.c - parallel_for calls its function once per index, on
 * however many threads, and returns only when every call has.
 */
#include <pthread.h>
#include <stdlib.h>

#include "base/parallel.h"
#include "unit.h"

struct seen {
	unsigned char *hits;
	size_t n;
	pthread_mutex_t mu;
	size_t calls;
};

static void
visit(void *arg, size_t i)
{
	struct seen *s = arg;
	volatile unsigned long spin;

	for (spin = 0; spin < (i % 7) * 1000; spin++)
		; /* uneven jobs, so the threads interleave */
	pthread_mutex_lock(&s->mu);
	if (i < s->n)
		s->hits[i]++;
	s->calls++;
	pthread_mutex_unlock(&s->mu);
}

static void
run(size_t n)
{
	struct seen s = {0};
	size_t i, once = 0;

	s.n = n;
	s.hits = calloc(n + 1, 1);
	pthread_mutex_init(&s.mu, NULL);
	parallel_for(n, visit, &s);
	for (i = 0; i < n; i++)
		once += s.hits[i] == 1;
	CHECK_INT(once, n);
	CHECK_INT(s.calls, n);
	pthread_mutex_destroy(&s.mu);
	free(s.hits);
}

int
main(void)
{
	run(0);
	run(1);
	run(2);
	run(1000);
	return unit_report("test_parallel");
}
