/*
 * graphviz_lazy.h - Graphviz opened on first use (see graphviz_lazy.c).
 * Call graphviz_load before any ag* or gv* function: it returns 0, or -1
 * with the reason in why.
 */
#ifndef SPARTAC_GRAPHVIZ_LAZY_H
#define SPARTAC_GRAPHVIZ_LAZY_H

#include <stddef.h>

#include <graphviz/cgraph.h>

int graphviz_load(char *why, size_t n);
/* libcgraph's Agdirected, which is data and so not forwarded. */
Agdesc_t graphviz_directed(void);

#endif
