/* utf8.c - validating UTF-8 and mapping invalid bytes to U+0080..U+00FF. */
#include <stdint.h>
#include <stdlib.h>

#include "utf8.h"
#include "xalloc.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid. */
static size_t
seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

size_t
utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = seq_len(u + i, len - i)) == 0)
			break;
		i += n;
	}
	return i;
}

size_t
utf8_sanitize(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = seq_len(u + i, len - i);
		if (n == 0) {
			/* The byte stands for the code point of its value. */
			out[o++] = (char)(0xc0 | (u[i] >> 6));
			out[o++] = (char)(0x80 | (u[i] & 0x3f));
			i++;
			continue;
		}
		while (n-- > 0)
			out[o++] = (char)u[i++];
	}
	return o;
}

json_t *
utf8_json_string(const void *bytes, size_t len)
{
	char *buf;
	size_t n;
	json_t *j;

	if (utf8_valid_prefix(bytes, len) == len)
		return json_stringn(bytes, len);
	buf = xmalloc(2 * len);
	n = utf8_sanitize(bytes, len, buf);
	j = json_stringn(buf, n);
	free(buf);
	return j;
}
