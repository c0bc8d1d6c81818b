/*
 * test_ports.c - port specifications and the top-ports rankings.
 */
#include <stdlib.h>
#include <string.h>

#include "nerr.h"
#include "ports.h"
#include "tap.h"

/* A spec that must fail with RC and exactly the reason WHY. */
struct bad_case {
	const char *spec;
	int rc;
	const char *why;
};

static const struct bad_case bad_cases[] = {
    {"", NERR_PARSE, "empty port spec"},
    {"   ", NERR_PARSE, "empty port spec"},
    {"\t", NERR_PARSE, "empty port spec"},
    {",", NERR_PARSE, "empty item"},
    {"80,,443", NERR_PARSE, "empty item"},
    {"80,", NERR_PARSE, "empty item"},
    {",80", NERR_PARSE, "empty item"},
    {"80, ,443", NERR_PARSE, "empty item"},
    {"!", NERR_PARSE, "empty item after '!'"},
    {"80,!", NERR_PARSE, "empty item after '!'"},
    {"65536", NERR_RANGE, "port 65536 out of range 0-65535"},
    {"70000", NERR_RANGE, "port 70000 out of range 0-65535"},
    {"99999999999999999999", NERR_RANGE,
        "port 99999999999999999999 out of range 0-65535"},
    {"1-70000", NERR_RANGE, "port 70000 out of range 0-65535"},
    {"70000-", NERR_RANGE, "port 70000 out of range 0-65535"},
    {"-65536", NERR_RANGE, "port 65536 out of range 0-65535"},
    {"123456789012345678901234567890123456789012345678901234567890", NERR_RANGE,
        "port 1234567890123456789012345678901234567890... out of range "
        "0-65535"},
    {"900-800", NERR_RANGE, "inverted range 900-800"},
    {"-0", NERR_RANGE, "inverted range 1-0"},
    {"-", NERR_PARSE, "range '-' has no bounds"},
    {"--5", NERR_PARSE, "bad port or range '--5'"},
    {"1--5", NERR_PARSE, "bad port or range '1--5'"},
    {"1-2-3", NERR_PARSE, "bad port or range '1-2-3'"},
    {"80a", NERR_PARSE, "bad port or range '80a'"},
    {"8 0", NERR_PARSE, "bad port or range '8 0'"},
    {"80 -90", NERR_PARSE, "bad port or range '80 -90'"},
    {"0x50", NERR_PARSE, "bad port or range '0x50'"},
    {"+80", NERR_PARSE, "unknown item '+80'"},
    {"foo", NERR_PARSE, "unknown item 'foo'"},
    {"http", NERR_PARSE, "unknown item 'http'"},
    {"22,ssh", NERR_PARSE, "unknown item 'ssh'"},
    {"alll", NERR_PARSE, "unknown item 'alll'"},
    {"al", NERR_PARSE, "unknown item 'al'"},
    {"!!25", NERR_PARSE, "unknown item '!25'"},
    {"\x01\xff", NERR_PARSE, "unknown item '\\x01\\xff'"},
    {"80\n", NERR_PARSE, "bad port or range '80\\x0a'"},
    {"a\\b", NERR_PARSE, "unknown item 'a\\x5cb'"},
    {"top", NERR_PARSE, "unknown item 'top' (top needs a number, e.g. top100)"},
    {"topx", NERR_PARSE,
        "unknown item 'topx' (top needs a number, e.g. top100)"},
    {"top10x", NERR_PARSE,
        "unknown item 'top10x' (top needs a number, e.g. top100)"},
    {"top-5", NERR_PARSE,
        "unknown item 'top-5' (top needs a number, e.g. top100)"},
    {"top 10", NERR_PARSE,
        "unknown item 'top 10' (top needs a number, e.g. top100)"},
    {"top0", NERR_RANGE, "top0 selects no ports (the smallest is top1)"},
    {"TOP000", NERR_RANGE, "top0 selects no ports (the smallest is top1)"},
    {"!25", NERR_EMPTY, "no ports left after exclusions"},
    {"!1-65535", NERR_EMPTY, "no ports left after exclusions"},
    {"all,!all", NERR_EMPTY, "no ports left after exclusions"},
    {"80,!80", NERR_EMPTY, "no ports left after exclusions"},
    {"!80,80", NERR_EMPTY, "no ports left after exclusions"},
    {"top10,!top10", NERR_EMPTY, "no ports left after exclusions"},
};

/* Parses SPEC, expecting success; NULL after a failed test. */
static struct ports *
parse_ok(const char *spec, enum ports_proto proto)
{
	struct ports *p = NULL;
	const char *why = NULL;
	int rc = ports_parse(spec, proto, &p, &why);

	if (!ok(rc == 0 && p != NULL, "'%s' parses", spec))
		printf("#   rc %d, why \"%s\"\n", rc, why ? why : "(null)");
	return rc == 0 ? p : NULL;
}

/* Checks that SPEC gives exactly the N ports in WANT. */
static void
expect_ports(const char *spec, const uint16_t *want, size_t n)
{
	struct ports *p = parse_ok(spec, PORTS_TCP);
	size_t i;

	if (p == NULL)
		return;
	is_int(p->n, n, "'%s': %zu ports", spec, n);
	for (i = 0; i < n && i < p->n; i++)
		if (p->port[i] != want[i])
			break;
	if (!ok(i == n && p->n == n, "'%s': exact ports in order", spec))
		printf("#   first difference at index %zu\n", i);
	ports_free(p);
}

/* Checks that SPEC gives the contiguous range LO-HI. */
static void
expect_range(const char *spec, enum ports_proto proto, unsigned lo, unsigned hi)
{
	struct ports *p = parse_ok(spec, proto);
	size_t i;

	if (p == NULL)
		return;
	is_int(p->n, hi - lo + 1, "'%s': %u ports", spec, hi - lo + 1);
	for (i = 0; i < p->n; i++)
		if (p->port[i] != lo + i)
			break;
	ok(i == p->n, "'%s': exactly %u-%u", spec, lo, hi);
	ports_free(p);
}

static int
is_sorted_unique(const struct ports *p)
{
	for (size_t i = 1; i < p->n; i++)
		if (p->port[i - 1] >= p->port[i])
			return 0;
	return 1;
}

static void
test_bad(void)
{
	size_t nbad = sizeof(bad_cases) / sizeof(bad_cases[0]);

	for (size_t i = 0; i < nbad; i++) {
		const struct bad_case *c = &bad_cases[i];
		struct ports *p = (struct ports *)&p; /* must be NULLed */
		const char *why = NULL;
		int rc = ports_parse(c->spec, PORTS_TCP, &p, &why);

		is_int(rc, c->rc, "bad case %zu: rc %s", i, nerr_str(c->rc));
		ok(p == NULL, "bad case %zu: *out is NULL", i);
		is_str(why, c->why, "bad case %zu: reason", i);
	}
}

static void
test_good(void)
{
	static const uint16_t web[] = {80, 443, 8080};
	static const uint16_t dup[] = {22, 25, 80, 81, 82, 83, 443};
	static const uint16_t zero[] = {0};
	static const uint16_t zero_two[] = {0, 1, 2};
	static const uint16_t max[] = {65535};
	static const uint16_t excl[] = {20, 21, 23, 24, 25};
	static const uint16_t one[] = {1};

	expect_ports("80,443,8080", web, 3);
	expect_ports("8080,443,80", web, 3);
	expect_ports("  80 ,\t443\t, 8080  ", web, 3);
	expect_ports("443,80,8080,80,443", web, 3);
	expect_ports("80-83,22,443,25,81,82-83,22", dup, 7);
	expect_ports("0", zero, 1);
	expect_ports("0-2", zero_two, 3);
	expect_ports("00080,0443,8080", web, 3);
	expect_ports("65535", max, 1);
	expect_ports("65535-65535", max, 1);
	expect_ports("65535-", max, 1);
	expect_ports("-1", one, 1);
	expect_ports("20-25,!22", excl, 5);
	expect_ports("!22,20-25", excl, 5);
	expect_ports("20-25,!22-22,! 22", excl, 5);
	expect_range("-1024", PORTS_TCP, 1, 1024);
	expect_range("60000-", PORTS_TCP, 60000, 65535);
	expect_range("0-", PORTS_UDP, 0, 65535);
	expect_range("1-65535", PORTS_TCP, 1, 65535);
	expect_range("all", PORTS_TCP, 1, 65535);
	expect_range("ALL", PORTS_UDP, 1, 65535);
	expect_range(" All ", PORTS_TCP, 1, 65535);
	expect_range("all,0", PORTS_TCP, 0, 65535);
	expect_range("100-200,!150-200,150-160,!155-160", PORTS_TCP, 100, 149);
	/* Ranges at and across 64-bit word edges of the bitmap. */
	expect_range("63-64", PORTS_TCP, 63, 64);
	expect_range("64-127", PORTS_TCP, 64, 127);
	expect_range("0-63", PORTS_TCP, 0, 63);
	expect_range("127-129", PORTS_TCP, 127, 129);
	expect_range("65472-65535", PORTS_TCP, 65472, 65535);
	expect_range("65471-65535,!65535", PORTS_TCP, 65471, 65534);
	expect_range("130-1000,!1-129,!200-1000,1-1", PORTS_TCP, 130, 199);
}

static void
test_all_but(void)
{
	struct ports *p = parse_ok("all,!25", PORTS_TCP);

	if (p == NULL)
		return;
	is_int(p->n, 65534, "all,!25: 65534 ports");
	ok(!ports_contains(p, 25), "all,!25: no 25");
	ok(!ports_contains(p, 0), "all,!25: no 0 (port 0 only explicitly)");
	ok(ports_contains(p, 24) && ports_contains(p, 26), "all,!25: 24, 26");
	ok(ports_contains(p, 1) && ports_contains(p, 65535),
	    "all,!25: 1 and 65535");
	ok(is_sorted_unique(p), "all,!25: ascending, unique");
	ports_free(p);
}

/* topN for PROTO: N ports, unique, exactly the first N of the ranking. */
static void
test_top_n(enum ports_proto proto, const char *spec, size_t n)
{
	const char *name = proto == PORTS_UDP ? "udp" : "tcp";
	size_t rlen, i;
	const uint16_t *rank = ports_ranking(proto, &rlen);
	struct ports *p = parse_ok(spec, proto);

	if (p == NULL)
		return;
	is_int(p->n, n, "%s %s: exactly %zu ports", name, spec, n);
	ok(is_sorted_unique(p), "%s %s: ascending, unique", name, spec);
	ok(ports_contains(p, rank[0]), "%s %s: holds the first ranked (%u)",
	    name, spec, rank[0]);
	for (i = 0; i < n && i < rlen; i++)
		if (!ports_contains(p, rank[i]))
			break;
	ok(i == n, "%s %s: holds ranks 1..%zu", name, spec, n);
	if (n < rlen)
		ok(!ports_contains(p, rank[n]), "%s %s: not rank %zu (%u)",
		    name, spec, n + 1, rank[n]);
	ports_free(p);
}

static void
test_top(void)
{
	struct ports *p = NULL;
	const char *why = NULL;
	char spec[64], want[128];
	size_t tlen, ulen;
	int rc;

	ports_ranking(PORTS_TCP, &tlen);
	ports_ranking(PORTS_UDP, &ulen);
	ok(tlen >= 1000, "TCP ranking has at least 1000 ports (%zu)", tlen);
	ok(ulen >= 1000, "UDP ranking has at least 1000 ports (%zu)", ulen);
	ok(ports_ranking(PORTS_TCP, NULL) != NULL, "ranking with NULL n");

	test_top_n(PORTS_TCP, "top1", 1);
	test_top_n(PORTS_TCP, "top100", 100);
	test_top_n(PORTS_UDP, "top100", 100);
	test_top_n(PORTS_TCP, "TOP100", 100);
	test_top_n(PORTS_UDP, "Top0100", 100);
	test_top_n(PORTS_TCP, "top1000", 1000);
	test_top_n(PORTS_UDP, "top1000", 1000);

	snprintf(spec, sizeof(spec), "top%zu", tlen);
	test_top_n(PORTS_TCP, spec, tlen);

	/* One past the ranking, and far past it. */
	snprintf(spec, sizeof(spec), "top%zu", tlen + 1);
	snprintf(want, sizeof(want),
	    "TCP top ranking has %zu ports, asked for top%zu", tlen, tlen + 1);
	rc = ports_parse(spec, PORTS_TCP, &p, &why);
	is_int(rc, NERR_RANGE, "%s: NERR_RANGE", spec);
	is_str(why, want, "%s: reason names the ranking length", spec);
	ok(p == NULL, "%s: no set", spec);

	snprintf(want, sizeof(want),
	    "UDP top ranking has %zu ports, asked for top99999", ulen);
	rc = ports_parse("top99999", PORTS_UDP, &p, &why);
	is_int(rc, NERR_RANGE, "udp top99999: NERR_RANGE");
	is_str(why, want, "udp top99999: reason");

	snprintf(want, sizeof(want),
	    "TCP top ranking has %zu ports, asked for "
	    "top99999999999999999999",
	    tlen);
	rc = ports_parse("top99999999999999999999", PORTS_TCP, &p, &why);
	is_int(rc, NERR_RANGE, "overlong topN: NERR_RANGE");
	is_str(why, want, "overlong topN: reason");

	/* Mixed with lists and exclusions. */
	p = parse_ok("top100,!top10", PORTS_TCP);
	if (p != NULL) {
		const uint16_t *rank = ports_ranking(PORTS_TCP, NULL);

		is_int(p->n, 90, "top100,!top10: 90 ports");
		ok(!ports_contains(p, rank[0]) && !ports_contains(p, rank[9]),
		    "top100,!top10: ranks 1 and 10 excluded");
		ok(ports_contains(p, rank[10]) && ports_contains(p, rank[99]),
		    "top100,!top10: ranks 11 and 100 kept");
		ports_free(p);
	}
}

/* The data files, as compiled in: valid ports, no duplicates. */
static void
test_rankings(void)
{
	for (int proto = PORTS_TCP; proto <= PORTS_UDP; proto++) {
		const char *name = proto == PORTS_UDP ? "udp" : "tcp";
		unsigned char *seen = calloc(65536, 1);
		size_t n, dups = 0, zeros = 0;
		const uint16_t *r = ports_ranking((enum ports_proto)proto, &n);

		if (seen == NULL)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (r[i] == 0)
				zeros++;
			if (seen[r[i]]++)
				dups++;
		}
		is_int(dups, 0, "%s ranking: no duplicates", name);
		is_int(zeros, 0, "%s ranking: no port 0", name);
		free(seen);
	}
	/* Ports everyone expects near the top, as a sanity check. */
	{
		struct ports *t = parse_ok("top20", PORTS_TCP);
		struct ports *u = parse_ok("top20", PORTS_UDP);

		if (t != NULL)
			ok(ports_contains(t, 80) && ports_contains(t, 443) &&
			        ports_contains(t, 22),
			    "tcp top20 holds 22, 80, 443");
		if (u != NULL)
			ok(ports_contains(u, 53) && ports_contains(u, 123) &&
			        ports_contains(u, 161),
			    "udp top20 holds 53, 123, 161");
		ports_free(t);
		ports_free(u);
	}
}

static void
test_contains_copy(void)
{
	struct ports *p = parse_ok("0,22,80-82,443,65535", PORTS_TCP), *c;
	static const uint16_t in[] = {0, 22, 80, 81, 82, 443, 65535};
	static const uint16_t out[] = {1, 21, 23, 79, 83, 442, 444, 65534};

	if (p == NULL)
		return;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ok(ports_contains(p, in[i]), "contains %u", in[i]);
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		ok(!ports_contains(p, out[i]), "does not contain %u", out[i]);
	ok(!ports_contains(NULL, 80), "NULL set contains nothing");

	c = ports_copy(p);
	ok(c != NULL && c != p && c->port != p->port, "copy is a new set");
	if (c != NULL) {
		is_int(c->n, p->n, "copy: same size");
		ok(memcmp(c->port, p->port, p->n * sizeof(*p->port)) == 0,
		    "copy: same ports");
	}
	ports_free(p); /* the copy must outlive the original */
	if (c != NULL) {
		ok(ports_contains(c, 443) && !ports_contains(c, 444),
		    "copy works after the original is freed");
		ports_free(c);
	}
	ok(ports_copy(NULL) == NULL, "copy of NULL is NULL");
	ports_free(NULL);
	ok(1, "ports_free(NULL) is a no-op");
}

static void
test_why_null(void)
{
	struct ports *p = NULL;

	is_int(ports_parse("foo", PORTS_TCP, &p, NULL), NERR_PARSE,
	    "why may be NULL");
	ok(p == NULL, "why NULL: no set");
}

int
main(void)
{
	test_bad();
	test_good();
	test_all_but();
	test_top();
	test_rankings();
	test_contains_copy();
	test_why_null();
	return done_testing();
}
