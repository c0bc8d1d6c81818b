/* axfr.c - DNS zone transfer client: AXFR framed on TCP, glibc for DNS. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "axfr.h"
#include "nerr.h"
#include "xalloc.h"

#define AXFR_DEFAULT_TIMEOUT 10.0
#define AXFR_MAX_NS          16 /* name servers tried per zone */
#define AXFR_MAX_ADDRS       32 /* addresses tried per server name */
#define AXFR_LABEL_LEN       (NS_MAXDNAME + ADDR_STRLEN + 4)

/* What axfr_transfer tries: one address, shown to the user as label. */
struct axfr_target {
	u128 addr;
	char label[AXFR_LABEL_LEN];
};

static void axfr_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
axfr_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
axfr_rcode_name(int rcode, char *buf, size_t len)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
	    "NOTAUTH", "NOTZONE"};

	if (rcode >= 0 && (size_t)rcode < sizeof names / sizeof names[0])
		return names[rcode];
	snprintf(buf, len, "RCODE%d", rcode);
	return buf;
}

/* The wire form of NAME in lower case, into wire[NS_MAXCDNAME]; or -1. */
static int
axfr_name_wire(const char *name, unsigned char *wire)
{
	unsigned char raw[NS_MAXCDNAME];

	if (ns_name_pton(name, raw, sizeof raw) < 0)
		return -1;
	return ns_name_ntol(raw, wire, NS_MAXCDNAME);
}

/* 1 when OWNER is ZONE or lies below it (compared label by label). */
static int
axfr_in_zone(const char *owner, const char *zone)
{
	unsigned char o[NS_MAXCDNAME], z[NS_MAXCDNAME];
	size_t olen, zlen, off = 0;
	int n;

	if ((n = axfr_name_wire(owner, o)) < 0)
		return 0;
	olen = (size_t)n;
	if ((n = axfr_name_wire(zone, z)) < 0)
		return 0;
	zlen = (size_t)n;
	/* Walk the owner's label boundaries; the zone must be a suffix. */
	while (off < olen) {
		if (olen - off == zlen && memcmp(o + off, z, zlen) == 0)
			return 1;
		if (o[off] == 0)
			break;
		off += 1 + o[off];
	}
	return 0;
}

/* Copies [s, s + n) into buf[len] with a NUL; -1 when it does not fit. */
static int
axfr_copy(char *buf, size_t len, const char *s, size_t n)
{
	if (n >= len)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

/*
 * Parses "ZONE[@SERVER[:PORT]]".  See axfr.h.
 */
int
axfr_parse_spec(const char *spec, char *zone, size_t zlen, char *server,
    size_t slen, int *port, const char **why)
{
	const char *at, *srv, *end, *colon;
	char ztmp[NS_MAXDNAME];
	unsigned char wire[NS_MAXCDNAME];
	size_t zn, sn;
	long p = AXFR_PORT;
	char *ep;

	*why = NULL;
	at = strchr(spec, '@');
	zn = at ? (size_t)(at - spec) : strlen(spec);
	if (zn > 1 && spec[zn - 1] == '.')
		zn--;
	if (zn == 0) {
		*why = "empty zone name";
		return NERR_PARSE;
	}
	if (zn >= zlen || zn >= NS_MAXDNAME) {
		*why = "zone name too long";
		return NERR_TOOLONG;
	}
	srv = at ? at + 1 : "";
	if (strchr(srv, '@') != NULL) {
		*why = "more than one '@'";
		return NERR_PARSE;
	}
	end = srv + strlen(srv);
	colon = NULL;
	if (*srv == '[') {
		const char *rb = strchr(srv, ']');

		if (rb == NULL) {
			*why = "missing ']' after the server's IPv6 address";
			return NERR_PARSE;
		}
		if (rb[1] != '\0' && rb[1] != ':') {
			*why = "junk after ']'";
			return NERR_PARSE;
		}
		colon = rb[1] == ':' ? rb + 1 : NULL;
		srv++;
		sn = (size_t)(rb - srv);
		if (sn == 0 || memchr(srv, ':', sn) == NULL) {
			*why = "brackets need an IPv6 address";
			return NERR_PARSE;
		}
	} else {
		colon = strchr(srv, ':');
		/* Two colons or more: a bare IPv6 address, no port. */
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		sn = colon ? (size_t)(colon - srv) : (size_t)(end - srv);
	}
	if (at != NULL && sn == 0 && colon == NULL) {
		*why = "empty server after '@'";
		return NERR_PARSE;
	}
	if (sn >= slen || sn >= NS_MAXDNAME) {
		*why = "server name too long";
		return NERR_TOOLONG;
	}
	if (colon != NULL) {
		if (colon[1] < '0' || colon[1] > '9') {
			*why = "bad port number";
			return NERR_PARSE;
		}
		errno = 0;
		p = strtol(colon + 1, &ep, 10);
		if (*ep != '\0') {
			*why = "bad port number";
			return NERR_PARSE;
		}
		if (errno != 0 || p < 1 || p > 65535) {
			*why = "port out of range (1-65535)";
			return NERR_RANGE;
		}
	}
	if (memchr(spec, ' ', zn) != NULL || memchr(srv, ' ', sn) != NULL) {
		*why = "space in a name";
		return NERR_PARSE;
	}
	/* zn < NS_MAXDNAME was checked above. */
	memcpy(ztmp, spec, zn);
	ztmp[zn] = '\0';
	if (ns_name_pton(ztmp, wire, sizeof wire) < 0) {
		*why = "bad zone name";
		return NERR_PARSE;
	}
	/* Both fit: zn < zlen and sn < slen were checked above. */
	axfr_copy(zone, zlen, ztmp, zn);
	axfr_copy(server, slen, srv, sn);
	*port = (int)p;
	return 0;
}

/* The rdata offset of the host name in a record of TYPE, or -1: none. */
static int
axfr_rdata_name_off(int type)
{
	switch (type) {
	case ns_t_cname:
	case ns_t_dname:
	case ns_t_ns:
	case ns_t_ptr:
		return 0;
	case ns_t_mx:
		return 2;
	case ns_t_srv:
		return 6;
	default:
		return -1;
	}
}

/*
 * Hands one answer record to the callback.  AXFR_MORE, AXFR_STOPPED, or
 * NERR_PROTO with the reason in *why.
 */
static int
axfr_emit(
    const ns_msg *h, const ns_rr *rr, axfr_cb cb, void *arg, const char **why)
{
	char name[NS_MAXDNAME];
	struct axfr_rr out;
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	int off, n;

	memset(&out, 0, sizeof out);
	out.owner = ns_rr_name(*rr);
	out.type = ns_rr_type(*rr);
	if (out.type == ns_t_a || out.type == ns_t_aaaa) {
		if (rdlen != (out.type == ns_t_a ? 4u : 16u)) {
			*why = "an address record of the wrong length";
			return NERR_PROTO;
		}
		if (out.type == ns_t_a)
			out.addr = addr_from_v4((uint32_t)ns_get32(rd));
		else
			for (n = 0; n < 16; n++)
				out.addr = (out.addr << 8) | rd[n];
		out.has_addr = 1;
	} else if ((off = axfr_rdata_name_off(out.type)) >= 0) {
		if (rdlen <= (size_t)off) {
			*why = "a record too short for its name";
			return NERR_PROTO;
		}
		n = ns_name_uncompress(ns_msg_base(*h), ns_msg_end(*h),
		    rd + off, name, sizeof name);
		/* The name must end exactly where the record does. */
		if (n < 0 || (size_t)n != rdlen - (size_t)off) {
			*why = "a malformed name in a record";
			return NERR_PROTO;
		}
		out.name = name;
	}
	return cb(arg, &out) ? AXFR_STOPPED : AXFR_MORE;
}

/*
 * Checks and parses one response message.  See axfr.h.
 */
int
axfr_parse_message(const unsigned char *msg, size_t len, uint16_t id,
    const char *zone, axfr_cb cb, void *arg, int *soa_count, char *err,
    size_t errlen)
{
	const char *why = NULL;
	char rbuf[16];
	ns_msg h;
	ns_rr rr;
	int i, count, rcode, rc = NERR_PROTO;

	if (len < NS_HFIXEDSZ || len > 65535) {
		why = "a message of impossible size";
		goto out;
	}
	if (ns_get16(msg) != id) {
		why = "a reply with the wrong ID";
		goto out;
	}
	if (!(msg[2] & 0x80) || ((msg[2] >> 3) & 0xf) != ns_o_query) {
		why = "a message that is no reply to the query";
		goto out;
	}
	rcode = msg[3] & 0xf;
	if (rcode != ns_r_noerror) {
		axfr_err(err, errlen, "refused the zone transfer of %s: %s",
		    zone, axfr_rcode_name(rcode, rbuf, sizeof rbuf));
		return NERR_PROTO;
	}
	if (ns_initparse(msg, (int)len, &h) < 0) {
		why = "a truncated or malformed message";
		goto out;
	}
	if (ns_msg_count(h, ns_s_qd) > 1) {
		why = "a reply with several questions";
		goto out;
	}
	if (ns_msg_count(h, ns_s_qd) == 1) {
		if (ns_parserr(&h, ns_s_qd, 0, &rr) < 0) {
			why = "a malformed question";
			goto out;
		}
		if (ns_rr_type(rr) != ns_t_axfr ||
		    !axfr_in_zone(ns_rr_name(rr), zone) ||
		    !axfr_in_zone(zone, ns_rr_name(rr))) {
			why = "a reply to another question";
			goto out;
		}
	}
	count = ns_msg_count(h, ns_s_an);
	if (count == 0) {
		why = "a message without records";
		goto out;
	}
	for (i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0) {
			why = "a truncated or malformed record";
			goto out;
		}
		if (ns_rr_type(rr) == ns_t_soa) {
			if (*soa_count == 0 &&
			    !(axfr_in_zone(ns_rr_name(rr), zone) &&
			        axfr_in_zone(zone, ns_rr_name(rr)))) {
				why = "the SOA record of another zone";
				goto out;
			}
			if (++*soa_count >= 2) {
				rc = AXFR_DONE;
				goto out;
			}
		} else if (*soa_count == 0) {
			why =
			    "a transfer that does not start with a SOA record";
			goto out;
		}
		/* Names outside the zone are not the zone's to hand out. */
		if (!axfr_in_zone(ns_rr_name(rr), zone))
			continue;
		rc = axfr_emit(&h, &rr, cb, arg, &why);
		if (rc != AXFR_MORE)
			goto out;
	}
	rc = AXFR_MORE;
out:
	if (rc == NERR_PROTO && why != NULL)
		axfr_err(err, errlen, "sent %s in the zone transfer of %s", why,
		    zone);
	return rc;
}

static double
axfr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for EVENTS on FD until DEADLINE; 0, or -1 with errno. */
static int
axfr_poll(int fd, short events, double deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	double left;
	int n;

	for (;;) {
		left = deadline - axfr_now();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

/* Reads exactly LEN bytes; 0, 1 at EOF, or -1 with errno. */
static int
axfr_read_full(int fd, unsigned char *buf, size_t len, double timeout)
{
	double deadline = axfr_now() + timeout;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (axfr_poll(fd, POLLIN, deadline) < 0)
			return -1;
		n = read(fd, buf + got, len - got);
		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

static int
axfr_write_full(int fd, const unsigned char *buf, size_t len, double timeout)
{
	double deadline = axfr_now() + timeout;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (axfr_poll(fd, POLLOUT, deadline) < 0)
			return -1;
		n = send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* A connected TCP socket to (a, port) within TIMEOUT; fd, or -1/errno. */
static int
axfr_connect(u128 a, int port, double timeout)
{
	struct sockaddr_storage ss;
	socklen_t sl = addr_to_sockaddr(a, (uint16_t)port, &ss);
	int fd, e = 0;
	socklen_t el = sizeof e;

	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		if (axfr_poll(fd, POLLOUT, axfr_now() + timeout) < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The caller's callback, and the server to name in each record. */
struct axfr_relay {
	axfr_cb cb;
	void *arg;
	const char *server;
};

static int
axfr_relay_rr(void *arg, const struct axfr_rr *rr)
{
	const struct axfr_relay *rl = arg;
	struct axfr_rr copy = *rr;

	copy.server = rl->server;
	return rl->cb(rl->arg, &copy);
}

/* Transfers ZONE from one address.  See axfr_transfer for the results. */
static int
axfr_from(res_state st, const char *zone, const struct axfr_target *t, int port,
    double timeout, axfr_cb cb, void *arg, char *err, size_t errlen)
{
	unsigned char q[2 + NS_PACKETSZ], lenbuf[2];
	unsigned char *msg = NULL;
	char perr[512], as[ADDR_STRLEN];
	struct axfr_relay rl = {cb, arg, addr_format(t->addr, as)};
	uint16_t id;
	size_t mlen;
	int fd, n, rc, soa_count = 0;

	n = res_nmkquery(st, ns_o_query, zone, ns_c_in, ns_t_axfr, NULL, 0,
	    NULL, q + 2, sizeof q - 2);
	if (n < NS_HFIXEDSZ) {
		axfr_err(
		    err, errlen, "cannot build the AXFR query for %s", zone);
		return NERR_PARSE;
	}
	q[2 + 2] &= (unsigned char)~0x01; /* no recursion wanted */
	ns_put16((unsigned)n, q);
	id = (uint16_t)ns_get16(q + 2);
	fd = axfr_connect(t->addr, port, timeout);
	if (fd < 0) {
		axfr_err(err, errlen, "zone transfer of %s from %s port %d: %s",
		    zone, t->label, port,
		    errno == ETIMEDOUT ? "connection timed out"
		                       : strerror(errno));
		return NERR_SYSTEM;
	}
	msg = xmalloc(65535);
	if (axfr_write_full(fd, q, (size_t)n + 2, timeout) < 0) {
		rc = NERR_SYSTEM;
		goto sys;
	}
	for (;;) {
		if ((n = axfr_read_full(fd, lenbuf, 2, timeout)) != 0)
			goto eof;
		mlen = ns_get16(lenbuf);
		if ((n = axfr_read_full(fd, msg, mlen, timeout)) != 0)
			goto eof;
		rc = axfr_parse_message(msg, mlen, id, zone, axfr_relay_rr, &rl,
		    &soa_count, perr, sizeof perr);
		if (rc == AXFR_DONE) {
			rc = 0;
			goto out;
		}
		if (rc == AXFR_STOPPED)
			goto out;
		if (rc < 0) {
			axfr_err(
			    err, errlen, "%s port %d %s", t->label, port, perr);
			goto out;
		}
	}
eof:
	rc = NERR_SYSTEM;
	if (n == 1) {
		rc = NERR_PROTO;
		axfr_err(err, errlen,
		    "zone transfer of %s from %s port %d: the server closed "
		    "the connection before the end of the zone",
		    zone, t->label, port);
		goto out;
	}
sys:
	axfr_err(err, errlen, "zone transfer of %s from %s port %d: %s", zone,
	    t->label, port,
	    errno == ETIMEDOUT ? "no answer in time" : strerror(errno));
out:
	free(msg);
	close(fd);
	return rc;
}

/* Fills T[0..max) with the addresses of NAME; returns how many. */
static size_t
axfr_name_addrs(const char *name, struct axfr_target *t, size_t max)
{
	struct addrinfo hints, *res = NULL, *ai;
	size_t n = 0, i;
	uint16_t pt;
	u128 a;

	if (addr_parse(name, strlen(name), &a) == 0) {
		t[0].addr = a;
		addr_format(a, t[0].label);
		return 1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		char as[ADDR_STRLEN];

		if (addr_from_sockaddr(ai->ai_addr, &a, &pt) < 0)
			continue;
		for (i = 0; i < n && t[i].addr != a; i++)
			;
		if (i < n)
			continue;
		t[n].addr = a;
		snprintf(t[n].label, sizeof t[n].label, "%.1024s (%s)", name,
		    addr_format(a, as));
		n++;
	}
	freeaddrinfo(res);
	return n;
}

/*
 * Points the resolver state at DNS_SERVERS ("ADDR[:PORT],...").  0, or
 * NERR_PARSE with a message in err.
 */
static int
axfr_set_servers(res_state st, const char *list, char *err, size_t errlen)
{
	char buf[256], *tok, *save = NULL, *colon;
	char *ep;
	struct sockaddr_in sin;
	long port;
	int n = 0;
	u128 a;

	if (axfr_copy(buf, sizeof buf, list, strlen(list)) < 0)
		goto bad;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		port = AXFR_PORT;
		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			port = strtol(colon + 1, &ep, 10);
			if (colon[1] == '\0' || *ep != '\0')
				goto bad;
		}
		if (addr_parse(tok, strlen(tok), &a) < 0 || !addr_is_v4(a) ||
		    port < 1 || port > 65535)
			goto bad;
		if (n == MAXNS)
			break;
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sin.sin_addr.s_addr = htonl((uint32_t)a);
		st->nsaddr_list[n++] = sin;
	}
	if (n == 0)
		goto bad;
	st->nscount = n;
	return 0;
bad:
	axfr_err(err, errlen,
	    "bad DNS server list '%s' (IPv4 ADDR[:PORT],... for the NS "
	    "lookup)",
	    list);
	return NERR_PARSE;
}

/* Appends the A/AAAA addresses in answer ANS to T; returns the new n. */
static size_t
axfr_answer_addrs(const unsigned char *ans, int alen, const char *name,
    struct axfr_target *t, size_t n, size_t max)
{
	char as[ADDR_STRLEN];
	ns_msg h;
	ns_rr rr;
	int i, j;
	u128 a;

	if (ns_initparse(ans, alen, &h) < 0)
		return n;
	for (i = 0; i < ns_msg_count(h, ns_s_an) && n < max; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) == ns_t_a && ns_rr_rdlen(rr) == 4) {
			a = addr_from_v4(ns_get32(ns_rr_rdata(rr)));
		} else if (ns_rr_type(rr) == ns_t_aaaa &&
		    ns_rr_rdlen(rr) == 16) {
			a = 0;
			for (j = 0; j < 16; j++)
				a = (a << 8) | ns_rr_rdata(rr)[j];
		} else {
			continue;
		}
		t[n].addr = a;
		snprintf(t[n].label, sizeof t[n].label, "%.1024s (%s)", name,
		    addr_format(a, as));
		n++;
	}
	return n;
}

/*
 * The addresses of the zone's name servers, looked up through ST.  Returns
 * a count (T is allocated), or a negative NERR_* code with err set.
 */
static int
axfr_ns_targets(res_state st, const char *zone, int use_st,
    struct axfr_target **out, size_t *nout, char *err, size_t errlen)
{
	unsigned char ans[NS_MAXMSG < 65535 ? NS_MAXMSG : 65535];
	char names[AXFR_MAX_NS][NS_MAXDNAME];
	struct axfr_target *t;
	size_t n = 0, max = AXFR_MAX_NS * AXFR_MAX_ADDRS;
	int alen, i, nn = 0, qt;
	ns_msg h;
	ns_rr rr;

	alen = res_nquery(st, zone, ns_c_in, ns_t_ns, ans, sizeof ans);
	if (alen < 0) {
		axfr_err(err, errlen, "NS lookup of %s failed: %s", zone,
		    st->res_h_errno == HOST_NOT_FOUND ? "no such name"
		        : st->res_h_errno == NO_DATA  ? "no NS records"
		                                      : "no answer");
		return NERR_EMPTY;
	}
	if (ns_initparse(ans, alen, &h) < 0) {
		axfr_err(
		    err, errlen, "NS lookup of %s: malformed answer", zone);
		return NERR_PROTO;
	}
	for (i = 0; i < ns_msg_count(h, ns_s_an) && nn < AXFR_MAX_NS; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_ns)
			continue;
		if (ns_name_uncompress(ns_msg_base(h), ns_msg_end(h),
		        ns_rr_rdata(rr), names[nn], NS_MAXDNAME) < 0)
			continue;
		nn++;
	}
	if (nn == 0) {
		axfr_err(err, errlen, "NS lookup of %s: no NS records", zone);
		return NERR_EMPTY;
	}
	t = xcalloc(max, sizeof *t);
	for (i = 0; i < nn; i++) {
		if (!use_st) {
			n += axfr_name_addrs(names[i], t + n,
			    max - n < AXFR_MAX_ADDRS ? max - n
			                             : AXFR_MAX_ADDRS);
			continue;
		}
		for (qt = 0; qt < 2; qt++) {
			alen = res_nquery(st, names[i], ns_c_in,
			    qt == 0 ? ns_t_a : ns_t_aaaa, ans, sizeof ans);
			if (alen > 0)
				n = axfr_answer_addrs(
				    ans, alen, names[i], t, n, max);
		}
	}
	if (n == 0) {
		free(t);
		axfr_err(err, errlen,
		    "no address found for the name servers of %s (%s ...)",
		    zone, names[0]);
		return NERR_EMPTY;
	}
	*out = t;
	*nout = n;
	return 0;
}

/*
 * Transfers a zone.  See axfr.h.
 */
int
axfr_transfer(const char *zone, const char *server, int port, double timeout,
    const char *dns_servers, axfr_cb cb, void *arg, char *err, size_t errlen)
{
	struct __res_state st;
	struct axfr_target *t = NULL;
	size_t n = 0, i;
	int rc;

	if (timeout <= 0)
		timeout = AXFR_DEFAULT_TIMEOUT;
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) < 0) {
		axfr_err(err, errlen, "cannot set up the DNS resolver");
		return NERR_SYSTEM;
	}
	st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	st.retrans = (int)timeout > 0 ? (int)timeout : 1;
	st.retry = 2;
	if (server != NULL && *server != '\0') {
		t = xcalloc(AXFR_MAX_ADDRS, sizeof *t);
		n = axfr_name_addrs(server, t, AXFR_MAX_ADDRS);
		if (n == 0) {
			axfr_err(err, errlen,
			    "zone transfer of %s: no address for server %s",
			    zone, server);
			rc = NERR_EMPTY;
			goto out;
		}
	} else {
		if (dns_servers != NULL &&
		    (rc = axfr_set_servers(&st, dns_servers, err, errlen)) < 0)
			goto out;
		rc = axfr_ns_targets(
		    &st, zone, dns_servers != NULL, &t, &n, err, errlen);
		if (rc < 0)
			goto out;
	}
	rc = NERR_EMPTY;
	for (i = 0; i < n; i++) {
		rc = axfr_from(
		    &st, zone, &t[i], port, timeout, cb, arg, err, errlen);
		if (rc == 0 || rc == AXFR_STOPPED)
			break;
	}
out:
	free(t);
	res_nclose(&st);
	return rc;
}
