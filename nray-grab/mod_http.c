/*
 * mod_http.c - the http and https modules (the same code; https has the
 * engine's TLS handshake first).
 *
 * One HTTP/1.1 request per connection ("Connection: close"), the response
 * head parsed into facts, the body read by its framing (Content-Length,
 * chunked, or until close), hashed in full and kept up to max_body bytes.
 * Redirects are followed, up to max_redirects, only when they lead to the
 * same address and port (a new connection each time, GRAB_RECONNECT).
 * With --favicon a last request fetches /favicon.ico and records its
 * Shodan-compatible hash: MurmurHash3 x86_32 (seed 0) of the base64 text
 * of the icon with a newline after every 76 characters and at the end.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "grab.h"
#include "textproto.h"
#include "utf8.h"
#include "xalloc.h"

#define HTTP_MAX_HEAD    65536 /* request line and headers */
#define HTTP_MAX_HEADERS 200
#define HTTP_MAX_PATH    2048
#define HTTP_SCAN        16384 /* body bytes searched for <title> */
#define HTTP_MAX_ICON    (1024 * 1024)

enum http_phase { HTTP_HEAD, HTTP_BODY, HTTP_END };
enum http_framing { HTTP_NONE, HTTP_LENGTH, HTTP_CHUNKED, HTTP_CLOSE };
enum http_chunk { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

struct http_state {
	enum http_phase phase;
	enum http_framing framing;
	enum http_chunk chunk;
	int favicon; /* fetching /favicon.ico now */
	int redirects;
	int status_code;
	uint64_t remaining; /* of Content-Length or of the chunk */
	uint64_t total;     /* body bytes read */
	int truncated;
	int at_limit;      /* the grab has read max_read bytes in all */
	uint64_t consumed; /* bytes read on every connection of the grab */
	EVP_MD_CTX *md;
	uint8_t *keep; /* the first bytes of the body */
	size_t keep_len, keep_cap;
	char path[HTTP_MAX_PATH + 1];
};

/* MurmurHash3 x86_32 of KEY (Austin Appleby's public-domain algorithm). */
static uint32_t
http_mmh3_32(const void *key, size_t len, uint32_t seed)
{
	const uint8_t *p = key;
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = seed, k;
	size_t i, nblocks = len / 4;

	for (i = 0; i < nblocks; i++) {
		k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		k *= c1;
		k = (k << 15) | (k >> 17);
		k *= c2;
		h ^= k;
		h = (h << 13) | (h >> 19);
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	p += nblocks * 4;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)p[2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)p[1] << 8;
		/* fall through */
	case 1:
		k ^= p[0];
		k *= c1;
		k = (k << 15) | (k >> 17);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static int32_t
http_favicon_hash(const void *data, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const uint8_t *p = data;
	size_t i, o = 0, col = 0, cap;
	uint32_t v, h;
	char *out;
	int j;

	/* 4 chars per 3 bytes, a newline per 76 chars and one at the end. */
	cap = (len + 2) / 3 * 4;
	cap += cap / 76 + 2;
	out = xmalloc(cap);
	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		for (j = 0; j < 4; j++) {
			if ((size_t)j <= len - i)
				out[o++] = b64[(v >> (18 - 6 * j)) & 63];
			else
				out[o++] = '=';
			if (++col == 76) {
				out[o++] = '\n';
				col = 0;
			}
		}
	}
	if (col > 0 || len == 0)
		out[o++] = '\n';
	h = http_mmh3_32(out, o, 0);
	free(out);
	return (int32_t)h;
}

/* Lower-case hex of the SHA-256 digest in CTX (which is finished). */
static json_t *
http_sha256_hex(EVP_MD_CTX *ctx)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int n = 0, i;

	if (EVP_DigestFinal_ex(ctx, md, &n) != 1)
		return json_null();
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return json_stringn(hex, 2 * n);
}

/* The Host header's value: configured, the record's name, or its IP. */
static void
http_host_value(struct grab *g, char *buf, size_t size)
{
	const struct grab_config *cfg = grab_config(g);
	const char *h = cfg->http_host ? cfg->http_host : grab_host(g);
	uint16_t port = grab_port(g), dflt = grab_tls_active(g) ? 443 : 80;
	int v6 = 0;

	if (h == NULL) {
		h = grab_ip(g);
		v6 = strchr(h, ':') != NULL;
	}
	if (cfg->http_host)
		snprintf(buf, size, "%s", h);
	else if (port == dflt)
		snprintf(buf, size, v6 ? "[%s]" : "%s", h);
	else
		snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", h, port);
}

static void
http_send_request(struct grab *g, struct http_state *st)
{
	const struct grab_config *cfg = grab_config(g);
	char host[512], *req;
	int n;

	http_host_value(g, host, sizeof host);
	n = asprintf(&req,
	    "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
	    "Accept: */*\r\nConnection: close\r\n\r\n",
	    st->favicon ? "GET" : (cfg->http_method ? cfg->http_method : "GET"),
	    st->path, host, cfg->user_agent ? cfg->user_agent : "nray-grab");
	if (n < 0)
		return;
	grab_send(g, req, (size_t)n);
	free(req);
}

static enum grab_next
http_start(struct grab *g)
{
	struct http_state *st = grab_state(g);
	const char *path = grab_config(g)->http_path;

	/* The first connection: path from the options; later: kept. */
	if (st->path[0] == '\0')
		snprintf(st->path, sizeof st->path, "%s",
		    path && path[0] ? path : "/");
	st->phase = HTTP_HEAD;
	st->framing = HTTP_NONE;
	st->chunk = CH_SIZE;
	st->status_code = 0;
	st->remaining = st->total = 0;
	st->truncated = 0;
	/* The buffer's size depends on what is fetched (page or icon). */
	free(st->keep);
	st->keep = NULL;
	st->keep_len = st->keep_cap = 0;
	if (st->md == NULL)
		st->md = EVP_MD_CTX_new();
	if (st->md == NULL ||
	    EVP_DigestInit_ex(st->md, EVP_sha256(), NULL) != 1)
		return grab_fail(g, GRAB_S_UNKNOWN, "cannot hash");
	http_send_request(g, st);
	return GRAB_MORE;
}

static void
http_body_feed(
    struct grab *g, struct http_state *st, const uint8_t *p, size_t n)
{
	const struct grab_config *cfg = grab_config(g);
	size_t room;

	if (st->keep_cap == 0) {
		st->keep_cap = st->favicon ? HTTP_MAX_ICON : cfg->max_body;
		if (!st->favicon && st->keep_cap < HTTP_SCAN)
			st->keep_cap = HTTP_SCAN;
		if (cfg->max_read && st->keep_cap > cfg->max_read)
			st->keep_cap = cfg->max_read;
		st->keep = xmalloc(st->keep_cap ? st->keep_cap : 1);
	}
	EVP_DigestUpdate(st->md, p, n);
	room = st->keep_cap - st->keep_len;
	if (room > n)
		room = n;
	memcpy(st->keep + st->keep_len, p, room);
	st->keep_len += room;
	st->total += n;
	st->consumed += n;
	/* The engine reads no more than max_read per grab: stop there. */
	if (cfg->max_read && st->consumed >= cfg->max_read)
		st->truncated = st->at_limit = 1;
}

/* Case-insensitive search of NEEDLE in HAY[0..LEN). */
static const uint8_t *
http_memcasemem(const uint8_t *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i;

	for (i = 0; i + nl <= len; i++)
		if (strncasecmp((const char *)hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

static void
http_record_title(json_t *r, const uint8_t *body, size_t len)
{
	const uint8_t *t, *gt, *end;

	t = http_memcasemem(body, len, "<title");
	if (t == NULL)
		return;
	gt = memchr(t, '>', len - (size_t)(t - body));
	if (gt == NULL)
		return;
	gt++;
	end = http_memcasemem(gt, len - (size_t)(gt - body), "</title");
	if (end == NULL)
		return;
	while (gt < end && isspace(*gt))
		gt++;
	while (end > gt && isspace(end[-1]))
		end--;
	if (end - gt > 1024)
		end = gt + 1024;
	json_object_set_new(
	    r, "title", utf8_json_string(gt, (size_t)(end - gt)));
}

/* The body is complete: record it, then redirect, favicon, or done. */
static enum grab_next
http_finish(struct grab *g, struct http_state *st)
{
	const struct grab_config *cfg = grab_config(g);
	json_t *r = grab_result(g), *loc;
	char scheme_host[600], host[512];
	size_t keep;
	int tls;

	st->phase = HTTP_END;
	if (st->favicon) {
		json_t *fav = json_object();

		json_object_set_new(
		    fav, "status_code", json_integer(st->status_code));
		if (st->status_code == 200 && st->total > 0 && !st->truncated &&
		    st->keep_len == st->total) {
			json_object_set_new(fav, "mmh3",
			    json_integer(
			        http_favicon_hash(st->keep, st->keep_len)));
			json_object_set_new(
			    fav, "sha256", http_sha256_hex(st->md));
		}
		json_object_set_new(r, "favicon", fav);
		return GRAB_DONE;
	}
	keep = st->keep_len < cfg->max_body ? st->keep_len : cfg->max_body;
	json_object_set_new(r, "body", utf8_json_string(st->keep, keep));
	json_object_set_new(r, "body_sha256", http_sha256_hex(st->md));
	json_object_set_new(r, "body_truncated",
	    json_boolean(st->truncated || st->total > keep));
	json_object_del(r, "title");
	http_record_title(r, st->keep, st->keep_len);
	http_host_value(g, host, sizeof host);
	tls = grab_tls_active(g);
	snprintf(scheme_host, sizeof scheme_host, "%s://%s",
	    tls ? "https" : "http", host);
	json_object_set_new(
	    r, "final_url", json_sprintf("%s%s", scheme_host, st->path));

	loc = json_object_get(json_object_get(r, "headers"), "location");
	if (json_is_array(loc))
		loc = json_array_get(loc, 0);
	if (st->at_limit)
		return GRAB_DONE; /* nothing more may be read */
	if (st->status_code >= 300 && st->status_code < 400 &&
	    json_is_string(loc) && st->redirects < cfg->max_redirects) {
		char path[HTTP_MAX_PATH + 1];
		int newtls = tls;

		if (tp_http_redirect(json_string_value(loc), st->path,
		        grab_host(g), cfg->http_host, grab_ip(g), grab_port(g),
		        &newtls, path, sizeof path) == 0) {
			json_t *rd = json_object_get(r, "redirects");

			if (rd == NULL) {
				rd = json_array();
				json_object_set_new(r, "redirects", rd);
			}
			json_array_append_new(rd,
			    json_pack("{s:i, s:O}", "status_code",
			        st->status_code, "location", loc));
			st->redirects++;
			snprintf(st->path, sizeof st->path, "%s", path);
			grab_want_tls(g, newtls);
			return GRAB_RECONNECT;
		}
	}
	if (cfg->favicon) {
		st->favicon = 1;
		snprintf(st->path, sizeof st->path, "/favicon.ico");
		grab_want_tls(g, tls);
		return GRAB_RECONNECT;
	}
	return GRAB_DONE;
}

/* Parses the response head of HLEN bytes into the result. */
static enum grab_next
http_on_head(
    struct grab *g, struct http_state *st, const uint8_t *head, size_t hlen)
{
	struct tp_http_head h;
	json_t *r = grab_result(g);
	const char *method = grab_config(g)->http_method;
	int rc;

	rc = tp_http_head(head, hlen, &h);
	if (rc < 0)
		return grab_fail(g, GRAB_S_PROTO, "%s", h.error);
	st->status_code = h.status_code;
	if (!st->favicon) {
		/* Facts of the last response replace those of a redirect. */
		json_object_set_new(
		    r, "status_code", json_integer(h.status_code));
		json_object_set(r, "status_line", h.status_line);
		json_object_set(r, "protocol", h.protocol);
		json_object_set(r, "headers", h.headers);
		json_object_del(r, "server");
		json_object_del(r, "content_type");
		json_object_del(r, "content_length");
		if (h.server)
			json_object_set(r, "server", h.server);
		if (h.content_type)
			json_object_set(r, "content_type", h.content_type);
		if (h.content_length >= 0)
			json_object_set_new(r, "content_length",
			    json_integer(h.content_length));
		grab_set_service(g, grab_tls_active(g) ? "https" : "http");
	}
	if (h.chunked)
		st->framing = HTTP_CHUNKED;
	else if ((h.status_code >= 100 && h.status_code < 200) ||
	    h.status_code == 204 || h.status_code == 304 ||
	    (!st->favicon && method && strcmp(method, "HEAD") == 0))
		st->framing = HTTP_NONE;
	else if (h.content_length >= 0) {
		st->framing = HTTP_LENGTH;
		st->remaining = (uint64_t)h.content_length;
	} else
		st->framing = HTTP_CLOSE;
	tp_http_head_free(&h);
	st->phase = HTTP_BODY;
	return GRAB_MORE;
}

/* Consumes body bytes by the framing; returns 1 when the body is done. */
static int
http_body(struct grab *g, struct http_state *st, const uint8_t *data,
    size_t len, size_t *used, const char **err)
{
	size_t ll, n, take;
	const uint8_t *nl;
	char *end;
	unsigned long long v;

	for (;;) {
		if (st->truncated)
			return 1;
		switch (st->framing) {
		case HTTP_NONE:
			return 1;
		case HTTP_CLOSE:
			http_body_feed(g, st, data + *used, len - *used);
			*used = len;
			return st->truncated;
		case HTTP_LENGTH:
			take = len - *used;
			if (take > st->remaining)
				take = (size_t)st->remaining;
			http_body_feed(g, st, data + *used, take);
			*used += take;
			st->remaining -= take;
			return st->remaining == 0 || st->truncated;
		case HTTP_CHUNKED:
			break;
		}
		if (st->chunk == CH_DATA) {
			take = len - *used;
			if (take > st->remaining)
				take = (size_t)st->remaining;
			http_body_feed(g, st, data + *used, take);
			*used += take;
			st->remaining -= take;
			if (st->truncated)
				return 1;
			if (st->remaining > 0)
				return 0;
			st->chunk = CH_DATA_END;
			continue;
		}
		nl = memchr(data + *used, '\n', len - *used);
		if (nl == NULL) {
			if (len - *used > 1024) {
				*err = "chunk line too long";
				return -1;
			}
			return 0;
		}
		n = (size_t)(nl - (data + *used)) + 1;
		ll = n - 1;
		if (ll > 0 && data[*used + ll - 1] == '\r')
			ll--;
		if (st->chunk == CH_SIZE) {
			char line[64];

			if (ll == 0 || ll >= sizeof line ||
			    !isxdigit(data[*used])) {
				*err = "bad chunk size";
				return -1;
			}
			memcpy(line, data + *used, ll);
			line[ll] = '\0';
			v = strtoull(line, &end, 16);
			if (*end != '\0' && *end != ';' && *end != ' ' &&
			    *end != '\t') {
				*err = "bad chunk size";
				return -1;
			}
			st->remaining = v;
			st->chunk = v == 0 ? CH_TRAILER : CH_DATA;
		} else if (st->chunk == CH_DATA_END) {
			if (ll != 0) {
				*err = "chunk not followed by CRLF";
				return -1;
			}
			st->chunk = CH_SIZE;
		} else if (ll == 0) {
			*used += n;
			return 1; /* the empty line after the trailers */
		}
		*used += n;
	}
}

static enum grab_next
http_input(struct grab *g, const uint8_t *data, size_t len, size_t *used)
{
	struct http_state *st = grab_state(g);
	const char *err = NULL;
	enum grab_next next;
	size_t hlen;
	int rc;

	*used = 0;
	while (st->phase != HTTP_END) {
		if (st->phase == HTTP_HEAD) {
			rc = tp_http_head_length(
			    data + *used, len - *used, &hlen);
			if (rc < 0)
				return grab_fail(
				    g, GRAB_S_PROTO, "not an HTTP response");
			if (rc == 0) {
				if (len - *used > HTTP_MAX_HEAD)
					return grab_fail(g, GRAB_S_PROTO,
					    "response head too long");
				return GRAB_MORE;
			}
			next = http_on_head(g, st, data + *used, hlen);
			*used += hlen;
			st->consumed += hlen;
			if (next != GRAB_MORE)
				return next;
			/* An interim 1xx answer: the real one follows. */
			if (st->status_code >= 100 && st->status_code < 200 &&
			    st->status_code != 101) {
				st->phase = HTTP_HEAD;
				continue;
			}
		}
		rc = http_body(g, st, data, len, used, &err);
		if (rc < 0)
			return grab_fail(g, GRAB_S_PROTO, "%s", err);
		if (rc == 0)
			return GRAB_MORE;
		return http_finish(g, st);
	}
	*used = len;
	return GRAB_MORE;
}

static enum grab_next
http_eof(struct grab *g)
{
	struct http_state *st = grab_state(g);

	if (st->phase == HTTP_HEAD)
		return grab_fail(g, GRAB_S_PROTO,
		    "connection closed before a complete response head");
	if (st->phase == HTTP_BODY) {
		/* Short of Content-Length or the last chunk: keep what came. */
		if (st->framing != HTTP_CLOSE)
			st->truncated = 1;
		return http_finish(g, st);
	}
	return GRAB_DONE;
}

/* A server that keeps the connection open after the body: keep the page. */
static enum grab_next
http_timeout(struct grab *g)
{
	struct http_state *st = grab_state(g);

	if (st->phase != HTTP_BODY)
		return grab_fail(g, GRAB_S_IO_TIMEOUT, "no complete response");
	st->truncated = st->framing != HTTP_CLOSE;
	return http_finish(g, st);
}

static void
http_cleanup(struct grab *g)
{
	struct http_state *st = grab_state(g);

	EVP_MD_CTX_free(st->md);
	st->md = NULL;
	free(st->keep);
	st->keep = NULL;
}

const struct grab_module mod_http = {
    .name = "http",
    .service = "http",
    .summary = "HTTP/1.1: status, headers, title, body hash, redirects",
    .state_size = sizeof(struct http_state),
    .start = http_start,
    .input = http_input,
    .eof = http_eof,
    .cleanup = http_cleanup,
    .timeout = http_timeout,
};

const struct grab_module mod_https = {
    .name = "https",
    .service = "https",
    .summary = "HTTP/1.1 over TLS (the http facts, and tls)",
    .implicit_tls = 1,
    .state_size = sizeof(struct http_state),
    .start = http_start,
    .input = http_input,
    .eof = http_eof,
    .cleanup = http_cleanup,
    .timeout = http_timeout,
};
