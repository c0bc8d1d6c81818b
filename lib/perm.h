/*
 * perm.h - seeded pseudo-random permutations, sharding and seeds.
 *
 * perm_at() maps a position i in [0, n) to a distinct element of [0, n):
 * a keyed Feistel network on the smallest even power of two >= n, with
 * cycle-walking.  Constant memory; n up to 2^64 - 1.  The position is the
 * resume point: perm_at(i) for i = pos .. n-1 finishes what was started.
 *
 * Shards (--shard I/N) take positions I-1, I-1+N, I-1+2N, ... of a
 * permutation: disjoint and together complete for the same n and seed.
 * For streamed elements whose positions are not known in advance,
 * shard_owns() decides by a keyed hash of (address, port) instead.
 */
#ifndef NRAY_PERM_H
#define NRAY_PERM_H

#include <stdint.h>

#include "addr.h"

#define PERM_ROUNDS  6
#define SEED_DEFAULT UINT64_C(0x6e72617964656661) /* fixed: shards agree */

struct perm {
	uint64_t n;         /* size of the domain */
	uint64_t half_mask; /* mask of one Feistel half */
	int half_bits;
	uint64_t key[PERM_ROUNDS];
};

/* Sets up a permutation of [0, n) keyed by seed.  n may be 0 (empty). */
void perm_init(struct perm *p, uint64_t n, uint64_t seed);

/* The element at position i (i < n; any other i is returned unchanged). */
uint64_t perm_at(const struct perm *p, uint64_t i);

/* The position of element x (x < n): the inverse of perm_at. */
uint64_t perm_pos(const struct perm *p, uint64_t x);

struct shard {
	uint64_t index; /* 0-based: I-1 */
	uint64_t count; /* N >= 1 */
};

/* Parses "I/N" (1 <= I <= N); 0, or NERR_PARSE/NERR_RANGE with *why. */
int shard_parse(const char *s, struct shard *sh, const char **why);

/* The number of positions of [0, n) that belong to the shard. */
uint64_t shard_size(const struct shard *sh, uint64_t n);

/* The k-th position of the shard: index + k * count. */
static inline uint64_t
shard_pos(const struct shard *sh, uint64_t k)
{
	return sh->index + k * sh->count;
}

/* Keyed-hash sharding for streamed (address, port) pairs. */
int shard_owns(const struct shard *sh, uint64_t seed, u128 addr, int port);

/*
 * Parses a seed: a decimal or 0x number, or "random" (fresh from the
 * kernel).  0, or NERR_PARSE / NERR_RANGE / NERR_SYSTEM.
 */
int seed_parse(const char *s, uint64_t *seed);

/*
 * A keyed 64-bit hash of (addr, port): exactly SipHash-2-4 with the key
 * (seed, seed ^ 0x6e72617968617368) over le64(addr >> 64) || le64(addr) ||
 * le64((uint32_t)port).  Shards on different machines rely on this
 * definition: never change it.
 */
uint64_t perm_hash(uint64_t seed, u128 addr, int port);

#endif
