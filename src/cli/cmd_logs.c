/*
 * cmd_logs.c - `spartac logs [FUNCTION...]`: the functions' CloudWatch
 * Logs, interleaved by time, from the log groups the template names
 * (/aws/lambda/STACK/FUNCTION), through FilterLogEvents.
 *
 * Lambda's own lines are shown compactly: START as the request id, END
 * left out (REPORT follows it), REPORT as duration, memory used of the
 * size and init duration. Errors (a line that says error, a timeout, the
 * runtime's own complaints) are highlighted on a terminal and flagged in
 * JSON. --follow polls (1 s, doubling to 10 s while nothing comes) until
 * Ctrl-C, SIGTERM or --timeout; events already shown are skipped by id.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws/aws.h"
#include "aws/logs.h"
#include "cli/cli.h"
#include "front/manifest.h"
#include "pipeline/pipeline.h"

enum {
	OPT_SINCE = 300,
	OPT_FILTER,
	OPT_FOLLOW,
	OPT_TIMEOUT,
};

#define LOGS_DEFAULT_SINCE_S 600
#define LOGS_POLL_FIRST_MS 1000
#define LOGS_POLL_CAP_MS 10000
#define LOGS_PAGES_MAX 100 /* per group and poll: 1,000,000 events */

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* One function's log group, and what --follow has shown of it. */
struct group {
	const char *function;
	char *name;
	long long last_ts;   /* the newest timestamp shown */
	char **ids;          /* the ids shown at last_ts */
	size_t nids;
	int missing_told;
};

struct event {
	long long ts;
	size_t group;
	size_t seq;
	struct logs_event *e; /* borrowed from a page */
};

struct logs_run {
	struct cli *cli;
	struct aws *aws;
	struct group *g;
	size_t ng;
	int width;           /* the longest function name */
	int color;
	const char *pattern;
	long long since_ms;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * --since: a duration back from now (30s, 10m, 2h, 1d, 1w; a bare number
 * is seconds) or a UTC time (2026-12-05, 2026-12-05T10:00[:00][Z]).
 * Returns ms since the epoch, or -1.
 */
static long long
parse_since(const char *s, long long now)
{
	struct tm tm;
	const char *p;
	char *end;
	double v;
	int n = 0, k;

	if (strchr(s, '-') != NULL) {
		memset(&tm, 0, sizeof tm);
		if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon,
		    &tm.tm_mday, &n) != 3)
			return -1;
		p = s + n;
		if (*p == 'T' || *p == ' ') {
			k = 0;
			if (sscanf(p + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min,
			    &k) != 2 || k == 0)
				return -1;
			p += 1 + k;
			if (*p == ':') {
				k = 0;
				if (sscanf(p + 1, "%2d%n", &tm.tm_sec, &k) != 1 ||
				    k == 0)
					return -1;
				p += 1 + k;
			}
			if (*p == 'Z')
				p++;
		}
		if (*p != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 ||
		    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
		    tm.tm_min > 59 || tm.tm_sec > 60)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		return (long long)timegm(&tm) * 1000;
	}
	v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		;
	else if (strcmp(end, "m") == 0)
		v *= 60;
	else if (strcmp(end, "h") == 0)
		v *= 3600;
	else if (strcmp(end, "d") == 0)
		v *= 86400;
	else if (strcmp(end, "w") == 0)
		v *= 7 * 86400;
	else
		return -1;
	return now - (long long)(v * 1000);
}

static void
iso_time(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000) % 1000u);
}

/* ---- one line ---- */

enum line_kind { LINE_LOG, LINE_START, LINE_END, LINE_REPORT };

struct line {
	enum line_kind kind;
	char request_id[64];
	/* REPORT; -1 when absent */
	double duration, billed, init;
	long memory, max_memory;
	char status[32];
	int error;
};

/* The number after "NAME: " in a REPORT line, or -1. */
static double
report_field(const char *msg, const char *name)
{
	const char *p = strstr(msg, name);

	if (p == NULL || p[strlen(name)] != ':')
		return -1;
	return strtod(p + strlen(name) + 1, NULL);
}

static int
is_error_text(const char *msg)
{
	static const char *const words[] = {
		"error", "task timed out", "runtime exited", "exception",
		"segmentation fault", "signal:",
	};
	size_t i, k, n = strlen(msg);

	if (strncmp(msg, "sparta: ", 8) == 0)
		return 1;
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		for (k = 0; k + strlen(words[i]) <= n; k++)
			if (strncasecmp(msg + k, words[i],
			    strlen(words[i])) == 0)
				return 1;
	return 0;
}

static void
line_parse(const char *msg, struct line *l)
{
	const char *id, *p;
	size_t n;

	memset(l, 0, sizeof *l);
	l->duration = l->billed = l->init = -1;
	l->memory = l->max_memory = -1;
	if (strncmp(msg, "START RequestId: ", 17) == 0)
		l->kind = LINE_START;
	else if (strncmp(msg, "END RequestId: ", 15) == 0)
		l->kind = LINE_END;
	else if (strncmp(msg, "REPORT RequestId: ", 18) == 0)
		l->kind = LINE_REPORT;
	else {
		l->error = is_error_text(msg);
		return;
	}
	id = strstr(msg, "RequestId: ") + 11;
	n = strcspn(id, " \t\r\n");
	if (n >= sizeof l->request_id)
		n = sizeof l->request_id - 1;
	memcpy(l->request_id, id, n);
	if (l->kind != LINE_REPORT)
		return;
	l->duration = report_field(msg, "\tDuration");
	l->billed = report_field(msg, "Billed Duration");
	l->init = report_field(msg, "Init Duration");
	l->memory = (long)report_field(msg, "Memory Size");
	l->max_memory = (long)report_field(msg, "Max Memory Used");
	if ((p = strstr(msg, "Status: ")) != NULL) {
		n = strcspn(p + 8, " \t\r\n");
		if (n >= sizeof l->status)
			n = sizeof l->status - 1;
		memcpy(l->status, p + 8, n);
		l->error = strcmp(l->status, "success") != 0;
	}
}

/* The message without its trailing newline. */
static size_t
msg_len(const char *m)
{
	size_t n = strlen(m);

	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == '\r'))
		n--;
	return n;
}

static void
text_body(const struct logs_run *lr, const char *msg, const struct line *l)
{
	size_t i, n = msg_len(msg);

	switch (l->kind) {
	case LINE_START:
		printf("START %.8s", l->request_id);
		return;
	case LINE_REPORT:
		printf("REPORT %.8s", l->request_id);
		if (l->duration >= 0)
			printf(" %.2f ms", l->duration);
		if (l->billed >= 0)
			printf(" (billed %.0f ms)", l->billed);
		if (l->max_memory >= 0 && l->memory >= 0)
			printf(", %ld/%ld MB", l->max_memory, l->memory);
		if (l->init >= 0)
			printf(", init %.2f ms", l->init);
		if (l->status[0])
			printf(", %s", l->status);
		return;
	default:
		break;
	}
	for (i = 0; i < n; i++) {
		putchar(msg[i]);
		/* a multi-line message keeps the column of its first line */
		if (msg[i] == '\n')
			printf("%*s", 25 + lr->width + 2, "");
	}
}

static const char *const palette[] = {
	"36", "35", "33", "32", "34", "96", "95", "93",
};

static void
print_text(const struct logs_run *lr, const struct event *ev)
{
	struct line l;
	char t[32];
	const char *fn = lr->g[ev->group].function;

	line_parse(ev->e->message, &l);
	if (l.kind == LINE_END)
		return;
	iso_time(ev->ts, t);
	if (lr->color)
		printf("\033[2m%s\033[0m \033[%sm%-*s\033[0m  %s", t,
		    palette[ev->group % (sizeof palette / sizeof palette[0])],
		    lr->width, fn, l.error ? "\033[1;31m" :
		    l.kind == LINE_REPORT || l.kind == LINE_START ?
		    "\033[2m" : "");
	else
		printf("%s %-*s  ", t, lr->width, fn);
	text_body(lr, ev->e->message, &l);
	printf("%s\n", lr->color && (l.error || l.kind != LINE_LOG) ?
	    "\033[0m" : "");
}

static void
print_json(const struct logs_run *lr, const struct event *ev)
{
	cJSON *o = cJSON_CreateObject();
	struct line l;
	char t[32], *s, *msg;
	static const char *const kinds[] = {"log", "start", "end", "report"};

	line_parse(ev->e->message, &l);
	iso_time(ev->ts, t);
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddNumberToObject(o, "timestamp", (double)ev->ts);
	cJSON_AddStringToObject(o, "function", lr->g[ev->group].function);
	cJSON_AddStringToObject(o, "logGroup", lr->g[ev->group].name);
	cJSON_AddStringToObject(o, "logStream", ev->e->stream);
	cJSON_AddStringToObject(o, "kind", kinds[l.kind]);
	if (l.request_id[0])
		cJSON_AddStringToObject(o, "requestId", l.request_id);
	if (l.duration >= 0)
		cJSON_AddNumberToObject(o, "durationMs", l.duration);
	if (l.billed >= 0)
		cJSON_AddNumberToObject(o, "billedDurationMs", l.billed);
	if (l.memory >= 0)
		cJSON_AddNumberToObject(o, "memorySizeMB", (double)l.memory);
	if (l.max_memory >= 0)
		cJSON_AddNumberToObject(o, "maxMemoryUsedMB",
		    (double)l.max_memory);
	if (l.init >= 0)
		cJSON_AddNumberToObject(o, "initDurationMs", l.init);
	if (l.status[0])
		cJSON_AddStringToObject(o, "status", l.status);
	cJSON_AddBoolToObject(o, "error", l.error);
	msg = xstrndup(ev->e->message, msg_len(ev->e->message));
	cJSON_AddStringToObject(o, "message", msg);
	free(msg);
	s = cJSON_PrintUnformatted(o);
	printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

/* ---- fetching ---- */

static int
event_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
already_shown(const struct group *g, const struct logs_event *e)
{
	size_t i;

	if (e->timestamp < g->last_ts)
		return 1;
	if (e->timestamp > g->last_ts)
		return 0;
	for (i = 0; i < g->nids; i++)
		if (strcmp(g->ids[i], e->id) == 0)
			return 1;
	return 0;
}

static void
group_mark(struct group *g, const struct logs_event *e)
{
	size_t i;

	if (e->timestamp > g->last_ts) {
		for (i = 0; i < g->nids; i++)
			free(g->ids[i]);
		g->nids = 0;
		g->last_ts = e->timestamp;
	}
	g->ids = xrealloc(g->ids, (g->nids + 1) * sizeof *g->ids);
	g->ids[g->nids++] = xstrdup(e->id);
}

/* Every page of one group since what was shown; appends to pages. */
static int
fetch_group(struct logs_run *lr, size_t gi, struct logs_page **pages,
    size_t *npages)
{
	struct group *g = &lr->g[gi];
	struct logs_query q = {0};
	struct logs_page pg;
	struct aws_error err;
	char *token = NULL;
	int n;

	q.group = g->name;
	q.start_ms = g->last_ts > lr->since_ms ? g->last_ts : lr->since_ms;
	q.pattern = lr->pattern;
	for (n = 0; n < LOGS_PAGES_MAX; n++) {
		q.next_token = token;
		if (logs_filter_events(lr->aws, &q, &pg, &err) != 0) {
			free(token);
			if (strcmp(err.code, "ResourceNotFoundException") == 0) {
				if (!g->missing_told)
					log_warn("%s: no log group %s (is the "
					    "stack deployed?)", g->function,
					    g->name);
				g->missing_told = 1;
				return 0;
			}
			aws_error_log(&err);
			return -1;
		}
		free(token);
		token = pg.next_token ? xstrdup(pg.next_token) : NULL;
		*pages = xrealloc(*pages, (*npages + 1) * sizeof **pages);
		(*pages)[(*npages)++] = pg;
		if (token == NULL)
			break;
	}
	free(token);
	return 0;
}

/* One round over every group: prints what is new. Returns the number of
 * events printed, or -1 after an AWS error. */
static long
poll_once(struct logs_run *lr)
{
	struct logs_page *pages = NULL;
	size_t npages = 0, i, k, n = 0, seq = 0;
	size_t *owner = NULL;
	struct event *ev = NULL;
	long shown = 0;
	int rc = 0;

	for (i = 0; i < lr->ng && rc == 0; i++) {
		size_t before = npages;

		rc = fetch_group(lr, i, &pages, &npages);
		owner = xrealloc(owner, (npages + 1) * sizeof *owner);
		for (k = before; k < npages; k++)
			owner[k] = i;
	}
	for (i = 0; i < npages; i++)
		n += pages[i].n;
	ev = xcalloc(n + 1, sizeof *ev);
	n = 0;
	for (i = 0; i < npages; i++)
		for (k = 0; k < pages[i].n; k++) {
			if (already_shown(&lr->g[owner[i]], &pages[i].v[k]))
				continue;
			ev[n].ts = pages[i].v[k].timestamp;
			ev[n].group = owner[i];
			ev[n].seq = seq++;
			ev[n++].e = &pages[i].v[k];
		}
	qsort(ev, n, sizeof *ev, event_cmp);
	for (i = 0; i < n; i++) {
		if (lr->cli->format == DIAG_FORMAT_JSON)
			print_json(lr, &ev[i]);
		else
			print_text(lr, &ev[i]);
		group_mark(&lr->g[ev[i].group], ev[i].e);
		shown++;
	}
	fflush(stdout);
	for (i = 0; i < npages; i++)
		logs_page_free(&pages[i]);
	free(pages);
	free(owner);
	free(ev);
	return rc == 0 ? shown : -1;
}

/* Sleeps ms in slices; -1 once a signal asked to stop or end passed. */
static int
nap(long ms, long long end)
{
	struct timespec ts = {0, 100 * 1000000L};

	while (ms > 0 && !stop && (end == 0 || now_ms() < end)) {
		nanosleep(&ts, NULL);
		ms -= 100;
	}
	return stop || (end != 0 && now_ms() >= end) ? -1 : 0;
}

static int
follow(struct logs_run *lr, double timeout)
{
	struct sigaction sa, old_int, old_term;
	long long end = timeout > 0 ? now_ms() + (long long)(timeout * 1000) :
	    0;
	long delay = LOGS_POLL_FIRST_MS, got;
	int status = EXIT_OK;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (;;) {
		if ((got = poll_once(lr)) < 0) {
			status = EXIT_AWS;
			break;
		}
		if (got > 0)
			delay = LOGS_POLL_FIRST_MS;
		if (nap(delay, end) != 0)
			break;
		if (got == 0 && (delay *= 2) > LOGS_POLL_CAP_MS)
			delay = LOGS_POLL_CAP_MS;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return status;
}

/* The groups of the functions named (all when none), in manifest order. */
static int
groups_make(struct logs_run *lr, const struct manifest *m, char **names,
    int nnames, const struct verb *self)
{
	const char **all = xcalloc(m->nfunctions + 1, sizeof *all);
	size_t i, k;
	int j, rc = 0;

	for (i = 0; i < m->nfunctions; i++)
		all[i] = m->functions[i].name;
	lr->g = xcalloc(m->nfunctions + (size_t)nnames + 1, sizeof *lr->g);
	for (i = 0; i < m->nfunctions; i++) {
		int want = nnames == 0;

		for (j = 0; j < nnames; j++)
			if (strcmp(names[j], all[i]) == 0)
				want = 1;
		if (!want)
			continue;
		lr->g[lr->ng].function = all[i];
		lr->g[lr->ng].name = xasprintf("/aws/lambda/%s/%s",
		    lr->cli->stack_name ? lr->cli->stack_name : m->service,
		    all[i]);
		if ((int)strlen(all[i]) > lr->width)
			lr->width = (int)strlen(all[i]);
		lr->ng++;
	}
	for (j = 0; j < nnames; j++) {
		for (k = 0; k < m->nfunctions; k++)
			if (strcmp(names[j], all[k]) == 0)
				break;
		if (k == m->nfunctions) {
			const char *s = str_suggest(names[j], all,
			    m->nfunctions);

			cli_usage_error(self, "no function '%s' in %s%s%s%s",
			    names[j], m->service, s ? " (did you mean '" : "",
			    s ? s : "", s ? "'?)" : "");
			rc = -1;
		}
	}
	free(all);
	return rc;
}

static void
groups_free(struct logs_run *lr)
{
	size_t i, k;

	for (i = 0; i < lr->ng; i++) {
		free(lr->g[i].name);
		for (k = 0; k < lr->g[i].nids; k++)
			free(lr->g[i].ids[k]);
		free(lr->g[i].ids);
	}
	free(lr->g);
}

int
cmd_logs(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"since", required_argument, NULL, OPT_SINCE},
		{"filter", required_argument, NULL, OPT_FILTER},
		{"follow", no_argument, NULL, OPT_FOLLOW},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		CLI_STACK_NAME_OPTION,
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("logs");
	struct logs_run lr;
	struct diags d = {0};
	struct pipeline_options po;
	struct pipeline p = {0};
	struct aws_options ao = {0};
	struct aws_error err;
	const char *since = NULL;
	double timeout = 0;
	int c, following = 0, status = EXIT_OK, rc;

	memset(&lr, 0, sizeof lr);
	lr.cli = cli;
	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_FILTER:
			lr.pattern = optarg;
			break;
		case OPT_FOLLOW:
			following = 1;
			break;
		case OPT_TIMEOUT:
			if ((timeout = cli_parse_duration(optarg)) <= 0) {
				cli_usage_error(self, "--timeout %s: not a "
				    "duration (30, 10m, 1h)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			return EXIT_OK;
		default:
			if (cli_take_value(cli, c, optarg))
				break;
			return EXIT_USAGE;
		}
	}
	lr.since_ms = since ? parse_since(since, now_ms()) :
	    now_ms() - LOGS_DEFAULT_SINCE_S * 1000LL;
	if (lr.since_ms < 0) {
		cli_usage_error(self, "--since %s: neither a duration (10m, 2h, "
		    "1d) nor a UTC time (2026-12-05T10:00:00Z)", since);
		return EXIT_USAGE;
	}
	po = cli_pipeline_options(cli, PIPELINE_MODEL);
	if (pipeline_run(&p, &po, &d) != PIPELINE_OK)
		goto out;
	if (groups_make(&lr, p.manifest, argv + optind, argc - optind,
	    self) != 0) {
		status = EXIT_USAGE;
		goto out;
	}
	lr.color = cli->color && isatty(STDOUT_FILENO);
	ao.profile = cli->profile;
	ao.region = cli->region;
	ao.endpoint_url = cli->endpoint_url;
	if ((lr.aws = aws_open(&ao, &err)) == NULL) {
		aws_error_log(&err);
		status = EXIT_AWS;
		goto out;
	}
	if (following)
		status = follow(&lr, timeout);
	else if (poll_once(&lr) < 0)
		status = EXIT_AWS;
	if (fflush(stdout) != 0)
		status = EXIT_IO;
out:
	rc = cli_report_beside(cli, &d, lr.aws != NULL);
	if (status == EXIT_OK)
		status = rc;
	if (lr.aws)
		aws_close(lr.aws);
	groups_free(&lr);
	pipeline_free(&p);
	diags_free(&d);
	return status;
}
