/*
 * output.c - port and host records on stdout, progress on stderr.
 *
 * A record is built from the fields nray-scan knows, then every field of
 * the input record except the ones a port record replaces (addressing:
 * cidr, range, port, ports; and its own: type, ts, ip, proto, state,
 * reason, rtt_ms, flag).  Records are buffered and flushed once per loop
 * turn, so output streams without a write per record.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"

#include "log.h"
#include "record.h"

static struct scan_opts *oo;
static int dirty, out_gone, out_err, tty;
static double last_progress, last_rate_t;
static uint64_t last_rate_probes;
static double shown_rate;

static const char *const replaced[] = {"type", "ts", "ip", "port", "ports",
    "cidr", "range", "proto", "state", "reason", "rtt_ms", "flag", NULL};

/* Remembers the options; notes whether stderr is a terminal. */
void
out_init(struct scan_opts *o)
{
	oo = o;
	tty = isatty(2);
}

static int
is_replaced(const char *key)
{
	int i;

	for (i = 0; replaced[i] != NULL; i++)
		if (strcmp(key, replaced[i]) == 0)
			return 1;
	return 0;
}

static void
carry(json_t *obj, const struct tgt *t)
{
	const char *key;
	json_t *v;

	if (t->host != NULL && json_object_get(obj, "host") == NULL)
		json_object_set_new(obj, "host", json_string(t->host));
	if (t->rec == NULL)
		return;
	json_object_foreach(t->rec, key, v)
	{
		if (!is_replaced(key) && json_object_get(obj, key) == NULL)
			json_object_set(obj, key, v);
	}
}

static void
emit(json_t *obj)
{
	char buf[4096], *big = NULL;
	size_t n;

	if (out_gone) {
		json_decref(obj);
		return;
	}
	/* 6 significant digits: "rtt_ms":0.213, not 0.21299999999999999 */
	n = json_dumpb(
	    obj, buf, sizeof(buf) - 1, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (n >= sizeof(buf) - 1) {
		big = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(6));
		if (big != NULL) {
			fputs(big, stdout);
			putchar('\n');
			free(big);
		}
	} else if (n > 0) {
		buf[n++] = '\n';
		fwrite(buf, 1, n, stdout);
	}
	json_decref(obj);
	dirty = 1;
}

static json_t *
base_record(const char *type, const struct elem *e)
{
	json_t *obj = json_object();
	char ts[32], ip[ADDR_STRLEN];

	json_object_set_new(obj, "type", json_string(type));
	json_object_set_new(
	    obj, "ts", json_string(record_timestamp(ts, sizeof(ts))));
	if (e->t->host != NULL)
		json_object_set_new(obj, "host", json_string(e->t->host));
	json_object_set_new(obj, "ip", json_string(addr_format(e->addr, ip)));
	return obj;
}

static void
set_rtt(json_t *obj, double rtt)
{
	if (rtt >= 0)
		json_object_set_new(
		    obj, "rtt_ms", json_real(round(rtt * 1e6) / 1e3));
}

/* A port record, when --states wants STBIT. */
void
out_port(const struct elem *e, unsigned stbit, const char *state,
    const char *reason, double rtt)
{
	json_t *obj;

	if (!(oo->states & stbit))
		return;
	obj = base_record("port", e);
	json_object_set_new(obj, "port", json_integer(e->port));
	json_object_set_new(obj, "proto", json_string("tcp"));
	json_object_set_new(obj, "state", json_string(state));
	set_rtt(obj, rtt);
	json_object_set_new(obj, "reason", json_string(reason));
	carry(obj, e->t);
	emit(obj);
}

/* A host record: discovery ("up") or the all-ports-open flag. */
void
out_host(const struct elem *e, const char *reason, double rtt, const char *flag)
{
	json_t *obj = base_record("host", e);

	json_object_set_new(obj, "state", json_string("up"));
	set_rtt(obj, rtt);
	json_object_set_new(obj, "reason", json_string(reason));
	if (flag != NULL)
		json_object_set_new(obj, "flag", json_string(flag));
	carry(obj, e->t);
	emit(obj);
}

/*
 * Flushes what this turn wrote.  0, or -1 once stdout is gone (EPIPE: the
 * reader left, a quiet stop) or failed (after a message).
 */
int
out_flush(void)
{
	if (out_gone)
		return -1;
	if (!dirty)
		return 0;
	dirty = 0;
	if (fflush(stdout) == 0)
		return 0;
	out_gone = 1;
	if (errno != EPIPE) {
		out_err = 1;
		log_warn("stdout");
	}
	return -1;
}

/* True when a write to stdout failed with something else than EPIPE. */
int
out_failed(void)
{
	return out_err;
}

/* Progress on stderr: a few times a second on a terminal, else each 2 s. */
void
out_progress(const struct scan_counts *c, uint64_t done, int have_total,
    uint64_t total, double now, int force)
{
	double every = tty ? 0.25 : 2.0;
	char eta[32] = "";
	double dt;

	if (oo->status_fd >= 0) {
		/* A worker: the parent shows the sum of all. */
		if (!force && now - last_progress >= 0.25) {
			last_progress = now;
			workers_report(
			    oo, done, have_total, total, c->probes, c->open);
		}
		return;
	}
	if (oo->quiet || !(oo->progress || tty))
		return;
	if (force) {
		if (tty && last_progress > 0)
			fputs("\r\033[K", stderr);
		return;
	}
	if (!force && now - last_progress < every)
		return;
	if (last_progress == 0) {
		last_progress = now;
		last_rate_t = now;
		return;
	}
	dt = now - last_rate_t;
	if (dt >= 1 || shown_rate == 0) {
		if (dt > 0)
			shown_rate =
			    (double)(c->probes - last_rate_probes) / dt;
		last_rate_t = now;
		last_rate_probes = c->probes;
	}
	last_progress = now;
	if (have_total && total > 0 && shown_rate > 0 && done < total) {
		double s = (double)(total - done) / shown_rate;

		snprintf(eta, sizeof(eta), ", ETA %d:%02d:%02d",
		    (int)(s / 3600), (int)fmod(s / 60, 60), (int)fmod(s, 60));
	}
	if (have_total && total > 0)
		fprintf(stderr,
		    "%s%s: %llu/%llu (%.1f%%) done, %.0f probes/s, "
		    "%llu open%s%s",
		    tty ? "\r" : "", log_progname(), (unsigned long long)done,
		    (unsigned long long)total,
		    100.0 * (double)done / (double)total, shown_rate,
		    (unsigned long long)c->open, eta, tty ? "\033[K" : "\n");
	else
		fprintf(stderr, "%s%s: %llu done, %.0f probes/s, %llu open%s",
		    tty ? "\r" : "", log_progname(), (unsigned long long)done,
		    shown_rate, (unsigned long long)c->open,
		    tty ? "\033[K" : "\n");
}
