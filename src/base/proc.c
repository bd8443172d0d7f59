/* proc.c - see proc.h. */
#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np (glibc 2.29, musl 1.1.24) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/proc.h"

extern char **environ;

static const char *
signal_name(int sig)
{
	static const struct {
		int sig;
		const char *name;
	} names[] = {
		{SIGHUP, "SIGHUP"}, {SIGINT, "SIGINT"}, {SIGQUIT, "SIGQUIT"},
		{SIGILL, "SIGILL"}, {SIGABRT, "SIGABRT"}, {SIGFPE, "SIGFPE"},
		{SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"}, {SIGPIPE, "SIGPIPE"},
		{SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGBUS, "SIGBUS"},
		{SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"}, {SIGXCPU, "SIGXCPU"},
	};
	size_t i;

	for (i = 0; i < NELEM(names); i++)
		if (names[i].sig == sig)
			return names[i].name;
	return NULL;
}

int
proc_status_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

char *
proc_status_describe(int status)
{
	const char *name;

	if (WIFEXITED(status))
		return xasprintf("exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		name = signal_name(WTERMSIG(status));
		if (name != NULL)
			return xasprintf("was killed by signal %d (%s)",
			    WTERMSIG(status), name);
		return xasprintf("was killed by signal %d", WTERMSIG(status));
	}
	return xasprintf("stopped with wait status 0x%x", (unsigned)status);
}

char *
proc_argv_join(const char *const *argv)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, argv[i]);
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_take(&b);
}

/*
 * posix_spawnp with the umask children start with fixed at 022, whatever
 * ours is: what compilers and hooks write under .spartac/ is never group
 * or world writable, even under umask 000.
 */
static int
spawn(pid_t *pid, const char *const *argv, posix_spawn_file_actions_t *fa,
    char *const *envp)
{
	mode_t old = umask(022);
	int err;

	/* The cast is the usual one: exec never writes to argv. */
	err = posix_spawnp(pid, argv[0], fa, NULL, (char *const *)argv,
	    envp != NULL ? envp : environ);
	umask(old);
	return err;
}

int
proc_run(const char *const *argv, const char *dir, char *const *envp,
    unsigned flags, struct buf *out, int *status)
{
	posix_spawn_file_actions_t fa;
	int pfd[2] = {-1, -1};
	int err, saved;
	pid_t pid;
	char chunk[4096];
	ssize_t n;

	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = err;
		return -1;
	}
	if (out != NULL && pipe2(pfd, O_CLOEXEC) == -1) {
		saved = errno;
		posix_spawn_file_actions_destroy(&fa);
		errno = saved;
		return -1;
	}
	err = 0;
	if (dir != NULL)
		err = posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (err == 0 && (flags & PROC_NULL_STDIN))
		err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
		    O_RDONLY, 0);
	if (err == 0 && out != NULL) {
		err = posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
		if (err == 0 && (flags & PROC_CAPTURE_STDERR))
			err = posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	} else if (err == 0 && (flags & PROC_STDOUT_TO_STDERR)) {
		err = posix_spawn_file_actions_adddup2(&fa, 2, 1);
	}
	if (err == 0)
		err = spawn(&pid, argv, &fa, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (pfd[1] != -1)
		close(pfd[1]);
	if (err != 0) {
		if (pfd[0] != -1)
			close(pfd[0]);
		errno = err;
		return -1;
	}
	if (out != NULL) {
		for (;;) {
			n = read(pfd[0], chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			buf_append(out, chunk, (size_t)n);
		}
		close(pfd[0]);
	}
	while (waitpid(pid, status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

long
proc_spawn(const char *const *argv, const char *dir, const char *log_path)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err;

	if ((err = posix_spawn_file_actions_init(&fa)) != 0) {
		errno = err;
		return -1;
	}
	if (dir != NULL)
		err = posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (err == 0)
		err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
		    O_RDONLY, 0);
	if (err == 0 && log_path != NULL) {
		err = posix_spawn_file_actions_addopen(&fa, 1, log_path,
		    O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (err == 0)
			err = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	} else if (err == 0) {
		err = posix_spawn_file_actions_adddup2(&fa, 2, 1);
	}
	if (err == 0)
		err = spawn(&pid, argv, &fa, NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return (long)pid;
}

int
proc_wait(long pid, int *status)
{
	while (waitpid((pid_t)pid, status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}
