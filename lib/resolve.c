/* resolve.c - non-blocking A/AAAA resolution on c-ares (1.18 API). */
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "addr.h"
#include "nerr.h"
#include "resolve.h"
#include "xalloc.h"

#define RESOLVE_DEFAULT_TIMEOUT 2.0
#define RESOLVE_DEFAULT_TRIES   3

/* A socket c-ares wants watched, in standalone mode. */
struct resolve_sock {
	int fd;
	int readable;
	int writable;
};

struct resolver {
	ares_channel ch;
	size_t pending;   /* submitted, callback not run yet */
	size_t completed; /* callbacks run, for resolve_wait */
	resolve_sock_cb sock_cb;
	void *sock_arg;
	struct resolve_sock *socks; /* standalone mode only */
	size_t nsocks, capsocks;
};

/* One submitted name. */
struct resolve_query {
	struct resolver *r;
	resolve_cb cb;
	void *arg;
	char *name;
	int families;
};

/* Keeps the standalone socket list in step with c-ares. */
static void
resolve_track(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	size_t i;

	if (r->sock_cb != NULL) {
		r->sock_cb(r->sock_arg, fd, readable, writable);
		return;
	}
	for (i = 0; i < r->nsocks && r->socks[i].fd != fd; i++)
		;
	if (!readable && !writable) {
		if (i < r->nsocks)
			r->socks[i] = r->socks[--r->nsocks];
		return;
	}
	if (i == r->nsocks) {
		if (r->nsocks == r->capsocks) {
			r->capsocks = r->capsocks ? 2 * r->capsocks : 8;
			r->socks = xreallocarray(
			    r->socks, r->capsocks, sizeof *r->socks);
		}
		r->nsocks++;
	}
	r->socks[i].fd = fd;
	r->socks[i].readable = readable;
	r->socks[i].writable = writable;
}

/* A c-ares status as an NERR_* code and a static reason. */
static int
resolve_status(int status, const char **why)
{
	switch (status) {
	case ARES_ENOTFOUND:
	case ARES_ENONAME:
		*why = "no such name";
		return NERR_EMPTY;
	case ARES_ENODATA:
		*why = "no address";
		return NERR_EMPTY;
	case ARES_ETIMEOUT:
		*why = "timeout";
		errno = ETIMEDOUT;
		return NERR_SYSTEM;
	case ARES_ESERVFAIL:
		*why = "server failure";
		return NERR_PROTO;
	case ARES_EREFUSED:
		*why = "query refused";
		return NERR_PROTO;
	case ARES_EFORMERR:
	case ARES_ENOTIMP:
	case ARES_EBADRESP:
		*why = "bad answer from the DNS server";
		return NERR_PROTO;
	case ARES_ECONNREFUSED:
		*why = "no DNS server answered (refused or unreachable)";
		errno = ECONNREFUSED;
		return NERR_SYSTEM;
	case ARES_EBADNAME:
	case ARES_EBADSTR:
		*why = "bad name";
		return NERR_PARSE;
	case ARES_ENOMEM:
		*why = "out of memory";
		errno = ENOMEM;
		return NERR_SYSTEM;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		*why = "cancelled";
		return NERR_EMPTY;
	default:
		*why = "lookup failed";
		return NERR_PROTO;
	}
}

/* IPv4 first, then by value. */
static int
resolve_cmp(const void *a, const void *b)
{
	u128 x = *(const u128 *)a, y = *(const u128 *)b;
	int vx = addr_is_v4(x), vy = addr_is_v4(y);

	if (vx != vy)
		return vx ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
resolve_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct resolve_query *q = arg;
	struct resolver *r = q->r;
	struct ares_addrinfo_node *nd;
	const char *why = NULL;
	u128 *addrs = NULL, a;
	size_t n = 0, cap = 0, i, j;
	uint16_t port;
	int rc = 0;

	(void)timeouts;
	if (status != ARES_SUCCESS) {
		rc = resolve_status(status, &why);
		goto out;
	}
	for (nd = res ? res->nodes : NULL; nd != NULL; nd = nd->ai_next) {
		if (nd->ai_addr == NULL ||
		    addr_from_sockaddr(nd->ai_addr, &a, &port) < 0)
			continue;
		/* c-ares may answer from /etc/hosts in the other family. */
		if (!(q->families & (addr_is_v4(a) ? RESOLVE_V4 : RESOLVE_V6)))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			addrs = xreallocarray(addrs, cap, sizeof *addrs);
		}
		addrs[n++] = a;
	}
	if (n > 1) {
		qsort(addrs, n, sizeof *addrs, resolve_cmp);
		for (i = 1, j = 1; i < n; i++)
			if (addrs[i] != addrs[j - 1])
				addrs[j++] = addrs[i];
		n = j;
	}
	if (n == 0) {
		rc = NERR_EMPTY;
		why = "no address";
	}
out:
	if (res != NULL)
		ares_freeaddrinfo(res);
	r->pending--;
	r->completed++;
	q->cb(
	    q->arg, q->name, rc, rc == 0 ? addrs : NULL, rc == 0 ? n : 0, why);
	free(addrs);
	free(q->name);
	free(q);
}

/*
 * Creates a resolver.  See resolve.h.
 */
int
resolve_new(
    const struct resolve_opts *o, struct resolver **out, const char **why)
{
	struct ares_options ao;
	struct resolver *r;
	double timeout;
	int mask, st, rc = NERR_SYSTEM;
	char lookups[] = "fb";

	*out = NULL;
	*why = NULL;
	timeout = o->timeout > 0 ? o->timeout : RESOLVE_DEFAULT_TIMEOUT;
	if (timeout > 3600 || o->tries < 0 || o->tries > 100) {
		*why = "timeout or tries out of range";
		return NERR_RANGE;
	}
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		*why = "cannot initialise c-ares";
		return NERR_SYSTEM;
	}
	r = xcalloc(1, sizeof *r);
	r->sock_cb = o->sock_cb;
	r->sock_arg = o->sock_arg;
	memset(&ao, 0, sizeof ao);
	/*
	 * Names are taken as they are (no search domains): a scanner must
	 * not turn "www" into a host of the local domain by surprise.
	 */
	ao.flags = ARES_FLAG_NOSEARCH;
	ao.timeout = (int)(timeout * 1000);
	ao.tries = o->tries > 0 ? o->tries : RESOLVE_DEFAULT_TRIES;
	ao.lookups = lookups; /* /etc/hosts, then DNS */
	ao.sock_state_cb = resolve_track;
	ao.sock_state_cb_data = r;
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB;
	st = ares_init_options(&r->ch, &ao, mask);
	if (st != ARES_SUCCESS) {
		*why = st == ARES_ENOMEM ? "out of memory"
		                         : "cannot initialise c-ares";
		r->ch = NULL;
		goto out;
	}
	if (o->servers != NULL &&
	    ares_set_servers_ports_csv(r->ch, o->servers) != ARES_SUCCESS) {
		*why = "bad DNS server list (ADDR[:PORT],...)";
		rc = NERR_PARSE;
		goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	if (r != NULL) {
		if (r->ch != NULL)
			ares_destroy(r->ch);
		free(r);
		ares_library_cleanup();
	}
	return rc;
}

/*
 * Releases a resolver; pending names get their callback (cancelled).
 */
void
resolve_free(struct resolver *r)
{
	if (r == NULL)
		return;
	ares_destroy(r->ch);
	free(r->socks);
	free(r);
	ares_library_cleanup();
}

/*
 * Starts resolving a name.  See resolve.h.
 */
void
resolve_submit(struct resolver *r, const char *name, int families,
    resolve_cb cb, void *arg)
{
	struct ares_addrinfo_hints hints;
	struct resolve_query *q;

	q = xcalloc(1, sizeof *q);
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->name = xstrdup(name);
	q->families = families & (RESOLVE_V4 | RESOLVE_V6);
	if (q->families == 0)
		q->families = RESOLVE_V4 | RESOLVE_V6;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = q->families == RESOLVE_V4 ? AF_INET
	    : q->families == RESOLVE_V6             ? AF_INET6
	                                            : AF_UNSPEC;
	/* NOSORT: RFC 6724 sorting would connect() a socket per address. */
	hints.ai_flags = ARES_AI_NOSORT;
	hints.ai_socktype = SOCK_STREAM;
	r->pending++;
	/* The callback may run before this returns (/etc/hosts, literals). */
	ares_getaddrinfo(r->ch, q->name, NULL, &hints, resolve_done, q);
}

/*
 * Names submitted whose callback has not run yet.
 */
size_t
resolve_pending(const struct resolver *r)
{
	return r->pending;
}

/*
 * External loop: FD is ready.
 */
void
resolve_process_fd(struct resolver *r, int fd, int readable, int writable)
{
	ares_process_fd(r->ch, readable ? fd : ARES_SOCKET_BAD,
	    writable ? fd : ARES_SOCKET_BAD);
}

/*
 * External loop: ms until resolve_process_timeouts is due, or -1.
 */
int
resolve_timeout_ms(struct resolver *r)
{
	struct timeval tv, *tp;
	long long ms;

	if (r->pending == 0)
		return -1;
	tp = ares_timeout(r->ch, NULL, &tv);
	if (tp == NULL)
		return -1;
	/* Rounded up, so the timer does not fire just before it is due. */
	ms = (long long)tp->tv_sec * 1000 + (tp->tv_usec + 999) / 1000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/*
 * External loop: runs what timed out.
 */
void
resolve_process_timeouts(struct resolver *r)
{
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}

/* One poll() over the sockets, at most MS ms; then c-ares processes. */
static int
resolve_poll_once(struct resolver *r, int ms)
{
	struct pollfd *p;
	size_t i, n = r->nsocks;
	int k, rc = 0;

	p = xcalloc(n ? n : 1, sizeof *p);
	for (i = 0; i < n; i++) {
		p[i].fd = r->socks[i].fd;
		p[i].events = (short)((r->socks[i].readable ? POLLIN : 0) |
		    (r->socks[i].writable ? POLLOUT : 0));
	}
	k = poll(p, n, ms);
	if (k < 0) {
		rc = NERR_SYSTEM;
		goto out;
	}
	/* Processing may change r->socks: walk the copy taken above. */
	for (i = 0; i < n && k > 0; i++) {
		if (p[i].revents == 0)
			continue;
		ares_process_fd(r->ch,
		    p[i].revents & (POLLIN | POLLERR | POLLHUP)
		        ? p[i].fd
		        : ARES_SOCKET_BAD,
		    p[i].revents & POLLOUT ? p[i].fd : ARES_SOCKET_BAD);
	}
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
out:
	free(p);
	return rc;
}

/*
 * Standalone: waits and processes.  See resolve.h.
 */
int
resolve_wait(struct resolver *r, int timeout_ms)
{
	size_t before = r->completed;
	int ms, t, rc;

	for (;;) {
		if (r->pending == 0)
			return 0;
		t = resolve_timeout_ms(r);
		ms = timeout_ms;
		if (ms < 0 || (t >= 0 && t < ms))
			ms = t;
		rc = resolve_poll_once(r, ms);
		if (rc < 0)
			return rc;
		if (timeout_ms >= 0 || r->completed != before)
			return 0;
	}
}
