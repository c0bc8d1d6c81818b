/* target.c - parsing target expressions (see target.h for the grammar). */
#include <string.h>

#include "nerr.h"
#include "target.h"

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal number of LEN bytes in [0, max]; -1 when not. */
static long
parse_num(const char *s, size_t len, long max)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

int
target_valid_host(const char *s, size_t len)
{
	size_t i, label = 0;
	int digits_only = 1;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > TARGET_HOSTMAX)
		return 0;
	for (i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (label == 0) {
			if (c == '-')
				return 0;
			digits_only = 1;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        is_digit(c) || c == '-' || c == '_'))
			return 0;
		if (!is_digit(c))
			digits_only = 0;
		label++;
	}
	/* No top-level domain is all digits: "1.2.3" is a bad address. */
	return !digits_only;
}

static int
fail(const char **why, const char *reason, int code)
{
	*why = reason;
	return code;
}

/* Parses "ADDR/LEN". */
static int
parse_cidr(const char *s, size_t len, const char *slash, struct target *t,
    const char **why)
{
	size_t alen = (size_t)(slash - s);
	int bits, v6text;
	long plen;
	u128 a;

	if (addr_parse(s, alen, &a) != 0)
		return fail(why, "bad address before '/'", NERR_PARSE);
	v6text = memchr(s, ':', alen) != NULL;
	bits = v6text ? 128 : 32;
	plen = parse_num(slash + 1, len - alen - 1, 1000);
	if (plen < 0)
		return fail(why, "bad prefix length after '/'", NERR_PARSE);
	if (plen > bits)
		return fail(why,
		    v6text ? "prefix length out of range 0-128"
		           : "prefix length out of range 0-32",
		    NERR_RANGE);
	t->kind = TARGET_CIDR;
	t->prefix = (int)plen;
	addr_prefix_bounds(a, (int)plen, bits, &t->lo, &t->hi);
	/* ::ffff:192.0.2.0/120 is the IPv4 network 192.0.2.0/24. */
	if (v6text && plen >= 96 && addr_is_v4(t->lo))
		t->prefix = (int)plen - 96;
	return 0;
}

/* Parses "ADDR-ADDR" or "A.B.C.D-N" (last octet). */
static int
parse_range(const char *s, size_t len, const char *dash, struct target *t,
    const char **why)
{
	size_t llen = (size_t)(dash - s), rlen = len - llen - 1;
	const char *r = dash + 1;
	long octet;
	u128 lo, hi;

	if (addr_parse(s, llen, &lo) != 0)
		return fail(why, "bad address before '-'", NERR_PARSE);
	if (addr_is_v4(lo) && memchr(s, ':', llen) == NULL &&
	    (octet = parse_num(r, rlen, 100000)) >= 0 &&
	    memchr(r, '.', rlen) == NULL) {
		if (octet > 255)
			return fail(
			    why, "last octet out of range 0-255", NERR_RANGE);
		hi = (lo & ~(u128)0xff) | (u128)octet;
	} else if (addr_parse(r, rlen, &hi) != 0) {
		return fail(why, "bad address after '-'", NERR_PARSE);
	} else if (addr_is_v4(lo) != addr_is_v4(hi)) {
		return fail(why, "range mixes IPv4 and IPv6", NERR_PARSE);
	}
	if (hi < lo)
		return fail(
		    why, "inverted range (end before start)", NERR_RANGE);
	t->kind = TARGET_RANGE;
	t->lo = lo;
	t->hi = hi;
	return 0;
}

/* Parses the part before an optional port: address, CIDR, range or name. */
static int
parse_base(const char *s, size_t len, struct target *t, const char **why)
{
	const char *slash = memchr(s, '/', len);
	const char *dash = memchr(s, '-', len);
	size_t hl;
	u128 a;

	if (len == 0)
		return fail(why, "empty target", NERR_PARSE);
	if (slash != NULL)
		return parse_cidr(s, len, slash, t, why);
	if (addr_parse(s, len, &a) == 0) {
		t->kind = TARGET_IP;
		t->lo = t->hi = a;
		return 0;
	}
	/* A dash after an address is a range; in a name it is a letter. */
	if (dash != NULL && addr_parse(s, (size_t)(dash - s), &a) == 0)
		return parse_range(s, len, dash, t, why);
	if (memchr(s, ':', len) != NULL)
		return fail(why, "bad IPv6 address", NERR_PARSE);
	if (!target_valid_host(s, len)) {
		if (len - (s[len - 1] == '.') > TARGET_HOSTMAX)
			return fail(why, "host name longer than 253 bytes",
			    NERR_TOOLONG);
		for (hl = 0; hl < len && (is_digit(s[hl]) || s[hl] == '.');
		     hl++)
			;
		if (hl == len && is_digit(s[0]))
			return fail(why, "bad IPv4 address", NERR_PARSE);
		return fail(why, "not an IP address, CIDR, range or host name",
		    NERR_PARSE);
	}
	hl = s[len - 1] == '.' ? len - 1 : len;
	t->kind = TARGET_HOST;
	memcpy(t->host, s, hl);
	t->host[hl] = '\0';
	return 0;
}

static int
parse_port(const char *s, size_t len, struct target *t, const char **why)
{
	long p = parse_num(s, len, 65535);

	if (p < 0) {
		if (len > 0 && len <= 6 && parse_num(s, len, 999999) >= 0)
			return fail(
			    why, "port out of range 0-65535", NERR_RANGE);
		return fail(why, "bad port after ':'", NERR_PARSE);
	}
	t->port = (int)p;
	return 0;
}

int
target_parse(const char *s, size_t len, struct target *t, const char **why)
{
	struct target tmp;
	const char *colon, *close;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.prefix = -1;
	tmp.port = -1;
	if (len == 0)
		return fail(why, "empty target", NERR_PARSE);
	if (memchr(s, '\0', len) != NULL)
		return fail(why, "NUL byte in target", NERR_PARSE);

	if (s[0] == '[') {
		/* [v6] or [v6]:port */
		close = memchr(s, ']', len);
		if (close == NULL)
			return fail(why, "missing ']'", NERR_PARSE);
		if (memchr(s + 1, ':', (size_t)(close - s - 1)) == NULL)
			return fail(why, "brackets hold only IPv6 addresses",
			    NERR_PARSE);
		if ((rc = parse_base(
		         s + 1, (size_t)(close - s - 1), &tmp, why)) != 0)
			return rc;
		if (tmp.kind != TARGET_IP)
			return fail(
			    why, "brackets hold one IPv6 address", NERR_PARSE);
		if ((size_t)(close - s) + 1 < len) {
			if (close[1] != ':')
				return fail(why, "junk after ']'", NERR_PARSE);
			if ((rc = parse_port(close + 2,
			         len - (size_t)(close - s) - 2, &tmp, why)) !=
			    0)
				return rc;
		}
		*t = tmp;
		return 0;
	}

	/* One colon: host:port or v4:port; more: an IPv6 address. */
	colon = memchr(s, ':', len);
	if (colon != NULL &&
	    memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) == NULL) {
		if ((rc = parse_base(s, (size_t)(colon - s), &tmp, why)) != 0)
			return rc;
		if (tmp.kind != TARGET_IP && tmp.kind != TARGET_HOST)
			return fail(why,
			    "a port goes with one address or host name",
			    NERR_PARSE);
		if ((rc = parse_port(colon + 1, len - (size_t)(colon - s) - 1,
		         &tmp, why)) != 0)
			return rc;
		*t = tmp;
		return 0;
	}
	if ((rc = parse_base(s, len, &tmp, why)) != 0)
		return rc;
	*t = tmp;
	return 0;
}

u128
target_size(const struct target *t)
{
	if (t->kind == TARGET_HOST)
		return 0;
	if (t->lo == 0 && t->hi == ~(u128)0)
		return ~(u128)0;
	return t->hi - t->lo + 1;
}
