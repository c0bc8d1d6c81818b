/*
 * ports.c - port specifications (see ports.h).
 *
 * A spec is parsed into two 65536-bit bitmaps, one for inclusions and one
 * for exclusions; the result is their difference, collected in ascending
 * order.  Reasons for errors that quote the input are formatted into a
 * thread-local buffer: they stay valid until the next ports_parse call in
 * the same thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nerr.h"
#include "ports.h"
#include "xalloc.h"

/* The rankings, generated from data/top-*.txt by tools/gen-topports.sh. */
extern const uint16_t *const topports_tcp;
extern const size_t topports_tcp_len;
extern const uint16_t *const topports_udp;
extern const size_t topports_udp_len;

#define PORTS_NBITS  65536
#define PORTS_NWORDS (PORTS_NBITS / 64)
#define QUOTE_MAX    40 /* bytes of an item quoted in a reason */

static __thread char why_buf[256];

/* One item of a spec: [start, end) of the text, blanks trimmed. */
struct item {
	const char *s;
	size_t len;
};

/* Sets bits LO..HI (inclusive) of MAP a word at a time: specs may be long. */
static void
bit_set_range(uint64_t *map, uint32_t lo, uint32_t hi)
{
	uint32_t wlo = lo / 64, whi = hi / 64;
	uint64_t mlo = ~(uint64_t)0 << (lo % 64);
	uint64_t mhi = ~(uint64_t)0 >> (63 - hi % 64);

	if (wlo == whi) {
		map[wlo] |= mlo & mhi;
		return;
	}
	map[wlo] |= mlo;
	for (uint32_t w = wlo + 1; w < whi; w++)
		map[w] = ~(uint64_t)0;
	map[whi] |= mhi;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Writes ITEM into DST (size DSTSZ) for quoting in a reason: printable
 * bytes as they are, others as \xNN, cut with "..." after QUOTE_MAX bytes.
 */
static void
quote_item(char *dst, size_t dstsz, const char *s, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len && i < QUOTE_MAX && o + 5 < dstsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, dstsz - o, "\\x%02x", c);
	}
	if (i < len && o + 4 < dstsz) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* Returns the reason PRE 'ITEM' POST, ITEM quoted by quote_item. */
static const char *
why_item(const char *pre, const char *s, size_t len, const char *post)
{
	char q[QUOTE_MAX * 4 + 8];

	quote_item(q, sizeof(q), s, len);
	snprintf(why_buf, sizeof(why_buf), "%s%s%s", pre, q, post);
	return why_buf;
}

/*
 * Parses the run of decimal digits at S (at most LEN bytes).  Returns the
 * number of digits (0 when there are none); *val gets the value, capped at
 * UINT32_MAX so overlong numbers stay out of range without overflowing.
 */
static size_t
scan_number(const char *s, size_t len, uint32_t *val)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			v = UINT32_MAX;
	}
	*val = (uint32_t)v;
	return i;
}

/* Reason for a number out of 0-65535, quoting its digits as written. */
static const char *
why_port_range(const char *digits, size_t n)
{
	return why_item("port ", digits, n, " out of range 0-65535");
}

/*
 * Parses "topN" (the "top" already matched, case-insensitively): sets the
 * first N ports of PROTO's ranking in MAP.
 */
static int
parse_top(const struct item *it, enum ports_proto proto, uint64_t *map,
    const char **why)
{
	const char *d = it->s + 3;
	size_t dlen = it->len - 3, nd, rlen;
	const uint16_t *rank;
	uint32_t n;

	nd = scan_number(d, dlen, &n);
	if (nd == 0 || nd != dlen) {
		*why = why_item("unknown item '", it->s, it->len,
		    "' (top needs a number, e.g. top100)");
		return NERR_PARSE;
	}
	rank = ports_ranking(proto, &rlen);
	if (n == 0) {
		*why = "top0 selects no ports (the smallest is top1)";
		return NERR_RANGE;
	}
	if (n > rlen) {
		char q[QUOTE_MAX * 4 + 8];

		quote_item(q, sizeof(q), d, dlen);
		snprintf(why_buf, sizeof(why_buf),
		    "%s top ranking has %zu ports, asked for top%s",
		    proto == PORTS_UDP ? "UDP" : "TCP", rlen, q);
		*why = why_buf;
		return NERR_RANGE;
	}
	for (uint32_t i = 0; i < n; i++)
		map[rank[i] / 64] |= (uint64_t)1 << (rank[i] % 64);
	return 0;
}

/*
 * Parses a port or a range ("80", "8000-8100", "-1024", "60000-") and
 * sets it in MAP.
 */
static int
parse_range(const struct item *it, uint64_t *map, const char **why)
{
	const char *s = it->s, *dash;
	size_t len = it->len, n1, n2, rest;
	uint32_t lo = 1, hi = 65535;

	n1 = scan_number(s, len, &lo);
	if (n1 == 0)
		lo = 1; /* "-1024" */
	else if (lo > 65535) {
		*why = why_port_range(s, n1);
		return NERR_RANGE;
	}
	if (n1 == len) {
		bit_set_range(map, lo, lo);
		return 0;
	}
	if (s[n1] != '-')
		goto bad;
	dash = s + n1 + 1;
	rest = len - n1 - 1;
	n2 = scan_number(dash, rest, &hi);
	if (n2 != rest)
		goto bad;
	if (n1 == 0 && n2 == 0) {
		*why = "range '-' has no bounds";
		return NERR_PARSE;
	}
	if (n2 == 0)
		hi = 65535; /* "60000-" */
	else if (hi > 65535) {
		*why = why_port_range(dash, n2);
		return NERR_RANGE;
	}
	if (lo > hi) {
		snprintf(
		    why_buf, sizeof(why_buf), "inverted range %u-%u", lo, hi);
		*why = why_buf;
		return NERR_RANGE;
	}
	bit_set_range(map, lo, hi);
	return 0;
bad:
	*why = why_item("bad port or range '", s, len, "'");
	return NERR_PARSE;
}

/* Parses one item (without its "!") into MAP. */
static int
parse_item(const struct item *it, enum ports_proto proto, uint64_t *map,
    const char **why)
{
	char c = it->s[0];

	if ((c >= '0' && c <= '9') || c == '-')
		return parse_range(it, map, why);
	if (it->len == 3 && strncasecmp(it->s, "all", 3) == 0) {
		bit_set_range(map, 1, 65535);
		return 0;
	}
	if (it->len >= 3 && strncasecmp(it->s, "top", 3) == 0)
		return parse_top(it, proto, map, why);
	*why = why_item("unknown item '", it->s, it->len, "'");
	return NERR_PARSE;
}

/*
 * Parses SPEC for PROTO into a new set in *out (see ports.h for the
 * grammar).  0 on success; NERR_PARSE, NERR_RANGE or NERR_EMPTY with a
 * reason in *why (WHY may be NULL) and *out left NULL.
 */
int
ports_parse(const char *spec, enum ports_proto proto, struct ports **out,
    const char **why)
{
	uint64_t *incl = NULL, *excl = NULL;
	struct ports *p = NULL;
	const char *s = spec, *dummy;
	size_t n = 0;
	int rc = NERR_PARSE;

	*out = NULL;
	if (why == NULL)
		why = &dummy;
	*why = NULL;

	while (is_blank(*s))
		s++;
	if (*s == '\0') {
		*why = "empty port spec";
		goto out;
	}
	incl = xcalloc(PORTS_NWORDS, sizeof(*incl));
	excl = xcalloc(PORTS_NWORDS, sizeof(*excl));
	for (s = spec;; s++) {
		const char *e = strchr(s, ',');
		struct item it;
		int neg = 0;

		if (e == NULL)
			e = s + strlen(s);
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s < e && *s == '!') {
			neg = 1;
			s++;
			while (s < e && is_blank(*s))
				s++;
		}
		it.s = s;
		it.len = (size_t)(e - s);
		if (it.len == 0) {
			*why = neg ? "empty item after '!'" : "empty item";
			rc = NERR_PARSE;
			goto out;
		}
		rc = parse_item(&it, proto, neg ? excl : incl, why);
		if (rc != 0)
			goto out;
		s += strcspn(s, ",");
		if (*s == '\0')
			break;
	}

	for (size_t w = 0; w < PORTS_NWORDS; w++) {
		incl[w] &= ~excl[w];
		n += (size_t)__builtin_popcountll(incl[w]);
	}
	if (n == 0) {
		*why = "no ports left after exclusions";
		rc = NERR_EMPTY;
		goto out;
	}
	p = xmalloc(sizeof(*p));
	p->n = 0;
	p->port = xreallocarray(NULL, n, sizeof(*p->port));
	for (size_t w = 0; w < PORTS_NWORDS; w++) {
		uint64_t bits = incl[w];

		while (bits != 0) {
			int b = __builtin_ctzll(bits);

			p->port[p->n++] = (uint16_t)(w * 64 + (size_t)b);
			bits &= bits - 1;
		}
	}
	*out = p;
	rc = 0;
out:
	free(incl);
	free(excl);
	return rc;
}

/* Returns a new copy of P (NULL for NULL), released with ports_free. */
struct ports *
ports_copy(const struct ports *p)
{
	struct ports *c;

	if (p == NULL)
		return NULL;
	c = xmalloc(sizeof(*c));
	c->n = p->n;
	c->port = xreallocarray(NULL, p->n ? p->n : 1, sizeof(*c->port));
	if (p->n)
		memcpy(c->port, p->port, p->n * sizeof(*c->port));
	return c;
}

/* Releases P; NULL is a no-op. */
void
ports_free(struct ports *p)
{
	if (p == NULL)
		return;
	free(p->port);
	free(p);
}

/* Nonzero when PORT is in P (binary search; NULL holds nothing). */
int
ports_contains(const struct ports *p, uint16_t port)
{
	size_t lo = 0, hi;

	if (p == NULL)
		return 0;
	hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->port[mid] == port)
			return 1;
		if (p->port[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Returns PROTO's ranking, most often open first, borrowed for the life of
 * the program; *n (N may be NULL) gets its length.
 */
const uint16_t *
ports_ranking(enum ports_proto proto, size_t *n)
{
	if (proto == PORTS_UDP) {
		if (n != NULL)
			*n = topports_udp_len;
		return topports_udp;
	}
	if (n != NULL)
		*n = topports_tcp_len;
	return topports_tcp;
}
