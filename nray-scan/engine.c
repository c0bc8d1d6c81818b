/*
 * engine.c - the epoll loop: non-blocking connect() probes.
 *
 * A job is one element (address, port) on its way to a final state; it
 * lives in a fixed pool and is, at any time, free, in flight (a socket in
 * epoll and an entry on the timing wheel), queued for a retry, deferred
 * behind its host's --host-concurrency cap, or ready (deferred, then
 * released).  The epoll data of a probe's socket is its job index, so no
 * fd table is needed; closing the socket removes it from epoll.
 *
 * Per probe: socket(SOCK_NONBLOCK|SOCK_CLOEXEC), connect(), epoll_ctl(ADD),
 * close(); plus setsockopt(SO_LINGER 0) on open ports only (see rst_close),
 * and getsockopt(SO_ERROR) only when epoll reports an error (refused,
 * unreachable): a plain EPOLLOUT means connected.  The clock (vDSO, no
 * syscall) is read after each epoll_wait, before starting probes and every
 * 128 probes started, not per probe.
 *
 * Timeouts: a wheel of 65536 one-millisecond slots (a probe's deadline is
 * at most --timeout <= 60 s away, so a slot holds only due probes when its
 * time comes): insertion, removal and expiry are O(1) per probe.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#include "log.h"
#include "resolve.h"
#include "sig.h"
#include "xalloc.h"

/* Seconds on the monotonic clock. */
double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
clock_update(struct engine *g)
{
	g->now = mono();
	g->now_ms = (uint64_t)(g->now * 1000);
}

/* Appends J to F (or puts it first). */
void
fifo_push(struct engine *g, struct fifo *f, int32_t j, int front)
{
	g->jobs[j].next = -1;
	if (f->head < 0) {
		f->head = f->tail = j;
	} else if (front) {
		g->jobs[j].next = f->head;
		f->head = j;
	} else {
		g->jobs[f->tail].next = j;
		f->tail = j;
	}
	f->n++;
}

static int32_t
fifo_pop(struct engine *g, struct fifo *f)
{
	int32_t j = f->head;

	if (j < 0)
		return -1;
	f->head = g->jobs[j].next;
	if (f->head < 0)
		f->tail = -1;
	f->n--;
	return j;
}

/* Puts J on the wheel, due TIMEOUT seconds from now. */
void
wheel_add(struct engine *g, int32_t j, double timeout)
{
	struct job *jb = &g->jobs[j];
	uint64_t d = (uint64_t)ceil(timeout * 1000);
	uint32_t slot;

	if (d < 1)
		d = 1;
	if (d >= WHEEL_SLOTS)
		d = WHEEL_SLOTS - 1;
	slot = (uint32_t)((g->now_ms + d) & (WHEEL_SLOTS - 1));
	jb->prev = -1 - (int32_t)slot; /* head marker: which slot */
	jb->next = g->wheel[slot];
	if (jb->next >= 0)
		g->jobs[jb->next].prev = j;
	g->wheel[slot] = j;
}

/*
 * The first RTT sample arrived: probes started before it wait for the
 * ceiling; give them the timeout they would get now, counted from their
 * start.  Runs once per scan, over the job pool.
 */
void
wheel_rearm(struct engine *g)
{
	size_t i;
	int informed;

	for (i = 0; i < g->njobs; i++) {
		struct job *jb = &g->jobs[i];
		double left;

		if (jb->where != J_FLIGHT || jb->informed)
			continue;
		left = jb->start + rtt_timeout(g->rtt, jb->e.addr, &informed) -
		    g->now;
		if (!informed)
			continue;
		wheel_del(g, (int32_t)i);
		wheel_add(g, (int32_t)i, left < 0.001 ? 0.001 : left);
		jb->informed = 1;
	}
}

/* Takes J off the wheel. */
void
wheel_del(struct engine *g, int32_t j)
{
	struct job *jb = &g->jobs[j];

	if (jb->prev < 0)
		g->wheel[-1 - jb->prev] = jb->next;
	else
		g->jobs[jb->prev].next = jb->next;
	if (jb->next >= 0)
		g->jobs[jb->next].prev = jb->prev;
}

static void
wheel_expire(struct engine *g)
{
	uint64_t t, end = g->now_ms;
	int32_t j, n;

	if (end - g->tick > WHEEL_SLOTS)
		g->tick = end - WHEEL_SLOTS;
	for (t = g->tick + 1; t <= end; t++) {
		uint32_t slot = (uint32_t)(t & (WHEEL_SLOTS - 1));

		for (j = g->wheel[slot]; j >= 0; j = n) {
			struct job *jb = &g->jobs[j];

			n = jb->next;
			jb->where = J_JUDGED;
			close(jb->fd);
			jb->fd = -1;
			g->inflight--;
			job_silent(g, j);
		}
		g->wheel[slot] = -1;
	}
	g->tick = end;
}

/* Milliseconds to the next non-empty wheel slot (up to LIMIT). */
static int
wheel_next_ms(const struct engine *g, int limit)
{
	int d;

	if (g->inflight == 0)
		return limit;
	for (d = 1; d < limit; d++)
		if (g->wheel[(g->tick + (uint64_t)d) & (WHEEL_SLOTS - 1)] >= 0)
			return d;
	return limit;
}

/* The next job to start, or -1. */
static int32_t
next_job(struct engine *g)
{
	int32_t j;
	struct job *jb;

	if ((j = fifo_pop(g, &g->ready)) >= 0)
		return j;
	if ((j = fifo_pop(g, &g->retry)) >= 0)
		return j;
	if (g->nfree == 0)
		return -1;
	j = g->freelist;
	jb = &g->jobs[j];
	if (!input_take(g->in, &jb->e))
		return -1;
	g->freelist = jb->next;
	g->nfree--;
	jb->tries = 0;
	jb->lfails = 0;
	jb->fd = -1;
	return j;
}

static void
issue(struct engine *g)
{
	double rate = g->o->rate * g->cc.ratef;
	uint64_t cap = (uint64_t)g->cc.cwnd;
	unsigned started = 0, turns = 0;
	struct host *h;
	int32_t j;

	g->turn_full = 0;
	if (g->stopping || g->now < g->pause_until)
		return;
	if (cap > g->o->concurrency)
		cap = g->o->concurrency;
	if (cap < 1)
		cap = 1;
	bucket_refill(&g->bk, rate, g->now);
	while (g->inflight < cap && (g->o->rate <= 0 || g->bk.tokens >= 1)) {
		if (started >= TURN_START || ++turns > TURN_ELEMS) {
			g->turn_full = 1;
			break;
		}
		if ((j = next_job(g)) < 0)
			break;
		h = hosts_get(g->hosts, g->jobs[j].e.addr, 1);
		if (h != NULL && (h->flagged || (g->o->discover && h->up))) {
			g->c->skipped++;
			job_final(g, j);
			/* Nothing in flight may be left to release them. */
			host_release_deferred(g, h);
			continue;
		}
		if (h != NULL && h->inflight >= g->o->host_conc) {
			struct job *jb = &g->jobs[j];

			jb->where = J_DEFER;
			jb->next = -1;
			if (h->dtail >= 0)
				g->jobs[h->dtail].next = j;
			else
				h->dhead = j;
			h->dtail = j;
			g->ndefer++;
			continue;
		}
		if (g->o->rate > 0)
			g->bk.tokens -= 1;
		probe_start(g, j);
		if (++started % CLOCK_EVERY == 0)
			clock_update(g); /* keeps start stamps (RTTs) true */
		if (g->now < g->pause_until)
			break;
	}
}

static void
res_sock_cb(void *arg, int fd, int readable, int writable)
{
	struct engine *g = arg;
	struct epoll_event ev;

	ev.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	ev.data.u64 = TAG_RES | (uint64_t)fd;
	if (!readable && !writable) {
		(void)epoll_ctl(g->ep, EPOLL_CTL_DEL, fd, &ev);
		return;
	}
	if (epoll_ctl(g->ep, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT &&
	    epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_warn("epoll_ctl resolver socket");
}

static int
loop_timeout(struct engine *g)
{
	struct resolver *res = input_resolver(g->in);
	int t = 100, r;

	if (g->turn_full)
		return 0;
	t = wheel_next_ms(g, t);
	if (g->pause_until > g->now) {
		r = (int)ceil((g->pause_until - g->now) * 1000);
		if (r < t)
			t = r;
	}
	if (g->o->rate > 0 && g->bk.tokens < 1 && !g->stopping) {
		r = bucket_wait_ms(&g->bk, g->o->rate * g->cc.ratef);
		if (r < t)
			t = r;
	}
	if (res != NULL && resolve_pending(res) > 0) {
		r = resolve_timeout_ms(res);
		if (r >= 0 && r < t)
			t = r;
	}
	return t < 0 ? 0 : t;
}

static int
scan_done(const struct engine *g)
{
	return g->inflight == 0 && g->retry.n == 0 && g->ready.n == 0 &&
	    g->ndefer == 0 && input_finished(g->in);
}

/* Hands the positions of unfinished jobs to the resume file. */
static void
collect_redo(struct engine *g)
{
	size_t i;

	for (i = 0; i < g->njobs; i++) {
		struct job *jb = &g->jobs[i];

		if (jb->where == J_RETRY || jb->where == J_READY ||
		    jb->where == J_DEFER)
			resume_add_redo(jb->e.w, jb->e.pos);
	}
}

static void
engine_setup(struct engine *g)
{
	size_t i, dcap;

	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->ep < 0)
		log_fatal(1, "epoll_create1");
	dcap = g->o->concurrency > 4096 ? g->o->concurrency : 4096;
	g->njobs = g->o->concurrency + dcap;
	g->jobs = xcalloc(g->njobs, sizeof(*g->jobs));
	for (i = 0; i < g->njobs; i++) {
		g->jobs[i].next = i + 1 < g->njobs ? (int32_t)(i + 1) : -1;
		g->jobs[i].fd = -1;
	}
	g->freelist = 0;
	g->nfree = g->njobs;
	g->wheel = xmalloc(WHEEL_SLOTS * sizeof(*g->wheel));
	memset(g->wheel, 0xff, WHEEL_SLOTS * sizeof(*g->wheel));
	g->retry.head = g->retry.tail = -1;
	g->ready.head = g->ready.tail = -1;
	g->rtt = rtt_new(g->o->min_timeout, g->o->timeout);
	clock_update(g);
	g->tick = g->now_ms;
	bucket_init(&g->bk, g->o->rate, g->now);
	cc_init(&g->cc, (double)g->o->concurrency, g->now);
	g->retries = g->o->retries;
}

static void
engine_watch_input(struct engine *g)
{
	struct epoll_event ev;
	int fd = input_fd(g->in);

	/* a pipe's reader leaving shows as EPOLLERR on stdout: stop even
	 * when no record is due (| head on a scan with few open ports) */
	ev.events = 0;
	ev.data.u64 = TAG_OUT;
	(void)epoll_ctl(g->ep, EPOLL_CTL_ADD, 1, &ev);
	if (fd < 0)
		return;
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = TAG_INPUT;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		input_unwatchable(g->in); /* e.g. /dev/null: always readable */
}

static void
dispatch(struct engine *g, struct epoll_event *ev, int n)
{
	struct resolver *res;
	int i;

	for (i = 0; i < n; i++) {
		uint64_t d = ev[i].data.u64;

		if (d == TAG_INPUT) {
			input_readable(g->in);
		} else if (d == TAG_OUT) {
			g->gone = 1;
		} else if (d & TAG_RES) {
			res = input_resolver(g->in);
			if (res != NULL)
				resolve_process_fd(res, (int)(d & 0xffffffff),
				    !!(ev[i].events &
				        (EPOLLIN | EPOLLERR | EPOLLHUP)),
				    !!(ev[i].events & EPOLLOUT));
		} else {
			probe_event(g, (int32_t)d, ev[i].events);
		}
	}
}

/*
 * Runs the scan to its end or to a clean stop: 0 when complete, 1 when
 * stdout went away, -1 on a failure.
 */
int
engine_run(struct scan_opts *o, struct input *in, struct hosts *hosts,
    struct scan_counts *c)
{
	struct engine eng, *g = &eng;
	struct epoll_event *ev;
	struct resolver *res;
	uint64_t total = 0;
	int n, rc = 0, have_total;

	memset(g, 0, sizeof(*g));
	g->o = o;
	g->in = in;
	g->hosts = hosts;
	g->c = c;
	engine_setup(g);
	ev = xcalloc(NEVENTS, sizeof(*ev));
	input_set_sock_cb(in, res_sock_cb, g);
	engine_watch_input(g);
	for (;;) {
		input_pump(in,
		    input_drained(in) && g->retry.n == 0 && g->ready.n == 0,
		    g->stopping);
		clock_update(g);
		issue(g);
		if (!g->stopping && !g->turn_full && input_drained(in)) {
			input_pump(in, g->retry.n == 0 && g->ready.n == 0, 0);
			issue(g);
		}
		if (out_flush() < 0 || g->gone) {
			g->gone = 1;
			break;
		}
		have_total = input_total(in, &total);
		out_progress(c, c->final + c->skipped + input_skipped(in),
		    have_total, total, g->now, 0);
		if (scan_done(g) || (g->stopping && g->inflight == 0))
			break;
		n = epoll_wait(g->ep, ev, NEVENTS, loop_timeout(g));
		if (n < 0 && errno != EINTR) {
			log_warn("epoll_wait");
			rc = -1;
			break;
		}
		clock_update(g);
		if (n > 0)
			dispatch(g, ev, n);
		if (n < NEVENTS)
			wheel_expire(g); /* only with every answer read */
		res = input_resolver(in);
		if (res != NULL && resolve_pending(res) > 0 &&
		    resolve_timeout_ms(res) == 0)
			resolve_process_timeouts(res);
		if (sig_stop && !g->stopping) {
			g->stopping = 1;
			log_info("stopping: waiting for %llu probes in flight",
			    (unsigned long long)g->inflight);
		}
		cc_tick(&g->cc, g->now, o->timeout);
		if (!o->retries_set)
			g->retries = cc_retries(&g->cc, o->retries);
	}
	out_progress(c, 0, 0, 0, g->now, 1);
	if (g->stopping && !g->gone && o->resume_path != NULL) {
		collect_redo(g);
		if (resume_save(o, in, hosts) < 0)
			rc = -1;
	}
	if (g->gone) {
		size_t i;

		for (i = 0; i < g->njobs; i++)
			if (g->jobs[i].where == J_FLIGHT)
				close(g->jobs[i].fd);
	}
	c->cuts = g->cc.cuts;
	c->loss = cc_loss(&g->cc);
	c->retries_used = g->retries;
	free(ev);
	free(g->jobs);
	free(g->wheel);
	rtt_free(g->rtt);
	close(g->ep);
	return rc < 0 ? rc : g->gone ? 1 : 0;
}
