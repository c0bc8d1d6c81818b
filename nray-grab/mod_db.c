/*
 * mod_db.c - the mysql and postgres modules.
 *
 * mysql: the server speaks first with the initial handshake packet
 * (protocol 10: version, connection id, capability flags, auth plugin), or
 * with an error packet when it refuses the client's host.  The module
 * reads that one packet and stops.
 *
 * postgres: SSLRequest first (the answer 'S' or 'N' says whether TLS is
 * offered), then a StartupMessage as user "nray", database "nray" - on a
 * new connection after 'S', on the same one after 'N'.  The answer is an
 * authentication request (its method is the fact) or an ErrorResponse
 * (its fields are); a server that lets "nray" in without a password also
 * reports server_version in a ParameterStatus.  No password is ever sent.
 */
#include <stdio.h>
#include <string.h>

#include "grab.h"
#include "utf8.h"

#define DB_MAX_PACKET 16384

/* --- MySQL / MariaDB ---------------------------------------------------- */

/* Capability flags, bit by bit (MySQL's client/server protocol docs). */
static const char *const mysql_caps[32] = {
    "CLIENT_LONG_PASSWORD",
    "CLIENT_FOUND_ROWS",
    "CLIENT_LONG_FLAG",
    "CLIENT_CONNECT_WITH_DB",
    "CLIENT_NO_SCHEMA",
    "CLIENT_COMPRESS",
    "CLIENT_ODBC",
    "CLIENT_LOCAL_FILES",
    "CLIENT_IGNORE_SPACE",
    "CLIENT_PROTOCOL_41",
    "CLIENT_INTERACTIVE",
    "CLIENT_SSL",
    "CLIENT_IGNORE_SIGPIPE",
    "CLIENT_TRANSACTIONS",
    "CLIENT_RESERVED",
    "CLIENT_SECURE_CONNECTION",
    "CLIENT_MULTI_STATEMENTS",
    "CLIENT_MULTI_RESULTS",
    "CLIENT_PS_MULTI_RESULTS",
    "CLIENT_PLUGIN_AUTH",
    "CLIENT_CONNECT_ATTRS",
    "CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA",
    "CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS",
    "CLIENT_SESSION_TRACK",
    "CLIENT_DEPRECATE_EOF",
    "CLIENT_OPTIONAL_RESULTSET_METADATA",
    "CLIENT_ZSTD_COMPRESSION_ALGORITHM",
    "CLIENT_QUERY_ATTRIBUTES",
    "MULTI_FACTOR_AUTHENTICATION",
    "CLIENT_CAPABILITY_EXTENSION",
    "CLIENT_SSL_VERIFY_SERVER_CERT",
    "CLIENT_REMEMBER_OPTIONS",
};

#define MYSQL_CLIENT_SSL               (1u << 11)
#define MYSQL_CLIENT_SECURE_CONNECTION (1u << 15)
#define MYSQL_CLIENT_PLUGIN_AUTH       (1u << 19)

/* Length of the NUL-terminated string at P, or LEN when it has no NUL. */
static size_t
db_strnlen(const uint8_t *p, size_t len)
{
	const uint8_t *z = memchr(p, 0, len);

	return z ? (size_t)(z - p) : len;
}

static enum grab_next
mysql_error_packet(struct grab *g, const uint8_t *p, size_t len)
{
	json_t *r = grab_result(g);
	size_t off = 3;
	int code;

	if (len < 3)
		return grab_fail(g, GRAB_S_PROTO, "short MySQL error packet");
	code = p[1] | p[2] << 8;
	/* "#" and a five-character SQL state, in the 4.1 protocol. */
	if (len >= 9 && p[3] == '#')
		off = 9;
	json_object_set_new(r, "code", json_integer(code));
	json_object_set_new(r, "message", utf8_json_string(p + off, len - off));
	grab_set_service(g, "mysql");
	return grab_fail(g, GRAB_S_APP, "MySQL error %d: %.*s", code,
	    (int)(len - off > 200 ? 200 : len - off), (const char *)p + off);
}

static enum grab_next
mysql_handshake(struct grab *g, const uint8_t *p, size_t len)
{
	json_t *r = grab_result(g), *caps;
	size_t off = 1, n, part2;
	uint32_t cap;
	int i, plugin_len = 0;

	if (p[0] != 10)
		return grab_fail(g, GRAB_S_PROTO,
		    "unsupported MySQL handshake protocol %u", p[0]);
	n = db_strnlen(p + off, len - off);
	if (off + n >= len)
		return grab_fail(g, GRAB_S_PROTO, "malformed MySQL handshake");
	json_object_set_new(r, "protocol_version", json_integer(10));
	json_object_set_new(r, "server_version", utf8_json_string(p + off, n));
	off += n + 1;
	/* connection id, 8 bytes of scramble, filler, lower capabilities */
	if (len - off < 4 + 8 + 1 + 2)
		return grab_fail(g, GRAB_S_PROTO, "short MySQL handshake");
	json_object_set_new(r, "connection_id",
	    json_integer(
	        (json_int_t)((uint32_t)p[off] | (uint32_t)p[off + 1] << 8 |
	            (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 24)));
	off += 4 + 8 + 1;
	cap = p[off] | (uint32_t)p[off + 1] << 8;
	off += 2;
	/* charset, status, upper capabilities, auth data length, reserved */
	if (len - off >= 1 + 2 + 2 + 1 + 10) {
		cap |= (uint32_t)p[off + 3] << 16 | (uint32_t)p[off + 4] << 24;
		plugin_len = p[off + 5];
		off += 16;
	}
	caps = json_array();
	for (i = 0; i < 32; i++)
		if (cap & (1u << i))
			json_array_append_new(caps, json_string(mysql_caps[i]));
	json_object_set_new(r, "capabilities", caps);
	json_object_set_new(
	    r, "tls_supported", json_boolean(cap & MYSQL_CLIENT_SSL));
	if ((cap & MYSQL_CLIENT_SECURE_CONNECTION) && off < len) {
		part2 = plugin_len > 8 ? (size_t)plugin_len - 8 : 0;
		if (part2 < 13)
			part2 = 13;
		off = len - off < part2 ? len : off + part2;
	}
	if ((cap & MYSQL_CLIENT_PLUGIN_AUTH) && off < len) {
		n = db_strnlen(p + off, len - off);
		json_object_set_new(
		    r, "auth_plugin", utf8_json_string(p + off, n));
	}
	grab_set_service(g, "mysql");
	return GRAB_DONE;
}

static enum grab_next
mysql_start(struct grab *g)
{
	(void)g;
	return GRAB_MORE; /* the server speaks first */
}

static enum grab_next
mysql_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	size_t plen;

	*used = 0;
	if (len < 4)
		return GRAB_MORE;
	plen = data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16;
	if (plen == 0 || plen > DB_MAX_PACKET || data[3] != 0)
		return grab_fail(g, GRAB_S_PROTO, "not a MySQL packet");
	/* Check the first byte early: a text banner is not worth waiting on. */
	if (len > 4 && data[4] != 10 && data[4] != 0xff)
		return grab_fail(g, GRAB_S_PROTO, "not a MySQL handshake");
	if (len - 4 < plen)
		return GRAB_MORE;
	*used = 4 + plen;
	if (data[4] == 0xff)
		return mysql_error_packet(g, data + 4, plen);
	return mysql_handshake(g, data + 4, plen);
}

static enum grab_next
mysql_eof(struct grab *g)
{
	return grab_fail(
	    g, GRAB_S_PROTO, "connection closed before the MySQL handshake");
}

const struct grab_module mod_mysql = {
    .name = "mysql",
    .service = "mysql",
    .summary = "MySQL/MariaDB: handshake (version, capabilities, TLS)",
    .state_size = 1,
    .start = mysql_start,
    .input = mysql_input,
    .eof = mysql_eof,
};

/* --- PostgreSQL --------------------------------------------------------- */

enum pg_phase { PG_INIT, PG_SSL_ANSWER, PG_RECONNECTED, PG_STARTUP, PG_END };

struct pg_state {
	enum pg_phase phase;
	int authenticated; /* AuthenticationOk seen: wait for ReadyForQuery */
};

static void
pg_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
pg_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
pg_send_startup(struct grab *g, struct pg_state *st)
{
	static const char params[] = "user\0nray\0database\0nray\0"
	                             "application_name\0nray-grab\0";
	uint8_t msg[8 + sizeof params];

	/* sizeof params counts the final NUL that ends the list. */
	pg_put_u32(msg, (uint32_t)sizeof msg);
	pg_put_u32(msg + 4, 196608); /* protocol 3.0 */
	memcpy(msg + 8, params, sizeof params);
	grab_send(g, msg, sizeof msg);
	st->phase = PG_STARTUP;
}

static const char *
pg_auth_name(uint32_t code)
{
	switch (code) {
	case 0:
		return "ok";
	case 2:
		return "kerberos-v5";
	case 3:
		return "cleartext-password";
	case 5:
		return "md5-password";
	case 6:
		return "scm-credential";
	case 7:
		return "gss";
	case 9:
		return "sspi";
	case 10:
		return "sasl";
	default:
		return "unknown";
	}
}

/* Records the fields of an ErrorResponse body; returns the status. */
static enum grab_next
pg_error(struct grab *g, const uint8_t *p, size_t len)
{
	json_t *r = grab_result(g), *v;
	const char *sev = "?", *code = "?", *msg = "?";
	size_t off = 0, n;

	while (off < len && p[off] != 0) {
		char type = (char)p[off++];
		const char *key = NULL;

		n = db_strnlen(p + off, len - off);
		if (type == 'V' ||
		    (type == 'S' && !json_object_get(r, "severity")))
			key = "severity";
		else if (type == 'C')
			key = "code";
		else if (type == 'M')
			key = "message";
		if (key) {
			v = utf8_json_string(p + off, n);
			json_object_set_new(r, key, v);
		}
		off += n + 1;
	}
	if ((v = json_object_get(r, "severity")))
		sev = json_string_value(v);
	if ((v = json_object_get(r, "code")))
		code = json_string_value(v);
	if ((v = json_object_get(r, "message")))
		msg = json_string_value(v);
	grab_set_service(g, "postgres");
	return grab_fail(g, GRAB_S_APP, "%s %s: %.200s", sev, code, msg);
}

static enum grab_next
pg_terminate(struct grab *g, struct pg_state *st)
{
	static const uint8_t term[5] = {'X', 0, 0, 0, 4};

	grab_send(g, term, sizeof term);
	st->phase = PG_END;
	grab_set_service(g, "postgres");
	return GRAB_DONE;
}

/* One backend message of type T with body P[0..LEN). */
static enum grab_next
pg_message(struct grab *g, struct pg_state *st, uint8_t t, const uint8_t *p,
    size_t len)
{
	json_t *r = grab_result(g), *mechs;
	uint32_t code;
	size_t off, n;

	switch (t) {
	case 'E':
		return pg_error(g, p, len);
	case 'R':
		if (len < 4)
			return grab_fail(
			    g, GRAB_S_PROTO, "short authentication request");
		code = pg_get_u32(p);
		json_object_set_new(
		    r, "auth_method", json_string(pg_auth_name(code)));
		json_object_set_new(r, "auth_code", json_integer(code));
		if (code == 10) {
			mechs = json_array();
			for (off = 4; off < len && p[off] != 0; off += n + 1) {
				n = db_strnlen(p + off, len - off);
				json_array_append_new(
				    mechs, utf8_json_string(p + off, n));
			}
			json_object_set_new(r, "sasl_mechanisms", mechs);
		}
		if (code != 0)
			return pg_terminate(g, st);
		st->authenticated = 1;
		return GRAB_MORE;
	case 'S':
		n = db_strnlen(p, len);
		if (n == 14 && memcmp(p, "server_version", 14) == 0 && n < len)
			json_object_set_new(r, "server_version",
			    utf8_json_string(
			        p + n + 1, db_strnlen(p + n + 1, len - n - 1)));
		return GRAB_MORE;
	case 'Z':
		return pg_terminate(g, st);
	case 'K':
	case 'N':
	case 'v':
		return GRAB_MORE;
	default:
		return grab_fail(g, GRAB_S_PROTO, "unexpected message '%c'",
		    t >= 0x20 && t < 0x7f ? t : '?');
	}
}

static enum grab_next
pg_start(struct grab *g)
{
	static const uint8_t sslreq[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
	struct pg_state *st = grab_state(g);

	if (st->phase == PG_RECONNECTED) {
		pg_send_startup(g, st);
		return GRAB_MORE;
	}
	grab_send(g, sslreq, sizeof sslreq);
	st->phase = PG_SSL_ANSWER;
	return GRAB_MORE;
}

static enum grab_next
pg_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct pg_state *st = grab_state(g);
	enum grab_next next;
	uint32_t mlen;

	*used = 0;
	if (st->phase == PG_SSL_ANSWER && len > 0) {
		if ((data[0] == 'S' || data[0] == 'N') && len > 1) {
			/* The answer is one byte; "SSH-2.0-..." is not one. */
			return grab_fail(
			    g, GRAB_S_PROTO, "not a PostgreSQL answer");
		} else if (data[0] == 'S' || data[0] == 'N') {
			json_object_set_new(grab_result(g), "tls_supported",
			    json_boolean(data[0] == 'S'));
			*used = 1;
			if (data[0] == 'S') {
				/* The same socket now expects a handshake. */
				st->phase = PG_RECONNECTED;
				grab_want_tls(g, 0);
				return GRAB_RECONNECT;
			}
			pg_send_startup(g, st);
		} else if (data[0] == 'E') {
			/* Too old for SSLRequest: an ErrorResponse. */
			st->phase = PG_STARTUP;
		} else {
			return grab_fail(
			    g, GRAB_S_PROTO, "not a PostgreSQL answer");
		}
	}
	while (st->phase == PG_STARTUP && len - *used >= 5) {
		const uint8_t *p = data + *used;

		mlen = pg_get_u32(p + 1);
		if (mlen < 4 || mlen > DB_MAX_PACKET)
			return grab_fail(
			    g, GRAB_S_PROTO, "bad message length %u", mlen);
		if (len - *used - 1 < mlen)
			return GRAB_MORE;
		next = pg_message(g, st, p[0], p + 5, mlen - 4);
		*used += 1 + mlen;
		if (next != GRAB_MORE)
			return next;
	}
	return GRAB_MORE;
}

static enum grab_next
pg_eof(struct grab *g)
{
	struct pg_state *st = grab_state(g);

	return grab_fail(g, GRAB_S_PROTO, "connection closed %s",
	    st->phase == PG_SSL_ANSWER ? "after SSLRequest" : "after startup");
}

const struct grab_module mod_postgres = {
    .name = "postgres",
    .service = "postgres",
    .summary = "PostgreSQL: TLS support, authentication method, version",
    .state_size = sizeof(struct pg_state),
    .start = pg_start,
    .input = pg_input,
    .eof = pg_eof,
};
