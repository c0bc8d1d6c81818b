/*
 * fuzz_grab_postgres.c - libFuzzer harness for the postgres module's parsers:
 * PostgreSQL SSLRequest answers and backend messages.
 *
 * The input is what a server sends, after two control bytes (see
 * grab_stub_fuzz in tests/unit/grab_stub.h): the size of the pieces the
 * module gets, and option bits.  The module (mod_db.c) and the stub engine
 * are linked in by the Makefile.
 */
#include <stddef.h>
#include <stdint.h>

#include "grab_stub.h"

extern const struct grab_module mod_postgres;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return grab_stub_fuzz(&mod_postgres, data, size);
}
