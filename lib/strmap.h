/*
 * strmap.h - a hash map from strings to pointers (open addressing).
 *
 * Ownership: strmap_new returns a map released with strmap_free, which
 * frees the keys it copied but not the values.  strmap_free(NULL) is a
 * no-op.
 */
#ifndef NRAY_STRMAP_H
#define NRAY_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
void strmap_free(struct strmap *m);

/* The value stored for KEY, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/*
 * Stores VALUE (not NULL) for KEY (copied) unless KEY is present.  Returns
 * the value now stored for KEY: VALUE when it was added, the old one when
 * KEY was already there.
 */
void *strmap_put(struct strmap *m, const char *key, void *value);

size_t strmap_count(const struct strmap *m);

#endif
