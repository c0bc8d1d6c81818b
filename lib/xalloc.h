/*
 * xalloc.h - allocation that cannot fail.
 *
 * Out of memory has one policy in nray: print "PROG: out of memory" and
 * abort.  These never return NULL.  Free with free().
 */
#ifndef NRAY_XALLOC_H
#define NRAY_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
