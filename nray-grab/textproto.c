/*
 * textproto.c - CRLF lines and numbered multi-line replies (FTP, SMTP),
 * bounded, for nray-grab's text protocol modules.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nerr.h"
#include "textproto.h"
#include "utf8.h"
#include "xalloc.h"

int
tp_line(const uint8_t *data, size_t len, size_t *linelen, size_t *used)
{
	const uint8_t *nl;
	size_t n;

	nl = memchr(data, '\n', len < TP_MAX_LINE + 1 ? len : TP_MAX_LINE + 1);
	if (nl == NULL)
		return len > TP_MAX_LINE ? NERR_TOOLONG : TP_MORE;
	n = (size_t)(nl - data);
	*used = n + 1;
	if (n > 0 && data[n - 1] == '\r')
		n--;
	*linelen = n;
	return TP_COMPLETE;
}

/* The reply code (100..599) at the start of S, or -1. */
static int
tp_code(const uint8_t *s, size_t len)
{
	if (len < 3 || s[0] < '1' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9')
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

int
tp_replies(const uint8_t *data, size_t len, size_t *used,
    int (*fn)(void *arg, const uint8_t *reply, const struct tp_reply *r),
    void *arg)
{
	struct tp_reply rep;
	int rc;

	*used = 0;
	while (*used < len) {
		rc = tp_reply(data + *used, len - *used, &rep);
		if (rc == TP_MORE)
			return 0;
		if (rc < 0)
			return rc;
		rc = fn(arg, data + *used, &rep);
		*used += rep.used;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
tp_reply(const uint8_t *data, size_t len, struct tp_reply *r)
{
	size_t off = 0, ll, used, lines = 0;
	int code = -1, rc;

	for (;;) {
		rc = tp_line(data + off, len - off, &ll, &used);
		if (rc != TP_COMPLETE)
			return rc;
		if (lines == 0) {
			code = tp_code(data, ll);
			/* "220" alone is a complete one-line reply too. */
			if (code < 0 ||
			    (ll > 3 && data[3] != ' ' && data[3] != '-'))
				return NERR_PROTO;
			if (ll == 3 || data[3] == ' ') {
				lines = 1;
				off += used;
				break;
			}
		} else if (tp_code(data + off, ll) == code &&
		    (ll == 3 || data[off + 3] == ' ')) {
			lines++;
			off += used;
			break;
		}
		lines++;
		off += used;
		if (lines >= TP_MAX_LINES)
			return NERR_TOOLONG;
	}
	r->code = code;
	r->used = off;
	r->lines = lines;
	return TP_COMPLETE;
}

json_t *
tp_reply_lines(const uint8_t *data, size_t used, int code)
{
	json_t *a = json_array();
	size_t off = 0, ll, n;

	while (off < used &&
	    tp_line(data + off, used - off, &ll, &n) == TP_COMPLETE) {
		const uint8_t *s = data + off;

		if (ll >= 4 && tp_code(s, ll) == code &&
		    (s[3] == ' ' || s[3] == '-'))
			s += 4, ll -= 4;
		else if (ll == 3 && tp_code(s, ll) == code)
			ll = 0;
		json_array_append_new(a, utf8_json_string(s, ll));
		off += n;
	}
	return a;
}

json_t *
tp_reply_text(const uint8_t *data, size_t used)
{
	char *buf = xmalloc(used + 1);
	size_t off = 0, ll, n, o = 0;
	json_t *s;

	while (off < used &&
	    tp_line(data + off, used - off, &ll, &n) == TP_COMPLETE) {
		if (o > 0)
			buf[o++] = '\n';
		memcpy(buf + o, data + off, ll);
		o += ll;
		off += n;
	}
	s = utf8_json_string(buf, o);
	free(buf);
	return s;
}

json_t *
tp_string_trim(const uint8_t *data, size_t len)
{
	while (len > 0 &&
	    (data[len - 1] == '\r' || data[len - 1] == '\n' ||
	        data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	return utf8_json_string(data, len);
}

int
tp_http_head_length(const uint8_t *data, size_t len, size_t *hlen)
{
	size_t i;

	if (memcmp(data, "HTTP/", len < 5 ? len : 5) != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (i + 1 < len && data[i + 1] == '\n') {
			*hlen = i + 2;
			return 1;
		}
		if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n') {
			*hlen = i + 3;
			return 1;
		}
	}
	return 0;
}

/* Adds NAME: VALUE to OBJ; a repeated name becomes an array. */
static void
tp_header_add(json_t *obj, const char *name, json_t *value)
{
	json_t *old = json_object_get(obj, name), *a;

	if (old == NULL) {
		json_object_set_new(obj, name, value);
	} else if (json_is_array(old)) {
		json_array_append_new(old, value);
	} else {
		a = json_array();
		json_array_append(a, old);
		json_array_append_new(a, value);
		json_object_set_new(obj, name, a);
	}
}

void
tp_http_head_free(struct tp_http_head *h)
{
	json_decref(h->status_line);
	json_decref(h->protocol);
	json_decref(h->headers);
	json_decref(h->server);
	json_decref(h->content_type);
	memset(h, 0, sizeof *h);
}

/* The first value of header NAME in H->headers, or NULL. */
static json_t *
tp_header_first(json_t *headers, const char *name)
{
	json_t *v = json_object_get(headers, name);

	return json_is_array(v) ? json_array_get(v, 0) : v;
}

int
tp_http_head(const uint8_t *head, size_t hlen, struct tp_http_head *h)
{
	size_t off, ll, n, i, nh = 0;
	const uint8_t *s;
	char name[128];
	long long cl = -1, v;
	json_t *te;

	memset(h, 0, sizeof *h);
	h->content_length = -1;
	if (tp_line(head, hlen, &ll, &n) != TP_COMPLETE || ll < 12 ||
	    memcmp(head, "HTTP/", 5) != 0 || !isdigit(head[5]) ||
	    head[6] != '.' || !isdigit(head[7]) || head[8] != ' ' ||
	    !isdigit(head[9]) || !isdigit(head[10]) || !isdigit(head[11]) ||
	    (ll > 12 && head[12] != ' ')) {
		h->error = "malformed HTTP status line";
		return NERR_PROTO;
	}
	h->status_code =
	    (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
	h->status_line = utf8_json_string(head, ll);
	h->protocol = json_stringn((const char *)head, 8);
	h->headers = json_object();
	for (off = n; off < hlen; off += n) {
		if (tp_line(head + off, hlen - off, &ll, &n) != TP_COMPLETE ||
		    ll == 0)
			break;
		s = head + off;
		/* Folded continuation lines and lines without a name: skip. */
		if (s[0] == ' ' || s[0] == '\t' || nh >= TP_MAX_LINES)
			continue;
		for (i = 0; i < ll && s[i] != ':' && i < sizeof name - 1; i++)
			name[i] = (char)tolower(s[i]);
		if (i == 0 || i >= ll || s[i] != ':' ||
		    utf8_valid_prefix(name, i) != i)
			continue;
		name[i] = '\0';
		for (i++; i < ll && (s[i] == ' ' || s[i] == '\t'); i++)
			;
		tp_header_add(h->headers, name, tp_string_trim(s + i, ll - i));
		nh++;
		if (strcmp(name, "content-length") == 0) {
			char num[24];
			size_t k = ll - i, j;

			while (k > 0 &&
			    (s[i + k - 1] == ' ' || s[i + k - 1] == '\t'))
				k--;
			for (j = 0;
			     j < k && j < sizeof num - 1 && isdigit(s[i + j]);
			     j++)
				num[j] = (char)s[i + j];
			num[j] = '\0';
			v = (j == k && j > 0 && j < 19) ? strtoll(num, NULL, 10)
			                                : -2;
			/* Two different lengths, or junk: no usable length. */
			cl = (cl == -1 || cl == v) ? v : -2;
		}
	}
	h->content_length = cl >= 0 ? cl : -1;
	if ((h->server = tp_header_first(h->headers, "server")))
		json_incref(h->server);
	if ((h->content_type = tp_header_first(h->headers, "content-type")))
		json_incref(h->content_type);
	te = json_object_get(h->headers, "transfer-encoding");
	if (json_is_array(te))
		te = json_array_get(te, json_array_size(te) - 1);
	if (json_is_string(te)) {
		const char *t = json_string_value(te);
		size_t tl = strlen(t);

		h->chunked = tl >= 7 && strcasecmp(t + tl - 7, "chunked") == 0;
	}
	return 0;
}

/* Splits "host[:port]" or "[v6][:port]" of AUTH[0..LEN). */
static int
tp_split_authority(
    const char *auth, size_t len, char *host, size_t hsize, long *port)
{
	const char *colon = NULL, *h = auth;
	size_t hl;

	/* Userinfo has no place in a redirect we follow. */
	if (memchr(auth, '@', len))
		return -1;
	if (len > 0 && auth[0] == '[') {
		const char *rb = memchr(auth, ']', len);

		if (rb == NULL)
			return -1;
		h = auth + 1;
		hl = (size_t)(rb - h);
		if (rb + 1 < auth + len) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memrchr(auth, ':', len);
		hl = colon ? (size_t)(colon - auth) : len;
	}
	if (hl == 0 || hl >= hsize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon) {
		char num[8], *end;
		size_t nl = len - (size_t)(colon + 1 - auth);

		if (nl == 0 || nl >= sizeof num)
			return -1;
		memcpy(num, colon + 1, nl);
		num[nl] = '\0';
		*port = strtol(num, &end, 10);
		if (*end != '\0' || *port <= 0 || *port > 65535)
			return -1;
	}
	return 0;
}

/* True when NAME (without a port) names the same server. */
static int
tp_same_host(
    const char *name, const char *host, const char *cfg, const char *ip)
{
	char c[256];
	const char *colon;

	if ((host && strcasecmp(name, host) == 0) || strcasecmp(name, ip) == 0)
		return 1;
	if (cfg == NULL)
		return 0;
	/* The configured Host header may carry a port. */
	snprintf(c, sizeof c, "%s", cfg);
	if ((colon = strrchr(c, ':')) && c[0] != '[')
		c[colon - c] = '\0';
	return strcasecmp(name, c) == 0;
}

int
tp_http_redirect(const char *location, const char *path, const char *host,
    const char *name, const char *ip, uint16_t port, int *tls, char *out,
    size_t size)
{
	const char *p = location, *rest;
	char h[256], buf[4096];
	long want_port;
	int newtls = *tls;
	size_t n;

	n = strcspn(p, "#");
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	p = buf;
	if (strncasecmp(p, "http://", 7) == 0 ||
	    strncasecmp(p, "https://", 8) == 0 || strncmp(p, "//", 2) == 0) {
		if (p[0] != '/')
			newtls = tolower((unsigned char)p[4]) == 's';
		p = strstr(p, "//") + 2;
		rest = p + strcspn(p, "/?");
		want_port = newtls ? 443 : 80;
		if (tp_split_authority(
		        p, (size_t)(rest - p), h, sizeof h, &want_port) < 0 ||
		    want_port != port || !tp_same_host(h, host, name, ip))
			return -1;
		if (snprintf(out, size, "%s%s", rest[0] == '?' ? "/" : "",
		        rest[0] ? rest : "/") >= (int)size)
			return -1;
	} else if (p[0] == '/') {
		if (snprintf(out, size, "%s", p) >= (int)size)
			return -1;
	} else if (strchr(p, ':') && strcspn(p, ":") < strcspn(p, "/?")) {
		return -1; /* another scheme (ftp:, mailto:, ...) */
	} else {
		/* Relative to the directory of the current path. */
		const char *slash = strrchr(path, '/');
		size_t dl = slash ? (size_t)(slash - path) + 1 : 0;

		if (dl + strlen(p) + 2 > size)
			return -1;
		if (dl == 0)
			snprintf(out, size, "/%s", p);
		else
			snprintf(out, size, "%.*s%s", (int)dl, path, p);
	}
	/* Bytes that would break the request line are not followed. */
	for (n = 0; out[n]; n++)
		if ((unsigned char)out[n] <= ' ' || out[n] == 0x7f)
			return -1;
	*tls = newtls;
	return 0;
}
