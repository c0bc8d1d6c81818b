/*
 * sniff.c - auto-detection from the first bytes a server sends, and the
 * order of the auto choice's steps (see sniff.h).
 *
 * Servers that speak first say who they are in their first line: "SSH-",
 * "220 " (SMTP or FTP: the text tells which), "* OK" (IMAP), "+OK" (POP3),
 * a MySQL handshake packet, telnet option negotiation (IAC), a Redis
 * error.  Servers that wait for the client are found by the later steps:
 * a TLS handshake, then an HTTP request.
 */
#include <ctype.h>
#include <string.h>

#include "sniff.h"

#include "grab.h"

#define LINE_WAIT 512 /* bytes to wait for a line end before judging */

static const char *const prefixes[] = {"SSH-", "220", "* OK", "* PREAUTH",
    "* BYE", "+OK", "-ERR", "-NOAUTH", "-DENIED", "HTTP/1.", "HTTP/2", NULL};

/* True when the LEN bytes are a proper prefix of a known opening. */
static int
could_be(const uint8_t *d, size_t len)
{
	size_t i, n;

	for (i = 0; prefixes[i] != NULL; i++) {
		n = strlen(prefixes[i]);
		if (len < n && memcmp(d, prefixes[i], len) == 0)
			return 1;
	}
	return 0;
}

static int
starts(const uint8_t *d, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(d, s, n) == 0;
}

/* Case-insensitive search for WORD in D[0..LEN). */
static int
has_word(const uint8_t *d, size_t len, const char *word)
{
	size_t n = strlen(word), i, k;

	for (i = 0; i + n <= len; i++) {
		for (k = 0; k < n; k++)
			if (tolower(d[i + k]) !=
			    tolower((unsigned char)word[k]))
				break;
		if (k == n)
			return 1;
	}
	return 0;
}

/* "220" greetings: SMTP or FTP, by the words of the greeting. */
static const char *
smtp_or_ftp(const uint8_t *d, size_t len)
{
	static const char *const smtp[] = {
	    "SMTP", "Postfix", "Exim", "Sendmail", "mail", "MTA", NULL};
	static const char *const ftp[] = {
	    "FTP", "FileZilla", "Pure-FTPd", NULL};
	size_t i;

	for (i = 0; ftp[i] != NULL; i++)
		if (has_word(d, len, ftp[i]))
			return "ftp";
	for (i = 0; smtp[i] != NULL; i++)
		if (has_word(d, len, smtp[i]))
			return "smtp";
	return "ftp"; /* SMTP servers name themselves; FTP ones often not */
}

/*
 * A MySQL initial handshake: a 3-byte little-endian length, sequence 0,
 * then protocol 10 and a NUL-terminated version, or an error packet
 * (0xff) when the server refuses this host.
 */
static enum sniff_verdict
mysql(const uint8_t *d, size_t len, int final)
{
	size_t plen, i;

	if (len < 5) {
		if (final || (len >= 4 && d[3] != 0))
			return SNIFF_UNKNOWN;
		return SNIFF_MORE;
	}
	plen = (size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16;
	if (d[3] != 0 || plen < 3 || plen > 4096)
		return SNIFF_UNKNOWN;
	if (d[4] == 0xff)
		return plen >= 3 ? SNIFF_MATCH : SNIFF_UNKNOWN;
	if (d[4] != 10)
		return SNIFF_UNKNOWN;
	for (i = 5; i < len && i < 4 + plen; i++) {
		if (d[i] == 0)
			return i > 5 ? SNIFF_MATCH : SNIFF_UNKNOWN;
		if (!isprint(d[i]))
			return SNIFF_UNKNOWN;
	}
	return final || i == 4 + plen ? SNIFF_UNKNOWN : SNIFF_MORE;
}

/* See sniff.h. */
enum sniff_verdict
sniff_classify(const uint8_t *data, size_t len, int final, const char **module)
{
	const uint8_t *nl;
	enum sniff_verdict v;

	*module = NULL;
	if (len == 0)
		return final ? SNIFF_UNKNOWN : SNIFF_MORE;
	if (data[0] == 0xff) { /* telnet: IAC WILL/WONT/DO/DONT/SB */
		if (len < 2)
			return final ? SNIFF_UNKNOWN : SNIFF_MORE;
		if (data[1] >= 250 && data[1] <= 254) {
			*module = "telnet";
			return SNIFF_MATCH;
		}
	}
	if (starts(data, len, "SSH-")) {
		*module = "ssh";
		return SNIFF_MATCH;
	}
	if (starts(data, len, "220") &&
	    (len == 3 || data[3] == ' ' || data[3] == '-' || len < 4)) {
		nl = memchr(data, '\n', len);
		if (nl == NULL && len < LINE_WAIT && !final)
			return SNIFF_MORE;
		*module = smtp_or_ftp(data, len);
		return SNIFF_MATCH;
	}
	if (starts(data, len, "* OK") || starts(data, len, "* PREAUTH") ||
	    starts(data, len, "* BYE")) {
		*module = "imap";
		return SNIFF_MATCH;
	}
	if (starts(data, len, "+OK")) {
		*module = "pop3";
		return SNIFF_MATCH;
	}
	if (starts(data, len, "-ERR") || starts(data, len, "-NOAUTH") ||
	    starts(data, len, "-DENIED")) {
		*module = "redis";
		return SNIFF_MATCH;
	}
	if (starts(data, len, "HTTP/1.") || starts(data, len, "HTTP/2")) {
		*module = "http";
		return SNIFF_MATCH;
	}
	v = mysql(data, len, final);
	if (v == SNIFF_MATCH) {
		*module = "mysql";
		return v;
	}
	if (v == SNIFF_MORE && !final)
		return SNIFF_MORE;
	if (!final && could_be(data, len))
		return SNIFF_MORE;
	return SNIFF_UNKNOWN;
}

/* See sniff.h. */
enum auto_step
sniff_next_step(enum auto_step step, const char *status, int handed_off,
    int tls_done, int *keep)
{
	*keep = 1;
	switch (step) {
	case STEP_PORT:
		return strcmp(status, GRAB_S_PROTO) == 0 ? STEP_SNIFF
		                                         : STEP_END;
	case STEP_SNIFF:
		/* Silent: the server waits for the client to speak. */
		if (!handed_off && strcmp(status, GRAB_S_IO_TIMEOUT) == 0) {
			*keep = 0;
			return STEP_TLS;
		}
		return STEP_END;
	case STEP_TLS:
		if (tls_done)
			return STEP_END;
		*keep = 0;
		return STEP_HTTP;
	case STEP_HTTP:
		*keep = strcmp(status, GRAB_S_SUCCESS) == 0;
		return STEP_END;
	default:
		return STEP_END;
	}
}
