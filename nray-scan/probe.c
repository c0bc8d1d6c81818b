/*
 * probe.c - one try of a job: the connect() and what its outcome means.
 *
 * Outcomes: connected (open, syn-ack), ECONNREFUSED (closed, rst),
 * EHOSTUNREACH/ENETUNREACH/EACCES/EPERM (unreachable), silence until the
 * timeout (a retry, or filtered at the end), and local resource errors
 * (EADDRNOTAVAIL, EMFILE, ENFILE, ENOBUFS, EAGAIN, ENOMEM): the job goes
 * back to the front of the retry queue, the engine pauses and shrinks its
 * window; never "closed".  Host bookkeeping (--host-concurrency, discovery,
 * the all-ports-open verdict) happens here too.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"

#include "log.h"

static void
job_free(struct engine *g, int32_t j)
{
	g->jobs[j].where = J_FREE;
	g->jobs[j].next = g->freelist;
	g->freelist = j;
	g->nfree++;
}

/* J is final: release its element and the job. */
void
job_final(struct engine *g, int32_t j)
{
	input_release(g->in, g->jobs[j].e.w);
	g->c->final++;
	job_free(g, j);
}

/* A try of J ended: its host may let a deferred job go. */
static struct host *
host_try_end(struct engine *g, const struct job *jb)
{
	struct host *h = hosts_get(g->hosts, jb->e.addr, 0);
	int32_t d;

	if (h == NULL)
		return NULL;
	if (h->inflight > 0)
		h->inflight--;
	if (h->dhead >= 0 && h->inflight < g->o->host_conc) {
		d = h->dhead;
		h->dhead = g->jobs[d].next;
		if (h->dhead < 0)
			h->dtail = -1;
		g->ndefer--;
		g->jobs[d].where = J_READY;
		fifo_push(g, &g->ready, d, 0);
	}
	return h;
}

void
host_release_deferred(struct engine *g, struct host *h)
{
	int32_t d;

	while ((d = h->dhead) >= 0) {
		h->dhead = g->jobs[d].next;
		g->ndefer--;
		g->jobs[d].where = J_READY;
		fifo_push(g, &g->ready, d, 0);
	}
	h->dtail = -1;
}

static void
apo_check(struct engine *g, struct host *h, const struct elem *e, double rtt)
{
	uint64_t decided = (uint64_t)h->answered + h->silent;

	if (h->flagged || g->o->discover || decided < APO_MIN ||
	    h->closed > 0 || (double)h->open < APO_OPENFRAC * (double)decided)
		return;
	h->flagged = 1;
	g->c->flagged++;
	out_host(e, "all-ports-open", rtt, "all-ports-open");
}

/* An answer for J: STATE/REASON, RTT in seconds (< 0: none to sample). */
static void
job_answer(struct engine *g, int32_t j, unsigned stbit, const char *state,
    const char *reason, double rtt)
{
	struct job *jb = &g->jobs[j];
	struct host *h = host_try_end(g, jb);
	int up = stbit == ST_OPEN || stbit == ST_CLOSED;

	g->c->answers++;
	cc_answer(&g->cc, jb->tries);
	if (up && rtt >= 0) {
		int first = rtt_global(g->rtt) < 0;

		rtt_sample(g->rtt, jb->e.addr, rtt);
		if (first)
			wheel_rearm(g); /* the ceiling was only a stopgap */
	}
	if (stbit == ST_OPEN)
		g->c->open++;
	else if (stbit == ST_CLOSED)
		g->c->closed++;
	else
		g->c->unreach++;
	if (h != NULL && up) {
		h->answered++;
		if (stbit == ST_OPEN)
			h->open++;
		else
			h->closed++;
	}
	if (g->o->discover) {
		if (up && h != NULL && !h->up) {
			h->up = 1;
			g->c->hosts_up++;
			out_host(&jb->e, stbit == ST_OPEN ? "syn-ack" : "rst",
			    rtt, NULL);
		}
	} else if (h == NULL || !h->flagged) {
		if (h != NULL && stbit == ST_OPEN)
			apo_check(g, h, &jb->e, rtt);
		if (h == NULL || !h->flagged)
			out_port(&jb->e, stbit, state, reason, rtt);
	}
	job_final(g, j);
}

/* A silent try of J: retry it, or report it filtered. */
void
job_silent(struct engine *g, int32_t j)
{
	struct job *jb = &g->jobs[j];
	struct host *h = host_try_end(g, jb);

	cc_timeout(&g->cc, jb->informed);
	if (jb->tries <= g->retries) {
		g->c->retries++;
		jb->where = J_RETRY;
		fifo_push(g, &g->retry, j, 0);
		return;
	}
	g->c->filtered++;
	if (h != NULL) {
		h->silent++;
		if (h->flagged || (g->o->discover && h->up)) {
			job_final(g, j);
			return;
		}
	}
	if (!g->o->discover)
		out_port(&jb->e, ST_FILTERED, "filtered", "timeout", -1);
	job_final(g, j);
}

/* Local resources ran out: put J back and slow down; never "closed". */
static void
job_local(struct engine *g, int32_t j, int err)
{
	struct job *jb = &g->jobs[j];

	host_try_end(g, jb);
	g->c->local_errs++;
	jb->tries--;
	cc_local(&g->cc, g->inflight);
	g->backoff = g->backoff < 0.001 ? 0.001 : g->backoff * 2;
	if (g->backoff > 0.1)
		g->backoff = 0.1;
	g->pause_until = g->now + g->backoff;
	if (++jb->lfails > MAX_LFAILS) {
		if (!g->warned_local++)
			log_warnx("giving up on probes after %d local errors "
			          "(last: %s)",
			    MAX_LFAILS, strerror(err));
		g->c->unreach++;
		out_port(&jb->e, ST_UNREACH, "unreachable", "local-error", -1);
		job_final(g, j);
		return;
	}
	jb->where = J_RETRY;
	fifo_push(g, &g->retry, j, 1);
}

static int
is_local_error(int err)
{
	return err == EADDRNOTAVAIL || err == EMFILE || err == ENFILE ||
	    err == ENOBUFS || err == EAGAIN || err == ENOMEM ||
	    err == EADDRINUSE;
}

/* Classifies a connect error ERR for J (other than in progress). */
static void
job_error(struct engine *g, int32_t j, int err, double rtt)
{
	switch (err) {
	case 0:
		job_answer(g, j, ST_OPEN, "open", "syn-ack", rtt);
		break;
	case ECONNREFUSED:
	case ECONNRESET:
		job_answer(g, j, ST_CLOSED, "closed", "rst", rtt);
		break;
	case ENETUNREACH:
		job_answer(
		    g, j, ST_UNREACH, "unreachable", "net-unreachable", rtt);
		break;
	case EHOSTUNREACH:
	case EHOSTDOWN:
		job_answer(
		    g, j, ST_UNREACH, "unreachable", "host-unreachable", rtt);
		break;
	case EACCES:
	case EPERM:
		job_answer(
		    g, j, ST_UNREACH, "unreachable", "admin-prohibited", rtt);
		break;
	case ETIMEDOUT:
		job_silent(g, j);
		break;
	default:
		if (is_local_error(err)) {
			job_local(g, j, err);
			break;
		}
		if (!g->warned_local++)
			log_warnx("connect: %s", strerror(err));
		job_answer(g, j, ST_UNREACH, "unreachable", "error", -1);
	}
}

/*
 * Closes a connected socket with RST (SO_LINGER 0): no FIN handshake, no
 * TIME_WAIT.  Only connected sockets need it: closing a socket still in
 * SYN_SENT (timeout) sends nothing, and a refused one is gone already, so
 * the option costs a syscall on open ports only.
 */
static void
rst_close(int fd)
{
	struct linger lg = {1, 0};

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/* Starts a try of J: 0 when it went out or was settled at once. */
void
probe_start(struct engine *g, int32_t j)
{
	struct job *jb = &g->jobs[j];
	struct scan_opts *o = g->o;
	struct sockaddr_storage ss, src;
	struct epoll_event ev;
	struct host *h;
	socklen_t sl;
	int fd, one = 1, err, informed;

	sl = addr_to_sockaddr(jb->e.addr, jb->e.port, &ss);
	h = hosts_get(g->hosts, jb->e.addr, 1);
	if (h != NULL)
		h->inflight++;
	jb->tries++;
	jb->start = g->now;
	g->c->probes++;
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		if (err == EAFNOSUPPORT) {
			job_answer(g, j, ST_UNREACH, "unreachable",
			    "net-unreachable", -1);
			return;
		}
		job_error(g, j, err, -1);
		return;
	}
	if (o->have_source) {
		socklen_t srcl = addr_to_sockaddr(o->source, 0, &src);

		if (src.ss_family != ss.ss_family) {
			close(fd);
			if (!g->warned_family++)
				log_warnx("--source-ip is not of the family of "
				          "some targets; those are reported "
				          "unreachable");
			job_answer(g, j, ST_UNREACH, "unreachable",
			    "no-source-address", -1);
			return;
		}
		(void)setsockopt(
		    fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, srcl) < 0) {
			err = errno;
			close(fd);
			job_error(g, j, err, -1);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		rst_close(fd);
		job_error(g, j, 0, mono() - jb->start);
		return;
	}
	err = errno;
	if (err != EINPROGRESS) {
		close(fd);
		job_error(g, j, err, mono() - jb->start);
		return;
	}
	ev.events = EPOLLOUT;
	ev.data.u64 = (uint64_t)j;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = errno;
		close(fd);
		job_local(g, j, err);
		return;
	}
	jb->fd = fd;
	jb->where = J_FLIGHT;
	g->inflight++;
	g->backoff = 0;
	wheel_add(g, j, rtt_timeout(g->rtt, jb->e.addr, &informed));
	jb->informed = (uint8_t)informed;
}

/* Epoll says J's connect finished. */
void
probe_event(struct engine *g, int32_t j, uint32_t events)
{
	struct job *jb = &g->jobs[j];
	int err = 0;
	socklen_t el = sizeof(err);

	if (jb->where != J_FLIGHT)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		if (getsockopt(jb->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err == 0 && !(events & EPOLLOUT))
			err = ECONNRESET;
	}
	wheel_del(g, j);
	jb->where = J_JUDGED; /* off the wheel: wheel_rearm must skip it */
	if (err == 0)
		rst_close(jb->fd);
	else
		close(jb->fd);
	jb->fd = -1;
	g->inflight--;
	job_error(g, j, err, g->now - jb->start);
}
