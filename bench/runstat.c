/*
 * runstat.c - runs a command once and prints, on one line to stderr:
 *   wall_us user_us sys_us maxrss_kib status
 * Wall time is from fork to reaping (CLOCK_MONOTONIC); the rest comes from
 * wait4(2) for that child alone. A small C parent matters: ru_maxrss counts
 * the child from fork, so forking from a large process (Python) would report
 * the parent's size. The command's own stdout and stderr go to /dev/null.
 * Used by bench/validate.sh.
 */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	pid_t pid;
	int status, fd;

	if (argc < 2) {
		fputs("usage: runstat COMMAND [ARG...]\n", stderr);
		return 64;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1) {
		perror("runstat: fork");
		return 71;
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) == -1) {
		perror("runstat: wait4");
		return 71;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "%lld %lld %lld %ld %d\n",
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	    us(ru.ru_utime), us(ru.ru_stime), ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
