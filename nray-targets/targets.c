/* targets.c - the per-record pipeline of nray-targets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/nameser.h>

#include "axfr.h"
#include "jsonl.h"
#include "log.h"
#include "nerr.h"
#include "record.h"
#include "sig.h"
#include "strmap.h"
#include "targets.h"
#include "xalloc.h"

static void
emit(struct targets_ctx *c, json_t *rec)
{
	if (c->out_closed)
		return;
	if (jsonl_write(stdout, rec) != 0) {
		if (errno != EPIPE) {
			log_warn("write");
			c->failed = 1;
		}
		c->out_closed = 1;
		return;
	}
	c->out++;
}

/* REC with its address field replaced by IP, CIDR or range text. */
static json_t *
with_address(json_t *rec, const char *key, const char *value)
{
	json_t *o = json_deep_copy(rec);

	if (o == NULL)
		log_fatalx(1, "out of memory");
	json_object_del(o, "ip");
	json_object_del(o, "cidr");
	json_object_del(o, "range");
	json_object_set_new(o, key, json_string(value));
	return o;
}

/* Writes [lo, hi] as CIDR blocks of at most MAX addresses (0: any size). */
static void
emit_blocks(struct targets_ctx *c, json_t *rec, u128 lo, u128 hi, uint64_t max)
{
	char a[ADDR_STRLEN], buf[ADDR_STRLEN + 5];
	int bits = addr_bits(lo), k;
	u128 span;
	json_t *o;

	for (;;) {
		/* The largest aligned block at lo that fits in [lo, hi]. */
		span = hi - lo; /* addresses after lo */
		for (k = 0; k < bits; k++) {
			u128 size = (u128)1 << (k + 1);
			if ((lo & (size - 1)) != 0 || size - 1 > span ||
			    (max && size > max))
				break;
		}
		if (k == 0) {
			o = with_address(rec, "ip", addr_format(lo, a));
		} else {
			snprintf(buf, sizeof(buf), "%s/%d", addr_format(lo, a),
			    bits - k);
			o = with_address(rec, "cidr", buf);
		}
		emit(c, o);
		json_decref(o);
		/* k == 128 is the whole space: nothing after it. */
		if (k == 128 || ((u128)1 << k) - 1 == span)
			break;
		lo += (u128)1 << k;
		if (c->out_closed || sig_stop)
			break;
	}
}

/* An address target: exclusions, then as it is or in blocks. */
static void
handle_addresses(struct targets_ctx *c, json_t *rec, const struct target *t)
{
	struct addrset *s;
	u128 lo, hi, size = target_size(t);
	size_t i;

	if (!addrset_overlaps(c->excl.set, t->lo, t->hi) &&
	    (c->split == 0 || size <= c->split)) {
		emit(c, rec);
		return;
	}
	s = addrset_new();
	addrset_add(s, t->lo, t->hi);
	addrset_subtract(s, c->excl.set);
	if (addrset_count(s) < size)
		c->excluded++;
	for (i = 0; i < addrset_nintervals(s) && !c->out_closed; i++) {
		addrset_interval(s, i, &lo, &hi);
		emit_blocks(c, rec, lo, hi, c->split);
	}
	addrset_free(s);
}

/* --expand: the record's members other than type and address, as text. */
static char *
extra_members(json_t *rec)
{
	json_t *o = json_deep_copy(rec);
	char *text, *inner;
	size_t len;

	json_object_del(o, "type");
	json_object_del(o, "ip");
	json_object_del(o, "cidr");
	json_object_del(o, "range");
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		log_fatalx(1, "out of memory");
	len = strlen(text); /* "{...}": drop the braces */
	inner = xstrndup(text + 1, len - 2);
	free(text);
	return inner;
}

static void
resolved(void *arg, const char *name, int status, const u128 *addrs, size_t n,
    const char *why)
{
	struct targets_ctx *c = ((void **)arg)[0];
	json_t *rec = ((void **)arg)[1];
	char a[ADDR_STRLEN];
	size_t i, kept = 0;
	json_t *o;

	if (status != 0) {
		log_warnx("%s: %s", name, why);
		c->unresolved++;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (addrset_contains(c->excl.set, addrs[i]))
			continue;
		o = with_address(rec, "ip", addr_format(addrs[i], a));
		emit(c, o);
		json_decref(o);
		kept++;
	}
	if (kept == 0) {
		log_warnx("%s: every address is excluded", name);
		c->excluded++;
	}
out:
	json_decref(rec);
	free(arg);
}

static void
handle_host(struct targets_ctx *c, json_t *rec, const struct target *t)
{
	void **arg;

	if (c->resolver == NULL) {
		emit(c, rec);
		return;
	}
	while (resolve_pending(c->resolver) >= c->concurrency && !sig_stop)
		resolve_wait(c->resolver, -1);
	arg = xmalloc(2 * sizeof(*arg));
	arg[0] = c;
	arg[1] = json_incref(rec);
	resolve_submit(c->resolver, t->host, c->families, resolved, arg);
}

/* Handles one record (borrowed) naming target T. */
static void
handle(struct targets_ctx *c, json_t *rec, const struct target *t,
    const char *ports)
{
	char *extra;

	if (c->ports != NULL && t->port < 0 && ports == NULL)
		json_object_set(rec, "ports", c->ports);
	if (t->kind == TARGET_HOST) {
		handle_host(c, rec, t);
	} else if (c->expand != NULL && t->host[0] == '\0') {
		extra = extra_members(rec);
		expand_add(c->expand, t->lo, t->hi, extra);
		free(extra);
	} else {
		handle_addresses(c, rec, t);
	}
}

void
targets_line(struct targets_ctx *c, const char *source, uint64_t lineno,
    const char *text, size_t len)
{
	const char *why, *ports;
	struct target t;
	json_t *rec;

	c->in++;
	if (record_parse(text, len, &rec, &why) != 0) {
		log_input_error(source, lineno, why, text, len);
		c->rejected++;
		return;
	}
	if (rec == NULL)
		return; /* a comment */
	if (record_target(rec, &t, &ports, &why) != 0) {
		log_input_error(source, lineno, why, text, len);
		c->rejected++;
	} else {
		handle(c, rec, &t, ports);
	}
	json_decref(rec);
}

struct axfr_state {
	struct targets_ctx *c;
	struct strmap *seen; /* "name" and "name ip" already written */
	const char *zone;
};

static int
axfr_record(void *arg, const struct axfr_rr *rr)
{
	struct axfr_state *as = arg;
	char a[ADDR_STRLEN], key[TARGET_HOSTMAX + ADDR_STRLEN + 2];
	struct target t;
	const char *why;
	json_t *rec, *src;

	/* Names of hosts: owners of addresses, aliases, mail exchangers,
	 * name servers and services; not TXT, SOA and the like. */
	if (!rr->has_addr && rr->type != ns_t_cname && rr->type != ns_t_mx &&
	    rr->type != ns_t_ns && rr->type != ns_t_srv &&
	    rr->type != ns_t_dname && rr->type != ns_t_ptr)
		return 0;
	if (target_parse(rr->owner, strlen(rr->owner), &t, &why) != 0 ||
	    t.kind != TARGET_HOST)
		return 0; /* "*.zone", "_tcp" labels alone and the like */
	if (rr->has_addr)
		snprintf(key, sizeof(key), "%s %s", t.host,
		    addr_format(rr->addr, a));
	else
		snprintf(key, sizeof(key), "%s", t.host);
	if (strmap_get(as->seen, key) != NULL)
		return 0;
	strmap_put(as->seen, key, as);
	rec = json_pack("{s:s, s:s}", "type", "target", "host", t.host);
	if (rr->has_addr) {
		json_object_set_new(rec, "ip", json_string(a));
		t.kind = TARGET_IP;
		t.lo = t.hi = rr->addr;
	}
	src = json_pack("{s:{s:s, s:s}}", "axfr", "zone", as->zone, "server",
	    rr->server != NULL ? rr->server : "");
	json_object_set_new(rec, "src", src);
	handle(as->c, rec, &t, NULL);
	json_decref(rec);
	return as->c->out_closed || sig_stop;
}

void
targets_axfr(struct targets_ctx *c, const char *spec, const char *dns_server,
    double timeout)
{
	char zone[TARGET_HOSTMAX + 2], server[TARGET_HOSTMAX + 2], err[512];
	struct axfr_state as;
	const char *why;
	int port;

	if (axfr_parse_spec(spec, zone, sizeof(zone), server, sizeof(server),
	        &port, &why) != 0) {
		log_warnx("--axfr %s: %s", spec, why);
		c->failed = 1;
		return;
	}
	memset(&as, 0, sizeof(as));
	as.c = c;
	as.zone = zone;
	as.seen = strmap_new();
	if (axfr_transfer(zone, server[0] ? server : NULL, port, timeout,
	        dns_server, axfr_record, &as, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		c->failed = 1;
	}
	strmap_free(as.seen);
}

void
targets_drain(struct targets_ctx *c)
{
	while (c->resolver != NULL && resolve_pending(c->resolver) > 0 &&
	    !sig_stop)
		resolve_wait(c->resolver, -1);
}

void
targets_expand(struct targets_ctx *c)
{
	uint64_t n = 0;
	int rc;

	rc = expand_run(c->expand, c->seed, &c->shard, c->excl.set, stdout, &n);
	c->out += n;
	if (rc == NERR_TOOBIG) {
		log_warnx("--expand: more than 2^64 - 1 addresses");
		c->failed = 1;
	} else if (rc != 0 && errno != EPIPE) {
		log_warn("write");
		c->failed = 1;
	}
}
