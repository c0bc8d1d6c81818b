/* strmap.c - string-keyed hash map with linear probing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xalloc.h"

struct slot {
	char *key;
	void *value;
	uint64_t hash;
};

struct strmap {
	struct slot *slot;
	size_t cap; /* a power of two */
	size_t count;
};

/* FNV-1a: short keys, no adversary to fear in a local map. */
static uint64_t
hash_str(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * UINT64_C(0x100000001b3);
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof(*m));

	m->cap = 16;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
	return m;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->slot[i].key);
	free(m->slot);
	free(m);
}

static struct slot *
find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slot[i].key != NULL) {
		if (m->slot[i].hash == h && strcmp(m->slot[i].key, key) == 0)
			break;
		i = (i + 1) & (m->cap - 1);
	}
	return &m->slot[i];
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	struct slot *s = find(m, key, hash_str(key));

	return s->key != NULL ? s->value : NULL;
}

static void
grow(struct strmap *m)
{
	struct slot *old = m->slot;
	size_t i, oldcap = m->cap;

	m->cap *= 2;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*find(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

void *
strmap_put(struct strmap *m, const char *key, void *value)
{
	uint64_t h = hash_str(key);
	struct slot *s = find(m, key, h);

	if (s->key != NULL)
		return s->value;
	if ((m->count + 1) * 4 > m->cap * 3) {
		grow(m);
		s = find(m, key, h);
	}
	s->key = xstrdup(key);
	s->value = value;
	s->hash = h;
	m->count++;
	return value;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}
