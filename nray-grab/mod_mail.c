/*
 * mod_mail.c - the imap, imaps, pop3 and pop3s modules: the greeting, the
 * capability list (IMAP CAPABILITY, RFC 9051; POP3 CAPA, RFC 2449) and,
 * when offered, the TLS upgrade (IMAP STARTTLS, POP3 STLS; RFC 2595) with
 * the capabilities asked again over TLS.  No login.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grab.h"
#include "nerr.h"
#include "textproto.h"
#include "utf8.h"

enum mail_phase {
	MAIL_BANNER,
	MAIL_CAPA,
	MAIL_STARTTLS,
	MAIL_CAPA_TLS,
	MAIL_END
};

struct mail_state {
	enum mail_phase phase;
	int capa_ok;   /* POP3: the +OK line of CAPA was seen */
	size_t nlines; /* lines of the current answer */
};

/* True when the JSON array of strings A holds WORD (any case). */
static int
mail_has(json_t *a, const char *word)
{
	size_t i;
	json_t *v;

	json_array_foreach(
	    a, i, v) if (strcasecmp(json_string_value(v), word) == 0) return 1;
	return 0;
}

/* The capability list under KEY (capabilities or capabilities_tls). */
static json_t *
mail_capa_array(struct grab *g, const char *key)
{
	json_t *r = grab_result(g), *a = json_object_get(r, key);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(r, key, a);
	}
	return a;
}

static const char *
mail_capa_key(const struct mail_state *st)
{
	return st->phase == MAIL_CAPA_TLS ? "capabilities_tls" : "capabilities";
}

/* --- IMAP --------------------------------------------------------------- */

/* Splits the words after "* CAPABILITY" into the capability array. */
static void
imap_add_caps(json_t *a, const uint8_t *s, size_t len)
{
	size_t i = 0, j;

	while (i < len && json_array_size(a) < TP_MAX_LINES) {
		while (i < len && s[i] == ' ')
			i++;
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (j > i)
			json_array_append_new(
			    a, utf8_json_string(s + i, j - i));
		i = j;
	}
}

/* After our tagged command: the status word of the tagged answer. */
static int
imap_tagged(const uint8_t *s, size_t len, const char *tag, const char *word)
{
	size_t tl = strlen(tag), wl = strlen(word);

	return len >= tl + 1 + wl && memcmp(s, tag, tl) == 0 && s[tl] == ' ' &&
	    strncasecmp((const char *)s + tl + 1, word, wl) == 0;
}

static enum grab_next
imap_line(struct grab *g, struct mail_state *st, const uint8_t *s, size_t len)
{
	json_t *r = grab_result(g), *caps;
	const char *tag;

	switch (st->phase) {
	case MAIL_BANNER:
		if (len < 4 || memcmp(s, "* ", 2) != 0)
			return grab_fail(
			    g, GRAB_S_PROTO, "not an IMAP greeting");
		json_object_set_new(r, "banner", utf8_json_string(s, len));
		if (len >= 6 &&
		    strncasecmp((const char *)s + 2, "BYE", 3) == 0) {
			grab_set_service(g, "imap");
			return grab_fail(g, GRAB_S_APP, "the server said BYE");
		}
		if (strncasecmp((const char *)s + 2, "OK", 2) != 0 &&
		    strncasecmp((const char *)s + 2, "PREAUTH", 7) != 0)
			return grab_fail(
			    g, GRAB_S_PROTO, "not an IMAP greeting");
		grab_set_service(g, "imap");
		grab_send(g, "a1 CAPABILITY\r\n", 15);
		st->phase = MAIL_CAPA;
		return GRAB_MORE;
	case MAIL_CAPA:
	case MAIL_CAPA_TLS:
		tag = st->phase == MAIL_CAPA ? "a1" : "a3";
		if (len > 13 &&
		    strncasecmp((const char *)s, "* CAPABILITY ", 13) == 0) {
			imap_add_caps(mail_capa_array(g, mail_capa_key(st)),
			    s + 13, len - 13);
			return GRAB_MORE;
		}
		if (len < 3 || memcmp(s, tag, 2) != 0 || s[2] != ' ')
			return GRAB_MORE; /* other untagged data */
		caps = mail_capa_array(g, mail_capa_key(st));
		if (st->phase == MAIL_CAPA) {
			int starttls = mail_has(caps, "STARTTLS");

			if (!grab_tls_active(g))
				json_object_set_new(
				    r, "starttls", json_boolean(starttls));
			if (starttls && !grab_tls_active(g)) {
				grab_send(g, "a2 STARTTLS\r\n", 13);
				st->phase = MAIL_STARTTLS;
				return GRAB_MORE;
			}
		}
		break;
	case MAIL_STARTTLS:
		if (len >= 2 && s[0] == '*')
			return GRAB_MORE;
		if (imap_tagged(s, len, "a2", "OK"))
			return GRAB_STARTTLS;
		json_object_set_new(
		    r, "starttls_error", utf8_json_string(s, len));
		break;
	case MAIL_END:
		return GRAB_DONE;
	}
	grab_send(g, "a4 LOGOUT\r\n", 11);
	st->phase = MAIL_END;
	return GRAB_DONE;
}

/* --- POP3 --------------------------------------------------------------- */

static enum grab_next
pop3_line(struct grab *g, struct mail_state *st, const uint8_t *s, size_t len)
{
	json_t *r = grab_result(g), *caps;
	int stls;

	switch (st->phase) {
	case MAIL_BANNER:
		json_object_set_new(r, "banner", utf8_json_string(s, len));
		if (len >= 4 && memcmp(s, "-ERR", 4) == 0) {
			grab_set_service(g, "pop3");
			return grab_fail(g, GRAB_S_APP, "the server said -ERR");
		}
		if (len < 3 || memcmp(s, "+OK", 3) != 0)
			return grab_fail(
			    g, GRAB_S_PROTO, "not a POP3 greeting");
		grab_set_service(g, "pop3");
		grab_send(g, "CAPA\r\n", 6);
		st->phase = MAIL_CAPA;
		st->capa_ok = 0;
		return GRAB_MORE;
	case MAIL_CAPA:
	case MAIL_CAPA_TLS:
		if (!st->capa_ok) {
			if (len >= 3 && memcmp(s, "+OK", 3) == 0) {
				st->capa_ok = 1;
				mail_capa_array(g, mail_capa_key(st));
				return GRAB_MORE;
			}
			/* -ERR: no CAPA; an empty list says so. */
			mail_capa_array(g, mail_capa_key(st));
		} else if (!(len == 1 && s[0] == '.')) {
			caps = mail_capa_array(g, mail_capa_key(st));
			if (json_array_size(caps) < TP_MAX_LINES)
				json_array_append_new(
				    caps, utf8_json_string(s, len));
			return GRAB_MORE;
		}
		if (st->phase == MAIL_CAPA_TLS)
			break;
		stls = mail_has(mail_capa_array(g, "capabilities"), "STLS");
		if (!grab_tls_active(g))
			json_object_set_new(r, "stls", json_boolean(stls));
		if (stls && !grab_tls_active(g)) {
			grab_send(g, "STLS\r\n", 6);
			st->phase = MAIL_STARTTLS;
			return GRAB_MORE;
		}
		break;
	case MAIL_STARTTLS:
		if (len >= 3 && memcmp(s, "+OK", 3) == 0)
			return GRAB_STARTTLS;
		json_object_set_new(r, "stls_error", utf8_json_string(s, len));
		break;
	case MAIL_END:
		return GRAB_DONE;
	}
	grab_send(g, "QUIT\r\n", 6);
	st->phase = MAIL_END;
	return GRAB_DONE;
}

/* --- shared ------------------------------------------------------------- */

static enum grab_next
mail_start(struct grab *g)
{
	struct mail_state *st = grab_state(g);

	st->phase = MAIL_BANNER;
	return GRAB_MORE;
}

static enum grab_next
mail_input(struct grab *g, const uint8_t *data, size_t len, size_t *used,
    enum grab_next (*on_line)(
        struct grab *, struct mail_state *, const uint8_t *, size_t))
{
	struct mail_state *st = grab_state(g);
	enum grab_next next;
	size_t ll, n;
	int rc;

	*used = 0;
	while (*used < len) {
		rc = tp_line(data + *used, len - *used, &ll, &n);
		if (rc == TP_MORE)
			return GRAB_MORE;
		if (rc < 0)
			return grab_fail(g, GRAB_S_PROTO, "line too long");
		if (++st->nlines > 4 * TP_MAX_LINES)
			return grab_fail(g, GRAB_S_PROTO, "too many lines");
		next = on_line(g, st, data + *used, ll);
		*used += n;
		if (next != GRAB_MORE)
			return next;
	}
	return GRAB_MORE;
}

static enum grab_next
imap_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	return mail_input(g, data, len, used, imap_line);
}

static enum grab_next
pop3_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	return mail_input(g, data, len, used, pop3_line);
}

static enum grab_next
imap_tls_ready(struct grab *g)
{
	struct mail_state *st = grab_state(g);

	grab_send(g, "a3 CAPABILITY\r\n", 15);
	st->phase = MAIL_CAPA_TLS;
	return GRAB_MORE;
}

static enum grab_next
pop3_tls_ready(struct grab *g)
{
	struct mail_state *st = grab_state(g);

	grab_send(g, "CAPA\r\n", 6);
	st->phase = MAIL_CAPA_TLS;
	st->capa_ok = 0;
	return GRAB_MORE;
}

static enum grab_next
mail_eof(struct grab *g)
{
	struct mail_state *st = grab_state(g);

	if (st->phase == MAIL_BANNER)
		return grab_fail(
		    g, GRAB_S_PROTO, "connection closed before the greeting");
	return grab_fail(g, GRAB_S_PROTO, "connection closed");
}

const struct grab_module mod_imap = {
    .name = "imap",
    .service = "imap",
    .summary = "IMAP: greeting, CAPABILITY, STARTTLS (no login)",
    .state_size = sizeof(struct mail_state),
    .start = mail_start,
    .input = imap_input,
    .eof = mail_eof,
    .tls_ready = imap_tls_ready,
};

const struct grab_module mod_imaps = {
    .name = "imaps",
    .service = "imap",
    .summary = "IMAP over implicit TLS (port 993): greeting, CAPABILITY",
    .implicit_tls = 1,
    .state_size = sizeof(struct mail_state),
    .start = mail_start,
    .input = imap_input,
    .eof = mail_eof,
    .tls_ready = imap_tls_ready,
};

const struct grab_module mod_pop3 = {
    .name = "pop3",
    .service = "pop3",
    .summary = "POP3: greeting, CAPA, STLS (no login)",
    .state_size = sizeof(struct mail_state),
    .start = mail_start,
    .input = pop3_input,
    .eof = mail_eof,
    .tls_ready = pop3_tls_ready,
};

const struct grab_module mod_pop3s = {
    .name = "pop3s",
    .service = "pop3",
    .summary = "POP3 over implicit TLS (port 995): greeting, CAPA",
    .implicit_tls = 1,
    .state_size = sizeof(struct mail_state),
    .start = mail_start,
    .input = pop3_input,
    .eof = mail_eof,
    .tls_ready = pop3_tls_ready,
};
