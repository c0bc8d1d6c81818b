/*
 * target.h - parsing target expressions.
 *
 * A target is an IP address, a CIDR network, an address range or a host
 * name, optionally with a port: "192.0.2.7", "192.0.2.0/24",
 * "192.0.2.1-192.0.2.40", "192.0.2.1-40", "2001:db8::/64",
 * "2001:db8::1-2001:db8::ff", "example.com", "192.0.2.7:8443",
 * "[2001:db8::1]:22", "example.com:443".
 */
#ifndef NRAY_TARGET_H
#define NRAY_TARGET_H

#include <stddef.h>

#include "addr.h"

#define TARGET_HOSTMAX 253 /* longest DNS name, without the final dot */

enum target_kind {
	TARGET_IP,
	TARGET_CIDR,
	TARGET_RANGE,
	TARGET_HOST,
};

struct target {
	enum target_kind kind;
	u128 lo, hi; /* inclusive bounds (IP: lo == hi); not HOST */
	int prefix;  /* CIDR: length in its family; else -1 */
	int port;    /* 0-65535, or -1 when none was given */
	char host[TARGET_HOSTMAX + 1]; /* HOST: the name, without a final dot */
};

/*
 * Parses the LEN bytes at S (surrounding blanks are not allowed: the caller
 * trims).  On success fills *t and returns 0; otherwise returns NERR_PARSE,
 * NERR_RANGE or NERR_TOOLONG (a name over 253 bytes) and points *why at a
 * static reason ("inverted range",
 * "prefix length 33 out of range 0-32", ...).
 */
int target_parse(const char *s, size_t len, struct target *t, const char **why);

/* Validates a DNS host name (LDH labels plus '_', 1-63 bytes each). */
int target_valid_host(const char *s, size_t len);

/* Number of addresses in an address target (hi - lo + 1; 2^128 saturates). */
u128 target_size(const struct target *t);

#endif
