/*
 * mod_smtp.c - the smtp and smtps modules: the greeting, EHLO and its
 * extensions (RFC 5321), and, when offered, STARTTLS (RFC 3207) with a
 * second EHLO over TLS.  smtps has TLS from the start (port 465) and does
 * not try STARTTLS.  No mail is sent: QUIT follows.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grab.h"
#include "nerr.h"
#include "textproto.h"

static const char smtp_ehlo[] = "EHLO nray-grab.invalid\r\n";

enum smtp_phase {
	SMTP_BANNER,
	SMTP_EHLO,
	SMTP_STARTTLS,
	SMTP_EHLO_TLS,
	SMTP_END
};

struct smtp_state {
	enum smtp_phase phase;
};

/* The keywords of an EHLO reply: each line's first word, after line 1. */
static json_t *
smtp_extensions(const uint8_t *data, const struct tp_reply *rep, int *starttls)
{
	json_t *lines = tp_reply_lines(data, rep->used, rep->code);
	json_t *out = json_array();
	const char *s;
	size_t i;

	*starttls = 0;
	for (i = 1; i < json_array_size(lines); i++) {
		s = json_string_value(json_array_get(lines, i));
		if (*s == '\0')
			continue;
		json_array_append_new(out, json_stringn(s, strcspn(s, " ")));
		if (strcasecmp(s, "STARTTLS") == 0)
			*starttls = 1;
	}
	json_decref(lines);
	return out;
}

static enum grab_next
smtp_quit(struct grab *g, struct smtp_state *st)
{
	grab_send(g, "QUIT\r\n", 6);
	st->phase = SMTP_END;
	return GRAB_DONE;
}

/* One complete reply (a tp_replies callback: returns an enum grab_next). */
static int
smtp_on_reply(void *arg, const uint8_t *data, const struct tp_reply *rep)
{
	struct grab *g = arg;
	struct smtp_state *st = grab_state(g);
	json_t *r = grab_result(g);
	const char *banner;
	int starttls;

	switch (st->phase) {
	case SMTP_BANNER:
		json_object_set_new(
		    r, "banner", tp_reply_text(data, rep->used));
		json_object_set_new(r, "code", json_integer(rep->code));
		banner = json_string_value(json_object_get(r, "banner"));
		/* FTP greets with 220 too; let auto-detection try again. */
		if (strcasestr(banner, "FTP") && !strcasestr(banner, "SMTP"))
			return grab_fail(g, GRAB_S_PROTO, "an FTP greeting");
		grab_set_service(g, "smtp");
		if (rep->code != 220)
			return grab_fail(
			    g, GRAB_S_APP, "greeting %d", rep->code);
		grab_send(g, smtp_ehlo, sizeof smtp_ehlo - 1);
		st->phase = SMTP_EHLO;
		return GRAB_MORE;
	case SMTP_EHLO:
		json_object_set_new(r, "ehlo", tp_reply_text(data, rep->used));
		if (rep->code != 250)
			return smtp_quit(g, st);
		json_object_set_new(
		    r, "extensions", smtp_extensions(data, rep, &starttls));
		if (!grab_tls_active(g))
			json_object_set_new(
			    r, "starttls", json_boolean(starttls));
		if (starttls && !grab_tls_active(g)) {
			grab_send(g, "STARTTLS\r\n", 10);
			st->phase = SMTP_STARTTLS;
			return GRAB_MORE;
		}
		return smtp_quit(g, st);
	case SMTP_STARTTLS:
		if (rep->code == 220)
			return GRAB_STARTTLS;
		json_object_set_new(
		    r, "starttls_error", tp_reply_text(data, rep->used));
		return smtp_quit(g, st);
	case SMTP_EHLO_TLS:
		json_object_set_new(
		    r, "ehlo_tls", tp_reply_text(data, rep->used));
		return smtp_quit(g, st);
	case SMTP_END:
		break;
	}
	return GRAB_DONE;
}

static enum grab_next
smtp_start(struct grab *g)
{
	struct smtp_state *st = grab_state(g);

	st->phase = SMTP_BANNER;
	return GRAB_MORE;
}

static enum grab_next
smtp_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	int rc = tp_replies(data, len, used, smtp_on_reply, g);

	if (rc == NERR_TOOLONG)
		return grab_fail(g, GRAB_S_PROTO, "reply too long");
	if (rc < 0)
		return grab_fail(g, GRAB_S_PROTO, "not an SMTP reply");
	return (enum grab_next)rc; /* GRAB_MORE is 0 */
}

static enum grab_next
smtp_tls_ready(struct grab *g)
{
	struct smtp_state *st = grab_state(g);

	grab_send(g, smtp_ehlo, sizeof smtp_ehlo - 1);
	st->phase = SMTP_EHLO_TLS;
	return GRAB_MORE;
}

static enum grab_next
smtp_eof(struct grab *g)
{
	struct smtp_state *st = grab_state(g);

	if (st->phase == SMTP_BANNER)
		return grab_fail(
		    g, GRAB_S_PROTO, "connection closed before the greeting");
	return grab_fail(g, GRAB_S_PROTO, "connection closed after %s",
	    st->phase == SMTP_STARTTLS ? "STARTTLS" : "EHLO");
}

const struct grab_module mod_smtp = {
    .name = "smtp",
    .service = "smtp",
    .summary = "SMTP: greeting, EHLO extensions, STARTTLS then EHLO again",
    .state_size = sizeof(struct smtp_state),
    .start = smtp_start,
    .input = smtp_input,
    .eof = smtp_eof,
    .tls_ready = smtp_tls_ready,
};

const struct grab_module mod_smtps = {
    .name = "smtps",
    .service = "smtp",
    .summary = "SMTP over implicit TLS (port 465): greeting, EHLO",
    .implicit_tls = 1,
    .state_size = sizeof(struct smtp_state),
    .start = smtp_start,
    .input = smtp_input,
    .eof = smtp_eof,
    .tls_ready = smtp_tls_ready,
};
