/*
 * meter.h - progress for long steps: counts ("compiling 3/7") or a bar for
 * bytes ("uploading code.zip [=====>    ] 45% 1.2/2.6 MB").
 *
 * On a terminal (stderr is a TTY, TERM is not dumb, level info or more) the
 * meter redraws one line in place, at most ten times a second. Anywhere
 * else it prints nothing while running, so CI logs hold only the plain
 * line meter_end prints. It uses no colour.
 */
#ifndef SPARTAC_METER_H
#define SPARTAC_METER_H

struct meter {
	char label[96];
	unsigned long long done, total;
	int bytes;       /* show a byte bar rather than a count */
	int live;        /* drawing in place on a terminal */
	double last_ms;  /* when the line was last drawn */
	double start_ms;
};

void meter_begin(struct meter *m, const char *label, unsigned long long total,
    int bytes);
void meter_update(struct meter *m, unsigned long long done);
/* Erases the live line, so other output can be printed; the next update redraws it. */
void meter_clear(struct meter *m);
/*
 * Erases the live line, then prints "LABEL: WHAT (N ms)" as a plain info
 * line, or nothing when what is NULL.
 */
void meter_end(struct meter *m, const char *what);

/* 1 when meters draw live (exposed for tests through SPARTAC_METER_FORCE). */
int meter_is_live(void);

#endif
