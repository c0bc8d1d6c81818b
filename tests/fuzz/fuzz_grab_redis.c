/*
 * fuzz_grab_redis.c - libFuzzer harness for the redis module's parsers:
 * RESP answers and INFO text.
 *
 * The input is what a server sends, after two control bytes (see
 * grab_stub_fuzz in tests/unit/grab_stub.h): the size of the pieces the
 * module gets, and option bits.  The module (mod_redis.c) and the stub engine
 * are linked in by the Makefile.
 */
#include <stddef.h>
#include <stdint.h>

#include "grab_stub.h"

extern const struct grab_module mod_redis;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return grab_stub_fuzz(&mod_redis, data, size);
}
