/* parallel.c - see parallel.h. */
#include <pthread.h>
#include <unistd.h>

#include "base/parallel.h"

struct parallel_jobs {
	size_t n, next;
	void (*fn)(void *arg, size_t i);
	void *arg;
	pthread_mutex_t mu;
};

static void *
parallel_worker(void *p)
{
	struct parallel_jobs *j = p;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&j->mu);
		i = j->next < j->n ? j->next++ : j->n;
		pthread_mutex_unlock(&j->mu);
		if (i == j->n)
			return NULL;
		j->fn(j->arg, i);
	}
}

void
parallel_for(size_t n, void (*fn)(void *arg, size_t i), void *arg)
{
	struct parallel_jobs j = {0};
	pthread_t t[PARALLEL_THREADS_MAX - 1];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = cpus > 1 ? (size_t)cpus - 1 : 0, started = 0;

	if (want > PARALLEL_THREADS_MAX - 1)
		want = PARALLEL_THREADS_MAX - 1;
	if (n > 0 && want > n - 1)
		want = n - 1;
	j.n = n;
	j.fn = fn;
	j.arg = arg;
	pthread_mutex_init(&j.mu, NULL);
	while (started < want &&
	    pthread_create(&t[started], NULL, parallel_worker, &j) == 0)
		started++;
	parallel_worker(&j);
	while (started > 0)
		pthread_join(t[--started], NULL);
	pthread_mutex_destroy(&j.mu);
}
