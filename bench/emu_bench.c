/*
 * emu_bench.c - drives one bootstrap through spartac's Runtime API
 * emulator (src/local/emulator.c) and measures, as Lambda would see them:
 *
 *   init   process start (fork) to its first GET /invocation/next, over
 *          COLD fresh processes: median and minimum, in milliseconds
 *   rate   warm invocations per second over WARM back-to-back invokes
 *          of one process (event in, response out, next event)
 *
 * Usage: emu_bench BOOTSTRAP HANDLER COLD WARM [ARGV0...]
 * Prints one line of JSON. Built by bench/runtime.sh against
 * build/libspartac.a.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "local/emulator.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *cmd[4];
	struct emulator_config cfg;
	struct emulator_result r;
	struct emulator *e;
	double *init, t0, elapsed;
	long cold, warm, i, bad = 0;
	int n = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: emu_bench BOOTSTRAP HANDLER COLD WARM [LAUNCHER]\n");
		return 64;
	}
	cold = atol(argv[3]);
	warm = atol(argv[4]);
	if (argc > 5)
		cmd[n++] = argv[5];
	cmd[n++] = argv[1];
	cmd[n] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.argv = cmd;
	cfg.handler = argv[2];
	cfg.function_name = "bench";
	cfg.memory_mb = 128;
	cfg.timeout_s = 30;
	cfg.log_fd = 2;
	init = calloc((size_t)cold + 1, sizeof(*init));

	for (i = 0; i < cold; i++) {
		if ((e = emulator_alloc(&cfg)) == NULL ||
		    emulator_invoke(e, "{}", 2, &r) < 0)
			return 1;
		if (r.outcome != EMULATOR_OK || !r.cold)
			bad++;
		init[i] = r.init_ms;
		emulator_result_free(&r);
		emulator_free(e);
	}
	qsort(init, (size_t)cold, sizeof(*init), cmp_double);

	if ((e = emulator_alloc(&cfg)) == NULL)
		return 1;
	if (emulator_invoke(e, "{}", 2, &r) < 0) /* the cold one, not counted */
		return 1;
	emulator_result_free(&r);
	t0 = now_ms();
	for (i = 0; i < warm; i++) {
		if (emulator_invoke(e, "{}", 2, &r) < 0)
			return 1;
		if (r.outcome != EMULATOR_OK || r.cold)
			bad++;
		emulator_result_free(&r);
	}
	elapsed = now_ms() - t0;
	emulator_free(e);
	printf("{\"init_median_ms\":%.3f,\"init_min_ms\":%.3f,\"cold\":%ld,"
	    "\"warm\":%ld,\"per_second\":%.0f,\"failed\":%ld}\n",
	    cold ? init[cold / 2] : 0.0, cold ? init[0] : 0.0, cold, warm,
	    elapsed > 0 ? (double)warm * 1000.0 / elapsed : 0.0, bad);
	free(init);
	return bad ? 1 : 0;
}
