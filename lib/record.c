/* record.c - input lines to records, records to targets (nray-json(5)). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nerr.h"
#include "record.h"
#include "utf8.h"
#include "xalloc.h"

/* jansson's message for the last bad JSON line (why points here). */
static char json_why[200];

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int
record_parse(const char *line, size_t len, json_t **obj, const char **why)
{
	struct target t;
	json_error_t jerr;
	char *clean = NULL;
	const char *end;
	json_t *j;

	*obj = NULL;
	while (len > 0 && is_blank(*line))
		line++, len--;
	while (len > 0 && is_blank(line[len - 1]))
		len--;
	if (len > 0 && line[0] == '{') {
		if (utf8_valid_prefix(line, len) != len) {
			clean = xmalloc(2 * len);
			len = utf8_sanitize(line, len, clean);
			line = clean;
		}
		j = json_loadb(line, len, JSON_ALLOW_NUL, &jerr);
		free(clean);
		if (j == NULL) {
			snprintf(json_why, sizeof(json_why),
			    "invalid JSON at column %d: %s", jerr.column,
			    jerr.text);
			*why = json_why;
			return NERR_PARSE;
		}
		if (!json_is_object(j)) {
			json_decref(j);
			*why = "a JSON line must be an object";
			return NERR_PARSE;
		}
		*obj = j;
		return 0;
	}
	/* Bare text: a target expression, then an optional '#' comment. */
	if ((end = memchr(line, '#', len)) != NULL) {
		len = (size_t)(end - line);
		while (len > 0 && is_blank(line[len - 1]))
			len--;
		if (len == 0)
			return 0; /* a comment line */
	}
	if (target_parse(line, len, &t, why) != 0)
		return NERR_PARSE;
	*obj = record_from_target(&t);
	return 0;
}

/* Parses the string member KEY as a target of one of the KINDS (bitmask). */
static int
member_target(const json_t *obj, const char *key, unsigned kinds,
    struct target *t, const char **why)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v)) {
		*why = "target field is not a string";
		return NERR_PARSE;
	}
	if (target_parse(json_string_value(v), json_string_length(v), t, why) !=
	    0)
		return NERR_PARSE;
	if (!(kinds & (1u << t->kind))) {
		*why = "target field holds the wrong kind of target";
		return NERR_PARSE;
	}
	if (t->port >= 0) {
		*why = "a target field holds no port: use \"port\"";
		return NERR_PARSE;
	}
	return 0;
}

int
record_target(
    const json_t *obj, struct target *t, const char **ports, const char **why)
{
	const json_t *type = json_object_get(obj, "type");
	const json_t *host = json_object_get(obj, "host");
	const json_t *port = json_object_get(obj, "port");
	const json_t *pspec = json_object_get(obj, "ports");
	const char *ty = json_is_string(type) ? json_string_value(type) : NULL;
	struct target tmp, h;
	int rc;

	*ports = NULL;
	if (type != NULL && ty == NULL) {
		*why = "\"type\" is not a string";
		return NERR_PARSE;
	}
	if (ty != NULL && strcmp(ty, "target") != 0 &&
	    strcmp(ty, "port") != 0 && strcmp(ty, "host") != 0) {
		*why = "record type is not target, port or host";
		return NERR_PARSE;
	}
	if (json_object_get(obj, "ip") != NULL)
		rc = member_target(obj, "ip", 1u << TARGET_IP, &tmp, why);
	else if (json_object_get(obj, "cidr") != NULL)
		rc = member_target(obj, "cidr", 1u << TARGET_CIDR, &tmp, why);
	else if (json_object_get(obj, "range") != NULL)
		rc = member_target(obj, "range",
		    (1u << TARGET_RANGE) | (1u << TARGET_IP), &tmp, why);
	else if (host != NULL)
		rc = member_target(obj, "host", 1u << TARGET_HOST, &tmp, why);
	else {
		*why = "record names no ip, cidr, range or host";
		return NERR_PARSE;
	}
	if (rc != 0)
		return rc;
	/* An address with its name (resolved, or from a port record). */
	if (tmp.kind != TARGET_HOST && host != NULL) {
		if (member_target(obj, "host", 1u << TARGET_HOST, &h, why) != 0)
			return NERR_PARSE;
		memcpy(tmp.host, h.host, sizeof(tmp.host));
	}
	if (port != NULL) {
		if (!json_is_integer(port) || json_integer_value(port) < 0 ||
		    json_integer_value(port) > 65535) {
			*why = "\"port\" is not a number from 0 to 65535";
			return NERR_PARSE;
		}
		tmp.port = (int)json_integer_value(port);
	}
	if (pspec != NULL) {
		if (!json_is_string(pspec)) {
			*why = "\"ports\" is not a port spec string";
			return NERR_PARSE;
		}
		if (port != NULL) {
			*why = "record has both \"port\" and \"ports\"";
			return NERR_PARSE;
		}
		*ports = json_string_value(pspec);
	}
	*t = tmp;
	return 0;
}

json_t *
record_from_target(const struct target *t)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], buf[2 * ADDR_STRLEN + 8];
	json_t *o = json_object();

	if (o == NULL)
		abort();
	json_object_set_new(o, "type", json_string("target"));
	switch (t->kind) {
	case TARGET_IP:
		json_object_set_new(
		    o, "ip", json_string(addr_format(t->lo, a)));
		if (t->host[0] != '\0')
			json_object_set_new(o, "host", json_string(t->host));
		break;
	case TARGET_CIDR:
		snprintf(buf, sizeof(buf), "%s/%d", addr_format(t->lo, a),
		    t->prefix);
		json_object_set_new(o, "cidr", json_string(buf));
		break;
	case TARGET_RANGE:
		snprintf(buf, sizeof(buf), "%s-%s", addr_format(t->lo, a),
		    addr_format(t->hi, b));
		json_object_set_new(o, "range", json_string(buf));
		break;
	case TARGET_HOST:
		json_object_set_new(o, "host", json_string(t->host));
		break;
	}
	if (t->port >= 0)
		json_object_set_new(o, "port", json_integer(t->port));
	return o;
}

char *
record_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return buf;
}
