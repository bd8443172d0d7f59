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
#include <time.h>
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
 * The children running now, each the leader of its own process group, so
 * that a signal to spartac can end them and whatever they started. While
 * there is one, SIGINT, SIGTERM and SIGHUP end every group (SIGTERM, then
 * SIGKILL after PROC_GRACE_MS), reap the leaders and exit 128 + signal.
 */
#define PROC_LIVE_MAX 256
#define PROC_GRACE_MS 2000

static volatile sig_atomic_t live[PROC_LIVE_MAX];
static size_t nlive;
static const int guarded[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction old_actions[NELEM(guarded)];

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Ends pid's process group: SIGTERM, up to grace_ms to exit, SIGKILL. */
static void
end_group(pid_t pid, long grace_ms, int *status)
{
	long waited = 0;
	pid_t r;

	(void)kill(-pid, SIGTERM);
	while ((r = waitpid(pid, status, WNOHANG)) == 0 && waited < grace_ms) {
		nap_ms(10);
		waited += 10;
	}
	/* Whatever else is in the group, and the leader if it held on. */
	(void)kill(-pid, SIGKILL);
	if (r == 0)
		while (waitpid(pid, status, 0) == -1 && errno == EINTR)
			continue;
}

static void
on_signal(int sig)
{
	static const char msg[] = "spartac: interrupted: ending the programs "
	    "it started\n";
	int status;
	size_t i;

	(void)write(STDERR_FILENO, msg, sizeof msg - 1);
	for (i = 0; i < PROC_LIVE_MAX; i++)
		if (live[i] > 0)
			(void)kill(-(pid_t)live[i], SIGTERM);
	for (i = 0; i < PROC_LIVE_MAX; i++)
		if (live[i] > 0)
			end_group((pid_t)live[i], PROC_GRACE_MS, &status);
	_exit(128 + sig);
}

/* Notes a running child; the first installs the signal handlers. */
static void
live_add(pid_t pid)
{
	struct sigaction sa;
	size_t i;

	for (i = 0; i < PROC_LIVE_MAX && live[i] != 0; i++)
		continue;
	if (i == PROC_LIVE_MAX)
		return;
	live[i] = pid;
	if (nlive++ > 0)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < NELEM(guarded); i++) {
		(void)sigaction(guarded[i], &sa, &old_actions[i]);
		/* A signal ignored when we started (nohup) stays ignored. */
		if (old_actions[i].sa_handler == SIG_IGN)
			(void)sigaction(guarded[i], &old_actions[i], NULL);
	}
}

/* Forgets a child that was reaped; the last restores the handlers. */
static void
live_remove(pid_t pid)
{
	size_t i;

	for (i = 0; i < PROC_LIVE_MAX && live[i] != pid; i++)
		continue;
	if (i == PROC_LIVE_MAX)
		return;
	live[i] = 0;
	if (--nlive > 0)
		return;
	for (i = 0; i < NELEM(guarded); i++)
		(void)sigaction(guarded[i], &old_actions[i], NULL);
}

/*
 * posix_spawnp into a process group of the child's own, with the umask
 * children start with fixed at 022, whatever ours is: what compilers and
 * hooks write under .spartac/ is never group or world writable, even
 * under umask 000.
 */
static int
spawn(pid_t *pid, const char *const *argv, posix_spawn_file_actions_t *fa,
    char *const *envp)
{
	posix_spawnattr_t at;
	sigset_t block, mask;
	mode_t old;
	size_t i;
	int err;

	if ((err = posix_spawnattr_init(&at)) != 0)
		return err;
	/* A signal between the spawn and live_add would miss the child: it
	 * waits until the child is noted. The child starts with our mask. */
	sigemptyset(&block);
	for (i = 0; i < NELEM(guarded); i++)
		sigaddset(&block, guarded[i]);
	sigprocmask(SIG_BLOCK, &block, &mask);
	err = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK);
	if (err == 0)
		err = posix_spawnattr_setpgroup(&at, 0);
	if (err == 0)
		err = posix_spawnattr_setsigmask(&at, &mask);
	old = umask(022);
	/* The cast is the usual one: exec never writes to argv. */
	if (err == 0)
		err = posix_spawnp(pid, argv[0], fa, &at, (char *const *)argv,
		    envp != NULL ? envp : environ);
	umask(old);
	posix_spawnattr_destroy(&at);
	if (err == 0)
		live_add(*pid);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	return err;
}

/*
 * Waits for pid; with timeout_ms > 0, ends its group once that has passed
 * and sets *timed_out. Returns 0, or -1 with errno.
 */
static int
wait_child(pid_t pid, long timeout_ms, int *status, int *timed_out)
{
	long waited = 0, step = 1;
	pid_t r;

	if (timed_out != NULL)
		*timed_out = 0;
	for (;;) {
		r = waitpid(pid, status, timeout_ms > 0 ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR) {
			live_remove(pid);
			return -1;
		}
		if (r == 0 && waited >= timeout_ms) {
			end_group(pid, PROC_GRACE_MS, status);
			if (timed_out != NULL)
				*timed_out = 1;
			break;
		}
		if (r == 0) {
			nap_ms(step);
			waited += step;
			step = step < 64 ? step * 2 : 100;
		}
	}
	live_remove(pid);
	return 0;
}

static int
run_child(const char *const *argv, const char *dir, char *const *envp,
    unsigned flags, struct buf *out, long timeout_ms, int *status,
    int *timed_out)
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
	return wait_child(pid, timeout_ms, status, timed_out);
}

int
proc_run(const char *const *argv, const char *dir, char *const *envp,
    unsigned flags, struct buf *out, int *status)
{
	return run_child(argv, dir, envp, flags, out, 0, status, NULL);
}

int
proc_run_limit(const char *const *argv, const char *dir, char *const *envp,
    unsigned flags, long timeout_s, int *status, int *timed_out)
{
	return run_child(argv, dir, envp, flags, NULL,
	    timeout_s > 0 ? timeout_s * 1000 : 0, status, timed_out);
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
	return wait_child((pid_t)pid, 0, status, NULL);
}
