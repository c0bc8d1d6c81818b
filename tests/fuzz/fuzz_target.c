/*
 * fuzz_target.c - target_parse, target_valid_host and addr_parse on
 * arbitrary bytes.  Besides memory errors it checks the contracts: an
 * accepted target is well formed, and the record written for it parses
 * back to the same target.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "nerr.h"
#include "record.h"
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_target(const struct target *t)
{
	json_t *o, *back = NULL;
	struct target u;
	const char *why, *ports;
	char *line;

	if (t->port < -1 || t->port > 65535)
		abort();
	switch (t->kind) {
	case TARGET_IP:
		if (t->lo != t->hi || t->prefix != -1)
			abort();
		break;
	case TARGET_CIDR:
		if (t->lo > t->hi || t->prefix < 0 || t->prefix > 128)
			abort();
		break;
	case TARGET_RANGE:
		if (t->lo > t->hi || addr_is_v4(t->lo) != addr_is_v4(t->hi))
			abort();
		break;
	case TARGET_HOST:
		if (strlen(t->host) > TARGET_HOSTMAX ||
		    !target_valid_host(t->host, strlen(t->host)))
			abort();
		return; /* names need no round trip */
	default:
		abort();
	}
	/* The record for t names the same addresses and port. */
	o = record_from_target(t);
	line = json_dumps(o, JSON_COMPACT);
	if (line == NULL ||
	    record_parse(line, strlen(line), &back, &why) != 0 ||
	    record_target(back, &u, &ports, &why) != 0 || u.lo != t->lo ||
	    u.hi != t->hi || u.port != t->port)
		abort();
	free(line);
	json_decref(back);
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *why = NULL;
	char buf[ADDR_STRLEN];
	struct target t;
	u128 a, b;
	int rc;

	rc = target_parse(s, size, &t, &why);
	if (rc == 0)
		check_target(&t);
	else if (rc >= 0 || why == NULL)
		abort();
	(void)target_valid_host(s, size);
	if (addr_parse(s, size, &a) == 0) {
		/* Formatting and parsing again gives the same address. */
		addr_format(a, buf);
		if (addr_parse(buf, strlen(buf), &b) != 0 || a != b)
			abort();
	}
	return 0;
}
