/*
 * sniff.c - auto-detection from the first bytes a server sends, and the
 * order of the auto choice's steps (see sniff.h).
 *
 * Servers that speak first say who they are in their first line: "SSH-",
 * "220 " (SMTP or FTP: the text tells which), "* OK" (IMAP), "+OK" (POP3),
 * a MySQL handshake packet, telnet option negotiation (IAC), a Redis
 * error.  Servers that wait for the client are found by the answers to
 * the other probes (probe.c): a Redis PING, a PostgreSQL SSLRequest, an
 * HTTP request; a TLS handshake is judged by OpenSSL.
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
enum sniff_verdict
sniff_redis(const uint8_t *data, size_t len, int final)
{
	static const char *const errs[] = {"-NOAUTH", "-ERR", "-DENIED",
	    "-WRONGPASS", "-NOPERM", "-LOADING", "-MISCONF", "-BUSY",
	    "-MASTERDOWN", NULL};
	const uint8_t *cr;
	size_t i, n, ll;

	if (len == 0)
		return final ? SNIFF_UNKNOWN : SNIFF_MORE;
	if (data[0] != '+' && data[0] != '-')
		return SNIFF_UNKNOWN;
	cr = memchr(data, '\r', len < LINE_WAIT ? len : LINE_WAIT);
	if (cr == NULL || (size_t)(cr - data) + 1 >= len)
		return final || len >= LINE_WAIT ? SNIFF_UNKNOWN : SNIFF_MORE;
	if (cr[1] != '\n')
		return SNIFF_UNKNOWN;
	ll = (size_t)(cr - data);
	if (data[0] == '+')
		return ll == 5 && memcmp(data, "+PONG", 5) == 0 ? SNIFF_MATCH
		                                                : SNIFF_UNKNOWN;
	for (i = 0; errs[i] != NULL; i++) {
		n = strlen(errs[i]);
		if (ll >= n && memcmp(data, errs[i], n) == 0 &&
		    (ll == n || data[n] == ' '))
			return SNIFF_MATCH;
	}
	return SNIFF_UNKNOWN;
}

/* See sniff.h. */
enum sniff_verdict
sniff_postgres(const uint8_t *data, size_t len, int final)
{
	if (len == 0)
		return final ? SNIFF_UNKNOWN : SNIFF_MORE;
	if (len > 1 || (data[0] != 'S' && data[0] != 'N'))
		return SNIFF_UNKNOWN;
	return final ? SNIFF_MATCH : SNIFF_MORE;
}

/* See sniff.h. */
enum sniff_verdict
sniff_http(const uint8_t *data, size_t len, int final)
{
	static const char http[] = "HTTP/";
	size_t n = sizeof(http) - 1;

	if (len <= n)
		return !final && memcmp(data, http, len) == 0 ? SNIFF_MORE
		                                              : SNIFF_UNKNOWN;
	return memcmp(data, http, n) == 0 && isdigit(data[n]) ? SNIFF_MATCH
	                                                      : SNIFF_UNKNOWN;
}

/* See sniff.h. */
const char *
sniff_tls_module(const char *plain)
{
	static const char *const map[][2] = {{"smtp", "smtps"},
	    {"imap", "imaps"}, {"pop3", "pop3s"}, {"http", "https"}};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(plain, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* See sniff.h. */
enum auto_step
sniff_next_step(enum auto_step step, const char *status)
{
	if (step == STEP_PORT && strcmp(status, GRAB_S_PROTO) == 0)
		return STEP_SNIFF;
	return STEP_END;
}
