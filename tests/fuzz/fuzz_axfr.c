/*
 * fuzz_axfr.c - libFuzzer harness for the AXFR message parser.
 *
 * The input is one DNS message as a server would send it on TCP (without
 * the length prefix).  Its own first two bytes are taken as the expected
 * ID, so the fuzzer reaches the record parsing.  The spec parser gets the
 * same bytes as a string.  axfr.c lives in nray-targets/, not in libnray:
 * the Makefile links its object into this harness.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axfr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_axfr_cb(void *arg, const struct axfr_rr *rr)
{
	size_t *n = arg;

	/* Touch every string handed out, so ASan checks them. */
	*n += strlen(rr->owner) + (rr->name ? strlen(rr->name) : 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], zone[256], server[256], *s;
	const char *why;
	size_t total = 0;
	uint16_t id;
	int soa = 0, port, rc;

	id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	rc = axfr_parse_message(data, size, id, "lab.example", fuzz_axfr_cb,
	    &total, &soa, err, sizeof err);
	/* A second message continues the same transfer. */
	if (rc == AXFR_MORE)
		axfr_parse_message(data, size, id, "lab.example", fuzz_axfr_cb,
		    &total, &soa, err, sizeof err);
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	axfr_parse_spec(
	    s, zone, sizeof zone, server, sizeof server, &port, &why);
	free(s);
	return 0;
}
