/*
 * mod_ftp.c - the ftp module: the greeting, FEAT (RFC 2389) and, when the
 * server offers AUTH TLS (RFC 4217), the TLS upgrade so the engine records
 * the certificate.  It never logs in.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grab.h"
#include "nerr.h"
#include "textproto.h"

enum ftp_phase { FTP_BANNER, FTP_FEAT, FTP_AUTH, FTP_END };

struct ftp_state {
	enum ftp_phase phase;
};

/* True when a FEAT line offers AUTH with the TLS mechanism. */
static int
ftp_offers_auth_tls(json_t *features)
{
	const char *s, *p;
	size_t i;
	json_t *v;

	json_array_foreach(features, i, v)
	{
		s = json_string_value(v);
		if (strncasecmp(s, "AUTH", 4) != 0 ||
		    (s[4] != ' ' && s[4] != '\0'))
			continue;
		for (p = s + 4; (p = strcasestr(p, "TLS")) != NULL; p += 3)
			if ((p[-1] == ' ' || p[-1] == ';') &&
			    (p[3] == '\0' || p[3] == ' ' || p[3] == ';'))
				return 1;
	}
	return 0;
}

/* The lines of a 211 FEAT reply between its first and last line. */
static json_t *
ftp_features(const uint8_t *data, const struct tp_reply *rep)
{
	json_t *lines = tp_reply_lines(data, rep->used, rep->code);
	json_t *out = json_array(), *v;
	const char *s;
	size_t i, n = json_array_size(lines);

	for (i = 1; i + 1 < n; i++) {
		v = json_array_get(lines, i);
		s = json_string_value(v);
		while (*s == ' ')
			s++;
		if (*s)
			json_array_append_new(out, json_string(s));
	}
	json_decref(lines);
	return out;
}

/* One complete reply (a tp_replies callback: returns an enum grab_next). */
static int
ftp_on_reply(void *arg, const uint8_t *data, const struct tp_reply *rep)
{
	struct grab *g = arg;
	struct ftp_state *st = grab_state(g);
	json_t *r = grab_result(g), *feat;
	const char *banner;

	switch (st->phase) {
	case FTP_BANNER:
		if (rep->code == 120)
			return GRAB_MORE; /* "ready in a few minutes" */
		json_object_set_new(
		    r, "banner", tp_reply_text(data, rep->used));
		json_object_set_new(r, "code", json_integer(rep->code));
		banner = json_string_value(json_object_get(r, "banner"));
		/* SMTP greets with 220 too; let auto-detection try again. */
		if (strcasestr(banner, "SMTP") && !strcasestr(banner, "FTP"))
			return grab_fail(g, GRAB_S_PROTO, "an SMTP greeting");
		grab_set_service(g, "ftp");
		if (rep->code != 220)
			return grab_fail(
			    g, GRAB_S_APP, "greeting %d", rep->code);
		grab_send(g, "FEAT\r\n", 6);
		st->phase = FTP_FEAT;
		return GRAB_MORE;
	case FTP_FEAT:
		feat =
		    rep->code == 211 ? ftp_features(data, rep) : json_array();
		json_object_set_new(r, "features", feat);
		json_object_set_new(
		    r, "auth_tls", json_boolean(ftp_offers_auth_tls(feat)));
		if (ftp_offers_auth_tls(feat) && !grab_tls_active(g)) {
			grab_send(g, "AUTH TLS\r\n", 10);
			st->phase = FTP_AUTH;
			return GRAB_MORE;
		}
		break;
	case FTP_AUTH:
		if (rep->code == 234) {
			st->phase = FTP_END;
			return GRAB_STARTTLS;
		}
		json_object_set_new(
		    r, "auth_tls_error", tp_reply_text(data, rep->used));
		break;
	case FTP_END:
		return GRAB_DONE;
	}
	grab_send(g, "QUIT\r\n", 6);
	st->phase = FTP_END;
	return GRAB_DONE;
}

static enum grab_next
ftp_start(struct grab *g)
{
	struct ftp_state *st = grab_state(g);

	st->phase = FTP_BANNER;
	return GRAB_MORE;
}

static enum grab_next
ftp_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	int rc = tp_replies(data, len, used, ftp_on_reply, g);

	if (rc == NERR_TOOLONG)
		return grab_fail(g, GRAB_S_PROTO, "reply too long");
	if (rc < 0)
		return grab_fail(g, GRAB_S_PROTO, "not an FTP reply");
	return (enum grab_next)rc; /* GRAB_MORE is 0 */
}

static enum grab_next
ftp_tls_ready(struct grab *g)
{
	grab_send(g, "QUIT\r\n", 6);
	return GRAB_DONE;
}

static enum grab_next
ftp_eof(struct grab *g)
{
	struct ftp_state *st = grab_state(g);

	if (st->phase == FTP_BANNER)
		return grab_fail(
		    g, GRAB_S_PROTO, "connection closed before the greeting");
	return grab_fail(g, GRAB_S_PROTO, "connection closed after %s",
	    st->phase == FTP_FEAT ? "FEAT" : "AUTH TLS");
}

const struct grab_module mod_ftp = {
    .name = "ftp",
    .service = "ftp",
    .summary = "FTP: greeting, FEAT, AUTH TLS upgrade (no login)",
    .state_size = sizeof(struct ftp_state),
    .start = ftp_start,
    .input = ftp_input,
    .eof = ftp_eof,
    .tls_ready = ftp_tls_ready,
};
