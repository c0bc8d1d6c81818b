/*
 * fuzz_grab_ftp.c - libFuzzer harness for the ftp module's parsers:
 * FTP replies (multi-line FEAT, AUTH TLS).
 *
 * The input is what a server sends, after two control bytes (see
 * grab_stub_fuzz in tests/unit/grab_stub.h): the size of the pieces the
 * module gets, and option bits.  The module (mod_ftp.c) and the stub engine
 * are linked in by the Makefile.
 */
#include <stddef.h>
#include <stdint.h>

#include "grab_stub.h"

extern const struct grab_module mod_ftp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return grab_stub_fuzz(&mod_ftp, data, size);
}
