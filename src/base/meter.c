/* meter.c - progress lines on a terminal. See meter.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/meter.h"

#define METER_WIDTH 24

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int
meter_is_live(void)
{
	const char *term = getenv("TERM"), *force = getenv("SPARTAC_METER_FORCE");

	if (force && *force)
		return strcmp(force, "1") == 0;
	if (log_get_level() < LOG_INFO)
		return 0;
	if (term && strcmp(term, "dumb") == 0)
		return 0;
	return isatty(STDERR_FILENO);
}

static void
human(char *out, size_t n, unsigned long long v)
{
	if (v >= 1024ull * 1024)
		snprintf(out, n, "%.1f MB", (double)v / (1024.0 * 1024.0));
	else if (v >= 1024)
		snprintf(out, n, "%.1f KB", (double)v / 1024.0);
	else
		snprintf(out, n, "%llu B", v);
}

static void
draw(struct meter *m)
{
	char a[32], b[32], bar[METER_WIDTH + 1];
	unsigned long long pct = m->total ? m->done * 100 / m->total : 0;
	size_t fill, i;

	if (!m->bytes) {
		fprintf(stderr, "\r\033[K%s %llu/%llu", m->label, m->done, m->total);
	} else {
		fill = m->total ? (size_t)(m->done * METER_WIDTH / m->total) : 0;
		for (i = 0; i < METER_WIDTH; i++)
			bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
		bar[METER_WIDTH] = '\0';
		human(a, sizeof(a), m->done);
		human(b, sizeof(b), m->total);
		fprintf(stderr, "\r\033[K%s [%s] %3llu%% %s/%s", m->label, bar, pct, a, b);
	}
	fflush(stderr);
	m->last_ms = now_ms();
}

void
meter_begin(struct meter *m, const char *label, unsigned long long total,
    int bytes)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->label, sizeof(m->label), "%s", label);
	m->total = total;
	m->bytes = bytes;
	m->live = meter_is_live();
	m->start_ms = now_ms();
	if (m->live)
		draw(m);
}

void
meter_update(struct meter *m, unsigned long long done)
{
	m->done = done > m->total ? m->total : done;
	if (m->live && (m->last_ms == 0 || now_ms() - m->last_ms >= 100 ||
	    m->done == m->total))
		draw(m);
}

void
meter_clear(struct meter *m)
{
	if (m->live) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		m->last_ms = 0;
	}
}

void
meter_end(struct meter *m, const char *what)
{
	meter_clear(m);
	if (what)
		log_info("%s: %s (%.0f ms)", m->label, what, now_ms() - m->start_ms);
}
