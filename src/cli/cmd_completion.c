/*
 * cmd_completion.c - `spartac completion bash|zsh|fish`: a completion script.
 *
 * Verbs and options come from the verb table and the verbs' help texts (the
 * lines that start with an option), so the script can never offer an option
 * the help does not document. Function names for `invoke` and `logs` are
 * read from the manifest when completing, through `spartac completion
 * --functions`.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "front/manifest.h"
#include "pipeline/pipeline.h"

/* Appends the long options documented in a help text, space-separated. */
static void
help_options(struct buf *b, const char *help)
{
	const char *line = help, *p, *end;

	while (*line) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		p = line;
		while (p < end && *p == ' ')
			p++;
		if (p + 1 < end && p[0] == '-' && p[1] != '-') {
			/* "-o, --output": the short form first */
			buf_printf(b, " %.2s", p);
			p += 2;
			while (p < end && (*p == ',' || *p == ' '))
				p++;
		}
		if (p + 2 < end && p[0] == '-' && p[1] == '-') {
			const char *q = p + 2;

			while (q < end && (isalnum((unsigned char)*q) || *q == '-'))
				q++;
			buf_printf(b, " %.*s", (int)(q - p), p);
		}
		line = *end ? end + 1 : end;
	}
}

static void
verb_words(struct buf *b)
{
	const struct verb *v;
	size_t n, i;

	v = cli_verbs(&n);
	for (i = 0; i < n; i++)
		buf_printf(b, "%s%s", i ? " " : "", v[i].name);
}

static void
print_bash(void)
{
	struct buf verbs = {0}, opts = {0};
	const struct verb *v;
	size_t n, i;

	verb_words(&verbs);
	help_options(&opts, cli_global_help());
	printf("# bash completion for spartac; load with: source <(spartac completion bash)\n"
	    "_spartac()\n{\n"
	    "\tlocal cur prev verb i file_args=()\n"
	    "\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	    "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	    "\t\tcase ${COMP_WORDS[i]} in\n"
	    "\t\t-f|--file|-C) file_args+=(\"${COMP_WORDS[i]}\" \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
	    "\t\t-l|--level|--format|--stage|--profile|--region|--endpoint-url|--event|--parameter|--parameters-file|--env|--env-file|--stack-name|--jwks|--api-key) ((i++)) ;;\n"
	    "\t\t-*) ;;\n"
	    "\t\t*) [[ -z $verb ]] && verb=${COMP_WORDS[i]} ;;\n"
	    "\t\tesac\n"
	    "\tdone\n"
	    "\tcase $prev in\n"
	    "\t-f|--file) COMPREPLY=($(compgen -f -X '!*.y*ml' -- \"$cur\") $(compgen -d -- \"$cur\")); return ;;\n"
	    "\t-C) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
	    "\t-l|--level) COMPREPLY=($(compgen -W 'error warn info debug' -- \"$cur\")); return ;;\n"
	    "\t--format) COMPREPLY=($(compgen -W 'text json github' -- \"$cur\")); return ;;\n"
	    "\t--event|--parameters-file|--env-file|--jwks) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	    "\tesac\n"
	    "\tif [[ -z $verb ]]; then\n"
	    "\t\tif [[ $cur == -* ]]; then\n"
	    "\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
	    "\t\telse\n"
	    "\t\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
	    "\t\tfi\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tlocal opts='%s'\n"
	    "\tcase $verb in\n", opts.data + 1, verbs.data, opts.data + 1);
	v = cli_verbs(&n);
	for (i = 0; i < n; i++) {
		struct buf vo = {0};

		help_options(&vo, v[i].help);
		if (vo.len)
			printf("\t%s) opts=\"$opts%s\" ;;\n", v[i].name, vo.data);
		buf_free(&vo);
	}
	printf("\tesac\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	    "\telif [[ $verb == invoke || $verb == logs ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$(spartac completion --functions \"${file_args[@]}\" 2>/dev/null)\" -- \"$cur\"))\n"
	    "\telif [[ $verb == help || $verb == completion ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W '%s bash zsh fish' -- \"$cur\"))\n"
	    "\telse\n"
	    "\t\tCOMPREPLY=($(compgen -f -X '!*.y*ml' -- \"$cur\") $(compgen -d -- \"$cur\"))\n"
	    "\tfi\n"
	    "}\n"
	    "complete -o filenames -F _spartac spartac\n", verbs.data);
	buf_free(&verbs);
	buf_free(&opts);
}

static void
print_zsh(void)
{
	const struct verb *v;
	size_t n, i;
	struct buf opts = {0};

	help_options(&opts, cli_global_help());
	printf("#compdef spartac\n"
	    "# zsh completion for spartac; put it on $fpath as _spartac, or:\n"
	    "#   source <(spartac completion zsh)\n"
	    "_spartac() {\n"
	    "\tlocal -a verbs\n"
	    "\tverbs=(\n");
	v = cli_verbs(&n);
	for (i = 0; i < n; i++) {
		const char *s;

		printf("\t\t'%s:", v[i].name);
		for (s = v[i].summary; *s; s++)
			if (*s == '\'')
				fputs("'\\''", stdout);
			else if (*s == ':')
				fputs("\\:", stdout);
			else
				putchar(*s);
		printf("'\n");
	}
	printf("\t)\n"
	    "\tlocal verb= i\n"
	    "\tlocal -a file_args\n"
	    "\tfor (( i = 2; i < CURRENT; i++ )); do\n"
	    "\t\tcase ${words[i]} in\n"
	    "\t\t-f|--file|-C) file_args+=(${words[i]} ${words[i+1]}); (( i++ )) ;;\n"
	    "\t\t-l|--level|--format|--stage|--profile|--region|--endpoint-url|--event|--parameter|--parameters-file|--env|--env-file|--stack-name|--jwks|--api-key) (( i++ )) ;;\n"
	    "\t\t-*) ;;\n"
	    "\t\t*) [[ -z $verb ]] && verb=${words[i]} ;;\n"
	    "\t\tesac\n"
	    "\tdone\n"
	    "\tif [[ -z $verb ]]; then\n"
	    "\t\t_describe 'verb' verbs\n"
	    "\t\treturn\n"
	    "\tfi\n"
	    "\tlocal -a opts\n"
	    "\topts=(%s)\n"
	    "\tcase $verb in\n", opts.data + 1);
	for (i = 0; i < n; i++) {
		struct buf vo = {0};

		help_options(&vo, v[i].help);
		if (vo.len)
			printf("\t%s) opts+=(%s) ;;\n", v[i].name, vo.data + 1);
		buf_free(&vo);
	}
	printf("\tesac\n"
	    "\tif [[ $PREFIX == -* ]]; then\n"
	    "\t\tcompadd -- $opts\n"
	    "\telif [[ $verb == invoke || $verb == logs ]]; then\n"
	    "\t\tcompadd -- ${(f)\"$(spartac completion --functions $file_args 2>/dev/null)\"}\n"
	    "\telif [[ $verb == help ]]; then\n"
	    "\t\t_describe 'verb' verbs\n"
	    "\telif [[ $verb == completion ]]; then\n"
	    "\t\tcompadd bash zsh fish\n"
	    "\telse\n"
	    "\t\t_files -g '*.y(a|)ml'\n"
	    "\tfi\n"
	    "}\n"
	    "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
	    "\t_spartac \"$@\"\n"
	    "else\n"
	    "\tcompdef _spartac spartac\n"
	    "fi\n");
	buf_free(&opts);
}

static void
print_fish(void)
{
	const struct verb *v;
	size_t n, i;
	struct buf opts = {0}, verbs = {0};
	char *tok, *save = NULL;

	verb_words(&verbs);
	printf("# fish completion for spartac; load with: spartac completion fish | source\n"
	    "complete -c spartac -f\n");
	v = cli_verbs(&n);
	for (i = 0; i < n; i++) {
		const char *s;

		printf("complete -c spartac -n 'not __fish_seen_subcommand_from %s' -a %s -d '",
		    verbs.data, v[i].name);
		for (s = v[i].summary; *s; s++)
			if (*s == '\'')
				fputs("\\'", stdout);
			else
				putchar(*s);
		printf("'\n");
	}
	help_options(&opts, cli_global_help());
	for (tok = strtok_r(opts.data, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (tok[1] == '-')
			printf("complete -c spartac -l %s\n", tok + 2);
	for (i = 0; i < n; i++) {
		struct buf vo = {0};

		help_options(&vo, v[i].help);
		save = NULL;
		for (tok = vo.data ? strtok_r(vo.data, " ", &save) : NULL; tok;
		    tok = strtok_r(NULL, " ", &save))
			if (tok[1] == '-')
				printf("complete -c spartac -n '__fish_seen_subcommand_from %s' -l %s\n",
				    v[i].name, tok + 2);
		buf_free(&vo);
	}
	printf("complete -c spartac -n '__fish_seen_subcommand_from invoke logs' -a "
	    "'(spartac completion --functions 2>/dev/null)'\n"
	    "complete -c spartac -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n"
	    "complete -c spartac -n '__fish_seen_subcommand_from help' -a '%s'\n",
	    verbs.data);
	buf_free(&opts);
	buf_free(&verbs);
}

/* The manifest's function names, one a line, for the scripts above. */
static int
print_functions(struct cli *cli)
{
	struct pipeline_options po;
	struct pipeline p = {0};
	struct diags d = {0};
	size_t i;

	po = cli_pipeline_options(cli, PIPELINE_MODEL);
	if (pipeline_run(&p, &po, &d) == PIPELINE_OK)
		for (i = 0; i < p.manifest->nfunctions; i++)
			printf("%s\n", p.manifest->functions_sorted[i]->name);
	pipeline_free(&p);
	i = d.nerrors;
	diags_free(&d);
	return i ? EXIT_INVALID : EXIT_OK;
}

int
cmd_completion(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"functions", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	const struct verb *self = cli_verb("completion");
	int c, functions = 0;

	while ((c = cli_getopt(cli, self, argc, argv, "", longopts)) != -1) {
		if (c == 'F')
			functions = 1;
		else
			return c == 'h' ? EXIT_OK : EXIT_USAGE;
	}
	if (functions) {
		/* the words typed after `invoke` may name the manifest */
		if (cli_take_file(cli, self, argc, argv) == -1)
			return EXIT_USAGE;
		return print_functions(cli);
	}
	if (optind != argc - 1) {
		cli_usage_error(self, "completion takes one shell: bash, zsh or fish");
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "bash") == 0)
		print_bash();
	else if (strcmp(argv[optind], "zsh") == 0)
		print_zsh();
	else if (strcmp(argv[optind], "fish") == 0)
		print_fish();
	else {
		cli_usage_error(self, "unknown shell '%s' (bash, zsh, fish)", argv[optind]);
		return EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_IO;
}
