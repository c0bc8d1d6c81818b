/*
 * grab_stub.c - the grab_* functions of grab.h in memory, for unit tests
 * and fuzz harnesses of nray-grab's modules (see grab_stub.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grab_stub.h"
#include "xalloc.h"

struct grab {
	const struct grab_module *mod;
	void *state;
	json_t *record;
	json_t *result;
	struct grab_config cfg;
	char *host;
	uint16_t port;
	int tls, want_tls;
	uint8_t *in;
	size_t inlen;
	uint8_t *out;
	size_t outlen;
	size_t total_read; /* bytes fed on every connection */
	int starttls, reconnects;
	double timeout;
	char handoff[32];
	int finished;
	enum grab_next last;
};

static const struct grab_config stub_default_config = {
    .http_method = "GET",
    .http_path = "/",
    .http_host = NULL,
    .user_agent = "nray-grab/test",
    .max_redirects = 3,
    .favicon = 0,
    .max_body = 1024,
    .banner_probe = NULL,
    .max_read = 262144,
};

void *
grab_state(struct grab *g)
{
	return g->state;
}

json_t *
grab_result(struct grab *g)
{
	return g->result;
}

json_t *
grab_record(struct grab *g)
{
	return g->record;
}

const struct grab_config *
grab_config(const struct grab *g)
{
	return &g->cfg;
}

const char *
grab_host(const struct grab *g)
{
	return g->host;
}

const char *
grab_ip(const struct grab *g)
{
	(void)g;
	return "127.0.0.1";
}

uint16_t
grab_port(const struct grab *g)
{
	return g->port;
}

int
grab_tls_active(const struct grab *g)
{
	return g->tls;
}

void
grab_want_tls(struct grab *g, int on)
{
	g->want_tls = on;
}

void
grab_send(struct grab *g, const void *buf, size_t len)
{
	if (len == 0)
		return;
	g->out = xreallocarray(g->out, g->outlen + len, 1);
	memcpy(g->out + g->outlen, buf, len);
	g->outlen += len;
}

enum grab_next
grab_fail(struct grab *g, const char *status, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_object_set_new(g->result, "status", json_string(status));
	json_object_set_new(g->result, "error", json_string(buf));
	return GRAB_FAIL;
}

void
grab_set_timeout(struct grab *g, double secs)
{
	g->timeout = secs;
}

void
grab_handoff(struct grab *g, const char *module)
{
	snprintf(g->handoff, sizeof g->handoff, "%s", module);
}

void
grab_set_service(struct grab *g, const char *service)
{
	json_object_set_new(g->record, "service", json_string(service));
}

struct grab *
grab_stub_new(const struct grab_module *module, uint16_t port)
{
	struct grab *g = xcalloc(1, sizeof *g);
	json_t *grab;

	g->mod = module;
	g->state = xcalloc(1, module->state_size ? module->state_size : 1);
	g->record = json_pack("{s:s, s:i}", "ip", "127.0.0.1", "port", port);
	grab = json_object();
	g->result = json_object();
	json_object_set(grab, module->name, g->result);
	json_object_set_new(g->record, "grab", grab);
	json_decref(g->result); /* the record holds it */
	g->cfg = stub_default_config;
	g->port = port;
	g->last = GRAB_MORE;
	return g;
}

void
grab_stub_set_config(struct grab *g, const struct grab_config *cfg)
{
	g->cfg = *cfg;
}

void
grab_stub_set_host(struct grab *g, const char *host)
{
	free(g->host);
	g->host = host ? xstrdup(host) : NULL;
}

/* Acts on NEXT the way the engine would, and remembers it. */
static enum grab_next
stub_follow(struct grab *g, enum grab_next next)
{
	/* Bounded: a module that asks for endless reconnects is a bug. */
	while (!g->finished) {
		if (next == GRAB_STARTTLS) {
			g->starttls++;
			g->tls = 1;
			/* Plaintext left before the handshake is dropped. */
			g->inlen = 0;
			next = g->mod->tls_ready ? g->mod->tls_ready(g)
			                         : GRAB_DONE;
			continue;
		}
		if (next == GRAB_RECONNECT) {
			if (++g->reconnects > 20) {
				next = grab_fail(g, GRAB_S_UNKNOWN,
				    "stub: too many reconnects");
				continue;
			}
			g->tls = g->want_tls;
			g->inlen = 0;
			next = g->mod->start(g);
			continue;
		}
		if (next == GRAB_DONE) {
			/* What the engine does for a module that succeeded. */
			if (!json_object_get(g->result, "status"))
				json_object_set_new(g->result, "status",
				    json_string(GRAB_S_SUCCESS));
			if (!json_object_get(g->record, "service"))
				grab_set_service(g, g->mod->service);
		}
		if (next == GRAB_DONE || next == GRAB_FAIL ||
		    next == GRAB_HANDOFF)
			g->finished = 1;
		break;
	}
	g->last = next;
	return next;
}

enum grab_next
grab_stub_start(struct grab *g)
{
	g->tls = g->mod->implicit_tls;
	return stub_follow(g, g->mod->start(g));
}

enum grab_next
grab_stub_feed(struct grab *g, const void *data, size_t len)
{
	enum grab_next next;
	size_t used = 0;

	if (g->finished)
		return g->last;
	/* Like the engine, read no more than max_read bytes per grab. */
	if (g->cfg.max_read && len > g->cfg.max_read - g->total_read)
		len = g->cfg.max_read - g->total_read;
	g->total_read += len;
	g->in = xreallocarray(g->in, g->inlen + len + 1, 1);
	if (len > 0)
		memcpy(g->in + g->inlen, data, len);
	g->inlen += len;
	next = g->mod->input(g, g->in, g->inlen, &used);
	if (used > g->inlen)
		used = g->inlen;
	memmove(g->in, g->in + used, g->inlen - used);
	g->inlen -= used;
	if (next == GRAB_MORE && g->cfg.max_read &&
	    g->total_read >= g->cfg.max_read)
		next = grab_fail(
		    g, GRAB_S_PROTO, "read limit reached (--max-read)");
	return stub_follow(g, next);
}

enum grab_next
grab_stub_eof(struct grab *g)
{
	enum grab_next next;

	if (g->finished)
		return g->last;
	if (g->mod->eof)
		next = g->mod->eof(g);
	else
		next = grab_fail(g, GRAB_S_PROTO, "connection closed");
	return stub_follow(g, next);
}

enum grab_next
grab_stub_timeout(struct grab *g)
{
	enum grab_next next;

	if (g->finished)
		return g->last;
	if (g->mod->timeout)
		next = g->mod->timeout(g);
	else
		next = grab_fail(g, GRAB_S_IO_TIMEOUT, "read timeout");
	return stub_follow(g, next);
}

double
grab_stub_timeout_asked(const struct grab *g)
{
	return g->timeout;
}

int
grab_stub_finished(const struct grab *g)
{
	return g->finished;
}

const uint8_t *
grab_stub_sent(const struct grab *g, size_t *len)
{
	*len = g->outlen;
	return g->out ? g->out : (const uint8_t *)"";
}

void
grab_stub_clear_sent(struct grab *g)
{
	g->outlen = 0;
}

int
grab_stub_starttls_count(const struct grab *g)
{
	return g->starttls;
}

int
grab_stub_reconnect_count(const struct grab *g)
{
	return g->reconnects;
}

const char *
grab_stub_handoff(const struct grab *g)
{
	return g->handoff[0] ? g->handoff : NULL;
}

const char *
grab_stub_status(const struct grab *g)
{
	return json_string_value(json_object_get(g->result, "status"));
}

int
grab_stub_fuzz(
    const struct grab_module *module, const uint8_t *data, size_t size)
{
	struct grab_config cfg = stub_default_config;
	size_t chunk, off = 2, n;
	struct grab *g;
	char *s;

	if (size < 2)
		return 0;
	chunk = data[0] ? data[0] : size;
	cfg.favicon = data[1] & 1;
	cfg.max_redirects = (data[1] >> 1) & 3;
	cfg.max_body = (data[1] & 8) ? 16 : 1024;
	cfg.max_read = (data[1] & 16) ? 512 : 262144;
	g = grab_stub_new(module, 443);
	grab_stub_set_config(g, &cfg);
	grab_stub_set_host(g, (data[1] & 32) ? "www.example.com" : NULL);
	grab_stub_start(g);
	while (off < size && !grab_stub_finished(g)) {
		n = size - off < chunk ? size - off : chunk;
		grab_stub_feed(g, data + off, n);
		off += n;
	}
	if (!grab_stub_finished(g))
		(data[1] & 64) ? grab_stub_timeout(g) : grab_stub_eof(g);
	/* Every fact must serialize: a bad string would show up here. */
	s = json_dumps(g->record, JSON_COMPACT);
	if (s == NULL)
		abort();
	free(s);
	grab_stub_free(g);
	return 0;
}

void
grab_stub_free(struct grab *g)
{
	if (g == NULL)
		return;
	if (g->mod->cleanup)
		g->mod->cleanup(g);
	free(g->state);
	json_decref(g->record);
	free(g->host);
	free(g->in);
	free(g->out);
	free(g);
}
