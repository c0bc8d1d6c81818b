/*
 * ja3s.c - the JA3S string of a TLS ServerHello (see ja3s.h).
 */
#include <stdio.h>
#include <string.h>

#include "ja3s.h"

#include "nerr.h"

struct rd {
	const uint8_t *p;
	size_t n;
};

static int
rd_u8(struct rd *r, unsigned *v)
{
	if (r->n < 1)
		return -1;
	*v = r->p[0];
	r->p++;
	r->n--;
	return 0;
}

static int
rd_u16(struct rd *r, unsigned *v)
{
	if (r->n < 2)
		return -1;
	*v = (unsigned)r->p[0] << 8 | r->p[1];
	r->p += 2;
	r->n -= 2;
	return 0;
}

static int
rd_skip(struct rd *r, size_t k)
{
	if (r->n < k)
		return -1;
	r->p += k;
	r->n -= k;
	return 0;
}

/* Appends SEP and V in decimal at *pos; -1 when it does not fit. */
static int
put(char *out, size_t outsz, size_t *pos, const char *sep, unsigned v)
{
	int k = snprintf(out + *pos, outsz - *pos, "%s%u", sep, v);

	if (k < 0 || (size_t)k >= outsz - *pos)
		return -1;
	*pos += (size_t)k;
	return 0;
}

static int
ja3s_parse(const uint8_t *msg, size_t len, char *out, size_t outsz)
{
	struct rd r = {msg, len}, ext;
	unsigned type, version, sidlen, cipher, comp, extlen, et, el;
	size_t body, pos = 0;
	int first = 1;

	if (rd_u8(&r, &type) < 0 || type != 2 || r.n < 3)
		return NERR_PARSE;
	body = (size_t)r.p[0] << 16 | (size_t)r.p[1] << 8 | r.p[2];
	r.p += 3;
	r.n -= 3;
	if (body > r.n)
		return NERR_PARSE;
	r.n = body;
	if (rd_u16(&r, &version) < 0 || rd_skip(&r, 32) < 0 ||
	    rd_u8(&r, &sidlen) < 0 || sidlen > 32 || rd_skip(&r, sidlen) < 0 ||
	    rd_u16(&r, &cipher) < 0 || rd_u8(&r, &comp) < 0)
		return NERR_PARSE;
	if (put(out, outsz, &pos, "", version) < 0 ||
	    put(out, outsz, &pos, ",", cipher) < 0 ||
	    put(out, outsz, &pos, ",", 0) < 0)
		goto toolong;
	pos--; /* the placeholder 0: extensions follow the comma */
	out[pos] = '\0';
	if (r.n == 0)
		return 0; /* no extensions at all (old servers) */
	if (rd_u16(&r, &extlen) < 0 || extlen != r.n)
		return NERR_PARSE;
	ext = r;
	while (ext.n > 0) {
		if (rd_u16(&ext, &et) < 0 || rd_u16(&ext, &el) < 0 ||
		    rd_skip(&ext, el) < 0)
			return NERR_PARSE;
		if (put(out, outsz, &pos, first ? "" : "-", et) < 0)
			goto toolong;
		first = 0;
	}
	return 0;
toolong:
	return NERR_TOOLONG;
}

/* See ja3s.h.  OUT holds a whole string or an empty one. */
int
ja3s_string(const uint8_t *msg, size_t len, char *out, size_t outsz)
{
	int rc;

	if (outsz == 0)
		return NERR_TOOLONG;
	out[0] = '\0';
	if ((rc = ja3s_parse(msg, len, out, outsz)) != 0)
		out[0] = '\0';
	return rc;
}
