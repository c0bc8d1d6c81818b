/*
 * fuzz_ports.c - libFuzzer harness for ports_parse.
 *
 * The input becomes a NUL-terminated spec, parsed for TCP and for UDP; a
 * parsed set must be ascending and unique, a failure must carry a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *spec, enum ports_proto proto)
{
	struct ports *p = NULL;
	const char *why = NULL;

	if (ports_parse(spec, proto, &p, &why) != 0) {
		if (p != NULL || why == NULL || strlen(why) == 0)
			abort();
		return;
	}
	if (p == NULL || p->n == 0)
		abort();
	for (size_t i = 1; i < p->n; i++)
		if (p->port[i - 1] >= p->port[i])
			abort();
	if (!ports_contains(p, p->port[0]) ||
	    !ports_contains(p, p->port[p->n - 1]))
		abort();
	ports_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);

	if (spec == NULL)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	check(spec, PORTS_TCP);
	check(spec, PORTS_UDP);
	free(spec);
	return 0;
}
