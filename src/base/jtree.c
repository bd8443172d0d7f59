/*
 * jtree.c - cJSON trees in an arena. See jtree.h.
 */
#include <limits.h>
#include <string.h>

#include "base/jtree.h"

static cJSON *
node_new(struct arena *a, int type)
{
	cJSON *v = arena_alloc(a, sizeof(*v));

	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

cJSON *
jtree_object(struct arena *a)
{
	return node_new(a, cJSON_Object);
}

cJSON *
jtree_array(struct arena *a)
{
	return node_new(a, cJSON_Array);
}

char *
jtree_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(arena_alloc(a, n), s, n);
}

/* A string or raw node holding a copy of s. */
static cJSON *
text_new(struct arena *a, int type, const char *s)
{
	cJSON *v = node_new(a, type);

	v->valuestring = jtree_strdup(a, s);
	return v;
}

cJSON *
jtree_string(struct arena *a, const char *s)
{
	return text_new(a, cJSON_String, s);
}

cJSON *
jtree_string_ref(struct arena *a, const char *s)
{
	cJSON *v = node_new(a, cJSON_String | cJSON_IsReference);

	v->valuestring = (char *)s;
	return v;
}

cJSON *
jtree_number(struct arena *a, double d)
{
	cJSON *v = node_new(a, cJSON_Number);

	/* as cJSON_CreateNumber sets them */
	v->valuedouble = d;
	if (d >= INT_MAX)
		v->valueint = INT_MAX;
	else if (d <= (double)INT_MIN)
		v->valueint = INT_MIN;
	else
		v->valueint = (int)d;
	return v;
}

cJSON *
jtree_raw(struct arena *a, const char *text)
{
	return text_new(a, cJSON_Raw, text);
}

cJSON *
jtree_bool(struct arena *a, int b)
{
	return node_new(a, b ? cJSON_True : cJSON_False);
}

cJSON *
jtree_null(struct arena *a)
{
	return node_new(a, cJSON_NULL);
}

void
jtree_push(cJSON *o, cJSON *v)
{
	cJSON *tail;

	v->next = NULL;
	if (o->child == NULL) {
		o->child = v;
		v->prev = v; /* cJSON: the first item's prev is the tail */
		return;
	}
	tail = o->child->prev;
	tail->next = v;
	v->prev = tail;
	o->child->prev = v;
}

cJSON *
jtree_add(struct arena *a, cJSON *o, const char *key, cJSON *v)
{
	v->string = jtree_strdup(a, key);
	v->type &= ~cJSON_StringIsConst;
	jtree_push(o, v);
	return v;
}

cJSON *
jtree_add_lit(cJSON *o, const char *key, cJSON *v)
{
	v->string = (char *)key;
	v->type |= cJSON_StringIsConst;
	jtree_push(o, v);
	return v;
}

void
jtree_replace(cJSON *o, cJSON *old, cJSON *v)
{
	v->string = old->string;
	v->type = (v->type & ~cJSON_StringIsConst) |
	    (old->type & cJSON_StringIsConst);
	v->next = old->next;
	v->prev = old->prev;
	if (o->child == old) {
		o->child = v;
		if (v->prev == old)
			v->prev = v; /* old was the only item */
	} else
		v->prev->next = v;
	if (v->next != NULL)
		v->next->prev = v;
	else if (o->child != v)
		o->child->prev = v; /* v is the new tail */
}
