/*
 * conn.c - one grab's connection: non-blocking connect, TLS on the
 * non-blocking socket, bounded buffers, the module callbacks and what
 * they ask for next (STARTTLS, RECONNECT, HANDOFF); also the grab_*
 * functions of grab.h that modules call.
 *
 * Memory per grab is bounded: the input buffer never holds more than
 * --max-read bytes (and a grab never reads more than that in all), the
 * send queue never more than SENDQ_MAX.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "engine.h"

#include "utf8.h"
#include "xalloc.h"

#define IN_CHUNK       16384
#define SENDQ_MAX      65536
#define MAX_HANDOFFS   4
#define MAX_RECONNECTS 16

static void feed(struct grab *g);
static int act(struct grab *g, enum grab_next nx);
static void tls_begin(struct grab *g, int after_starttls);

/* The status strings live as long as the program (results are freed). */
static const char *
status_const(const char *s)
{
	static const char *const all[] = {GRAB_S_SUCCESS, GRAB_S_REFUSED,
	    GRAB_S_CONN_TIMEOUT, GRAB_S_IO_TIMEOUT, GRAB_S_TLS, GRAB_S_PROTO,
	    GRAB_S_APP, GRAB_S_UNKNOWN, NULL};
	size_t i;

	for (i = 0; s != NULL && all[i] != NULL; i++)
		if (strcmp(s, all[i]) == 0)
			return all[i];
	return GRAB_S_UNKNOWN;
}

static void
mod_init(struct grab *g, const struct grab_module *m)
{
	g->mod = m;
	g->state = m->state_size > 0 ? xcalloc(1, m->state_size) : NULL;
	g->result = json_object();
	g->service_set = 0;
}

static void
mod_release(struct grab *g)
{
	if (g->mod != NULL && g->mod->cleanup != NULL && !g->cleaned)
		g->mod->cleanup(g);
	g->cleaned = 0;
	free(g->state);
	g->state = NULL;
	json_decref(g->result);
	g->result = NULL;
}

/* A new grab of M for J (see engine.h). */
struct grab *
conn_new(struct engine *e, struct job *j, const struct grab_module *m)
{
	struct grab *g = xcalloc(1, sizeof(*g));

	g->ev.kind = EV_GRAB;
	g->ev.fd = -1;
	g->e = e;
	g->j = j;
	g->phase = G_QUEUED;
	g->t_io.g = g;
	g->t_whole.g = g;
	mod_init(g, m);
	g->want_tls = m->implicit_tls;
	if (j->host != NULL)
		g->sni = xstrdup(j->host);
	return g;
}

/* Releases G and what its module holds. */
void
conn_free(struct grab *g)
{
	if (g == NULL)
		return;
	mod_release(g);
	if (g->ssl != NULL)
		SSL_free(g->ssl);
	if (g->ev.fd >= 0)
		close(g->ev.fd);
	free(g->in);
	free(g->out);
	free(g->ja3s);
	free(g->sni);
	free(g);
}

/* Closes the connection (a clean close: FIN, close_notify over TLS). */
static void
conn_close(struct grab *g)
{
	if (g->ev.fd >= 0)
		(void)engine_set_events(g->e, g, 0);
	if (g->ssl != NULL) {
		if (g->tls_active)
			(void)SSL_shutdown(g->ssl);
		SSL_free(g->ssl);
		g->ssl = NULL;
	}
	if (g->ev.fd >= 0)
		close(g->ev.fd);
	g->ev.fd = -1;
	g->tls_active = 0;
	g->starttls_pending = 0;
	timer_cancel(&g->t_io);
}

/* The grab is over: the status is in the result (success if none). */
static void
finish(struct grab *g)
{
	const char *st;

	if (g->phase == G_DONE)
		return;
	st = json_string_value(json_object_get(g->result, "status"));
	if (st == NULL) {
		json_object_set_new(
		    g->result, "status", json_string(GRAB_S_SUCCESS));
		st = GRAB_S_SUCCESS;
	}
	g->status = status_const(st);
	if (strcmp(g->status, GRAB_S_SUCCESS) == 0 && !g->service_set &&
	    g->mod->service != NULL)
		job_set_service(g->j, g->mod->service);
	conn_close(g);
	timer_cancel(&g->t_whole);
	g->phase = G_DONE;
	/* The job may be written and freed next: the module lets go now. */
	if (g->mod->cleanup != NULL)
		g->mod->cleanup(g);
	g->cleaned = 1;
	engine_grab_done(g->e, g);
}

/* Ends G now with STATUS and WHY (see engine.h). */
void
conn_abort(struct grab *g, const char *status, const char *why)
{
	if (g->phase == G_DONE)
		return;
	(void)grab_fail(g, status, "%s", why);
	finish(g);
}

static void
conn_error(struct grab *g, int err)
{
	if (err == ECONNREFUSED)
		conn_abort(g, GRAB_S_REFUSED, "connection refused");
	else if (err == ETIMEDOUT)
		conn_abort(g, GRAB_S_CONN_TIMEOUT, "connection timed out");
	else
		conn_abort(g, GRAB_S_UNKNOWN, strerror(err));
}

static void
arm_read(struct grab *g)
{
	timer_arm(g->e, &g->t_io, engine_opts(g->e)->read_timeout);
}

/* Epoll interest for an open connection. */
static void
update_io(struct grab *g)
{
	uint32_t ev = 0;

	if (g->phase != G_OPEN)
		return;
	if (g->send_overflow) {
		conn_abort(g, GRAB_S_APP, "send queue overflow");
		return;
	}
	if (g->starttls_pending && g->out_off == g->out_len) {
		tls_begin(g, 1);
		return;
	}
	if (!g->eof_seen)
		ev |= EPOLLIN;
	if (g->out_off < g->out_len)
		ev |= EPOLLOUT;
	if (engine_set_events(g->e, g, ev) < 0)
		conn_abort(g, GRAB_S_UNKNOWN, "epoll failed");
}

/* The module takes over an open connection. */
static void
opened(struct grab *g)
{
	enum grab_next nx;

	g->phase = G_OPEN;
	g->timer_set = 0;
	nx = g->mod->start(g);
	if (g->phase == G_OPEN && !g->timer_set)
		arm_read(g);
	if (act(g, nx))
		feed(g);
	update_io(g);
}

static void
on_connected(struct grab *g)
{
	if (g->want_tls)
		tls_begin(g, 0);
	else
		opened(g);
}

/* Connects G (see engine.h). */
void
conn_connect(struct grab *g)
{
	const struct grab_opts *o = engine_opts(g->e);
	struct sockaddr_storage ss, src;
	socklen_t sl, srcl;
	int fd, err;

	sl = addr_to_sockaddr(g->j->addr, g->j->port, &ss);
	engine_count(g->e, 1, 0);
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_abort(g, GRAB_S_UNKNOWN, strerror(errno));
		return;
	}
	g->ev.fd = fd;
	g->evmask = 0;
	if (o->have_source) {
		srcl = addr_to_sockaddr(o->source, 0, &src);
		if (src.ss_family != ss.ss_family) {
			conn_abort(g, GRAB_S_UNKNOWN,
			    "--source-ip is of the other address family");
			return;
		}
		if (bind(fd, (struct sockaddr *)&src, srcl) < 0) {
			conn_error(g, errno);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		on_connected(g);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		conn_error(g, err);
		return;
	}
	g->phase = G_CONNECTING;
	timer_arm(g->e, &g->t_io, o->connect_timeout);
	if (engine_set_events(g->e, g, EPOLLOUT) < 0)
		conn_abort(g, GRAB_S_UNKNOWN, "epoll failed");
}

static void
tls_fail(struct grab *g, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		(void)grab_fail(g, GRAB_S_TLS, "%s: %s", what, buf);
	} else
		(void)grab_fail(g, GRAB_S_TLS, "%s: connection closed", what);
	ERR_clear_error();
	finish(g);
}

/* The handshake completed: record grab.tls, let the module go on. */
static void
tls_established(struct grab *g)
{
	json_t *facts, *old;
	enum grab_next nx;

	g->tls_active = 1;
	g->tls_done = 1;
	facts = tlsinfo_facts(g->ssl, g->sni, g->j->ip, g->ja3s);
	old = json_object_get(g->j->grabs, "tls");
	if (json_is_object(old)) {
		json_object_update(old, facts);
		json_decref(facts);
	} else
		json_object_set_new(g->j->grabs, "tls", facts);
	g->phase = G_OPEN;
	if (!g->after_starttls) {
		opened(g);
		return;
	}
	g->timer_set = 0;
	nx = g->mod->tls_ready != NULL ? g->mod->tls_ready(g) : GRAB_DONE;
	if (g->phase == G_OPEN && !g->timer_set)
		arm_read(g);
	if (act(g, nx))
		feed(g);
	update_io(g);
}

static void
handshake_step(struct grab *g)
{
	int rc, err;

	ERR_clear_error();
	rc = SSL_do_handshake(g->ssl);
	if (rc == 1) {
		tls_established(g);
		return;
	}
	err = SSL_get_error(g->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		rc = engine_set_events(g->e, g, EPOLLIN);
	else if (err == SSL_ERROR_WANT_WRITE)
		rc = engine_set_events(g->e, g, EPOLLIN | EPOLLOUT);
	else {
		tls_fail(g, "TLS handshake");
		return;
	}
	if (rc < 0)
		conn_abort(g, GRAB_S_UNKNOWN, "epoll failed");
}

static void
tls_begin(struct grab *g, int after_starttls)
{
	const char *mn = g->mod->name;
	static const unsigned char alpn_web[] = "\x02h2\x08http/1.1";
	static const unsigned char alpn_http1[] = "\x08http/1.1";

	g->starttls_pending = 0;
	g->after_starttls = after_starttls;
	g->in_len = 0; /* nothing sent before the handshake is trusted */
	g->fresh = 0;
	free(g->ja3s);
	g->ja3s = NULL;
	g->ssl = SSL_new(engine_ssl_ctx(g->e));
	if (g->ssl == NULL || SSL_set_fd(g->ssl, g->ev.fd) != 1) {
		tls_fail(g, "TLS setup");
		return;
	}
	SSL_set_connect_state(g->ssl);
	if (g->sni != NULL)
		(void)SSL_set_tlsext_host_name(g->ssl, g->sni);
	/* No ALPN from the probe: exim refuses a foreign one (smtps). */
	if (g->probe_kind == PROBE_TLS)
		;
	else if (strcmp(mn, "tls") == 0)
		(void)SSL_set_alpn_protos(
		    g->ssl, alpn_web, sizeof(alpn_web) - 1);
	else if (strcmp(mn, "https") == 0)
		(void)SSL_set_alpn_protos(
		    g->ssl, alpn_http1, sizeof(alpn_http1) - 1);
	tlsinfo_ssl_setup(g->ssl, &g->ja3s);
	g->phase = G_HANDSHAKE;
	arm_read(g);
	handshake_step(g);
}

/* What the module asked for; 1 when the caller should keep feeding. */
static int
act(struct grab *g, enum grab_next nx)
{
	const struct grab_module *m;

	if (g->phase == G_DONE)
		return 0;
	switch (nx) {
	case GRAB_MORE:
		return 1;
	case GRAB_DONE:
		finish(g);
		return 0;
	case GRAB_FAIL:
		if (json_object_get(g->result, "status") == NULL)
			(void)grab_fail(g, GRAB_S_UNKNOWN, "module failed");
		finish(g);
		return 0;
	case GRAB_STARTTLS:
		if (g->tls_active) {
			conn_abort(
			    g, GRAB_S_APP, "STARTTLS on a TLS connection");
			return 0;
		}
		g->in_len = 0;
		g->fresh = 0;
		if (g->out_off < g->out_len) {
			g->starttls_pending = 1; /* after the queue is sent */
			return 0;
		}
		tls_begin(g, 1);
		return 0;
	case GRAB_RECONNECT:
		if (++g->reconnects > MAX_RECONNECTS) {
			conn_abort(g, GRAB_S_APP, "too many reconnections");
			return 0;
		}
		conn_close(g);
		g->in_len = g->out_len = g->out_off = 0;
		g->eof_seen = g->fresh = g->resets = 0;
		g->phase = G_QUEUED;
		engine_connq_push(g->e, g, 1);
		return 0;
	case GRAB_HANDOFF:
		m = grab_module_find(g->handoff);
		if (m == NULL || ++g->handoffs > MAX_HANDOFFS) {
			conn_abort(g, GRAB_S_UNKNOWN,
			    m == NULL ? "handoff to an unknown module"
			              : "too many handoffs");
			return 0;
		}
		mod_release(g);
		mod_init(g, m);
		g->timer_set = 0;
		nx = m->start(g);
		if (g->phase == G_OPEN && !g->timer_set)
			arm_read(g);
		g->fresh = g->in_len > 0;
		return act(g, nx);
	}
	conn_abort(g, GRAB_S_UNKNOWN, "module returned an unknown action");
	return 0;
}

/* Hands buffered bytes and the end of input to the module. */
static void
feed(struct grab *g)
{
	size_t max = engine_opts(g->e)->cfg.max_read, used;
	enum grab_next nx;

	while (g->phase == G_OPEN && !g->starttls_pending) {
		if (g->fresh && g->in_len > 0) {
			used = 0;
			g->timer_set = 0;
			nx = g->mod->input(g, g->in, g->in_len, &used);
			if (used > g->in_len)
				used = g->in_len;
			if (used > 0) {
				memmove(g->in, g->in + used, g->in_len - used);
				g->in_len -= used;
			}
			g->fresh = used > 0 && g->in_len > 0;
			if (nx != GRAB_MORE) {
				if (!act(g, nx))
					return;
				continue;
			}
			if (!g->timer_set)
				arm_read(g);
			if (g->fresh)
				continue;
			if (g->total_read >= max && !g->eof_seen) {
				conn_abort(g, GRAB_S_PROTO,
				    "read limit reached (--max-read)");
				return;
			}
		}
		g->fresh = 0;
		if (g->eof_seen) {
			nx = g->mod->eof != NULL
			    ? g->mod->eof(g)
			    : grab_fail(g, GRAB_S_PROTO, "connection closed");
			if (nx == GRAB_MORE)
				nx = grab_fail(
				    g, GRAB_S_PROTO, "connection closed");
			if (!act(g, nx))
				return;
			continue;
		}
		break;
	}
}

static void
grow_in(struct grab *g, size_t max)
{
	size_t want;

	if (g->in_cap - g->in_len >= IN_CHUNK / 4 || g->in_cap >= max)
		return;
	want = g->in_cap == 0 ? IN_CHUNK : g->in_cap * 2;
	if (want > max)
		want = max;
	g->in = xreallocarray(g->in, want, 1);
	g->in_cap = want;
}

/* Reads what is there, within the grab's budget. */
static void
read_some(struct grab *g)
{
	size_t max = engine_opts(g->e)->cfg.max_read, room;
	ssize_t n;
	int err;

	while (!g->eof_seen && g->total_read < max) {
		grow_in(g, max);
		room = g->in_cap - g->in_len;
		if (room > max - g->total_read)
			room = max - g->total_read;
		if (room == 0)
			break;
		if (g->ssl != NULL) {
			ERR_clear_error();
			n = SSL_read(g->ssl, g->in + g->in_len, (int)room);
			if (n <= 0) {
				err = SSL_get_error(g->ssl, (int)n);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE)
					break;
				g->eof_seen = 1;
				ERR_clear_error();
				break;
			}
		} else {
			n = recv(g->ev.fd, g->in + g->in_len, room, 0);
			if (n == 0) {
				g->eof_seen = 1;
				break;
			}
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				g->resets = errno == ECONNRESET;
				g->eof_seen = 1;
				break;
			}
		}
		g->in_len += (size_t)n;
		g->total_read += (uint64_t)n;
		g->fresh = 1;
		engine_count(g->e, 0, (uint64_t)n);
		if (g->ssl == NULL && (size_t)n < room)
			break;
	}
}

/* Sends what is queued. */
static void
flush(struct grab *g)
{
	ssize_t n;
	int err;

	while (g->out_off < g->out_len) {
		if (g->ssl != NULL) {
			ERR_clear_error();
			n = SSL_write(g->ssl, g->out + g->out_off,
			    (int)(g->out_len - g->out_off));
			if (n <= 0) {
				err = SSL_get_error(g->ssl, (int)n);
				if (err == SSL_ERROR_WANT_READ ||
				    err == SSL_ERROR_WANT_WRITE)
					return;
				ERR_clear_error();
				goto gone;
			}
		} else {
			n = send(g->ev.fd, g->out + g->out_off,
			    g->out_len - g->out_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return;
				goto gone;
			}
		}
		g->out_off += (size_t)n;
	}
	g->out_off = g->out_len = 0;
	return;
gone: /* the peer went away: what it said before still counts */
	g->out_off = g->out_len = 0;
	g->eof_seen = 1;
}

/* Epoll reported EVENTS on G's socket (see engine.h). */
void
conn_event(struct grab *g, uint32_t events)
{
	int err = 0;
	socklen_t el = sizeof(err);

	switch (g->phase) {
	case G_CONNECTING:
		if (getsockopt(g->ev.fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err == 0 && !(events & EPOLLERR))
			on_connected(g);
		else
			conn_error(g, err != 0 ? err : ECONNREFUSED);
		return;
	case G_HANDSHAKE:
		handshake_step(g);
		return;
	case G_OPEN:
		if (events & EPOLLOUT)
			flush(g);
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			read_some(g);
		feed(g);
		update_io(g);
		return;
	default:
		return;
	}
}

/* Timer T of G fired (see engine.h). */
void
conn_timer(struct grab *g, struct tnode *t)
{
	const struct grab_opts *o = engine_opts(g->e);
	enum grab_next nx;
	char why[96];

	/* A probe's deadline: an open one judges what it has (timeout). */
	if (t == &g->t_whole &&
	    !(g->probing && g->phase == G_OPEN && g->mod->timeout != NULL)) {
		if (g->probing)
			snprintf(why, sizeof(why),
			    "no answer within %gs (--sniff-timeout)",
			    o->sniff_timeout);
		else
			snprintf(why, sizeof(why),
			    "grab deadline of %gs passed", o->timeout);
		conn_abort(g,
		    g->phase == G_CONNECTING ? GRAB_S_CONN_TIMEOUT
		                             : GRAB_S_IO_TIMEOUT,
		    why);
		return;
	}
	switch (g->phase) {
	case G_CONNECTING:
		snprintf(why, sizeof(why), "no connection within %gs",
		    o->connect_timeout);
		conn_abort(g, GRAB_S_CONN_TIMEOUT, why);
		return;
	case G_HANDSHAKE:
		conn_abort(g, GRAB_S_IO_TIMEOUT, "TLS handshake timed out");
		return;
	case G_OPEN:
		if (g->mod->timeout == NULL || g->starttls_pending) {
			conn_abort(g, GRAB_S_IO_TIMEOUT, "read timed out");
			return;
		}
		g->timer_set = 0;
		nx = g->mod->timeout(g);
		if (nx == GRAB_MORE && !g->timer_set)
			arm_read(g);
		if (act(g, nx))
			feed(g);
		update_io(g);
		return;
	default:
		return;
	}
}

/* --- grab.h: for modules --------------------------------------------- */

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
	return g->j->rec;
}

const struct grab_config *
grab_config(const struct grab *g)
{
	return &engine_opts(g->e)->cfg;
}

const char *
grab_host(const struct grab *g)
{
	return g->j->host;
}

const char *
grab_ip(const struct grab *g)
{
	return g->j->ip;
}

uint16_t
grab_port(const struct grab *g)
{
	return g->j->port;
}

int
grab_tls_active(const struct grab *g)
{
	return g->tls_active;
}

void
grab_want_tls(struct grab *g, int on)
{
	g->want_tls = on != 0;
}

void
grab_send(struct grab *g, const void *buf, size_t len)
{
	size_t pending = g->out_len - g->out_off;

	if (len == 0 || g->phase == G_DONE)
		return;
	if (pending + len > SENDQ_MAX) {
		g->send_overflow = 1;
		return;
	}
	if (g->out_off > 0) {
		memmove(g->out, g->out + g->out_off, pending);
		g->out_off = 0;
		g->out_len = pending;
	}
	g->out = xreallocarray(g->out, g->out_len + len, 1);
	memcpy(g->out + g->out_len, buf, len);
	g->out_len += len;
	/* Sent when epoll says the socket is writable (update_io). */
}

enum grab_next
grab_fail(struct grab *g, const char *status, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	json_object_set_new(
	    g->result, "status", json_string(status_const(status)));
	json_object_set_new(
	    g->result, "error", utf8_json_string(buf, (size_t)n));
	return GRAB_FAIL;
}

void
grab_handoff(struct grab *g, const char *module)
{
	snprintf(g->handoff, sizeof(g->handoff), "%s", module);
}

void
grab_set_service(struct grab *g, const char *service)
{
	job_set_service(g->j, service);
	g->service_set = 1;
}

void
grab_set_timeout(struct grab *g, double secs)
{
	if (g->phase == G_DONE)
		return;
	timer_arm(g->e, &g->t_io, secs > 0 ? secs : 0.001);
	g->timer_set = 1;
}
