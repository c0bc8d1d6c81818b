/* expand.c - one record per address, in a seeded permutation order. */
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "nerr.h"
#include "sig.h"
#include "strmap.h"
#include "xalloc.h"

struct group {
	struct addrset *set;
	char *extra; /* "" or ",MEMBERS" ready to write */
	size_t extra_len;
	uint64_t base; /* first permutation element of this group */
	uint64_t count;
};

struct expand {
	struct strmap *index; /* extra -> group number + 1 */
	struct group *group;
	size_t ngroups, cap;
};

struct expand *
expand_new(void)
{
	struct expand *e = xcalloc(1, sizeof(*e));

	e->index = strmap_new();
	return e;
}

void
expand_free(struct expand *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ngroups; i++) {
		addrset_free(e->group[i].set);
		free(e->group[i].extra);
	}
	free(e->group);
	strmap_free(e->index);
	free(e);
}

void
expand_add(struct expand *e, u128 lo, u128 hi, const char *extra)
{
	uintptr_t n = (uintptr_t)strmap_get(e->index, extra);
	struct group *g;
	size_t len;

	if (n == 0) {
		if (e->ngroups == e->cap) {
			e->cap = e->cap ? e->cap * 2 : 4;
			e->group =
			    xreallocarray(e->group, e->cap, sizeof(*e->group));
		}
		g = &e->group[e->ngroups++];
		memset(g, 0, sizeof(*g));
		g->set = addrset_new();
		len = strlen(extra);
		g->extra = xmalloc(len + 2);
		g->extra[0] = ',';
		memcpy(g->extra + 1, extra, len + 1);
		g->extra_len = len ? len + 1 : 0;
		n = e->ngroups;
		strmap_put(e->index, extra, (void *)n);
	}
	addrset_add(e->group[n - 1].set, lo, hi);
}

/* The group holding element x: binary search over the bases. */
static const struct group *
group_of(const struct expand *e, uint64_t x)
{
	size_t lo = 0, hi = e->ngroups - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (e->group[mid].base <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return &e->group[lo];
}

int
expand_run(struct expand *e, uint64_t seed, const struct shard *sh,
    struct addrset *exclude, FILE *out, uint64_t *emitted)
{
	static const char head[] = "{\"type\":\"target\",\"ip\":\"";
	char line[sizeof(head) + ADDR_STRLEN + 2];
	const struct group *g;
	struct perm p;
	uint64_t total = 0, k, n, x;
	size_t i, len;
	u128 c;

	*emitted = 0;
	for (i = 0; i < e->ngroups; i++) {
		addrset_subtract(e->group[i].set, exclude);
		c = addrset_count(e->group[i].set);
		if (c > (u128)(UINT64_MAX - total))
			return NERR_TOOBIG;
		e->group[i].base = total;
		e->group[i].count = (uint64_t)c;
		total += (uint64_t)c;
	}
	if (total == 0)
		return 0;
	perm_init(&p, total, seed);
	memcpy(line, head, sizeof(head) - 1);
	n = shard_size(sh, total);
	for (k = 0; k < n; k++) {
		if ((k & 0xffff) == 0 && (sig_stop || ferror(out)))
			break;
		x = perm_at(&p, shard_pos(sh, k));
		g = e->ngroups == 1 ? e->group : group_of(e, x);
		len = sizeof(head) - 1;
		len += addr_format_raw(
		    addrset_nth(g->set, x - g->base), line + len);
		line[len++] = '"';
		fwrite_unlocked(line, 1, len, out);
		if (g->extra_len)
			fwrite_unlocked(g->extra, 1, g->extra_len, out);
		fwrite_unlocked("}\n", 1, 2, out);
		(*emitted)++;
	}
	if (fflush(out) != 0 || ferror(out))
		return NERR_SYSTEM;
	return 0;
}
