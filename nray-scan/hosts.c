/*
 * hosts.c - a bounded table of the hosts being probed.
 *
 * Open addressing with linear probing and backward-shift deletion.  An
 * entry holds a host's probes in flight (for --host-concurrency), its
 * deferred jobs, and what it answered (for --discover and the
 * all-ports-open verdict).  When the table is three quarters full, a new
 * host evicts an idle one (nothing in flight, nothing deferred) found by a
 * clock hand; so memory stays bounded whatever the input, at the price of
 * forgetting the answers of hosts not seen for a while.
 */
#include <string.h>

#include "scan.h"

#include "xalloc.h"

struct hosts {
	struct host *h;
	size_t mask, n, hand, evicted;
};

static size_t
host_hash(u128 a)
{
	uint64_t x = (uint64_t)a ^ (uint64_t)(a >> 64) * 0x9e3779b97f4a7c15u;

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9u;
	x ^= x >> 29;
	return (size_t)x;
}

/* A table for about CAPACITY hosts (rounded up to a power of two). */
struct hosts *
hosts_new(size_t capacity)
{
	struct hosts *h = xcalloc(1, sizeof(*h));
	size_t cap = 1024;

	while (cap < capacity)
		cap <<= 1;
	h->h = xcalloc(cap, sizeof(*h->h));
	h->mask = cap - 1;
	return h;
}

/* Frees the table; hosts_free(NULL) is a no-op. */
void
hosts_free(struct hosts *h)
{
	if (h == NULL)
		return;
	free(h->h);
	free(h);
}

static void
host_delete(struct hosts *h, size_t i)
{
	size_t j = i, k;

	for (;;) {
		j = (j + 1) & h->mask;
		if (!h->h[j].used)
			break;
		k = host_hash(h->h[j].addr) & h->mask;
		/* entry j stays when its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h->h[i] = h->h[j];
		i = j;
	}
	memset(&h->h[i], 0, sizeof(h->h[i]));
	h->n--;
}

static int
host_evict(struct hosts *h)
{
	size_t tries;

	for (tries = 0; tries <= h->mask; tries++) {
		size_t i = h->hand;
		struct host *e = &h->h[i];

		h->hand = (h->hand + 1) & h->mask;
		if (e->used && e->inflight == 0 && e->dhead < 0) {
			host_delete(h, i);
			h->evicted++;
			return 1;
		}
	}
	return 0;
}

/*
 * The entry of ADDR, or NULL when absent and !CREATE.  A pointer is valid
 * until the next call with CREATE (which may move entries).
 */
struct host *
hosts_get(struct hosts *h, u128 addr, int create)
{
	size_t i = host_hash(addr) & h->mask;
	struct host *e;

	for (;;) {
		e = &h->h[i];
		if (!e->used)
			break;
		if (e->addr == addr)
			return e;
		i = (i + 1) & h->mask;
	}
	if (!create)
		return NULL;
	if (h->n >= (h->mask + 1) / 4 * 3) {
		if (!host_evict(h) && h->n >= h->mask)
			return NULL; /* cannot happen: sized above in-flight */
		return hosts_get(h, addr, 1);
	}
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->addr = addr;
	e->dhead = e->dtail = -1;
	h->n++;
	return e;
}

/* Calls FN(ARG, entry) for every entry. */
void
hosts_foreach(struct hosts *h, void (*fn)(void *, struct host *), void *arg)
{
	size_t i;

	for (i = 0; i <= h->mask; i++)
		if (h->h[i].used)
			fn(arg, &h->h[i]);
}

/* How many idle entries were evicted. */
size_t
hosts_evicted(const struct hosts *h)
{
	return h->evicted;
}
