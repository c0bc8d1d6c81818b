/*
 * input.c - input items become windows of targets, and windows become a
 * stream of (address, port) elements in a seeded random order.
 *
 * Items (arguments, or lines of the input file or stdin; a rejected line
 * is an item too) are gathered into windows of up to --window items.  A
 * window is sealed when it is full, at end of input, or when input pauses
 * while the engine has nothing else to start, so output keeps flowing
 * while input does.  Host names are resolved while the window fills; a
 * sealed window is prepared once its lookups are done: its targets' index
 * spaces (addresses x ports) are laid end to end and permuted as one.
 *
 * Windows are taken strictly in order.  A window stays in the list until
 * every element it handed out is final, so the resume point is simply the
 * first item of the oldest live window plus, for each live window, the
 * next position and the positions taken but not final.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"

#include "log.h"
#include "nerr.h"
#include "record.h"
#include "resolve.h"
#include "xalloc.h"

#define MAX_WINDOWS 256 /* live windows (headers) */
#define TAKE_BUDGET 65536
#define ELEM_LIMIT  (UINT64_C(1) << 62) /* elements per target/window */

struct input {
	struct scan_opts *o;
	int argi;
	int fd, epollable, readable, eof, own_fd, fl_saved, fl;
	struct jsonl_reader *r;
	const char *source;
	uint64_t item;       /* items read */
	uint64_t skip_until; /* items below were done before (resume) */
	struct window *head, *tail, *forming;
	size_t nwin;
	uint64_t live_items;
	struct window *segs; /* windows from a resume file, in item order */
	struct resolver *res;
	size_t res_pending;
	void (*sock_cb)(void *, int, int, int);
	void *sock_arg;
	uint64_t rejected, skipped, unresolved;
	uint64_t total; /* elements of the windows prepared so far */
	size_t unprepared;
};

struct lookup {
	struct input *in;
	struct window *w;
	size_t idx;
};

static void
tgt_clear(struct tgt *t)
{
	json_decref(t->rec);
	if (t->own_ports)
		ports_free(t->ports);
	free(t->addrs);
	free(t->host);
	t->rec = NULL;
	t->addrs = NULL;
	t->host = NULL;
	t->ports = NULL;
}

static void
window_free(struct window *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nt; i++)
		tgt_clear(&w->t[i]);
	free(w->t);
	free(w->redo);
	free(w);
}

/*
 * Returns a new, empty input.  The input fd (stdin or -f FILE) is made
 * non-blocking when it can be watched by epoll.
 */
struct input *
input_new(struct scan_opts *o)
{
	struct input *in = xcalloc(1, sizeof(*in));
	struct stat sb;

	in->o = o;
	in->fd = -1;
	if (o->nargs > 0)
		return in;
	if (o->input_file != NULL && strcmp(o->input_file, "-") != 0) {
		in->fd = open(o->input_file, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0)
			log_fatal(1, "%s", o->input_file);
		in->own_fd = 1;
		in->source = o->input_file;
	} else {
		in->fd = 0;
		in->source = "stdin";
	}
	if (fstat(in->fd, &sb) == 0 && !S_ISREG(sb.st_mode) &&
	    !S_ISBLK(sb.st_mode)) {
		in->epollable = 1;
		in->fl = fcntl(in->fd, F_GETFL);
		if (in->fl >= 0 && !(in->fl & O_NONBLOCK) &&
		    fcntl(in->fd, F_SETFL, in->fl | O_NONBLOCK) == 0)
			in->fl_saved = 1;
	}
	in->readable = 1;
	in->r = jsonl_reader_new(in->fd, o->max_line);
	return in;
}

/* Releases everything; restores the input fd's flags. */
void
input_free(struct input *in)
{
	struct window *w, *n;

	if (in == NULL)
		return;
	if (in->res != NULL)
		resolve_free(in->res); /* runs pending callbacks first */
	for (w = in->head; w != NULL; w = n) {
		n = w->next_w;
		window_free(w);
	}
	for (w = in->segs; w != NULL; w = n) {
		n = w->next_w;
		window_free(w);
	}
	window_free(in->forming);
	jsonl_reader_free(in->r);
	if (in->fl_saved)
		(void)fcntl(in->fd, F_SETFL, in->fl);
	if (in->own_fd)
		close(in->fd);
	free(in);
}

/* The fd the engine watches for input, or -1. */
int
input_fd(const struct input *in)
{
	return in->epollable ? in->fd : -1;
}

/* Marks the input fd readable (an epoll event arrived). */
void
input_readable(struct input *in)
{
	in->readable = 1;
}

/* The input fd cannot be put in epoll: read it whenever input is wanted. */
void
input_unwatchable(struct input *in)
{
	in->epollable = 0;
	in->readable = 1;
}

/* Remembers the engine's callback for resolver sockets. */
void
input_set_sock_cb(
    struct input *in, void (*cb)(void *, int, int, int), void *arg)
{
	in->sock_cb = cb;
	in->sock_arg = arg;
}

static void
sock_trampoline(void *arg, int fd, int readable, int writable)
{
	struct input *in = arg;

	if (in->sock_cb != NULL)
		in->sock_cb(in->sock_arg, fd, readable, writable);
}

static void
resolver_start(struct input *in)
{
	struct resolve_opts ro;
	const char *why = NULL;

	if (in->res != NULL)
		return;
	memset(&ro, 0, sizeof(ro));
	ro.servers = in->o->dns_server;
	ro.sock_cb = sock_trampoline;
	ro.sock_arg = in;
	if (resolve_new(&ro, &in->res, &why) < 0)
		log_fatalx(1, "resolver: %s", why ? why : "cannot start");
}

/* The resolver, started on first use (NULL before that). */
struct resolver *
input_resolver(struct input *in)
{
	return in->res;
}

static void
window_prepare(struct input *in, struct window *w)
{
	uint64_t base = 0;
	size_t i;

	for (i = 0; i < w->nt; i++) {
		w->t[i].base = base;
		base += w->t[i].count;
	}
	w->size = base;
	perm_init(&w->perm, w->size, in->o->seed);
	if (w->have_expect && w->expect_size != w->size) {
		log_warnx("resume: the window at input item %llu changed "
		          "size (%llu, was %llu: names resolved differently?); "
		          "scanning it whole again",
		    (unsigned long long)w->first_item + 1,
		    (unsigned long long)w->size,
		    (unsigned long long)w->expect_size);
		w->next = 0;
		w->nredo = w->redo_i = 0;
	}
	if (w->next > w->size)
		w->next = w->size;
	w->prepared = 1;
	in->unprepared--;
	in->total += w->size - w->next + (w->nredo - w->redo_i);
}

static void
window_check_done(struct input *in, struct window *w)
{
	size_t i;

	if (w->done || !w->prepared || w->next < w->size ||
	    w->redo_i < w->nredo || w->outstanding > 0)
		return;
	w->done = 1;
	for (i = 0; i < w->nt; i++)
		tgt_clear(&w->t[i]);
	free(w->t);
	w->t = NULL;
	w->nt = w->cap = 0;
	in->live_items -= w->n_items;
}

/* Frees the done windows at the head of the list. */
static void
windows_gc(struct input *in)
{
	while (in->head != NULL && in->head->done) {
		struct window *h = in->head;

		in->head = h->next_w;
		if (in->head == NULL)
			in->tail = NULL;
		in->nwin--;
		window_free(h);
	}
}

static void
window_seal(struct input *in)
{
	struct window *w = in->forming;

	if (w == NULL)
		return;
	in->forming = NULL;
	w->sealed = 1;
	w->next_w = NULL;
	if (in->tail != NULL)
		in->tail->next_w = w;
	else
		in->head = w;
	in->tail = w;
	in->nwin++;
	in->unprepared++;
	if (w->resolving == 0) {
		window_prepare(in, w);
		window_check_done(in, w);
		windows_gc(in);
	}
}

static void
on_resolved(void *arg, const char *name, int status, const u128 *addrs,
    size_t n, const char *why)
{
	struct lookup *lk = arg;
	struct input *in = lk->in;
	struct window *w = lk->w;
	struct tgt *t = &w->t[lk->idx];
	size_t i;

	in->res_pending--;
	if (status < 0 || n == 0) {
		if (in->o->worker == 0) /* every worker resolves it */
			log_warnx("%s: %s", name, why ? why : "no address");
		in->unresolved++;
	} else {
		t->addrs = xreallocarray(NULL, n, sizeof(*t->addrs));
		memcpy(t->addrs, addrs, n * sizeof(*addrs));
		t->naddr = n;
		t->count = (uint64_t)n * t->ports->n;
		for (i = 0; i < n; i++)
			if (addrset_contains(in->o->exclude, addrs[i]))
				t->excl = 1;
	}
	t->resolving = 0;
	w->resolving--;
	free(lk);
	if (w->sealed && w->resolving == 0) {
		window_prepare(in, w);
		window_check_done(in, w);
		windows_gc(in);
	}
}

/* Starts a forming window for the item about to be added. */
static struct window *
window_open(struct input *in)
{
	struct window *w;

	if (in->segs != NULL && in->segs->first_item == in->item) {
		w = in->segs;
		in->segs = w->next_w;
		w->next_w = NULL;
	} else {
		w = xcalloc(1, sizeof(*w));
		w->first_item = in->item;
	}
	in->forming = w;
	return w;
}

static int
item_parse(struct input *in, const char *text, size_t len, struct tgt *nt,
    const char **why)
{
	struct target t;
	const char *pspec = NULL;
	json_t *obj = NULL;
	struct ports *p = NULL;
	char buf[16];
	u128 naddr;
	int rc;

	memset(nt, 0, sizeof(*nt));
	if ((rc = record_parse(text, len, &obj, why)) < 0)
		return rc;
	if ((rc = record_target(obj, &t, &pspec, why)) < 0)
		goto fail;
	if (t.port >= 0) {
		snprintf(buf, sizeof(buf), "%d", t.port);
		pspec = buf;
	}
	if (pspec != NULL) {
		if ((rc = ports_parse(pspec, PORTS_TCP, &p, why)) < 0)
			goto fail;
		nt->ports = p;
		nt->own_ports = 1;
	} else
		nt->ports = in->o->ports;
	nt->rec = obj;
	if (t.kind == TARGET_HOST) {
		nt->host = xstrdup(t.host);
		nt->resolving = 1;
		return 0;
	}
	naddr = t.hi - t.lo + 1;
	if (t.hi - t.lo >= ELEM_LIMIT / nt->ports->n) {
		*why = "target too large (more than 2^62 address-port pairs)";
		rc = NERR_TOOBIG;
		nt->rec = NULL;
		goto fail;
	}
	nt->lo = t.lo;
	nt->naddr = (uint64_t)naddr;
	nt->count = nt->naddr * nt->ports->n;
	nt->excl = addrset_overlaps(in->o->exclude, t.lo, t.hi);
	return 0;
fail:
	if (nt->own_ports)
		ports_free(nt->ports);
	nt->ports = NULL;
	nt->own_ports = 0;
	json_decref(obj);
	return rc;
}

static void
item_add(
    struct input *in, const char *text, size_t len, uint64_t lineno, int bad)
{
	struct window *w;
	struct tgt nt, *t;
	const char *why = "unparsable";
	uint64_t item;

	if (in->item < in->skip_until) {
		in->item++;
		return;
	}
	/* A window the resume file says was done: skip its items. */
	while (in->forming == NULL && in->segs != NULL &&
	    in->segs->first_item == in->item && in->segs->done) {
		w = in->segs;
		in->segs = w->next_w;
		in->skip_until = w->first_item + w->n_items;
		window_free(w);
		if (in->item < in->skip_until) {
			in->item++;
			return;
		}
	}
	/* Every worker reads the same input: the first one reports. */
	if (bad) {
		if (in->o->worker == 0)
			log_input_error(
			    in->source, lineno, "line too long", text, len);
		in->rejected++;
		nt.rec = NULL;
	} else if (item_parse(in, text, len, &nt, &why) < 0) {
		if (in->o->worker == 0)
			log_input_error(in->source, lineno, why, text, len);
		in->rejected++;
		nt.rec = NULL;
	}
	w = in->forming;
	if (w != NULL && nt.rec != NULL && w->want_items == 0 &&
	    w->size + nt.count >= ELEM_LIMIT)
		window_seal(in);
	if ((w = in->forming) == NULL)
		w = window_open(in);
	item = in->item++;
	w->n_items++;
	in->live_items++;
	if (nt.rec == NULL)
		return;
	if (w->nt == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->t = xreallocarray(w->t, w->cap, sizeof(*w->t));
	}
	t = &w->t[w->nt++];
	*t = nt;
	t->item = item;
	t->lineno = lineno;
	t->w = w;
	w->size += t->count; /* an estimate until prepared */
	if (t->resolving) {
		struct lookup *lk = xmalloc(sizeof(*lk));

		resolver_start(in);
		lk->in = in;
		lk->w = w;
		lk->idx = w->nt - 1;
		w->resolving++;
		in->res_pending++;
		resolve_submit(
		    in->res, t->host, RESOLVE_V4 | RESOLVE_V6, on_resolved, lk);
	}
}

/* Windows not yet fully taken (sealed, or prepared with elements left). */
static size_t
windows_ahead(const struct input *in)
{
	const struct window *w;
	size_t n = 0;

	for (w = in->head; w != NULL; w = w->next_w)
		if (!w->done &&
		    (!w->prepared || w->next < w->size || w->redo_i < w->nredo))
			n++;
	return n;
}

static int
can_accept(const struct input *in)
{
	const struct window *w = in->forming;

	if (in->nwin >= MAX_WINDOWS || in->live_items >= 4 * in->o->window + 16)
		return 0;
	if (w == NULL)
		return windows_ahead(in) < 2;
	return 1;
}

static int
forming_full(const struct input *in)
{
	const struct window *w = in->forming;

	if (w == NULL)
		return 0;
	if (w->want_items)
		return w->n_items >= w->want_items;
	return w->n_items >= in->o->window;
}

/* Reads what input is there (see scan.h). */
void
input_pump(struct input *in, int engine_idle, int stopping)
{
	struct jsonl_line line;
	enum jsonl_status st;
	int paused = 0;
	long n;

	if (stopping || in->eof)
		return;
	while (can_accept(in)) {
		if (in->r == NULL) { /* arguments */
			if (in->argi >= in->o->nargs) {
				in->eof = 1;
				break;
			}
			in->source = "argument";
			item_add(in, in->o->args[in->argi],
			    strlen(in->o->args[in->argi]),
			    (uint64_t)in->argi + 1, 0);
			in->argi++;
		} else {
			st = jsonl_next(in->r, &line);
			if (st == JSONL_LINE) {
				item_add(
				    in, line.text, line.len, line.lineno, 0);
			} else if (st == JSONL_TOOLONG) {
				item_add(
				    in, line.text, line.len, line.lineno, 1);
			} else if (st == JSONL_EOF) {
				in->eof = 1;
				break;
			} else {
				if (!in->readable && in->epollable) {
					paused = 1;
					break;
				}
				n = jsonl_fill(in->r);
				if (n == -EAGAIN) {
					in->readable = 0;
					paused = 1;
					break;
				}
				if (n == -EINTR)
					break;
				if (n < 0) {
					errno = (int)-n;
					log_warn("%s", in->source);
					in->rejected++;
					in->eof = 1;
					break;
				}
			}
		}
		if (forming_full(in))
			window_seal(in);
	}
	if (in->eof ||
	    (paused && engine_idle && in->forming != NULL &&
	        in->forming->want_items == 0))
		window_seal(in);
}

static struct tgt *
tgt_find(struct window *w, uint64_t x)
{
	size_t lo = 0, hi = w->nt;

	/* the last target whose base <= x and which holds x */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->t[mid].base <= x)
			lo = mid;
		else
			hi = mid;
	}
	while (lo < w->nt && x >= w->t[lo].base + w->t[lo].count)
		lo++; /* skip empty targets sharing a base */
	return &w->t[lo];
}

/* The next element to probe (see scan.h). */
int
input_take(struct input *in, struct elem *e)
{
	struct scan_opts *o = in->o;
	unsigned budget = TAKE_BUDGET;
	uint64_t pos, x, local, ai, pi;
	struct window *w;
	struct tgt *t;
	int got = 0;

	for (w = in->head; w != NULL && !got; w = w->next_w) {
		if (w->done)
			continue;
		if (!w->prepared)
			break; /* windows go in order */
		for (;;) {
			if (budget == 0)
				goto out;
			budget--;
			if (w->redo_i < w->nredo)
				pos = w->redo[w->redo_i++];
			else if (w->next < w->size)
				pos = w->next++;
			else
				break;
			if (pos >= w->size)
				continue;
			x = perm_at(&w->perm, pos);
			t = tgt_find(w, x);
			local = x - t->base;
			ai = local / t->ports->n;
			pi = local % t->ports->n;
			e->addr = t->addrs ? t->addrs[ai] : t->lo + ai;
			e->port = t->ports->port[pi];
			/* Another worker's host: not ours to count. */
			if (o->workers > 1 && !workers_owns(o, e->addr))
				continue;
			if ((t->excl &&
			        addrset_contains(o->exclude, e->addr)) ||
			    (o->sharded &&
			        !shard_owns(
			            &o->shard, o->seed, e->addr, e->port))) {
				in->skipped++;
				continue;
			}
			e->w = w;
			e->t = t;
			e->pos = pos;
			w->outstanding++;
			got = 1;
			break;
		}
		window_check_done(in, w);
	}
out:
	windows_gc(in);
	return got;
}

/* An element of W is final. */
void
input_release(struct input *in, struct window *w)
{
	w->outstanding--;
	if (w->outstanding == 0) {
		window_check_done(in, w);
		windows_gc(in);
	}
}

/* Everything read, taken and final. */
int
input_finished(const struct input *in)
{
	return in->eof && in->forming == NULL && in->head == NULL &&
	    in->res_pending == 0;
}

/* Nothing left to take now (see scan.h). */
int
input_drained(const struct input *in)
{
	return windows_ahead(in) == 0;
}

/* Counters for the summary. */
uint64_t
input_rejected(const struct input *in)
{
	return in->rejected;
}

uint64_t
input_items(const struct input *in)
{
	return in->item;
}

uint64_t
input_skipped(const struct input *in)
{
	return in->skipped;
}

uint64_t
input_unresolved(const struct input *in)
{
	return in->unresolved;
}

/* Total elements: known once input ended and every window is prepared. */
int
input_total(const struct input *in, uint64_t *total)
{
	*total = in->total;
	return in->eof && in->forming == NULL && in->unprepared == 0;
}

/* The live windows, oldest first. */
struct window *
input_windows(const struct input *in)
{
	return in->head;
}

/* Applies a resume point (see scan.h). */
void
input_set_resume(struct input *in, uint64_t items_done, struct window *segs)
{
	in->skip_until = items_done;
	in->segs = segs;
}

/* Items fully done: everything before the oldest live window. */
uint64_t
input_items_done(const struct input *in)
{
	if (in->head != NULL)
		return in->head->first_item;
	if (in->forming != NULL)
		return in->forming->first_item;
	return in->item;
}
