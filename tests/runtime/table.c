/* The dispatch table spartac would generate for the test functions. */
#include "dispatch.h"

sparta_handler_fn t_hello, t_echo, t_fail, t_sleep, t_big, t_text, t_ctx,
    t_api, t_crash, t_rc, t_badjson, t_web, t_authz;

const struct sparta_handler_entry sparta_handlers[] = {
	{"hello", t_hello},
	{"echo", t_echo},
	{"fail", t_fail},
	{"sleep", t_sleep},
	{"big", t_big},
	{"text", t_text},
	{"ctx", t_ctx},
	{"api", t_api},
	{"crash", t_crash},
	{"rc", t_rc},
	{"badjson", t_badjson},
	{"web", t_web},
	{"authz", t_authz},
	{NULL, NULL},
};
