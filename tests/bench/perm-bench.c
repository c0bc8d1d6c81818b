/*
 * perm-bench.c - times perm_at over 10^8 positions of n = 2^32 (the hot
 * path of expanding 0.0.0.0/0) and prints the cost per call.  Not a test:
 * run by hand, e.g.
 *   cc -std=gnu11 -O2 -D_GNU_SOURCE -Ilib -o build/perm-bench \
 *       tests/bench/perm-bench.c build/libnray.a && build/perm-bench
 * Optional arguments: CALLS and N (defaults 100000000 and 2^32).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "perm.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	uint64_t calls = 100000000, n = UINT64_C(1) << 32, i, sum = 0;
	struct shard sh = {0, 64};
	struct perm p;
	double t0, t1;

	if (argc > 1)
		calls = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		n = strtoull(argv[2], NULL, 0);
	if (calls > n)
		calls = n; /* positions 0 .. calls-1, no modulo in the loop */
	if (calls < 10)
		calls = 10;
	perm_init(&p, n, SEED_DEFAULT);

	t0 = now();
	for (i = 0; i < calls; i++)
		sum += perm_at(&p, i);
	t1 = now();
	/* the sum keeps the compiler from dropping the loop */
	printf("perm_at: n=%" PRIu64 ", %" PRIu64 " calls, %.2f s, %.2f ns/call"
	       " (checksum %016" PRIx64 ")\n",
	    n, calls, t1 - t0, (t1 - t0) * 1e9 / (double)calls, sum);

	t0 = now();
	for (i = 0; i < calls / 10; i++)
		sum += perm_pos(&p, i);
	t1 = now();
	printf(
	    "perm_pos: %.2f ns/call\n", (t1 - t0) * 1e9 / (double)(calls / 10));

	t0 = now();
	for (i = 0; i < calls / 10; i++)
		sum += (uint64_t)shard_owns(
		    &sh, SEED_DEFAULT, addr_from_v4((uint32_t)i), 443);
	t1 = now();
	printf("shard_owns (SipHash-2-4): %.2f ns/call (checksum %016" PRIx64
	       ")\n",
	    (t1 - t0) * 1e9 / (double)(calls / 10), sum);
	return 0;
}
