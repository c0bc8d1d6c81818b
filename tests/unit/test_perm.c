/*
 * test_perm.c - permutations, shards, seeds and the keyed hash.
 */
#include <errno.h>
#include <stdlib.h>

#include "nerr.h"
#include "perm.h"
#include "tap.h"

static const uint64_t seeds[] = {0, SEED_DEFAULT, UINT64_C(0xdeadbeef12345678)};
#define NSEEDS (sizeof(seeds) / sizeof(seeds[0]))

/* A small deterministic generator for test inputs (xorshift64*). */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

/* Sets bit x; returns its previous value. */
static int
bit_set(unsigned char *bm, uint64_t x)
{
	int was = (bm[x >> 3] >> (x & 7)) & 1;

	bm[x >> 3] |= (unsigned char)(1u << (x & 7));
	return was;
}

/* The SipHash values were computed independently with OpenSSL 3:
 * openssl mac -macopt hexkey:K -macopt size:8 -in MSG SIPHASH, with
 * K = le64(seed) le64(seed ^ 0x6e72617968617368) and
 * MSG = le64(addr >> 64) le64(addr & (2^64-1)) le64(port), read back as a
 * little-endian number. */
static void
test_hash(void)
{
	u128 v6 = ((u128)UINT64_C(0x20010db800000000) << 64) | 1;

	ok(perm_hash(0, 0, 0) == UINT64_C(0x65c198d613f7c232),
	    "perm_hash: SipHash-2-4 of zeros matches OpenSSL");
	ok(perm_hash(SEED_DEFAULT, addr_from_v4(0xc0000201), 443) ==
	        UINT64_C(0x2f9f7346e4e560a3),
	    "perm_hash: default seed, 192.0.2.1:443 matches OpenSSL");
	ok(perm_hash(UINT64_C(0x0123456789abcdef), v6, 65535) ==
	        UINT64_C(0xcfe8029362e33dee),
	    "perm_hash: 2001:db8::1 port 65535 matches OpenSSL");
	ok(perm_hash(UINT64_MAX, ~(u128)0, 1) == UINT64_C(0x58e4f6a1312f9984),
	    "perm_hash: all-ones seed and address matches OpenSSL");
	ok(perm_hash(1, 0, 0) != perm_hash(2, 0, 0),
	    "perm_hash: the seed changes the hash");
	ok(perm_hash(1, 5, 80) != perm_hash(1, 5, 81),
	    "perm_hash: the port changes the hash");
}

/* perm_at is a bijection of [0, n) and perm_pos its inverse. */
static void
test_bijection(void)
{
	static const uint64_t ns[] = {0, 1, 2, 3, 4, 5, 7, 8, 100, 1000, 65535,
	    65536, 65537, 1 << 20, 3 * 65536};
	size_t a, b;

	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		for (b = 0; b < NSEEDS; b++) {
			uint64_t n = ns[a], i, x, bad_range = 0, dups = 0,
			         bad_inv = 0;
			unsigned char *bm = calloc(n / 8 + 1, 1);
			struct perm p;

			perm_init(&p, n, seeds[b]);
			for (i = 0; i < n; i++) {
				x = perm_at(&p, i);
				if (x >= n) {
					bad_range++;
					continue;
				}
				dups += bit_set(bm, x);
				if (perm_pos(&p, x) != i)
					bad_inv++;
			}
			ok(bad_range == 0 && dups == 0 && bad_inv == 0,
			    "perm n=%" PRIu64 " seed %#" PRIx64
			    ": bijection, perm_pos inverts"
			    " (out of range %" PRIu64 ", dups %" PRIu64
			    ", bad inverse %" PRIu64 ")",
			    n, seeds[b], bad_range, dups, bad_inv);
			free(bm);
		}
	}
}

static void
test_seeds_differ(void)
{
	struct perm p1, p2, p3;
	uint64_t i, same12 = 0, same13 = 0, n = 1000;

	perm_init(&p1, n, 1);
	perm_init(&p2, n, 1);
	perm_init(&p3, n, 2);
	for (i = 0; i < n; i++) {
		same12 += perm_at(&p1, i) == perm_at(&p2, i);
		same13 += perm_at(&p1, i) == perm_at(&p3, i);
	}
	is_int(same12, n, "perm: same seed, same order");
	/* a random pair of permutations agrees in ~1 place */
	ok(same13 < 10, "perm: seeds 1 and 2 differ (%" PRIu64 " agree)",
	    same13);
	ok(perm_at(&p1, 0) != 0 || perm_at(&p1, 1) != 1 || perm_at(&p1, 2) != 2,
	    "perm: not the identity");
}

/* Domains too large to walk: spot-check the inverse. */
static void
test_large(void)
{
	static const uint64_t ns[] = {UINT64_C(1) << 40,
	    (UINT64_C(1) << 62) + 1, UINT64_C(1) << 63, UINT64_MAX - 1,
	    UINT64_MAX};
	size_t a;
	int k;

	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		uint64_t n = ns[a], bad = 0, i, x;
		struct perm p;

		perm_init(&p, n, SEED_DEFAULT);
		for (k = 0; k < 100000; k++) {
			i = rng() % n;
			x = perm_at(&p, i);
			if (x >= n || perm_pos(&p, x) != i)
				bad++;
		}
		is_int(bad, 0,
		    "perm n=%#" PRIx64
		    ": 10^5 random perm_pos(perm_at(i)) == i",
		    n);
	}
	{
		struct perm p;

		perm_init(&p, UINT64_MAX, 7);
		is_int(p.half_bits, 32, "perm n=2^64-1: half_bits 32");
		perm_init(&p, UINT64_C(1) << 62, 7);
		is_int(p.half_bits, 31, "perm n=2^62: half_bits 31");
		perm_init(&p, 5, 7);
		is_int(p.half_bits, 2, "perm n=5: half_bits 2 (domain 16)");
		perm_init(&p, 0, 7);
		is_int(p.half_bits, 1, "perm n=0: half_bits 1");
		is_int(perm_at(&p, 0), 0, "perm n=0: perm_at(0) returns 0");
		perm_init(&p, 10, 7);
		is_int(
		    perm_at(&p, 12), 12, "perm: i >= n comes back unchanged");
		is_int(perm_pos(&p, 12), 12,
		    "perm_pos: x >= n comes back unchanged");
	}
}

/* The start of a big permutation is spread over the space. */
static void
test_spread(void)
{
	struct perm p;
	unsigned char *bm = calloc(65536 / 8, 1);
	uint64_t i, x, prev = 0, ascents = 0, distinct = 0;

	perm_init(&p, UINT64_C(1) << 32, SEED_DEFAULT);
	for (i = 0; i < 1000; i++) {
		x = perm_at(&p, i);
		if (i > 0 && x > prev)
			ascents++;
		prev = x;
		distinct += !bit_set(bm, x >> 16);
	}
	/* a random order has ~500 ascents of 999 and ~992 distinct /16s */
	ok(ascents > 400 && ascents < 600,
	    "perm 2^32: first 1000 not sorted (%" PRIu64 " ascents)", ascents);
	ok(distinct >= 950, "perm 2^32: first 1000 hit %" PRIu64 " /16s",
	    distinct);
	free(bm);
}

/* Pins the exact order: shards on other machines and versions depend on
 * it.  A change here breaks --seed/--shard/--resume compatibility. */
static void
test_golden(void)
{
	static const uint64_t want[] = {0xf759874e, 0x6a0d1085, 0x0fb3fc24,
	    0x3a7f7d07, 0x12275bcd, 0x0f9618de, 0x9ba98de4, 0x55a2679f};
	struct perm p;
	size_t i;
	int good = 1;

	perm_init(&p, UINT64_C(1) << 32, SEED_DEFAULT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t got = perm_at(&p, i);

		if (got != want[i]) {
			printf("#   perm_at(%zu) = %#" PRIx64 ", want %#" PRIx64
			       "\n",
			    i, got, want[i]);
			good = 0;
		}
	}
	ok(good, "perm 2^32 default seed: the first elements are unchanged");
}

/* The union of shards 1/N .. N/N over a /16 x 3 ports is everything,
 * once. */
static void
test_shard_union(void)
{
	static const uint64_t counts[] = {1, 2, 3, 7, 64};
	const uint64_t n = 65536 * 3;
	size_t a, b;

	for (a = 0; a < sizeof(counts) / sizeof(counts[0]); a++) {
		for (b = 0; b < NSEEDS; b++) {
			unsigned char *bm = calloc(n / 8 + 1, 1);
			uint64_t total = 0, dups = 0, bad = 0, k, x, sz;
			struct shard sh;
			struct perm p;

			perm_init(&p, n, seeds[b]);
			sh.count = counts[a];
			for (sh.index = 0; sh.index < sh.count; sh.index++) {
				sz = shard_size(&sh, n);
				for (k = 0; k < sz; k++) {
					uint64_t pos = shard_pos(&sh, k);

					if (pos >= n) {
						bad++;
						continue;
					}
					x = perm_at(&p, pos);
					if (x >= n) {
						bad++;
						continue;
					}
					dups += bit_set(bm, x);
					total++;
				}
			}
			ok(total == n && dups == 0 && bad == 0,
			    "shards 1..%" PRIu64 "/%" PRIu64 " seed %#" PRIx64
			    ": union is /16 x 3 ports once (total %" PRIu64
			    ", dups %" PRIu64 ", out of range %" PRIu64 ")",
			    counts[a], counts[a], seeds[b], total, dups, bad);
			free(bm);
		}
	}
}

static void
test_shard_size(void)
{
	struct shard sh = {0, 3};

	is_int(shard_size(&sh, 10), 4, "shard_size 1/3 of 10");
	sh.index = 2;
	is_int(shard_size(&sh, 10), 3, "shard_size 3/3 of 10");
	is_int(shard_size(&sh, 2), 0, "shard_size 3/3 of 2");
	is_int(shard_size(&sh, 3), 1, "shard_size 3/3 of 3");
	is_int(shard_size(&sh, 0), 0, "shard_size of 0");
	sh.index = 0;
	sh.count = 1;
	ok(shard_size(&sh, UINT64_MAX) == UINT64_MAX, "shard_size 1/1 of max");
	sh.index = (UINT64_C(1) << 32) - 1;
	sh.count = UINT64_C(1) << 32;
	/* the last position, 2^64 - 1, is not below n */
	ok(shard_size(&sh, UINT64_MAX) == (UINT64_C(1) << 32) - 1,
	    "shard_size 2^32/2^32 of 2^64-1");
	ok(shard_size(&sh, 0) == 0, "shard_size 2^32/2^32 of 0");
	is_int(shard_pos(&sh, 3), (UINT64_C(1) << 32) * 4 - 1,
	    "shard_pos 2^32/2^32 k=3");
}

/* Keyed-hash shards: every pair in exactly one shard, sizes balanced. */
static void
test_shard_owns(void)
{
	static const uint64_t counts[] = {2, 5, 16};
	const int npairs = 200000;
	size_t a;

	for (a = 0; a < sizeof(counts) / sizeof(counts[0]); a++) {
		uint64_t sizes[16] = {0}, badown = 0, min, max;
		struct shard sh;
		int k;

		sh.count = counts[a];
		for (k = 0; k < npairs; k++) {
			/* 10.1.0.0/16 x ports 1..4, then v6 */
			u128 addr = k < 65536 * 3
			    ? addr_from_v4(0x0a010000 | (uint32_t)(k & 0xffff))
			    : ((u128)UINT64_C(0x20010db8) << 96) | (u128)k;
			int port = k < 65536 * 3 ? 1 + k / 65536 : 443;
			int owners = 0;

			for (sh.index = 0; sh.index < sh.count; sh.index++) {
				if (shard_owns(&sh, SEED_DEFAULT, addr, port)) {
					owners++;
					sizes[sh.index]++;
				}
			}
			badown += owners != 1;
		}
		min = max = sizes[0];
		for (sh.index = 1; sh.index < sh.count; sh.index++) {
			if (sizes[sh.index] < min)
				min = sizes[sh.index];
			if (sizes[sh.index] > max)
				max = sizes[sh.index];
		}
		is_int(badown, 0,
		    "shard_owns N=%" PRIu64 ": each pair owned exactly once",
		    counts[a]);
		ok(min * 100 >= (uint64_t)npairs / sh.count * 95 &&
		        max * 100 <= (uint64_t)npairs / sh.count * 105,
		    "shard_owns N=%" PRIu64 ": sizes within 5%% (%" PRIu64
		    "..%" PRIu64 ")",
		    counts[a], min, max);
	}
	{
		struct shard one = {0, 1};

		ok(shard_owns(&one, 3, 4, 5), "shard_owns 1/1 owns everything");
	}
}

static void
shard_bad(const char *s, int code, const char *why_want)
{
	struct shard sh = {77, 88};
	const char *why = NULL;

	is_int(shard_parse(s, &sh, &why), code, "shard_parse \"%s\" fails", s);
	is_str(why, why_want, "shard_parse \"%s\" says why", s);
	ok(sh.index == 77 && sh.count == 88, "shard_parse \"%s\": untouched",
	    s);
}

static void
test_shard_parse(void)
{
	struct shard sh;
	const char *why = NULL;

	is_int(shard_parse("1/4", &sh, &why), 0, "shard_parse 1/4");
	ok(sh.index == 0 && sh.count == 4, "shard_parse 1/4: index 0 count 4");
	is_int(shard_parse("4/4", &sh, &why), 0, "shard_parse 4/4");
	ok(sh.index == 3 && sh.count == 4, "shard_parse 4/4: index 3 count 4");
	is_int(shard_parse("1/1", &sh, NULL), 0, "shard_parse 1/1");
	is_int(shard_parse("4294967296/4294967296", &sh, &why), 0,
	    "shard_parse 2^32/2^32");
	ok(sh.index == UINT64_C(4294967295) && sh.count == UINT64_C(1) << 32,
	    "shard_parse 2^32/2^32: values");
	is_int(
	    shard_parse("007/010", &sh, &why), 0, "shard_parse leading zeros");
	ok(sh.index == 6 && sh.count == 10, "shard_parse 007/010: 6, 10");

	shard_bad("0/4", NERR_RANGE, "shard index 0: shards count from 1");
	shard_bad("5/4", NERR_RANGE, "shard index greater than shard count");
	shard_bad("1/0", NERR_RANGE, "shard count 0: need at least 1 shard");
	shard_bad("0/0", NERR_RANGE, "shard count 0: need at least 1 shard");
	shard_bad("1/4294967297", NERR_RANGE, "shard count above 2^32");
	shard_bad(
	    "1/99999999999999999999999", NERR_RANGE, "shard count above 2^32");
	shard_bad("99999999999999999999999/4", NERR_RANGE,
	    "shard index greater than shard count");
	shard_bad(
	    "1/", NERR_PARSE, "missing shard count after '/': expected I/N");
	shard_bad(
	    "/3", NERR_PARSE, "missing shard index before '/': expected I/N");
	shard_bad("", NERR_PARSE, "empty shard: expected I/N");
	shard_bad("x", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("3", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("1/4x", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("1/4/5", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("-1/4", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("+1/4", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad(" 1/4", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("1/ 4", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("1/4 ", NERR_PARSE, "expected I/N (e.g. 1/4)");
	shard_bad("1/-4", NERR_PARSE, "expected I/N (e.g. 1/4)");
}

static void
seed_ok(const char *s, uint64_t want)
{
	uint64_t v = 12345;

	is_int(seed_parse(s, &v), 0, "seed_parse \"%s\"", s);
	ok(v == want, "seed_parse \"%s\" = %#" PRIx64 " (got %#" PRIx64 ")", s,
	    want, v);
}

static void
seed_bad(const char *s, int code)
{
	uint64_t v = 12345;

	is_int(seed_parse(s, &v), code, "seed_parse \"%s\" fails", s);
	is_int(v, 12345, "seed_parse \"%s\": untouched", s);
}

static void
test_seed_parse(void)
{
	uint64_t a = 0, b = 0;
	int r1, r2;

	seed_ok("0", 0);
	seed_ok("42", 42);
	seed_ok("18446744073709551615", UINT64_MAX);
	seed_ok("0x0", 0);
	seed_ok("0xDeadBeef", 0xdeadbeef);
	seed_ok("0XFFFFFFFFFFFFFFFF", UINT64_MAX);
	seed_ok("0x00000000000000000001", 1);
	seed_ok("000123", 123);
	seed_bad("18446744073709551616", NERR_RANGE);
	seed_bad("99999999999999999999999", NERR_RANGE);
	seed_bad("0x10000000000000000", NERR_RANGE);
	seed_bad("", NERR_PARSE);
	seed_bad("0x", NERR_PARSE);
	seed_bad("x", NERR_PARSE);
	seed_bad("0xg", NERR_PARSE);
	seed_bad("-1", NERR_PARSE);
	seed_bad("+1", NERR_PARSE);
	seed_bad(" 1", NERR_PARSE);
	seed_bad("1 ", NERR_PARSE);
	seed_bad("12a", NERR_PARSE);
	seed_bad("Random", NERR_PARSE);
	seed_bad("random ", NERR_PARSE);

	r1 = seed_parse("random", &a);
	r2 = seed_parse("random", &b);
	if (r1 == NERR_SYSTEM && errno == ENOSYS) {
		printf("ok %d # SKIP getrandom(2) not available\n", ++tap_n);
	} else {
		ok(r1 == 0 && r2 == 0 && a != b,
		    "seed_parse random: two fresh seeds differ");
	}
}

int
main(void)
{
	test_hash();
	test_bijection();
	test_seeds_differ();
	test_large();
	test_spread();
	test_golden();
	test_shard_union();
	test_shard_size();
	test_shard_owns();
	test_shard_parse();
	test_seed_parse();
	return done_testing();
}
