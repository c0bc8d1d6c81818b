/* test_target.c - target.h: every edge of the target grammar. */
#include <string.h>

#include "nerr.h"
#include "tap.h"
#include "target.h"

/* LEN bytes of S with unprintable bytes as \xNN (rotating buffers). */
static const char *
show(const char *s, size_t len)
{
	static char bufs[4][1024];
	static int i;
	char *b;
	size_t j, n = 0;

	i = (i + 1) % 4;
	b = bufs[i];
	for (j = 0; j < len && n + 5 < sizeof(bufs[0]); j++) {
		unsigned char c = (unsigned char)s[j];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			b[n++] = (char)c;
		else
			n += (size_t)snprintf(b + n, 5, "\\x%02x", c);
	}
	b[n] = '\0';
	return b;
}

static const char *
fmt(u128 a)
{
	static char bufs[4][ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_format(a, bufs[i]);
}

/* An accepted target: its kind, bounds as text, prefix, port and name. */
struct good {
	const char *in;
	enum target_kind kind;
	const char *lo, *hi;
	int prefix, port;
	const char *host;
};

static const struct good goods[] = {
    {"192.0.2.7", TARGET_IP, "192.0.2.7", "192.0.2.7", -1, -1, ""},
    {"::", TARGET_IP, "::", "::", -1, -1, ""},
    {"::1", TARGET_IP, "::1", "::1", -1, -1, ""},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", TARGET_IP, "2001:db8::1",
        "2001:db8::1", -1, -1, ""},
    {"2001:DB8::ABCD", TARGET_IP, "2001:db8::abcd", "2001:db8::abcd", -1, -1,
        ""},
    {"::ffff:1.2.3.4", TARGET_IP, "1.2.3.4", "1.2.3.4", -1, -1, ""},
    /* CIDR, normalized to the network. */
    {"0.0.0.0/0", TARGET_CIDR, "0.0.0.0", "255.255.255.255", 0, -1, ""},
    {"192.0.2.7/32", TARGET_CIDR, "192.0.2.7", "192.0.2.7", 32, -1, ""},
    {"192.0.2.77/24", TARGET_CIDR, "192.0.2.0", "192.0.2.255", 24, -1, ""},
    {"192.0.2.255/25", TARGET_CIDR, "192.0.2.128", "192.0.2.255", 25, -1, ""},
    {"203.0.113.9/1", TARGET_CIDR, "128.0.0.0", "255.255.255.255", 1, -1, ""},
    {"::/0", TARGET_CIDR, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0,
        -1, ""},
    {"2001:db8::1/128", TARGET_CIDR, "2001:db8::1", "2001:db8::1", 128, -1, ""},
    {"2001:db8::ff/64", TARGET_CIDR,
        "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", 64, -1, ""},
    {"2001:DB8:0:0:8000::/33", TARGET_CIDR,
        "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 33, -1, ""},
    /* In IPv6 text the prefix counts 128 bits, even for mapped IPv4. */
    /* An IPv4-mapped network is the IPv4 network: its prefix counts in 32 bits. */
    {"::ffff:0:0/96", TARGET_CIDR, "0.0.0.0", "255.255.255.255", 0, -1, ""},
    {"::ffff:192.0.2.0/120", TARGET_CIDR, "192.0.2.0", "192.0.2.255", 24, -1,
        ""},
    /* Ranges. */
    {"192.0.2.1-192.0.2.40", TARGET_RANGE, "192.0.2.1", "192.0.2.40", -1, -1,
        ""},
    {"192.0.2.1-40", TARGET_RANGE, "192.0.2.1", "192.0.2.40", -1, -1, ""},
    {"192.0.2.1-255", TARGET_RANGE, "192.0.2.1", "192.0.2.255", -1, -1, ""},
    {"192.0.2.7-7", TARGET_RANGE, "192.0.2.7", "192.0.2.7", -1, -1, ""},
    {"192.0.2.7-192.0.2.7", TARGET_RANGE, "192.0.2.7", "192.0.2.7", -1, -1, ""},
    {"192.0.2.250-198.51.100.3", TARGET_RANGE, "192.0.2.250", "198.51.100.3",
        -1, -1, ""},
    {"2001:db8::1-2001:db8::ff", TARGET_RANGE, "2001:db8::1", "2001:db8::ff",
        -1, -1, ""},
    /* Names. */
    {"example.com", TARGET_HOST, NULL, NULL, -1, -1, "example.com"},
    {"example.com.", TARGET_HOST, NULL, NULL, -1, -1, "example.com"},
    {"localhost", TARGET_HOST, NULL, NULL, -1, -1, "localhost"},
    {"_sip._tcp.example.com", TARGET_HOST, NULL, NULL, -1, -1,
        "_sip._tcp.example.com"},
    {"a-b.example.com", TARGET_HOST, NULL, NULL, -1, -1, "a-b.example.com"},
    {"1-2.example.com", TARGET_HOST, NULL, NULL, -1, -1, "1-2.example.com"},
    {"123.example.com", TARGET_HOST, NULL, NULL, -1, -1, "123.example.com"},
    {"xn--bcher-kva.example", TARGET_HOST, NULL, NULL, -1, -1,
        "xn--bcher-kva.example"},
    /* Ports. */
    {"192.0.2.7:8443", TARGET_IP, "192.0.2.7", "192.0.2.7", -1, 8443, ""},
    {"192.0.2.7:0", TARGET_IP, "192.0.2.7", "192.0.2.7", -1, 0, ""},
    {"192.0.2.7:65535", TARGET_IP, "192.0.2.7", "192.0.2.7", -1, 65535, ""},
    {"example.com:443", TARGET_HOST, NULL, NULL, -1, 443, "example.com"},
    {"example.com.:443", TARGET_HOST, NULL, NULL, -1, 443, "example.com"},
    {"[2001:db8::1]:22", TARGET_IP, "2001:db8::1", "2001:db8::1", -1, 22, ""},
    {"[::1]", TARGET_IP, "::1", "::1", -1, -1, ""},
    {"[::]:80", TARGET_IP, "::", "::", -1, 80, ""},
};

/* A rejected target: its code and a word the reason must contain. */
struct bad {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int rc;
	const char *why;
};

static const struct bad bads[] = {
    /* Prefix lengths. */
    {"192.0.2.0/33", 0, NERR_RANGE, "0-32"},
    {"::/129", 0, NERR_RANGE, "0-128"},
    {"2001:db8::/999", 0, NERR_RANGE, "0-128"},
    {"192.0.2.0/", 0, NERR_PARSE, "prefix"},
    {"192.0.2.0/x", 0, NERR_PARSE, "prefix"},
    {"192.0.2.0/-1", 0, NERR_PARSE, "prefix"},
    {"192.0.2.0/24/8", 0, NERR_PARSE, "prefix"},
    {"/24", 0, NERR_PARSE, "address"},
    {"example.com/24", 0, NERR_PARSE, "address"},
    /* Ranges. */
    {"192.0.2.40-1", 0, NERR_RANGE, "inverted"},
    {"192.0.2.40-192.0.2.1", 0, NERR_RANGE, "inverted"},
    {"2001:db8::ff-2001:db8::1", 0, NERR_RANGE, "inverted"},
    {"192.0.2.1-256", 0, NERR_RANGE, "0-255"},
    {"192.0.2.1-2001:db8::1", 0, NERR_PARSE, "IPv4 and IPv6"},
    {"2001:db8::1-192.0.2.1", 0, NERR_PARSE, "IPv4 and IPv6"},
    {"192.0.2.1-", 0, NERR_PARSE, "after '-'"},
    {"192.0.2.1-40-50", 0, NERR_PARSE, "after '-'"},
    {"192.0.2.1-x", 0, NERR_PARSE, "after '-'"},
    {"2001:db8::1-ff", 0, NERR_PARSE, "after '-'"},
    /* Ports. */
    {"1.2.3.4:65536", 0, NERR_RANGE, "0-65535"},
    {"example.com:99999", 0, NERR_RANGE, "0-65535"},
    {"[::1]:65536", 0, NERR_RANGE, "0-65535"},
    {"1.2.3.4:", 0, NERR_PARSE, "port"},
    {"1.2.3.4:http", 0, NERR_PARSE, "port"},
    {"1.2.3.4:-1", 0, NERR_PARSE, "port"},
    {"1.2.3.4:+80", 0, NERR_PARSE, "port"},
    {"1.2.3.4: 80", 0, NERR_PARSE, "port"},
    {"[::1]:", 0, NERR_PARSE, "port"},
    {"192.0.2.0/24:80", 0, NERR_PARSE, "port"},
    {"192.0.2.1-40:80", 0, NERR_PARSE, "port"},
    /* Brackets. */
    {"[::1]x", 0, NERR_PARSE, "]"},
    {"[::1]:22:33", 0, NERR_PARSE, "port"},
    {"[::1", 0, NERR_PARSE, "]"},
    {"[1.2.3.4]", 0, NERR_PARSE, "IPv6"},
    {"[1.2.3.4]:80", 0, NERR_PARSE, "IPv6"},
    {"[example.com]:80", 0, NERR_PARSE, "IPv6"},
    {"[]", 0, NERR_PARSE, "IPv6"},
    {"[::1/128]", 0, NERR_PARSE, "IPv6"},
    {"[::1-::2]", 0, NERR_PARSE, "IPv6"},
    /* IPv6 forms. */
    {"fe80::1%eth0", 0, NERR_PARSE, "IPv6"},
    {"[fe80::1%eth0]:22", 0, NERR_PARSE, "IPv6"},
    {"1::2::3", 0, NERR_PARSE, "IPv6"},
    {"1:2:3:4:5:6:7:8:9", 0, NERR_PARSE, "IPv6"},
    {"2001:db8::g", 0, NERR_PARSE, "IPv6"},
    {"example.com:80:90", 0, NERR_PARSE, "IPv6"},
    /* Bad IPv4 is not a host name. */
    {"1.2.3", 0, NERR_PARSE, "IPv4"},
    {"1.2.3.4.5", 0, NERR_PARSE, "IPv4"},
    {"01.2.3.4", 0, NERR_PARSE, "IPv4"},
    {"1.2.3.010", 0, NERR_PARSE, "IPv4"},
    {"256.1.2.3", 0, NERR_PARSE, "IPv4"},
    {"1.2.3.4.", 0, NERR_PARSE, "IPv4"},
    {"123", 0, NERR_PARSE, "IPv4"},
    /* Bad names. */
    {"-a.example.com", 0, NERR_PARSE, "host name"},
    {"a-.example.com", 0, NERR_PARSE, "host name"},
    {"a.-b.example.com", 0, NERR_PARSE, "host name"},
    {"a.b-.example.com", 0, NERR_PARSE, "host name"},
    {"a..example.com", 0, NERR_PARSE, "host name"},
    {".example.com", 0, NERR_PARSE, "host name"},
    {".", 0, NERR_PARSE, ""},
    {"example.com..", 0, NERR_PARSE, "host name"},
    {"*.example.com", 0, NERR_PARSE, "host name"},
    {"exa mple.com", 0, NERR_PARSE, "host name"},
    {"example.123", 0, NERR_PARSE, "host name"},
    /* Junk, NUL bytes and blanks. */
    {"", 0, NERR_PARSE, "empty"},
    {"example.com\xff", 0, NERR_PARSE, "host name"},
    {"\x01\x02\x03", 0, NERR_PARSE, "host name"},
    {"\xc3\xa9t\xc3\xa9.example", 0, NERR_PARSE, "host name"},
    {"192.0.2.7\0", 10, NERR_PARSE, "NUL"},
    {"ex\0ample.com", 12, NERR_PARSE, "NUL"},
    {"\0", 1, NERR_PARSE, "NUL"},
    {" 192.0.2.7", 0, NERR_PARSE, "host name"},
    {"192.0.2.7 ", 0, NERR_PARSE, "host name"},
    {"192.0.2.7\n", 0, NERR_PARSE, "host name"},
    {" ", 0, NERR_PARSE, "host name"},
    {"\t", 0, NERR_PARSE, "host name"},
    {"192.0.2.7 192.0.2.8", 0, NERR_PARSE, "host name"},
};

static void
test_good(void)
{
	size_t i;

	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		const char *why = "unset";
		struct target t;
		int rc;

		memset(&t, 0x5a, sizeof(t));
		rc = target_parse(g->in, strlen(g->in), &t, &why);
		if (!ok(rc == 0, "\"%s\" parses", g->in)) {
			printf("#   rc %d, why \"%s\"\n", rc, why);
			continue;
		}
		is_int(t.kind, g->kind, "\"%s\": kind", g->in);
		if (g->lo != NULL) {
			is_str(fmt(t.lo), g->lo, "\"%s\": lo", g->in);
			is_str(fmt(t.hi), g->hi, "\"%s\": hi", g->in);
		}
		is_int(t.prefix, g->prefix, "\"%s\": prefix", g->in);
		is_int(t.port, g->port, "\"%s\": port", g->in);
		if (g->kind == TARGET_HOST)
			is_str(t.host, g->host, "\"%s\": host", g->in);
	}
}

static void
test_bad(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		size_t len = b->len ? b->len : strlen(b->in);
		const char *why = NULL;
		struct target t, before;
		int rc;

		memset(&t, 0x5a, sizeof(t));
		before = t;
		rc = target_parse(b->in, len, &t, &why);
		is_int(rc, b->rc, "\"%s\" is rejected with %s",
		    show(b->in, len), nerr_str(b->rc));
		if (!ok(why != NULL && strstr(why, b->why) != NULL,
		        "\"%s\": reason mentions \"%s\"", show(b->in, len),
		        b->why))
			printf("#   why \"%s\"\n", why ? why : "(null)");
		ok(memcmp(&t, &before, sizeof(t)) == 0, "\"%s\": *t untouched",
		    show(b->in, len));
	}
}

/* A name of LEN bytes made of labels of at most LABEL bytes. */
static void
make_name(char *buf, size_t len, size_t label)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (run == label && i + 1 < len) {
			buf[i] = '.';
			run = 0;
		} else {
			buf[i] = (char)('a' + i % 26);
			run++;
		}
	}
	buf[len] = '\0';
}

static void
test_lengths(void)
{
	char name[400], label[80];
	const char *why;
	struct target t;
	int rc;

	/* Labels: 63 bytes fine, 64 not. */
	memset(label, 'a', 63);
	strcpy(label + 63, ".example");
	ok(target_parse(label, strlen(label), &t, &why) == 0 &&
	        t.kind == TARGET_HOST && strcmp(t.host, label) == 0,
	    "a 63-byte label is fine");
	ok(target_valid_host(label, strlen(label)),
	    "valid_host: 63-byte label");
	memset(label, 'a', 64);
	strcpy(label + 64, ".example");
	why = NULL;
	is_int(target_parse(label, strlen(label), &t, &why), NERR_PARSE,
	    "a 64-byte label is NERR_PARSE");
	ok(why != NULL, "64-byte label: a reason");
	ok(!target_valid_host(label, strlen(label)),
	    "valid_host: 64-byte label rejected");
	memset(label, 'a', 64);
	ok(!target_valid_host(label, 64), "valid_host: single 64-byte label");

	/* Names: 253 bytes fine (with or without a final dot), 254 not. */
	make_name(name, 253, 63);
	ok(target_parse(name, 253, &t, &why) == 0 && t.kind == TARGET_HOST &&
	        strlen(t.host) == 253 && memcmp(t.host, name, 253) == 0,
	    "a 253-byte name is fine");
	name[253] = '.';
	name[254] = '\0';
	ok(target_parse(name, 254, &t, &why) == 0 && strlen(t.host) == 253,
	    "a 253-byte name with a final dot is fine (dot dropped)");
	make_name(name, 254, 63);
	why = NULL;
	rc = target_parse(name, 254, &t, &why);
	is_int(rc, NERR_TOOLONG, "a 254-byte name is NERR_TOOLONG");
	ok(why != NULL, "254-byte name: a reason");
	ok(!target_valid_host(name, 254), "valid_host: 254-byte name rejected");
	make_name(name, 300, 50);
	why = NULL;
	rc = target_parse(name, 300, &t, &why);
	is_int(rc, NERR_TOOLONG, "a 300-byte name is NERR_TOOLONG");
	ok(why != NULL, "300-byte name: a reason");
	memset(name, '1', 399);
	rc = target_parse(name, 399, &t, &why);
	is_int(rc, NERR_TOOLONG, "399 digits: NERR_TOOLONG");

	/* Only LEN bytes are parsed. */
	ok(target_parse("192.0.2.7:80", 9, &t, &why) == 0 &&
	        t.kind == TARGET_IP && t.port == -1,
	    "only LEN bytes: \"192.0.2.7\" of \"192.0.2.7:80\"");
	ok(target_parse("example.com!!", 11, &t, &why) == 0 &&
	        strcmp(t.host, "example.com") == 0,
	    "only LEN bytes: \"example.com\" of \"example.com!!\"");
}

static void
test_valid_host(void)
{
	ok(target_valid_host("example.com", 11), "valid: example.com");
	ok(target_valid_host("example.com.", 12), "valid: final dot");
	ok(target_valid_host("_dmarc.example.com", 18), "valid: underscore");
	ok(target_valid_host("A-1.Example.COM", 15), "valid: mixed case");
	ok(!target_valid_host("", 0), "invalid: empty");
	ok(!target_valid_host(".", 1), "invalid: lone dot");
	ok(!target_valid_host("-x.example", 10), "invalid: leading '-'");
	ok(!target_valid_host("x-.example", 10), "invalid: trailing '-'");
	ok(!target_valid_host("*.example.com", 13), "invalid: '*'");
	ok(!target_valid_host("a b", 3), "invalid: blank");
	ok(!target_valid_host("1.2.3.4", 7), "invalid: all-digit top label");
	ok(!target_valid_host("exa\0mple", 8), "invalid: NUL byte");
}

static void
test_size(void)
{
	struct target t;
	const char *why;

	target_parse("192.0.2.7", 9, &t, &why);
	ok(target_size(&t) == 1, "size of an IP is 1");
	target_parse("0.0.0.0/0", 9, &t, &why);
	ok(target_size(&t) == (u128)1 << 32, "size of 0.0.0.0/0 is 2^32");
	target_parse("192.0.2.0/24", 12, &t, &why);
	ok(target_size(&t) == 256, "size of a /24 is 256");
	target_parse("192.0.2.1-40", 12, &t, &why);
	ok(target_size(&t) == 40, "size of 192.0.2.1-40 is 40");
	target_parse("2001:db8::/64", 13, &t, &why);
	ok(target_size(&t) == (u128)1 << 64, "size of a v6 /64 is 2^64");
	target_parse("::/1", 4, &t, &why);
	ok(target_size(&t) == (u128)1 << 127, "size of ::/1 is 2^127");
	target_parse("::/0", 4, &t, &why);
	ok(target_size(&t) == ~(u128)0, "size of ::/0 saturates");
}

int
main(void)
{
	test_good();
	test_bad();
	test_lengths();
	test_valid_host();
	test_size();
	return done_testing();
}
