/*
 * perm.c - seeded pseudo-random permutations, sharding and seeds.
 *
 * The permutation is a balanced Feistel network on 2k bits (the smallest
 * even power of two 2^(2k) >= n, k >= 1), keyed by PERM_ROUNDS round keys
 * drawn from the seed with splitmix64.  Elements of the larger domain that
 * fall outside [0, n) are skipped by cycle-walking.
 *
 * Cycle-walking terminates: the Feistel network is a permutation of the
 * domain, so the orbit of any start x < n is a cycle that comes back to x;
 * walking along it therefore meets an element below n after at most one
 * full turn.  Taking the first such element is itself a bijection of
 * [0, n) (each element below n has exactly one predecessor-in-range along
 * its cycle).  As the domain is < 4n (2^(2k-2) < n; only n = 1 has a
 * domain of exactly 4n), at most 3 in 4 elements are out of range, so a
 * walk takes at most 4 steps on average (domain / n).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "nerr.h"
#include "perm.h"

/* splitmix64: a well-tested 64-bit mixer; *state advances by the golden
 * ratio each call. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z;

	z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * The Feistel round function: a multiply-xorshift finalizer of (half ^ key).
 * Every output bit depends on every input bit, and the low bits that the
 * caller keeps (via the mask) come from the well-mixed high product bits
 * folded down by the final shift.
 */
static inline uint64_t
perm_round(uint64_t half, uint64_t key)
{
	uint64_t z = half ^ key;

	z = (z ^ (z >> 31)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 29)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 32);
}

/* One forward pass of the network over the 2 * half_bits domain. */
static inline uint64_t
perm_encrypt(const struct perm *p, uint64_t x)
{
	uint64_t l = x >> p->half_bits, r = x & p->half_mask, t;
	int i;

	for (i = 0; i < PERM_ROUNDS; i++) {
		t = l ^ (perm_round(r, p->key[i]) & p->half_mask);
		l = r;
		r = t;
	}
	return (l << p->half_bits) | r;
}

/* The inverse of perm_encrypt: the rounds in reverse order. */
static inline uint64_t
perm_decrypt(const struct perm *p, uint64_t x)
{
	uint64_t l = x >> p->half_bits, r = x & p->half_mask, t;
	int i;

	for (i = PERM_ROUNDS - 1; i >= 0; i--) {
		t = r ^ (perm_round(l, p->key[i]) & p->half_mask);
		r = l;
		l = t;
	}
	return (l << p->half_bits) | r;
}

/*
 * Sets up a permutation of [0, n) keyed by seed.  The Feistel halves are
 * k bits wide with k the smallest k >= 1 such that 2^(2k) >= n; for
 * n > 2^62 that is k = 32 (the whole 64-bit space).
 */
void
perm_init(struct perm *p, uint64_t n, uint64_t seed)
{
	uint64_t st = seed;
	int bits = 0, k, i;

	/* bits = ceil(log2(n)): the width that holds 0 .. n-1 */
	if (n > 1)
		bits = 64 - __builtin_clzll(n - 1);
	k = (bits + 1) / 2;
	if (k < 1)
		k = 1;
	p->n = n;
	p->half_bits = k;
	p->half_mask = (UINT64_C(1) << k) - 1;
	for (i = 0; i < PERM_ROUNDS; i++)
		p->key[i] = splitmix64(&st);
}

/*
 * The element at position i.  Positions outside [0, n) (and any i when
 * n = 0) are returned unchanged instead of walking forever.
 */
uint64_t
perm_at(const struct perm *p, uint64_t i)
{
	uint64_t x = i;

	if (i >= p->n)
		return i;
	do
		x = perm_encrypt(p, x);
	while (x >= p->n);
	return x;
}

/* The position of element x: walks the inverse network backwards. */
uint64_t
perm_pos(const struct perm *p, uint64_t x)
{
	uint64_t i = x;

	if (x >= p->n)
		return x;
	do
		i = perm_decrypt(p, i);
	while (i >= p->n);
	return i;
}

/*
 * Reads a decimal number of at most 20 digits at *sp, advancing *sp past
 * it.  Sets *overflow when it does not fit in 64 bits.  Returns the number
 * of digits read (0: no number here).
 */
static int
perm_read_dec(const char **sp, uint64_t *out, int *overflow)
{
	const char *s = *sp;
	uint64_t v = 0;
	int nd = 0;

	*overflow = 0;
	for (; *s >= '0' && *s <= '9'; s++, nd++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			*overflow = 1;
		else
			v = v * 10 + d;
	}
	*sp = s;
	*out = v;
	return nd;
}

#define SHARD_MAX (UINT64_C(1) << 32)

/*
 * Parses "I/N" with 1 <= I <= N <= 2^32, decimal digits only (no signs,
 * no spaces).  On success fills *sh (index I-1, count N) and returns 0.
 * Otherwise returns NERR_PARSE (not of the form I/N) or NERR_RANGE (a
 * number out of bounds) and, when why is not NULL, points *why at a static
 * reason.
 */
int
shard_parse(const char *s, struct shard *sh, const char **why)
{
	const char *reason = NULL, *p = s;
	uint64_t i, n;
	int ovi, ovn, r = NERR_PARSE;

	if (s == NULL || *s == '\0') {
		reason = "empty shard: expected I/N";
		goto out;
	}
	if (*p == '/') {
		reason = "missing shard index before '/': expected I/N";
		goto out;
	}
	if (perm_read_dec(&p, &i, &ovi) == 0 || *p != '/') {
		reason = "expected I/N (e.g. 1/4)";
		goto out;
	}
	p++;
	if (*p == '\0') {
		reason = "missing shard count after '/': expected I/N";
		goto out;
	}
	if (perm_read_dec(&p, &n, &ovn) == 0 || *p != '\0') {
		reason = "expected I/N (e.g. 1/4)";
		goto out;
	}
	r = NERR_RANGE;
	if (ovn || n > SHARD_MAX) {
		reason = "shard count above 2^32";
		goto out;
	}
	if (n == 0) {
		reason = "shard count 0: need at least 1 shard";
		goto out;
	}
	if (ovi == 0 && i == 0) {
		reason = "shard index 0: shards count from 1";
		goto out;
	}
	if (ovi || i > n) {
		reason = "shard index greater than shard count";
		goto out;
	}
	sh->index = i - 1;
	sh->count = n;
	r = 0;
out:
	if (r != 0 && why != NULL)
		*why = reason;
	return r;
}

/* The number of positions index, index + count, ... below n. */
uint64_t
shard_size(const struct shard *sh, uint64_t n)
{
	if (sh->count == 0 || sh->index >= n)
		return 0;
	return (n - 1 - sh->index) / sh->count + 1;
}

/* Nonzero when the shard owns (addr, port): perm_hash mod count. */
int
shard_owns(const struct shard *sh, uint64_t seed, u128 addr, int port)
{
	if (sh->count <= 1)
		return sh->count == 1;
	return perm_hash(seed, addr, port) % sh->count == sh->index;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3)                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

/* Tweak for the second SipHash key word ("nrayhash" in ASCII). */
#define PERM_HASH_TWEAK UINT64_C(0x6e72617968617368)

/*
 * SipHash-2-4 with key (k0 = seed, k1 = seed ^ PERM_HASH_TWEAK) over the
 * 24-byte message made of three little-endian 64-bit words: the high and
 * the low half of the address, then the port (as an unsigned 32-bit value).
 * The definition is fixed: shards on different machines (and versions)
 * must agree on it.
 */
uint64_t
perm_hash(uint64_t seed, u128 addr, int port)
{
	uint64_t k0 = seed, k1 = seed ^ PERM_HASH_TWEAK;
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m[4];
	int i;

	m[0] = (uint64_t)(addr >> 64);
	m[1] = (uint64_t)addr;
	m[2] = (uint32_t)port;
	m[3] = UINT64_C(24) << 56; /* the final block: only the length */
	for (i = 0; i < 4; i++) {
		v3 ^= m[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Fills *out with 8 bytes from getrandom(2); 0 or NERR_SYSTEM. */
static int
seed_random(uint64_t *out)
{
	unsigned char buf[8];
	size_t got = 0;
	ssize_t r;

	while (got < sizeof(buf)) {
		r = getrandom(buf + got, sizeof(buf) - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return NERR_SYSTEM;
		}
		got += (size_t)r;
	}
	memcpy(out, buf, sizeof(*out));
	return 0;
}

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses a seed: decimal digits or 0x followed by hex digits, up to
 * 2^64 - 1, or "random" (8 bytes from getrandom(2)).  No signs or spaces.
 * Returns 0 and sets *seed, or NERR_PARSE (not a number), NERR_RANGE (above
 * 2^64 - 1) or NERR_SYSTEM (getrandom failed; errno says why).
 */
int
seed_parse(const char *s, uint64_t *seed)
{
	uint64_t v = 0;
	int ov = 0, d, r = NERR_PARSE;
	const char *p;

	if (s == NULL || *s == '\0')
		goto out;
	if (strcmp(s, "random") == 0) {
		r = seed_random(&v);
		if (r == 0)
			*seed = v;
		goto out;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (s[2] == '\0')
			goto out;
		for (p = s + 2; *p != '\0'; p++) {
			if ((d = hexval((unsigned char)*p)) < 0)
				goto out;
			if (v >> 60)
				ov = 1;
			v = (v << 4) | (uint64_t)d;
		}
	} else {
		p = s;
		if (perm_read_dec(&p, &v, &ov) == 0 || *p != '\0')
			goto out;
	}
	if (ov) {
		r = NERR_RANGE;
		goto out;
	}
	*seed = v;
	r = 0;
out:
	return r;
}
