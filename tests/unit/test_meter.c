/* test_meter.c - progress lines: what a terminal sees, and nothing elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/meter.h"
#include "unit.h"

/* Runs fn with stderr sent to a file; returns what it printed. */
static char *
capture(void (*fn)(void))
{
	char path[] = "/tmp/test_meter.XXXXXX", *out;
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	size_t len;

	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	if (file_read(path, 1 << 20, &out, &len) == -1)
		out = xstrdup("");
	unlink(path);
	return out;
}

static void
bytes_bar(void)
{
	struct meter m;

	meter_begin(&m, "uploading", 2048, 1);
	meter_update(&m, 1024);
	meter_update(&m, 2048);
	meter_end(&m, "done");
}

static void
counts(void)
{
	struct meter m;
	int i;

	meter_begin(&m, "compiling", 3, 0);
	for (i = 1; i <= 3; i++)
		meter_update(&m, (unsigned long long)i);
	meter_end(&m, NULL);
}

int
main(void)
{
	char *out;

	log_setup(LOG_INFO, 0);
	setenv("SPARTAC_METER_FORCE", "1", 1);
	CHECK(meter_is_live());
	out = capture(bytes_bar);
	CHECK(strstr(out, "\r\033[Kuploading [") != NULL);
	CHECK(strstr(out, "  0% 0 B/2.0 KB") != NULL);
	CHECK(strstr(out, "[========================] 100% 2.0 KB/2.0 KB") != NULL);
	CHECK(strstr(out, "spartac: uploading: done (") != NULL);
	free(out);

	out = capture(counts);
	CHECK(strstr(out, "compiling 0/3") != NULL);
	CHECK(strstr(out, "compiling 3/3") != NULL);
	CHECK(str_has_suffix(out, "\r\033[K")); /* cleared, no final line */
	free(out);

	/* not on a terminal: only the final plain line, no control bytes */
	setenv("SPARTAC_METER_FORCE", "0", 1);
	CHECK(!meter_is_live());
	out = capture(bytes_bar);
	CHECK(strncmp(out, "spartac: uploading: done (", 26) == 0);
	CHECK(strchr(out, '\r') == NULL && strchr(out, '\033') == NULL);
	free(out);
	out = capture(counts);
	CHECK_STR(out, "");
	free(out);
	return unit_report("test_meter");
}
