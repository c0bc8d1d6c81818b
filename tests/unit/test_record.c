/* test_record.c - record.h: lines to records, records to targets. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nerr.h"
#include "record.h"
#include "tap.h"

static const char *
fmt(u128 a)
{
	static char bufs[4][ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return addr_format(a, bufs[i]);
}

/* LEN bytes of S with unprintable bytes as \xNN (rotating buffers). */
static const char *
show(const char *s, size_t len)
{
	static char bufs[4][512];
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

/* record_parse of IN (LEN bytes, 0: strlen), dumped compact; NULL on error. */
static char *
parse_dump(const char *in, size_t len, size_t flags, int *rc, const char **why)
{
	json_t *o = (json_t *)1;
	char *s;

	*why = NULL;
	*rc = record_parse(in, len ? len : strlen(in), &o, why);
	if (*rc != 0 || o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT | flags);
	json_decref(o);
	return s;
}

/* IN parses and dumps (compact) exactly as WANT. */
static void
dumps_as(const char *in, size_t len, size_t flags, const char *want)
{
	const char *why;
	int rc;
	char *got = parse_dump(in, len, flags, &rc, &why);

	if (!ok(rc == 0 && got != NULL && strcmp(got, want) == 0,
	        "\"%s\" -> %s", show(in, len ? len : strlen(in)), want))
		printf("#   rc %d, why \"%s\", got %s\n", rc,
		    why ? why : "(null)", got ? got : "(null)");
	free(got);
}

/* IN is rejected: NERR_PARSE, *obj NULL, a reason containing WANT. */
static void
rejected(const char *in, size_t len, const char *want)
{
	json_t *o = (json_t *)1;
	const char *why = NULL;
	int rc;

	len = len ? len : strlen(in);
	rc = record_parse(in, len, &o, &why);
	is_int(rc, NERR_PARSE, "\"%s\" is NERR_PARSE", show(in, len));
	ok(o == NULL, "\"%s\": *obj is NULL", show(in, len));
	if (!ok(why != NULL && strstr(why, want) != NULL,
	        "\"%s\": reason mentions \"%s\"", show(in, len), want))
		printf("#   why \"%s\"\n", why ? why : "(null)");
	if (rc == 0 && o != NULL && o != (json_t *)1)
		json_decref(o);
}

static void
test_json_lines(void)
{
	/* Unknown fields are kept, in order, with every JSON kind. */
	dumps_as("{\"z\":1,\"type\":\"target\",\"a\":[1,{\"b\":null}],"
	         "\"ip\":\"192.0.2.1\",\"src\":{\"file\":\"x\"},\"f\":1.5,"
	         "\"t\":true,\"n\":-3,\"e\":{},\"s\":\"\"}",
	    0, 0,
	    "{\"z\":1,\"type\":\"target\",\"a\":[1,{\"b\":null}],"
	    "\"ip\":\"192.0.2.1\",\"src\":{\"file\":\"x\"},\"f\":1.5,"
	    "\"t\":true,\"n\":-3,\"e\":{},\"s\":\"\"}");
	dumps_as("{}", 0, 0, "{}");
	dumps_as("  {\"a\" : 1 ,\t\"b\":[ ] }\r", 0, 0, "{\"a\":1,\"b\":[]}");
	dumps_as("{\"u\":\"\\u00e9\\ud83d\\ude00\"}", 0, JSON_ENSURE_ASCII,
	    "{\"u\":\"\\u00E9\\uD83D\\uDE00\"}");
	dumps_as("{\"nul\":\"a\\u0000b\"}", 0, 0, "{\"nul\":\"a\\u0000b\"}");
	/* Invalid UTF-8 inside a string: each bad byte is U+0080..U+00FF. */
	dumps_as("{\"b\":\"a\xff"
	         "z\"}",
	    0, JSON_ENSURE_ASCII, "{\"b\":\"a\\u00FFz\"}");
	dumps_as(
	    "{\"b\":\"\xc3\"}", 0, JSON_ENSURE_ASCII, "{\"b\":\"\\u00C3\"}");
	dumps_as("{\"b\":\"\xe2\x82\"}", 0, JSON_ENSURE_ASCII,
	    "{\"b\":\"\\u00E2\\u0082\"}");
	dumps_as("{\"b\":\"\xed\xa0\x80\"}", 0, JSON_ENSURE_ASCII,
	    "{\"b\":\"\\u00ED\\u00A0\\u0080\"}");
	dumps_as("{\"b\":\"\xc0\xaf\"}", 0, JSON_ENSURE_ASCII,
	    "{\"b\":\"\\u00C0\\u00AF\"}");
	dumps_as("{\"\xfe\":\"ok \xe2\x82\xac\"}", 0, JSON_ENSURE_ASCII,
	    "{\"\\u00FE\":\"ok \\u20AC\"}");
}

static void
test_json_bad(void)
{
	json_t *o;
	const char *why = NULL;

	rejected("{\"a\":", 0, "invalid JSON");
	rejected("{\"a\":1", 0, "invalid JSON");
	rejected("{\"a\":1}x", 0, "invalid JSON");
	rejected("{\"a\":1} {\"b\":2}", 0, "invalid JSON");
	rejected("{a:1}", 0, "invalid JSON");
	rejected("{\"a\":'x'}", 0, "invalid JSON");
	rejected("{\"a\":\"\x01\"}", 0, "invalid JSON");
	rejected("{\"a\":1,}", 0, "invalid JSON");
	rejected("{\"a\":1}\0", 8, "invalid JSON");
	/* A JSON array (or any non-object) is no record. */
	o = (json_t *)1;
	is_int(record_parse("[1,2]", 5, &o, &why), NERR_PARSE,
	    "a JSON array is NERR_PARSE");
	ok(o == NULL && why != NULL, "array: *obj NULL, a reason");
	o = (json_t *)1;
	is_int(record_parse("[{\"type\":\"target\",\"ip\":\"192.0.2.1\"}]", 36,
	           &o, &why),
	    NERR_PARSE, "an array holding a record is NERR_PARSE");
	ok(o == NULL, "array of records: *obj NULL");
	o = (json_t *)1;
	is_int(record_parse("\"192.0.2.1\"", 11, &o, &why), NERR_PARSE,
	    "a JSON string is NERR_PARSE");
	is_int(record_parse("42", 2, &o, &why), NERR_PARSE,
	    "a JSON number is NERR_PARSE");
	/* The reason says where jansson stopped. */
	o = (json_t *)1;
	why = NULL;
	record_parse("{\"a\":tru}", 9, &o, &why);
	ok(why != NULL && strstr(why, "column") != NULL,
	    "invalid JSON reason names the column (\"%s\")",
	    why ? why : "(null)");
}

static void
test_bare(void)
{
	dumps_as("192.0.2.7:8443", 0, 0,
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":8443}");
	dumps_as(
	    "192.0.2.7", 0, 0, "{\"type\":\"target\",\"ip\":\"192.0.2.7\"}");
	dumps_as("192.0.2.77/24", 0, 0,
	    "{\"type\":\"target\",\"cidr\":\"192.0.2.0/24\"}");
	dumps_as("192.0.2.1-40", 0, 0,
	    "{\"type\":\"target\",\"range\":\"192.0.2.1-192.0.2.40\"}");
	dumps_as("2001:db8::1-2001:db8::ff", 0, 0,
	    "{\"type\":\"target\",\"range\":\"2001:db8::1-2001:db8::ff\"}");
	dumps_as("2001:DB8::/32", 0, 0,
	    "{\"type\":\"target\",\"cidr\":\"2001:db8::/32\"}");
	dumps_as("[2001:db8::1]:22", 0, 0,
	    "{\"type\":\"target\",\"ip\":\"2001:db8::1\",\"port\":22}");
	dumps_as("example.com", 0, 0,
	    "{\"type\":\"target\",\"host\":\"example.com\"}");
	dumps_as("example.com.:443", 0, 0,
	    "{\"type\":\"target\",\"host\":\"example.com\",\"port\":443}");
	dumps_as("  192.0.2.7\t\r", 0, 0,
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\"}");
	/* A '#' starts a comment after a bare target. */
	dumps_as("192.0.2.7 # the printer", 0, 0,
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\"}");
	dumps_as("example.com:80#web", 0, 0,
	    "{\"type\":\"target\",\"host\":\"example.com\",\"port\":80}");
}

static void
test_bare_bad(void)
{
	json_t *o;
	const char *why;
	int rc;

	/* A comment line is no record: 0 with *obj NULL (not in record.h). */
	o = (json_t *)1;
	rc = record_parse("# a comment", 11, &o, &why);
	ok(rc == 0 && o == NULL, "a comment line: 0 and no record");
	o = (json_t *)1;
	rc = record_parse("   # indented comment", 21, &o, &why);
	ok(rc == 0 && o == NULL, "an indented comment line: 0 and no record");

	rejected("not a target!", 0, "host name");
	rejected("1.2.3", 0, "IPv4");
	rejected("192.0.2.7 192.0.2.8", 0, "host name");
	rejected("192.0.2.7\0", 10, "NUL");
	rejected("\xff\xfe", 0, "host name");
	rejected("", 0, "empty");
	/* record.h promises NERR_PARSE for every rejected line. */
	rejected("192.0.2.40-1", 0, "inverted");
	rejected("192.0.2.0/33", 0, "0-32");
	rejected("192.0.2.7:65536", 0, "0-65535");
}

/*
 * The target of the record on line IN (NULL: just release the last one).
 * The record lives until the next call: *ports borrows from it.
 */
static int
target_of(
    const char *in, struct target *t, const char **ports, const char **why)
{
	static json_t *o;

	json_decref(o);
	o = NULL;
	if (in == NULL)
		return 0;
	*why = NULL;
	if (record_parse(in, strlen(in), &o, why) != 0 || o == NULL)
		return 99;
	return record_target(o, t, ports, why);
}

static void
test_record_target(void)
{
	struct target t;
	const char *ports, *why;

	memset(&t, 0, sizeof(t));
	ports = "x";
	ok(target_of("{\"type\":\"target\",\"ip\":\"192.0.2.7\"}", &t, &ports,
	       &why) == 0 &&
	        t.kind == TARGET_IP && strcmp(fmt(t.lo), "192.0.2.7") == 0 &&
	        t.lo == t.hi && t.port == -1 && ports == NULL &&
	        t.host[0] == '\0',
	    "target ip: IP, no port, no ports, no host");
	ok(target_of("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":8443}",
	       &t, &ports, &why) == 0 &&
	        t.port == 8443 && ports == NULL,
	    "target ip with port 8443");
	ok(target_of("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":0}",
	       &t, &ports, &why) == 0 &&
	        t.port == 0,
	    "port 0");
	ok(target_of("{\"type\":\"target\",\"ip\":\"192.0.2.7\","
	             "\"port\":65535}",
	       &t, &ports, &why) == 0 &&
	        t.port == 65535,
	    "port 65535");
	ok(target_of("{\"type\":\"target\",\"ip\":\"2001:db8::1\","
	             "\"ports\":\"80,443\"}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_IP && t.port == -1 && ports != NULL &&
	        strcmp(ports, "80,443") == 0 &&
	        strcmp(fmt(t.lo), "2001:db8::1") == 0,
	    "target with ports \"80,443\"");
	ok(target_of("{\"type\":\"target\",\"cidr\":\"192.0.2.0/24\"}", &t,
	       &ports, &why) == 0 &&
	        t.kind == TARGET_CIDR && t.prefix == 24 &&
	        strcmp(fmt(t.lo), "192.0.2.0") == 0 &&
	        strcmp(fmt(t.hi), "192.0.2.255") == 0,
	    "target cidr");
	ok(target_of("{\"type\":\"target\",\"range\":\"192.0.2.1-192.0.2.40\"}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_RANGE && strcmp(fmt(t.lo), "192.0.2.1") == 0 &&
	        strcmp(fmt(t.hi), "192.0.2.40") == 0,
	    "target range");
	ok(target_of("{\"type\":\"target\",\"host\":\"example.com\","
	             "\"port\":443,\"src\":{\"file\":\"a\"}}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_HOST && strcmp(t.host, "example.com") == 0 &&
	        t.port == 443,
	    "target host with port");
	ok(target_of("{\"type\":\"target\",\"ip\":\"192.0.2.7\","
	             "\"host\":\"www.example.com\"}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_IP && strcmp(t.host, "www.example.com") == 0 &&
	        strcmp(fmt(t.lo), "192.0.2.7") == 0,
	    "resolved target: address with its name kept");
	ok(target_of("{\"type\":\"port\",\"ts\":\"2026-11-27T12:00:00.000Z\","
	             "\"ip\":\"2001:db8::1\",\"port\":22,\"proto\":\"tcp\","
	             "\"state\":\"open\",\"host\":\"ssh.example.com\"}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_IP && t.port == 22 &&
	        strcmp(fmt(t.lo), "2001:db8::1") == 0 &&
	        strcmp(t.host, "ssh.example.com") == 0,
	    "port record: ip, port and host");
	ok(target_of("{\"type\":\"host\",\"ts\":\"2026-11-27T12:00:00.000Z\","
	             "\"ip\":\"192.0.2.9\",\"state\":\"up\"}",
	       &t, &ports, &why) == 0 &&
	        t.kind == TARGET_IP && t.port == -1 &&
	        strcmp(fmt(t.lo), "192.0.2.9") == 0,
	    "host record: ip, no port");
}

/* The record on line IN has no usable target: NERR_PARSE, *t untouched. */
static void
no_target(const char *in, const char *want)
{
	struct target t, before;
	const char *ports, *why;
	int rc;

	memset(&t, 0x5a, sizeof(t));
	before = t;
	rc = target_of(in, &t, &ports, &why);
	is_int(rc, NERR_PARSE, "record_target(%s) is NERR_PARSE", in);
	ok(memcmp(&t, &before, sizeof(t)) == 0, "%s: *t untouched", in);
	if (!ok(why != NULL && strstr(why, want) != NULL,
	        "%s: reason mentions \"%s\"", in, want))
		printf("#   why \"%s\"\n", why ? why : "(null)");
}

static void
test_record_target_bad(void)
{
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":\"80\"}",
	    "port");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":70000}",
	    "port");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":65536}",
	    "port");
	no_target(
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":-1}", "port");
	no_target(
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":80.5}", "port");
	no_target(
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":null}", "port");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":80,"
	          "\"ports\":\"80,443\"}",
	    "both");
	no_target(
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"ports\":80}", "ports");
	no_target("{\"type\":\"target\",\"ip\":\"10.0.0.0/24\"}", "kind");
	no_target("{\"type\":\"target\",\"ip\":\"example.com\"}", "kind");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.1-40\"}", "kind");
	no_target("{\"type\":\"target\",\"cidr\":\"192.0.2.1-40\"}", "kind");
	no_target("{\"type\":\"target\",\"range\":\"example.com\"}", "kind");
	no_target("{\"type\":\"target\",\"host\":\"192.0.2.0/24\"}", "kind");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7:80\"}", "port");
	no_target("{\"type\":\"target\",\"ip\":\"999.0.2.7\"}", "IPv4");
	no_target("{\"type\":\"target\",\"ip\":7}", "string");
	no_target("{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"host\":\"-x\"}",
	    "host name");
	no_target("{\"type\":\"target\"}", "no ip");
	no_target(
	    "{\"type\":\"grab\",\"ip\":\"192.0.2.7\",\"port\":80}", "type");
	no_target("{\"type\":1,\"ip\":\"192.0.2.7\"}", "type");
}

/* record_parse -> record_target -> record_from_target gives the line back. */
static void
test_round_trip(void)
{
	static const char *const lines[] = {
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\"}",
	    "{\"type\":\"target\",\"ip\":\"192.0.2.7\",\"port\":8443}",
	    ("{\"type\":\"target\",\"ip\":\"2001:db8::1\",\"host\":"
	     "\"www.example.com\",\"port\":443}"),
	    "{\"type\":\"target\",\"cidr\":\"192.0.2.0/24\"}",
	    "{\"type\":\"target\",\"cidr\":\"::/0\"}",
	    "{\"type\":\"target\",\"range\":\"192.0.2.1-192.0.2.40\"}",
	    "{\"type\":\"target\",\"range\":\"2001:db8::1-2001:db8::ff\"}",
	    "{\"type\":\"target\",\"host\":\"example.com\",\"port\":0}",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct target t;
		const char *ports, *why;
		json_t *o;
		char *s = NULL;

		if (target_of(lines[i], &t, &ports, &why) == 0) {
			o = record_from_target(&t);
			s = json_dumps(o, JSON_COMPACT);
			json_decref(o);
		}
		is_str(s, lines[i], "round trip of %s", lines[i]);
		free(s);
	}
}

/*
 * A target read from a line and written as a record reads back as the same
 * addresses (IPv6 text over the IPv4-mapped block included).
 */
static void
test_rewrite(void)
{
	static const char *const lines[] = {
	    "::ffff:192.0.2.0/120",
	    "::ffff:0:0/96",
	    "::ffff:192.0.2.1-::ffff:192.0.2.9",
	    "[::ffff:192.0.2.1]:80",
	    "192.0.2.0/24",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct target t, u;
		const char *why = NULL, *ports;
		json_t *o = NULL, *back = NULL;
		char *s = NULL;
		int rc = -100;

		memset(&u, 0, sizeof(u));
		if (target_parse(lines[i], strlen(lines[i]), &t, &why) == 0 &&
		    record_parse(lines[i], strlen(lines[i]), &o, &why) == 0 &&
		    o != NULL) {
			s = json_dumps(o, JSON_COMPACT);
			rc = record_parse(s, strlen(s), &back, &why);
			if (rc == 0)
				rc = record_target(back, &u, &ports, &why);
		}
		if (!ok(rc == 0 && u.lo == t.lo && u.hi == t.hi &&
		            u.port == t.port,
		        "\"%s\" -> %s reads back as %s-%s", lines[i],
		        s ? s : "(null)", fmt(t.lo), fmt(t.hi)))
			printf("#   rc %d, why \"%s\", got %s-%s\n", rc,
			    why ? why : "(null)", fmt(u.lo), fmt(u.hi));
		free(s);
		json_decref(o);
		json_decref(back);
	}
}

static void
test_timestamp(void)
{
	char buf[32];
	struct tm tm;
	time_t before = time(NULL), got, after;
	const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;
	int good = 1;
	char *end;

	record_timestamp(buf, sizeof(buf));
	after = time(NULL);
	is_int(strlen(buf), 24, "timestamp is 24 bytes (%s)", buf);
	for (i = 0; i < 24 && buf[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)buf[i])
		                    : buf[i] != shape[i])
			good = 0;
	ok(good, "timestamp has the shape %s", shape);
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	got = timegm(&tm);
	ok(end != NULL && got >= before && got <= after,
	    "timestamp is now, in UTC");
}

int
main(void)
{
	test_json_lines();
	test_json_bad();
	test_bare();
	test_bare_bad();
	test_record_target();
	test_record_target_bad();
	test_round_trip();
	test_rewrite();
	test_timestamp();
	target_of(NULL, NULL, NULL, NULL);
	return done_testing();
}
