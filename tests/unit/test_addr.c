/* test_addr.c - addr.h: parsing, formatting, sockaddrs, prefix bounds. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "nerr.h"
#include "tap.h"

#define SENTINEL ((u128)0x5a5a5a5a)

/* The textual form of a, in one of a few rotating static buffers. */
static const char *
fmt(u128 a)
{
	static char bufs[4][ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_format(a, bufs[i]);
}

static u128
v6(uint64_t hi, uint64_t lo)
{
	return ((u128)hi << 64) | lo;
}

static void
test_parse_ok(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"192.0.2.7", "192.0.2.7"},
	    {"0.0.0.0", "0.0.0.0"},
	    {"255.255.255.255", "255.255.255.255"},
	    {"::", "::"},
	    {"::1", "::1"},
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"2001:DB8::ABCD", "2001:db8::abcd"},
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	    {"fe80::1", "fe80::1"},
	    {"ff02::1", "ff02::1"},
	    {"1111:2222:3333:4444:5555:6666:7777:8888",
	        "1111:2222:3333:4444:5555:6666:7777:8888"},
	    /* IPv4-mapped text is the IPv4 address itself. */
	    {"::ffff:1.2.3.4", "1.2.3.4"},
	    {"::FFFF:192.0.2.1", "192.0.2.1"},
	    {"0000:0000:0000:0000:0000:ffff:255.255.255.255",
	        "255.255.255.255"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u128 a = SENTINEL;
		int rc = addr_parse(cases[i].in, strlen(cases[i].in), &a);

		is_int(rc, 0, "addr_parse(\"%s\") succeeds", cases[i].in);
		is_str(fmt(a), cases[i].out, "addr_parse(\"%s\") formats as %s",
		    cases[i].in, cases[i].out);
	}
}

static void
test_parse_values(void)
{
	u128 a;

	ok(addr_parse("192.0.2.7", 9, &a) == 0 && a == addr_from_v4(0xc0000207),
	    "192.0.2.7 is ::ffff:c000:207");
	ok(addr_is_v4(a) && addr_bits(a) == 32, "192.0.2.7 is IPv4, 32 bits");
	ok(addr_parse("::", 2, &a) == 0 && a == 0, ":: is 0");
	ok(!addr_is_v4(a) && addr_bits(a) == 128, ":: is IPv6, 128 bits");
	ok(addr_parse("::1", 3, &a) == 0 && a == 1, "::1 is 1");
	ok(addr_parse("2001:db8::1", 11, &a) == 0 &&
	        a == v6(0x20010db800000000ull, 1),
	    "2001:db8::1 value");
	ok(addr_parse("::ffff:1.2.3.4", 14, &a) == 0 &&
	        a == addr_from_v4(0x01020304) && addr_is_v4(a),
	    "::ffff:1.2.3.4 is the IPv4 address 1.2.3.4");
	ok(addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 39, &a) == 0 &&
	        a == ~(u128)0,
	    "all-ones IPv6 address");
	/* Exactly LEN bytes are parsed. */
	ok(addr_parse("192.0.2.7xyz", 9, &a) == 0 &&
	        a == addr_from_v4(0xc0000207),
	    "only LEN bytes are read (\"192.0.2.7\" of \"192.0.2.7xyz\")");
	ok(addr_parse("::1234", 3, &a) == 0 && a == 1, "\"::1\" of \"::1234\"");
}

static void
test_parse_bad(void)
{
	static const char *const bad[] = {
	    "",
	    "1.2.3",
	    "1.2.3.4.5",
	    "01.2.3.4",
	    "1.2.3.04",
	    "256.1.2.3",
	    "1.2.3.-4",
	    " 1.2.3.4",
	    "1.2.3.4 ",
	    "0x1.2.3.4",
	    "1.2.3.4/32",
	    "fe80::1%eth0",
	    "fe80::1%1",
	    "[::1]",
	    ":::",
	    "1::2::3",
	    "12345::",
	    "g::1",
	    "1:2:3:4:5:6:7:8:9",
	    "1:2:3:4:5:6:7",
	    "::ffff:1.2.3",
	    "::ffff:1.2.3.256",
	    "example.com",
	    "\xff\xfe",
	    "0000:0000:0000:0000:0000:0000:0000:0000:0000",
	};
	char big[300];
	size_t i;
	u128 a;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = SENTINEL;
		is_int(addr_parse(bad[i], strlen(bad[i]), &a), NERR_PARSE,
		    "addr_parse(\"%s\") is NERR_PARSE", bad[i]);
		ok(a == SENTINEL, "*out untouched after \"%s\"", bad[i]);
	}
	memset(big, '1', sizeof(big));
	a = SENTINEL;
	is_int(addr_parse(big, sizeof(big), &a), NERR_PARSE,
	    "300 bytes of digits: NERR_PARSE");
	ok(a == SENTINEL, "*out untouched after 300 bytes");
	/* A NUL inside LEN bytes is not part of any address. */
	a = SENTINEL;
	is_int(addr_parse("1.2.3.4\0junk", 12, &a), NERR_PARSE,
	    "\"1.2.3.4\\0junk\" (12 bytes, embedded NUL) is NERR_PARSE");
	a = SENTINEL;
	is_int(addr_parse("::1\0", 4, &a), NERR_PARSE,
	    "\"::1\\0\" (4 bytes, trailing NUL) is NERR_PARSE");
}

static void
test_format_raw(void)
{
	char buf[64];
	size_t n;

	memset(buf, 'X', sizeof(buf));
	n = addr_format_raw(addr_from_v4(0x0a000001), buf);
	is_int(n, 8, "format_raw 10.0.0.1: 8 bytes");
	ok(memcmp(buf, "10.0.0.1X", 9) == 0, "format_raw writes no NUL (v4)");
	memset(buf, 'X', sizeof(buf));
	n = addr_format_raw(v6(0x20010db800000000ull, 1), buf);
	is_int(n, 11, "format_raw 2001:db8::1: 11 bytes");
	ok(memcmp(buf, "2001:db8::1X", 12) == 0,
	    "format_raw writes no NUL (v6)");
	memset(buf, 'X', sizeof(buf));
	n = addr_format_raw(~(u128)0, buf);
	is_int(n, 39, "format_raw of all-ones: 39 bytes");
	n = addr_format_raw(addr_from_v4(0xffffffff), buf);
	is_int(n, 15, "format_raw 255.255.255.255: 15 bytes");
	is_str(fmt(addr_from_v4(0x00000000)), "0.0.0.0", "0.0.0.0");
	is_str(fmt(addr_from_v4(0x01020304)), "1.2.3.4", "1.2.3.4");
	is_str(fmt(addr_from_v4(0x0a640a09)), "10.100.10.9", "10.100.10.9");
	is_str(fmt(addr_from_v4(0xc0a80164)), "192.168.1.100", "192.168.1.100");
	/* The address just below the IPv4 block is IPv6. */
	is_str(fmt(ADDR_V4BASE - 1), "::fffe:ffff:ffff", "::fffe:ffff:ffff");
}

/* Every octet value formats and parses back (the hand-rolled v4 path). */
static void
test_v4_round_trip(void)
{
	unsigned v, bad = 0;
	char s[ADDR_STRLEN], want[ADDR_STRLEN];
	u128 a;

	for (v = 0; v < 256; v++) {
		uint32_t ip =
		    (v << 24) | ((255 - v) << 16) | (v << 8) | (v ^ 0x5a);

		snprintf(
		    want, sizeof(want), "%u.%u.%u.%u", v, 255 - v, v, v ^ 0x5a);
		addr_format(addr_from_v4(ip), s);
		if (strcmp(s, want) != 0 || addr_parse(s, strlen(s), &a) != 0 ||
		    a != addr_from_v4(ip))
			bad++;
	}
	is_int(bad, 0, "256 IPv4 addresses format and parse back");
}

static void
test_sockaddr(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un sun;
	unsigned char want6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	socklen_t sl;
	uint16_t port = 1;
	u128 a = SENTINEL;

	sl = addr_to_sockaddr(addr_from_v4(0xc0000207), 8443, &ss);
	is_int(sl, sizeof(struct sockaddr_in), "v4 sockaddr length");
	is_int(sin->sin_family, AF_INET, "v4 sockaddr family");
	is_int(ntohs(sin->sin_port), 8443, "v4 sockaddr port");
	is_int(ntohl(sin->sin_addr.s_addr), 0xc0000207, "v4 sockaddr address");
	ok(addr_from_sockaddr((struct sockaddr *)&ss, &a, &port) == 0 &&
	        a == addr_from_v4(0xc0000207) && port == 8443,
	    "v4 sockaddr round trip");

	sl = addr_to_sockaddr(v6(0x20010db800000000ull, 1), 22, &ss);
	is_int(sl, sizeof(struct sockaddr_in6), "v6 sockaddr length");
	is_int(sin6->sin6_family, AF_INET6, "v6 sockaddr family");
	is_int(ntohs(sin6->sin6_port), 22, "v6 sockaddr port");
	ok(memcmp(sin6->sin6_addr.s6_addr, want6, 16) == 0,
	    "v6 sockaddr address bytes");
	ok(addr_from_sockaddr((struct sockaddr *)&ss, &a, &port) == 0 &&
	        a == v6(0x20010db800000000ull, 1) && port == 22,
	    "v6 sockaddr round trip");

	sl = addr_to_sockaddr(0, 0, &ss);
	ok(sl == sizeof(struct sockaddr_in6) && ss.ss_family == AF_INET6,
	    ":: is an AF_INET6 sockaddr");
	sl = addr_to_sockaddr(addr_from_v4(0xffffffff), 65535, &ss);
	ok(sl == sizeof(struct sockaddr_in) && ss.ss_family == AF_INET &&
	        ntohs(sin->sin_port) == 65535 &&
	        sin->sin_addr.s_addr == 0xffffffff,
	    "255.255.255.255:65535 as AF_INET");

	/* A v4-mapped AF_INET6 sockaddr (dual-stack accept) is IPv4. */
	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(80);
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6->sin6_addr);
	ok(addr_from_sockaddr((struct sockaddr *)&ss, &a, &port) == 0 &&
	        a == addr_from_v4(0xc0000201) && addr_is_v4(a) && port == 80,
	    "AF_INET6 ::ffff:192.0.2.1 reads as IPv4 192.0.2.1");
	sl = addr_to_sockaddr(a, 80, &ss);
	ok(sl == sizeof(struct sockaddr_in) && ss.ss_family == AF_INET,
	    "and writes back as AF_INET");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	a = SENTINEL;
	port = 7;
	is_int(addr_from_sockaddr((struct sockaddr *)&sun, &a, &port),
	    NERR_PARSE, "AF_UNIX sockaddr is NERR_PARSE");
}

static void
test_prefix_bounds(void)
{
	u128 lo, hi, a;

	addr_parse("192.0.2.77", 10, &a);
	addr_prefix_bounds(a, 24, 32, &lo, &hi);
	ok(lo == addr_from_v4(0xc0000200) && hi == addr_from_v4(0xc00002ff),
	    "192.0.2.77/24 is 192.0.2.0-192.0.2.255 (%s-%s)", fmt(lo), fmt(hi));
	addr_prefix_bounds(a, 32, 32, &lo, &hi);
	ok(lo == a && hi == a, "/32 is the address itself");
	addr_prefix_bounds(a, 0, 32, &lo, &hi);
	ok(lo == addr_from_v4(0) && hi == addr_from_v4(0xffffffff),
	    "v4 /0 is all of IPv4 (%s-%s)", fmt(lo), fmt(hi));
	addr_prefix_bounds(a, 31, 32, &lo, &hi);
	ok(lo == addr_from_v4(0xc000024c) && hi == addr_from_v4(0xc000024d),
	    "/31 is a pair");

	a = v6(0x20010db800000000ull, 0xff);
	addr_prefix_bounds(a, 64, 128, &lo, &hi);
	ok(lo == v6(0x20010db800000000ull, 0) &&
	        hi == v6(0x20010db800000000ull, ~0ull),
	    "2001:db8::ff/64 bounds");
	addr_prefix_bounds(a, 128, 128, &lo, &hi);
	ok(lo == a && hi == a, "/128 is the address itself");
	addr_prefix_bounds(a, 0, 128, &lo, &hi);
	ok(lo == 0 && hi == ~(u128)0, "v6 /0 is everything");
	addr_prefix_bounds(ADDR_V4BASE | 0x1234, 96, 128, &lo, &hi);
	ok(lo == ADDR_V4BASE && hi == addr_from_v4(0xffffffff),
	    "::ffff:0:0/96 (128-bit family) is all of IPv4");
	addr_prefix_bounds(1, 127, 128, &lo, &hi);
	ok(lo == 0 && hi == 1, "::1/127 is ::-::1");
}

int
main(void)
{
	test_parse_ok();
	test_parse_values();
	test_parse_bad();
	test_format_raw();
	test_v4_round_trip();
	test_sockaddr();
	test_prefix_bounds();
	return done_testing();
}
