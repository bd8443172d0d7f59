/*
 * parallel.h - one loop run on every CPU.
 */
#ifndef SPARTAC_PARALLEL_H
#define SPARTAC_PARALLEL_H

#include <stddef.h>

/*
 * Calls fn(arg, i) once for each i in [0, n), on the calling thread and up
 * to one more thread per other online CPU (at most PARALLEL_THREADS_MAX in
 * all), each taking the next i as it finishes one. Returns once every call
 * has returned. The calls must not depend on each other or on their
 * order; fn must be safe to run concurrently (malloc is; an arena is not).
 * Without a second CPU, or when a thread cannot start, the calling thread
 * does the rest.
 */
void parallel_for(size_t n, void (*fn)(void *arg, size_t i), void *arg);

#define PARALLEL_THREADS_MAX 8

#endif
