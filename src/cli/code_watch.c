/*
 * code_watch.c - `spartac deploy --code --watch`: deploy --code, then again
 * on every save of the manifest or a source (polled, as serve --watch
 * does), until Ctrl-C or SIGTERM. A build that fails or a deploy that is
 * refused is reported and the watch goes on.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "base/digest.h"
#include "cli/cli.h"
#include "compile/watch.h"
#include "converge/converge_io.h"
#include "pipeline/pipeline.h"

#define WATCH_TICK_MS 300

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* Waits until the fingerprint of p's inputs differs from last. */
static void
wait_change(const struct pipeline *p, const char *manifest_path,
    const char *last)
{
	struct timespec tick = {0, WATCH_TICK_MS * 1000000L};
	char now[DIGEST_HEX_LEN + 1];

	while (!stop) {
		nanosleep(&tick, NULL);
		watch_fingerprint(p->manifest, p->out.project_dir,
		    manifest_path, now);
		if (strcmp(now, last) != 0)
			return;
	}
}

int
cli_code_watch(struct cli *cli, struct converge_opts *o)
{
	struct sigaction sa, old_int, old_term;
	struct pipeline_options po;
	struct pipeline keep = {0}, p;
	struct diags d;
	char last[DIGEST_HEX_LEN + 1] = "";
	int status = EXIT_OK, first = 1;

	cli_converge_setup(cli, o);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!stop) {
		memset(&p, 0, sizeof p);
		memset(&d, 0, sizeof d);
		/* The fingerprint before the build: a save while it compiles
		 * is a change for the next round, never lost. */
		po = cli_pipeline_options(cli, PIPELINE_OUTDIR);
		if (pipeline_run(&p, &po, &d) == PIPELINE_OK) {
			watch_fingerprint(p.manifest, p.out.project_dir,
			    po.manifest_path, last);
			po.goal = PIPELINE_ALL;
		}
		if (p.manifest && pipeline_run(&p, &po, &d) == PIPELINE_OK) {
			cli_code_deploy(o, p.manifest, &p.out, &d);
			pipeline_free(&keep);
			keep = p;
		} else {
			cli_report(cli, &d);
			pipeline_free(&p);
			if (first) {
				status = EXIT_INVALID;
				diags_free(&d);
				break;
			}
			/* wait for the next save, not for this one again */
			watch_fingerprint(keep.manifest, keep.out.project_dir,
			    po.manifest_path, last);
		}
		diags_free(&d);
		first = 0;
		log_info("watching %s and its sources (Ctrl-C to stop)",
		    po.manifest_path);
		wait_change(&keep, po.manifest_path, last);
		if (!stop)
			log_info("change detected: building");
	}
	pipeline_free(&keep);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return status;
}
