/*
 * addrset.c - sets of addresses as sorted, merged intervals.
 *
 * A growable array of inclusive [lo, hi] intervals.  Adding appends and
 * marks the set unfinished; finishing sorts, merges overlapping and
 * adjacent intervals and builds a prefix sum of sizes, so membership and
 * "the i-th address" are binary searches.
 */
#include <stdlib.h>

#include "addrset.h"
#include "xalloc.h"

#define U128_MAX (~(u128)0)

struct addrset_iv {
	u128 lo, hi;
};

struct addrset {
	/* sorted, disjoint and non-adjacent once finished */
	struct addrset_iv *iv;
	size_t n, cap;
	u128 *cum; /* cum[i]: addresses in iv[0..i], saturating; n entries */
	int finished;
};

/* Returns an empty (finished) set; release with addrset_free. */
struct addrset *
addrset_new(void)
{
	struct addrset *s = xcalloc(1, sizeof(*s));

	s->finished = 1;
	return s;
}

/* Releases s and everything it holds; NULL is a no-op. */
void
addrset_free(struct addrset *s)
{
	if (s == NULL)
		return;
	free(s->iv);
	free(s->cum);
	free(s);
}

/* Appends [lo, hi] (swapped when given backwards); unfinishes the set. */
void
addrset_add(struct addrset *s, u128 lo, u128 hi)
{
	if (lo > hi) {
		u128 t = lo;

		lo = hi;
		hi = t;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->iv = xreallocarray(s->iv, s->cap, sizeof(*s->iv));
	}
	s->iv[s->n].lo = lo;
	s->iv[s->n].hi = hi;
	s->n++;
	s->finished = 0;
}

static int
addrset_cmp(const void *a, const void *b)
{
	const struct addrset_iv *x = a, *y = b;

	/* by lo only: merging keeps the larger hi whatever the order */
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Rebuilds the prefix sums of a sorted, merged interval array. */
static void
addrset_build_cum(struct addrset *s)
{
	u128 sum = 0, size;
	size_t i;

	free(s->cum);
	s->cum = NULL;
	if (s->n == 0)
		return;
	s->cum = xreallocarray(NULL, s->n, sizeof(*s->cum));
	for (i = 0; i < s->n; i++) {
		size = s->iv[i].hi - s->iv[i].lo;
		/* size + 1 overflows only for the whole space [0, max] */
		size = size == U128_MAX ? U128_MAX : size + 1;
		sum = sum > U128_MAX - size ? U128_MAX : sum + size;
		s->cum[i] = sum;
	}
}

/*
 * Sorts by lo and merges intervals that overlap or touch (the next lo is
 * at most hi + 1), then builds the prefix sums.  Idempotent.
 */
void
addrset_finish(struct addrset *s)
{
	size_t i, out;

	if (s->finished)
		return;
	if (s->n > 1)
		qsort(s->iv, s->n, sizeof(*s->iv), addrset_cmp);
	out = 0;
	for (i = 1; i < s->n; i++) {
		struct addrset_iv *last = &s->iv[out], *cur = &s->iv[i];

		/* lo > last->hi implies lo >= 1, so lo - 1 cannot wrap */
		if (cur->lo <= last->hi || cur->lo - 1 == last->hi) {
			if (cur->hi > last->hi)
				last->hi = cur->hi;
		} else {
			s->iv[++out] = *cur;
		}
	}
	if (s->n > 0)
		s->n = out + 1;
	addrset_build_cum(s);
	s->finished = 1;
}

/*
 * Removes every address of x from s: finishes both, then walks the two
 * sorted lists once.  s and x may be the same set.
 */
void
addrset_subtract(struct addrset *s, struct addrset *x)
{
	struct addrset_iv *res;
	size_t i, j = 0, nres = 0, cap;

	addrset_finish(s);
	addrset_finish(x);
	if (s == x) {
		s->n = 0;
		addrset_build_cum(s);
		return;
	}
	if (s->n == 0 || x->n == 0)
		return;
	/* each interval of x splits at most one interval of s in two */
	cap = s->n + x->n;
	res = xreallocarray(NULL, cap, sizeof(*res));
	for (i = 0; i < s->n; i++) {
		u128 cur = s->iv[i].lo, b = s->iv[i].hi;
		int left = 1; /* [cur, b] still to be emitted */

		while (j < x->n && x->iv[j].hi < cur)
			j++;
		while (j < x->n && x->iv[j].lo <= b) {
			if (x->iv[j].lo > cur) {
				res[nres].lo = cur;
				res[nres++].hi = x->iv[j].lo - 1;
			}
			if (x->iv[j].hi >= b) {
				/* x[j] may cover the next intervals of s too:
				 * keep j */
				left = 0;
				break;
			}
			cur = x->iv[j].hi + 1;
			j++;
		}
		if (left) {
			res[nres].lo = cur;
			res[nres++].hi = b;
		}
	}
	free(s->iv);
	s->iv = res;
	s->n = nres;
	s->cap = cap;
	addrset_build_cum(s);
}

/* The index of the last interval with lo <= a, or -1 (as SIZE_MAX). */
static size_t
addrset_find(const struct addrset *s, u128 a)
{
	size_t lo = 0, hi = s->n, mid;

	/* invariant: iv[0..lo) have lo <= a, iv[hi..n) have lo > a */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->iv[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Nonzero when a is in the (finished) set. */
int
addrset_contains(const struct addrset *s, u128 a)
{
	size_t i = addrset_find(s, a);

	return i != (size_t)-1 && a <= s->iv[i].hi;
}

/* Nonzero when some address of [lo, hi] is in the (finished) set. */
int
addrset_overlaps(const struct addrset *s, u128 lo, u128 hi)
{
	size_t i;

	if (lo > hi) {
		u128 t = lo;

		lo = hi;
		hi = t;
	}
	/* the last interval starting at or before hi reaches furthest */
	i = addrset_find(s, hi);
	return i != (size_t)-1 && s->iv[i].hi >= lo;
}

/* The number of addresses; saturates at U128_MAX (only the whole space). */
u128
addrset_count(const struct addrset *s)
{
	return s->n ? s->cum[s->n - 1] : 0;
}

/* The number of intervals of the (finished) set. */
size_t
addrset_nintervals(const struct addrset *s)
{
	return s->n;
}

/* The i-th interval (i < addrset_nintervals) into *lo and *hi. */
void
addrset_interval(const struct addrset *s, size_t i, u128 *lo, u128 *hi)
{
	*lo = s->iv[i].lo;
	*hi = s->iv[i].hi;
}

/*
 * The i-th address in ascending order (i < addrset_count): the first
 * interval whose prefix sum exceeds i, plus the offset into it.
 */
u128
addrset_nth(const struct addrset *s, u128 i)
{
	size_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->cum[mid] > i)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo == s->n) /* out of range: the contract says i < count */
		return s->n ? s->iv[s->n - 1].hi : 0;
	return s->iv[lo].lo + (i - (lo ? s->cum[lo - 1] : 0));
}
