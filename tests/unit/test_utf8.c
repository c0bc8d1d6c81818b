/*
 * test_utf8.c - utf8.h: every class of invalid sequence, valid text kept,
 * and an exhaustive comparison with a reference built from the table of
 * well-formed byte sequences in RFC 3629, section 4.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "utf8.h"

/* Length of the well-formed sequence at s (RFC 3629 table), 0 when none. */
static size_t
ref_seq(const unsigned char *s, size_t len)
{
	static const struct {
		unsigned char lo[4], hi[4];
		size_t n;
	} rows[] = {
	    {{0x00}, {0x7f}, 1},
	    {{0xc2, 0x80}, {0xdf, 0xbf}, 2},
	    {{0xe0, 0xa0, 0x80}, {0xe0, 0xbf, 0xbf}, 3},
	    {{0xe1, 0x80, 0x80}, {0xec, 0xbf, 0xbf}, 3},
	    {{0xed, 0x80, 0x80}, {0xed, 0x9f, 0xbf}, 3},
	    {{0xee, 0x80, 0x80}, {0xef, 0xbf, 0xbf}, 3},
	    {{0xf0, 0x90, 0x80, 0x80}, {0xf0, 0xbf, 0xbf, 0xbf}, 4},
	    {{0xf1, 0x80, 0x80, 0x80}, {0xf3, 0xbf, 0xbf, 0xbf}, 4},
	    {{0xf4, 0x80, 0x80, 0x80}, {0xf4, 0x8f, 0xbf, 0xbf}, 4},
	};
	size_t r, i;

	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		if (rows[r].n > len)
			continue;
		for (i = 0; i < rows[r].n; i++)
			if (s[i] < rows[r].lo[i] || s[i] > rows[r].hi[i])
				break;
		if (i == rows[r].n)
			return rows[r].n;
	}
	return 0;
}

/* The reference mapping: bytes outside well-formed sequences become U+00XX. */
static size_t
ref_sanitize(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = ref_seq(s + i, len - i);
		if (n == 0) {
			out[o++] = (unsigned char)(0xc0 | (s[i] >> 6));
			out[o++] = (unsigned char)(0x80 | (s[i] & 0x3f));
			i++;
		} else {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		}
	}
	return o;
}

static size_t
ref_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = ref_seq(s + i, len - i)) != 0)
		i += n;
	return i;
}

/* utf8_sanitize(IN) == WANT, and the valid prefix is PREFIX bytes. */
static void
maps(const char *name, const char *in, size_t len, const char *want,
    size_t wlen, size_t prefix)
{
	char out[64];
	size_t n;

	memset(out, 0x55, sizeof(out));
	n = utf8_sanitize(in, len, out);
	ok(n == wlen && memcmp(out, want, wlen) == 0, "sanitize: %s", name);
	is_int(utf8_valid_prefix(in, len), prefix, "valid prefix: %s", name);
}

#define MAPS(name, in, want, prefix)                                           \
	maps(name, in, sizeof(in) - 1, want, sizeof(want) - 1, prefix)

static void
test_classes(void)
{
	MAPS("empty", "", "", 0);
	MAPS("ASCII with NUL and DEL", "a\0\x7f", "a\0\x7f", 3);
	MAPS("lone continuation 0x80", "\x80", "\xc2\x80", 0);
	MAPS("lone continuation 0xbf after text", "ab\xbf", "ab\xc2\xbf", 2);
	MAPS("two continuations", "\x80\x80", "\xc2\x80\xc2\x80", 0);
	MAPS("0xff", "\xff", "\xc3\xbf", 0);
	MAPS("0xfe", "\xfe", "\xc3\xbe", 0);
	MAPS("overlong 2-byte C0 AF ('/')", "\xc0\xaf", "\xc3\x80\xc2\xaf", 0);
	MAPS("overlong 2-byte C1 BF", "\xc1\xbf", "\xc3\x81\xc2\xbf", 0);
	MAPS("overlong 3-byte E0 80 AF", "\xe0\x80\xaf",
	    "\xc3\xa0\xc2\x80\xc2\xaf", 0);
	MAPS("overlong 3-byte E0 9F BF", "\xe0\x9f\xbf",
	    "\xc3\xa0\xc2\x9f\xc2\xbf", 0);
	MAPS("overlong 4-byte F0 80 80 AF", "\xf0\x80\x80\xaf",
	    "\xc3\xb0\xc2\x80\xc2\x80\xc2\xaf", 0);
	MAPS("overlong 4-byte F0 8F BF BF", "\xf0\x8f\xbf\xbf",
	    "\xc3\xb0\xc2\x8f\xc2\xbf\xc2\xbf", 0);
	MAPS("surrogate U+D800", "\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80", 0);
	MAPS("surrogate U+DFFF", "\xed\xbf\xbf", "\xc3\xad\xc2\xbf\xc2\xbf", 0);
	MAPS("surrogate pair (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80",
	    "\xc3\xad\xc2\xa0\xc2\xbd\xc3\xad\xc2\xb8\xc2\x80", 0);
	MAPS("U+110000 (F4 90 80 80)", "\xf4\x90\x80\x80",
	    "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80", 0);
	MAPS("F5 lead byte", "\xf5\x80\x80\x80",
	    "\xc3\xb5\xc2\x80\xc2\x80\xc2\x80", 0);
	MAPS("F8 5-byte form", "\xf8\x88\x80\x80\x80",
	    "\xc3\xb8\xc2\x88\xc2\x80\xc2\x80\xc2\x80", 0);
	MAPS("truncated 2-byte at end", "a\xc3", "a\xc3\x83", 1);
	MAPS("truncated 3-byte at end", "a\xe2\x82", "a\xc3\xa2\xc2\x82", 1);
	MAPS("truncated 4-byte at end", "\xf0\x9f\x98",
	    "\xc3\xb0\xc2\x9f\xc2\x98", 0);
	MAPS("truncated 3-byte before ASCII", "\xe2\x82z", "\xc3\xa2\xc2\x82z",
	    0);
	MAPS("lead byte followed by a lead byte", "\xc3\xc3\xa9",
	    "\xc3\x83\xc3\xa9", 0);
	MAPS("valid, bad, valid", "\xc3\xa9\xff\xc3\xa9",
	    "\xc3\xa9\xc3\xbf\xc3\xa9", 2);
}

static void
test_valid_unchanged(void)
{
	/* Boundary code points: U+007F, U+0080, U+07FF, U+0800, U+D7FF,
	 * U+E000, U+FFFD, U+FFFF, U+10000, U+10FFFF, and some text. */
	static const char text[] =
	    "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xef\xbf\xbd\xef\xbf\xbf"
	    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	char out[2 * sizeof(text)];
	size_t n, len = sizeof(text) - 1;
	json_t *j;

	is_int(utf8_valid_prefix(text, len), len, "boundary text is valid");
	n = utf8_sanitize(text, len, out);
	ok(n == len && memcmp(out, text, len) == 0,
	    "valid text is copied unchanged");
	j = utf8_json_string(text, len);
	ok(j != NULL && json_string_length(j) == len &&
	        memcmp(json_string_value(j), text, len) == 0,
	    "utf8_json_string keeps valid text");
	json_decref(j);
}

static void
test_json_string(void)
{
	json_t *j;
	char *s;

	j = utf8_json_string("a\0b", 3);
	ok(j != NULL && json_string_length(j) == 3 &&
	        memcmp(json_string_value(j), "a\0b", 3) == 0,
	    "utf8_json_string keeps NUL bytes");
	json_decref(j);
	j = utf8_json_string("SSH-2.0-\xff\x00\x80", 11);
	s = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	is_str(s, "\"SSH-2.0-\\u00FF\\u0000\\u0080\"",
	    "banner bytes FF 00 80 become \\u00FF \\u0000 \\u0080");
	free(s);
	json_decref(j);
	j = utf8_json_string("", 0);
	ok(j != NULL && json_string_length(j) == 0, "empty string");
	json_decref(j);
}

/* Compares the library with the reference on IN; counts mismatches. */
static unsigned
compare(const unsigned char *in, size_t len)
{
	unsigned char want[64], got[64];
	size_t wn, gn;
	unsigned bad = 0;

	wn = ref_sanitize(in, len, want);
	gn = utf8_sanitize((const char *)in, len, (char *)got);
	if (wn != gn || memcmp(want, got, wn) != 0)
		bad++;
	if (utf8_valid_prefix((const char *)in, len) != ref_prefix(in, len))
		bad++;
	/* The output is always valid UTF-8. */
	if (ref_prefix(got, gn) != gn)
		bad++;
	return bad;
}

static void
test_exhaustive(void)
{
	unsigned char b[8];
	unsigned long i, bad = 0, state = 12345;
	size_t j, len;

	for (i = 0; i < 256; i++) {
		b[0] = (unsigned char)i;
		bad += compare(b, 1);
	}
	is_int(bad, 0, "every 1-byte input matches the reference");
	for (bad = 0, i = 0; i < 65536; i++) {
		b[0] = (unsigned char)(i >> 8);
		b[1] = (unsigned char)i;
		bad += compare(b, 2);
	}
	is_int(bad, 0, "every 2-byte input matches the reference");
	/* Every 3-byte input whose bytes are interesting (leads, edges). */
	for (bad = 0, i = 0; i < (1ul << 24); i += 1 + (i & 7)) {
		b[0] = (unsigned char)(i >> 16);
		b[1] = (unsigned char)(i >> 8);
		b[2] = (unsigned char)i;
		bad += compare(b, 3);
	}
	is_int(bad, 0, "3-byte inputs match the reference");
	/* Random 4- to 8-byte inputs biased to high bytes. */
	for (bad = 0, i = 0; i < 500000; i++) {
		len = 4 + i % 5;
		for (j = 0; j < len; j++) {
			state = state * 6364136223846793005ul +
			    1442695040888963407ul;
			b[j] = (unsigned char)(state >> 56);
			if ((state >> 40) & 1)
				b[j] |= 0x80;
		}
		bad += compare(b, len);
	}
	is_int(bad, 0, "500,000 random 4-8 byte inputs match the reference");
}

int
main(void)
{
	test_classes();
	test_valid_unchanged();
	test_json_string();
	test_exhaustive();
	return done_testing();
}
