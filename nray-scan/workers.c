/*
 * workers.c - one scan spread over several processes, one per core.
 *
 * On these machines the kernel's own connect() work is the floor of a
 * connect scan, and one process keeps one core busy.  --workers N forks N
 * copies of the scan; each probes the hosts whose keyed hash of the
 * address falls to it (a host stays with one worker, so per-host limits,
 * discovery and the all-ports-open check keep working), with 1/N of the
 * rate and of the concurrency.  The parent feeds every worker the same
 * input (when it comes from stdin), merges their records line by line onto
 * stdout, sums their progress and their summaries, and forwards signals.
 *
 * A worker reports on a status pipe: "P done total have_total probes open"
 * lines for progress and, at its end, its summary as one JSON line.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "nerr.h"
#include "opt.h"
#include "scan.h"
#include "sig.h"
#include "stats.h"
#include "xalloc.h"

#define WBUF (64 * 1024)

struct worker {
	pid_t pid;
	int in_fd;  /* its stdin (when fed), or -1 */
	int out_fd; /* its stdout */
	int st_fd;  /* its status pipe */
	char *out;  /* its output not yet forwarded: lines are kept whole */
	size_t out_len, out_cap;
	char st[4096];
	size_t st_len;
	uint64_t done, total, probes, open;
	int have_total;
	json_t *summary;
	int status;
};

static struct worker *w;
static int nw;
static size_t out_max; /* the longest line a worker's buffer may grow to */

/* Keys of the summary that every worker counts alike (all read the same
 * input): taken from the first worker, not summed. */
static int
same_in_all(const char *key)
{
	return strcmp(key, "in") == 0 || strcmp(key, "rejected") == 0 ||
	    strcmp(key, "unresolved") == 0;
}

static void
set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*
 * Writes the complete lines of a worker's output to stdout (ALL: the rest
 * too, at its end), so records of two workers never mix within a line.
 */
static void
forward(struct worker *k, int all)
{
	char *nl;
	size_t n;

	if (all)
		n = k->out_len;
	else if ((nl = memrchr(k->out, '\n', k->out_len)) != NULL)
		n = (size_t)(nl - k->out) + 1;
	else if (k->out_len == k->out_cap && k->out_cap >= out_max)
		n = k->out_len; /* longer than any record can be: let it go */
	else
		return;
	if (n == 0)
		return;
	fwrite(k->out, 1, n, stdout);
	memmove(k->out, k->out + n, k->out_len - n);
	k->out_len -= n;
}

static void
status_line(struct worker *k, char *line)
{
	unsigned long long d, t, p, o;
	int ht;
	json_error_t err;

	if (line[0] == 'P' &&
	    sscanf(line, "P %llu %llu %d %llu %llu", &d, &t, &ht, &p, &o) ==
	        5) {
		k->done = d, k->total = t, k->have_total = ht;
		k->probes = p, k->open = o;
	} else if (line[0] == '{') {
		json_decref(k->summary);
		k->summary = json_loads(line, 0, &err);
	}
}

static void
read_status(struct worker *k)
{
	char *nl, *p;
	ssize_t n;

	n = read(k->st_fd, k->st + k->st_len, sizeof(k->st) - 1 - k->st_len);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(k->st_fd);
			k->st_fd = -1;
		}
		return;
	}
	k->st_len += (size_t)n;
	k->st[k->st_len] = '\0';
	p = k->st;
	while ((nl = strchr(p, '\n')) != NULL) {
		*nl = '\0';
		status_line(k, p);
		p = nl + 1;
	}
	k->st_len -= (size_t)(p - k->st);
	memmove(k->st, p, k->st_len);
	if (k->st_len == sizeof(k->st) - 1)
		k->st_len = 0; /* a runaway line: drop it */
}

static void
show_progress(const struct scan_opts *o, double now)
{
	struct scan_counts c;
	uint64_t done = 0, total = 0;
	int i, have_total = 1;

	(void)o;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < nw; i++) {
		done += w[i].done;
		c.probes += w[i].probes;
		c.open += w[i].open;
		if (!w[i].have_total)
			have_total = 0;
		if (w[i].total > total)
			total = w[i].total; /* each sees the whole space */
	}
	out_progress(&c, done, have_total, total, now, 0);
}

/* The summed summary of the workers, printed and written like any other. */
static void
summarize(const struct scan_opts *o, struct stats *st)
{
	const char *key;
	json_t *v, *first = w[0].summary;
	double d, dmax;
	uint64_t sum;
	int i;

	if (first == NULL) {
		stats_emit(st, o->stats_path);
		return;
	}
	json_object_foreach(first, key, v)
	{
		if (strcmp(key, "program") == 0 || strcmp(key, "secs") == 0)
			continue;
		if (json_is_integer(v)) {
			sum = 0;
			for (i = 0; i < nw; i++) {
				json_t *x = json_object_get(w[i].summary, key);
				uint64_t n = json_is_integer(x)
				    ? (uint64_t)json_integer_value(x)
				    : 0;
				if (same_in_all(key) && i > 0)
					break;
				if (strncmp(key, "max_", 4) == 0)
					sum = n > sum ? n : sum;
				else
					sum += n;
			}
			stats_u64(st, key, sum);
		} else if (json_is_real(v)) {
			/* loss and the like: the worst worker's */
			dmax = 0;
			for (i = 0; i < nw; i++) {
				d = json_real_value(
				    json_object_get(w[i].summary, key));
				if (d > dmax)
					dmax = d;
			}
			stats_double(st, key, dmax);
		}
	}
	stats_u64(st, "workers", (uint64_t)nw);
	stats_emit(st, o->stats_path);
}

/* The parent's loop: feed, merge, report, until every worker is done. */
static int
parent_loop(struct scan_opts *o, int feed)
{
	struct pollfd *pfd = xcalloc((size_t)(2 * nw + 1), sizeof(*pfd));
	char *in = xmalloc(WBUF);
	size_t in_len = 0, *in_off = xcalloc((size_t)nw, sizeof(*in_off));
	int i, n, open_outs = nw, stdin_open = feed, forwarded = 0;
	int stopping = 0, out_gone = 0;
	ssize_t r;

	while (open_outs > 0) {
		if (sig_stop && !stopping) {
			for (i = 0; i < nw; i++)
				kill(w[i].pid, sig_stop);
			stopping = 1;
			stdin_open = 0;
		}
		n = 0;
		/* Read more input once every worker has taken the last. */
		if (stdin_open && !stopping) {
			int drained = 1;
			for (i = 0; i < nw; i++)
				if (w[i].in_fd >= 0 && in_off[i] < in_len)
					drained = 0;
			if (drained) {
				in_len = 0;
				memset(in_off, 0, (size_t)nw * sizeof(*in_off));
				pfd[n].fd = 0;
				pfd[n++].events = POLLIN;
			}
		}
		for (i = 0; i < nw; i++) {
			if (w[i].in_fd >= 0 && in_off[i] < in_len) {
				pfd[n].fd = w[i].in_fd;
				pfd[n++].events = POLLOUT;
			}
			if (w[i].out_fd >= 0) {
				pfd[n].fd = w[i].out_fd;
				pfd[n++].events = POLLIN;
			}
			if (w[i].st_fd >= 0) {
				pfd[n].fd = w[i].st_fd;
				pfd[n++].events = POLLIN;
			}
		}
		if (poll(pfd, (nfds_t)n, 250) < 0 && errno != EINTR)
			log_fatal(1, "poll");
		if (pfd[0].fd == 0 && (pfd[0].revents & (POLLIN | POLLHUP))) {
			r = read(0, in, WBUF);
			if (r > 0)
				in_len = (size_t)r;
			else if (r == 0 || errno != EINTR) {
				stdin_open = 0;
				for (i = 0; i < nw; i++)
					if (w[i].in_fd >= 0) {
						close(w[i].in_fd);
						w[i].in_fd = -1;
					}
			}
		}
		for (i = 0; i < nw; i++) {
			struct worker *k = &w[i];

			if (k->in_fd >= 0 && in_off[i] < in_len) {
				r = write(k->in_fd, in + in_off[i],
				    in_len - in_off[i]);
				if (r > 0)
					in_off[i] += (size_t)r;
				else if (r < 0 && errno == EPIPE) {
					close(k->in_fd);
					k->in_fd = -1;
				}
			}
			if (k->out_fd >= 0 && k->out_len == k->out_cap &&
			    k->out_cap < out_max) {
				/* A line longer than the buffer: make room. */
				k->out_cap *= 2;
				k->out = xreallocarray(k->out, k->out_cap, 1);
			}
			if (k->out_fd >= 0 && k->out_len < k->out_cap) {
				r = read(k->out_fd, k->out + k->out_len,
				    k->out_cap - k->out_len);
				if (r > 0) {
					k->out_len += (size_t)r;
					forward(k, 0);
					forwarded = 1;
				} else if (r == 0 ||
				    (errno != EAGAIN && errno != EINTR)) {
					forward(k, 1);
					close(k->out_fd);
					k->out_fd = -1;
					open_outs--;
				}
			}
			if (k->st_fd >= 0)
				read_status(k);
		}
		if (forwarded && (fflush(stdout) != 0 || ferror(stdout))) {
			/* Our reader went away (| head): stop the workers. */
			if (!out_gone)
				for (i = 0; i < nw; i++)
					kill(w[i].pid, SIGTERM);
			out_gone = stopping = 1;
			stdin_open = 0;
		}
		forwarded = 0;
		show_progress(o, stats_now());
	}
	for (i = 0; i < nw; i++) {
		while (w[i].st_fd >= 0)
			read_status(&w[i]);
		if (w[i].in_fd >= 0)
			close(w[i].in_fd);
	}
	out_progress(NULL, 0, 0, 0, stats_now(), 1);
	free(pfd);
	free(in);
	free(in_off);
	return out_gone;
}

/* The child's side: its pipes in place of stdin/stdout, its share. */
static void
become_worker(struct scan_opts *o, int index, int in_fd, int out_fd, int st_fd)
{
	if (in_fd >= 0 && dup2(in_fd, 0) < 0)
		log_fatal(1, "dup2");
	if (dup2(out_fd, 1) < 0)
		log_fatal(1, "dup2");
	if (in_fd >= 0)
		close(in_fd);
	close(out_fd);
	o->worker = index;
	o->status_fd = st_fd;
	o->concurrency = o->concurrency / (uint64_t)o->workers;
	if (o->concurrency < 16)
		o->concurrency = 16;
	o->rate = o->rate / o->workers;
	o->quiet = 1; /* the parent prints the summary */
	log_quiet = 1;
	o->stats_path = NULL;
}

int
workers_run(struct scan_opts *o)
{
	int feed = o->nargs == 0 &&
	    (o->input_file == NULL || strcmp(o->input_file, "-") == 0);
	int i, pin[2], pout[2], pst[2], status = 0, out_gone;
	struct stats *st;
	pid_t pid;

	nw = o->workers;
	w = xcalloc((size_t)nw, sizeof(*w));
	/* A record carries its input record through: it may be as long as
	 * the longest input line, plus what the scan adds. */
	out_max = 2 * o->max_line + WBUF;
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < nw; i++) {
		pin[0] = pin[1] = -1;
		if ((feed && pipe2(pin, O_CLOEXEC) < 0) ||
		    pipe2(pout, O_CLOEXEC) < 0 || pipe2(pst, O_CLOEXEC) < 0)
			log_fatal(1, "pipe");
		if ((pid = fork()) < 0)
			log_fatal(1, "fork");
		if (pid == 0) {
			/* The fds of earlier workers are close-on-exec but we
			 * do not exec: close them so EOFs arrive. */
			for (int j = 0; j < i; j++) {
				if (w[j].in_fd >= 0)
					close(w[j].in_fd);
				close(w[j].out_fd);
				close(w[j].st_fd);
				free(w[j].out);
			}
			if (feed)
				close(pin[1]);
			close(pout[0]);
			close(pst[0]);
			become_worker(
			    o, i, feed ? pin[0] : -1, pout[1], pst[1]);
			free(w);
			return -1;
		}
		if (feed)
			close(pin[0]);
		close(pout[1]);
		close(pst[1]);
		w[i].pid = pid;
		w[i].out_cap = WBUF;
		w[i].out = xmalloc(WBUF);
		w[i].in_fd = feed ? pin[1] : -1;
		w[i].out_fd = pout[0];
		w[i].st_fd = pst[0];
		if (w[i].in_fd >= 0)
			set_nonblock(w[i].in_fd);
		set_nonblock(w[i].out_fd);
		set_nonblock(w[i].st_fd);
	}
	st = stats_new();
	out_gone = parent_loop(o, feed);
	for (i = 0; i < nw; i++) {
		while (waitpid(w[i].pid, &w[i].status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(w[i].status) && WEXITSTATUS(w[i].status) != 0 &&
		    status == 0)
			status = WEXITSTATUS(w[i].status);
		else if (WIFSIGNALED(w[i].status) && status == 0 && !out_gone) {
			log_warnx("worker %d died of signal %d", i,
			    WTERMSIG(w[i].status));
			status = EXIT_REJECTED;
		}
	}
	summarize(o, st);
	for (i = 0; i < nw; i++) {
		json_decref(w[i].summary);
		free(w[i].out);
	}
	free(w);
	if (sig_stop)
		return sig_exit_status();
	if (out_gone)
		return 0;
	return status;
}

void
workers_report(const struct scan_opts *o, uint64_t done, int have_total,
    uint64_t total, uint64_t probes, uint64_t open)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof(line), "P %llu %llu %d %llu %llu\n",
	    (unsigned long long)done, (unsigned long long)total, have_total,
	    (unsigned long long)probes, (unsigned long long)open);
	if (write(o->status_fd, line, (size_t)n) < 0) {
		/* the parent is gone: nothing to report to */
	}
}

int
workers_owns(const struct scan_opts *o, u128 addr)
{
	/* A keyed hash of the address alone: a host stays with one worker. */
	return perm_hash(o->seed ^ UINT64_C(0x776f726b657273), addr, -1) %
	    (uint64_t)o->workers ==
	    (uint64_t)o->worker;
}
