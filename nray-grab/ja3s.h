/*
 * ja3s.h - the JA3S string of a TLS ServerHello.
 *
 * JA3S is "version,cipher,ext1-ext2-..." in decimal, taken from the
 * ServerHello's legacy version field, its cipher suite and its extension
 * types in the order sent; its MD5 is the fingerprint (tlsinfo.c).
 */
#ifndef NRAY_GRAB_JA3S_H
#define NRAY_GRAB_JA3S_H

#include <stddef.h>
#include <stdint.h>

#define JA3S_MAX 1024 /* room for the longest string ja3s_string writes */

/*
 * Writes the JA3S string of the ServerHello handshake message MSG (LEN
 * bytes, with its 4-byte handshake header) into OUT (OUTSZ bytes, NUL
 * terminated).  0, NERR_PARSE (not a well-formed ServerHello) or
 * NERR_TOOLONG (OUT too small).
 */
int ja3s_string(const uint8_t *msg, size_t len, char *out, size_t outsz);

#endif
