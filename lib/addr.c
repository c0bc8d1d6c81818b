/* addr.c - parsing, formatting and converting 128-bit addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "nerr.h"

static u128
from_bytes(const unsigned char *b)
{
	u128 v = 0;
	int i;

	for (i = 0; i < 16; i++)
		v = (v << 8) | b[i];
	return v;
}

static void
to_bytes(u128 v, unsigned char *b)
{
	int i;

	for (i = 15; i >= 0; i--) {
		b[i] = (unsigned char)v;
		v >>= 8;
	}
}

int
addr_parse(const char *s, size_t len, u128 *out)
{
	char buf[ADDR_STRLEN];
	unsigned char b[16];
	struct in_addr a4;

	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return NERR_PARSE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* inet_pton takes only the strict dotted quad: no octal, no "1.2". */
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		*out = addr_from_v4(ntohl(a4.s_addr));
		return 0;
	}
	if (inet_pton(AF_INET6, buf, b) == 1) {
		*out = from_bytes(b);
		return 0;
	}
	return NERR_PARSE;
}

/* Writes the decimal form of an octet; returns the bytes written. */
static size_t
put_octet(char *p, unsigned v)
{
	if (v >= 100) {
		p[0] = (char)('0' + v / 100);
		p[1] = (char)('0' + v / 10 % 10);
		p[2] = (char)('0' + v % 10);
		return 3;
	}
	if (v >= 10) {
		p[0] = (char)('0' + v / 10);
		p[1] = (char)('0' + v % 10);
		return 2;
	}
	p[0] = (char)('0' + v);
	return 1;
}

size_t
addr_format_raw(u128 a, char *buf)
{
	unsigned char b[16];
	char tmp[ADDR_STRLEN];
	uint32_t v;
	size_t n = 0;
	int shift;

	if (addr_is_v4(a)) {
		/* Hand-rolled: this runs once per record when expanding /0. */
		v = (uint32_t)a;
		for (shift = 24; shift >= 0; shift -= 8) {
			n += put_octet(buf + n, (v >> shift) & 0xff);
			if (shift)
				buf[n++] = '.';
		}
		return n;
	}
	to_bytes(a, b);
	inet_ntop(AF_INET6, b, tmp, sizeof(tmp));
	n = strlen(tmp);
	memcpy(buf, tmp, n);
	return n;
}

char *
addr_format(u128 a, char buf[ADDR_STRLEN])
{
	buf[addr_format_raw(a, buf)] = '\0';
	return buf;
}

socklen_t
addr_to_sockaddr(u128 a, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (addr_is_v4(a)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl((uint32_t)a);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	to_bytes(a, sin6->sin6_addr.s6_addr);
	return sizeof(*sin6);
}

int
addr_from_sockaddr(const struct sockaddr *sa, u128 *a, uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		*a = addr_from_v4(ntohl(sin->sin_addr.s_addr));
		*port = ntohs(sin->sin_port);
		return 0;
	case AF_INET6:
		*a = from_bytes(sin6->sin6_addr.s6_addr);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return NERR_PARSE;
}

void
addr_prefix_bounds(u128 a, int len, int bits, u128 *lo, u128 *hi)
{
	int host_bits = bits - len;
	u128 mask;

	mask = host_bits >= 128 ? ~(u128)0 : (((u128)1 << host_bits) - 1);
	*lo = a & ~mask;
	*hi = a | mask;
}
