/* xalloc.c - allocation that aborts with a message when memory runs out. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

static void *
check(void *p)
{
	if (p == NULL)
		log_fatalx(1, "out of memory");
	return p;
}

void *
xmalloc(size_t n)
{
	return check(malloc(n ? n : 1));
}

void *
xcalloc(size_t nmemb, size_t size)
{
	return check(calloc(nmemb ? nmemb : 1, size ? size : 1));
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	return check(reallocarray(p, nmemb ? nmemb : 1, size ? size : 1));
}

char *
xstrdup(const char *s)
{
	return check(strdup(s));
}

char *
xstrndup(const char *s, size_t n)
{
	return check(strndup(s, n));
}
