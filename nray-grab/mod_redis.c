/*
 * mod_redis.c - the redis module: INFO server, in RESP (the Redis
 * serialization protocol).  A bulk-string answer gives the server section
 * (version, mode, OS, ...); an error such as "-NOAUTH Authentication
 * required." still names Redis and says that it wants a password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grab.h"
#include "utf8.h"

#define RESP_MAX_DEPTH 8
#define RESP_MAX_ITEMS 1024
#define RESP_MAX_BULK  (1024 * 1024)

static const char redis_info[] = "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n";

/* One parsed RESP value (the top level only; nested values are skipped). */
struct resp {
	char type;        /* + - : $ * */
	const uint8_t *s; /* line text or bulk bytes (borrowed) */
	size_t len;       /* their length; a null bulk has s == NULL */
	size_t used;      /* bytes of the whole value */
};

/* The RESP line at P: returns its length without CR LF, -1 incomplete. */
static long
resp_line(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && i < 65536; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			return (long)i;
	return -1;
}

static int
resp_int(const uint8_t *s, size_t len, long long *v)
{
	char buf[24], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*v = strtoll(buf, &end, 10);
	return *end == '\0' ? 0 : -1;
}

/*
 * Parses one RESP value at DATA (recursing into arrays up to DEPTH
 * RESP_MAX_DEPTH).  Returns 1 (complete, *R set), 0 (need
 * more bytes) or -1 (not RESP, or beyond the bounds).
 */
static int
resp_parse(const uint8_t *data, size_t len, struct resp *r, int depth)
{
	struct resp sub;
	long long n, i;
	long ll;
	size_t off;
	int rc;

	if (len == 0)
		return 0;
	if (depth > RESP_MAX_DEPTH || !strchr("+-:$*", data[0]) || data[0] == 0)
		return -1;
	ll = resp_line(data + 1, len - 1);
	if (ll < 0)
		return len > 65536 ? -1 : 0;
	r->type = (char)data[0];
	r->s = data + 1;
	r->len = (size_t)ll;
	off = 1 + (size_t)ll + 2;
	if (r->type == '+' || r->type == '-') {
		r->used = off;
		return 1;
	}
	if (resp_int(data + 1, (size_t)ll, &n) < 0)
		return -1;
	if (r->type == ':') {
		r->used = off;
		return 1;
	}
	if (r->type == '$') {
		if (n == -1) {
			r->s = NULL;
			r->len = 0;
			r->used = off;
			return 1;
		}
		if (n < 0 || n > RESP_MAX_BULK)
			return -1;
		if (len - off < (size_t)n + 2)
			return 0;
		if (data[off + n] != '\r' || data[off + n + 1] != '\n')
			return -1;
		r->s = data + off;
		r->len = (size_t)n;
		r->used = off + (size_t)n + 2;
		return 1;
	}
	if (n < -1 || n > RESP_MAX_ITEMS)
		return -1;
	for (i = 0; i < n; i++) {
		rc = resp_parse(data + off, len - off, &sub, depth + 1);
		if (rc <= 0)
			return rc;
		off += sub.used;
	}
	r->s = NULL;
	r->len = (size_t)(n < 0 ? 0 : n);
	r->used = off;
	return 1;
}

/* Records the key:value lines of INFO's text, and the facts among them. */
static void
redis_record_info(json_t *res, const uint8_t *s, size_t len)
{
	json_t *info = json_object();
	size_t off = 0, end, colon, n = 0;
	char key[128];

	while (off < len && n < 256) {
		for (end = off; end < len && s[end] != '\n'; end++)
			;
		for (colon = off; colon < end && s[colon] != ':'; colon++)
			;
		if (s[off] != '#' && colon < end && colon - off < sizeof key &&
		    colon > off) {
			size_t vend = end;

			if (vend > colon && s[vend - 1] == '\r')
				vend--;
			memcpy(key, s + off, colon - off);
			key[colon - off] = '\0';
			if (utf8_valid_prefix(key, colon - off) ==
			    colon - off) {
				json_object_set_new(info, key,
				    utf8_json_string(
				        s + colon + 1, vend - colon - 1));
				n++;
			}
		}
		off = end + 1;
	}
	if (json_object_get(info, "redis_version"))
		json_object_set(
		    res, "version", json_object_get(info, "redis_version"));
	if (json_object_get(info, "redis_mode"))
		json_object_set(
		    res, "mode", json_object_get(info, "redis_mode"));
	if (json_object_get(info, "os"))
		json_object_set(res, "os", json_object_get(info, "os"));
	json_object_set_new(res, "info", info);
}

static enum grab_next
redis_start(struct grab *g)
{
	grab_send(g, redis_info, sizeof redis_info - 1);
	return GRAB_MORE;
}

static enum grab_next
redis_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	json_t *res = grab_result(g);
	struct resp r;
	int rc;

	*used = 0;
	rc = resp_parse(data, len, &r, 0);
	if (rc == 0)
		return GRAB_MORE;
	if (rc < 0)
		return grab_fail(g, GRAB_S_PROTO, "not a RESP answer");
	*used = r.used;
	if (r.type == '$' && r.s != NULL) {
		grab_set_service(g, "redis");
		json_object_set_new(res, "auth_required", json_false());
		redis_record_info(res, r.s, r.len);
		return GRAB_DONE;
	}
	if (r.type == '-') {
		json_object_set_new(res, "reply", utf8_json_string(r.s, r.len));
		/* Redis' own words: it is Redis, locked. */
		if ((r.len >= 6 && memcmp(r.s, "NOAUTH", 6) == 0) ||
		    (r.len >= 7 && memcmp(r.s, "NOPERM ", 7) == 0)) {
			grab_set_service(g, "redis");
			json_object_set_new(res, "auth_required", json_true());
			return GRAB_DONE;
		}
		if (r.len >= 6 && memcmp(r.s, "DENIED", 6) == 0) {
			grab_set_service(g, "redis");
			return grab_fail(g, GRAB_S_APP, "%.*s",
			    (int)(r.len > 200 ? 200 : r.len),
			    (const char *)r.s);
		}
		return grab_fail(g, GRAB_S_PROTO, "error answer to INFO");
	}
	return grab_fail(g, GRAB_S_PROTO, "unexpected answer to INFO");
}

static enum grab_next
redis_eof(struct grab *g)
{
	return grab_fail(
	    g, GRAB_S_PROTO, "connection closed before the answer");
}

const struct grab_module mod_redis = {
    .name = "redis",
    .service = "redis",
    .summary = "Redis: INFO server (version, mode, OS), auth required",
    .state_size = 1,
    .start = redis_start,
    .input = redis_input,
    .eof = redis_eof,
};
