/*
 * expand.h - --expand: every address once, in one seeded permutation.
 *
 * Address targets are gathered into groups of equal extra fields (a
 * record's members other than type and its address field, e.g. "port" or
 * "src"), each group an address set, so duplicates merge and every record
 * keeps what an earlier stage wrote.  The permutation runs over the
 * concatenated groups: memory grows with the number of intervals and
 * groups, not addresses.
 *
 * Ownership: expand_new returns an object released with expand_free.
 */
#ifndef NRAY_EXPAND_H
#define NRAY_EXPAND_H

#include <stdint.h>
#include <stdio.h>

#include "addrset.h"
#include "perm.h"

struct expand;

struct expand *expand_new(void);
void expand_free(struct expand *e);

/*
 * Adds [lo, hi] to the group of EXTRA: the JSON members to write after
 * the address, without braces ("" for none; copied).
 */
void expand_add(struct expand *e, u128 lo, u128 hi, const char *extra);

/*
 * Writes shard SH of the permutation keyed by SEED to OUT, one target
 * record per address not in EXCLUDE, until done or sig_stop.  *emitted
 * counts the records.  0, NERR_TOOBIG (more than 2^64 - 1 addresses) or
 * NERR_SYSTEM (a write failed; errno says why).
 */
int expand_run(struct expand *e, uint64_t seed, const struct shard *sh,
    struct addrset *exclude, FILE *out, uint64_t *emitted);

#endif
