/* pipeline.c - load, schema, model. See pipeline.h. */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "loader.h"

size_t
pipeline_check(struct pipeline *p, struct cli *cli, struct diags *d)
{
	memset(p, 0, sizeof(*p));
	p->doc = yaml_load_file(cli->file, d);
	return d->nerrors;
}

void
pipeline_free(struct pipeline *p)
{
	doc_free(p->doc);
	memset(p, 0, sizeof(*p));
}
