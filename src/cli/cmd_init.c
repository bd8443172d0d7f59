/*
 * cmd_init.c - `spartac init [DIR]`: a new service that builds, validates,
 * invokes and serves out of the box.
 *
 * Every file is checked before any is written, so init either writes the
 * whole skeleton or nothing; an existing file is never overwritten.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/embedded.h"

static const char manifest_text[] =
    "# yaml-language-server: $schema=sparta.schema.json\n"
    "#\n"
    "# The service manifest. Try:\n"
    "#   spartac validate                         check it (no AWS)\n"
    "#   spartac invoke hello --event events/hello.json\n"
    "#   spartac serve                            the API on 127.0.0.1\n"
    "#   spartac deploy                           ship it\n"
    "# `man spartac` and `spartac schema` document every key; refresh the\n"
    "# editor's copy of the schema with `spartac schema > sparta.schema.json`.\n"
    "service: %s\n"
    "description: Hello world in C on AWS Lambda\n"
    "\n"
    "build:\n"
    "  sources: [src/*.c]\n"
    "\n"
    "functions:\n"
    "  hello:\n"
    "    symbol: hello           # the C function in src/hello.c\n"
    "    memory: 128\n"
    "    timeout: 3\n"
    "    environment:\n"
    "      GREETING: hello\n"
    "\n"
    "api:\n"
    "  routes:\n"
    "    GET /hello: hello\n"
    "    GET /hello/{name}: hello\n";

static const char hello_c[] =
    "/*\n"
    " * hello.c - the service's function. spartac compiles it with its Lambda\n"
    " * runtime into one static bootstrap; sparta.yaml names the symbol.\n"
    " */\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "\n"
    "#include <sparta/lambda.h>\n"
    "\n"
    "/*\n"
    " * GET /hello?name=NAME and GET /hello/{name} answer {\"message\": \"hello, NAME\"};\n"
    " * a direct invoke with {\"name\": NAME} answers the same.\n"
    " */\n"
    "int\n"
    "hello(const char *event, size_t len, struct sparta_context *ctx,\n"
    "    struct sparta_response *res)\n"
    "{\n"
    "\tstruct sparta_http_request req;\n"
    "\tconst char *greeting = getenv(\"GREETING\"), *name;\n"
    "\tchar *message;\n"
    "\tsize_t size;\n"
    "\n"
    "\tif (sparta_http_parse(ctx, event, len, &req) == 0) {\n"
    "\t\tname = sparta_http_path_param(&req, \"name\");\n"
    "\t\tif (name == NULL)\n"
    "\t\t\tname = sparta_http_query(&req, \"name\");\n"
    "\t\tsparta_http_set_header(res, \"Content-Type\", \"application/json\");\n"
    "\t} else {\n"
    "\t\tname = sparta_json_string(sparta_json_get(\n"
    "\t\t    sparta_json_parse(ctx, event, len), \"name\"), NULL);\n"
    "\t}\n"
    "\tif (greeting == NULL)\n"
    "\t\tgreeting = \"hello\";\n"
    "\tif (name == NULL)\n"
    "\t\tname = \"world\";\n"
    "\tsize = snprintf(NULL, 0, \"%s, %s\", greeting, name) + 1;\n"
    "\tmessage = sparta_alloc(ctx, size);\n"
    "\tsnprintf(message, size, \"%s, %s\", greeting, name);\n"
    "\n"
    "\tsparta_write_object_begin(res);\n"
    "\tsparta_write_key(res, \"message\");\n"
    "\tsparta_write_string(res, message);\n"
    "\tsparta_write_object_end(res);\n"
    "\treturn 0;\n"
    "}\n";

static const char event_json[] =
    "{\n"
    "  \"resource\": \"/hello\",\n"
    "  \"path\": \"/hello\",\n"
    "  \"httpMethod\": \"GET\",\n"
    "  \"headers\": {\"Accept\": \"application/json\"},\n"
    "  \"multiValueHeaders\": {\"Accept\": [\"application/json\"]},\n"
    "  \"queryStringParameters\": {\"name\": \"spartac\"},\n"
    "  \"multiValueQueryStringParameters\": {\"name\": [\"spartac\"]},\n"
    "  \"pathParameters\": null,\n"
    "  \"stageVariables\": null,\n"
    "  \"requestContext\": {\"resourcePath\": \"/hello\", \"httpMethod\": \"GET\", \"stage\": \"v1\"},\n"
    "  \"body\": null,\n"
    "  \"isBase64Encoded\": false\n"
    "}\n";

static const char gitignore[] =
    "# spartac's build output\n"
    ".spartac/\n";

struct init_file {
	const char *path;
	const char *text; /* owned by the caller of init_write */
	size_t len;
	int mode;
};

/* The service name from the directory's name: a CloudFormation stack name. */
static char *
service_name(const char *dir)
{
	char *abs = realpath(dir, NULL), *slash, *name;
	const char *base, *p;
	size_t i = 0;

	slash = abs ? strrchr(abs, '/') : NULL;
	base = slash && slash[1] ? slash + 1 : "hello";
	name = xmalloc(strlen(base) + 8);
	for (p = base; *p && i < 100; p++) {
		if (isalnum((unsigned char)*p))
			name[i++] = *p;
		else if (i > 0 && name[i - 1] != '-')
			name[i++] = '-';
	}
	while (i > 0 && name[i - 1] == '-')
		i--;
	name[i] = '\0';
	if (i == 0 || !isalpha((unsigned char)name[0])) {
		memmove(name + 4, name, i + 1);
		memcpy(name, "svc-", 4);
		if (i == 0)
			strcpy(name, "hello");
	}
	free(abs);
	return name;
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"name", required_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("init");
	const struct embedded_file *schema = embedded_find("schema/sparta.schema.json");
	const char *dir = ".", *name_opt = NULL;
	struct init_file files[5];
	struct stat st;
	char *name, *manifest, *path;
	size_t i, nfiles = 0, clashes = 0;
	int c, status = EXIT_OK;

	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		if (c == 'N')
			name_opt = optarg;
		else
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (optind < argc - 1) {
		cli_usage_error(self, "too many arguments: '%s'", argv[optind + 1]);
		return EXIT_USAGE;
	}
	if (optind == argc - 1)
		dir = argv[optind];
	if (make_dir(dir) == -1)
		return EXIT_IO;
	name = name_opt ? xstrdup(name_opt) : service_name(dir);
	manifest = xasprintf(manifest_text, name);
	files[nfiles++] = (struct init_file){"sparta.yaml", manifest, strlen(manifest), 0644};
	files[nfiles++] = (struct init_file){"sparta.schema.json", (const char *)schema->data,
	    schema->len, 0644};
	files[nfiles++] = (struct init_file){"src/hello.c", hello_c, sizeof(hello_c) - 1, 0644};
	files[nfiles++] = (struct init_file){"events/hello.json", event_json,
	    sizeof(event_json) - 1, 0644};
	files[nfiles++] = (struct init_file){".gitignore", gitignore, sizeof(gitignore) - 1, 0644};

	for (i = 0; i < nfiles; i++) {
		path = xasprintf("%s/%s", dir, files[i].path);
		if (lstat(path, &st) == 0) {
			log_error("%s exists; init writes nothing over an existing file", path);
			clashes++;
		}
		free(path);
	}
	if (clashes) {
		log_error("nothing written: move the %zu file%s above away, or init another directory",
		    clashes, clashes == 1 ? "" : "s");
		status = EXIT_IO;
		goto out;
	}
	path = xasprintf("%s/src", dir);
	c = make_dir(path);
	free(path);
	path = xasprintf("%s/events", dir);
	c |= make_dir(path);
	free(path);
	if (c == -1) {
		status = EXIT_IO;
		goto out;
	}
	for (i = 0; i < nfiles; i++) {
		path = xasprintf("%s/%s", dir, files[i].path);
		if (file_write_atomic(path, files[i].text, files[i].len, files[i].mode) == -1) {
			log_error("cannot write %s: %s", path, strerror(errno));
			status = EXIT_IO;
		}
		free(path);
		if (status != EXIT_OK)
			goto out;
	}
	log_info("created service '%s' in %s: sparta.yaml, src/hello.c, events/hello.json", name, dir);
	if (strcmp(dir, ".") != 0)
		log_info("next: cd %s && spartac invoke hello --event events/hello.json", dir);
	else
		log_info("next: spartac invoke hello --event events/hello.json");
out:
	free(manifest);
	free(name);
	return status;
}
