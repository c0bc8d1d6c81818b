/*
 * fuzz_grab_pop3.c - libFuzzer harness for the pop3 module's parsers:
 * POP3 greetings and multi-line CAPA.
 *
 * The input is what a server sends, after two control bytes (see
 * grab_stub_fuzz in tests/unit/grab_stub.h): the size of the pieces the
 * module gets, and option bits.  The module (mod_mail.c) and the stub engine
 * are linked in by the Makefile.
 */
#include <stddef.h>
#include <stdint.h>

#include "grab_stub.h"

extern const struct grab_module mod_pop3;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return grab_stub_fuzz(&mod_pop3, data, size);
}
