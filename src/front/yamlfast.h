/*
 * yamlfast.h - a quick reader for the YAML that manifests are written in.
 *
 * libyaml is more than half of what `validate` costs (its scanner works a
 * character at a time through a token queue). Most manifests use a small
 * part of YAML: block mappings and sequences, one-line plain and quoted
 * scalars, one-line flow collections, comments and the CloudFormation
 * short-form tags. yf_scan reads exactly that part, and gives up (returns
 * -1, having kept nothing) on anything else: anchors, aliases, block
 * scalars, multi-line scalars or flow collections, empty values,
 * document markers, directives, tabs, carriage returns, characters libyaml
 * treats specially, and anything malformed. The loader then reads the file
 * with libyaml, which also gives every syntax error its message.
 *
 * What it accepts it turns into the events libyaml would give, with the
 * same start marks (0-based line, column in characters): the loader
 * consumes either. tests/unit/test_yamlfast.c and the fuzz target compare
 * the two on the corpus and on random input.
 */
#ifndef SPARTAC_YAMLFAST_H
#define SPARTAC_YAMLFAST_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

struct yf_event {
	uint32_t line, col;   /* the start mark, as libyaml gives it */
	uint32_t off, len;    /* a scalar's value: in the text, or in buf */
	uint8_t type;         /* a yaml_event_type_t */
	uint8_t plain;        /* a plain scalar (plain_implicit) */
	uint8_t in_buf;       /* off indexes buf: the value was unescaped */
	uint8_t tag;          /* 0, or 1 + the index of the tag in tags[] */
};

struct yf_events {
	struct yf_event *v;
	size_t n, cap;
	char *buf;            /* unescaped quoted scalars */
	size_t buflen, bufcap;
};

/*
 * Reads text (len bytes, UTF-8 already checked, no leading BOM) into out.
 * tags[0..ntags) are the only tags accepted ("!Ref", ...). Returns 0, or
 * -1 when the text is outside the subset (out is then empty).
 * max_depth bounds the nesting it follows (deeper: -1).
 */
int yf_scan(const char *text, size_t len, const char *const *tags,
    size_t ntags, unsigned max_depth, struct yf_events *out);

void yf_events_free(struct yf_events *e);

#endif
