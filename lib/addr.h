/*
 * addr.h - IP addresses as 128-bit numbers.
 *
 * Every address lives in one 128-bit space: IPv6 as itself, IPv4 as its
 * IPv4-mapped form ::ffff:a.b.c.d.  Sets, ranges, permutations and
 * exclusions then need one code path for both families.
 */
#ifndef NRAY_ADDR_H
#define NRAY_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef unsigned __int128 u128;

#define ADDR_V4BASE (((u128)0xffff) << 32)
#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN: enough for any address */

static inline int
addr_is_v4(u128 a)
{
	return (a >> 32) == 0xffff;
}

static inline u128
addr_from_v4(uint32_t host_order)
{
	return ADDR_V4BASE | host_order;
}

/* Bits in the address's own family: 32 or 128. */
static inline int
addr_bits(u128 a)
{
	return addr_is_v4(a) ? 32 : 128;
}

/*
 * Parses an IPv4 dotted quad or an IPv6 literal of exactly LEN bytes (no
 * brackets, no zone).  0, or NERR_PARSE.  *out is set only on success.
 */
int addr_parse(const char *s, size_t len, u128 *out);

/* Writes the textual form (inet_ntop style) into buf; returns buf. */
char *addr_format(u128 a, char buf[ADDR_STRLEN]);

/* Like addr_format, without a NUL; returns the length written (<= 45). */
size_t addr_format_raw(u128 a, char *buf);

/* The socket address for (a, port); returns its length. */
socklen_t addr_to_sockaddr(u128 a, uint16_t port, struct sockaddr_storage *ss);

/* The address and port of an AF_INET/AF_INET6 sockaddr; 0 or NERR_PARSE. */
int addr_from_sockaddr(const struct sockaddr *sa, u128 *a, uint16_t *port);

/*
 * The inclusive interval of the prefix a/len, where len counts in a family
 * of BITS bits (32 for IPv4, 128 for IPv6 text, even for ::ffff:0:0/96).
 */
void addr_prefix_bounds(u128 a, int len, int bits, u128 *lo, u128 *hi);

#endif
