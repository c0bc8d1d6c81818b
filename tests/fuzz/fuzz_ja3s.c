/*
 * fuzz_ja3s.c - libFuzzer harness for the ServerHello parser behind JA3S
 * (nray-grab/ja3s.c).
 *
 * The input is one handshake message as the TLS message callback hands it
 * over (4-byte header, then the body).  The string written must be NUL
 * terminated within the buffer, empty on failure, and made only of digits,
 * commas and dashes; a small buffer must fail cleanly, never overrun.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ja3s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, size_t outsz)
{
	char *out = malloc(outsz);
	size_t i, len;
	int rc;

	rc = ja3s_string(data, size, out, outsz);
	len = strnlen(out, outsz);
	if (len == outsz)
		abort();
	if (rc != 0 && len != 0)
		abort();
	for (i = 0; i < len; i++)
		if (strchr("0123456789,-", out[i]) == NULL)
			abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, JA3S_MAX);
	check(data, size, 12);
	check(data, size, 1);
	return 0;
}
