/*
 * engine.c - nray-grab's event loop: jobs, the connection queue with its
 * concurrency and rate limits, timers, name resolution, a clean stop.
 *
 * One epoll loop drives every grab.  Grabs waiting for a connection sit
 * in one FIFO queue (reconnects go first: they already hold a slot).
 * Timers are FIFO lists, one per duration (connect, read, whole grab, the
 * few waits modules ask for): a timer armed later fires later in its list,
 * so arming, cancelling and finding the next expiry are O(1) (a duration
 * beyond the lists' number goes to one sorted list).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine.h"

#include "log.h"
#include "nerr.h"
#include "resolve.h"
#include "sig.h"
#include "stats.h"
#include "xalloc.h"

#define TLISTS     16
#define MAX_EVENTS 256
#define JOBS_AHEAD 256 /* jobs read ahead of the in-flight ones */
#define STOP_GRACE 2.0

struct tlist {
	double dur; /* < 0: the sorted list for any duration */
	struct tnode *head, *tail;
};

struct resfd {
	struct evsrc ev;
	struct resfd *next;
};

struct engine {
	const struct grab_opts *o;
	int epfd;
	SSL_CTX *ctx;
	double now;
	struct tlist tl[TLISTS];
	size_t ntl;
	struct tlist misc;
	struct grab *cq_head, *cq_tail; /* waiting to connect */
	struct grab *dead;  /* finished, freed at the end of a turn */
	struct grab **live; /* started or queued, for a stop */
	size_t nlive, live_cap;
	uint64_t inflight;
	double tokens, refill_t;
	struct resolver *res;
	struct resfd *resfds;
	struct evsrc input_ev;
	uint64_t jobs_alive;
	int stopping, quitting, tearing_down;
	double stop_at;
	struct engine_counts c;
};

/* --- jobs ------------------------------------------------------------ */

/* See engine.h. */
struct job *
job_new(json_t *rec, uint16_t port, const char *host)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->rec = rec;
	j->grabs = json_object();
	j->port = port;
	j->host = host != NULL && *host != '\0' ? xstrdup(host) : NULL;
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	json_decref(j->rec);
	json_decref(j->grabs);
	json_decref(j->probe_log);
	json_decref(j->sniff_first);
	free(j->host);
	free(j);
}

void
job_set_service(struct job *j, const char *service)
{
	json_object_set_new(j->rec, "service", json_string(service));
	j->verdict = 1;
}

/* The job is complete: grab and service go on the record, out it goes. */
static void
job_check(struct engine *e, struct job *j)
{
	json_t *old, *svc;

	if (j->pending > 0 || j->resolving)
		return;
	e->jobs_alive--;
	if (e->tearing_down || e->quitting) {
		job_free(j);
		return;
	}
	if (j->skip_grab) {
		output_job(j);
		return;
	}
	old = json_object_get(j->rec, "grab");
	if (json_is_object(old))
		json_object_update(old, j->grabs);
	else
		json_object_set(j->rec, "grab", j->grabs);
	/* "service" last, after "grab", whenever it was set. */
	svc = json_incref(json_object_get(j->rec, "service"));
	json_object_del(j->rec, "service");
	json_object_set_new(j->rec, "service",
	    j->verdict && svc != NULL ? svc : json_string("unknown"));
	if (!j->verdict)
		json_decref(svc);
	output_job(j);
}

/* --- timers ---------------------------------------------------------- */

double
engine_now(const struct engine *e)
{
	return e->now;
}

const struct grab_opts *
engine_opts(const struct engine *e)
{
	return e->o;
}

SSL_CTX *
engine_ssl_ctx(const struct engine *e)
{
	return e->ctx;
}

void
timer_cancel(struct tnode *t)
{
	struct tlist *l = t->list;

	if (l == NULL)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		l->tail = t->prev;
	t->prev = t->next = NULL;
	t->list = NULL;
}

static struct tlist *
tlist_for(struct engine *e, double dur)
{
	size_t i;

	for (i = 0; i < e->ntl; i++)
		if (e->tl[i].dur == dur)
			return &e->tl[i];
	if (e->ntl < TLISTS) {
		e->tl[e->ntl].dur = dur;
		return &e->tl[e->ntl++];
	}
	return &e->misc;
}

/* See engine.h. */
void
timer_arm(struct engine *e, struct tnode *t, double secs)
{
	struct tlist *l = tlist_for(e, secs);
	struct tnode *at;

	timer_cancel(t);
	t->when = e->now + secs;
	t->list = l;
	/* Same-duration lists: the new timer is the latest, at the tail. */
	for (at = l->tail; at != NULL && at->when > t->when; at = at->prev)
		;
	t->prev = at;
	t->next = at != NULL ? at->next : l->head;
	if (t->prev != NULL)
		t->prev->next = t;
	else
		l->head = t;
	if (t->next != NULL)
		t->next->prev = t;
	else
		l->tail = t;
}

/* The earliest armed timer, or NULL. */
static struct tnode *
timer_first(struct engine *e)
{
	struct tnode *best = e->misc.head;
	size_t i;

	for (i = 0; i < e->ntl; i++)
		if (e->tl[i].head != NULL &&
		    (best == NULL || e->tl[i].head->when < best->when))
			best = e->tl[i].head;
	return best;
}

static void
timers_fire(struct engine *e)
{
	struct tnode *t;

	while ((t = timer_first(e)) != NULL && t->when <= e->now) {
		timer_cancel(t);
		conn_timer(t->g, t);
	}
}

/* --- the connection queue -------------------------------------------- */

static void
live_add(struct engine *e, struct grab *g)
{
	if (e->nlive == e->live_cap) {
		e->live_cap = e->live_cap ? 2 * e->live_cap : 256;
		e->live = xreallocarray(e->live, e->live_cap, sizeof(*e->live));
	}
	g->live_idx = e->nlive;
	e->live[e->nlive++] = g;
}

static void
live_remove(struct engine *e, struct grab *g)
{
	size_t i = g->live_idx;

	if (i >= e->nlive || e->live[i] != g)
		return;
	e->live[i] = e->live[--e->nlive];
	e->live[i]->live_idx = i;
}

void
engine_connq_push(struct engine *e, struct grab *g, int front)
{
	g->in_connq = 1;
	if (front) {
		g->qnext = e->cq_head;
		e->cq_head = g;
		if (e->cq_tail == NULL)
			e->cq_tail = g;
		return;
	}
	g->qnext = NULL;
	if (e->cq_tail != NULL)
		e->cq_tail->qnext = g;
	else
		e->cq_head = g;
	e->cq_tail = g;
}

static struct grab *
connq_pop(struct engine *e)
{
	struct grab *g = e->cq_head;

	if (g == NULL)
		return NULL;
	e->cq_head = g->qnext;
	if (e->cq_head == NULL)
		e->cq_tail = NULL;
	g->qnext = NULL;
	g->in_connq = 0;
	return g;
}

/* Starts what the slots and the rate allow. */
static void
connq_run(struct engine *e)
{
	struct grab *g;

	while ((g = e->cq_head) != NULL) {
		if (g->phase == G_DONE) {
			(void)connq_pop(e);
			conn_free(g);
			continue;
		}
		if (!g->started && e->inflight >= e->o->concurrency)
			return;
		if (e->o->rate > 0) {
			double burst =
			    e->o->rate / 50 > 1 ? e->o->rate / 50 : 1;

			e->tokens += (e->now - e->refill_t) * e->o->rate;
			e->refill_t = e->now;
			if (e->tokens > burst)
				e->tokens = burst;
			if (e->tokens < 1)
				return;
			e->tokens -= 1;
		}
		(void)connq_pop(e);
		if (!g->started) {
			g->started = 1;
			e->inflight++;
			g->began = e->now;
			/* A probe has until --sniff-timeout to decide. */
			timer_arm(e, &g->t_whole,
			    g->probing && e->o->sniff_timeout < e->o->timeout
			        ? e->o->sniff_timeout
			        : e->o->timeout);
		}
		conn_connect(g);
	}
}

/* --- grabs ----------------------------------------------------------- */

/* See engine.h. */
struct grab *
engine_start_grab(struct engine *e, struct job *j, const struct grab_module *m)
{
	struct grab *g = conn_new(e, j, m);

	j->pending++;
	live_add(e, g);
	engine_connq_push(e, g, 0);
	return g;
}

int
engine_set_events(struct engine *e, struct grab *g, uint32_t events)
{
	struct epoll_event ev;
	int op;

	if (events == g->evmask)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = &g->ev;
	if (events == 0)
		op = EPOLL_CTL_DEL;
	else
		op = g->evmask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
	if (epoll_ctl(e->epfd, op, g->ev.fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		return -errno;
	g->evmask = events;
	return 0;
}

void
engine_count(struct engine *e, int connects, uint64_t bytes)
{
	e->c.connects += (uint64_t)connects;
	e->c.bytes_in += bytes;
}

/* See engine.h. */
void
engine_grab_done(struct engine *e, struct grab *g)
{
	struct job *j = g->j;
	json_t *old;
	int keep;

	if (g->started) {
		g->started = 0;
		e->inflight--;
	}
	live_remove(e, g);
	if (g->probe_kind != PROBE_NONE)
		e->c.probes++;
	if (!g->probing) { /* module runs, not guesses */
		e->c.grabs++;
		if (strcmp(g->status, GRAB_S_SUCCESS) == 0)
			e->c.success++;
		else
			e->c.failed++;
	}
	keep = auto_after(e, g);
	if (keep) {
		/* grab.tls holds the engine's facts: the tls module adds to
		 * them; any other result replaces an earlier one (auto). */
		old = json_object_get(j->grabs, g->mod->name);
		if (json_is_object(old) && strcmp(g->mod->name, "tls") == 0)
			json_object_update(old, g->result);
		else
			json_object_set(j->grabs, g->mod->name, g->result);
	}
	j->pending--;
	if (!g->in_connq) {
		g->qnext = e->dead;
		e->dead = g;
	}
	job_check(e, j);
}

int
engine_stopping(const struct engine *e)
{
	return e->stopping || e->quitting;
}

/* --- name resolution ------------------------------------------------- */

static void
res_sock(void *arg, int fd, int readable, int writable)
{
	struct engine *e = arg;
	struct resfd *r, **pp;
	struct epoll_event ev;

	for (pp = &e->resfds; (r = *pp) != NULL; pp = &r->next)
		if (r->ev.fd == fd)
			break;
	memset(&ev, 0, sizeof(ev));
	ev.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	if (ev.events == 0) {
		if (r != NULL) {
			(void)epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
			*pp = r->next;
			free(r);
		}
		return;
	}
	if (r == NULL) {
		r = xcalloc(1, sizeof(*r));
		r->ev.kind = EV_RESOLVER;
		r->ev.fd = fd;
		r->next = e->resfds;
		e->resfds = r;
		ev.data.ptr = &r->ev;
		(void)epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev);
		return;
	}
	ev.data.ptr = &r->ev;
	(void)epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
}

/* The module a failed lookup is reported under. */
static const char *
first_module(const struct engine *e, const struct job *j)
{
	const struct grab_module *m;

	if (e->o->nmods > 0)
		return e->o->mods[0]->name;
	m = grab_module_for_port(j->port);
	return m != NULL ? m->name : "banner";
}

static void job_begin(struct engine *e, struct job *j);

static void
on_resolved(void *arg, const char *name, int status, const u128 *addrs,
    size_t n, const char *why)
{
	struct job *j = arg;
	struct engine *e = j->engine;
	json_t *r;
	char msg[512];

	j->resolving = 0;
	if (e->tearing_down) {
		e->jobs_alive--;
		job_free(j);
		return;
	}
	if ((status < 0 || n == 0) && (e->stopping || e->quitting)) {
		job_begin(e, j); /* written as stopped */
		return;
	}
	if (status < 0 || n == 0) {
		e->c.unresolved++;
		log_warnx("%s: %s", name, why != NULL ? why : "no address");
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", name,
		    why != NULL ? why : "no address");
		r = json_pack(
		    "{s:s,s:s}", "status", GRAB_S_UNKNOWN, "error", msg);
		json_object_set_new(j->grabs, first_module(e, j), r);
		job_check(e, j);
		return;
	}
	j->addr = addrs[0];
	addr_format(j->addr, j->ip);
	json_object_set_new(j->rec, "ip", json_string(j->ip));
	if (addrset_contains(e->o->exclude, j->addr)) {
		log_warnx("%s (%s): excluded, written out without grabs", name,
		    j->ip);
		e->c.excluded++;
		j->skip_grab = 1;
		job_check(e, j);
		return;
	}
	job_begin(e, j);
}

static void
job_begin(struct engine *e, struct job *j)
{
	if (e->stopping || e->quitting) {
		json_object_set_new(j->grabs, first_module(e, j),
		    json_pack(
		        "{s:s,s:s}", "status", GRAB_S_APP, "error", "stopped"));
		job_check(e, j);
		return;
	}
	auto_begin(e, j);
	job_check(e, j); /* in case nothing was started */
}

/* See engine.h. */
void
engine_add_job(struct engine *e, struct job *j, int have_addr)
{
	struct resolve_opts ro;
	const char *why = NULL;

	e->jobs_alive++;
	e->c.jobs++;
	j->engine = e;
	if (have_addr) {
		job_begin(e, j);
		return;
	}
	if (e->res == NULL) {
		memset(&ro, 0, sizeof(ro));
		ro.sock_cb = res_sock;
		ro.sock_arg = e;
		if (resolve_new(&ro, &e->res, &why) < 0)
			log_fatalx(
			    1, "resolver: %s", why ? why : "cannot start");
	}
	j->resolving = 1;
	resolve_submit(
	    e->res, j->host, RESOLVE_V4 | RESOLVE_V6, on_resolved, j);
}

int
engine_wants_jobs(const struct engine *e)
{
	return !e->stopping && !e->quitting &&
	    e->jobs_alive < e->o->concurrency + JOBS_AHEAD;
}

/* --- set-up ---------------------------------------------------------- */

struct engine *
engine_new(const struct grab_opts *o)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->o = o;
	e->misc.dur = -1;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		log_fatal(1, "epoll_create1");
	e->ctx = tlsinfo_ctx_new();
	if (e->ctx == NULL)
		log_fatalx(1, "cannot set up OpenSSL");
	e->now = stats_now();
	e->refill_t = e->now;
	e->tokens = 1;
	e->input_ev.kind = EV_INPUT;
	e->input_ev.fd = -1;
	return e;
}

void
engine_free(struct engine *e)
{
	struct grab *g;
	struct resfd *r;

	if (e == NULL)
		return;
	e->tearing_down = 1;
	while (e->nlive > 0)
		conn_abort(e->live[e->nlive - 1], GRAB_S_APP, "stopped");
	while ((g = connq_pop(e)) != NULL)
		conn_free(g);
	while ((g = e->dead) != NULL) {
		e->dead = g->qnext;
		conn_free(g);
	}
	if (e->res != NULL)
		resolve_free(e->res);
	while ((r = e->resfds) != NULL) {
		e->resfds = r->next;
		free(r);
	}
	free(e->live);
	SSL_CTX_free(e->ctx);
	close(e->epfd);
	free(e);
}

int
engine_watch_input(struct engine *e, int fd)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLET;
	e->input_ev.fd = fd;
	ev.data.ptr = &e->input_ev;
	return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -1 : 0;
}

void
engine_counts(const struct engine *e, struct engine_counts *c)
{
	*c = e->c;
	c->inflight = e->inflight;
}

/* --- the loop -------------------------------------------------------- */

/* Stop (signal): no new input or steps; unstarted grabs fail now. */
static void
stop_begin(struct engine *e)
{
	struct grab *g, *keep = NULL, *tail = NULL;

	e->stopping = 1;
	e->stop_at = e->now + STOP_GRACE;
	input_stop();
	while ((g = connq_pop(e)) != NULL) {
		if (g->phase == G_DONE) {
			conn_free(g);
		} else if (!g->started) {
			g->qnext = NULL;
			conn_abort(g, GRAB_S_APP, "stopped");
		} else {
			g->qnext = NULL;
			g->in_connq = 1;
			if (tail != NULL)
				tail->qnext = g;
			else
				keep = g;
			tail = g;
		}
	}
	e->cq_head = keep;
	e->cq_tail = tail;
}

static void
abort_all(struct engine *e)
{
	while (e->nlive > 0)
		conn_abort(e->live[e->nlive - 1], GRAB_S_APP, "stopped");
	if (e->res != NULL) {
		/* Lookups still pending end now, as stopped (on_resolved). */
		resolve_free(e->res);
		e->res = NULL;
	}
}

static int
loop_timeout(struct engine *e, int input_more)
{
	struct tnode *t = timer_first(e);
	double wait = 1.0; /* progress, signals */
	int r;

	if (input_more)
		return 0;
	if (e->cq_head != NULL && e->o->rate == 0 &&
	    (e->cq_head->started || e->inflight < e->o->concurrency))
		return 0;
	if (t != NULL && t->when - e->now < wait)
		wait = t->when - e->now;
	if (e->cq_head != NULL && e->o->rate > 0 &&
	    (e->cq_head->started || e->inflight < e->o->concurrency)) {
		double need = (1 - e->tokens) / e->o->rate;

		if (need < wait)
			wait = need;
	}
	if (e->stopping && e->stop_at - e->now < wait)
		wait = e->stop_at - e->now;
	if (e->res != NULL && (r = resolve_timeout_ms(e->res)) >= 0 &&
	    r < wait * 1000)
		wait = r / 1000.0;
	if (wait < 0)
		wait = 0;
	return (int)(wait * 1000 + 0.999);
}

static void
dispatch(struct engine *e, struct epoll_event *ev)
{
	struct evsrc *s = ev->data.ptr;

	switch (s->kind) {
	case EV_GRAB:
		conn_event((struct grab *)s, ev->events);
		break;
	case EV_INPUT:
		input_readable();
		break;
	case EV_RESOLVER:
		if (e->res != NULL)
			resolve_process_fd(e->res, s->fd,
			    (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0,
			    (ev->events & EPOLLOUT) != 0);
		break;
	}
}

static void
free_dead(struct engine *e)
{
	struct grab *g;

	while ((g = e->dead) != NULL) {
		e->dead = g->qnext;
		conn_free(g);
	}
}

/* See engine.h. */
int
engine_run(struct engine *e)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, i, more = 0;

	for (;;) {
		e->now = stats_now();
		if (output_closed() && !e->quitting) {
			e->quitting = 1;
			input_stop();
			abort_all(e);
		}
		if (sig_stop && !e->stopping)
			stop_begin(e);
		more = 0;
		if (!e->stopping && !e->quitting)
			more = input_pump(e);
		timers_fire(e);
		connq_run(e);
		if (e->stopping && e->now >= e->stop_at)
			abort_all(e);
		free_dead(e);
		if (fflush(stdout) != 0 && !output_closed())
			return NERR_SYSTEM;
		output_progress(e, e->now);
		if (input_done() && e->jobs_alive == 0)
			break;
		if (e->quitting && e->jobs_alive == 0)
			break;
		n = epoll_wait(e->epfd, evs, MAX_EVENTS, loop_timeout(e, more));
		if (n < 0 && errno != EINTR)
			return NERR_SYSTEM;
		e->now = stats_now();
		for (i = 0; i < n; i++)
			dispatch(e, &evs[i]);
		connq_run(e); /* steps that follow a finished grab */
		if (e->res != NULL && resolve_pending(e->res) > 0 &&
		    resolve_timeout_ms(e->res) == 0)
			resolve_process_timeouts(e->res);
		free_dead(e);
	}
	return 0;
}
