/*
 * utf8.h - making arbitrary bytes safe for JSON text.
 *
 * JSON text is UTF-8.  Bytes that are not part of a valid UTF-8 sequence
 * (banners, junk input) are mapped one by one to the code point with the
 * same value, U+0080..U+00FF, which JSON writers escape as \u00XX: a reader
 * gets the original bytes back by taking every such code point as a byte.
 * This is the rule of nray-json(5).
 */
#ifndef NRAY_UTF8_H
#define NRAY_UTF8_H

#include <stddef.h>

#include <jansson.h>

/* Length of the longest valid UTF-8 prefix of s (len when all valid). */
size_t utf8_valid_prefix(const char *s, size_t len);

/*
 * Copies LEN bytes of S to OUT with invalid bytes mapped as above; OUT
 * needs room for 2 * LEN bytes.  Returns the bytes written (no NUL added).
 */
size_t utf8_sanitize(const char *s, size_t len, char *out);

/* A new JSON string of the bytes (NUL bytes included), sanitized. */
json_t *utf8_json_string(const void *bytes, size_t len);

#endif
