/*
 * emu_driver.c - runs a sequence of invocations through one struct
 * emulator (src/emulator.c) and prints one JSON line per invocation, so
 * tests can check how a sandbox lives: warm reuse, and a fresh process
 * after a timeout, a crash or an init error.
 *
 * Usage: emu_driver BOOTSTRAP TIMEOUT_S HANDLER:EVENT...
 * Each argument switches the handler too, as `serve` would route requests
 * to different functions; a handler change takes a new emulator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "local/emulator.h"

int
main(int argc, char **argv)
{
	static const char *names[] = {"ok", "error", "timeout"};
	struct emulator_config cfg;
	struct emulator_result r;
	struct emulator *e = NULL;
	const char *cmd[2];
	char *handler = NULL, *colon, *line;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: emu_driver BOOTSTRAP TIMEOUT HANDLER:EVENT...\n");
		return 64;
	}
	cmd[0] = argv[1];
	cmd[1] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	cfg.argv = cmd;
	cfg.function_name = "driver";
	cfg.memory_mb = 128;
	cfg.timeout_s = atol(argv[2]);
	cfg.log_fd = 2;
	for (i = 3; i < argc; i++) {
		cJSON *o = cJSON_CreateObject();

		if ((colon = strchr(argv[i], ':')) == NULL)
			return 64;
		*colon = '\0';
		if (handler == NULL || strcmp(handler, argv[i]) != 0) {
			emulator_free(e);
			handler = argv[i];
			cfg.handler = handler;
			if ((e = emulator_alloc(&cfg)) == NULL)
				return 1;
		}
		if (emulator_invoke(e, colon + 1, strlen(colon + 1), &r) < 0)
			return 1;
		cJSON_AddStringToObject(o, "outcome", names[r.outcome]);
		cJSON_AddBoolToObject(o, "cold", r.cold);
		if (r.error_type)
			cJSON_AddStringToObject(o, "type", r.error_type);
		cJSON_AddStringToObject(o, "payload", r.payload);
		line = cJSON_PrintUnformatted(o);
		puts(line);
		fflush(stdout);
		cJSON_free(line);
		cJSON_Delete(o);
		emulator_result_free(&r);
	}
	emulator_free(e);
	return 0;
}
