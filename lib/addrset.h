/*
 * addrset.h - sets of addresses as sorted, merged intervals.
 *
 * Built by adding and removing intervals, then finished once; a finished
 * set answers membership, size and "the i-th address" in O(log n) with n
 * the number of intervals (millions are fine: 48 bytes each).
 *
 * Ownership: addrset_new returns a set the caller releases with
 * addrset_free; addrset_free(NULL) is a no-op.  Other functions borrow.
 */
#ifndef NRAY_ADDRSET_H
#define NRAY_ADDRSET_H

#include <stddef.h>

#include "addr.h"

struct addrset;

struct addrset *addrset_new(void);
void addrset_free(struct addrset *s);

/* Adds [lo, hi] (inclusive, lo <= hi).  Unfinishes the set. */
void addrset_add(struct addrset *s, u128 lo, u128 hi);

/* Removes every address of X from S (both are finished first). */
void addrset_subtract(struct addrset *s, struct addrset *x);

/* Sorts and merges; needed before the queries below.  Idempotent. */
void addrset_finish(struct addrset *s);

/* Queries on a finished set. */
int addrset_contains(const struct addrset *s, u128 a);
/* True when some address of [lo, hi] is in the set. */
int addrset_overlaps(const struct addrset *s, u128 lo, u128 hi);
/* Number of addresses (saturates at the maximum u128). */
u128 addrset_count(const struct addrset *s);
size_t addrset_nintervals(const struct addrset *s);
void addrset_interval(const struct addrset *s, size_t i, u128 *lo, u128 *hi);
/* The i-th address in ascending order; i < addrset_count(s). */
u128 addrset_nth(const struct addrset *s, u128 i);

#endif
