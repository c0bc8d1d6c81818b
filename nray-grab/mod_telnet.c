/*
 * mod_telnet.c - telnet: option negotiation, then the banner.
 *
 * Every option the server asks for or offers is refused (DO -> WONT,
 * WILL -> DONT), which every telnet server must accept, and recorded as
 * {cmd, option, name}.  The text the server sends besides (the login
 * banner, the prompt) is kept up to TELNET_TEXT bytes; the grab ends when
 * the server goes quiet for TELNET_QUIET seconds or closes.
 */
#include <string.h>

#include "grab.h"

#include "utf8.h"

#define TELNET_TEXT  2048
#define TELNET_OPTS  64
#define TELNET_QUIET 1.0

#define IAC  255
#define DONT 254
#define DO   253
#define WONT 252
#define WILL 251
#define SB   250
#define SE   240

struct telnet_state {
	uint8_t text[TELNET_TEXT];
	size_t len;
	size_t nopts;
	int truncated, opts_truncated, heard;
	json_t *opts; /* borrowed from the result */
};

static const char *
option_name(unsigned o)
{
	switch (o) {
	case 0:
		return "binary";
	case 1:
		return "echo";
	case 3:
		return "suppress-go-ahead";
	case 5:
		return "status";
	case 6:
		return "timing-mark";
	case 24:
		return "terminal-type";
	case 31:
		return "window-size";
	case 32:
		return "terminal-speed";
	case 33:
		return "remote-flow-control";
	case 34:
		return "linemode";
	case 35:
		return "x-display-location";
	case 36:
		return "environ";
	case 39:
		return "new-environ";
	default:
		return NULL;
	}
}

static const char *
cmd_name(unsigned c)
{
	switch (c) {
	case DO:
		return "DO";
	case DONT:
		return "DONT";
	case WILL:
		return "WILL";
	case WONT:
		return "WONT";
	default:
		return "SB";
	}
}

static void
record_option(struct grab *g, unsigned cmd, unsigned opt)
{
	struct telnet_state *st = grab_state(g);
	const char *name = option_name(opt);
	json_t *o;

	if (st->opts == NULL) {
		st->opts = json_array();
		json_object_set_new(grab_result(g), "options", st->opts);
	}
	if (st->nopts >= TELNET_OPTS) {
		st->opts_truncated = 1;
		return;
	}
	o = json_pack("{s:s,s:i}", "cmd", cmd_name(cmd), "option", (int)opt);
	if (name != NULL)
		json_object_set_new(o, "name", json_string(name));
	json_array_append_new(st->opts, o);
	st->nopts++;
}

static void
add_text(struct telnet_state *st, uint8_t c)
{
	if (st->len < TELNET_TEXT)
		st->text[st->len++] = c;
	else
		st->truncated = 1;
}

static enum grab_next
telnet_start(struct grab *g)
{
	(void)g;
	return GRAB_MORE;
}

static enum grab_next
telnet_done(struct grab *g)
{
	struct telnet_state *st = grab_state(g);
	json_t *r = grab_result(g);

	if (!st->heard)
		return grab_fail(
		    g, GRAB_S_IO_TIMEOUT, "the server sent nothing");
	json_object_set_new(r, "banner", utf8_json_string(st->text, st->len));
	if (st->truncated || st->opts_truncated)
		json_object_set_new(r, "truncated", json_true());
	return GRAB_DONE;
}

static enum grab_next
telnet_input(struct grab *g, const uint8_t *d, size_t len, size_t *used)
{
	struct telnet_state *st = grab_state(g);
	uint8_t reply[3];
	size_t i = 0, k;

	st->heard = 1;
	while (i < len) {
		if (d[i] != IAC) {
			add_text(st, d[i++]);
			continue;
		}
		if (i + 1 >= len)
			break; /* the command's next byte is still to come */
		if (d[i + 1] == IAC) {
			add_text(st, IAC);
			i += 2;
		} else if (d[i + 1] >= WILL) {
			if (i + 2 >= len)
				break;
			record_option(g, d[i + 1], d[i + 2]);
			reply[0] = IAC;
			reply[1] = 0;
			if (d[i + 1] == DO)
				reply[1] = WONT;
			else if (d[i + 1] == WILL)
				reply[1] = DONT;
			reply[2] = d[i + 2];
			if (reply[1] != 0)
				grab_send(g, reply, sizeof(reply));
			i += 3;
		} else if (d[i + 1] == SB) {
			/* Skip to IAC SE; wait for it when it is not here. */
			for (k = i + 2; k + 1 < len; k++)
				if (d[k] == IAC && d[k + 1] == SE)
					break;
			if (k + 1 >= len) {
				if (len - i > 512) { /* no end in sight */
					i = len;
					break;
				}
				break;
			}
			if (i + 2 < len)
				record_option(g, SB, d[i + 2]);
			i = k + 2;
		} else
			i += 2; /* NOP, GA and the like */
	}
	*used = i;
	if (st->truncated)
		return telnet_done(g);
	grab_set_timeout(g, TELNET_QUIET);
	return GRAB_MORE;
}

static enum grab_next
telnet_eof(struct grab *g)
{
	struct telnet_state *st = grab_state(g);

	if (!st->heard)
		return grab_fail(g, GRAB_S_PROTO,
		    "connection closed before the server sent anything");
	return telnet_done(g);
}

const struct grab_module mod_telnet = {
    .name = "telnet",
    .service = "telnet",
    .summary = "telnet option negotiation (all refused) and the login "
               "banner",
    .state_size = sizeof(struct telnet_state),
    .start = telnet_start,
    .input = telnet_input,
    .eof = telnet_eof,
    .timeout = telnet_done,
};
