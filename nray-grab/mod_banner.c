/*
 * mod_banner.c - the generic module: what a server says first.
 *
 * After connecting it sends the --banner-probe string, if any (C escapes
 * \r \n \t \\ \xNN), then keeps the first BANNER_MAX bytes the server
 * sends.  The banner is complete when the server goes quiet for
 * BANNER_QUIET seconds, closes, or has sent BANNER_MAX bytes (then
 * "truncated": true and the connection is closed, so a server that
 * streams forever costs nothing).
 */
#include <stdio.h>
#include <string.h>

#include "grab.h"

#include "utf8.h"

#define BANNER_MAX   2048
#define BANNER_QUIET 0.5
#define PROBE_MAX    1024

struct banner_state {
	uint8_t buf[BANNER_MAX];
	size_t len;
	int truncated;
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the C escapes of S into OUT (PROBE_MAX bytes); returns length. */
static size_t
unescape(const char *s, uint8_t *out)
{
	size_t n = 0;
	int h, l;

	while (*s != '\0' && n < PROBE_MAX) {
		if (*s != '\\' || s[1] == '\0') {
			out[n++] = (uint8_t)*s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'r':
			out[n++] = '\r';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case '0':
			out[n++] = '\0';
			break;
		case 'x':
			h = hexval((unsigned char)s[1]);
			l = h >= 0 ? hexval((unsigned char)s[2]) : -1;
			if (h >= 0 && l >= 0) {
				out[n++] = (uint8_t)(h << 4 | l);
				s += 2;
			} else
				out[n++] = 'x';
			break;
		default:
			out[n++] = (uint8_t)*s;
			break;
		}
		s++;
	}
	return n;
}

static enum grab_next
banner_start(struct grab *g)
{
	const char *probe = grab_config(g)->banner_probe;
	uint8_t buf[PROBE_MAX];
	size_t n;

	if (probe != NULL && *probe != '\0') {
		n = unescape(probe, buf);
		grab_send(g, buf, n);
		json_object_set_new(
		    grab_result(g), "probe", utf8_json_string(buf, n));
	}
	return GRAB_MORE;
}

static int
binary(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\r' && p[i] != '\n' &&
		        p[i] != '\t') ||
		    p[i] == 0x7f)
			return 1;
	return 0;
}

static enum grab_next
banner_done(struct grab *g)
{
	struct banner_state *st = grab_state(g);
	json_t *r = grab_result(g);
	char hexbuf[2 * BANNER_MAX + 1];
	size_t i;

	json_object_set_new(r, "banner", utf8_json_string(st->buf, st->len));
	if (binary(st->buf, st->len)) {
		for (i = 0; i < st->len; i++)
			snprintf(hexbuf + 2 * i, 3, "%02x", st->buf[i]);
		hexbuf[2 * st->len] = '\0';
		json_object_set_new(r, "hex", json_string(hexbuf));
	}
	if (st->truncated)
		json_object_set_new(r, "truncated", json_true());
	return GRAB_DONE;
}

static enum grab_next
banner_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct banner_state *st = grab_state(g);
	size_t room = BANNER_MAX - st->len, n = len < room ? len : room;

	memcpy(st->buf + st->len, data, n);
	st->len += n;
	*used = len;
	if (len > room) {
		st->truncated = 1;
		return banner_done(g);
	}
	grab_set_timeout(g, BANNER_QUIET);
	return GRAB_MORE;
}

static enum grab_next
banner_end(struct grab *g)
{
	struct banner_state *st = grab_state(g);

	if (st->len == 0)
		return grab_fail(
		    g, GRAB_S_IO_TIMEOUT, "the server sent nothing");
	return banner_done(g);
}

static enum grab_next
banner_eof(struct grab *g)
{
	struct banner_state *st = grab_state(g);

	if (st->len == 0)
		return grab_fail(g, GRAB_S_PROTO,
		    "connection closed before the server sent anything");
	return banner_done(g);
}

const struct grab_module mod_banner = {
    .name = "banner",
    .service = NULL,
    .summary = "what the server says first (optionally after "
               "--banner-probe)",
    .state_size = sizeof(struct banner_state),
    .start = banner_start,
    .input = banner_input,
    .eof = banner_eof,
    .timeout = banner_end,
};
